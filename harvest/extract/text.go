package extract

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/harvestdev/ytharvest/harvest"
)

// Context sizes. Anchor text is kept up to maxContext characters; a URL
// pasted into text keeps about contextSide bytes of text on either side,
// cut at word boundaries, and the whole is capped at maxTextContext
// characters so that a pathological URL cannot bloat the row.
const (
	maxContext     = 200
	contextSide    = 100
	maxTextContext = 400
)

// maxHostLen is the longest DNS name; it bounds the scan for a host name.
const maxHostLen = 253

// textBuf accumulates text with runs of whitespace collapsed to one space
// and leading whitespace dropped. A positive limit stops it growing past
// that many bytes (anchor text needs only its first 200 characters).
type textBuf struct {
	b     []byte
	limit int
}

// reset empties t, keeping its storage for reuse.
func (t *textBuf) reset(limit int) {
	t.b = t.b[:0]
	t.limit = limit
}

// full reports whether t has reached its limit.
func (t *textBuf) full() bool {
	return t.limit > 0 && len(t.b) >= t.limit
}

// space adds a word break, unless there is one already.
func (t *textBuf) space() {
	if len(t.b) > 0 && t.b[len(t.b)-1] != ' ' && !t.full() {
		t.b = append(t.b, ' ')
	}
}

// add appends s with its whitespace collapsed. It copies runs of
// non-space text at once, so the cost is one pass over s.
func (t *textBuf) add(s string) {
	for len(s) > 0 && !t.full() {
		i, size := nextSpace(s)
		if i > 0 {
			chunk := s[:i]
			if t.limit > 0 && len(t.b)+len(chunk) > t.limit {
				chunk = chunk[:max(0, t.limit-len(t.b))]
			}
			t.b = append(t.b, chunk...)
		}
		if size == 0 {
			return
		}
		t.space()
		s = s[i+size:]
	}
}

// String returns the collected text without trailing space.
func (t *textBuf) String() string {
	return strings.TrimRight(string(t.b), " ")
}

// nextSpace returns the offset and byte size of the first whitespace
// character in s, or len(s) and 0 when there is none. Besides ASCII
// whitespace it counts the Unicode spaces news text is full of (no-break
// space, thin space, ideographic space).
func nextSpace(s string) (int, int) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
				return i, 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return i, size
		}
		i += size
	}
	return len(s), 0
}

// collapse returns s with whitespace collapsed and trimmed.
func collapse(s string) string {
	var t textBuf
	t.add(s)
	return t.String()
}

// clip shortens s to at most n characters, preferring to cut at a word
// break near the end.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := 0; i < n; i++ {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut*3/4 {
		cut = sp
	}
	return strings.TrimSpace(s[:cut])
}

// window returns the text around b[start:end] (a URL found in the text
// collected in b): about contextSide bytes either side, widened or
// narrowed to whole words and characters.
func window(b []byte, start, end int) string {
	lo := start - contextSide
	if lo <= 0 {
		lo = 0
	} else {
		for lo < start && !utf8.RuneStart(b[lo]) {
			lo++
		}
		if sp := bytes.IndexByte(b[lo:start], ' '); sp >= 0 {
			lo += sp + 1
		}
	}
	hi := end + contextSide
	if hi >= len(b) {
		hi = len(b)
	} else {
		for hi > end && !utf8.RuneStart(b[hi]) {
			hi--
		}
		if sp := bytes.LastIndexByte(b[end:hi], ' '); sp >= 0 {
			hi = end + sp
		}
	}
	return clip(strings.TrimSpace(string(b[lo:hi])), maxTextContext)
}

// textURL is a YouTube-looking URL found in text: s[start:end] as written.
type textURL struct {
	start, end int
}

// scanURLs finds the candidate YouTube URLs pasted into text s, with or
// without a scheme ("https://youtu.be/ID", "www.youtube.com/watch?v=ID",
// "youtu.be/ID"). It only delimits them; ParseURL decides. Each candidate
// is anchored on "youtu" (every YouTube host contains it), grown left over
// the host name and an optional "//" and http(s) scheme, and grown right
// over URL characters, less the punctuation that ends a sentence.
//
// A candidate glued to a word or path on its left is refused, so a slug on
// another site (example.com/youtube.com-tips) does not count.
func scanURLs(s string, fn func(textURL)) {
	for i := 0; i < len(s); {
		j := indexFold(s[i:], "youtu")
		if j < 0 {
			return
		}
		j += i
		next := j + len("youtu")
		// Both scans to the left are bounded (a host name is at most 253
		// bytes, and the only schemes taken are http and https), so text
		// such as "youtuyoutuyoutu…" cannot make the scan quadratic. A
		// longer run is left glued, and refused below.
		start := j
		for start > 0 && j-start < maxHostLen && isHostChar(s[start-1]) {
			start--
		}
		if strings.HasSuffix(s[:start], "//") {
			start -= 2
			if start > 0 && s[start-1] == ':' {
				k := start - 1
				for k > 0 && start-1-k < len("https") && isLetter(s[k-1]) {
					k--
				}
				if scheme := s[k : start-1]; !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
					i = next
					continue
				}
				start = k
			}
		}
		if start > 0 && gluedLeft(s[start-1]) {
			i = next
			continue
		}
		end := j
		for end < len(s) && isURLChar(s[end]) {
			end++
		}
		for end > j && strings.IndexByte(".,;:!?)]}'\"*", s[end-1]) >= 0 {
			end--
		}
		// A host with nothing after it ("on youtube.com", the word
		// "YouTube") is never a reference; skip it before anyone parses it.
		if !strings.ContainsAny(s[j:end], "/?#") {
			i = max(end, next) // and never rescan this run to the right
			continue
		}
		fn(textURL{start: start, end: end})
		i = max(end, next)
	}
}

// indexFold is strings.Index for an ASCII lower-case needle, ignoring the
// case of s, without allocating a lower-cased copy of s.
func indexFold(s, needle string) int {
	first := needle[0]
	for i := 0; i+len(needle) <= len(s); i++ {
		if s[i]|0x20 != first {
			continue
		}
		k := 1
		for k < len(needle) && s[i+k]|0x20 == needle[k] {
			k++
		}
		if k == len(needle) {
			return i
		}
	}
	return -1
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isHostChar(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '.' || c == '-'
}

// gluedLeft reports whether a URL preceded by c is really the tail of a
// longer word or URL.
func gluedLeft(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || strings.IndexByte("/\\.-_%@+~", c) >= 0
}

// isURLChar reports whether c may appear in a URL written in text: printable
// ASCII less space, quotes, angle brackets and the characters RFC 3986
// leaves out. A non-ASCII character ends the URL, which also stops it at
// the CJK full stop or a typographic quote.
func isURLChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return strings.IndexByte("\"<>\\^`{|}", c) < 0
}

// text visits a text node: it counts the text for the density score, feeds
// the heading being collected, and finds YouTube URLs pasted into it.
func (w *walker) text(n *html.Node) {
	sc := w.top()
	if sc.hidden {
		return
	}
	s := n.Data
	t := trimmedLen(s)
	if t == 0 {
		return // white space between tags, most text nodes of a page
	}
	r := &w.recs[sc.rec]
	r.text += int32(t)
	r.run += int32(t)
	if sc.link {
		r.link += int32(t)
	}
	if c := int32(strings.Count(s, ",")); c > 0 {
		r.commas += c
		r.runCom += c
	}
	if sc.heading {
		w.headBuf.add(s)
	}
	if sc.link || indexYT(s) < 0 {
		// A link's text is only its label: the href says where it goes,
		// and the label may be truncated ("youtu.be/dQw4w9…") or
		// deliberately different.
		return
	}
	role := harvest.KindText
	w.cur = n
	block := nearestBlock(n)
	scanURLs(s, func(t textURL) {
		first := len(w.cands)
		w.lookup(withScheme(s[t.start:t.end]), w.adder(role))
		for ci := first; ci < len(w.cands); ci++ {
			w.pending = append(w.pending, pendingText{cand: ci, block: block, node: n, start: t.start, end: t.end})
		}
	})
}

// nearestBlock returns the nearest ancestor of n that is a block element
// (isBlock), the paragraph whose text is the context of a URL pasted into
// n, or nil.
func nearestBlock(n *html.Node) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && isBlock(p.DataAtom) {
			return p
		}
	}
	return nil
}

// blank reports whether s is all white space.
func blank(s string) bool {
	return len(s) > 0 && isSpace(s[0]) && isSpace(s[len(s)-1]) && trimmedLen(s) == 0
}

// trimmedLen returns the length of s without leading and trailing ASCII
// white space.
func trimmedLen(s string) int {
	i, j := 0, len(s)
	// The white space between tags is mostly spaces, newlines and tabs:
	// skip those eight bytes at a time.
	for i+8 <= j && spaceNewlineTab8(load64(s[i:])) {
		i += 8
	}
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return j - i
}

func isSpace(c byte) bool { return asciiSpace[c] }

// spaceNewlineTab8 reports whether the eight bytes of x are all spaces,
// newlines or tabs.
func spaceNewlineTab8(x uint64) bool {
	const ones = 0x0101010101010101
	return zeroBytes(x^' '*ones)|zeroBytes(x^'\n'*ones)|zeroBytes(x^'\t'*ones) == 0x80*ones
}

// zeroBytes returns the high bit of each byte of v that is zero, and no
// other bit (no carry crosses a byte).
func zeroBytes(v uint64) uint64 {
	const lows = 0x7f7f7f7f7f7f7f7f
	return ^((v&lows + lows) | v) & ^uint64(lows)
}

// load64 returns the first eight bytes of s as a little-endian integer
// (one load).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// asciiSpace is the white space of HTML: a table lookup costs less than
// five comparisons in the loops over the white space between tags.
var asciiSpace = [256]bool{' ': true, '\n': true, '\t': true, '\r': true, '\f': true}

// withScheme makes a URL written in text without a scheme absolute:
// "youtu.be/ID" becomes "https://youtu.be/ID". A protocol-relative one is
// left for resolve to give the page's scheme.
func withScheme(s string) string {
	if strings.HasPrefix(s, "//") {
		return s
	}
	if i := strings.Index(s, "://"); i > 0 && i <= len("https") {
		return s
	}
	return "https://" + s
}

// finishTexts sets the context of the pending pasted URLs of block, which
// has ended: about contextSide bytes either side of the URL in the block's
// own text (nested blocks are other paragraphs). The text is read only
// now, and only for blocks that hold a pasted URL.
func (w *walker) finishTexts(block *html.Node) {
	k := len(w.pending)
	for k > 0 && w.pending[k-1].block == block {
		k--
	}
	ps := w.pending[k:]
	w.pending = w.pending[:k]
	marks := make([][2]int, len(ps))
	b := &w.ctx
	b.reset(0)
	next := 0 // ps are in document order, as the walk below
	onText := func(n *html.Node) {
		s := n.Data
		prev := 0
		for ; next < len(ps) && ps[next].node == n; next++ {
			p := ps[next]
			if next > 0 && ps[next-1].node == n && ps[next-1].start == p.start {
				marks[next] = marks[next-1] // one URL, several candidates
				continue
			}
			if p.start < prev {
				continue
			}
			b.add(s[prev:p.start])
			marks[next][0] = len(b.b)
			b.b = append(b.b, s[p.start:p.end]...)
			marks[next][1] = len(b.b)
			prev = p.end
		}
		b.add(s[prev:])
	}
	if block == nil {
		for i := range ps {
			if i == 0 || ps[i].node != ps[i-1].node {
				onText(ps[i].node)
			}
		}
	} else {
		visibleText(block, true, b, onText, 0)
	}
	for i, p := range ps {
		w.cands[p.cand].ref.Context = window(b.b, marks[i][0], marks[i][1])
	}
}

// visibleText walks the subtree of root (without recursion) and feeds its
// visible text to b, calling onText for text nodes instead when it is
// non-nil. With ownBlock, nested blocks are skipped, leaving a word break:
// they are other paragraphs. Images add their alt text between word
// breaks, as a link's accessible name includes it. A positive budget
// bounds the nodes visited.
func visibleText(root *html.Node, ownBlock bool, b *textBuf, onText func(*html.Node), budget int) {
	n := root.FirstChild
	for n != nil {
		if budget--; budget == 0 {
			return
		}
		descend := false
		switch n.Type {
		case html.TextNode:
			if onText != nil {
				onText(n)
			} else {
				b.add(n.Data)
			}
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Textarea, atom.Template,
				atom.Noembed, atom.Noframes, atom.Xmp, atom.Iframe:
			case atom.Br, atom.Hr:
				b.space()
			case atom.Img:
				b.space()
				if !ownBlock {
					b.add(attr(n, "alt"))
					b.space()
				}
			default:
				descend = true
				if isBlock(n.DataAtom) {
					b.space()
					descend = !ownBlock
				}
			}
		}
		if b.full() {
			return
		}
		if descend && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for n != root && n.NextSibling == nil {
			n = n.Parent
			if n != root && n.Type == html.ElementNode && isBlock(n.DataAtom) {
				b.space()
			}
		}
		if n == root {
			return
		}
		n = n.NextSibling
	}
}
