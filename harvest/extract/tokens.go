package extract

import "bytes"

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
