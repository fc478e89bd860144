package extract

import (
	"net/url"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/harvestdev/ytharvest/harvest"
)

// candidate is a reference found during the walk, before the page-wide
// decisions (body or chrome, duplicates) are made.
type candidate struct {
	ref harvest.Reference
	at  place
	// needsCall: a self-hosted thumbnail, kept only if a script passes
	// its ID to a call (selfthumb.go).
	needsCall bool
}

// scope is the state a node inherits from its ancestors. The walker keeps a
// stack of them, one per open element, so nothing is ever recomputed by
// climbing back up the tree. It holds no pointers: pushing one costs a
// copy of 16 bytes and no write barrier while the collector runs, which is
// most of the time while a crawler parses.
type scope struct {
	rec      int32  // the innermost record (content.go)
	article  int32  // the innermost record of an article of its own, or -1
	region   region // chrome, container, head
	hidden   bool   // text here is not shown to readers (script, title, iframe fallback…)
	link     bool   // inside a link: its text is anchor text, not scanned for URLs
	noscript bool   // inside a re-parsed <noscript>, whose own <noscript>s stay text
	heading  bool   // inside the heading whose text is being collected
}

// pendingText is a URL pasted into text whose context is known only when
// its block element ends.
type pendingText struct {
	cand       int
	block      *html.Node
	node       *html.Node // the text node
	start, end int        // the URL's place in node.Data
}

// pendingAnchor is a link that made candidates cands[first:last]; their
// context is the link's text, read when the link ends.
type pendingAnchor struct {
	node        *html.Node
	first, last int
}

// walker holds the state of one walk over one page.
type walker struct {
	base   *url.URL // the document base: <base href> or the page URL
	baseYT bool     // the page is on a YouTube host: its relative links count
	// thumbMarks, apiMarks: the page's bytes may name a self-hosted
	// thumbnail, call the IFrame Player API (prescan.go).
	thumbMarks, apiMarks bool
	origin               string // scheme://host of base for the out-link fast path, "" when unusable
	scheme               string // base's scheme, for protocol-relative links; "" when unusable
	queryBase            string // the out-link form of base without its query, for href="?…"
	self                 string // the out-link form of base, for href="#…"
	selfOK               bool
	fastReady            bool       // scheme, queryBase and self are set
	bodyBase             *html.Node // the first <base href> outside <head>, if any

	cands         []candidate
	thumbIDs      map[string]bool // the IDs of self-hosted thumbnails: true once a call passes one
	links         []string
	scratch       []byte // an out-link being made (links.go)
	seenLinks     map[string]struct{}
	facts         facts
	classes       map[string]classInfo
	names         map[string]nameClass
	recentClasses [256]classSlot // a power of two; cleared by reset

	stack   []scope
	cur     *html.Node // the node whose references are being read (see add)
	recs    []record
	pending []pendingText
	anchors []pendingAnchor
	ctx     textBuf // scratch for context text

	hasContainer  bool    // the page has a body container outside chrome
	articles      []int32 // records of the articles of their own outside chrome
	outerArticles int     // how many of them are inside no other
	slug          string  // the canonical URL's last segment
	slugReady     bool
	slugArticle   int32 // the article whose id is slug, or -1
	headline      int32 // the heading that best matches the title, or -1
	headlineScore float32
	headRec       int32 // the heading being collected, or -1
	headBuf       textBuf
	titleReady    bool
	titleNorm     string
	ogTitleNorm   string
	siteNorm      string // og:site_name: a heading that only names the site is no headline
}

// walkers keeps walkers between pages: a walk needs records, stacks and
// maps sized for the page, and a crawl extracts one page after another.
var walkers = sync.Pool{New: func() any { return new(walker) }}

// newWalker returns a walker for a page whose document base is base; free
// returns it when the page is done.
func newWalker(base *url.URL) *walker {
	w := walkers.Get().(*walker)
	w.reset(base)
	if base != nil {
		f, _ := classifyHost(lowerHost(base))
		w.baseYT = f != notYouTube
		w.origin = originOf(base)
	}
	root := w.newRecord(-1, 0)
	w.stack = append(w.stack, scope{rec: root, article: -1})
	return w
}

// reset empties w for a new page, keeping the storage of its slices and
// maps.
func (w *walker) reset(base *url.URL) {
	seen, classes, names := w.seenLinks, w.classes, w.names
	if seen == nil || len(seen) > maxReusedMap {
		seen = make(map[string]struct{}, 64)
	}
	if classes == nil || len(classes) > maxReusedMap {
		classes = make(map[string]classInfo)
	}
	if names == nil || len(names) > maxReusedMap {
		names = make(map[string]nameClass)
	}
	*w = walker{
		base:        base,
		cands:       w.cands[:0],
		links:       w.links[:0],
		seenLinks:   seen,
		classes:     classes,
		names:       names,
		stack:       w.stack[:0],
		recs:        w.recs[:0],
		pending:     w.pending[:0],
		anchors:     w.anchors[:0],
		ctx:         textBuf{b: w.ctx.b[:0]},
		articles:    w.articles[:0],
		headBuf:     textBuf{b: w.headBuf.b[:0]},
		slugArticle: -1,
		headline:    -1,
		headRec:     -1,
	}
}

// maxReusedMap bounds the maps a walker keeps for the next page: clearing
// a map costs as much as its largest size, not its current one.
const maxReusedMap = 4096

// free returns w to the pool once the page's result is built. What points
// into the page (nodes, the strings of references) is cleared, so that
// the pool holds on to no page.
func (w *walker) free() {
	clear(w.cands)
	clear(w.links)
	clear(w.stack)
	clear(w.pending)
	clear(w.anchors)
	clear(w.seenLinks)
	clear(w.classes)
	clear(w.names)
	w.thumbIDs, w.bodyBase, w.cur, w.facts = nil, nil, nil, facts{}
	walkers.Put(w)
}

// walk visits every node under root once, in document order, without
// recursion: deep pages cost no stack.
func (w *walker) walk(root *html.Node) {
	n := root
	for n != nil {
		if n.Type == html.TextNode && n.NextSibling != nil && blank(n.Data) {
			// The white space between tags, most of a page's text
			// nodes, and no work: straight to the next node.
			n = n.NextSibling
			continue
		}
		if w.enter(n) && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for n != nil {
			w.leave(n)
			if n == root {
				n = nil
				break
			}
			if n.NextSibling != nil {
				n = n.NextSibling
				break
			}
			n = n.Parent
		}
	}
	if len(w.pending) > 0 { // text outside any block
		w.finishTexts(w.pending[len(w.pending)-1].block)
	}
}

func (w *walker) top() *scope { return &w.stack[len(w.stack)-1] }

// enter visits n on the way down and reports whether to visit its children.
func (w *walker) enter(n *html.Node) bool {
	switch n.Type {
	case html.TextNode:
		w.text(n)
		return false
	case html.ElementNode:
	case html.DocumentNode:
		return true
	default: // comments, doctypes: never shown, never followed
		return false
	}

	parent := w.top()
	sc := *parent
	e := w.elementInfo(n, parent.region.chrome)
	sc.region = parent.region.enter(n, &e)
	if e.container && !sc.region.chrome {
		w.hasContainer = true
	}
	// Inside chrome no block needs a record of its own: its text counts
	// for the chrome block around it, whose paragraphs never score.
	if !parent.region.chrome && needsRecord(n, &e) {
		sc.rec = w.newRecord(parent.rec, recordFlags(n, &e, sc.region))
		if w.recs[sc.rec].flags&recArticle != 0 {
			if parent.article < 0 {
				w.outerArticles++
			}
			sc.article = sc.rec
			w.articles = append(w.articles, sc.rec)
			w.matchSlug(n, sc.rec)
		}
		if (isHeading(n.DataAtom) || e.headline) && w.headRec < 0 && !sc.region.chrome && !sc.region.head {
			sc.heading = true
			w.headRec = sc.rec
			w.headBuf.reset(maxHeading)
		}
	}
	switch n.DataAtom {
	case atom.Html, atom.Title, atom.Meta, atom.Link, atom.Time:
		w.facts.element(n, sc.region)
	default:
		if e.itemprop {
			w.facts.element(n, sc.region)
		}
	}

	descend := true
	switch n.DataAtom {
	case atom.Script, atom.Style:
		descend = false
	case atom.Base:
		if _, ok := attrOK(n, "href"); ok && w.bodyBase == nil && !sc.region.head {
			w.bodyBase = n
		}
	case atom.Head, atom.Title, atom.Textarea, atom.Template, atom.Noembed, atom.Noframes, atom.Xmp:
		sc.hidden = true
	case atom.Iframe:
		sc.hidden = true // its text is fallback markup for old browsers
	case atom.A, atom.Area:
		if _, ok := attrOK(n, "href"); ok {
			sc.link = true
		}
	case atom.Noscript:
		if sc.noscript || !reparseNoscript(n) {
			sc.hidden = true
		} else {
			sc.noscript = true
		}
	}
	w.stack = append(w.stack, sc)

	switch n.DataAtom {
	case atom.Script:
		w.script(n)
	case atom.Style:
		w.styleText(n)
	case atom.A, atom.Area:
		w.anchor(n, &e)
		return descend
	}
	if e.hits || e.bareID || e.selfThumb || n.DataAtom == 0 && startsPlayer(n) {
		w.element(n, &e)
	}
	return descend
}

// leave visits n on the way up, after its children.
func (w *walker) leave(n *html.Node) {
	if n.Type != html.ElementNode {
		return
	}
	sc := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	if sc.rec != w.top().rec { // n owns the record
		if sc.rec == w.headRec {
			w.headingDone(sc.rec)
			w.headRec = -1
		}
		w.closeRecord(sc.rec)
	}
	if k := len(w.anchors); k > 0 && w.anchors[k-1].node == n {
		w.finishAnchor()
	}
	if k := len(w.pending); k > 0 && w.pending[k-1].block == n {
		w.finishTexts(n)
	}
}

// matchSlug notes the article element whose id is the canonical URL's
// last path segment.
func (w *walker) matchSlug(n *html.Node, rec int32) {
	if !w.slugReady {
		w.slugReady = true
		w.slug = canonicalSlug(&w.facts, w.base)
	}
	if w.slug != "" && w.slugArticle < 0 && attr(n, "id") == w.slug {
		w.slugArticle = rec
	}
}

// add records a reference found at the current node (w.cur), made with markup
// role (one of the Kind constants). A thumbnail is kind thumbnail and a
// wrapped URL kind proxy wherever they sit; inside player markup
// (WordPress embeds, lite-youtube, amp-youtube) a direct reference takes
// the player's kind. A video URL that also names a playlist adds the
// playlist as a reference of its own.
func (w *walker) add(f found, role string) {
	sc := w.top()
	kind := role
	switch f.via {
	case viaThumbnail:
		kind = harvest.KindThumbnail
	case viaProxy:
		kind = harvest.KindProxy
	default:
		switch role {
		case harvest.KindIframe, harvest.KindLazyIframe, harvest.KindAnchor, harvest.KindText,
			harvest.KindObject, harvest.KindDataAttribute:
			if p := playerOf(w.cur); p != noPlayer {
				kind = p.kind()
			}
		}
	}
	at := place{rec: sc.rec, article: sc.article, region: sc.region}
	ref := f.ref
	ref.Kind = kind
	w.cands = append(w.cands, candidate{ref: ref, at: at})
	if ref.Type == harvest.RefVideo && ref.PlaylistID != "" {
		pl := harvest.Reference{Type: harvest.RefPlaylist, ID: ref.PlaylistID, Kind: kind, URL: ref.URL}
		w.cands = append(w.cands, candidate{ref: pl, at: at})
	}
}

// adder returns a lookup callback that records what it finds as role.
func (w *walker) adder(role string) func(found) {
	return func(f found) { w.add(f, role) }
}

// text visits a text node: it counts the text for the density score, feeds
// the heading being collected, and finds YouTube URLs pasted into it.
func (w *walker) text(n *html.Node) {
	sc := w.top()
	if sc.hidden {
		return
	}
	s := n.Data
	t := trimmedLen(s)
	if t == 0 {
		return // white space between tags, most text nodes of a page
	}
	r := &w.recs[sc.rec]
	r.text += int32(t)
	r.run += int32(t)
	if sc.link {
		r.link += int32(t)
	}
	if c := int32(strings.Count(s, ",")); c > 0 {
		r.commas += c
		r.runCom += c
	}
	if sc.heading {
		w.headBuf.add(s)
	}
	if sc.link || indexYT(s) < 0 {
		// A link's text is only its label: the href says where it goes,
		// and the label may be truncated ("youtu.be/dQw4w9…") or
		// deliberately different.
		return
	}
	role := harvest.KindText
	w.cur = n
	block := nearestBlock(n)
	scanURLs(s, func(t textURL) {
		first := len(w.cands)
		w.lookup(withScheme(s[t.start:t.end]), w.adder(role))
		for ci := first; ci < len(w.cands); ci++ {
			w.pending = append(w.pending, pendingText{cand: ci, block: block, node: n, start: t.start, end: t.end})
		}
	})
}

// nearestBlock returns the nearest ancestor of n that is a block element
// (isBlock), the paragraph whose text is the context of a URL pasted into
// n, or nil.
func nearestBlock(n *html.Node) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && isBlock(p.DataAtom) {
			return p
		}
	}
	return nil
}

// blank reports whether s is all white space.
func blank(s string) bool {
	return len(s) > 0 && isSpace(s[0]) && isSpace(s[len(s)-1]) && trimmedLen(s) == 0
}

// trimmedLen returns the length of s without leading and trailing ASCII
// white space.
func trimmedLen(s string) int {
	i, j := 0, len(s)
	// The white space between tags is mostly spaces, newlines and tabs:
	// skip those eight bytes at a time.
	for i+8 <= j && spaceNewlineTab8(load64(s[i:])) {
		i += 8
	}
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return j - i
}

func isSpace(c byte) bool { return asciiSpace[c] }

// spaceNewlineTab8 reports whether the eight bytes of x are all spaces,
// newlines or tabs.
func spaceNewlineTab8(x uint64) bool {
	const ones = 0x0101010101010101
	return zeroBytes(x^' '*ones)|zeroBytes(x^'\n'*ones)|zeroBytes(x^'\t'*ones) == 0x80*ones
}

// zeroBytes returns the high bit of each byte of v that is zero, and no
// other bit (no carry crosses a byte).
func zeroBytes(v uint64) uint64 {
	const lows = 0x7f7f7f7f7f7f7f7f
	return ^((v&lows + lows) | v) & ^uint64(lows)
}

// load64 returns the first eight bytes of s as a little-endian integer
// (one load).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// asciiSpace is the white space of HTML: a table lookup costs less than
// five comparisons in the loops over the white space between tags.
var asciiSpace = [256]bool{' ': true, '\n': true, '\t': true, '\r': true, '\f': true}

// withScheme makes a URL written in text without a scheme absolute:
// "youtu.be/ID" becomes "https://youtu.be/ID". A protocol-relative one is
// left for resolve to give the page's scheme.
func withScheme(s string) string {
	if strings.HasPrefix(s, "//") {
		return s
	}
	if i := strings.Index(s, "://"); i > 0 && i <= len("https") {
		return s
	}
	return "https://" + s
}

// finishTexts sets the context of the pending pasted URLs of block, which
// has ended: about contextSide bytes either side of the URL in the block's
// own text (nested blocks are other paragraphs). The text is read only
// now, and only for blocks that hold a pasted URL.
func (w *walker) finishTexts(block *html.Node) {
	k := len(w.pending)
	for k > 0 && w.pending[k-1].block == block {
		k--
	}
	ps := w.pending[k:]
	w.pending = w.pending[:k]
	marks := make([][2]int, len(ps))
	b := &w.ctx
	b.reset(0)
	next := 0 // ps are in document order, as the walk below
	onText := func(n *html.Node) {
		s := n.Data
		prev := 0
		for ; next < len(ps) && ps[next].node == n; next++ {
			p := ps[next]
			if next > 0 && ps[next-1].node == n && ps[next-1].start == p.start {
				marks[next] = marks[next-1] // one URL, several candidates
				continue
			}
			if p.start < prev {
				continue
			}
			b.add(s[prev:p.start])
			marks[next][0] = len(b.b)
			b.b = append(b.b, s[p.start:p.end]...)
			marks[next][1] = len(b.b)
			prev = p.end
		}
		b.add(s[prev:])
	}
	if block == nil {
		for i := range ps {
			if i == 0 || ps[i].node != ps[i-1].node {
				onText(ps[i].node)
			}
		}
	} else {
		visibleText(block, true, b, onText, 0)
	}
	for i, p := range ps {
		w.cands[p.cand].ref.Context = window(b.b, marks[i][0], marks[i][1])
	}
}

// visibleText walks the subtree of root (without recursion) and feeds its
// visible text to b, calling onText for text nodes instead when it is
// non-nil. With ownBlock, nested blocks are skipped, leaving a word break:
// they are other paragraphs. Images add their alt text between word
// breaks, as a link's accessible name includes it. A positive budget
// bounds the nodes visited.
func visibleText(root *html.Node, ownBlock bool, b *textBuf, onText func(*html.Node), budget int) {
	n := root.FirstChild
	for n != nil {
		if budget--; budget == 0 {
			return
		}
		descend := false
		switch n.Type {
		case html.TextNode:
			if onText != nil {
				onText(n)
			} else {
				b.add(n.Data)
			}
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Textarea, atom.Template,
				atom.Noembed, atom.Noframes, atom.Xmp, atom.Iframe:
			case atom.Br, atom.Hr:
				b.space()
			case atom.Img:
				b.space()
				if !ownBlock {
					b.add(attr(n, "alt"))
					b.space()
				}
			default:
				descend = true
				if isBlock(n.DataAtom) {
					b.space()
					descend = !ownBlock
				}
			}
		}
		if b.full() {
			return
		}
		if descend && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for n != root && n.NextSibling == nil {
			n = n.Parent
			if n != root && n.Type == html.ElementNode && isBlock(n.DataAtom) {
				b.space()
			}
		}
		if n == root {
			return
		}
		n = n.NextSibling
	}
}

// reparseNoscript replaces the raw text of a <noscript> with the elements
// it holds, and reports whether the <noscript> now holds markup to walk.
// The HTML parser runs with scripting on, as browsers do, so a <noscript>
// holds its markup as one text node; the fallback <iframe> or link inside
// is still a reference the page makes (it is what a reader without
// JavaScript sees). Only a <noscript> that can hold a reference or a link
// is re-parsed: most hold a tracking pixel or a style sheet, and their
// text is not shown.
func reparseNoscript(n *html.Node) bool {
	if n.FirstChild == nil {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.TextNode {
			return true // parsed already (the loose parser, or scripting off)
		}
	}
	text := childText(n)
	if strings.IndexByte(text, '<') < 0 {
		return true // plain text: a message for readers without JavaScript
	}
	if indexYT(text) < 0 && !containsFold(text, "<a") {
		return false
	}
	for n.FirstChild != nil {
		n.RemoveChild(n.FirstChild)
	}
	for _, c := range parseFragment(text) {
		n.AppendChild(c)
	}
	return true
}

// isBlock reports whether elements of type a break the flow of text:
// the context of a pasted URL is taken from its nearest block.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body, atom.Caption,
		atom.Center, atom.Dd, atom.Details, atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Dt,
		atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Header, atom.Hgroup,
		atom.Html, atom.Legend, atom.Li, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P,
		atom.Pre, atom.Section, atom.Summary, atom.Table, atom.Tbody, atom.Td, atom.Tfoot,
		atom.Th, atom.Thead, atom.Tr, atom.Ul, atom.Noscript, atom.Iframe, atom.Object, atom.Video:
		return true
	}
	return false
}

// attrOK returns the value of n's attribute key and whether it is present.
func attrOK(n *html.Node, key string) (string, bool) {
	for i := range n.Attr {
		a := &n.Attr[i]
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}

// startsPlayer reports whether the custom element n is player markup of its
// own inside no player of the same kind (a <lite-youtube>, an
// <amp-youtube>): its attributes are read as the component's.
func startsPlayer(n *html.Node) bool {
	p := ownPlayer(n)
	return p != noPlayer && p != playerOf(n.Parent)
}
