package extract

import "bytes"

// Where the text of a <script> ends, as x/net/html's tokenizer decides it
// (its readScript): the script data states, with their escapes.

// scriptEnd returns where the text of a script, starting at i, ends,
// following x/net/html's readScript state by state: after "<!--", a
// "<script" hides the next "</script>" (scriptEscaped).
func (z *tokenizer) scriptEnd(i int) int {
	b := z.b
	for {
		k := bytes.IndexByte(b[i:], '<')
		if k < 0 {
			return len(b)
		}
		i += k + 1 // after the '<'
		if i >= len(b) {
			return len(b)
		}
		switch b[i] {
		case '/':
			match, next, eof := z.rawEndTagAt(i+1, "script")
			switch {
			case match:
				return i - 1
			case eof:
				return len(b)
			}
			i = next
		case '!':
			// "<!--" starts escaped script data; anything else is read
			// again as script data, from the byte that differs.
			switch {
			case i+1 >= len(b):
				return len(b)
			case b[i+1] != '-':
				i++
			case i+2 >= len(b):
				return len(b)
			case b[i+2] != '-':
				i += 2
			default:
				var end bool
				if i, end = z.scriptEscaped(i + 3); end {
					return i
				}
			}
		}
	}
}

// scriptEscaped reads escaped script data from i, after a "<!--". It
// returns where script data resumes or, with end set, where the script
// ends. Inside, "<script" starts double-escaped data, where "</script>"
// only ends the double escape.
func (z *tokenizer) scriptEscaped(i int) (int, bool) {
	b := z.b
	dashes, double := 2, false // "<!--" leaves two dashes: "<!-->" ends the escape
	for i < len(b) {
		c := b[i]
		i++
		switch {
		case c == '-':
			dashes++
			continue
		case c == '>' && dashes >= 2:
			return i, false
		case c == '<':
			if i >= len(b) {
				return len(b), true
			}
			c, i = b[i], i+1
			switch {
			case c == '/':
				lt := i - 2
				match, next, eof := z.rawEndTagAt(i, "script")
				switch {
				case eof:
					return len(b), true
				case match && !double:
					return lt, true
				case match:
					i, double = lt+len("</script>"), false // the byte after the tag too
				default:
					i = next
				}
			case double:
				i-- // read again as double-escaped data
			case isLetter(c):
				var eof bool
				if i, double, eof = z.doubleEscapeStart(i - 1); eof {
					return len(b), true
				}
			default:
				return i - 1, false // script data again, from c
			}
		}
		dashes = 0
	}
	return len(b), true
}

// doubleEscapeStart reads "script" and a white space, '/' or '>' at i, in
// escaped script data after a '<': it returns where reading resumes,
// whether they were there (and data is double-escaped from there), and
// whether the page ended first.
func (z *tokenizer) doubleEscapeStart(i int) (next int, double, eof bool) {
	b := z.b
	for k := 0; k < len("script"); k++ {
		if i >= len(b) {
			return i, false, true
		}
		if c := b[i]; c != "script"[k] && c != "SCRIPT"[k] {
			return i, false, false
		}
		i++
	}
	if i >= len(b) {
		return i, false, true
	}
	if c := b[i]; isTagSpace(c) || c == '/' || c == '>' {
		return i + 1, true, false
	}
	return i, false, false
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
