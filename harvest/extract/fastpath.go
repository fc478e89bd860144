package extract

import (
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/harvestdev/ytharvest/harvest"
)

// The fast path. Most pages of a crawl reference no YouTube video, and
// the pre-scan (prescan.go) says so from their bytes alone. Such a page
// needs no tree and no rules: its result is its out-links and facts, and
// those the fast path reads from the page's tokens (tokens.go), in the
// order of the tree the HTML5 parser would build. Where that order, or
// what the tree holds, depends on the parser's tree construction in ways
// tokens do not show (a table's misplaced content, a <select>'s ignored
// tags, <template>, framesets, MathML, a page nested deeper than the
// parser accepts…), the fast path gives up and the page takes the full
// path. TestFastPathAgrees and FuzzFastPath check that both paths give the
// same result wherever the fast path answers.

// fastExtract returns the extraction of page, whose URL is base, without
// parsing it into a tree, or false when the page needs the full path. The
// caller has checked that the page can make no reference (prescan.go).
func fastExtract(base *url.URL, page []byte) (*harvest.Extraction, bool) {
	p := fastPass{base: base}
	defer p.free()
	if !p.scan(page, false) || !p.datesAgree() {
		return nil, false
	}
	docBase := base
	if p.haveBase {
		docBase = documentBase(base, p.baseHref, true)
	}
	w := newWalker(docBase)
	defer w.free()
	for _, href := range p.hrefs {
		w.outLink(href)
	}
	x := &harvest.Extraction{
		Refs:  []harvest.Reference{},
		Links: append(make([]string, 0, len(w.links)), w.links...),
	}
	p.facts.fill(x, docBase)
	return x, true
}

// fastPass holds what the fast path has read of a page.
type fastPass struct {
	base     *url.URL
	hrefs    []string // the links' hrefs, in order
	baseHref string   // the first <base href>
	haveBase bool
	facts    facts
	langSeen bool // the document element's lang is known (the first one written)
	// timeUnsure: a <time datetime> whose place in the layout the fast
	// path does not know (faststack.go) may date the page.
	timeUnsure bool
	classes    *walker // classifies the class names of a <time>'s ancestors
}

// free gives back what p holds.
func (p *fastPass) free() {
	if p.classes != nil {
		p.classes.free()
	}
}

// timeRegion returns the region of the <time> being read, where its date
// counts (facts.element), or false when the fast path does not know it.
func (s *fastScan) timeRegion() (region, bool) {
	return s.regionAt(s.z.start, s.p.classifier())
}

// classifier returns the walker whose caches classify class names.
func (p *fastPass) classifier() *walker {
	if p.classes == nil {
		p.classes = newWalker(nil)
	}
	return p.classes
}

// scan reads the tokens of page (of a <noscript>'s markup, in a fragment)
// into p, and reports whether the tree would hold them as the fast path
// takes them.
func (p *fastPass) scan(page []byte, fragment bool) bool {
	s := fastScan{p: p, fragment: fragment, z: tokenizer{b: page}}
	for {
		s.z.allowCDATA = s.inForeign()
		kind := s.z.next()
		if s.pending != nil {
			// The raw text of the element just started comes first, if
			// it has any.
			n := s.pending
			s.pending = nil
			text := ""
			if kind == tokText && s.z.inRaw {
				text = s.z.textData()
			}
			if !s.rawText(n, text) {
				return false
			}
		}
		ok := true
		switch kind {
		case tokEOF:
			return true
		case tokText:
			ok = s.text()
		case tokStart:
			ok = s.start()
		case tokEnd:
			ok = s.end()
		}
		if !ok {
			return false
		}
	}
}

// fastScan is the state of one scan: the little of the tree construction
// that the fast path follows.
type fastScan struct {
	p        *fastPass
	z        tokenizer
	fragment bool       // a <noscript>'s markup, parsed as the body's
	pending  *html.Node // an element whose raw text is wanted (title, JSON-LD, noscript)
	open     []openElem // the elements the parser keeps open (faststack.go)
	fmtOpen  int        // how many of them are formatting elements
	pOpen    int        // …and <p> elements
	unsure   bool       // the stack may differ from the parser's from here on
	styleAt  int        // 1 + where an SVG <style> is open, or 0: the walk skips what it holds
	tables   []byte     // an open table ('T'), and in it a td, th or caption ('d', 'h', 'a')
	inSelect bool
	formOpen bool    // the parser's form element pointer is set: another <form> is ignored
	tail     [4]byte // the last bytes of the page's text, for text the parser joins
}

// text reads a text token.
func (s *fastScan) text() bool {
	d := s.z.b[s.z.d0:s.z.d1]
	if s.z.inRaw {
		return true // a raw-text element's, read with its start tag
	}
	if s.inTable() && !allTagSpace(d) {
		return false // foster-parented before the table
	}
	// The parser joins text that only ignored tags separate into one
	// node: "you</x>tu.be/ID" pastes a URL that no token holds whole.
	var joint [8]byte
	copy(joint[:4], s.tail[:])
	n := copy(joint[4:], d)
	if indexFoldBytes(joint[:4+n], "youtu") >= 0 {
		return false
	}
	if len(d) >= 4 {
		copy(s.tail[:], d[len(d)-4:])
	} else {
		copy(s.tail[:], s.tail[len(d):])
		copy(s.tail[4-len(d):], d)
	}
	return true
}

func (s *fastScan) inTable() bool {
	return len(s.tables) > 0 && s.tables[len(s.tables)-1] == 'T'
}

// allTagSpace reports whether b is all white space.
func allTagSpace(b []byte) bool {
	for _, c := range b {
		if !isTagSpace(c) {
			return false
		}
	}
	return true
}

// indexFoldBytes is indexFold for a byte slice.
func indexFoldBytes(b []byte, needle string) int {
	for i := 0; i+len(needle) <= len(b); i++ {
		k := 0
		for k < len(needle) && b[i+k]|0x20 == needle[k] {
			k++
		}
		if k == len(needle) {
			return i
		}
	}
	return -1
}

// documentElement reads an <html>, <head> or <body> tag. The parser has
// one of each, and adds the attributes of later tags to it; the document
// element's lang is the first written. An itemprop on them, or a bare ID
// in their data-* attributes (they are near the document, bareIDs), the
// fast path gives up on.
func (s *fastScan) documentElement(a atom.Atom) bool {
	if s.fragment {
		return true // a fragment's own, not the document's
	}
	if len(s.z.attrs) > 256 {
		return false
	}
	attrs := s.z.attributes(nil)
	for _, at := range attrs {
		switch {
		case at.Key == "itemprop":
			return false
		case strings.HasPrefix(at.Key, "data-"):
			// A video-ish name (data-video-id) with an ID on them is a
			// bare reference; other names need a mark to be one.
			if v := strings.TrimSpace(at.Val); len(v) == videoIDLen && idAttrName(at.Key[len("data-"):]) == videoIDName {
				return false
			}
		case at.Key == "lang" && a == atom.Html && !s.p.langSeen:
			s.p.langSeen = true
			s.p.facts.lang = strings.TrimSpace(at.Val)
		}
	}
	return true
}

// attributes returns the current tag's attributes the fast path reads
// (factKey), or false for a tag with more than it reads.
func (s *fastScan) attributes() ([]html.Attribute, bool) {
	if len(s.z.attrs) > 256 {
		return nil, false
	}
	return s.z.attributes(factKey), true
}

// factKey reports whether an attribute key, in any case, is one the fast
// path reads: for links, the base, facts (facts.go) and JSON-LD.
func factKey(key []byte) bool {
	if len(key) < 3 || len(key) > 10 {
		return false
	}
	var buf [10]byte
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(key)]) {
	case "href", "rel", "content", "property", "name", "itemprop", "http-equiv", "datetime", "lang", "type":
		return true
	}
	return false
}

// element reads what a start tag says about the page: its links, base,
// title, metadata and publication time, and its raw text where that
// matters (a title, JSON-LD, a <noscript>'s markup).
func (s *fastScan) element(a atom.Atom, ns string) bool {
	interesting := false
	switch a {
	case atom.A, atom.Area, atom.Base, atom.Meta, atom.Link, atom.Time, atom.Title, atom.Script, atom.Noscript:
		interesting = true
	default:
		interesting = s.z.hasItemprop()
	}
	if !interesting {
		return true
	}
	attrs, ok := s.attributes()
	if !ok {
		return false
	}
	n := &html.Node{Type: html.ElementNode, DataAtom: a, Data: a.String(), Namespace: ns, Attr: attrs}
	switch a {
	case atom.A, atom.Area:
		if href, ok := attrOK(n, "href"); ok {
			s.p.hrefs = append(s.p.hrefs, href)
		}
	case atom.Base:
		if href, ok := attrOK(n, "href"); ok {
			if s.fragment {
				return false // a <noscript>'s base: which base counts depends on where it is
			}
			if !s.p.haveBase {
				s.p.baseHref, s.p.haveBase = href, true
			}
		}
	case atom.Time:
		// A <time> dates the page only inside the article body, and the
		// first one there does, unless a better source does.
		r := region{}
		if f := &s.p.facts; f.dates[dateTime] == "" && attr(n, "datetime") != "" && !f.betterDate() {
			var ok bool
			if r, ok = s.timeRegion(); !ok {
				s.p.timeUnsure = true
			}
		}
		s.p.facts.element(n, r)
		return true
	case atom.Title:
		if ns == "" {
			s.pending = n // its facts once its text is read
			return true
		}
	case atom.Noscript:
		if ns == "" {
			if _, ok := attrOK(n, "itemprop"); ok {
				s.p.facts.element(n, region{})
			}
			s.pending = n // its markup, once read
			return true
		}
	case atom.Script:
		if _, ok := attrOK(n, "itemprop"); ok {
			s.p.facts.element(n, region{})
		}
		if ns == "" && isJSONLD(n) {
			s.pending = n
		}
		return true
	}
	switch a {
	case atom.Meta, atom.Link, atom.Time, atom.Title:
		s.p.facts.element(n, region{})
	default:
		if _, ok := attrOK(n, "itemprop"); ok {
			s.p.facts.element(n, region{})
		}
	}
	return true
}

// hasItemprop reports whether the current tag has an itemprop attribute.
func (z *tokenizer) hasItemprop() bool {
	for _, a := range z.attrs {
		if a.k1-a.k0 == len("itemprop") && equalFoldASCII(z.b[a.k0:a.k1], "itemprop") {
			return true
		}
	}
	return false
}

// isJSONLD reports whether a script is JSON-LD.
func isJSONLD(n *html.Node) bool {
	mediaType, _, _ := strings.Cut(attr(n, "type"), ";")
	return strings.EqualFold(strings.TrimSpace(mediaType), "application/ld+json")
}

// rawText reads the text of the element n just started: a title's, a
// JSON-LD script's (when the page was published), a <noscript>'s markup.
func (s *fastScan) rawText(n *html.Node, text string) bool {
	switch n.DataAtom {
	case atom.Title:
		if text != "" {
			n.AppendChild(&html.Node{Type: html.TextNode, Data: text})
		}
		s.p.facts.element(n, region{})
	case atom.Script:
		s.p.facts.ldJSON(text)
	case atom.Noscript:
		// The full path reads a <noscript>'s markup as HTML when it holds
		// a link (or a reference, which the pre-scan rules out).
		if !s.fragment && containsFold(text, "<a") {
			return s.p.scan([]byte(text), true)
		}
	}
	return true
}

// datesAgree reports whether the publication time the fast path read is
// the full path's: a <time datetime> counts there only inside the article
// body, which the fast path does not know, so it gives up when such a time
// could decide the date.
func (p *fastPass) datesAgree() bool {
	if !p.timeUnsure {
		return true
	}
	f := p.facts
	f.dates[dateTime], f.dates[dateOtherMeta] = "", ""
	var zero time.Time
	return f.published() != zero
}

// regionAt returns the region (body.go) of an element whose tag starts at
// at, inside the open elements, as the walk works it out; false when the
// fast path is unsure of the stack. w caches the classification of class
// names.
func (s *fastScan) regionAt(at int, w *walker) (region, bool) {
	if s.unsure || s.fragment {
		return region{}, false
	}
	return s.regionOf(at, false, s.regions(w), w), true
}

// regions works out the regions of the open elements, each once, and
// returns the current node's.
func (s *fastScan) regions(w *walker) region {
	var r region
	for i := range s.open {
		e := &s.open[i]
		if !e.regOK {
			e.reg, e.regOK = s.regionOf(int(e.at), e.svg, r, w), true
		}
		r = e.reg
	}
	return r
}

// regionOf returns the region of the element whose tag starts at at,
// inside region p.
func (s *fastScan) regionOf(at int, svg bool, p region, w *walker) region {
	z := tokenizer{b: s.z.b, pos: at}
	if z.next() != tokStart {
		return p
	}
	var buf [16]byte
	a := atom.Lookup(z.name(&buf))
	ns := ""
	if svg {
		ns = "svg"
	}
	n := &html.Node{Type: html.ElementNode, DataAtom: a, Namespace: ns, Attr: z.attributes(layoutKey)}
	e := w.elementInfo(n, p.chrome)
	return p.enter(n, &e)
}

// layoutKey reports whether an attribute key, in any case, says where an
// element is in the layout (layoutAttr).
func layoutKey(key []byte) bool {
	switch {
	case equalFoldASCII(key, "class"), equalFoldASCII(key, "id"), equalFoldASCII(key, "role"),
		equalFoldASCII(key, "itemprop"), equalFoldASCII(key, "itemtype"):
		return true
	}
	return false
}
