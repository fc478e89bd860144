package crawl

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/harvestdev/ytharvest/harvest"
)

// sniffLimit is how many leading bytes (after gzip inflation) Sniff looks
// at. The root element of a real sitemap or feed comes after at most an XML
// declaration, a stylesheet instruction, a DOCTYPE and a generator comment;
// 32 KiB is ample for that and keeps sniffing cheap on a 50 MB body.
const sniffLimit = 32 << 10

// MaxDocumentSize is the largest uncompressed sitemap or feed the parsers
// read, and the limit ParseSitemap and ParseFeed put on inflating a gzipped
// body: 50 MiB (52,428,800 bytes), the size limit of the sitemap protocol
// (sitemaps.org). It bounds memory however large a gzip bomb claims to be.
const MaxDocumentSize = 50 << 20

// ErrTooLarge means a document, once inflated, is larger than the limit it
// was read with. Gunzip returns it for a gzip bomb.
var ErrTooLarge = errors.New("too large")

// gzipMagic starts every gzip stream (RFC 1952).
const gzipMagic = "\x1f\x8b"

// IsGzip reports whether body starts with the gzip magic number. Servers
// send a sitemap.xml.gz as application/x-gzip or application/octet-stream
// without Content-Encoding, so net/http leaves it compressed and the bytes
// are the only evidence.
func IsGzip(body []byte) bool { return bytes.HasPrefix(body, []byte(gzipMagic)) }

// Gunzip inflates a gzip body (one or more concatenated members) and fails
// with an error wrapping ErrTooLarge as soon as the output would exceed max
// bytes, so a small bomb that claims gigabytes costs at most max bytes of
// memory. A corrupt or truncated stream is an error too.
func Gunzip(body []byte, max int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, max+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("gunzip: %w: more than %d bytes uncompressed", ErrTooLarge, max)
	}
	return out, nil
}

// inflatePrefix returns up to n bytes of the inflated gzip body, ignoring
// what follows them; a truncated or corrupt stream yields what could be
// inflated before the damage. It is for looking, not for parsing.
func inflatePrefix(body []byte, n int64) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	defer zr.Close()
	out, _ := io.ReadAll(io.LimitReader(zr, n))
	return out
}

// cappedReader reads from r and fails with ErrTooLarge once more than max
// bytes would come out of it, instead of silently stopping, so that a
// parser reading a gzip stream cannot mistake the cap for the end of the
// document.
type cappedReader struct {
	r    io.Reader
	max  int64
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.left <= 0 {
		// Tell "exactly max bytes" from "more" by reading one byte more.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: more than %d bytes uncompressed", ErrTooLarge, c.max)
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// openDocument returns a reader over body, inflating it when it is gzip,
// that fails with ErrTooLarge past max bytes.
func openDocument(body []byte, max int64) (io.Reader, error) {
	var r io.Reader = bytes.NewReader(body)
	if IsGzip(body) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
		r = zr
	}
	return &cappedReader{r: r, max: max, left: max}, nil
}

// Sniff tells what a document is from its content: the first element of
// an XML document (after a byte order mark, whitespace, the XML
// declaration, processing instructions, comments and a DOCTYPE), or the
// "version" of a JSON object. A gzip body is inflated first (only its
// first 32 KiB, so sniffing a bomb is cheap); the parsers inflate it
// again themselves.
//
//	<urlset>                              harvest.DocSitemap
//	<sitemapindex>                        harvest.DocSitemapIndex
//	<rss>, <rdf:RDF>                      harvest.DocFeed (RSS 0.9x, 1.0, 2.0)
//	<feed> in the Atom namespace or none  harvest.DocFeed (Atom 1.0, 0.3)
//	{"version": "https://jsonfeed.org/version/1.1", ...}  harvest.DocFeed (JSON Feed)
//	<html>, <!DOCTYPE html>, <head>, ...  harvest.DocHTML
//
// contentType (a Content-Type header, may be empty) is only a hint,
// because servers lie: a sitemap comes as text/html, a feed as
// application/octet-stream. It decides only what the content leaves open:
// text/html or application/xhtml+xml make a document with no recognisable
// root an HTML page (as the fetcher would treat it), and
// application/feed+json makes a JSON object without a JSON Feed version a
// feed. UTF-16 documents are not recognised (harvest.DocOther): sitemaps and feeds
// are UTF-8 in practice.
func Sniff(contentType string, body []byte) harvest.DocKind {
	body = prefix(body)
	mt, _, _ := mime.ParseMediaType(contentType)
	mt = strings.ToLower(mt)

	if len(body) > 0 && body[0] == '{' {
		if isJSONFeed(body) || mt == "application/feed+json" {
			return harvest.DocFeed
		}
		return harvest.DocOther
	}
	if plainHTML(body) {
		return harvest.DocHTML
	}
	if k := sniffXML(body); k != harvest.DocOther {
		return k
	}
	if strings.HasPrefix(http.DetectContentType(body), "text/html") {
		return harvest.DocHTML
	}
	if mt == "text/html" || mt == "application/xhtml+xml" {
		if !looksBinary(body) {
			return harvest.DocHTML
		}
	}
	// Text the server calls text (or, saying nothing, that reads as
	// text): notes, READMEs and .md posts paste video URLs too.
	switch mt {
	case "text/plain", "text/markdown", "text/x-markdown":
		if !looksBinary(body) {
			return harvest.DocText
		}
	case "":
		// Untyped, it must read as text and not start as markup would.
		if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] != '<' && utf8.Valid(body) && !looksBinary(body) {
			return harvest.DocText
		}
	}
	return harvest.DocOther
}

// Namespaces that make a <feed> root an Atom feed. Atom 0.3 is obsolete but
// still served; a <feed> with no namespace at all is a careless Atom feed
// (gofeed parses those too).
const (
	atomNS   = "http://www.w3.org/2005/Atom"
	atom03NS = "http://purl.org/atom/ns#"
)

// sniffXML classifies body by its first element.
func sniffXML(body []byte) harvest.DocKind {
	se, ok := firstElement(body)
	if !ok {
		return harvest.DocOther
	}
	switch local := se.Name.Local; {
	case local == "urlset":
		return harvest.DocSitemap
	case local == "sitemapindex":
		return harvest.DocSitemapIndex
	case strings.EqualFold(local, "rss"), strings.EqualFold(local, "RDF"):
		return harvest.DocFeed
	case local == "feed":
		// The namespace is resolved; an undeclared prefix stays as it
		// is, and matches none of these.
		switch se.Name.Space {
		case "", atomNS, atom03NS:
			return harvest.DocFeed
		}
	case strings.EqualFold(local, "html"), strings.EqualFold(local, "head"), strings.EqualFold(local, "body"):
		// Only an HTML page starts with these. Other tag soup is left to
		// http.DetectContentType, which knows the rest.
		return harvest.DocHTML
	}
	return harvest.DocOther
}

// plainHTML reports whether body starts as nearly every web page does, an
// HTML doctype and then an <html> tag, which sniffXML would call
// harvest.DocHTML too: it spares the page an XML decoder (a crawl's pages
// are nearly all such).
func plainHTML(body []byte) bool {
	const doctype, html = "<!doctype html", "<html"
	if len(body) <= len(doctype) || !bytes.EqualFold(body[:len(doctype)], []byte(doctype)) {
		return false
	}
	rest := body[len(doctype):]
	if rest[0] != '>' && !isXMLSpace(rest[0]) {
		return false // <!DOCTYPE htmlx…>
	}
	end := bytes.IndexByte(rest, '>')
	if end < 0 || bytes.ContainsAny(rest[:end], "<[") {
		return false // no end, or an internal subset: the decoder decides
	}
	rest = bytes.TrimLeft(rest[end+1:], " \t\r\n")
	return len(rest) > len(html) && bytes.EqualFold(rest[:len(html)], []byte(html)) &&
		(rest[len(html)] == '>' || rest[len(html)] == '/' || isXMLSpace(rest[len(html)]))
}

// isXMLSpace reports whether c is white space between XML tokens.
func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// firstElement returns the first element of the XML document that body
// starts with, namespace resolved, tolerating the mistakes of real XML
// (undeclared entities and prefixes, unquoted attributes, text before the
// root). ok is false when body holds no element, or breaks off before
// one. Callers pass a prefix of a document (up to sniffLimit bytes), so
// that junk without any element costs little.
func firstElement(body []byte) (se xml.StartElement, ok bool) {
	// Drop the XML declaration: the decoder refuses version="1.1", and the
	// encoding it names does not matter for an element name, which is
	// ASCII in every encoding sitemaps and feeds declare in practice.
	if bytes.HasPrefix(body, []byte("<?xml")) {
		if end := bytes.Index(body, []byte("?>")); end >= 0 {
			body = body[end+2:]
		}
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se, true
		}
	}
}

// prefix returns the first sniffLimit bytes of body, inflated if gzip,
// without a byte order mark or leading white space.
func prefix(body []byte) []byte {
	if IsGzip(body) {
		body = inflatePrefix(body, sniffLimit)
	}
	if len(body) > sniffLimit {
		body = body[:sniffLimit]
	}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	return bytes.TrimLeft(body, " \t\r\n\f")
}

// jsonFeedVersion starts the version URL of every JSON Feed
// (https://jsonfeed.org/version/1, .../1.1); some feeds write http.
const jsonFeedVersion = "//jsonfeed.org/version/"

// isJSONFeed reports whether body, the start of a JSON object, is a JSON
// Feed: its top-level "version" names jsonfeed.org. The version key may
// come anywhere in the object, so the top level is walked token by token;
// if body ends before the key turns up (it was cut at sniffLimit), the
// version URL anywhere in what there is decides.
func isJSONFeed(body []byte) bool {
	d := json.NewDecoder(bytes.NewReader(body))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for d.More() {
		key, err := d.Token()
		if err != nil {
			break
		}
		if key == "version" {
			v, err := d.Token()
			s, ok := v.(string)
			return err == nil && ok && isJSONFeedVersion(s)
		}
		if err := skipJSONValue(d); err != nil {
			break
		}
	}
	return bytes.Contains(body, []byte(jsonFeedVersion))
}

func isJSONFeedVersion(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "https:"+jsonFeedVersion) || strings.HasPrefix(s, "http:"+jsonFeedVersion)
}

// skipJSONValue consumes one value, however nested, from d.
func skipJSONValue(d *json.Decoder) error {
	depth := 0
	for {
		t, err := d.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// looksBinary reports whether b holds bytes no text document contains, so
// that an image served as text/html is not taken for a page.
func looksBinary(b []byte) bool {
	return bytes.IndexByte(b, 0) >= 0
}
