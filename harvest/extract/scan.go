package extract

import "strings"

// indexYT returns the index of the first "youtu" or "ytimg" in s, in any
// case, or -1. Every YouTube host name contains one of the two (youtube.com,
// youtu.be, youtube-nocookie.com, i.ytimg.com), also when the URL is
// percent-encoded inside another one, so this is the prefilter in front of
// every costlier test.
func indexYT(s string) int {
	f := newFinder(s, false)
	return f.next(0)
}

// ytFinder finds the "youtu" and "ytimg" of one string in turn. Both
// start with "y": it jumps between the next 'y' and the next 'Y' with
// strings.IndexByte, remembering each position until it is passed, so that
// finding every hit stays one vectorised pass over s rather than a byte
// loop, or a rescan for the letter that is not there.
//
// With api set it also stops at the names of the IFrame Player API
// (playerapi.go), which all hold a "y" too: YT.Player, loadVideoById,
// cueVideoById, loadPlaylist, cuePlaylist. Script text is read in the same
// one pass whether it holds URLs, calls, or neither.
type ytFinder struct {
	s            string
	lower, upper int  // next 'y' and 'Y' at or after the last search; -1 when none is left, -2 unknown
	api          bool // also stop at IFrame Player API names (see apiNameAt)
}

// newFinder returns a finder over s; with api it also stops at the IFrame
// Player API's names.
func newFinder(s string, api bool) ytFinder {
	return ytFinder{s: s, lower: -2, upper: -2, api: api}
}

// next returns the index of the first hit at or after i, or -1.
func (f *ytFinder) next(i int) int {
	s := f.s
	for i+5 <= len(s) {
		if f.lower != -1 && f.lower < i {
			if k := strings.IndexByte(s[i:], 'y'); k < 0 {
				f.lower = -1
			} else {
				f.lower = i + k
			}
		}
		if f.upper != -1 && f.upper < i {
			if k := strings.IndexByte(s[i:], 'Y'); k < 0 {
				f.upper = -1
			} else {
				f.upper = i + k
			}
		}
		p := f.lower
		switch {
		case f.lower < 0 && f.upper < 0:
			return -1
		case f.lower < 0 || f.upper >= 0 && f.upper < f.lower:
			p = f.upper
		}
		if p+5 > len(s) {
			return -1
		}
		if isYT(s[p+1], s[p+2], s[p+3], s[p+4]) || f.api && mayBeAPIName(s, p) && apiNameAt(s, p) {
			return p
		}
		i = p + 1
	}
	return -1
}

// isYTAt reports whether s[p:] starts with "youtu" or "ytimg", in any case.
func isYTAt(s string, p int) bool {
	return p+5 <= len(s) && s[p]|0x20 == 'y' && isYT(s[p+1], s[p+2], s[p+3], s[p+4])
}

// isYT reports whether the four bytes after a "y" spell "outu" or "timg",
// in any case.
func isYT(a, b, c, d byte) bool {
	a, b, c, d = a|0x20, b|0x20, c|0x20, d|0x20
	return a == 'o' && b == 'u' && c == 't' && d == 'u' || a == 't' && b == 'i' && c == 'm' && d == 'g'
}

// scanCode finds the YouTube URLs written in code or markup: script text,
// JSON, CSS, HTML held in an attribute. Each "youtu" or "ytimg" is grown to
// the token around it (tokens end at white space, quotes, brackets and
// angle brackets), the token is decoded when it holds JSON escapes (\/,
// \u0026), HTML entities (&amp;, &#038;, &quot;) or is percent-encoded
// markup or URL (%3Ciframe…, https%3A%2F%2F…; see decode.go), and the
// decoded text is scanned again; fn receives the
// URL in it: from its earliest "http:", "https:" or "//" before the hit
// (so a wrapper URL is passed whole, and unwrapped by the caller), else
// from the host name, to the end of the token less trailing punctuation.
//
// It only delimits; the caller's classification decides, so a template
// such as "https://www.youtube.com/embed/"+v or a bare "youtube.com" costs a
// look and yields nothing.
func scanCode(s string, fn func(string)) {
	scanCodeDepth(s, 0, fn, nil)
}

// scanScript is scanCode for script text and event handlers, which also
// calls call with the index of every IFrame Player API name in s (see
// apiNameAt). Calls are looked for in the text as written, not in the
// strings decoded out of it.
func scanScript(s string, fn func(string), call func(s string, at int)) {
	scanCodeDepth(s, 0, fn, call)
}

func scanCodeDepth(s string, depth int, fn func(string), call func(string, int)) {
	f := newFinder(s, call != nil)
	for i := 0; i < len(s); {
		j := f.next(i)
		if j < 0 {
			return
		}
		if call != nil && !isYTAt(s, j) {
			call(s, j)
			i = j + 1 // the call's arguments may hold URLs and other calls
			continue
		}
		lo := j
		for lo > i && !codeDelimBefore(s, lo) {
			lo--
		}
		hi := j
		for hi < len(s) && !codeDelimAt(s, hi) {
			hi++
		}
		tok := s[lo:hi]
		if depth < maxDecode && len(tok) <= maxDecodeLen && needsDecode(tok, j-lo) {
			if d := decodeToken(tok, j-lo); d != tok {
				scanCodeDepth(d, depth+1, fn, nil)
				i = max(hi, j+1)
				continue
			}
		}
		if u := urlInToken(tok, j-lo); u != "" {
			fn(u)
		}
		i = max(hi, j+1)
	}
}

// codeDelimAt reports whether s[i] ends a token. A backslash ends it when
// it escapes a quote or a control character (the end of a JSON string) but
// not when it escapes a slash or starts a \u sequence, which are part of an
// escaped URL.
func codeDelimAt(s string, i int) bool {
	c := s[i]
	if c == '\\' {
		if i+1 >= len(s) {
			return true
		}
		switch s[i+1] {
		case '/', 'u', 'U', 'x':
			return false
		}
		return true
	}
	return isCodeDelim(c)
}

// codeDelimBefore reports whether the token containing s[k] cannot extend
// to s[k-1].
func codeDelimBefore(s string, k int) bool {
	c := s[k-1]
	if isCodeDelim(c) {
		return true
	}
	// \" \n \t before the token: the escaped character ends the token.
	if k >= 2 && s[k-2] == '\\' {
		switch c {
		case '"', '\'', 'n', 'r', 't':
			return true
		}
	}
	return false
}

func isCodeDelim(c byte) bool {
	if c <= ' ' || c == 0x7f {
		return true
	}
	switch c {
	case '"', '\'', '`', '<', '>', '(', ')', '[', ']', '{', '}', '|', '^':
		return true
	}
	return false
}

// urlInToken returns the URL in tok around its hit at index h: from the
// earliest http(s) scheme or "//" before the hit, else from the start of
// the host name, to the end of the token less the punctuation that ends a
// sentence or a markdown emphasis.
func urlInToken(tok string, h int) string {
	start := -1
	for k := 0; k+5 <= h; k++ {
		if tok[k]|0x20 == 'h' && hasPrefixFold(tok[k:], "http") && (tok[k+4] == ':' || hasPrefixFold(tok[k+4:], "s:")) {
			start = k
			break
		}
	}
	if start < 0 {
		if k := strings.Index(tok[:h], "//"); k >= 0 {
			start = k
		}
	}
	if start < 0 {
		start = h
		for start > 0 && isHostChar(tok[start-1]) {
			start--
		}
		if start > 0 && gluedLeft(tok[start-1]) {
			return "" // the tail of another URL or path: example.com/youtube.com-tips
		}
	}
	end := len(tok)
	for end > h && strings.IndexByte(".,;:!?*'\"", tok[end-1]) >= 0 {
		end--
	}
	return tok[start:end]
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; prefix is lower case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if s[i]|0x20 != prefix[i] {
			return false
		}
	}
	return true
}
