package extract

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// tokenizer splits a page into the tokens golang.org/x/net/html's
// Tokenizer gives (text, tags, comments), on a byte slice and without
// allocating: the fast path (fastpath.go) reads pages that cannot make a
// reference with it, where building the tree would cost several times
// more. It follows token.go of x/net/html state by state, including the
// raw-text elements, the escapes of script data, comments, doctypes and
// CDATA; TestTokenizerAgrees and FuzzFastPath hold it to the original.
// Attribute values are decoded (entities, newlines) by the original, on
// the few tags that need it.
type tokenizer struct {
	b          []byte
	pos        int    // where the next token starts
	rawTag     string // lower case: the element whose raw text comes next, or ""
	allowCDATA bool   // <![CDATA[…]]> is text (inside foreign content)

	// The current token.
	kind       tokenKind
	start, end int       // its bytes
	d0, d1     int       // a text's bytes, a tag's name
	inRaw      bool      // a text is the content of a raw-text or RCDATA element
	raw        bool      // …of a raw-text one: no entities are decoded
	nul        bool      // a text's NUL bytes become U+FFFD (raw text, CDATA)
	attrs      []attrPos // a start tag's attributes, duplicates not yet removed
}

// tokenKind is the kind of a token.
type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokText
	tokStart // also a self-closing tag (see selfClosing)
	tokEnd
	tokComment // comments, doctypes, processing instructions, "</>"
)

// attrPos locates an attribute: its key and its value, as written.
type attrPos struct {
	k0, k1, v0, v1 int
}

// isTagSpace reports whether c is white space to the tokenizer.
func isTagSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

// next reads the next token and returns its kind; tokEOF at the end, and
// also when the page ends inside a tag, as x/net/html's tokenizer stops
// with an error there.
func (z *tokenizer) next() tokenKind {
	z.start, z.inRaw, z.raw, z.nul, z.attrs = z.pos, false, false, false, z.attrs[:0]
	if z.rawTag != "" {
		tag := z.rawTag
		z.rawTag = ""
		if tag == "plaintext" {
			z.pos = len(z.b)
		} else {
			z.pos = z.rawEnd(tag, z.pos)
		}
		if z.pos > z.start {
			z.inRaw, z.raw, z.nul = true, tag != "textarea" && tag != "title", true
			return z.text(z.start, z.pos)
		}
	}
	for i := z.pos; ; {
		k := bytes.IndexByte(z.b[i:], '<')
		if k < 0 || i+k+1 >= len(z.b) {
			if z.start < len(z.b) {
				z.pos = len(z.b)
				return z.text(z.start, z.pos)
			}
			z.kind = tokEOF
			return tokEOF
		}
		k += i
		c := z.b[k+1]
		if !isLetter(c) && c != '/' && c != '!' && c != '?' {
			i = k + 1
			continue
		}
		if k > z.start {
			z.pos = k
			return z.text(z.start, k)
		}
		switch {
		case isLetter(c):
			return z.startTag(k + 1)
		case c == '/':
			return z.endTag(k + 2)
		case c == '!':
			return z.markup(k + 2)
		default: // "<?": a bogus comment
			return z.comment(z.untilAngle(k + 1))
		}
	}
}

func (z *tokenizer) text(d0, d1 int) tokenKind {
	z.d0, z.d1, z.end, z.kind = d0, d1, z.pos, tokText
	return tokText
}

func (z *tokenizer) comment(end int) tokenKind {
	z.pos, z.end, z.kind = end, end, tokComment
	return tokComment
}

// untilAngle returns the position after the next '>' from i, or the end.
func (z *tokenizer) untilAngle(i int) int {
	if k := bytes.IndexByte(z.b[i:], '>'); k >= 0 {
		return i + k + 1
	}
	return len(z.b)
}

// startTag reads a start tag whose name starts at i.
func (z *tokenizer) startTag(i int) tokenKind {
	end, ok := z.tag(i, true)
	if !ok {
		return z.eof()
	}
	z.pos, z.end, z.kind = end, end, tokStart
	if tag := rawTagName(z.b[z.d0:z.d1]); tag != "" {
		z.rawTag = tag
	}
	return tokStart
}

// endTag reads what follows "</" at i.
func (z *tokenizer) endTag(i int) tokenKind {
	if i >= len(z.b) { // "</" at the end of the page is text
		z.pos = len(z.b)
		return z.text(z.start, z.pos)
	}
	switch c := z.b[i]; {
	case c == '>': // "</>" makes no token; a comment stands in for it
		return z.comment(i + 1)
	case isLetter(c):
		end, ok := z.tag(i, false)
		if !ok {
			return z.eof()
		}
		z.pos, z.end, z.kind = end, end, tokEnd
		return tokEnd
	}
	return z.comment(z.untilAngle(i))
}

func (z *tokenizer) eof() tokenKind {
	z.pos, z.kind = len(z.b), tokEOF
	return tokEOF
}

// tag reads a tag's name, starting at i, and its attributes; it returns
// the position after the '>', or false when the page ends first.
func (z *tokenizer) tag(i int, keep bool) (int, bool) {
	b := z.b
	z.d0 = i
	for i < len(b) && !isTagSpace(b[i]) && b[i] != '/' && b[i] != '>' {
		i++
	}
	if i >= len(b) {
		return 0, false
	}
	z.d1 = i
	i = skipTagSpace(b, i)
	for i < len(b) {
		if b[i] == '>' {
			return i + 1, true
		}
		// The key: up to white space, '/', '>' or an '=' that is not its
		// first byte.
		k0 := i
		for i < len(b) {
			c := b[i]
			if isTagSpace(c) || c == '/' || c == '>' || c == '=' && i > k0 {
				break
			}
			i++
		}
		k1 := i
		v0, v1 := i, i
		// The value, after an '=' and white space.
		j := skipTagSpace(b, i)
		switch {
		case j >= len(b):
			return 0, false
		case b[j] == '/':
			i = j + 1
		case b[j] != '=':
			i = j
		default:
			j = skipTagSpace(b, j+1)
			switch {
			case j >= len(b):
				return 0, false
			case b[j] == '>':
				i = j
			case b[j] == '"' || b[j] == '\'':
				q := bytes.IndexByte(b[j+1:], b[j])
				if q < 0 {
					return 0, false
				}
				v0, v1 = j+1, j+1+q
				i = v1 + 1
			default:
				v0 = j
				for j < len(b) && !isTagSpace(b[j]) && b[j] != '>' {
					j++
				}
				v1, i = j, j
			}
		}
		if keep && k1 > k0 {
			z.attrs = append(z.attrs, attrPos{k0, k1, v0, v1})
		}
		i = skipTagSpace(b, i)
	}
	return 0, false
}

func skipTagSpace(b []byte, i int) int {
	for i < len(b) && isTagSpace(b[i]) {
		i++
	}
	return i
}

// rawTagName returns the lower-case name of a tag whose content the
// tokenizer reads as raw text (or RCDATA), or "".
func rawTagName(name []byte) string {
	if len(name) < 3 || len(name) > 9 {
		return ""
	}
	for _, t := range [...]string{"iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp"} {
		if len(t) == len(name) && equalFoldASCII(name, t) {
			return t
		}
	}
	return ""
}

// equalFoldASCII reports whether b is s (lower case) in any ASCII case.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i] && b[i] != s[i] {
			return false
		}
	}
	return true
}

// markup reads what follows "<!" at i: a comment, a doctype, CDATA (where
// allowed, as text) or a bogus comment.
func (z *tokenizer) markup(i int) tokenKind {
	b := z.b
	if i+2 > len(b) {
		return z.comment(len(b))
	}
	if b[i] == '-' && b[i+1] == '-' {
		return z.comment(z.commentEnd(i + 2))
	}
	if z.allowCDATA && bytes.HasPrefix(b[i:], []byte("[CDATA[")) {
		d0 := i + len("[CDATA[")
		z.nul = true
		if k := bytes.Index(b[d0:], []byte("]]>")); k >= 0 {
			z.pos = d0 + k + 3
			return z.text(d0, d0+k)
		}
		z.pos = len(b)
		return z.text(d0, len(b))
	}
	// A doctype and a bogus comment both end at the next '>'.
	return z.comment(z.untilAngle(i))
}

// commentEnd returns where a comment whose text starts at i ends: after
// "-->", "--!>", or a '>' right at its start ("<!-->", "<!--->").
func (z *tokenizer) commentEnd(i int) int {
	b := z.b
	dashes, beginning := 0, true
	for ; i < len(b); i++ {
		switch b[i] {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				return i + 1
			}
		case '!':
			if dashes >= 2 {
				i++
				if i >= len(b) {
					return len(b)
				}
				switch b[i] {
				case '>':
					return i + 1
				case '-':
					dashes, beginning = 1, false
					continue
				}
			}
		}
		dashes, beginning = 0, false
	}
	return len(b)
}

// rawEnd returns where the raw text of element tag, starting at i, ends:
// at its end tag, or at the end of the page.
func (z *tokenizer) rawEnd(tag string, i int) int {
	if tag == "script" {
		return z.scriptEnd(i)
	}
	for {
		k := bytes.Index(z.b[i:], []byte("</"))
		if k < 0 {
			return len(z.b)
		}
		k += i
		if z.isEndTag(k, tag) {
			return k
		}
		i = k + 2
	}
}

// isEndTag reports whether "</tag" and white space, '/' or '>' is at k.
func (z *tokenizer) isEndTag(k int, tag string) bool {
	e := k + 2 + len(tag)
	if e >= len(z.b) || !equalFoldASCII(z.b[k+2:e], tag) {
		return false
	}
	c := z.b[e]
	return isTagSpace(c) || c == '/' || c == '>'
}

// scriptEnd returns where the text of a script, starting at i, ends,
// following x/net/html's readScript state by state: after "<!--", a
// "<script" hides the next "</script>".
func (z *tokenizer) scriptEnd(i int) int {
	b := z.b
	var c byte
	var k, lt int
	var match, eof bool
scriptData:
	if k = bytes.IndexByte(b[i:], '<'); k < 0 {
		return len(b)
	}
	i += k + 1
	if i >= len(b) {
		return len(b)
	}
	c, i = b[i], i+1
	switch c {
	case '/':
		goto endTagOpen
	case '!':
		goto escapeStart
	}
	i--
	goto scriptData
endTagOpen:
	lt = i - 2
	if match, i, eof = z.rawEndTagAt(i, "script"); match {
		return lt
	} else if eof {
		return len(b)
	}
	goto scriptData
escapeStart:
	if i >= len(b) {
		return len(b)
	}
	if b[i] != '-' {
		goto scriptData
	}
	i++
	if i >= len(b) {
		return len(b)
	}
	if b[i] != '-' {
		goto scriptData
	}
	i++
	goto escapedDashDash
escaped:
	if i >= len(b) {
		return len(b)
	}
	c, i = b[i], i+1
	switch c {
	case '-':
		goto escapedDash
	case '<':
		goto escapedLessThanSign
	}
	goto escaped
escapedDash:
	if i >= len(b) {
		return len(b)
	}
	c, i = b[i], i+1
	switch c {
	case '-':
		goto escapedDashDash
	case '<':
		goto escapedLessThanSign
	}
	goto escaped
escapedDashDash:
	if i >= len(b) {
		return len(b)
	}
	c, i = b[i], i+1
	switch c {
	case '-':
		goto escapedDashDash
	case '<':
		goto escapedLessThanSign
	case '>':
		goto scriptData
	}
	goto escaped
escapedLessThanSign:
	if i >= len(b) {
		return len(b)
	}
	c, i = b[i], i+1
	if c == '/' {
		lt = i - 2
		if match, i, eof = z.rawEndTagAt(i, "script"); match {
			return lt
		} else if eof {
			return len(b)
		}
		goto escaped
	}
	if isLetter(c) {
		i-- // the double escape starts with the letter
		for k = 0; k < len("script"); k++ {
			if i >= len(b) {
				return len(b)
			}
			if c, i = b[i], i+1; c != "script"[k] && c != "SCRIPT"[k] {
				i--
				goto escaped
			}
		}
		if i >= len(b) {
			return len(b)
		}
		if c, i = b[i], i+1; isTagSpace(c) || c == '/' || c == '>' {
			goto doubleEscaped
		}
		i--
		goto escaped
	}
	i--
	goto scriptData
doubleEscaped:
	if i >= len(b) {
		return len(b)
	}
	c, i = b[i], i+1
	switch c {
	case '-':
		goto doubleEscapedDash
	case '<':
		goto doubleEscapedLessThanSign
	}
	goto doubleEscaped
doubleEscapedDash:
	if i >= len(b) {
		return len(b)
	}
	c, i = b[i], i+1
	switch c {
	case '-':
		goto doubleEscapedDashDash
	case '<':
		goto doubleEscapedLessThanSign
	}
	goto doubleEscaped
doubleEscapedDashDash:
	if i >= len(b) {
		return len(b)
	}
	c, i = b[i], i+1
	switch c {
	case '-':
		goto doubleEscapedDashDash
	case '<':
		goto doubleEscapedLessThanSign
	case '>':
		goto scriptData
	}
	goto doubleEscaped
doubleEscapedLessThanSign:
	if i >= len(b) {
		return len(b)
	}
	c, i = b[i], i+1
	if c != '/' {
		i--
		goto doubleEscaped
	}
	lt = i - 2
	if match, i, eof = z.rawEndTagAt(i, "script"); match {
		i = lt + len("</script>") // the end tag, and the byte after it, are data
		goto escaped
	} else if eof {
		return len(b)
	}
	goto doubleEscaped
}

// rawEndTagAt reads tag and a white space, '/' or '>' at i, after a "</",
// as x/net/html's readRawEndTag does: it reports whether they are there,
// and otherwise where reading resumes (at the first byte that differs) or
// that the page ended first.
func (z *tokenizer) rawEndTagAt(i int, tag string) (match bool, next int, eof bool) {
	for k := 0; k < len(tag); k++ {
		if i >= len(z.b) {
			return false, i, true
		}
		if c := z.b[i]; c != tag[k] && c != tag[k]-('a'-'A') {
			return false, i, false
		}
		i++
	}
	if i >= len(z.b) {
		return false, i, true
	}
	switch z.b[i] {
	case ' ', '\n', '\r', '\t', '\f', '/', '>':
		return true, i, false
	}
	return false, i, false
}

// name returns the current tag's name, lower-cased into buf when it fits.
func (z *tokenizer) name(buf *[16]byte) []byte {
	n := z.b[z.d0:z.d1]
	if len(n) > len(buf) {
		return n
	}
	for i, c := range n {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(n)]
}

// dedup removes the attributes x/net/html drops: those whose key, in
// lower case, an earlier one has.
func (z *tokenizer) dedup() {
	if len(z.attrs) < 2 {
		return
	}
	kept := z.attrs[:1]
	var seen map[string]bool // past a few attributes, instead of comparing pairs
	for _, a := range z.attrs[1:] {
		dup := false
		if seen == nil && len(kept) < 16 {
			for _, k := range kept {
				if equalFoldBytes(z.b[k.k0:k.k1], z.b[a.k0:a.k1]) {
					dup = true
					break
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]bool)
				for _, k := range kept {
					seen[lowerKey(z.b[k.k0:k.k1])] = true
				}
			}
			key := lowerKey(z.b[a.k0:a.k1])
			dup = seen[key]
			seen[key] = true
		}
		if !dup {
			kept = append(kept, a)
		}
	}
	z.attrs = kept
}

// equalFoldBytes reports whether a and b are equal in ASCII case folding
// (as x/net/html lower-cases keys: ASCII letters only).
func equalFoldBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// selfClosing reports whether the current start tag closes itself
// ("<path/>"), as x/net/html decides it: a '/' before the '>' that is not
// the end of the last attribute's unquoted value.
func (z *tokenizer) selfClosing() bool {
	e := z.end - 2
	if e < z.d0 || z.b[e] != '/' {
		return false
	}
	z.dedup()
	if n := len(z.attrs); n > 0 && z.attrs[n-1].v1-1 == e {
		return false
	}
	return true
}

// attributes returns the current start tag's attributes as x/net/html
// gives them: keys in lower case, duplicates dropped, values decoded;
// with want, only those whose key it wants.
func (z *tokenizer) attributes(want func(key []byte) bool) []html.Attribute {
	z.dedup()
	attrs := make([]html.Attribute, 0, len(z.attrs))
	for _, a := range z.attrs {
		if key := z.b[a.k0:a.k1]; want == nil || want(key) {
			attrs = append(attrs, html.Attribute{Key: lowerKey(key), Val: attrValue(z.b[a.v0:a.v1])})
		}
	}
	return attrs
}

// attrValue returns an attribute value as x/net/html decodes it: newlines
// normalised, then character references decoded the way they are in
// attributes.
func attrValue(v []byte) string {
	if bytes.IndexByte(v, '&') < 0 && bytes.IndexByte(v, '\r') < 0 {
		return string(v)
	}
	s := string(v)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		n, decoded := attrReference(s)
		b.WriteString(decoded)
		s = s[n:]
	}
}

// attrReference reads the character reference at the start of s (at its
// '&') as x/net/html's unescapeEntity does in an attribute value, and
// returns how many bytes it takes and what they stand for. The decoding
// itself is html.UnescapeString's; what differs in attributes is which
// references count: a named one only when it is a whole name (no prefix of
// a longer word), and not when a name without ';' is followed by '='.
func attrReference(s string) (int, string) {
	if len(s) > 1 && s[1] == '#' {
		if len(s) <= 2 {
			return 1, "&"
		}
		i, hex := 2, false
		if s[i] == 'x' || s[i] == 'X' {
			hex = true
			i++
		}
		i0 := i
		for i < len(s) && ('0' <= s[i] && s[i] <= '9' || hex && isHex(s[i])) {
			i++
		}
		if i == i0 {
			return 1, "&"
		}
		if i < len(s) && s[i] == ';' {
			i++
		}
		return i, html.UnescapeString(s[:i])
	}
	i := 1
	for i < len(s) && (isLetter(s[i]) || '0' <= s[i] && s[i] <= '9') {
		i++
	}
	semicolon := i < len(s) && s[i] == ';'
	if semicolon {
		i++
	}
	name := s[1:i]
	if name == "" || !semicolon && i < len(s) && s[i] == '=' {
		return i, s[:i]
	}
	r := html.UnescapeString(s[:i])
	// Text decoding, which UnescapeString does, also takes the longest
	// prefix that is a name ("&notit;" is "¬it;"); an attribute does not.
	// A whole name without ';' decodes to no ASCII letter or digit, and
	// one with ';' to nothing ending in ';' but "&semi;".
	if r == s[:i] {
		return i, r
	}
	last := r[len(r)-1]
	if semicolon && last == ';' && r != ";" || !semicolon && (isLetter(last) || '0' <= last && last <= '9') {
		return i, s[:i]
	}
	return i, r
}

// lowerKey returns an attribute key with its ASCII letters in lower case.
func lowerKey(k []byte) string {
	s := []byte(string(k))
	for i, c := range s {
		if 'A' <= c && c <= 'Z' {
			s[i] = c + 'a' - 'A'
		}
	}
	return string(s)
}

// textData returns the current text token as x/net/html gives it: newlines
// normalised and, but in raw text, entities decoded.
func (z *tokenizer) textData() string {
	s := string(z.b[z.d0:z.d1])
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	if z.nul {
		s = strings.ReplaceAll(s, "\x00", "\ufffd")
	}
	if !z.raw {
		s = html.UnescapeString(s)
	}
	return s
}
