package crawl

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

func sniffTests() []struct {
	name, contentType, body string
	want                    harvest.DocKind
} {
	return []struct {
		name, contentType, body string
		want                    harvest.DocKind
	}{
		{"urlset", "application/xml", `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>`, harvest.DocSitemap},
		{"urlset as text/html", "text/html; charset=utf-8", `<urlset><url><loc>https://a.example/</loc></url></urlset>`, harvest.DocSitemap},
		{"urlset after prolog", "", "\xef\xbb\xbf \n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"/s.xsl\"?>\n<!-- Yoast SEO -->\n<!DOCTYPE urlset>\n<urlset>", harvest.DocSitemap},
		{"urlset xml 1.1", "", `<?xml version="1.1"?><urlset/>`, harvest.DocSitemap},
		{"urlset latin-1", "", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><urlset><url><loc>https://a.example/caf\xe9</loc></url></urlset>", harvest.DocSitemap},
		{"urlset prefixed", "", `<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"/>`, harvest.DocSitemap},
		{"urlset after php warning", "", "Warning: include(): failed in /var/www/s.php on line 2\n<urlset/>", harvest.DocSitemap},
		{"sitemapindex", "application/octet-stream", `<sitemapindex xmlns="https://www.sitemaps.org/schemas/sitemap/0.9">`, harvest.DocSitemapIndex},
		{"rss", "application/octet-stream", `<?xml version="1.0"?><rss version="2.0"><channel>`, harvest.DocFeed},
		{"rss as text/html", "text/html", `<rss version="2.0">`, harvest.DocFeed},
		{"rdf", "", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">`, harvest.DocFeed},
		{"atom", "text/xml", `<feed xmlns="http://www.w3.org/2005/Atom">`, harvest.DocFeed},
		{"atom 0.3", "", `<feed version="0.3" xmlns="http://purl.org/atom/ns#">`, harvest.DocFeed},
		{"atom without namespace", "", `<feed><entry/></feed>`, harvest.DocFeed},
		{"atom prefixed", "", `<atom:feed xmlns:atom="http://www.w3.org/2005/Atom">`, harvest.DocFeed},
		{"feed in another namespace", "", `<feed xmlns="http://example.com/not-atom">`, harvest.DocOther},
		{"json feed", "application/json", `{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": []}`, harvest.DocFeed},
		{"json feed, version last", "", `{"title": "x", "items": [{"id": "1", "tags": ["a", {"b": [1, 2]}]}], "version": "https://jsonfeed.org/version/1"}`, harvest.DocFeed},
		{"json feed http", "", `{"version":"http://jsonfeed.org/version/1"}`, harvest.DocFeed},
		{"json feed cut before version", "", `{"items": [{"url": "https://a.example/"}], "feed_url": "x", "home_page_url": "https://jsonfeed.org/version/1.1"`, harvest.DocFeed},
		{"json other", "application/json", `{"version": "1.0", "items": []}`, harvest.DocOther},
		{"json other with feed content type", "application/feed+json", `{"items": []}`, harvest.DocFeed},
		{"json array", "application/json", `[{"version": "https://jsonfeed.org/version/1"}]`, harvest.DocOther},
		{"html", "", "<!DOCTYPE html>\n<html lang=en><head><title>x</title></head></html>", harvest.DocHTML},
		{"html, doctype then html", "", "<!doctype html><html>", harvest.DocHTML},
		{"html, self-closed html", "", "<!DOCTYPE html>\r\n<HTML/>", harvest.DocHTML},
		{"doctype html then rss", "", "<!DOCTYPE html><rss version=\"2.0\">", harvest.DocFeed},
		{"doctype htmlx then urlset", "", "<!DOCTYPE htmlx><urlset/>", harvest.DocSitemap},
		{"doctype html with a subset, then urlset", "", "<!DOCTYPE html [<!ENTITY a \"<html>\">]><urlset/>", harvest.DocSitemap},
		{"doctype html then htmlx", "", "<!DOCTYPE html><htmlx><urlset/>", harvest.DocHTML},
		{"html upper case", "", "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><HTML><BODY>", harvest.DocHTML},
		{"xhtml", "application/xhtml+xml", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head/></html>`, harvest.DocHTML},
		{"html without html element", "", "<!doctype html>\n<meta charset=utf-8>\n<title>x</title>", harvest.DocHTML},
		{"html fragment", "", "<div><p>hello</p></div>", harvest.DocHTML},
		{"html with comment first", "", "<!-- cached page --><html>", harvest.DocHTML},
		{"html as octet-stream", "application/octet-stream", "<html><body>hi</body></html>", harvest.DocHTML},
		{"text with html header", "text/html; charset=utf-8", "just some words", harvest.DocHTML},
		{"binary with html header", "text/html", "\x00\x01\x02\x03", harvest.DocOther},
		{"plain text", "text/plain", "User-agent: *\nDisallow: /\n", harvest.DocText},
		{"markdown", "text/markdown; charset=utf-8", "# Notes\n\n[video](https://youtu.be/H7xQm2Lp9sA)\n", harvest.DocText},
		{"text without a type", "", "Notes: https://youtu.be/H7xQm2Lp9sA\n", harvest.DocText},
		{"binary said to be text", "text/plain", "\x00\x01\x02\x03", harvest.DocOther},
		{"css", "text/css", "body { color: red }", harvest.DocOther},
		{"other xml", "application/xml", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`, harvest.DocOther},
		{"pdf", "application/pdf", "%PDF-1.4\n...", harvest.DocOther},
		{"png", "text/html", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", harvest.DocOther},
		{"empty", "", "", harvest.DocOther},
		{"empty with html header", "text/html", "", harvest.DocHTML},
		{"bad content type", "text/html; ;;", `<urlset>`, harvest.DocSitemap},
		{"truncated gzip header", "", "\x1f\x8b", harvest.DocOther},
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range sniffTests() {
		if got := Sniff(tc.contentType, []byte(tc.body)); got != tc.want {
			t.Errorf("%s: Sniff(%q, %.40q) = %s, want %s", tc.name, tc.contentType, tc.body, got, tc.want)
		}
		// Gzip is looked through, whatever the header says.
		if tc.body != "" && !IsGzip([]byte(tc.body)) {
			gz := gzipBytes(t, []byte(tc.body))
			if got := Sniff(tc.contentType, gz); got != tc.want {
				t.Errorf("%s (gzipped): Sniff = %s, want %s", tc.name, got, tc.want)
			}
		}
	}
}

func TestSniffFixtures(t *testing.T) {
	tests := []struct {
		file string
		want harvest.DocKind
	}{
		{"sitemap-urlset.xml", harvest.DocSitemap},
		{"sitemap-urlset.xml.gz", harvest.DocSitemap},
		{"sitemap-index.xml", harvest.DocSitemapIndex},
		{"sitemap-news.xml", harvest.DocSitemap},
		{"sitemap-nonamespace.xml", harvest.DocSitemap},
		{"sitemap-latin1.xml", harvest.DocSitemap},
		{"sitemap-truncated.xml", harvest.DocSitemap},
		{"sitemap-junk.xml", harvest.DocHTML},
		{"feed-rss2.xml", harvest.DocFeed},
		{"feed-atom.xml", harvest.DocFeed},
		{"feed-json.json", harvest.DocFeed},
		{"feed-rss1.rdf", harvest.DocFeed},
		{"robots-news.txt", harvest.DocOther},
		{"robots-softnotfound.html", harvest.DocHTML},
	}
	for _, tc := range tests {
		if got := Sniff("application/octet-stream", fixture(t, tc.file)); got != tc.want {
			t.Errorf("Sniff(%s) = %s, want %s", tc.file, got, tc.want)
		}
	}
}

// TestSniffLongPrologue checks a root element after a long comment, and
// that a root beyond the sniffing window is not looked for.
func TestSniffLongPrologue(t *testing.T) {
	near := "<!--" + strings.Repeat("x", 20<<10) + "--><rss>"
	if got := Sniff("", []byte(near)); got != harvest.DocFeed {
		t.Errorf("Sniff(root after 20 KiB) = %s, want %s", got, harvest.DocFeed)
	}
	far := "<!--" + strings.Repeat("x", 40<<10) + "--><rss>"
	if got := Sniff("", []byte(far)); got != harvest.DocOther {
		t.Errorf("Sniff(root after 40 KiB) = %s, want %s", got, harvest.DocOther)
	}
}

func TestGunzip(t *testing.T) {
	plain := []byte(strings.Repeat("<url><loc>https://a.example/</loc></url>", 100))
	gz := gzipBytes(t, plain)

	got, err := Gunzip(gz, int64(len(plain)))
	if err != nil || !bytes.Equal(got, plain) {
		t.Errorf("Gunzip(exactly max) = %d bytes, %v", len(got), err)
	}
	_, err = Gunzip(gz, int64(len(plain)-1))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("Gunzip(max-1) error = %v, want ErrTooLarge", err)
	}
	if want := "gunzip: too large: more than 3999 bytes uncompressed"; errString(err) != want {
		t.Errorf("Gunzip(max-1) error = %q, want %q", errString(err), want)
	}

	// Two members, as gzip -c a b > c makes them.
	two := append(gzipBytes(t, []byte("ab")), gzipBytes(t, []byte("cd"))...)
	if got, err := Gunzip(two, 10); err != nil || string(got) != "abcd" {
		t.Errorf("Gunzip(two members) = %q, %v", got, err)
	}

	for name, in := range map[string][]byte{
		"not gzip":  []byte("plain text"),
		"empty":     nil,
		"truncated": gz[:len(gz)/2],
		"bad crc":   append(append([]byte(nil), gz[:len(gz)-8]...), 0, 0, 0, 0, 0, 0, 0, 0),
	} {
		if _, err := Gunzip(in, 1<<20); err == nil || !strings.HasPrefix(err.Error(), "gunzip: ") {
			t.Errorf("Gunzip(%s) error = %v, want a gunzip error", name, err)
		}
	}
}

// TestGunzipBomb inflates a gzip of 1 GiB of zeros (1 MiB compressed)
// with a 10 MiB limit: it must stop at the limit, fast and without
// allocating the gigabyte.
func TestGunzipBomb(t *testing.T) {
	bomb := gigabyteOfZeros(t)
	_, err := Gunzip(bomb, 10<<20)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Gunzip(bomb) error = %v, want ErrTooLarge", err)
	}
	if got := Sniff("", bomb); got != harvest.DocOther {
		t.Errorf("Sniff(bomb) = %s, want %s", got, harvest.DocOther)
	}
	if _, _, err := ParseSitemap(bomb); err == nil {
		t.Error("ParseSitemap(bomb) succeeded")
	}
	if _, err := ParseFeed(bomb); err == nil {
		t.Error("ParseFeed(bomb) succeeded")
	}
	if r := ParseRobots(200, bomb); !r.Allowed(ourAgent, "/") {
		t.Error("ParseRobots(bomb) disallows")
	}
}

// gigabyteOfZeros builds a gzip stream of 1 GiB of zero bytes cheaply: one
// deflated megabyte of zeros, repeated as gzip members.
func gigabyteOfZeros(tb testing.TB) []byte {
	tb.Helper()
	member := gzipBytes(tb, make([]byte, 1<<20))
	return bytes.Repeat(member, 1<<10)
}

func FuzzSniff(f *testing.F) {
	for _, tc := range sniffTests() {
		f.Add(tc.contentType, []byte(tc.body))
	}
	f.Add("", fixture(f, "sitemap-urlset.xml.gz"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		k := Sniff(contentType, body)
		switch k {
		case harvest.DocHTML, harvest.DocText, harvest.DocSitemap, harvest.DocSitemapIndex, harvest.DocFeed, harvest.DocOther:
		default:
			t.Fatalf("Sniff = %q, not a harvest.DocKind", k)
		}
		if Sniff(contentType, body) != k {
			t.Fatal("Sniff is not deterministic")
		}
		// The shortcut for the common page says what the XML decoder says.
		if p := prefix(body); plainHTML(p) && sniffXML(p) != harvest.DocHTML {
			t.Errorf("plainHTML(%q), but sniffXML says %s", p, sniffXML(p))
		}
		// Looking through gzip changes nothing, for what fits the window.
		if !IsGzip(body) && len(body) <= sniffLimit {
			if gk := Sniff(contentType, gzipBytes(t, body)); gk != k {
				t.Errorf("Sniff(gzip(body)) = %s, Sniff(body) = %s", gk, k)
			}
		}
	})
}
