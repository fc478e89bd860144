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
	timeDate bool // some <time datetime> holds a date parseTime reads
}

// scan reads the tokens of page (of a <noscript>'s markup, in a fragment)
// into p, and reports whether the tree would hold them as the fast path
// takes them.
func (p *fastPass) scan(page []byte, fragment bool) bool {
	s := fastScan{p: p, fragment: fragment, z: tokenizer{b: page}}
	for {
		s.z.allowCDATA = len(s.foreign) > 0
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
	foreign  [][]byte   // the open SVG elements' names, in lower case
	styleAt  int        // 1 + where an SVG <style> is in foreign, or 0: the walk skips what it holds
	tables   []byte     // an open table ('T'), and in it a td, th or caption ('d', 'h', 'a')
	inSelect bool
	tail     [4]byte // the last bytes of the page's text, for text the parser joins
	open     []atom.Atom
	fmtOpen  int // formatting elements possibly open, which the parser may reopen
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

// maxFastDepth bounds how deep the fast path lets a page nest: the HTML5
// parser refuses a page nested deeper than 512 elements, and the full
// path then builds its tree another way. The fast path's count of open
// elements (push, pop) follows the parser's, adding what the parser adds
// on its own (table bodies and rows, reopened formatting elements), but
// not exactly, hence the margin.
const maxFastDepth = 200

// depth returns how deep the parser may have nested the page by now.
func (s *fastScan) depth() int {
	return len(s.open) + s.fmtOpen + 3*len(s.tables) + len(s.foreign) + 2
}

// start reads a start tag.
func (s *fastScan) start() bool {
	var buf [16]byte
	name := s.z.name(&buf)
	a := atom.Lookup(name)
	if len(s.foreign) > 0 {
		return s.foreignStart(name, a)
	}
	if s.inSelect {
		switch a {
		case atom.Option, atom.Optgroup, atom.Hr:
			return s.push(a)
		}
		return false
	}
	if len(s.tables) > 0 {
		if ok, done := s.tableStart(a); !ok || done {
			return ok
		}
	}
	switch a {
	case atom.Template, atom.Frameset, atom.Frame, atom.Plaintext, atom.Math:
		return false
	case atom.Table:
		s.tables = append(s.tables, 'T')
		return s.depth() <= maxFastDepth
	case atom.Select:
		s.inSelect = true
	case atom.Svg:
		if !s.z.selfClosing() {
			s.foreign = append(s.foreign, append([]byte(nil), name...))
		}
		return s.depth() <= maxFastDepth && s.element(a, "svg")
	case atom.Html, atom.Head, atom.Body:
		return s.documentElement(a)
	}
	if !s.element(a, "") {
		return false
	}
	return s.push(a)
}

// tableStart reads a start tag inside a table. It reports false where the
// parser would move the element out of the table (foster parenting), and
// done when the tag is one of the table's own.
func (s *fastScan) tableStart(a atom.Atom) (ok, done bool) {
	top := s.tables[len(s.tables)-1]
	switch a {
	case atom.Td, atom.Th, atom.Caption:
		if top != 'T' {
			s.tables = s.tables[:len(s.tables)-1] // closes the cell it is in
		}
		s.tables = append(s.tables, cellMark(a))
		return s.depth() <= maxFastDepth, true
	case atom.Tr, atom.Tbody, atom.Thead, atom.Tfoot, atom.Col, atom.Colgroup:
		if top != 'T' {
			s.tables = s.tables[:len(s.tables)-1]
		}
		return true, true
	case atom.Table:
		if top == 'T' {
			s.tables = s.tables[:len(s.tables)-1] // closes the table, opens another
		}
		s.tables = append(s.tables, 'T')
		return s.depth() <= maxFastDepth, true
	}
	if top != 'T' {
		return true, false // a cell holds what the body holds
	}
	switch a {
	case atom.Script, atom.Style:
		return s.element(a, ""), true
	}
	return false, true
}

// foreignStart reads a start tag inside SVG.
func (s *fastScan) foreignStart(name []byte, a atom.Atom) bool {
	switch string(s.foreign[len(s.foreign)-1]) {
	case "foreignobject", "desc", "title":
		return false // an HTML integration point: its content is HTML
	}
	if breakout[string(name)] || a == atom.Font || a == atom.Script || a == atom.Html || a == atom.Math {
		return false
	}
	s.z.rawTag = "" // no raw text in foreign content
	if s.styleAt > 0 {
		if !s.z.selfClosing() {
			s.foreign = append(s.foreign, append([]byte(nil), name...))
		}
		return s.depth() <= maxFastDepth // inside <style>, which the walk skips
	}
	ok := s.element(a, "svg")
	if !s.z.selfClosing() {
		s.foreign = append(s.foreign, append([]byte(nil), name...))
		if a == atom.Style {
			s.styleAt = len(s.foreign)
		}
	}
	return ok && s.depth() <= maxFastDepth
}

// breakout lists the start tags that close foreign content (x/net/html's
// list); <font> does with some attributes, and is given up on.
var breakout = map[string]bool{
	"b": true, "big": true, "blockquote": true, "body": true, "br": true, "center": true,
	"code": true, "dd": true, "div": true, "dl": true, "dt": true, "em": true, "embed": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "head": true,
	"hr": true, "i": true, "img": true, "li": true, "listing": true, "menu": true, "meta": true,
	"nobr": true, "ol": true, "p": true, "pre": true, "ruby": true, "s": true, "small": true,
	"span": true, "strong": true, "strike": true, "sub": true, "sup": true, "table": true,
	"tt": true, "u": true, "ul": true, "var": true,
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
	attrs, ok := s.attributes()
	if !ok {
		return false
	}
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

// attributes returns the current tag's attributes, or false for a tag with
// more than the fast path reads.
func (s *fastScan) attributes() ([]html.Attribute, bool) {
	if len(s.z.attrs) > 256 {
		return nil, false
	}
	return s.z.attributes(), true
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
		if _, ok := parseTime(attr(n, "datetime")); ok {
			s.p.timeDate = true
		}
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

// hasItemprop reports whether the current tag may have an itemprop
// attribute (its keys are written as they are, but for case).
func (z *tokenizer) hasItemprop() bool {
	return indexFoldBytes(z.b[z.d1:z.end], "itemprop") >= 0
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

// end reads an end tag.
func (s *fastScan) end() bool {
	var buf [16]byte
	name := s.z.name(&buf)
	a := atom.Lookup(name)
	if len(s.foreign) > 0 {
		for i := len(s.foreign) - 1; i >= 0; i-- {
			if equalFoldBytes(s.foreign[i], name) {
				s.foreign = s.foreign[:i]
				if s.styleAt > i {
					s.styleAt = 0
				}
				return true
			}
		}
		// No SVG element has the name: the HTML rules take the tag,
		// which close an HTML element of that name around the SVG, if
		// one is open, and otherwise ignore it (an SVG file's stray
		// </path>), but for the tags they treat apart.
		return !endTagActs(a) && !s.isOpen(a)
	}
	if s.inSelect {
		switch a {
		case atom.Select:
			s.inSelect = false
		case atom.Option, atom.Optgroup:
		default:
			return false // ignored, or closing the select inside a table
		}
		s.pop(a)
		return true
	}
	if len(s.tables) > 0 {
		if ok, done := s.tableEnd(a); !ok || done {
			return ok
		}
	}
	s.pop(a)
	return true
}

// tableEnd reads an end tag inside a table.
func (s *fastScan) tableEnd(a atom.Atom) (ok, done bool) {
	top := s.tables[len(s.tables)-1]
	switch a {
	case atom.Td, atom.Th, atom.Caption:
		if top == cellMark(a) {
			s.tables = s.tables[:len(s.tables)-1]
		}
		return true, true // else ignored
	case atom.Tr, atom.Tbody, atom.Thead, atom.Tfoot:
		if top == 'd' || top == 'h' {
			s.tables = s.tables[:len(s.tables)-1]
		}
		return true, true
	case atom.Table:
		for len(s.tables) > 0 {
			t := s.tables[len(s.tables)-1]
			s.tables = s.tables[:len(s.tables)-1]
			if t == 'T' {
				break
			}
		}
		return true, true
	case atom.Colgroup, atom.Col, atom.Body, atom.Html:
		return true, true // ignored
	}
	if top != 'T' {
		return true, false
	}
	switch a {
	case atom.Script, atom.Style:
		return true, false
	}
	return false, true
}

// cellMark returns the mark of a td, th or caption in fastScan.tables.
func cellMark(a atom.Atom) byte {
	switch a {
	case atom.Td:
		return 'd'
	case atom.Th:
		return 'h'
	}
	return 'a'
}

// push notes an element the parser keeps open, and gives up on a page
// nested too deep (maxFastDepth).
func (s *fastScan) push(a atom.Atom) bool {
	if isVoid(a) || a == atom.Html || a == atom.Head || a == atom.Body {
		return true
	}
	if len(s.open) > 0 {
		switch top := s.open[len(s.open)-1]; {
		case top == atom.P && closesP(a),
			top == atom.Li && a == atom.Li,
			(top == atom.Dd || top == atom.Dt) && (a == atom.Dd || a == atom.Dt),
			top == atom.Option && (a == atom.Option || a == atom.Optgroup),
			(top == atom.Td || top == atom.Th) && (a == atom.Td || a == atom.Th || a == atom.Tr):
			s.open = s.open[:len(s.open)-1]
		}
	}
	if isFormatting(a) {
		s.fmtOpen++
	}
	s.open = append(s.open, a)
	return s.depth() <= maxFastDepth
}

// pop closes the nearest open element a, as the parser would.
func (s *fastScan) pop(a atom.Atom) {
	if isFormatting(a) && s.fmtOpen > 0 {
		s.fmtOpen--
	}
	for i := len(s.open) - 1; i >= 0; i-- {
		if s.open[i] == a {
			s.open = s.open[:i]
			return
		}
		if isScopeMarker(s.open[i]) {
			return
		}
	}
}

// isOpen reports whether an element a may be open; for a = 0, whether any
// element of a name the atoms do not know is.
func (s *fastScan) isOpen(a atom.Atom) bool {
	for _, o := range s.open {
		if o == a {
			return true
		}
	}
	return false
}

// endTagActs reports whether the HTML rules treat an end tag a apart from
// "any other end tag": they may insert or reopen elements for it.
func endTagActs(a atom.Atom) bool {
	switch a {
	case atom.Body, atom.Html, atom.P, atom.Br, atom.Li, atom.Dd, atom.Dt, atom.Form,
		atom.Template, atom.Applet, atom.Marquee, atom.Object:
		return true
	}
	return closesP(a) || isFormatting(a)
}

// closesP reports whether a start tag a closes an open <p>.
func closesP(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details,
		atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure,
		atom.Footer, atom.Header, atom.Hgroup, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P,
		atom.Section, atom.Summary, atom.Ul, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Pre, atom.Listing, atom.Form, atom.Table, atom.Hr, atom.Xmp:
		return true
	}
	return false
}

// isFormatting reports whether a is an element the parser reopens when it
// was closed too early (the "active formatting elements").
func isFormatting(a atom.Atom) bool {
	switch a {
	case atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.Nobr, atom.S,
		atom.Small, atom.Strike, atom.Strong, atom.Tt, atom.U:
		return true
	}
	return false
}

// isScopeMarker reports whether an end tag for an element outside a
// opened before it leaves a open (the parser's scope boundaries).
func isScopeMarker(a atom.Atom) bool {
	switch a {
	case atom.Applet, atom.Caption, atom.Html, atom.Table, atom.Td, atom.Th, atom.Marquee,
		atom.Object, atom.Template, atom.Button, atom.Ol, atom.Ul:
		return true
	}
	return false
}

// datesAgree reports whether the publication time the fast path read is
// the full path's: a <time datetime> counts there only inside the article
// body, which the fast path does not know, so it gives up when such a time
// could decide the date.
func (p *fastPass) datesAgree() bool {
	if !p.timeDate {
		return true
	}
	f := p.facts
	f.dates[dateOtherMeta] = ""
	var zero time.Time
	return f.published() != zero
}
