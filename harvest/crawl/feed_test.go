package crawl

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

func feedFixtureTests() []struct {
	file string
	want []harvest.Entry
} {
	return []struct {
		file string
		want []harvest.Entry
	}{
		{"feed-rss2.xml", []harvest.Entry{
			{URL: "https://news.example/2024/05/state-visit", Published: date("2024-05-14T07:30:00Z"), Title: "State visit: what was said"},
			{URL: "https://news.example/2024/05/guid-permalink", Published: date("2024-05-13T08:00:00Z"), Title: "Only a permalink guid"},
			{URL: "https://news.example/2024/05/relative", Title: "Relative link, resolved against the channel link"},
		}},
		{"feed-atom.xml", []harvest.Entry{
			{URL: "https://blog.example/posts/1", Published: date("2024-05-14T07:00:00Z"), Title: "Alternate preferred over the others"},
			{URL: "https://blog.example/posts/2", Published: date("2024-05-13T10:00:00Z"), Title: "Updated only &amp; no rel"},
		}},
		{"feed-json.json", []harvest.Entry{
			{URL: "https://json.example/posts/1", Published: date("2024-05-14T14:00:00Z"), Title: "First post"},
			{URL: "https://elsewhere.example/story", Published: date("2024-05-13T09:00:00Z"), Title: "A link post"},
		}},
		{"feed-rss1.rdf", []harvest.Entry{
			{URL: "https://rdf.example/story/1", Published: date("2024-05-10T12:00:00Z"), Title: "RSS 1.0 story"},
		}},
	}
}

func TestParseFeedFixtures(t *testing.T) {
	for _, tc := range feedFixtureTests() {
		t.Run(tc.file, func(t *testing.T) {
			body := fixture(t, tc.file)
			for name, in := range map[string][]byte{"plain": body, "gzip": gzipBytes(t, body)} {
				got, err := ParseFeed(in)
				if err != nil {
					t.Fatalf("ParseFeed(%s, %s): %v", tc.file, name, err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("ParseFeed(%s, %s) =\n%v\nwant\n%v", tc.file, name, got, tc.want)
				}
			}
		})
	}
}

func feedInlineTests() []struct {
	name, in string
	want     []string
	err      string // substring
} {
	return []struct {
		name, in string
		want     []string
		err      string
	}{
		{name: "empty", in: "", err: "parse feed: not an RSS, Atom or JSON feed"},
		{name: "html", in: "<!DOCTYPE html><html><body>hi</body></html>", err: "parse feed: not an RSS, Atom or JSON feed"},
		{name: "sitemap", in: "<urlset><url><loc>https://a.example/</loc></url></urlset>", err: "parse feed: not an RSS, Atom or JSON feed"},
		{name: "rss 0.91", in: `<rss version="0.91"><channel><title>t</title><link>https://a.example/</link><item><title>x</title><link>https://a.example/x</link></item></channel></rss>`,
			want: []string{"https://a.example/x"}},
		{name: "rss without channel link keeps relative links out", in: `<rss version="2.0"><channel><item><link>/x</link></item></channel></rss>`},
		{name: "rss whitespace around link", in: "<rss version=\"2.0\"><channel><item><link>\n  https://a.example/x \n</link></item></channel></rss>",
			want: []string{"https://a.example/x"}},
		{name: "rss javascript link not resolved", in: `<rss version="2.0"><channel><link>https://a.example/</link><item><link>javascript:alert(1)</link></item></channel></rss>`},
		{name: "rss guid permalink true", in: `<rss version="2.0"><channel><item><guid isPermaLink="true">https://a.example/g</guid></item></channel></rss>`,
			want: []string{"https://a.example/g"}},
		{name: "rss guid not a URL", in: `<rss version="2.0"><channel><item><guid>1234</guid></item></channel></rss>`},
		{name: "atom relative with xml:base", in: `<feed xmlns="http://www.w3.org/2005/Atom"><entry xml:base="https://b.example/dir/"><link href="post"/></entry></feed>`,
			want: []string{"https://b.example/dir/post"}},
		{name: "atom self only", in: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="self" href="https://b.example/e.atom"/></entry></feed>`,
			want: []string{"https://b.example/e.atom"}},
		{name: "atom enclosure only", in: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="enclosure" href="https://b.example/a.mp3"/></entry></feed>`},
		{name: "json feed 1.0 http version", in: `{"version":"http://jsonfeed.org/version/1","items":[{"url":"https://j.example/1"}]}`,
			want: []string{"https://j.example/1"}},
		{name: "json junk", in: `{"version": 1, "items": "no"}`, err: "parse feed: "},
		{name: "truncated rss", in: `<rss version="2.0"><channel><item><link>https://a.example/x</link></item><item><link>https://a.exa`,
			err: "parse feed: "},
		{name: "not gzip after all", in: "\x1f\x8b\x08junk", err: "parse feed: gunzip: "},
	}
}

func TestParseFeedInline(t *testing.T) {
	for _, tc := range feedInlineTests() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFeed([]byte(tc.in))
			if tc.err == "" && err != nil {
				t.Errorf("ParseFeed: unexpected error %v", err)
			}
			if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("ParseFeed error = %v, want one containing %q", err, tc.err)
			}
			if u := urls(got); !reflect.DeepEqual(u, tc.want) {
				t.Errorf("ParseFeed = %q, want %q", u, tc.want)
			}
		})
	}
}

func TestParseFeedEntryCap(t *testing.T) {
	const max = 10
	feed := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`<rss version="2.0"><channel>`)
		for i := range n {
			fmt.Fprintf(&b, "<item><link>https://a.example/%d</link></item><item><title>no link</title></item>", i)
		}
		b.WriteString("</channel></rss>")
		return []byte(b.String())
	}
	for _, n := range []int{max - 1, max} {
		if entries, err := parseFeed(feed(n), max); err != nil || len(entries) != n {
			t.Errorf("parseFeed(%d items, max %d) = %d entries, %v", n, max, len(entries), err)
		}
	}
	entries, err := parseFeed(feed(max+1), max)
	if !errors.Is(err, ErrTruncated) || len(entries) != max {
		t.Fatalf("parseFeed(%d items, max %d) = %d entries, %v; want %d and ErrTruncated", max+1, max, len(entries), err, max)
	}
	if want := "parse feed: truncated: more than 10 entries"; err.Error() != want {
		t.Errorf("parseFeed error = %q, want %q", err, want)
	}
}

func FuzzParseFeed(f *testing.F) {
	for _, tc := range feedFixtureTests() {
		f.Add(fixture(f, tc.file))
	}
	for _, tc := range feedInlineTests() {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		entries, err := ParseFeed(body)
		if len(entries) > MaxEntries {
			t.Fatalf("%d entries, more than %d", len(entries), MaxEntries)
		}
		if err != nil {
			if len(entries) > 0 && !errors.Is(err, ErrTruncated) {
				t.Errorf("ParseFeed returned %d entries with error %v", len(entries), err)
			}
			if !strings.HasPrefix(err.Error(), "parse feed: ") {
				t.Errorf("error %q does not say what was being done", err)
			}
		}
		for _, e := range entries {
			if !absoluteHTTP(e.URL) {
				t.Errorf("entry URL %q is not absolute http(s)", e.URL)
			}
			if !e.Published.IsZero() && e.Published.Location() != time.UTC {
				t.Errorf("Published %v not in UTC", e.Published)
			}
		}
	})
}
