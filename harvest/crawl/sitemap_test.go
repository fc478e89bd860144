package crawl

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// fixture reads a file of the shared testdata/crawl directory.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "crawl", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func gzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func sitemapFixtureTests() []struct {
	file          string
	pages, indexd []harvest.Entry
	err           string
} {
	urlset := []harvest.Entry{
		{URL: "https://news.example/2024/05/state-visit", Published: date("2024-05-14T07:30:00Z")},
		{URL: "https://news.example/2024/05/whitespace-around", Published: date("2024-05-13T00:00:00Z")},
		{URL: "https://news.example/search?q=a&page=2", Published: date("2024-05-01T00:00:00Z")},
		{URL: "HTTP://News.Example/upper-case-scheme"},
	}
	return []struct {
		file          string
		pages, indexd []harvest.Entry
		err           string
	}{
		{file: "sitemap-urlset.xml", pages: urlset},
		{file: "sitemap-urlset.xml.gz", pages: urlset},
		{file: "sitemap-index.xml", indexd: []harvest.Entry{
			{URL: "https://news.example/sitemap-2024-05.xml.gz", Published: date("2024-05-14T07:00:00Z")},
			{URL: "https://news.example/sitemap-news.xml"},
		}},
		{file: "sitemap-news.xml", pages: []harvest.Entry{
			{URL: "https://news.example/politics/state-visit", Published: date("2024-05-14T07:15:00Z"),
				Title: "President & Premier meet in the capital"},
			{URL: "https://news.example/world/video-report", Published: date("2024-05-13T00:00:00Z"),
				Title: "Report from the border"},
			{URL: "https://news.example/culture/no-news-block", Published: date("2024-05-12T18:00:00.123Z")},
		}},
		{file: "sitemap-nonamespace.xml", pages: []harvest.Entry{
			{URL: "https://news.example/a", Published: date("2024-05-14T10:00:00Z")},
			{URL: "https://news.example/b?x=1&y=2"},
		}},
		{file: "sitemap-latin1.xml", pages: []harvest.Entry{{URL: "https://news.example/café"}}},
		{file: "sitemap-junk.xml",
			err: "parse sitemap: not a sitemap: the root element is <html>, not <urlset> or <sitemapindex>"},
		{file: "feed-rss2.xml",
			err: "parse sitemap: not a sitemap: the root element is <rss>, not <urlset> or <sitemapindex>"},
		{file: "sitemap-truncated.xml",
			pages: []harvest.Entry{{URL: "https://news.example/first"}, {URL: "https://news.example/second"}},
			err:   "parse sitemap: unexpected end of document at line 6 (cut short?)"},
	}
}

func TestParseSitemapFixtures(t *testing.T) {
	for _, tc := range sitemapFixtureTests() {
		t.Run(tc.file, func(t *testing.T) {
			pages, sitemaps, err := ParseSitemap(fixture(t, tc.file))
			if got := errString(err); got != tc.err {
				t.Errorf("ParseSitemap(%s) error = %q, want %q", tc.file, got, tc.err)
			}
			if !reflect.DeepEqual(pages, tc.pages) {
				t.Errorf("ParseSitemap(%s) pages =\n%v\nwant\n%v", tc.file, pages, tc.pages)
			}
			if !reflect.DeepEqual(sitemaps, tc.indexd) {
				t.Errorf("ParseSitemap(%s) sitemaps =\n%v\nwant\n%v", tc.file, sitemaps, tc.indexd)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func sitemapInlineTests() []struct {
	name, in string
	pages    []string
	sitemaps []string
	err      string // substring
} {
	return []struct {
		name, in string
		pages    []string
		sitemaps []string
		err      string
	}{
		{name: "empty", in: "", err: "parse sitemap: no XML element in the first 32 KiB"},
		{name: "whitespace", in: " \n\t", err: "parse sitemap: no XML element in the first 32 KiB"},
		{name: "plain text", in: "User-agent: *\nDisallow: /", err: "parse sitemap: no XML element in the first 32 KiB"},
		{name: "binary", in: "\x00\x01\x02\xff\xfe", err: "parse sitemap: no XML element in the first 32 KiB"},
		{name: "root too far", in: "<!--" + strings.Repeat("-", 40<<10) + "--><urlset/>", err: "parse sitemap: no XML element in the first 32 KiB"},
		{name: "rdf root", in: `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`, err: "parse sitemap: not a sitemap: the root element is <RDF>, not <urlset> or <sitemapindex>"},
		{name: "https namespace", in: `<urlset xmlns="https://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/</loc></url></urlset>`,
			pages: []string{"https://a.example/"}},
		{name: "prefixed elements", in: `<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:url><sm:loc>https://a.example/p</sm:loc></sm:url></sm:urlset>`,
			pages: []string{"https://a.example/p"}},
		{name: "php warning before the root", in: "Warning: something in /var/www/x.php on line 3\n" + `<?xml version="1.0"?><urlset><url><loc>https://a.example/</loc></url></urlset>`,
			pages: []string{"https://a.example/"}},
		{name: "BOM", in: "\xef\xbb\xbf<urlset><url><loc>https://a.example/</loc></url></urlset>",
			pages: []string{"https://a.example/"}},
		{name: "CDATA loc", in: `<urlset><url><loc><![CDATA[https://a.example/?a=1&b=2]]></loc></url></urlset>`,
			pages: []string{"https://a.example/?a=1&b=2"}},
		{name: "unknown entity left alone", in: `<urlset><url><loc>https://a.example/?x=1&nbsp=2&b=3</loc></url></urlset>`,
			pages: []string{"https://a.example/?x=1&nbsp=2&b=3"}},
		{name: "HTML entity in a title", in: `<urlset><url><loc>https://a.example/</loc><news:news><news:title>Caf&eacute; &amp; co</news:title></news:news></url></urlset>`,
			pages: []string{"https://a.example/"}},
		{name: "url and sitemap under one root", in: `<sitemapindex><sitemap><loc>https://a.example/s.xml</loc></sitemap><url><loc>https://a.example/p</loc></url></sitemapindex>`,
			pages: []string{"https://a.example/p"}, sitemaps: []string{"https://a.example/s.xml"}},
		{name: "image loc is not a page", in: `<urlset><url><image:image><image:loc>https://cdn.example/i.jpg</image:loc></image:image></url></urlset>`},
		{name: "no host", in: `<urlset><url><loc>https:///path</loc></url><url><loc>http://</loc></url></urlset>`},
		{name: "too long", in: `<urlset><url><loc>https://a.example/` + strings.Repeat("x", MaxURLLength) + `</loc></url></urlset>`},
		{name: "very long text is no url", in: `<urlset><url><loc>https://a.example/` + strings.Repeat(" ", 10*MaxURLLength) + `</loc></url></urlset>`},
		{name: "mismatched end tag", in: `<urlset><url><loc>https://a.example/1</loc></uri><url><loc>https://a.example/2</loc></url></urlset>`,
			pages: []string{"https://a.example/1", "https://a.example/2"}},
		{name: "nesting bomb", in: "<urlset>" + strings.Repeat("<a>", 100000), err: "parse sitemap: elements nested more than 64 deep"},
		{name: "nesting bomb in loc", in: "<urlset><url><loc>" + strings.Repeat("<a>", 100000), err: "parse sitemap: elements nested more than 64 deep"},
		{name: "entity declaration not expanded", in: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><urlset><url><loc>https://a.example/&lol2;</loc></url></urlset>`,
			pages: []string{"https://a.example/&lol2;"}},
		{name: "unknown encoding read as UTF-8", in: `<?xml version="1.0" encoding="x-made-up"?><urlset><url><loc>https://a.example/</loc></url></urlset>`,
			pages: []string{"https://a.example/"}},
		{name: "not gzip after all", in: "\x1f\x8bnot really gzip", err: "parse sitemap: gunzip: "},
	}
}

func TestParseSitemapInline(t *testing.T) {
	for _, tc := range sitemapInlineTests() {
		t.Run(tc.name, func(t *testing.T) {
			pages, sitemaps, err := ParseSitemap([]byte(tc.in))
			if tc.err == "" && err != nil {
				t.Errorf("ParseSitemap: unexpected error %v", err)
			}
			if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("ParseSitemap error = %v, want one containing %q", err, tc.err)
			}
			if got := urls(pages); !reflect.DeepEqual(got, tc.pages) {
				t.Errorf("ParseSitemap pages = %q, want %q", got, tc.pages)
			}
			if got := urls(sitemaps); !reflect.DeepEqual(got, tc.sitemaps) {
				t.Errorf("ParseSitemap sitemaps = %q, want %q", got, tc.sitemaps)
			}
		})
	}
}

func urls(es []harvest.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.URL)
	}
	return out
}

func TestParseSitemapEntryCap(t *testing.T) {
	doc := func(n int, tail string) []byte {
		var b strings.Builder
		b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range n {
			fmt.Fprintf(&b, "<url><loc>http://a.example/%d</loc></url>\n", i)
		}
		b.WriteString(tail + "</urlset>")
		return []byte(b.String())
	}

	// The real limit, once.
	pages, _, err := ParseSitemap(doc(MaxEntries+1, ""))
	if !errors.Is(err, ErrTruncated) || len(pages) != MaxEntries {
		t.Fatalf("ParseSitemap(%d entries) = %d pages, %v; want %d and ErrTruncated", MaxEntries+1, len(pages), err, MaxEntries)
	}
	if want := "parse sitemap: truncated: more than 50000 entries"; errString(err) != want {
		t.Errorf("ParseSitemap error = %q, want %q", errString(err), want)
	}

	// Around a small one, plain and gzipped, with index entries counted too.
	const max = 10
	tests := []struct {
		name  string
		body  []byte
		pages int
		trunc bool
	}{
		{"under", doc(max-1, ""), max - 1, false},
		{"exactly", doc(max, "<!-- more? no --><x/>"), max, false},
		{"one over", doc(max+1, ""), max, true},
		{"far over", doc(10*max, ""), max, true},
		{"invalid entries do not count", doc(max, "<url><loc>/relative</loc></url>"), max, false},
		{"sitemaps count", doc(max-1, "<sitemap><loc>https://a.example/s.xml</loc></sitemap><url><loc>https://a.example/x</loc></url>"), max - 1, true},
	}
	for _, tc := range tests {
		for name, in := range map[string][]byte{"plain": tc.body, "gzip": gzipBytes(t, tc.body)} {
			pages, _, err := parseSitemap(in, MaxDocumentSize, max)
			if errors.Is(err, ErrTruncated) != tc.trunc || (!tc.trunc && err != nil) {
				t.Errorf("%s, %s: error = %v, want truncated %v", tc.name, name, err, tc.trunc)
			}
			if len(pages) != tc.pages {
				t.Errorf("%s, %s: %d pages, want %d", tc.name, name, len(pages), tc.pages)
			}
		}
	}
}

// TestParseSitemapGzipBomb checks that a small gzip that inflates beyond
// the size limit stops at the limit with ErrTruncated (and ErrTooLarge),
// keeping the entries before it. The limit is lowered to 1 MiB to keep the
// test fast; TestGunzipBomb runs a real bomb through ParseSitemap.
func TestParseSitemapGzipBomb(t *testing.T) {
	const max = 1 << 20
	var b bytes.Buffer
	b.WriteString("<urlset><url><loc>https://a.example/first</loc></url>")
	filler := "<x>" + strings.Repeat(" ", 64<<10) + "</x>"
	for b.Len() <= 10*max {
		b.WriteString(filler)
	}
	b.WriteString("<url><loc>https://a.example/never</loc></url></urlset>")
	bomb := gzipBytes(t, b.Bytes())
	if len(bomb) > max/10 {
		t.Fatalf("bomb is %d bytes compressed; want a small one", len(bomb))
	}
	pages, _, err := parseSitemap(bomb, max, MaxEntries)
	if !errors.Is(err, ErrTruncated) || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ParseSitemap(bomb) error = %v, want ErrTruncated and ErrTooLarge", err)
	}
	if want := "parse sitemap: truncated after 1 entries: too large: more than 1048576 bytes uncompressed"; err.Error() != want {
		t.Errorf("ParseSitemap(bomb) error = %q, want %q", err, want)
	}
	if got := urls(pages); !reflect.DeepEqual(got, []string{"https://a.example/first"}) {
		t.Errorf("ParseSitemap(bomb) pages = %q", got)
	}

	// A plain body over the limit is cut the same way, and exactly the
	// limit is not.
	if _, _, err := parseSitemap(b.Bytes(), max, MaxEntries); !errors.Is(err, ErrTruncated) {
		t.Errorf("ParseSitemap(plain, over the limit) error = %v, want ErrTruncated", err)
	}
	small := []byte("<urlset><url><loc>https://a.example/</loc></url></urlset>")
	if pages, _, err := parseSitemap(small, int64(len(small)), MaxEntries); err != nil || len(pages) != 1 {
		t.Errorf("ParseSitemap(exactly the limit) = %d pages, %v", len(pages), err)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC; "" for no date
	}{
		{"2024", "2024-01-01T00:00:00Z"},
		{"2024-05", "2024-05-01T00:00:00Z"},
		{"2024-05-14", "2024-05-14T00:00:00Z"},
		{"2024-05-14T09:30+02:00", "2024-05-14T07:30:00Z"},
		{"2024-05-14T09:30Z", "2024-05-14T09:30:00Z"},
		{"2024-05-14T09:30:15+02:00", "2024-05-14T07:30:15Z"},
		{"2024-05-14T09:30:15.45-05:00", "2024-05-14T14:30:15.45Z"},
		{"2024-05-14T09:30:15Z", "2024-05-14T09:30:15Z"},
		{"2024-05-14t09:30:15z", "2024-05-14T09:30:15Z"},
		{"2024-05-14T09:30:15", "2024-05-14T09:30:15Z"},
		{"2024-05-14T09:30:15+0200", "2024-05-14T07:30:15Z"},
		{"2024-05-14 09:30:15", "2024-05-14T09:30:15Z"},
		{"2024-05-14 09:30:15 +0200", "2024-05-14T07:30:15Z"},
		{"2024-05-14 09:30:15+02:00", "2024-05-14T07:30:15Z"},
		{"  2024-05-14  ", "2024-05-14T00:00:00Z"},
		{"Tue, 14 May 2024 09:30:00 +0200", "2024-05-14T07:30:00Z"},
		{"Tue, 14 May 2024 09:30:00 GMT", "2024-05-14T09:30:00Z"},
		{"", ""},
		{"yesterday", ""},
		{"2024-13-01", ""},
		{"2024-02-30", ""},
		{"14/05/2024", ""},
		{strings.Repeat("2", 100), ""},
	}
	for _, tc := range tests {
		got, ok := parseDate(tc.in)
		s := ""
		if ok {
			s = got.Format(time.RFC3339Nano)
			if got.Location() != time.UTC {
				t.Errorf("parseDate(%q) location = %v, want UTC", tc.in, got.Location())
			}
		}
		if s != tc.want {
			t.Errorf("parseDate(%q) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

func FuzzParseSitemap(f *testing.F) {
	for _, name := range []string{"sitemap-urlset.xml", "sitemap-urlset.xml.gz", "sitemap-index.xml",
		"sitemap-news.xml", "sitemap-nonamespace.xml", "sitemap-latin1.xml", "sitemap-truncated.xml"} {
		f.Add(fixture(f, name))
	}
	for _, tc := range sitemapInlineTests() {
		if len(tc.in) < 4096 {
			f.Add([]byte(tc.in))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pages, sitemaps, err := ParseSitemap(body)
		if n := len(pages) + len(sitemaps); n > MaxEntries {
			t.Fatalf("%d entries, more than %d", n, MaxEntries)
		}
		for _, e := range append(pages, sitemaps...) {
			if !absoluteHTTP(e.URL) {
				t.Errorf("entry URL %q is not absolute http(s)", e.URL)
			}
			if e.URL != strings.TrimSpace(e.URL) {
				t.Errorf("entry URL %q is not trimmed", e.URL)
			}
			if !e.Published.IsZero() && e.Published.Location() != time.UTC {
				t.Errorf("Published %v not in UTC", e.Published)
			}
		}
		if err != nil && !strings.HasPrefix(err.Error(), "parse sitemap: ") {
			t.Errorf("error %q does not say what was being done", err)
		}
	})
}
