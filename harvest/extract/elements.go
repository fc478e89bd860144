package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/harvestdev/ytharvest/harvest"
)

// readMode says how an attribute value is read.
type readMode uint8

const (
	skipAttr   readMode = iota
	readURL             // one URL (scanned as code when it looks like markup or JSON)
	readCode            // code or markup that may hold several URLs
	readThumbs          // CSS: only thumbnail images count
	readMeta            // a <meta> content: one URL, or prose with URLs in it
)

// attrRole says how attribute key of element n is read and which kind the
// references in it make.
func attrRole(n *html.Node, key string) (string, readMode) {
	switch key {
	case "href":
		switch n.DataAtom {
		case atom.Link:
			if strings.Contains(strings.ToLower(attr(n, "type")), "oembed") {
				return harvest.KindOEmbed, readURL
			}
			return harvest.KindMeta, readURL
		case atom.Base:
			return "", skipAttr
		}
		return harvest.KindDataAttribute, readURL
	case "src":
		switch n.DataAtom {
		case atom.Iframe, atom.Frame:
			return harvest.KindIframe, readURL
		case atom.Embed, atom.Video, atom.Audio, atom.Source, atom.Track:
			return harvest.KindObject, readURL
		case atom.Script:
			// The IFrame API loader and plugin scripts: infrastructure,
			// never a reference.
			return "", skipAttr
		case 0:
			if n.Data == "amp-iframe" {
				return harvest.KindIframe, readURL
			}
		}
		return harvest.KindDataAttribute, readURL
	case "data":
		if n.DataAtom == atom.Object {
			return harvest.KindObject, readURL
		}
		return "", skipAttr
	case "value":
		if n.DataAtom == atom.Param { // <param name="movie" value="…/v/ID">
			return harvest.KindObject, readURL
		}
		return "", skipAttr // an <input>'s value is what a reader types
	case "content":
		if n.DataAtom == atom.Meta {
			return harvest.KindMeta, readMeta
		}
		return "", skipAttr
	case "poster":
		return harvest.KindObject, readURL
	case "srcset":
		return harvest.KindDataAttribute, readCode
	case "srcdoc":
		return harvest.KindLazyIframe, readCode
	case "style":
		return harvest.KindThumbnail, readThumbs
	}
	switch {
	case strings.HasPrefix(key, "data-"):
		if n.DataAtom == atom.Iframe || n.DataAtom == atom.Frame || n.Data == "amp-iframe" {
			return harvest.KindLazyIframe, readURL
		}
		return harvest.KindDataAttribute, readURL
	case strings.HasPrefix(key, "on"):
		return harvest.KindScript, readCode
	}
	return "", skipAttr
}

// handlerHits reports whether attribute key is an event handler that
// holds "youtu" or "ytimg", or names an IFrame Player API call
// (onclick="player.loadVideoById('ID')").
func (w *walker) handlerHits(key, v string) bool {
	if !strings.HasPrefix(key, "on") {
		return false
	}
	f := newFinder(v, w.apiMarks)
	return f.next(0) >= 0
}

// mainAttr reports whether key holds element n's own URL, as opposed to a
// copy parked in a data-* attribute.
func mainAttr(key string) bool {
	switch key {
	case "href", "src", "data", "value", "content":
		return true
	}
	return false
}

// element reads the references element n makes through its attributes:
// its own URL, lazy-loader and data-* copies, bare IDs, CSS thumbnails,
// event handlers, and the player components.
func (w *walker) element(n *html.Node, e *elemInfo) {
	w.cur = n
	first := len(w.cands)
	component := false
	if n.DataAtom == 0 {
		switch n.Data {
		case "lite-youtube":
			w.liteYouTube(n)
			component = true
		case "amp-youtube":
			w.ampYouTube(n)
			component = true
		}
	}
	if e.hits {
		w.attrs(n, "")
	}
	if e.bareID && !component {
		w.bareIDs(n, len(w.cands) > first)
	}
	if e.selfThumb {
		w.selfThumbs(n)
	}
	if len(w.cands) > first {
		if ctx := elementContext(n); ctx != "" {
			for i := first; i < len(w.cands); i++ {
				if w.cands[i].ref.Context == "" {
					w.cands[i].ref.Context = ctx
				}
			}
		}
	}
}

// elementContext returns the description a player element gives itself:
// its title (oEmbed iframes from WordPress, Ghost and others carry the
// video's title there), its ARIA label, an image's alt text, or a
// lite-youtube's play label.
func elementContext(n *html.Node) string {
	for _, key := range [...]string{"title", "aria-label", "alt", "playlabel"} {
		if v, ok := attrOK(n, key); ok {
			if key == "alt" && n.DataAtom != atom.Img {
				continue
			}
			if ctx := clip(collapse(v), maxContext); ctx != "" {
				return ctx
			}
		}
	}
	return ""
}

// attrs reads the URL-valued attributes of n except skip. A data-* copy of
// what the element's own URL attribute names adds nothing (an iframe with
// both src and data-src), so it is dropped.
func (w *walker) attrs(n *html.Node, skip string) {
	mainFirst := len(w.cands)
	mainLast := mainFirst
	for pass := 0; pass < 2; pass++ {
		for i := range n.Attr {
			a := &n.Attr[i]
			if a.Namespace != "" || a.Key == skip || mainAttr(a.Key) != (pass == 0) {
				continue
			}
			if indexYT(a.Val) < 0 && !(w.baseYT && (a.Key == "href" || a.Key == "src")) && !w.handlerHits(a.Key, a.Val) {
				continue
			}
			role, mode := attrRole(n, a.Key)
			if mode == skipAttr {
				continue
			}
			add := w.adder(role)
			if pass == 1 && mainLast > mainFirst {
				add = func(f found) {
					for _, c := range w.cands[mainFirst:mainLast] {
						if c.ref.Type == f.ref.Type && c.ref.ID == f.ref.ID {
							return
						}
					}
					w.add(f, role)
				}
			}
			w.readAttr(a.Val, role, mode, add)
		}
		if pass == 0 {
			mainLast = len(w.cands)
		}
	}
}

// readAttr reads one attribute value.
func (w *walker) readAttr(v, role string, mode readMode, add func(found)) {
	switch mode {
	case readThumbs:
		w.code(v, func(f found) {
			if f.via == viaThumbnail {
				add(f)
			}
		})
		return
	case readMeta:
		if strings.ContainsAny(strings.TrimSpace(v), " \t\n\r") {
			scanURLs(v, func(t textURL) { w.lookup(withScheme(v[t.start:t.end]), add) })
			return
		}
	case readCode:
		if role == harvest.KindScript {
			w.scriptCode(v, add) // an on… handler
		} else {
			w.code(v, add)
		}
		return
	}
	if looksLikeMarkup(v) || encodedMarkup(v) {
		w.code(v, add)
		return
	}
	if role == harvest.KindLazyIframe && !isWebURLForm(v) {
		// A lazy loader's data-src holds a web URL; an app link or a bare
		// value in an iframe's other data-* attributes is data.
		add = w.adder(harvest.KindDataAttribute)
	}
	w.lookup(v, add)
}

// code reads the URLs written in code or markup (see scanCode). Video IDs
// found there must look generated (looksLikeID): templates and examples
// in code write placeholders such as VIDEO_ID_HERE.
func (w *walker) code(s string, add func(found)) {
	scanCode(s, func(tok string) { w.lookup(tok, generatedIDs(add)) })
}

// scriptCode reads script text or an event handler: the URLs written in
// it, as code does, and the IFrame Player API calls (playerapi.go).
func (w *walker) scriptCode(s string, add func(found)) {
	if !w.apiMarks {
		w.code(s, add) // no API call to read: URLs only
		return
	}
	budget := callBudget(len(s))
	scanScript(s, func(tok string) { w.lookup(tok, generatedIDs(add)) },
		func(s string, at int) { apiCall(s, at, &budget, add) })
}

// generatedIDs passes on what add receives, but for video IDs that do not
// look generated.
func generatedIDs(add func(found)) func(found) {
	return func(f found) {
		if f.ref.Type == harvest.RefVideo && !looksLikeID(f.ref.ID) {
			return
		}
		add(f)
	}
}

// looksLikeMarkup reports whether an attribute value holds markup, JSON or
// several tokens rather than one URL.
func looksLikeMarkup(v string) bool {
	v = strings.TrimSpace(v)
	return strings.ContainsAny(v, " \t\n\r\"'<>{}")
}

// isWebURLForm reports whether v is written as a web URL: with an http(s)
// scheme, protocol-relative, relative to the page, or a scheme-less
// YouTube host.
func isWebURLForm(v string) bool {
	v = strings.TrimSpace(v)
	if hasPrefixFold(v, "http:") || hasPrefixFold(v, "https:") || strings.HasPrefix(v, "/") {
		return true
	}
	return isYouTubeHostPrefix(v)
}

// anchor reads a link (<a href> or <area href>): an out-link, and the
// references its href and other attributes make. A link's references take
// its text as context, read when the link ends.
func (w *walker) anchor(n *html.Node, e *elemInfo) {
	href, ok := attrOK(n, "href")
	if ok {
		w.outLink(href)
	}
	if !e.hrefHit && !e.hits && !e.bareID && !e.selfThumb {
		return // the common case: a link to somewhere else
	}
	w.cur = n
	first := len(w.cands)
	if ok && e.hrefHit {
		w.lookup(href, w.adder(harvest.KindAnchor))
	}
	if e.hits {
		w.attrs(n, "href")
	}
	if e.bareID {
		w.bareIDs(n, len(w.cands) > first)
	}
	if e.selfThumb {
		w.selfThumbs(n)
	}
	if len(w.cands) == first {
		return
	}
	if n.DataAtom == atom.Area {
		ctx := clip(collapse(attr(n, "alt")), maxContext)
		for i := first; i < len(w.cands); i++ {
			w.cands[i].ref.Context = ctx
		}
		return
	}
	w.anchors = append(w.anchors, pendingAnchor{node: n, first: first, last: len(w.cands)})
}

// maxAnchorNodes bounds the nodes read for a link's text: a link that wraps
// a whole section (the loose parser can nest them) must not make the walk
// quadratic.
const maxAnchorNodes = 4096

// finishAnchor sets the context of the references of the link that has
// just ended: its text, or for an image-only link its accessible name.
func (w *walker) finishAnchor() {
	a := w.anchors[len(w.anchors)-1]
	w.anchors = w.anchors[:len(w.anchors)-1]
	b := &w.ctx
	// Four bytes a character is enough for any script; clip counts
	// characters at the end.
	b.reset(4 * maxContext)
	visibleText(a.node, false, b, nil, maxAnchorNodes)
	ctx := clip(b.String(), maxContext)
	if ctx == "" {
		ctx = clip(collapse(attr(a.node, "aria-label")), maxContext)
		if ctx == "" {
			ctx = clip(collapse(attr(a.node, "title")), maxContext)
		}
	}
	for i := a.first; i < a.last; i++ {
		if w.cands[i].ref.Context == "" {
			w.cands[i].ref.Context = ctx
		}
	}
}

// script reads the text of a <script>: JSON-LD (kind json_ld) and every
// other script, JSON state and template (kind script), whose IFrame Player
// API calls count too.
func (w *walker) script(n *html.Node) {
	w.cur = n
	text := childText(n)
	mediaType, _, _ := strings.Cut(attr(n, "type"), ";")
	ld := strings.EqualFold(strings.TrimSpace(mediaType), "application/ld+json")
	if ld {
		w.facts.ldJSON(text)
		if indexYT(text) >= 0 {
			w.code(text, w.adder(harvest.KindJSONLD))
		}
		return
	}
	if f := newFinder(text, w.apiMarks); f.next(0) >= 0 {
		w.scriptCode(text, w.adder(harvest.KindScript))
	}
}

// styleText reads the text of a <style>: only thumbnail images count.
func (w *walker) styleText(n *html.Node) {
	w.cur = n
	text := childText(n)
	if indexYT(text) < 0 {
		return
	}
	add := w.adder(harvest.KindThumbnail)
	w.code(text, func(f found) {
		if f.via == viaThumbnail {
			add(f)
		}
	})
}

// bareIDs reads video IDs written without a URL, in the data-* attributes
// that carry them. An 11-character token is a video only when the
// attribute is one that holds video IDs and something says YouTube:
//
//   - a name that says YouTube (data-youtube-id, data-yt-id, data-ytid)
//     is enough on any element;
//   - a name that says video or embed (data-video-id, data-videoid,
//     data-video, data-vid, data-plyr-embed-id, data-fallback-video-id)
//     counts when the element or one of its two nearest ancestors names
//     YouTube (class, id, tag or provider attribute), or the element
//     itself carries a YouTube URL (hadURL);
//   - a generic name (data-id, data-src, data-lazy-src) counts only on
//     the player itself: an element that names YouTube or carries a
//     YouTube URL, not any element inside a YouTube container (a like
//     button's data-id);
//   - any other name with "id" in it (data-chomp-id) counts only beside a
//     YouTube URL on the same element.
//
// An element's own id attribute is never read for an ID, whatever its
// form (id="WYL_ID", id="youtube-ID", an iframe's id): ids are the page's
// names for its elements, and a tracking pixel's or a player slot's
// (player_0001) is as ID-like as a video's. Players that put the video's
// ID in their id also carry it in a URL, a thumbnail or a data-*
// attribute. Other players use the same attribute names as YouTube ones
// (Kaltura's data-videoid="1_bi28rdbf"), so the name alone says nothing.
func (w *walker) bareIDs(n *html.Node, hadURL bool) {
	for i := range n.Attr {
		a := &n.Attr[i]
		if a.Namespace != "" || !strings.HasPrefix(a.Key, "data-") {
			continue
		}
		v := strings.TrimSpace(a.Val)
		if len(v) != videoIDLen || !ValidVideoID(v) || !looksLikeID(v) {
			continue
		}
		var ok bool
		switch idAttrName(a.Key[len("data-"):]) {
		case youTubeIDName:
			ok = true
		case videoIDName:
			ok = hadURL || nearYouTube(n, 2)
		case playerIDName:
			ok = hadURL || nearYouTube(n, 0)
		case otherIDName:
			ok = hadURL
		}
		if ok {
			w.add(bareVideo(v), harvest.KindDataAttribute)
		}
	}
}

// idName classifies the name of a data-* attribute by what its value may
// be (see bareIDs).
type idName uint8

const (
	notIDName     idName = iota
	otherIDName          // data-chomp-id, data-item-id: an ID of something
	playerIDName         // data-id, data-src, data-lazy-src: the element's own
	videoIDName          // data-video-id, data-video, data-vid, data-plyr-embed-id
	youTubeIDName        // data-youtube-id, data-yt-id
)

// idAttrName classifies a data-* attribute name, without "data-" (the
// parser has lower-cased it).
func idAttrName(name string) idName {
	switch {
	case nameSaysYouTube(name):
		return youTubeIDName
	case strings.Contains(name, "video") || strings.Contains(name, "embed") ||
		name == "vid" || strings.HasSuffix(name, "-vid"):
		return videoIDName
	}
	switch name {
	case "id", "src", "lazy-src":
		return playerIDName
	}
	if strings.Contains(name, "id") {
		return otherIDName
	}
	return notIDName
}

// nameSaysYouTube reports whether a data-* attribute name names YouTube:
// youtube-id, yt-id, ytid.
func nameSaysYouTube(name string) bool {
	return strings.Contains(name, "youtube") || strings.HasPrefix(name, "yt") || strings.Contains(name, "-yt")
}

// bareVideo is the reference of a video named by its ID alone; its URL is
// the video's watch page.
func bareVideo(id string) found {
	return found{ref: harvest.Reference{Type: harvest.RefVideo, ID: id, URL: watchURL + id}}
}

const (
	watchURL    = "https://www.youtube.com/watch?v="
	playlistURL = "https://www.youtube.com/playlist?list="
	channelURL  = "https://www.youtube.com/channel/"
	userURL     = "https://www.youtube.com/user/"
)

// liteYouTube reads a <lite-youtube> element (Paul Irish's and Justin
// Ribeiro's web components): videoid, playlistid, and the start and list
// in videostartat or params.
func (w *walker) liteYouTube(n *html.Node) {
	id := strings.TrimSpace(attr(n, "videoid"))
	list := strings.TrimSpace(attr(n, "playlistid"))
	params := attr(n, "params")
	if list == "" {
		list, _ = queryParam(params, "list")
	}
	start, _ := parseTimestamp(attr(n, "videostartat"))
	if start == 0 {
		for _, key := range [...]string{"start", "t"} {
			if v, ok := queryParam(params, key); ok {
				if s, ok := parseTimestamp(v); ok {
					start = s
					break
				}
			}
		}
	}
	w.component(id, list, "", start, harvest.KindLiteYouTube)
}

// ampYouTube reads an <amp-youtube> element: data-videoid (or the
// deprecated video-id), data-live-channelid, data-playlistid, and the
// start in data-param-start.
func (w *walker) ampYouTube(n *html.Node) {
	id := strings.TrimSpace(attr(n, "data-videoid"))
	if id == "" {
		id = strings.TrimSpace(attr(n, "video-id"))
	}
	start, _ := parseTimestamp(attr(n, "data-param-start"))
	list := strings.TrimSpace(attr(n, "data-playlistid"))
	if list == "" {
		list = strings.TrimSpace(attr(n, "data-param-list"))
	}
	w.component(id, list, strings.TrimSpace(attr(n, "data-live-channelid")), start, harvest.KindAMP)
}

// component records what a player component names: a video (with its
// playlist), else a playlist, and a live channel.
func (w *walker) component(id, list, channel string, start int, kind string) {
	if !validPlaylistID(list) {
		list = ""
	}
	switch {
	case ValidVideoID(id):
		f := bareVideo(id)
		f.ref.StartSeconds = start
		f.ref.PlaylistID = list
		w.add(f, kind)
	case list != "":
		w.add(found{ref: harvest.Reference{Type: harvest.RefPlaylist, ID: list, URL: playlistURL + list}}, kind)
	}
	if validChannelID(channel) {
		w.add(found{ref: harvest.Reference{Type: harvest.RefChannel, ID: channel, URL: channelURL + channel}}, kind)
	}
}
