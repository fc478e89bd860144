package extract

import (
	"net/url"
	"strings"

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
		w.openRecord(n, &e, parent, &sc)
	}
	switch n.DataAtom {
	case atom.Html, atom.Title, atom.Meta, atom.Link, atom.Time:
		w.facts.element(n, sc.region)
	default:
		if e.itemprop {
			w.facts.element(n, sc.region)
		}
	}
	descend := w.enterTag(n, &sc)
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
	if e.hits || e.bareID || e.selfThumb || n.DataAtom == 0 && isComponent(n.Data) && startsPlayer(n) {
		w.element(n, &e)
	}
	return descend
}

// openRecord opens the record of element n, described by e, whose scope
// sc inherits from parent: an article of its own, a heading whose text may
// be the article's headline.
func (w *walker) openRecord(n *html.Node, e *elemInfo, parent, sc *scope) {
	sc.rec = w.newRecord(parent.rec, recordFlags(n, e, sc.region))
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

// enterTag sets what element n's tag says about the text in it (hidden,
// a link's) in its scope sc, notes a <base> in the body, and reports
// whether to visit its children.
func (w *walker) enterTag(n *html.Node, sc *scope) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style:
		return false
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
	return true
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

// isComponent reports whether a custom element's name is a player
// component's, whose attributes name the video.
func isComponent(name string) bool {
	return name == "lite-youtube" || name == "amp-youtube"
}

// startsPlayer reports whether the custom element n is player markup of its
// own inside no player of the same kind (a <lite-youtube>, an
// <amp-youtube>): its attributes are read as the component's.
func startsPlayer(n *html.Node) bool {
	p := ownPlayer(n)
	return p != noPlayer && p != playerOf(n.Parent)
}
