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
	ref    harvest.Reference
	region region
}

// scope is the state a node inherits from its ancestors. The walker keeps a
// stack of them, one per open element, so nothing is ever recomputed by
// climbing back up the tree.
type scope struct {
	region   region
	hidden   bool // text here is not shown to readers (script, title, iframe fallback…)
	link     bool // inside a link: its text is anchor text, not scanned for URLs
	anchor   int  // index in walker.anchors of the link whose text is being collected, or -1
	block    int  // index in walker.blocks of the nearest block element's text
	noscript bool // inside a re-parsed <noscript>, whose own <noscript>s stay text

	ownsAnchor bool // this element pushed walker.anchors
	ownsBlock  bool // this element opened walker.blocks[block]
}

// anchorText collects the visible text of a link that referenced YouTube.
type anchorText struct {
	cand int // index in walker.cands
	node *html.Node
	buf  textBuf
}

// pendingText is a URL pasted into text whose context is known only when
// its block element ends.
type pendingText struct {
	cand       int
	block      int
	start, end int // the URL's place in walker.blocks[block]
}

// walker holds the state of one walk over one page.
type walker struct {
	base *url.URL // the document base: <base href> or the page URL

	cands        []candidate
	hasContainer bool // the page has a body container outside chrome
	links        []string
	seenLinks    map[string]struct{}
	facts        facts

	stack   []scope
	blocks  []textBuf // text of the open block elements, by nesting depth
	pending []pendingText
	anchors []anchorText
}

func newWalker(base *url.URL) *walker {
	return &walker{
		base:      base,
		seenLinks: make(map[string]struct{}),
		stack:     []scope{{anchor: -1}},
		blocks:    make([]textBuf, 1),
	}
}

// walk visits every node under root once, in document order, without
// recursion: deep pages cost no stack.
func (w *walker) walk(root *html.Node) {
	n := root
	for n != nil {
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
	for len(w.pending) > 0 { // URLs in text directly under <html>, outside any block
		w.finishText()
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
	sc.ownsAnchor, sc.ownsBlock = false, false
	var container bool
	sc.region, container = parent.region.enter(n)
	if container && !sc.region.chrome {
		w.hasContainer = true
	}
	w.facts.element(n, sc.region)

	descend := true
	switch n.DataAtom {
	case atom.Script:
		if mediaType, _, _ := strings.Cut(attr(n, "type"), ";"); strings.EqualFold(strings.TrimSpace(mediaType), "application/ld+json") {
			w.facts.ldJSON(childText(n))
		}
		descend = false
	case atom.Style:
		descend = false
	case atom.Head, atom.Title, atom.Textarea, atom.Template, atom.Noembed, atom.Noframes, atom.Xmp:
		sc.hidden = true
	case atom.Iframe:
		w.iframe(n, sc.region)
		sc.hidden = true // its text is fallback markup for old browsers
	case atom.A, atom.Area:
		if href, ok := attrOK(n, "href"); ok {
			sc.link = true
			if ci, ok := w.anchor(n, href, sc.region); ok && n.DataAtom == atom.A {
				w.pushAnchor(ci, n)
				sc.anchor = len(w.anchors) - 1
				sc.ownsAnchor = true
			}
		}
	case atom.Noscript:
		if sc.noscript {
			sc.hidden = true
		} else {
			reparseNoscript(n)
			sc.noscript = true
		}
	case atom.Br, atom.Hr, atom.Img:
		w.blocks[sc.block].space()
		if sc.anchor >= 0 {
			// An image's alt text is part of a link's accessible name,
			// and the whole of it for an icon link.
			a := &w.anchors[sc.anchor].buf
			a.space()
			a.add(attr(n, "alt"))
			a.space()
		}
	}
	if isBlock(n.DataAtom) {
		w.blocks[sc.block].space()
		sc.block++
		if sc.block == len(w.blocks) {
			w.blocks = append(w.blocks, textBuf{})
		}
		w.blocks[sc.block].reset(0)
		sc.ownsBlock = true
	}
	w.stack = append(w.stack, sc)
	return descend
}

// leave visits n on the way up, after its children.
func (w *walker) leave(n *html.Node) {
	if n.Type != html.ElementNode {
		return
	}
	sc := *w.top()
	w.stack = w.stack[:len(w.stack)-1]
	if sc.ownsAnchor {
		a := &w.anchors[len(w.anchors)-1]
		ctx := clip(a.buf.String(), maxContext)
		if ctx == "" {
			// An image-only link: its accessible name is the next best
			// description.
			ctx = clip(collapse(attr(a.node, "aria-label")), maxContext)
			if ctx == "" {
				ctx = clip(collapse(attr(a.node, "title")), maxContext)
			}
		}
		w.cands[a.cand].ref.Context = ctx
		w.anchors = w.anchors[:len(w.anchors)-1]
	}
	if sc.ownsBlock {
		for len(w.pending) > 0 && w.pending[len(w.pending)-1].block == sc.block {
			w.finishText()
		}
		w.blocks[w.top().block].space()
	}
}

// add records a candidate reference and returns its index.
func (w *walker) add(ref harvest.Reference, kind string, r region) int {
	ref.Kind = kind
	w.cands = append(w.cands, candidate{ref: ref, region: r})
	return len(w.cands) - 1
}

// youtubeRef classifies an absolute URL. The host test in front saves a
// second url.Parse for the great majority of links, which are not YouTube.
func youtubeRef(u *url.URL) (harvest.Reference, bool) {
	if !isWebURL(u) || indexFold(u.Host, "youtu") < 0 {
		return harvest.Reference{}, false
	}
	return ParseURL(u.String())
}

// iframe records an <iframe>'s YouTube references: its src (kind iframe),
// and any data-* attribute holding a YouTube URL (kind lazy_iframe), which
// is where lazy loaders and consent managers park the real src until the
// reader scrolls or agrees. A data-* copy of a YouTube src adds nothing.
// The iframe's title, when the page gives one, is its Context: oEmbed
// embeds (WordPress, Ghost…) put the video's title there.
func (w *walker) iframe(n *html.Node, r region) {
	title := clip(collapse(attr(n, "title")), maxContext)
	src, hasSrc := youtubeRef(resolve(w.base, attr(n, "src")))
	if hasSrc {
		src.Context = title
		w.add(src, harvest.KindIframe, r)
	}
	for _, a := range n.Attr {
		if a.Namespace != "" || !strings.HasPrefix(a.Key, "data-") || indexFold(a.Val, "youtu") < 0 {
			continue
		}
		ref, ok := youtubeRef(resolve(w.base, a.Val))
		if !ok || hasSrc && ref.Type == src.Type && ref.ID == src.ID {
			continue
		}
		ref.Context = title
		w.add(ref, harvest.KindLazyIframe, r)
	}
}

// anchor records a link (<a href> or <area href>): an out-link, and a
// candidate reference when it points at YouTube. It returns the
// candidate's index.
func (w *walker) anchor(n *html.Node, href string, r region) (int, bool) {
	u := resolve(w.base, href)
	if s, ok := outLink(u); ok {
		if _, dup := w.seenLinks[s]; !dup {
			w.seenLinks[s] = struct{}{}
			w.links = append(w.links, s)
		}
	}
	ref, ok := youtubeRef(u)
	if !ok {
		return 0, false
	}
	ci := w.add(ref, harvest.KindAnchor, r)
	if n.DataAtom == atom.Area {
		w.cands[ci].ref.Context = clip(collapse(attr(n, "alt")), maxContext)
	}
	return ci, true
}

// pushAnchor starts collecting the text of link n for candidate ci,
// reusing the storage of an earlier link.
func (w *walker) pushAnchor(ci int, n *html.Node) {
	if len(w.anchors) < cap(w.anchors) {
		w.anchors = w.anchors[:len(w.anchors)+1]
	} else {
		w.anchors = append(w.anchors, anchorText{})
	}
	a := &w.anchors[len(w.anchors)-1]
	a.cand, a.node = ci, n
	// Four bytes a character is enough for any script; clip counts
	// characters at the end.
	a.buf.reset(4 * maxContext)
}

// text visits a text node: it feeds the text of the enclosing block and
// link, and finds YouTube URLs pasted into it.
func (w *walker) text(n *html.Node) {
	sc := w.top()
	if sc.hidden {
		return
	}
	s := n.Data
	if sc.anchor >= 0 {
		w.anchors[sc.anchor].buf.add(s)
	}
	b := &w.blocks[sc.block]
	if sc.link {
		// A link's text is only its label: the href says where it goes,
		// and the label may be truncated ("youtu.be/dQw4w9…") or
		// deliberately different.
		b.add(s)
		return
	}
	prev := 0
	scanURLs(s, func(t textURL) {
		ref, ok := youtubeRef(resolve(w.base, withScheme(s[t.start:t.end])))
		if !ok {
			return
		}
		b.add(s[prev:t.start])
		start := len(b.b)
		b.b = append(b.b, s[t.start:t.end]...)
		prev = t.end
		ci := w.add(ref, harvest.KindText, sc.region)
		w.pending = append(w.pending, pendingText{cand: ci, block: sc.block, start: start, end: len(b.b)})
	})
	b.add(s[prev:])
}

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

// finishText sets the context of the last pending pasted URL, whose block
// has ended.
func (w *walker) finishText() {
	p := w.pending[len(w.pending)-1]
	w.pending = w.pending[:len(w.pending)-1]
	w.cands[p.cand].ref.Context = window(w.blocks[p.block].b, p.start, p.end)
}

// reparseNoscript replaces the raw text of a <noscript> with the elements
// it holds. The HTML parser runs with scripting on, as browsers do, so a
// <noscript> holds its markup as one text node; the fallback <iframe> or
// link inside is still a reference the page makes (it is what a reader
// without JavaScript sees).
func reparseNoscript(n *html.Node) {
	if n.FirstChild == nil {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.TextNode {
			return // parsed already (the loose parser, or scripting off)
		}
	}
	text := childText(n)
	if !strings.Contains(text, "<") {
		return
	}
	for n.FirstChild != nil {
		n.RemoveChild(n.FirstChild)
	}
	for _, c := range parseFragment(text) {
		n.AppendChild(c)
	}
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
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}
