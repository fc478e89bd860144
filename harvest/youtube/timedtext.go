package youtube

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Segment is one caption cue: when it starts, how long it shows and what
// it says, with the text cleaned (see ParseTimedText).
type Segment struct {
	StartMs    int64
	DurationMs int64
	Text       string
}

// The caption formats the parsers read, as ParseTimedText names them.
// FormatJSON3 and FormatSRV3 are also the fmt= values of a caption URL
// (CaptionURL); FormatLegacy is what a baseUrl answers without fmt= (and
// with fmt=srv1).
const (
	FormatJSON3  = "json3"
	FormatSRV3   = "srv3"
	FormatLegacy = "legacy"
)

// MaxSegments bounds the cues one caption body may hold. Twelve hours of
// auto-generated captions are some 20,000 cues; a body with more than
// this is not a transcript we want to store.
const MaxSegments = 100_000

// maxMs clamps times: about 35,000 years, far beyond any video, and small
// enough to be exact in a float64 and to sum without overflow.
const maxMs = 1 << 50

var (
	// ErrEmptyCaption means the caption body was empty or only
	// whitespace. YouTube answers a throttled client (and a URL that
	// needs a proof-of-origin token) with an empty 200, so callers treat
	// it as a block, not as a video without captions.
	ErrEmptyCaption = errors.New("empty caption body")
	// ErrNotCaptions means the body is not one of the caption formats:
	// an HTML page (consent, captcha) or anything else served where
	// captions were expected. A body that is one of the formats but
	// broken (truncated, malformed) gives a different error.
	ErrNotCaptions = errors.New("not a caption body")
)

// ParseTimedText sniffs the format of a caption body and parses it: a
// JSON object is json3 (ParseJSON3), an XML document whose root is
// <timedtext> is srv3 (ParseSRV3), one whose root is <transcript> is the
// legacy format (ParseLegacyXML). format is FormatJSON3, FormatSRV3 or
// FormatLegacy, or "" when the body is none of them.
//
// Every parser cleans the cues the same way: HTML entities are undone
// (twice when the first pass uncovers another entity, for the
// double-escaped "&amp;#39;" of legacy XML), formatting tags such as <i>
// and <font color> are dropped, <br> becomes a space, control characters
// and invalid UTF-8 are replaced, runs of whitespace (line breaks
// included) become one space and the text is trimmed. Cues left empty are
// dropped; negative times become 0; cues are sorted stably by start when
// the body lists them out of order; a cue with the start and text of an
// earlier one is dropped. A body with no cues gives no segments and no
// error.
//
// Errors: ErrEmptyCaption for an empty or whitespace body; ErrNotCaptions
// for HTML and unknown content; a wrapped syntax error for a body of the
// sniffed format that does not parse (for example a truncated one); an
// error when it holds more than MaxSegments cues. Limiting the body's
// size is the caller's job. No input makes it panic.
func ParseTimedText(body []byte) (format string, segs []Segment, err error) {
	b := trimLeft(body)
	if len(b) == 0 {
		return "", nil, ErrEmptyCaption
	}
	switch b[0] {
	case '{':
		segs, err := ParseJSON3(body)
		return FormatJSON3, segs, err
	case '<':
		return parseXML(b, srv3Shape, legacyShape)
	}
	return "", nil, fmt.Errorf("%w: starts with %q", ErrNotCaptions, prefix(b))
}

// ParseJSON3 parses a json3 caption body (fmt=json3):
//
//	{"events": [{"tStartMs": 0, "dDurationMs": 1800, "segs": [{"utf8": "good"}, {"utf8": " morning"}]}, ...]}
//
// The texts of an event's segs are joined; events without segs (window
// and style events) are skipped, and so are those whose segs are only a
// line break (auto-generated tracks "append" a "\n" event between lines).
// Times are milliseconds; fractional or quoted numbers are accepted. A
// JSON object with neither "events" nor "wireMagic" is ErrNotCaptions
// (an API error answer, say). Cleaning and errors as in ParseTimedText.
func ParseJSON3(body []byte) ([]Segment, error) {
	b := trimLeft(body)
	if len(b) == 0 {
		return nil, ErrEmptyCaption
	}
	if b[0] != '{' {
		return nil, notCaptions(b, FormatJSON3)
	}
	var doc struct {
		WireMagic string `json:"wireMagic"`
		Events    []struct {
			Start    jsonMs `json:"tStartMs"`
			Duration jsonMs `json:"dDurationMs"`
			Segs     []struct {
				UTF8 string `json:"utf8"`
			} `json:"segs"`
		} `json:"events"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("json3: %w", err)
	}
	if doc.Events == nil && doc.WireMagic == "" {
		return nil, fmt.Errorf("%w: json without events", ErrNotCaptions)
	}
	var c cues
	var sb strings.Builder
	for _, e := range doc.Events {
		if len(e.Segs) == 0 {
			continue
		}
		sb.Reset()
		for _, s := range e.Segs {
			sb.WriteString(s.UTF8)
		}
		if err := c.add(int64(e.Start), int64(e.Duration), sb.String()); err != nil {
			return nil, fmt.Errorf("json3: %w", err)
		}
	}
	return c.finish(), nil
}

// ParseSRV3 parses an srv3 caption body (fmt=srv3):
//
//	<timedtext format="3"><body><p t="0" d="1800"><s>good</s><s t="400"> morning</s></p>...</body></timedtext>
//
// Each <p> is a cue, t and d its start and duration in milliseconds; the
// text of everything inside it (<s> word pieces, other elements, CDATA)
// is joined, and <br/> is a space. Only the root element is read:
// anything after it is ignored. Another root is ErrNotCaptions. Cleaning
// and errors as in ParseTimedText.
func ParseSRV3(body []byte) ([]Segment, error) {
	b := trimLeft(body)
	if len(b) == 0 {
		return nil, ErrEmptyCaption
	}
	if b[0] != '<' {
		return nil, notCaptions(b, FormatSRV3)
	}
	_, segs, err := parseXML(b, srv3Shape)
	return segs, err
}

// ParseLegacyXML parses the legacy caption format, what a baseUrl
// answers without fmt= (and the same shape as fmt=srv1):
//
//	<transcript><text start="1.23" dur="4.5">it&amp;#39;s entity-encoded</text>...</transcript>
//
// start and dur are seconds, with a fraction. Another root is
// ErrNotCaptions. Cleaning and errors as in ParseTimedText.
func ParseLegacyXML(body []byte) ([]Segment, error) {
	b := trimLeft(body)
	if len(b) == 0 {
		return nil, ErrEmptyCaption
	}
	if b[0] != '<' {
		return nil, notCaptions(b, FormatLegacy)
	}
	_, segs, err := parseXML(b, legacyShape)
	return segs, err
}

// xmlShape describes one XML caption format: its root element, the
// element of a cue, and the attributes that time it.
type xmlShape struct {
	format      string
	root, cue   string
	start, dur  string
	unitsPerSec float64 // 1000 when times are milliseconds, 1 when seconds
}

var (
	srv3Shape   = xmlShape{format: FormatSRV3, root: "timedtext", cue: "p", start: "t", dur: "d", unitsPerSec: 1000}
	legacyShape = xmlShape{format: FormatLegacy, root: "transcript", cue: "text", start: "start", dur: "dur", unitsPerSec: 1}
)

// parseXML parses b (BOM and leading space already trimmed) as the shape
// whose root element it has, among shapes.
func parseXML(b []byte, shapes ...xmlShape) (format string, segs []Segment, err error) {
	d := captionDecoder(b)
	var p cueParser
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if p.shape == nil {
				if looksLikeHTML(b) {
					return "", nil, fmt.Errorf("%w: html page", ErrNotCaptions)
				}
				return "", nil, fmt.Errorf("%w: %v", ErrNotCaptions, err)
			}
			return p.shape.format, nil, fmt.Errorf("%s: %w", p.shape.format, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if p.shape == nil {
				if p.shape, err = rootShape(t, shapes); err != nil {
					return "", nil, err
				}
				p.depth = 1
				continue
			}
			p.start(t)
		case xml.EndElement:
			if p.shape == nil {
				continue
			}
			closed, err := p.end()
			if err != nil {
				return p.shape.format, nil, err
			}
			if closed {
				// The root is closed: what follows is not part of the
				// document.
				return p.shape.format, p.c.finish(), nil
			}
		case xml.CharData:
			if p.cueDepth > 0 {
				p.text.Write(t)
			}
		case xml.Directive:
			if p.shape == nil && bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace(t)), []byte("doctype html")) {
				return "", nil, fmt.Errorf("%w: html page", ErrNotCaptions)
			}
		}
	}
	if p.shape == nil {
		return "", nil, fmt.Errorf("%w: no root element", ErrNotCaptions)
	}
	// The non-strict decoder reports a body cut inside the root as a
	// syntax error, so this is only reached for a well-closed root.
	return p.shape.format, p.c.finish(), nil
}

// captionDecoder is an XML decoder as lenient as captions need.
func captionDecoder(b []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(xmlSafe(b)))
	// Captions are not always well-formed XML: HTML entities (&nbsp;),
	// stray ampersands and an unclosed <br> occur, and one of them should
	// not cost the whole transcript. The non-strict decoder tolerates
	// them; it still fails on a truncated body, which is what we want.
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	// YouTube serves captions as UTF-8 whatever the declaration says; the
	// decoder refuses any other declared charset without this.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return d
}

// rootShape returns the shape whose root element t is.
func rootShape(t xml.StartElement, shapes []xmlShape) (*xmlShape, error) {
	name := strings.ToLower(t.Name.Local)
	for i := range shapes {
		if shapes[i].root == name {
			return &shapes[i], nil
		}
	}
	if name == "html" {
		return nil, fmt.Errorf("%w: html page", ErrNotCaptions)
	}
	return nil, fmt.Errorf("%w: root element <%s>", ErrNotCaptions, prefix([]byte(name)))
}

// cueParser gathers the cues of a caption document of a known shape.
type cueParser struct {
	shape    *xmlShape
	depth    int // element depth inside the root; 0 = outside
	cueDepth int // depth of the open cue element; 0 = none
	text     strings.Builder
	at, du   int64 // the open cue's start and duration
	c        cues
}

// start takes an element inside the root: a cue opens, a <br> inside one
// is a space, and the text of any other element inside a cue counts (<s>
// word pieces, <span>, <font>...).
func (p *cueParser) start(t xml.StartElement) {
	p.depth++
	name := strings.ToLower(t.Name.Local)
	switch {
	case p.cueDepth > 0 && name == "br":
		p.text.WriteByte(' ')
	case p.cueDepth > 0:
	case name == p.shape.cue:
		p.cueDepth = p.depth
		p.text.Reset()
		p.at, p.du = 0, 0
		for _, a := range t.Attr {
			switch strings.ToLower(a.Name.Local) {
			case p.shape.start:
				p.at = parseTime(a.Value, p.shape.unitsPerSec)
			case p.shape.dur:
				p.du = parseTime(a.Value, p.shape.unitsPerSec)
			}
		}
	}
}

// end takes an end tag: a cue closes into a segment; it reports whether
// the root closed.
func (p *cueParser) end() (rootClosed bool, err error) {
	if p.depth == p.cueDepth {
		p.cueDepth = 0
		if err := p.c.add(p.at, p.du, p.text.String()); err != nil {
			return false, fmt.Errorf("%s: %w", p.shape.format, err)
		}
	}
	p.depth--
	return p.depth == 0, nil
}

// xmlSafe replaces what makes encoding/xml give up on the whole body
// although a caption means nothing by it: invalid UTF-8 becomes U+FFFD,
// control characters other than tab and line breaks become spaces, and
// the non-characters U+FFFE and U+FFFF become U+FFFD.
func xmlSafe(b []byte) []byte {
	clean := utf8.Valid(b)
	for i := 0; clean && i < len(b); i++ {
		switch c := b[i]; {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0xEF: // 0xEF leads U+FFFE and U+FFFF
			clean = false
		}
	}
	if clean {
		return b
	}
	return bytes.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			return ' '
		}
		return r
	}, b)
}

// jsonMs is a json3 time: a number of milliseconds. It accepts fractions
// and quoted numbers, and reads anything else as 0, so that one odd value
// does not cost the whole transcript.
type jsonMs int64

func (m *jsonMs) UnmarshalJSON(b []byte) error {
	s := string(b)
	if u, err := strconv.Unquote(s); err == nil {
		s = u
	}
	*m = jsonMs(parseTime(s, 1000))
	return nil
}

// parseTime reads a time attribute in the given units per second and
// returns milliseconds, clamped to [0, maxMs]. Anything unreadable is 0.
func parseTime(s string, unitsPerSec float64) int64 {
	s = strings.TrimSpace(s)
	if unitsPerSec == 1000 {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return clampMs(n)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0
	}
	ms := f * 1000 / unitsPerSec
	switch {
	case math.IsNaN(ms), ms <= 0:
		return 0
	case ms >= maxMs:
		return maxMs
	}
	return int64(math.Round(ms))
}

func clampMs(n int64) int64 {
	return min(max(n, 0), maxMs)
}

// cues collects the cleaned cues of one body.
type cues []Segment

// add cleans text and keeps the cue unless it is empty. It fails once the
// body holds more than MaxSegments non-empty cues.
func (c *cues) add(start, dur int64, text string) error {
	text = cleanText(text)
	if text == "" {
		return nil
	}
	if len(*c) >= MaxSegments {
		return fmt.Errorf("more than %d cues", MaxSegments)
	}
	*c = append(*c, Segment{StartMs: clampMs(start), DurationMs: clampMs(dur), Text: text})
	return nil
}

// finish orders the cues by start and drops exact repeats. Repeats come
// from auto-generated tracks that show a line again while the next one
// scrolls in; out-of-order cues from hand-edited files.
func (c cues) finish() []Segment {
	segs := []Segment(c)
	if !slices.IsSortedFunc(segs, byStart) {
		slices.SortStableFunc(segs, byStart)
	}
	type key struct {
		start int64
		text  string
	}
	seen := make(map[key]bool, len(segs))
	out := segs[:0]
	for _, s := range segs {
		k := key{s.StartMs, s.Text}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

func byStart(a, b Segment) int {
	switch {
	case a.StartMs < b.StartMs:
		return -1
	case a.StartMs > b.StartMs:
		return 1
	}
	return 0
}

// formattingTag matches the markup captions carry inside their text once
// entities are undone: legacy auto-generated tracks wrap words in
// <font color="#E5E5E5">, manual ones use <i>, <b>, <u>, and WebVTT-born
// tracks <c.colorE5E5E5> and <v Speaker>. Only these names are matched, so that a "<" that is
// part of what was said survives.
var formattingTag = regexp.MustCompile(`(?i)</?(?:i|b|u|s|em|strong|font|span|c|v|ruby|rt|rp|sub|sup|small|big|mark|del|ins|br)(?:[\s.][^<>]*)?/?>`)

// cleanText is the one cleaning every format shares; see ParseTimedText.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, '&') >= 0 {
		u := html.UnescapeString(s)
		if u != s && strings.IndexByte(u, '&') >= 0 {
			// Legacy XML escapes twice: "&amp;#39;" is "&#39;" after
			// the XML decoder and "'" only after a second pass.
			u = html.UnescapeString(u)
		}
		s = u
	}
	if strings.IndexByte(s, '<') >= 0 {
		s = formattingTag.ReplaceAllStringFunc(s, func(tag string) string {
			if name := strings.Fields(strings.Trim(tag, "</>")); len(name) > 0 && strings.EqualFold(name[0], "br") {
				return " "
			}
			return ""
		})
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\uFEFF', r == '\u200B':
			return -1 // byte-order mark and zero-width space: invisible
		case r < 0x20, r >= 0x7F && r < 0xA0:
			return ' ' // control characters, line breaks included
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// trimLeft drops a UTF-8 byte-order mark and leading whitespace, which
// some servers and editors put before the document.
func trimLeft(b []byte) []byte {
	for {
		n := len(b)
		b = bytes.TrimLeft(b, " \t\r\n\f\v")
		b = bytes.TrimPrefix(b, []byte("\uFEFF"))
		if len(b) == n {
			return b
		}
	}
}

// notCaptions is the error for a body that does not even start like the
// format a parser was asked for.
func notCaptions(b []byte, format string) error {
	if looksLikeHTML(b) {
		return fmt.Errorf("%w: html page", ErrNotCaptions)
	}
	return fmt.Errorf("%w: not %s: starts with %q", ErrNotCaptions, format, prefix(b))
}

// looksLikeHTML reports whether b starts like an HTML page: a consent or
// captcha page served where captions were expected.
func looksLikeHTML(b []byte) bool {
	head := bytes.ToLower(b[:min(len(b), 1024)])
	return bytes.HasPrefix(head, []byte("<!doctype html")) ||
		bytes.HasPrefix(head, []byte("<html")) ||
		bytes.Contains(head, []byte("<html")) && !bytes.Contains(head, []byte("<timedtext")) && !bytes.Contains(head, []byte("<transcript"))
}

// prefix is the start of b for an error message.
func prefix(b []byte) string {
	const n = 16
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
