package extract

import (
	"html"
	"strings"
	"unicode/utf8"
)

// Pages wrap URLs and markup in the encodings of the languages they pass
// through: a player's HTML entity-encoded into an attribute (once, or twice
// by a CMS export), JSON-escaped into a script or an onclick string,
// percent-encoded for decodeURIComponent or a page builder's data-*
// attribute. The scanner (scan.go) undoes them one layer at a time, and
// only on the text around a "youtu" or "ytimg" that holds the marks of an
// encoding, so that text without them costs nothing more.

// maxDecode bounds how many layers of encoding are undone: HTML entities
// inside JSON inside an entity-encoded attribute is as deep as pages go.
// maxDecodeLen bounds the text decoded at once; a whole player encoded in
// one attribute is a few kilobytes, and longer text is scanned as it is.
const (
	maxDecode    = 3
	maxDecodeLen = 256 << 10
)

// needsDecode reports whether tok, whose YouTube hit is at h, holds a
// JSON escape, an HTML entity or percent-encoded markup before the hit.
func needsDecode(tok string, h int) bool {
	return strings.IndexByte(tok, '\\') >= 0 || strings.IndexByte(tok, '&') >= 0 && hasEntity(tok) ||
		strings.IndexByte(tok[:h], '%') >= 0 && pctEncoded(tok[:h])
}

// hasEntity reports whether s holds something that looks like an HTML
// entity: "&" followed by a letter or "#" and, within a few characters, a
// semicolon. A query string's "&v=" is not one.
func hasEntity(s string) bool {
	for i := strings.IndexByte(s, '&'); i >= 0; {
		rest := s[i+1:]
		if rest != "" && (isLetter(rest[0]) || rest[0] == '#') {
			if k := strings.IndexByte(rest, ';'); k > 0 && k <= 10 {
				return true
			}
		}
		j := strings.IndexByte(rest, '&')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// decodeToken undoes one layer of encoding of tok, whose YouTube hit is at
// h: JSON string escapes (\/, \\, \", \uXXXX, \xXX) and then HTML
// entities, the order in which pages apply them in reverse (a JSON blob in
// a script may carry "\u0026amp;" for an ampersand); or, when there are
// none, percent-encoding, which is the innermost layer where pages use it
// (markup percent-encoded, then put in an attribute or a JSON string).
func decodeToken(tok string, h int) string {
	d := tok
	if strings.IndexByte(d, '\\') >= 0 {
		d = decodeJSEscapes(d)
	}
	if strings.IndexByte(d, '&') >= 0 && hasEntity(d) {
		d = html.UnescapeString(d)
	}
	if d == tok && pctEncoded(tok[:h]) {
		d = unescapePercent(d)
	}
	return d
}

// decodeJSEscapes undoes the backslash escapes of JSON and JavaScript
// strings. An escaped control character becomes a space, which ends the
// token when it is scanned again.
func decodeJSEscapes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'u', 'U':
			if r, ok := hexRune(s, i+1, 4); ok {
				b.WriteRune(r)
				i += 4
				continue
			}
			b.WriteByte(e)
		case 'x':
			if r, ok := hexRune(s, i+1, 2); ok {
				b.WriteRune(r)
				i += 2
				continue
			}
			b.WriteByte(e)
		case 'n', 'r', 't', 'b', 'f', 'v':
			b.WriteByte(' ')
		default: // \/ \\ \" \' and anything else: the character itself
			b.WriteByte(e)
		}
	}
	return b.String()
}

// hexRune reads n hex digits of s at i as a character.
func hexRune(s string, i, n int) (rune, bool) {
	if i+n > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+n]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			d = c | 0x20 - 'a' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	return r, true
}

// pctEncoded reports whether s, the text of a token before its YouTube
// host, is percent-encoded markup or a percent-encoded URL: it holds an
// encoded "<", quote, "://" or "//" (%3C, %22, %27, %3A%2F%2F, %2F%2F,
// or these encoded again),
// and what comes before that mark is not the start of a URL whose query
// carries the encoded text (https://…?url=https%3A…, /embed?url=…): such
// a wrapper is passed whole, and unwrapped as a proxy.
func pctEncoded(s string) bool {
	i := pctMark(s)
	if i < 0 {
		return false
	}
	pre := s[:i]
	return !strings.HasPrefix(pre, "/") && !strings.Contains(pre, "://") && strings.IndexByte(pre, '?') < 0
}

// pctMark returns the index of the first encoded mark of markup or a URL
// in s (see pctEncoded), or -1. A mark encoded again (%253C, up to
// maxDecode times) counts too.
func pctMark(s string) int {
	for i := 0; ; i++ {
		j := strings.IndexByte(s[i:], '%')
		if j < 0 {
			return -1
		}
		i += j
		esc := "%"
		k := i + 1
		for n := 1; n < maxDecode && hasPrefixFold(s[k:], "25"); n++ {
			esc, k = esc+"25", k+2
		}
		if k+2 > len(s) {
			return -1
		}
		a, b := s[k], s[k+1]|0x20
		rest := s[k+2:]
		switch {
		case a == '3' && b == 'c', a == '2' && (b == '2' || b == '7'):
			return i
		case a == '3' && b == 'a' && hasPrefixFold(rest, esc+"2f"+esc+"2f"),
			a == '2' && b == 'f' && hasPrefixFold(rest, esc+"2f"):
			return i
		}
	}
}

// unescapePercent decodes the %XX escapes of s. Unlike url.QueryUnescape
// it keeps a "+" (markup encoded with encodeURIComponent has %20 for a
// space, and a "+" in a URL inside it is a plus) and leaves a malformed
// escape as it is instead of failing.
func unescapePercent(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if hi, ok := unhex(s[i+1]); ok {
				if lo, ok := unhex(s[i+2]); ok {
					b.WriteByte(hi<<4 | lo)
					i += 2
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unhex returns the value of hex digit c.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c|0x20 && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10, true
	}
	return 0, false
}

// encodedMarkup reports whether an attribute value holds encoded markup
// or an encoded URL rather than one URL: HTML or JSON escapes of a tag or
// a quote (&lt;, &quot;, \u003c, \"), or percent-encoding (see
// pctEncoded). Such a value is scanned as code, which decodes it.
func encodedMarkup(v string) bool {
	if strings.IndexByte(v, '&') >= 0 && (strings.Contains(v, "&lt;") || strings.Contains(v, "&quot;")) {
		return true
	}
	if strings.IndexByte(v, '\\') >= 0 && (containsFold(v, "\\u003c") || containsFold(v, "\\u0022") || strings.Contains(v, "\\\"")) {
		return true
	}
	return strings.IndexByte(v, '%') >= 0 && pctEncoded(v)
}
