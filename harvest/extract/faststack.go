package extract

import "golang.org/x/net/html/atom"

// The fast path follows the HTML5 parser's stack of open elements, by the
// parser's own rules (x/net/html's inBodyIM, the table modes, foreign
// content), for what it needs of the tree: which element is inside which
// (a <time>'s place decides whether it dates the article, facts.go), how
// deep the page nests, and where tokens would end up elsewhere than where
// they are written. Rules it does not follow (the adoption agency's
// restructuring of misnested formatting elements, their reopening, ruby)
// make it unsure of the stack from there on; a table's misplaced content,
// a <select>'s ignored tags and foreign content's breakouts make it give
// up (start, end).

// openElem is an element the parser keeps open.
type openElem struct {
	a      atom.Atom // 0 for a name the atoms do not know
	svg    bool      // foreign content
	point  bool      // an SVG foreignObject, desc or title: its content is HTML
	n0, n1 int32     // its name in the page
	at     int32     // where its tag starts: its attributes are read from there when needed
	reg    region    // its region (body.go), once worked out
	regOK  bool
}

// maxFastDepth bounds how deep the fast path lets a page nest: the HTML5
// parser refuses a page nested deeper than 512 elements, and the full
// path then builds its tree another way. The fast path counts what the
// parser adds on its own (table bodies and rows, formatting elements it
// reopens) generously; the margin covers where it is unsure.
const maxFastDepth = 200

// depth returns how deep the parser may have nested the page by now.
func (s *fastScan) depth() int {
	return len(s.open) + s.fmtOpen + 3*len(s.tables) + 2
}

// inForeign reports whether the current node is an SVG element.
func (s *fastScan) inForeign() bool {
	return len(s.open) > 0 && s.open[len(s.open)-1].svg
}

// start reads a start tag.
func (s *fastScan) start() bool {
	var buf [16]byte
	name := s.z.name(&buf)
	a := atom.Lookup(name)
	if s.inForeign() {
		return s.foreignStart(name, a)
	}
	if s.inSelect {
		switch a {
		case atom.Option, atom.Optgroup, atom.Hr:
			if s.top() == atom.Option {
				s.truncate(len(s.open) - 1)
			}
			if a != atom.Option && s.top() == atom.Optgroup {
				s.truncate(len(s.open) - 1)
			}
			if a == atom.Hr {
				return true
			}
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
	case atom.Html, atom.Head, atom.Body:
		return s.documentElement(a)
	case atom.Svg:
		s.closeImplied(a)
		ok := s.element(a, "svg")
		if !s.z.selfClosing() {
			ok = ok && s.pushSVG(a, name)
		}
		return ok
	case atom.Form:
		if s.formOpen {
			return false // ignored by the parser, with whatever it says
		}
		s.formOpen = true
	case atom.Select:
		s.inSelect = true
	}
	s.closeImplied(a)
	if !s.element(a, "") {
		return false
	}
	if a == atom.Table {
		s.tables = append(s.tables, 'T')
	}
	switch a {
	case atom.Image, atom.Basefont, atom.Bgsound, atom.Menuitem:
		return true // closed at once
	}
	if isVoid(a) || rawTagName(name) != "" {
		return true // closed at once, or holding text only
	}
	return s.push(a)
}

// closeImplied closes what a start tag a closes ("in body").
func (s *fastScan) closeImplied(a atom.Atom) {
	switch a {
	case atom.Li:
		s.closeListItem(atom.Li, atom.Li)
	case atom.Dd, atom.Dt:
		s.closeListItem(atom.Dd, atom.Dt)
	}
	if s.pOpen > 0 && (closesP(a) || a == atom.Li || a == atom.Dd || a == atom.Dt) {
		if a == atom.Table && s.inScope(atom.P, atom.Button) {
			s.unsure = true // closes the <p> unless in quirks mode
		} else if i := s.find(atom.P, atom.Button); i >= 0 {
			s.popTo(i)
		}
	}
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if isHeadingAtom(s.top()) {
			s.popTo(len(s.open) - 1)
		}
	case atom.Button:
		if i := s.find(atom.Button, 0); i >= 0 {
			s.popTo(i)
		}
	case atom.Option, atom.Optgroup:
		if s.top() == atom.Option {
			s.popTo(len(s.open) - 1)
		}
	case atom.A, atom.Nobr:
		if s.isOpen(a) {
			s.unsure = true // the adoption agency closes it
		}
	case atom.Rb, atom.Rp, atom.Rt, atom.Rtc:
		s.unsure = true
	}
}

// closeListItem closes an open li (or dd or dt) as a new one starts: the
// nearest, unless a special element other than address, div and p is
// nearer.
func (s *fastScan) closeListItem(a, b atom.Atom) {
	for i := len(s.open) - 1; i >= 0; i-- {
		e := &s.open[i]
		if !e.svg && (e.a == a || e.a == b) {
			s.popTo(i)
			return
		}
		if isSpecial(e) && e.a != atom.Address && e.a != atom.Div && e.a != atom.P {
			return
		}
	}
}

// foreignStart reads a start tag inside SVG.
func (s *fastScan) foreignStart(name []byte, a atom.Atom) bool {
	if s.open[len(s.open)-1].point {
		return false // an HTML integration point (foreignObject, desc, title): its content is HTML
	}
	if breakout[string(name)] || a == atom.Font || a == atom.Script || a == atom.Html || a == atom.Math {
		return false
	}
	s.z.rawTag = ""    // no raw text in foreign content
	if s.styleAt > 0 { // inside <style>, which the walk skips
		return s.z.selfClosing() || s.pushSVG(a, name)
	}
	ok := s.element(a, "svg")
	if !s.z.selfClosing() {
		ok = ok && s.pushSVG(a, name)
		if a == atom.Style {
			s.styleAt = len(s.open)
		}
	}
	return ok
}

// pushSVG opens an SVG element a named name.
func (s *fastScan) pushSVG(a atom.Atom, name []byte) bool {
	ok := s.push(a)
	e := &s.open[len(s.open)-1]
	e.svg = true
	e.point = equalFoldASCII(name, "foreignobject") || equalFoldASCII(name, "desc") || equalFoldASCII(name, "title")
	return ok
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

// truncate closes the open element i and those inside it.
func (s *fastScan) truncate(i int) {
	for _, e := range s.open[i:] {
		if isFormatting(e.a) && !e.svg {
			s.fmtOpen--
		}
		if e.a == atom.P && !e.svg {
			s.pOpen--
		}
	}
	s.open = s.open[:i]
	if s.styleAt > i {
		s.styleAt = 0
	}
}

// end reads an end tag.
func (s *fastScan) end() bool {
	var buf [16]byte
	name := s.z.name(&buf)
	a := atom.Lookup(name)
	for i := len(s.open) - 1; i >= 0 && s.open[i].svg; i-- {
		if equalFoldBytes(s.z.b[s.open[i].n0:s.open[i].n1], name) {
			s.truncate(i)
			return true
		}
	}
	if s.inForeign() {
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
		if i := s.find(a, atom.Select); i >= 0 {
			s.popTo(i)
		}
		return true
	}
	if len(s.tables) > 0 {
		if ok, done := s.tableEnd(a); !ok || done {
			return ok
		}
	}
	s.endTag(a, name)
	return true
}

// endTag closes what an end tag a closes ("in body").
func (s *fastScan) endTag(a atom.Atom, name []byte) {
	switch {
	case a == atom.Body || a == atom.Html || a == atom.Br:
		// A change of mode, or an element inserted and closed.
	case a == atom.P:
		if i := s.find(atom.P, atom.Button); i >= 0 {
			s.popTo(i)
		} // else an empty <p> is inserted and closed
	case a == atom.Li:
		if i := s.find(atom.Li, atom.Ol); i >= 0 {
			s.popTo(i)
		}
	case isHeadingAtom(a):
		for i := len(s.open) - 1; i >= 0; i-- {
			if isHeadingAtom(s.open[i].a) && !s.open[i].svg {
				s.popTo(i)
				break
			}
			if isScopeMarkerElem(&s.open[i]) {
				break
			}
		}
	case a == atom.Form:
		s.formOpen = false
		if i := s.find(atom.Form, 0); i >= 0 {
			// The form leaves the stack, not what is open inside it,
			// which stays inside it in the tree: their regions are
			// worked out while the form is there.
			if i < len(s.open)-1 {
				s.regions(s.p.classifier())
			}
			s.open = append(s.open[:i], s.open[i+1:]...)
			if s.styleAt > i {
				s.styleAt--
			}
		}
	case isFormatting(a):
		switch {
		case s.top() == a:
			s.popTo(len(s.open) - 1)
		case s.isOpen(a):
			s.unsure = true // the adoption agency restructures the tree
		}
	case a == atom.Dd || a == atom.Dt || closesP(a) || a == atom.Applet || a == atom.Marquee || a == atom.Object || a == atom.Button:
		if i := s.find(a, 0); i >= 0 {
			s.popTo(i)
		}
	default: // any other end tag
		for i := len(s.open) - 1; i >= 0; i-- {
			e := &s.open[i]
			if !e.svg && e.a == a && (a != 0 || equalFoldBytes(s.z.b[e.n0:e.n1], name)) {
				s.popTo(i)
				return
			}
			if isSpecial(e) {
				return
			}
		}
	}
}

// push opens an element a, whose tag is the current token, and gives up
// on a page nested too deep (maxFastDepth).
func (s *fastScan) push(a atom.Atom) bool {
	if isFormatting(a) {
		s.fmtOpen++
	}
	if a == atom.P {
		s.pOpen++
	}
	s.open = append(s.open, openElem{a: a, n0: int32(s.z.d0), n1: int32(s.z.d1), at: int32(s.z.start)})
	return s.depth() <= maxFastDepth
}

// popTo closes the open element i and those inside it. A formatting
// element closed by the end of another the parser reopens later (and a
// formatting element closed with others inside it, the adoption agency
// restructures): from there on the fast path is unsure of the stack.
func (s *fastScan) popTo(i int) {
	for j := i + 1; j < len(s.open); j++ {
		if isFormatting(s.open[j].a) && !s.open[j].svg || j == i+1 && isFormatting(s.open[i].a) {
			s.unsure = true
		}
	}
	s.truncate(i)
}

// top returns the current node's atom, or 0.
func (s *fastScan) top() atom.Atom {
	if len(s.open) == 0 || s.open[len(s.open)-1].svg {
		return 0
	}
	return s.open[len(s.open)-1].a
}

// find returns where an open HTML element a is in scope, with extra (if
// not 0) as one more scope boundary (button scope, list item scope), or
// -1.
func (s *fastScan) find(a, extra atom.Atom) int {
	for i := len(s.open) - 1; i >= 0; i-- {
		e := &s.open[i]
		if !e.svg && e.a == a {
			return i
		}
		if isScopeMarkerElem(e) || !e.svg && extra != 0 && (e.a == extra || extra == atom.Ol && e.a == atom.Ul) {
			return -1
		}
	}
	return -1
}

// inScope reports whether an open HTML element a is in scope (see find).
func (s *fastScan) inScope(a, extra atom.Atom) bool {
	return s.find(a, extra) >= 0
}

// isOpen reports whether an HTML element a is open; for a = 0, whether
// any element of a name the atoms do not know is.
func (s *fastScan) isOpen(a atom.Atom) bool {
	for i := range s.open {
		if !s.open[i].svg && s.open[i].a == a {
			return true
		}
	}
	return false
}

// isScopeMarkerElem reports whether an open element bounds a scope.
func isScopeMarkerElem(e *openElem) bool {
	if e.svg {
		return isSpecial(e)
	}
	switch e.a {
	case atom.Applet, atom.Caption, atom.Html, atom.Table, atom.Td, atom.Th, atom.Marquee,
		atom.Object, atom.Template:
		return true
	}
	return false
}

// isSpecial reports whether an open element is in the parser's special
// category (x/net/html's isSpecialElement).
func isSpecial(e *openElem) bool {
	if e.svg {
		return e.point
	}
	switch e.a {
	case atom.Address, atom.Applet, atom.Area, atom.Article, atom.Aside, atom.Base, atom.Basefont,
		atom.Bgsound, atom.Blockquote, atom.Body, atom.Br, atom.Button, atom.Caption, atom.Center,
		atom.Col, atom.Colgroup, atom.Dd, atom.Details, atom.Dir, atom.Div, atom.Dl, atom.Dt,
		atom.Embed, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.Frame,
		atom.Frameset, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Head, atom.Header,
		atom.Hgroup, atom.Hr, atom.Html, atom.Iframe, atom.Img, atom.Input, atom.Keygen, atom.Li,
		atom.Link, atom.Listing, atom.Main, atom.Marquee, atom.Menu, atom.Meta, atom.Nav,
		atom.Noembed, atom.Noframes, atom.Noscript, atom.Object, atom.Ol, atom.P, atom.Param,
		atom.Plaintext, atom.Pre, atom.Script, atom.Search, atom.Section, atom.Select, atom.Source,
		atom.Style, atom.Summary, atom.Table, atom.Tbody, atom.Td, atom.Template, atom.Textarea,
		atom.Tfoot, atom.Th, atom.Thead, atom.Title, atom.Tr, atom.Track, atom.Ul, atom.Wbr, atom.Xmp:
		return true
	}
	return false
}

func isHeadingAtom(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
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
		atom.Search, atom.Section, atom.Summary, atom.Ul, atom.H1, atom.H2, atom.H3, atom.H4,
		atom.H5, atom.H6, atom.Pre, atom.Listing, atom.Form, atom.Table, atom.Hr, atom.Xmp:
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
