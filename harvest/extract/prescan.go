package extract

import (
	"bytes"
	"strings"
)

// The pre-scan decides from a page's bytes alone whether the page can make
// a reference at all. Every rule of the extractor starts from a mark in
// the page's text or markup: "youtu" or "ytimg" in any case (every YouTube
// host name holds one, also percent-encoded in another URL), the names of
// the IFrame Player API in a script, a data-* name with "-yt" (data-yt-id),
// a self-hosted thumbnail's file name ("…default.jpg"), and the bare IDs
// of the elements at the top of the document (fastpath.go). A mark in the
// tree the parser builds is a mark in the bytes, but for three ways the
// parser makes text the bytes do not hold: character references (&#121;
// is a "y", &period; a "."), the NUL bytes it drops from text, and text
// it joins across ignored tags ("you</x>tube", which the fast path
// watches for). A page with none of the marks and neither of the first
// two can make no reference, and the fast path reads it.

// marks says which of the pre-scan's marks a page holds.
type marks struct {
	yt        bool // "youtu", "ytimg" or "-yt", in any case
	api       bool // a name of the IFrame Player API
	selfThumb bool // "default." and an image extension
	charRef   bool // a character reference to a letter, "." or "-", or a NUL byte
}

// any reports whether the page may make a reference.
func (m marks) any() bool {
	return m.yt || m.api || m.selfThumb || m.charRef
}

// scanMarks reads the marks of page. A page with one of "youtu", "ytimg"
// or "-yt" takes the full path whatever else it holds, and its scan stops
// there: the other marks are then only said to be there, which costs the
// walk little (walkPage) and spares a pass over the page.
func scanMarks(page []byte) marks {
	yt, api := ytMarks(page)
	if yt {
		return marks{yt: true, api: true, selfThumb: true, charRef: true}
	}
	return marks{
		api:       api,
		selfThumb: thumbMark(page),
		charRef:   bytes.IndexByte(page, 0) >= 0 || letterRef(page),
	}
}

// ytMarks finds the marks that hold a "y": "youtu", "ytimg" and "-yt" in
// any case, and the IFrame Player API's names (YT.Player, loadVideoById,
// cueVideoById, loadPlaylist, cuePlaylist). It goes from 'y' to 'Y' in the
// order of the page, so that it stops at the first "youtu".
func ytMarks(b []byte) (yt, api bool) {
	lower, upper := -2, -2 // the next 'y' and 'Y' from i; -1 when there is none
	for i := 0; ; {
		if lower != -1 && lower < i {
			lower = nextByte(b, i, 'y')
		}
		if upper != -1 && upper < i {
			upper = nextByte(b, i, 'Y')
		}
		p := lower
		switch {
		case lower < 0 && upper < 0:
			return false, api
		case lower < 0 || upper >= 0 && upper < lower:
			p = upper
		}
		i = p + 1
		if p+4 < len(b) && isYT(b[p+1], b[p+2], b[p+3], b[p+4]) ||
			p > 0 && b[p-1] == '-' && p+1 < len(b) && b[p+1]|0x20 == 't' {
			return true, true
		}
		if !api && (b[p] == 'Y' && hasPrefixAt(b, p, "YT.Player") ||
			b[p] == 'y' && (apiBefore(b, p, "VideoById", "load", "cue") || apiBefore(b, p, "Playlist", "load", "cue"))) {
			api = true
		}
	}
}

// nextByte returns the index of the first c in b from i, or -1.
func nextByte(b []byte, i int, c byte) int {
	if k := bytes.IndexByte(b[i:], c); k >= 0 {
		return i + k
	}
	return -1
}

// apiBefore reports whether the 'y' at p is the one in name (which has a
// single 'y'), preceded by one of the prefixes: loadVideoById, cuePlaylist…
func apiBefore(b []byte, p int, name string, prefixes ...string) bool {
	start := p - strings.IndexByte(name, 'y')
	if start < 0 || !hasPrefixAt(b, start, name) {
		return false
	}
	for _, pre := range prefixes {
		if start >= len(pre) && hasPrefixAt(b, start-len(pre), pre) {
			return true
		}
	}
	return false
}

// hasPrefixAt reports whether b[i:] starts with s.
func hasPrefixAt(b []byte, i int, s string) bool {
	return i+len(s) <= len(b) && string(b[i:i+len(s)]) == s
}

// thumbMark reports whether b holds "default." followed by an image
// extension (selfthumb.go reads jpg, jpeg, webp and png, in any case). It
// looks at each 'f', rarer than the 'd'.
func thumbMark(b []byte) bool {
	for i := 0; ; {
		p := nextByte(b, i, 'f')
		if p < 0 {
			return false
		}
		i = p + 1
		s, e := p-len("de"), p+len("fault.")
		if s < 0 || e+2 > len(b) || string(b[s:e]) != thumbVariant {
			continue
		}
		switch x, y := b[e]|0x20, b[e+1]|0x20; {
		case x == 'j' && y == 'p', x == 'w' && y == 'e', x == 'p' && y == 'n':
			return true
		}
	}
}

// letterRef reports whether b holds a character reference the parser
// decodes to an ASCII letter, '.' or '-': a numeric one (&#121;, &#x79;,
// with or without the semicolon, however many digits) or &period;. No
// other named reference decodes to one of those (fjlig makes "fj", which
// no mark holds).
func letterRef(b []byte) bool {
	for i := 0; ; {
		k := bytes.IndexByte(b[i:], '&')
		if k < 0 {
			return false
		}
		i += k + 1
		if i >= len(b) {
			return false
		}
		if b[i] != '#' {
			if hasPrefixAt(b, i, "period;") {
				return true
			}
			continue
		}
		if r, ok := numericRef(b[i+1:]); ok && isMarkChar(r) {
			return true
		}
	}
}

// numericRef decodes the digits of a numeric character reference, after
// the "&#", as x/net/html does: decimal, or hexadecimal after 'x', the
// value no longer growing once it is past the last code point.
func numericRef(b []byte) (rune, bool) {
	i, hex := 0, false
	if i < len(b) && (b[i] == 'x' || b[i] == 'X') {
		hex = true
		i++
	}
	var x rune
	digits := 0
	for ; i < len(b); i++ {
		c := b[i]
		var d rune
		switch {
		case '0' <= c && c <= '9':
			d = rune(c - '0')
		case hex && 'a' <= c|0x20 && c|0x20 <= 'f':
			d = rune(c|0x20-'a') + 10
		default:
			return x, digits > 0
		}
		if x <= 0x10FFFF {
			if hex {
				x = 16*x + d
			} else {
				x = 10*x + d
			}
		}
		digits++
	}
	return x, digits > 0
}

// isMarkChar reports whether r is a character a mark is made of.
func isMarkChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '.' || r == '-'
}
