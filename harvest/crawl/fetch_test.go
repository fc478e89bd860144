package crawl

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html/charset"

	"github.com/harvestdev/ytharvest/harvest"
)

func testSite(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "test-agent/1" {
			http.Error(w, "bad user agent", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte("<html><title>Page</title></html>"))
	})
	mux.HandleFunc("/latin1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		w.Write([]byte("<p>caf\xe9</p>"))
	})
	mux.HandleFunc("/meta-charset", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<meta charset="windows-1252"><p>“quoted”</p>` + "\x93x\x94"))
	})
	mux.HandleFunc("/latin1-meta", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"></head>` + "<p>na\xefve</p>"))
	})
	mux.HandleFunc("/cp1251", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=windows-1251")
		w.Write([]byte("<p>\xcf\xf0\xe8\xe2\xe5\xf2</p>")) // "Привет"
	})
	mux.HandleFunc("/bom", func(w http.ResponseWriter, r *http.Request) {
		// A UTF-8 page with a BOM, mislabelled latin-1 by the header: the BOM wins.
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		w.Write([]byte("\xef\xbb\xbf<p>\xc3\xa9</p>"))
	})
	mux.HandleFunc("/no-type", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // suppress sniffing by net/http
		w.Write([]byte("<!DOCTYPE html><html><body>hi</body></html>"))
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4 ..."))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>" + strings.Repeat("x", 5000) + "</p>"))
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusNotFound)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/page", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/file", http.StatusFound)
	})
	mux.HandleFunc("/cond", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` || r.Header.Get("If-Modified-Since") == "Wed, 25 Nov 2026 10:00:00 GMT" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Wed, 25 Nov 2026 10:00:00 GMT")
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>page</p>"))
	})
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func TestFetch(t *testing.T) {
	ts := testSite(t)
	f := NewFetcher(&http.Client{Timeout: 2 * time.Second}, "test-agent/1", 1000, nil)
	ctx := context.Background()

	tests := []struct {
		path      string
		status    int
		html      bool
		body      string // substring of the UTF-8 body
		final     string
		truncated bool
		err       string
	}{
		{path: "/page", status: 200, html: true, body: "<title>Page</title>"},
		{path: "/latin1", status: 200, html: true, body: "café"},
		{path: "/meta-charset", status: 200, html: true, body: "“x”"},
		{path: "/no-type", status: 200, html: true, body: "hi"},
		{path: "/cp1251", status: 200, html: true, body: "Привет"},
		{path: "/latin1-meta", status: 200, html: true, body: "naïve"},
		{path: "/bom", status: 200, html: true, body: "<p>é</p>"},
		{path: "/pdf", status: 200, html: false},
		{path: "/big", status: 200, html: true, truncated: true},
		{path: "/missing", status: 404, html: false},
		{path: "/redirect", status: 200, html: true, final: "/page"},
		{path: "/loop", err: "more than 10 redirects"},
		{path: "/to-ftp", err: `redirect to unsupported scheme "ftp"`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			r, err := f.Fetch(ctx, harvest.Request{URL: ts.URL + tc.path})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Fetch(%s) = %v, want error containing %q", tc.path, err, tc.err)
				}
				if !strings.Contains(err.Error(), ts.URL+tc.path) {
					t.Errorf("error %q does not name the URL", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch(%s): %v", tc.path, err)
			}
			if r.Status != tc.status || r.HTML != tc.html || r.Truncated != tc.truncated {
				t.Errorf("Fetch(%s) = status %d html %v truncated %v; want %d %v %v", tc.path, r.Status, r.HTML, r.Truncated, tc.status, tc.html, tc.truncated)
			}
			if !strings.Contains(string(r.Body), tc.body) {
				t.Errorf("Fetch(%s) body = %q, want it to contain %q", tc.path, r.Body, tc.body)
			}
			if tc.final != "" && r.FinalURL != ts.URL+tc.final {
				t.Errorf("Fetch(%s) final URL = %s, want %s", tc.path, r.FinalURL, ts.URL+tc.final)
			}
			if !tc.html && r.Body != nil {
				t.Errorf("Fetch(%s) kept a body for a non-HTML answer", tc.path)
			}
			if r.ContentHash == "" || r.BodyBytes == 0 && tc.status == 200 {
				t.Errorf("Fetch(%s) hash %q bytes %d", tc.path, r.ContentHash, r.BodyBytes)
			}
		})
	}
	if r, _ := f.Fetch(ctx, harvest.Request{URL: ts.URL + "/big"}); r.BodyBytes != 1000 {
		t.Errorf("truncated body bytes = %d, want 1000", r.BodyBytes)
	}
}

func TestFetchTimeout(t *testing.T) {
	ts := testSite(t)
	f := NewFetcher(&http.Client{Timeout: 200 * time.Millisecond}, "test-agent/1", 1000, nil)
	start := time.Now()
	_, err := f.Fetch(context.Background(), harvest.Request{URL: ts.URL + "/slow"})
	if err == nil {
		t.Fatal("Fetch of a hanging page succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Fetch took %v despite a 200ms timeout", d)
	}
	// Cancelling the context stops a fetch too.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	f = NewFetcher(&http.Client{}, "test-agent/1", 1000, nil)
	if _, err := f.Fetch(ctx, harvest.Request{URL: ts.URL + "/slow"}); err == nil {
		t.Fatal("Fetch with a cancelled context succeeded")
	}
}

func TestFetchConditional(t *testing.T) {
	ts := testSite(t)
	f := NewFetcher(&http.Client{Timeout: 2 * time.Second}, "test-agent/1", 1000, nil)
	ctx := context.Background()
	r, err := f.Fetch(ctx, harvest.Request{URL: ts.URL + "/cond"})
	if err != nil || r.Status != 200 || r.ETag != `"v1"` || r.LastModified == "" {
		t.Fatalf("first fetch: %+v, %v", r, err)
	}
	for _, req := range []harvest.Request{
		{URL: ts.URL + "/cond", ETag: r.ETag},
		{URL: ts.URL + "/cond", LastModified: r.LastModified},
	} {
		r2, err := f.Fetch(ctx, req)
		if err != nil || r2.Status != http.StatusNotModified || r2.HTML || r2.Body != nil {
			t.Errorf("conditional fetch %+v: %+v, %v; want 304 with no body", req, r2, err)
		}
	}
	r3, err := f.Fetch(ctx, harvest.Request{URL: ts.URL + "/busy"})
	if err != nil || r3.Status != 429 || r3.RetryAfter != 2*time.Minute {
		t.Errorf("429: %+v, %v; want RetryAfter 2m", r3, err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		"-5":                            0,
		"999999999":                     MaxRetryAfter,
		"Fri, 27 Nov 2026 12:10:00 GMT": 10 * time.Minute,
		"Fri, 27 Nov 2026 11:00:00 GMT": 0,
		"soon":                          0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestFetchListings(t *testing.T) {
	big := `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`
	for i := range 100 {
		big += fmt.Sprintf("<url><loc>https://news.example/a/%d</loc></url>", i)
	}
	big += "</urlset>"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(big))
	zw.Close()
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://news.example/</link>` +
		`<item><title>one</title><link>https://news.example/one</link><pubDate>Wed, 25 Nov 2026 07:00:00 GMT</pubDate></item></channel></rss>`
	files := map[string]struct{ ctype, body string }{
		"/sitemap.xml":    {"text/html", big}, // a server that lies
		"/sitemap.xml.gz": {"application/octet-stream", gz.String()},
		"/feed":           {"text/plain", feed},
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := files[r.URL.Path]
		w.Header().Set("Content-Type", f.ctype)
		w.Write([]byte(f.body))
	}))
	defer ts.Close()
	// A body limit smaller than the sitemap: sitemaps are read on to their own limit.
	f := NewFetcher(&http.Client{Timeout: 2 * time.Second}, "test-agent/1", 1000, nil)
	for path, want := range map[string]struct {
		kind    harvest.DocKind
		entries int
	}{
		"/sitemap.xml":    {harvest.DocSitemap, 100},
		"/sitemap.xml.gz": {harvest.DocSitemap, 100},
		"/feed":           {harvest.DocFeed, 1},
	} {
		r, err := f.Fetch(context.Background(), harvest.Request{URL: ts.URL + path})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if r.Kind != want.kind || len(r.Entries) != want.entries || r.HTML || r.Truncated || r.ParseError != "" {
			t.Errorf("%s: kind %s, %d entries, html %v, truncated %v, error %q; want %s with %d entries",
				path, r.Kind, len(r.Entries), r.HTML, r.Truncated, r.ParseError, want.kind, want.entries)
		}
	}
}

// redirectSite serves robots (when not empty) as its robots.txt, a 302
// from each path of to to the URL its function returns, and a small page
// everywhere else.
func redirectSite(t *testing.T, robots string, to map[string]func() string) *httptest.Server {
	mux := http.NewServeMux()
	if robots != "" {
		mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(robots))
		})
	}
	for path, target := range to {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target(), http.StatusFound)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>ok</p>"))
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func TestFetchRedirectHops(t *testing.T) {
	var port string
	ts := redirectSite(t, "User-agent: *\nDisallow: /private\n", map[string]func() string{
		"/away":       func() string { return "http://localhost:" + port + "/landing" },
		"/to-private": func() string { return "/private/x" },
	})
	port = ts.URL[strings.LastIndex(ts.URL, ":")+1:]
	scope, _ := NewScope([]string{ts.URL + "/"}, ScopeOptions{})
	hc := &http.Client{Timeout: 2 * time.Second}
	robots := NewRobotsPolicy(hc, "test-agent/1", &memRobots{rows: map[string]memRow{}}, nil)
	f := NewFetcher(hc, "test-agent/1", 1000, &HopPolicy{Scope: scope, Robots: robots})
	ctx := context.Background()

	if _, err := f.Fetch(ctx, harvest.Request{URL: ts.URL + "/away"}); err == nil || !strings.Contains(err.Error(), "out of scope") {
		t.Errorf("a page redirected out of scope: %v", err)
	}
	if _, err := f.Fetch(ctx, harvest.Request{URL: ts.URL + "/to-private"}); err == nil || !strings.Contains(err.Error(), "disallowed by robots.txt") {
		t.Errorf("a redirect to a disallowed path: %v", err)
	}
	// A seed may go anywhere, and takes the scope with it.
	r, err := f.Fetch(ctx, harvest.Request{URL: ts.URL + "/away", Seed: true})
	if err != nil || r.FinalURL != "http://localhost:"+port+"/landing" {
		t.Fatalf("seed redirect: %+v, %v", r, err)
	}
	if !scope.Allow("http://localhost:" + port + "/other") {
		t.Error("the seed's redirect target did not join the scope")
	}
}

// testHops is harvest.Hops made of functions; a nil one does nothing.
type testHops struct {
	hop   func(ctx context.Context, to string) error
	delay func(host string, d time.Duration)
}

func (h testHops) Hop(ctx context.Context, to string) error {
	if h.hop == nil {
		return nil
	}
	return h.hop(ctx, to)
}

func (h testHops) CrawlDelay(host string, d time.Duration) {
	if h.delay != nil {
		h.delay(host, d)
	}
}

// A redirect to another host asks Hops.Hop for that host's turn before it
// is followed, and before that host's robots.txt is read; then tells
// Hops.CrawlDelay the Crawl-delay that robots.txt asks for, before the
// request goes out. A redirect within the host does neither. Hop's error
// ends the fetch.
func TestFetchRedirectHopWaits(t *testing.T) {
	var robotsAsked, landed atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robotsAsked.Store(true)
			w.Write([]byte("User-agent: *\nCrawl-delay: 4\n"))
			return
		}
		landed.Store(true)
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>landed</p>"))
	}))
	defer other.Close()
	ts := redirectSite(t, "", map[string]func() string{
		"/away": func() string { return other.URL + "/landing" },
		"/here": func() string { return "/landing" },
	})
	hc := &http.Client{Timeout: 2 * time.Second}
	robots := NewRobotsPolicy(hc, "test-agent/1", &memRobots{rows: map[string]memRow{}}, nil)
	f := NewFetcher(hc, "test-agent/1", 1000, &HopPolicy{Robots: robots})
	otherHost := strings.TrimPrefix(other.URL, "http://")

	var hops, delays []string
	hop := testHops{
		hop: func(ctx context.Context, to string) error {
			if robotsAsked.Load() {
				t.Error("the other host's robots.txt was read before its turn")
			}
			hops = append(hops, to)
			return nil
		},
		delay: func(host string, d time.Duration) {
			if landed.Load() {
				t.Error("the Crawl-delay was told after the request went out")
			}
			delays = append(delays, fmt.Sprint(host, " ", d))
		},
	}
	r, err := f.Fetch(context.Background(), harvest.Request{URL: ts.URL + "/away", Seed: true, Hops: hop})
	if err != nil || r.FinalURL != other.URL+"/landing" {
		t.Fatalf("redirect to another host: %+v, %v", r, err)
	}
	if !slices.Equal(hops, []string{otherHost}) || !robotsAsked.Load() {
		t.Errorf("hops %q (robots.txt read: %v); want one, to %s, then its robots.txt", hops, robotsAsked.Load(), otherHost)
	}
	if want := []string{otherHost + " 4s"}; !slices.Equal(delays, want) {
		t.Errorf("Crawl-delays told: %q, want %q", delays, want)
	}
	hops, delays = nil, nil
	if _, err := f.Fetch(context.Background(), harvest.Request{URL: ts.URL + "/here", Hops: hop}); err != nil || len(hops) != 0 || len(delays) != 0 {
		t.Errorf("a redirect within the host: hops %q, delays %q, %v; want none", hops, delays, err)
	}
	refuse := testHops{hop: func(context.Context, string) error { return errors.New("not your turn") }}
	if _, err := f.Fetch(context.Background(), harvest.Request{URL: ts.URL + "/away", Seed: true, Hops: refuse}); err == nil || !strings.Contains(err.Error(), "not your turn") {
		t.Errorf("a hop refused: %v; want its error", err)
	}
	// The wait counts in the fetch's time limit.
	quick := NewFetcher(&http.Client{Timeout: 300 * time.Millisecond}, "test-agent/1", 1000, nil)
	never := testHops{hop: func(ctx context.Context, _ string) error { <-ctx.Done(); return ctx.Err() }}
	start := time.Now()
	_, err = quick.Fetch(context.Background(), harvest.Request{URL: ts.URL + "/away", Hops: never})
	if err == nil || !strings.Contains(err.Error(), "no turn for "+otherHost+" within --timeout 300ms") {
		t.Errorf("a hop that never gets its turn: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("it gave up after %v, want about the 300ms limit", took)
	}
}

// HostKey writes the host as Normalize does.
func TestHostKey(t *testing.T) {
	for in, want := range map[string]string{
		"http://Example.COM/a":     "example.com",
		"http://example.com:80/":   "example.com",
		"https://example.com:443/": "example.com",
		"https://example.com:80/":  "example.com:80",
		"http://127.0.0.2:8080/x":  "127.0.0.2:8080",
		"http://example.com./":     "example.com",
		"http://[::1]:8080/":       "[::1]:8080",
		"http://[::1]/":            "[::1]",
	} {
		u, _ := url.Parse(in)
		if got := HostKey(u); got != want {
			t.Errorf("HostKey(%s) = %q, want %q", in, got, want)
		}
		n, err := Normalize(in)
		if err != nil {
			t.Fatal(err)
		}
		nu, _ := url.Parse(n)
		if nu.Host != want {
			t.Errorf("Normalize(%s) has host %q, HostKey %q", in, nu.Host, want)
		}
	}
}

// A gzip-encoded answer is decoded by the transport; the body size limit
// counts decoded bytes, so a gzip bomb stops at the limit.
func TestFetchGzip(t *testing.T) {
	var page bytes.Buffer
	zw := gzip.NewWriter(&page)
	zw.Write([]byte("<html><p>" + strings.Repeat("compressible ", 10000) + "</p></html>"))
	zw.Close()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "want gzip", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/html")
		w.Write(page.Bytes())
	}))
	defer ts.Close()
	f := NewFetcher(&http.Client{Timeout: 2 * time.Second}, "test-agent/1", 1<<20, nil)
	r, err := f.Fetch(context.Background(), harvest.Request{URL: ts.URL})
	if err != nil || r.Status != 200 || !r.HTML || !strings.Contains(string(r.Body), "compressible compressible") || r.Truncated {
		t.Fatalf("gzip page: %v, status %d html %v truncated %v", err, r.Status, r.HTML, r.Truncated)
	}
	small := NewFetcher(&http.Client{Timeout: 2 * time.Second}, "test-agent/1", 1000, nil)
	r, err = small.Fetch(context.Background(), harvest.Request{URL: ts.URL})
	if err != nil || !r.Truncated || r.BodyBytes != 1000 {
		t.Errorf("gzip page over the limit: %v, truncated %v, %d bytes", err, r.Truncated, r.BodyBytes)
	}
}

// ToUTF8 gives what x/net/html/charset's reader gives, and hands a body
// that is valid UTF-8 already back without copying it.
func TestToUTF8SameAsCharsetReader(t *testing.T) {
	tests := []struct{ body, contentType string }{
		{"<p>plain ascii</p>", ""},
		{"<p>caf\u00e9</p>", "text/html; charset=utf-8"},
		{"\xef\xbb\xbf<p>BOM caf\u00e9</p>", ""},
		{"<p>bad \xff\xfe utf-8</p>", "text/html; charset=utf-8"},
		{"<p>caf\xe9</p>", "text/html; charset=iso-8859-1"},
		{"<meta charset=windows-1251><p>\xcf\xf0\xe8\xe2\xe5\xf2</p>", ""},
		{"<p>caf\u00e9</p>", "text/html; charset=no-such-charset"},
		{"", ""},
	}
	for _, tc := range tests {
		got, err := ToUTF8([]byte(tc.body), tc.contentType)
		if err != nil {
			t.Fatal(err)
		}
		want := []byte(tc.body)
		if r, err := charset.NewReader(bytes.NewReader([]byte(tc.body)), tc.contentType); err == nil {
			want, _ = io.ReadAll(r)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("ToUTF8(%q, %q) = %q, want %q", tc.body, tc.contentType, got, want)
		}
	}
	body := []byte("<p>caf\u00e9</p>")
	if got, _ := ToUTF8(body, ""); &got[0] != &body[0] {
		t.Error("a valid UTF-8 body was copied")
	}
}
