package extract

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// What the fast path's tokenizer (tokens.go) gives of a token as
// x/net/html gives it: a tag's attributes (duplicates dropped, keys in
// lower case, values decoded), whether it closes itself, a text's data.

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
