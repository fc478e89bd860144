package crawl

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html/charset"

	"github.com/harvestdev/ytharvest/harvest"
)

// MaxEntries is the most entries ParseSitemap or ParseFeed returns from
// one document: 50,000, the limit of the sitemap protocol (sitemaps.org).
// Feeds, which list tens of items in practice, get the same bound. A
// document that lists more is cut there and reported with ErrTruncated.
const MaxEntries = 50000

// maxXMLDepth bounds element nesting in a sitemap. A sitemap needs four
// levels (urlset/url/news:news/news:publication); deeper junk is skipped,
// and past this depth the document is refused, so that a file of a
// million nested elements cannot make the decoder's stack grow without end.
const maxXMLDepth = 64

// ErrTruncated means a document held more than the parser takes (see
// MaxEntries and MaxDocumentSize). The entries returned with it, those
// before the cut, are good.
var ErrTruncated = errors.New("truncated")

// ParseSitemap reads a sitemap (a <urlset>, whose entries are pages) or a
// sitemap index (a <sitemapindex>, whose entries are more sitemaps to
// fetch), gzipped or not, and returns the entries of each kind.
//
// It is lenient the way real sitemaps need: any namespace or none (the
// sitemaps.org namespace over http or https, or a missing xmlns), unknown
// and extension elements skipped (image:, video:, xhtml:link), text
// before the root, unescaped & in URLs, a declared non-UTF-8 encoding.
// An entry is kept only when its <loc> is an absolute http(s) URL no
// longer than MaxURLLength; a <lastmod> or news date that does not parse
// leaves Published zero. Google News sitemaps' <news:publication_date> and
// <news:title> take precedence over <lastmod> for Published and Title.
// Dates are W3C datetimes (YYYY, YYYY-MM, YYYY-MM-DD, optionally with
// hh:mm, seconds, fractions and a zone; no zone means UTC), plus the
// RFC 1123 dates some generators write.
//
// Memory stays bounded: the document is decoded as a stream, entity
// declarations are not expanded (encoding/xml does not process DTDs),
// nesting deeper than 64 elements is refused, and a gzip body is inflated
// only up to MaxDocumentSize.
//
// When err is non-nil, the entries read before the problem are still
// returned and usable: a sitemap cut by the fetcher's size limit yields
// what came before the cut, with an error saying the document ended
// early. More than MaxEntries entries, or more than
// MaxDocumentSize bytes, stop the parse with an error wrapping
// ErrTruncated. The root element must appear within the first 32 KiB (as
// for Sniff); a document whose root is not <urlset> or <sitemapindex> is
// an error naming it, and one with no element there says so. Errors start
// with "parse sitemap: ".
func ParseSitemap(body []byte) (pages []harvest.Entry, sitemaps []harvest.Entry, err error) {
	return parseSitemap(body, MaxDocumentSize, MaxEntries)
}

// parseSitemap is ParseSitemap with its limits as parameters, for tests.
func parseSitemap(body []byte, maxBytes int64, maxEntries int) (pages []harvest.Entry, sitemaps []harvest.Entry, err error) {
	r, err := openDocument(body, maxBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("parse sitemap: %w", err)
	}
	// Judge the root on the first bytes before decoding everything: a
	// body of junk without any element would otherwise be read to its
	// end (up to maxBytes) as one run of text.
	se, ok := firstElement(prefix(body))
	switch {
	case !ok:
		return nil, nil, fmt.Errorf("parse sitemap: no XML element in the first %d KiB", sniffLimit>>10)
	case se.Name.Local != "urlset" && se.Name.Local != "sitemapindex":
		return nil, nil, fmt.Errorf("parse sitemap: %w", errNotSitemap{root: se.Name.Local})
	}
	p := sitemapParser{d: newXMLDecoder(r), maxEntries: maxEntries}
	err = p.parse()
	if errors.Is(err, ErrTooLarge) {
		err = fmt.Errorf("%w after %d entries: %w", ErrTruncated, len(p.pages)+len(p.sitemaps), err)
	}
	if err != nil {
		err = fmt.Errorf("parse sitemap: %w", err)
	}
	return p.pages, p.sitemaps, err
}

// newXMLDecoder returns a decoder as lenient as real sitemaps need.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	// Unescaped & in URLs and HTML entities in titles are common; a
	// strict decoder would give up on the whole file for one of them.
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if cr, err := charset.NewReaderLabel(label, r); err == nil {
			return cr, nil
		}
		return r, nil // an unknown label: read the bytes as UTF-8
	}
	return d
}

// sitemapParser holds the state of one ParseSitemap. It reads raw tokens:
// elements are recognised by their local name whatever their namespace or
// prefix, and nesting is tracked here rather than by the decoder, so that
// a stray end tag closes one element instead of ending the document, and
// the decoder keeps no stack that nesting could grow.
type sitemapParser struct {
	d          *xml.Decoder
	depth      int // of the element whose content is being read; the root is 1
	maxEntries int
	pages      []harvest.Entry
	sitemaps   []harvest.Entry
}

// errNotSitemap names what a document turned out to be instead.
type errNotSitemap struct{ root string }

func (e errNotSitemap) Error() string {
	return fmt.Sprintf("not a sitemap: the root element is <%s>, not <urlset> or <sitemapindex>", e.root)
}

func (p *sitemapParser) parse() error {
	root, err := p.root()
	if err != nil {
		return err
	}
	if root.Name.Local != "urlset" && root.Name.Local != "sitemapindex" {
		// The prefix said otherwise: the decoders disagree on junk.
		return errNotSitemap{root: root.Name.Local}
	}
	p.depth = 1
	// Take <url> and <sitemap> under either root: a generator that puts
	// the wrong root on its file still means what it lists.
	return p.children(func(se xml.StartElement) error {
		var list *[]harvest.Entry
		switch se.Name.Local {
		case "url":
			list = &p.pages
		case "sitemap":
			list = &p.sitemaps
		default:
			return p.skip()
		}
		e, ok, err := p.entry()
		if !ok {
			return err
		}
		if len(p.pages)+len(p.sitemaps) >= p.maxEntries {
			return fmt.Errorf("%w: more than %d entries", ErrTruncated, p.maxEntries)
		}
		*list = append(*list, e)
		return err
	})
}

// root returns the first element, skipping the prolog and any text.
func (p *sitemapParser) root() (xml.StartElement, error) {
	for {
		tok, err := p.d.RawToken()
		if err == io.EOF {
			return xml.StartElement{}, errors.New("no XML element in the document")
		}
		if err != nil {
			return xml.StartElement{}, p.syntaxError(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se, nil
		}
	}
}

// children calls each for every child element of the element just opened;
// each must consume the child (read it or skip it). children returns at
// the element's end tag; the end of the document is an error, because a
// sitemap cut short is worth saying so.
func (p *sitemapParser) children(each func(xml.StartElement) error) error {
	for {
		tok, err := p.d.RawToken()
		if err != nil {
			return p.syntaxError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.enter(); err != nil {
				return err
			}
			if err := each(t); err != nil {
				return err
			}
			p.depth--
		case xml.EndElement:
			return nil
		}
	}
}

// enter accounts for one more level of nesting, refusing too many.
func (p *sitemapParser) enter() error {
	p.depth++
	if p.depth > maxXMLDepth {
		return fmt.Errorf("elements nested more than %d deep", maxXMLDepth)
	}
	return nil
}

// skip consumes the rest of the element just opened, with its children.
func (p *sitemapParser) skip() error {
	return p.children(func(xml.StartElement) error { return p.skip() })
}

// maxText bounds the text kept from one element: a URL of MaxURLLength
// with generous indentation around it. Longer text is no URL, date or
// title worth keeping, and reads as empty.
const maxText = 4 * MaxURLLength

// text returns the character data of the element just opened, trimmed,
// ignoring any child elements, and consumes the element. Text longer than
// maxText reads as "".
func (p *sitemapParser) text() (string, error) {
	var b strings.Builder
	level, over := 0, false
	for {
		tok, err := p.d.RawToken()
		if err != nil {
			return "", p.syntaxError(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if level > 0 || over {
				break
			}
			if b.Len()+len(t) > maxText {
				over = true
				break
			}
			b.Write(t)
		case xml.StartElement:
			level++
			if p.depth+level > maxXMLDepth {
				return "", fmt.Errorf("elements nested more than %d deep", maxXMLDepth)
			}
		case xml.EndElement:
			if level == 0 {
				if over {
					return "", nil
				}
				return strings.TrimSpace(b.String()), nil
			}
			level--
		}
	}
}

// entry reads a <url> or <sitemap> element. ok is false when it has no
// usable <loc>.
func (p *sitemapParser) entry() (e harvest.Entry, ok bool, err error) {
	var loc, lastmod, newsDate, newsTitle string
	err = p.children(func(se xml.StartElement) error {
		var err error
		switch se.Name.Local {
		case "loc":
			loc, err = p.text()
		case "lastmod":
			lastmod, err = p.text()
		case "news":
			newsDate, newsTitle, err = p.news()
		default:
			err = p.skip()
		}
		return err
	})
	if err != nil {
		return harvest.Entry{}, false, err
	}
	if !absoluteHTTP(loc) {
		return harvest.Entry{}, false, nil
	}
	e = harvest.Entry{URL: loc, Title: newsTitle}
	if t, ok := parseDate(newsDate); ok {
		e.Published = t
	} else if t, ok := parseDate(lastmod); ok {
		e.Published = t
	}
	return e, true, nil
}

// news reads a Google News <news:news> element: its publication date and
// title. (An image: or video: extension has a title of its own, which is
// why only the children of news:news are looked at.)
func (p *sitemapParser) news() (date, title string, err error) {
	err = p.children(func(se xml.StartElement) error {
		var err error
		switch se.Name.Local {
		case "publication_date":
			date, err = p.text()
		case "title":
			title, err = p.text()
		default:
			err = p.skip()
		}
		return err
	})
	return date, title, err
}

// syntaxError turns the decoder's errors into ones that say what was
// wrong; an unexpected end of the document says so plainly.
func (p *sitemapParser) syntaxError(err error) error {
	var se *xml.SyntaxError
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		line, _ := p.d.InputPos()
		return fmt.Errorf("unexpected end of document at line %d (cut short?)", line)
	case errors.As(err, &se) && se.Msg == "unexpected EOF":
		return fmt.Errorf("unexpected end of document at line %d (cut short?)", se.Line)
	}
	return err
}

// absoluteHTTP reports whether s is an absolute http or https URL with a
// host, no longer than MaxURLLength.
func absoluteHTTP(s string) bool {
	if s == "" || len(s) > MaxURLLength {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// dateLayouts are the W3C datetime profile (https://www.w3.org/TR/NOTE-datetime)
// that sitemaps specify, from most to least precise, and the variants
// generators write instead: a space for the T, no zone, a zone without
// colon, and RFC 1123 dates. A layout without a zone reads as UTC.
var dateLayouts = []string{
	time.RFC3339Nano, // YYYY-MM-DDThh:mm:ss[.s]TZD, the common case
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006-01",
	"2006",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
}

// parseDate parses a sitemap date into UTC. ok is false for an empty or
// unreadable one.
func parseDate(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	// Lower-case "t" and "z" are allowed by RFC 3339 and seen in the wild.
	if len(s) > 10 && (s[10] == 't') {
		s = s[:10] + "T" + s[11:]
	}
	if strings.HasSuffix(s, "z") {
		s = s[:len(s)-1] + "Z"
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
