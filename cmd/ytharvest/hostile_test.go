package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	neturl "net/url"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/harvestdev/ytharvest/harvest/crawl"
	"github.com/harvestdev/ytharvest/internal/dbcheck"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// The hostile world, servers (issue 7): every way a web server can
// misbehave, served on loopback by testserver.Hostile and met by a real
// crawl. Each case commits a good page to the database first, crawls the
// hostile URL under a deadline, and checks that the crawl returned with
// the documented exit code, that the hostile page is recorded as
// documented (a failure as a failed page whose error names the URL), that
// PRAGMA integrity_check and foreign_key_check are clean, and that every row committed before is
// unchanged. TestHostileServers runs in-process, at sizes the race
// detector can afford, and bounds the Go heap; TestHostileBinary runs the
// heavy cases at full size against the real binary and bounds its peak
// RSS (VmHWM) and time.

// hostileFlags are the limits every hostile crawl runs with: small, so
// that the suite stays fast.
var hostileFlags = []string{"--timeout", "2s", "--max-body", "1MiB", "--delay", "0s",
	"--host-concurrency", "4", "--concurrency", "4", "--youtube-rate", "0", "--youtube-concurrency", "2"}

// hostileDeadline bounds every crawl of the suite: one that has not
// returned by then is cancelled, and the test fails.
const hostileDeadline = 30 * time.Second

// hostileEnv is a fake world for the suite: the hostile site at
// http://news.example, a well-behaved one at http://good.example (where
// the good page is committed first, so the attack shares no host state
// with it) and http://other.example, and the fake YouTube.
type hostileEnv struct {
	*env
	site    string              // base URL of the hostile site
	good    string              // URL of the good page
	hostile *testserver.Hostile // the site's handler, when it is one
	before  map[string][]string
}

// newHostileEnv reaches the site through the test transport (hostMap).
func newHostileEnv(t *testing.T, h http.Handler) *hostileEnv {
	t.Helper()
	e := newEnv(t, h)
	good := quietServer(t, &testserver.Hostile{}, false)
	gu, _ := neturl.Parse(good.URL)
	e.app.transport.(hostMap)["good.example"] = gu
	e.app.transport.(hostMap)["other.example"] = gu // a second host for a crawl to go on with
	return &hostileEnv{env: e, site: "http://news.example", good: "http://good.example/good"}
}

// newHostileRealEnv uses the app's real page transport — the dialler, the
// private-address guard, TLS — with fake DNS (hostileLookup): the site is
// at http://news.example:PORT, served by srv.
func newHostileRealEnv(t *testing.T, h http.Handler) *hostileEnv {
	t.Helper()
	srv := quietServer(t, h, false)
	yt := quietServer(t, testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube")), false)
	e := &env{t: t, stdout: new(bytes.Buffer), stderr: new(bytes.Buffer), ytURL: yt.URL,
		dbPath: filepath.Join(t.TempDir(), "h.db")}
	e.app = &app{stdout: e.stdout, stderr: e.stderr, getenv: func(string) string { return "" }, lookup: hostileLookup}
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	return &hostileEnv{env: e, site: "http://news.example:" + port, good: "http://good.example:" + port + "/good"}
}

// hostileLookup is the fake DNS of the real-transport cases: news.example,
// good.example and www.example.com (a name the certificate of
// httptest.NewTLSServer is valid for) are 127.0.0.1, and every other name
// fails the way a name that does not exist fails, so no query leaves the
// machine.
func hostileLookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	switch host {
	case "news.example", "good.example", "www.example.com":
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// hostileResult is how a crawl of the suite went.
type hostileResult struct {
	code   int
	took   time.Duration
	heapMB float64 // peak Go heap in use during the crawl, over the heap before it
}

// attack runs `ytharvest crawl` with hostileFlags and args under
// hostileDeadline, sampling the Go heap as it goes.
func (he *hostileEnv) attack(args ...string) hostileResult {
	he.t.Helper()
	he.stdout.Reset()
	he.stderr.Reset()
	args = append(append([]string{"crawl", "--db", he.dbPath, "--youtube-url", he.ytURL}, hostileFlags...), args...)
	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	peak := sampleHeap()
	start := time.Now()
	code := he.app.main(ctx, args)
	r := hostileResult{code: code, took: time.Since(start), heapMB: peak()}
	he.t.Logf("ytharvest %s -> exit %d in %v, heap +%.0f MB\nstderr:\n%s", strings.Join(args, " "), code,
		r.took.Round(time.Millisecond), r.heapMB, he.stderr)
	if ctx.Err() != nil {
		he.t.Fatalf("the crawl did not return within %v", hostileDeadline)
	}
	return r
}

// sampleHeap samples the Go heap in use until the returned function is
// called, which returns the peak over the heap at the start, in MB.
func sampleHeap() func() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var mu sync.Mutex
	peak := base
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return float64(peak-base) / (1 << 20)
	}
}

// commitGood crawls the good page and remembers every row of the
// database, for intact.
func (he *hostileEnv) commitGood() {
	he.t.Helper()
	if r := he.attack("--depth", "0", he.good); r.code != exitOK {
		he.t.Fatalf("crawl of the good page: exit %d", r.code)
	}
	if n := he.count("links"); n != 1 {
		he.t.Fatalf("the good page has %d links, want 1", n)
	}
	he.before = hostileSnapshot(he.t, he.dbPath)
}

// intact checks the database after an attack: integrity_check and
// foreign_key_check (dbcheck.Check) are clean, and
// every row committed before it is there, unchanged.
func (he *hostileEnv) intact() {
	he.t.Helper()
	hostileIntact(he.t, he.dbPath, he.before)
}

// hostileTables are the tables whose rows an attack must leave alone.
var hostileTables = []string{"runs", "hosts", "pages", "links", "videos", "video_views", "caption_tracks",
	"transcripts", "transcript_segments", "playlists"}

// hostileSnapshot returns every row of hostileTables, by table; with
// upTo, only the rows whose rowid is at most that of the last row of the
// table in upTo (rows added since cannot have been committed before).
func hostileSnapshot(t *testing.T, path string, upTo ...map[string][]string) map[string][]string {
	t.Helper()
	d := dbcheck.Open(t, path)
	defer d.Close()
	snap := make(map[string][]string)
	for _, table := range hostileTables {
		q := `SELECT rowid, * FROM ` + table
		if len(upTo) > 0 {
			q += fmt.Sprintf(" WHERE rowid <= %d", hostileLastRowid(upTo[0][table]))
		}
		rows, err := d.Query(q + ` ORDER BY rowid`)
		if err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			snap[table] = append(snap[table], fmt.Sprintf("%v %#v", vals[0], vals[1:]))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return snap
}

// hostileLastRowid returns the rowid of the last of rows (a snapshot's),
// or 0.
func hostileLastRowid(rows []string) int64 {
	if len(rows) == 0 {
		return 0
	}
	id, _, _ := strings.Cut(rows[len(rows)-1], " ")
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}

// hostileIntact checks integrity_check and foreign_key_check
// (dbcheck.Check), and that every row of before is
// still in the database as it was.
func hostileIntact(t *testing.T, path string, before map[string][]string) {
	t.Helper()
	dbcheck.Check(t, path)
	after := hostileSnapshot(t, path, before)
	for table, rows := range before {
		have := make(map[string]bool, len(after[table]))
		for _, r := range after[table] {
			have[r] = true
		}
		for _, r := range rows {
			if !have[r] {
				t.Errorf("%s: a row committed before the attack changed or went: %s", table, r)
			}
		}
	}
}

// hostilePage is what the database says of one page.
type hostilePage struct {
	state, kind, title, err, finalURL string
	status, truncated                 int
	bodyBytes                         int64
}

func (he *hostileEnv) page(url string) hostilePage {
	he.t.Helper()
	d := dbcheck.Open(he.t, he.dbPath)
	defer d.Close()
	var p hostilePage
	err := d.QueryRow(`SELECT state, coalesce(kind, ''), coalesce(title, ''), coalesce(error, ''), coalesce(final_url, ''),
		coalesce(http_status, 0), truncated, coalesce(body_bytes, 0) FROM pages WHERE url = ?`, url).
		Scan(&p.state, &p.kind, &p.title, &p.err, &p.finalURL, &p.status, &p.truncated, &p.bodyBytes)
	if err != nil {
		he.t.Fatalf("page %s: %v", url, err)
	}
	return p
}

// failed checks that url is recorded failed, with an error that names it
// and contains every one of want.
func (he *hostileEnv) failed(url string, want ...string) hostilePage {
	he.t.Helper()
	p := he.page(url)
	if p.state != "failed" || !strings.Contains(p.err, url) {
		he.t.Errorf("%s: state %q, error %q; want failed, with an error naming the URL", url, p.state, p.err)
	}
	for _, w := range want {
		if !strings.Contains(p.err, w) {
			he.t.Errorf("%s: error %q lacks %q", url, p.err, w)
		}
	}
	return p
}

// refs returns the references the page at url makes, as "type id kind".
func (he *hostileEnv) refs(url string) []string {
	he.t.Helper()
	return he.query(`SELECT l.ref_type || ' ' || l.ref_id || ' ' || l.kind FROM links l JOIN pages p ON p.id = l.page_id
		WHERE p.url = ? ORDER BY 1`, url)
}

func (he *hostileEnv) hasRef(url, ref string) bool {
	for _, r := range he.refs(url) {
		if r == ref {
			return true
		}
	}
	return false
}

// hostileCase is one behaviour of a hostile server.
type hostileCase struct {
	name    string
	site    *testserver.Hostile // nil: hostileLight
	handler http.Handler        // instead of a Hostile site
	seed    string              // path on the hostile site
	flags   []string            // beyond hostileFlags (--depth 0 unless given)
	code    int                 // the exit code wanted
	maxTook time.Duration       // 0: 10 s
	maxHeap float64             // MB of Go heap; 0: 128
	check   func(t *testing.T, he *hostileEnv, url string, r hostileResult)
}

// hostileLight are the sizes of the in-process cases: big enough to cross
// every limit the flags set. Under the race detector, inflating 50 MiB of
// sitemap and inserting 10,000 links take a minute, so the sitemap bomb
// and the page of links stay under those two limits there (and
// TestHostileBinary, which runs under -race too, crosses them).
func hostileLight() *testserver.Hostile {
	if raceEnabled {
		return &testserver.Hostile{BombBytes: 8 << 20, Links: 2_000, Depth: 100_000, AttrBytes: 300_000}
	}
	return &testserver.Hostile{BombBytes: 64 << 20, Links: 20_000, Depth: 100_000, AttrBytes: 300_000}
}

func hostileCases() []hostileCase {
	robotsHuge := []byte("User-agent: *\nDisallow: /nul/\n" + strings.Repeat("# padding padding padding padding\n", 10<<20/34) +
		"Disallow: /after/\n")
	robotsBinary := make([]byte, 64<<10)
	rand.NewChaCha8([32]byte{1}).Read(robotsBinary)
	return []hostileCase{
		{name: "slowloris", seed: "/slowloris", code: exitFailed,
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				he.failed(url, "read body")
				if r.took < 2*time.Second || r.took > 8*time.Second {
					t.Errorf("the crawl took %v; want about --timeout 2s", r.took)
				}
			}},
		{name: "endless body", seed: "/endless",
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				if p := he.page(url); p.state != "fetched" || p.kind != "html" || p.truncated != 1 || p.bodyBytes != 1<<20 || p.title != "Endless" {
					t.Errorf("endless body recorded as %+v; want fetched html, truncated at 1 MiB", p)
				}
			}},
		{name: "2 GB Content-Length, short body", seed: "/big-length", code: exitFailed,
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				he.failed(url, "unexpected EOF")
			}},
		{name: "gzip bomb as Content-Encoding", seed: "/bomb.html",
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				if p := he.page(url); p.state != "fetched" || p.kind != "html" || p.truncated != 1 || p.bodyBytes != 1<<20 || p.title != "Bomb" {
					t.Errorf("gzip bomb recorded as %+v; want fetched html, truncated at 1 MiB inflated", p)
				}
			}},
		{name: "gzip bomb as a .xml.gz sitemap", seed: "/bomb.xml.gz", flags: []string{"--depth", "1"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				p := he.page(url)
				tooLarge := he.hostile.BombBytes > crawl.MaxDocumentSize
				if p.state != "fetched" || p.kind != "sitemap" || tooLarge != strings.Contains(p.err, "too large: more than 52428800 bytes") {
					t.Errorf("sitemap bomb of %d bytes recorded as %+v; want a fetched sitemap whose error says whether it is too large", he.hostile.BombBytes, p)
				}
				// What came before the bomb went off is kept: its one entry.
				if p := he.page(he.site + "/good"); p.state != "fetched" {
					t.Errorf("the sitemap's entry is %q, want fetched", p.state)
				}
			}},
		{name: "redirect chain of 15", seed: "/redirect/15", code: exitFailed,
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				he.failed(url, "more than 10 redirects")
			}},
		{name: "redirect chain of 10", seed: "/redirect/9",
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				if p := he.page(url); p.state != "fetched" || p.finalURL != he.site+"/good" {
					t.Errorf("10 redirects recorded as %+v; want fetched, final URL /good", p)
				}
			}},
		{name: "redirect loop", seed: "/loop/a", code: exitFailed,
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				he.failed(url, "more than 10 redirects")
			}},
		{name: "redirects to file ftp and javascript", seed: "/status/index?links=to-file,to-ftp,to-js", flags: []string{"--depth", "1"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				he.failed(he.site+"/to-file", `redirect to unsupported scheme "file"`)
				he.failed(he.site+"/to-ftp", `redirect to unsupported scheme "ftp"`)
				he.failed(he.site+"/to-js", `redirect to unsupported scheme "javascript"`)
			}},
		{name: "wrong and missing Content-Type", seed: "/status/index?links=html-as-png,html-no-type", flags: []string{"--depth", "1"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				// The content decides: both are HTML, and extracted.
				for _, u := range []string{he.site + "/html-as-png", he.site + "/html-no-type"} {
					if p := he.page(u); p.state != "fetched" || p.kind != "html" || !he.hasRef(u, "video "+testserver.HostileVideo+" iframe") {
						t.Errorf("%s recorded as %+v, refs %v; want fetched html with its video", u, p, he.refs(u))
					}
				}
			}},
		{name: "binary served as text/html", seed: "/status/index?links=random-as-html,png-as-html", flags: []string{"--depth", "1"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				for _, u := range []string{he.site + "/random-as-html", he.site + "/png-as-html"} {
					if p := he.page(u); p.state != "fetched" || p.kind != "other" || len(he.refs(u)) != 0 {
						t.Errorf("%s recorded as %+v; want fetched, kind other (not parsed)", u, p)
					}
				}
			}},
		{name: "invalid UTF-8 and a mislabelled charset", seed: "/status/index?links=invalid-utf8,cp1251-as-latin1", flags: []string{"--depth", "1"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				for _, c := range []struct{ path, title string }{
					{"/invalid-utf8", "Bad \ufffd\ufffd UTF-8 \ufffd( here"},
					// windows-1251 read as ISO-8859-1: mojibake, but valid UTF-8.
					{"/cp1251-as-latin1", "Íîâîñòè: âèäåî"},
				} {
					u := he.site + c.path
					p := he.page(u)
					if p.state != "fetched" || p.title != c.title || !utf8.ValidString(p.title) || !he.hasRef(u, "video "+testserver.HostileVideo+" iframe") {
						t.Errorf("%s recorded as %+v, refs %v; want fetched, title %q, its video", u, p, he.refs(u), c.title)
					}
				}
			}},
		{name: "HTML nested 100,000 deep", seed: "/deep", flags: []string{"--max-body", "2MiB"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				// The HTML5 parser refuses it (512 levels); the loose parser
				// reads it, and the iframe at the bottom is found. Its
				// 200,006 tags are more than harvest.MaxTags: the last
				// closing tags are not parsed, and the page is truncated.
				if p := he.page(url); p.state != "fetched" || p.truncated != 1 || !he.hasRef(url, "video "+testserver.HostileVideo+" iframe") {
					t.Errorf("deep page recorded as %+v, refs %v; want fetched, truncated, with the iframe at the bottom", p, he.refs(url))
				}
			}},
		{name: "a page with 20,000 links", seed: "/links", flags: []string{"--depth", "1", "--max-pages", "1"}, code: exitPartial,
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				want := min(he.hostile.Links, 10_000) // the documented limit of queued links
				if n := he.count("pages WHERE url LIKE '%/l/%'"); n != want {
					t.Errorf("%d of the page's %d links queued, want the first %d", n, he.hostile.Links, want)
				}
				if got := he.query(`SELECT url FROM pages WHERE url LIKE '%/l/%' ORDER BY id DESC LIMIT 1`); len(got) != 1 || got[0] != fmt.Sprintf("%s/l/%d", he.site, want-1) {
					t.Errorf("last link queued = %v, want /l/%d (the first links, in page order)", got, want-1)
				}
			}},
		{name: "huge attributes", seed: "/huge-attr",
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				if p := he.page(url); p.state != "fetched" || p.truncated != 0 || !he.hasRef(url, "video "+testserver.HostileVideo+" iframe") {
					t.Errorf("page with huge attributes recorded as %+v, refs %v; want fetched, with the video after them", p, he.refs(url))
				}
				t.Logf("references: %v", he.refs(url))
				if n := he.count("pages WHERE url LIKE '%/huge?%'"); n != 0 {
					t.Errorf("a link of 300 KB was queued")
				}
			}},
		{name: "NUL bytes", seed: "/nul", flags: []string{"--depth", "1"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				if p := he.page(url); p.state != "fetched" || strings.ContainsRune(p.title, 0) || !he.hasRef(url, "video "+testserver.HostileVideo+" anchor") {
					t.Errorf("page with NULs recorded as %+v, refs %v; want fetched, no NUL in the title, its video", p, he.refs(url))
				}
				// A raw NUL in an attribute is U+FFFD to the HTML parser; %00
				// is a URL like another. Neither reaches the database as a NUL.
				for _, u := range []string{"/nul/raw%EF%BF%BDbyte", "/nul/escaped%00byte", "/nul/ok"} {
					if p := he.page(he.site + u); p.state != "fetched" {
						t.Errorf("%s: %+v", u, p)
					}
				}
				if n := he.count("pages WHERE instr(url, char(0)) > 0 OR instr(coalesce(title, ''), char(0)) > 0"); n != 0 {
					t.Errorf("%d pages stored with a NUL", n)
				}
			}},
		{name: "spider trap: endless calendar", seed: "/cal/2026/11", flags: []string{"--depth", "50"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				// Every month is a distinct, well-formed URL: no trap guard
				// applies, and --depth stops it: 50 months either way.
				diffRows(t, "calendar pages", he.query(`SELECT count(*), max(depth), min(url), max(url) FROM pages WHERE url LIKE '%/cal/%'`),
					[]string{"101 | 50 | " + he.site + "/cal/2022/10 | " + he.site + "/cal/2031/1"})
			}},
		{name: "200 with the same page to every path", handler: &testserver.Everything200{}, seed: "/", flags: []string{"--depth", "50"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				// Every answer links a/, b/ and page?id=1 relative to itself:
				// the repeated-segment guard (a segment at most twice) stops
				// it: 19 directories over {a, b}, and page?id=1 in each.
				diffRows(t, "pages", he.query(`SELECT count(*), sum(state = 'fetched'), max(depth) FROM pages WHERE url LIKE 'http://news.example/%'`),
					[]string{"38 | 38 | 5"})
				if n := he.count("pages WHERE url LIKE '%/a/%/a/%/a/%' OR url LIKE '%/b/%/b/%/b/%'"); n != 0 {
					t.Errorf("%d pages with a segment three times", n)
				}
			}},
		{name: "Retry-After of an hour on a host with nothing left", seed: "/status/index?links=status/429-hour",
			flags: []string{"--depth", "1"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				// Nothing waits for the host: the run is done (exit 0).
				if p := he.page(he.site + "/status/429-hour"); p.state != "failed" || p.status != 429 {
					t.Errorf("recorded as %+v", p)
				}
			}},
		{name: "robots.txt of 10 MB", site: &testserver.Hostile{Robots: robotsHuge},
			seed: "/status/index?links=nul/ok,after/1", flags: []string{"--depth", "1"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				// The first 500 KiB are obeyed; a rule after them is not read.
				if p := he.page(he.site + "/nul/ok"); p.state != "skipped" {
					t.Errorf("/nul/ok is %q, want skipped (disallowed at the top of robots.txt)", p.state)
				}
				if p := he.page(he.site + "/after/1"); p.state != "fetched" {
					t.Errorf("/after/1 is %q, want fetched (its rule is past the 500 KiB read)", p.state)
				}
				// What is kept of it is the part read: 500 KiB and a byte.
				diffRows(t, "robots.txt kept", he.query(`SELECT robots_status, length(robots_txt) FROM hosts WHERE host = 'news.example'`),
					[]string{fmt.Sprintf("200 | %d", 500<<10+1)}) // the documented 500 KiB, and one byte to say it was cut
			}},
		{name: "binary robots.txt", site: &testserver.Hostile{Robots: robotsBinary},
			seed: "/status/index?links=nul/ok,after/1", flags: []string{"--depth", "1"},
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				// No rule can be read from it: everything is allowed.
				for _, u := range []string{"/nul/ok", "/after/1"} {
					if p := he.page(he.site + u); p.state != "fetched" {
						t.Errorf("%s is %q, want fetched", u, p.state)
					}
				}
			}},
		{name: "connection reset mid-body", seed: "/reset", code: exitFailed,
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				p := he.failed(url, "read body")
				if !strings.Contains(p.err, "connection reset by peer") && !strings.Contains(p.err, "unexpected EOF") {
					t.Errorf("error %q; want a reset or an unexpected EOF", p.err)
				}
			}},
		{name: "500 503 429 with and without Retry-After",
			seed:  "/status/index?links=status/404,status/500,status/503,status/429,after/0,status/503-ra,after/1,status/429-ra,after/2,status/503-date,after/3",
			flags: []string{"--depth", "1", "--host-concurrency", "1"}, maxTook: 15 * time.Second,
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				// Recorded failed with the status; a 5xx or 429 is checked
				// again within the hour, a 404 after --recrawl-after.
				diffRows(t, "failed pages", he.query(`SELECT replace(url, ?, ''), state, http_status, error,
					round((julianday(next_fetch_at) - julianday(fetched_at)) * 24, 2) FROM pages WHERE url LIKE '%/status/%' AND http_status <> 200 ORDER BY id`, he.site), []string{
					"/status/404 | failed | 404 | HTTP 404 Not Found | 168",
					"/status/500 | failed | 500 | HTTP 500 Internal Server Error | 1",
					"/status/503 | failed | 503 | HTTP 503 Service Unavailable | 1",
					"/status/429 | failed | 429 | HTTP 429 Too Many Requests | 1",
					"/status/503-ra | failed | 503 | HTTP 503 Service Unavailable | 1",
					"/status/429-ra | failed | 429 | HTTP 429 Too Many Requests | 1",
					"/status/503-date | failed | 503 | HTTP 503 Service Unavailable | 1",
				})
				// Retry-After holds the host back: the next request to it
				// comes that much later; without one, at once.
				gap := func(from, to string) time.Duration {
					a, ok1 := he.hostile.HitAt(from)
					b, ok2 := he.hostile.HitAt(to)
					if !ok1 || !ok2 {
						t.Fatalf("no request for %s or %s", from, to)
					}
					d := b.Sub(a)
					t.Logf("%s -> %s: %v", from, to, d.Round(time.Millisecond))
					return d
				}
				if d := gap("/status/429", "/after/0"); d > time.Second {
					t.Errorf("after a 429 without Retry-After the host waited %v", d)
				}
				if d := gap("/status/503-ra", "/after/1"); d < 1900*time.Millisecond {
					t.Errorf("after a 503 with Retry-After: 2 the host waited %v", d)
				}
				if d := gap("/status/429-ra", "/after/2"); d < 1900*time.Millisecond {
					t.Errorf("after a 429 with Retry-After: 2 the host waited %v", d)
				}
				// An HTTP date 2 s ahead, to the second: at least 1 s.
				if d := gap("/status/503-date", "/after/3"); d < 900*time.Millisecond {
					t.Errorf("after a 503 with a Retry-After date the host waited %v", d)
				}
			}},
		{name: "Retry-After of an hour", seed: "/status/index?links=status/429-hour,after/1,after/2,http://other.example/after/9",
			flags: []string{"--depth", "1", "--host-concurrency", "1", "--any-host"}, code: exitPartial,
			check: func(t *testing.T, he *hostileEnv, url string, r hostileResult) {
				// The run does not sit idle for an hour: the host's other
				// pages wait for the next run, which exits 3; other hosts
				// carry on.
				if r.took > 5*time.Second {
					t.Errorf("the run took %v", r.took)
				}
				diffRows(t, "pages", he.query(`SELECT replace(url, ?, ''), state, coalesce(http_status, '') FROM pages WHERE url NOT LIKE '%/good' ORDER BY id`, he.site), []string{
					"/status/index?links=status/429-hour,after/1,after/2,http://other.example/after/9 | fetched | 200",
					"/status/429-hour | failed | 429",
					"/after/1 | queued | ",
					"/after/2 | queued | ",
					"http://other.example/after/9 | fetched | 200",
				})
				if !strings.Contains(he.stderr.String(), "Retry-After") {
					t.Errorf("stderr does not say why the run stopped:\n%s", he.stderr)
				}
			}},
	}
}

// TestHostileServers runs every case in-process, through the test
// transport: the crawl returns with the documented code, records the
// page as documented, and leaves the database intact.
func TestHostileServers(t *testing.T) {
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			site := c.site
			if site == nil {
				site = hostileLight()
			}
			var h http.Handler = site
			if c.handler != nil {
				h, site = c.handler, nil
			}
			he := newHostileEnv(t, h)
			he.hostile = site
			he.commitGood()
			flags := c.flags
			if !containsFlag(flags, "--depth") {
				flags = append([]string{"--depth", "0"}, flags...)
			}
			url := he.site + c.seed
			r := he.attack(append(flags, url)...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d", r.code, c.code)
			}
			if maxTook := cmp.Or(c.maxTook, 10*time.Second); r.took > maxTook {
				t.Errorf("the crawl took %v, more than %v", r.took, maxTook)
			}
			if maxHeap := cmp.Or(c.maxHeap, 128); r.heapMB > maxHeap {
				t.Errorf("the Go heap grew by %.0f MB during the crawl, more than %.0f", r.heapMB, maxHeap)
			}
			he.intact()
			c.check(t, he, url, r)
		})
	}
}

func containsFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || a == "-"+strings.TrimLeft(name, "-") {
			return true
		}
	}
	return false
}

// hostileBinaryCase is a heavy case, run at full size against the real
// binary, with bounds on its peak RSS and time.
type hostileBinaryCase struct {
	name    string
	seed    string
	flags   []string
	code    int
	maxRSS  float64 // MB
	maxTook time.Duration
	check   func(t *testing.T, he *hostileEnv, url string)
}

func hostileBinaryCases() []hostileBinaryCase {
	return []hostileBinaryCase{
		{name: "gzip bomb of 1 GiB as Content-Encoding", seed: "/bomb.html", maxRSS: 64, maxTook: 10 * time.Second,
			check: func(t *testing.T, he *hostileEnv, url string) {
				if p := he.page(url); p.state != "fetched" || p.truncated != 1 || p.bodyBytes != 1<<20 {
					t.Errorf("recorded as %+v", p)
				}
			}},
		{name: "gzip bomb of 1 GiB as a .xml.gz sitemap", seed: "/bomb.xml.gz", flags: []string{"--depth", "1"}, maxRSS: 250, maxTook: 20 * time.Second,
			check: func(t *testing.T, he *hostileEnv, url string) {
				if p := he.page(url); p.state != "fetched" || p.kind != "sitemap" || !strings.Contains(p.err, "too large") {
					t.Errorf("recorded as %+v", p)
				}
			}},
		{name: "endless body", seed: "/endless", maxRSS: 80, maxTook: 10 * time.Second,
			check: func(t *testing.T, he *hostileEnv, url string) {
				if p := he.page(url); p.state != "fetched" || p.truncated != 1 || p.bodyBytes != 1<<20 {
					t.Errorf("recorded as %+v", p)
				}
			}},
		{name: "2 GB Content-Length", seed: "/big-length", code: exitFailed, maxRSS: 64, maxTook: 10 * time.Second,
			check: func(t *testing.T, he *hostileEnv, url string) { he.failed(url, "unexpected EOF") }},
		// All of the page (22 MB) is read; its first 200,000 tags
		// (harvest.MaxTags: 100,000 links) are parsed, and of those the
		// frontier takes the first 10,000.
		{name: "1,000,000 links", seed: "/links", flags: []string{"--max-body", "32MiB", "--timeout", "30s", "--depth", "1", "--max-pages", "1"},
			code: exitPartial, maxRSS: 200, maxTook: 30 * time.Second,
			check: func(t *testing.T, he *hostileEnv, url string) {
				if p := he.page(url); p.state != "fetched" || p.truncated != 1 || p.bodyBytes < 20<<20 {
					t.Errorf("recorded as %+v; want fetched whole, parsed in part (truncated)", p)
				}
				if n := he.count("pages WHERE url LIKE '%/l/%'"); n != 10_000 {
					t.Errorf("%d links queued, want the documented 10,000", n)
				}
			}},
		// The same page at the default --max-body.
		{name: "1,000,000 links, default --max-body", seed: "/links", flags: []string{"--max-body", "10MiB", "--timeout", "30s", "--depth", "1", "--max-pages", "1"},
			code: exitPartial, maxRSS: 150, maxTook: 30 * time.Second,
			check: func(t *testing.T, he *hostileEnv, url string) {
				if p := he.page(url); p.state != "fetched" || p.truncated != 1 {
					t.Errorf("recorded as %+v; want fetched, truncated", p)
				}
				if n := he.count("pages WHERE url LIKE '%/l/%'"); n != 10_000 {
					t.Errorf("%d links queued, want the documented 10,000", n)
				}
			}},
		{name: "HTML nested 100,000 deep", seed: "/deep", flags: []string{"--max-body", "2MiB"}, maxRSS: 100, maxTook: 10 * time.Second,
			check: func(t *testing.T, he *hostileEnv, url string) {
				if !he.hasRef(url, "video "+testserver.HostileVideo+" iframe") {
					t.Errorf("the iframe at the bottom was not found: %v", he.refs(url))
				}
			}},
		{name: "5 MB attributes", seed: "/huge-attr", flags: []string{"--max-body", "16MiB"}, maxRSS: 200, maxTook: 10 * time.Second,
			check: func(t *testing.T, he *hostileEnv, url string) {
				if p := he.page(url); p.state != "fetched" || p.truncated != 0 || !he.hasRef(url, "video "+testserver.HostileVideo+" iframe") {
					t.Errorf("recorded as %+v, refs %v", p, he.refs(url))
				}
				t.Logf("references: %v", he.refs(url))
			}},
	}
}

// TestHostileBinary runs the heavy cases at full size against the real
// binary and bounds its peak RSS and time. The binary is built without
// the race detector, so the test runs under -race too.
func TestHostileBinary(t *testing.T) {
	bin := binary(t)
	site := &testserver.Hostile{}
	srv := httptest.NewServer(site)
	defer srv.Close()
	goodSrv := httptest.NewServer(&testserver.Hostile{})
	defer goodSrv.Close()
	yt := httptest.NewServer(testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube")))
	defer yt.Close()
	for _, c := range hostileBinaryCases() {
		t.Run(c.name, func(t *testing.T) {
			e := &env{t: t, dbPath: filepath.Join(t.TempDir(), "h.db"), ytURL: yt.URL}
			he := &hostileEnv{env: e, site: srv.URL, good: goodSrv.URL + "/good"}
			args := append([]string{"crawl", "--db", e.dbPath, "--youtube-url", yt.URL}, hostileFlags...)
			if r := hostileExec(t, bin, append(args, "--depth", "0", he.good)); r.code != exitOK {
				t.Fatalf("crawl of the good page: exit %d", r.code)
			}
			he.before = hostileSnapshot(t, e.dbPath)
			flags := c.flags
			if !containsFlag(flags, "--depth") {
				flags = append([]string{"--depth", "0"}, flags...)
			}
			url := srv.URL + c.seed
			r := hostileExec(t, bin, append(append(args, flags...), url))
			if r.code != c.code {
				t.Errorf("exit %d, want %d", r.code, c.code)
			}
			if r.took > c.maxTook {
				t.Errorf("the crawl took %v, more than %v", r.took, c.maxTook)
			}
			if r.rssMB > c.maxRSS {
				t.Errorf("peak RSS %.0f MB, more than %.0f", r.rssMB, c.maxRSS)
			}
			he.intact()
			c.check(t, he, url)
		})
	}
}

// hostileExecResult is how a run of the binary went.
type hostileExecResult struct {
	code  int
	took  time.Duration
	rssMB float64 // peak resident set size (VmHWM); 0 where /proc is not there
}

// hostileExec runs the binary with args under hostileDeadline (killing it
// then), polling its peak RSS from /proc.
func hostileExec(t *testing.T, bin string, args []string) hostileExecResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	deadline := time.After(hostileDeadline)
	var r hostileExecResult
	for running := true; running; {
		if kb := procHWM(cmd.Process.Pid); float64(kb)/1024 > r.rssMB {
			r.rssMB = float64(kb) / 1024
		}
		select {
		case <-done:
			running = false
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatalf("ytharvest %s did not return within %v\nstderr:\n%s", strings.Join(args, " "), hostileDeadline, &stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	r.took = time.Since(start)
	r.code = cmd.ProcessState.ExitCode()
	t.Logf("ytharvest %s -> exit %d in %v, peak RSS %.0f MB\nstderr:\n%s", strings.Join(args, " "), r.code,
		r.took.Round(time.Millisecond), r.rssMB, &stderr)
	return r
}

// TestHostileNetwork meets TLS and DNS failures with the app's real page
// transport (dialler, private-address guard, certificate checks) and fake
// DNS: the page is recorded failed with an error naming it, the run exits
// 5 when that page was its only seed (0 when it was a link), and nothing
// committed before is touched.
func TestHostileNetwork(t *testing.T) {
	tlsSrv := quietServer(t, &testserver.Hostile{}, true)
	tlsPort := tlsSrv.URL[strings.LastIndex(tlsSrv.URL, ":")+1:]
	tests := []struct {
		name  string
		seed  func(he *hostileEnv) string
		flags []string
		check func(t *testing.T, he *hostileEnv, url string)
	}{
		{"TLS certificate from an unknown authority",
			func(he *hostileEnv) string { return "https://www.example.com:" + tlsPort + "/good" }, nil,
			func(t *testing.T, he *hostileEnv, url string) {
				// "x509: certificate signed by unknown authority" on Linux; the
				// wording is the platform verifier's elsewhere.
				he.failed(url, "tls: failed to verify certificate")
			}},
		{"TLS certificate for another name",
			func(he *hostileEnv) string { return "https://news.example:" + tlsPort + "/good" }, nil,
			func(t *testing.T, he *hostileEnv, url string) {
				he.failed(url, "tls: failed to verify certificate")
			}},
		{"HTTPS spoken to a plain HTTP server",
			func(he *hostileEnv) string { return strings.Replace(he.site, "http:", "https:", 1) + "/good" }, nil,
			func(t *testing.T, he *hostileEnv, url string) {
				he.failed(url, "server gave HTTP response to HTTPS client")
			}},
		{"DNS failure of a seed",
			func(he *hostileEnv) string { return "http://nowhere.example/" }, nil,
			func(t *testing.T, he *hostileEnv, url string) {
				if p := he.failed(url, "lookup nowhere.example: no such host"); strings.Count(p.err, "lookup") != 1 {
					t.Errorf("error %q says lookup more than once", p.err)
				}
			}},
		{"DNS failure of a link",
			func(he *hostileEnv) string {
				return he.site + "/status/index?links=http://nowhere.example/x"
			}, []string{"--any-host", "--depth", "1"},
			func(t *testing.T, he *hostileEnv, url string) {
				he.failed("http://nowhere.example/x", "lookup nowhere.example: no such host")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			he := newHostileRealEnv(t, &testserver.Hostile{})
			var mu sync.Mutex
			var asked []string
			he.app.lookup = func(ctx context.Context, network, host string) ([]netip.Addr, error) {
				mu.Lock()
				asked = append(asked, host)
				mu.Unlock()
				return hostileLookup(ctx, network, host)
			}
			he.commitGood()
			url := tc.seed(he)
			flags := tc.flags
			if !containsFlag(flags, "--depth") {
				flags = append([]string{"--depth", "0"}, flags...)
			}
			r := he.attack(append(flags, url)...)
			want := exitFailed // every seed failed
			if strings.Contains(tc.name, "of a link") {
				want = exitOK
			}
			if r.code != want {
				t.Errorf("exit %d, want %d", r.code, want)
			}
			if r.took > 10*time.Second {
				t.Errorf("the crawl took %v", r.took)
			}
			he.intact()
			tc.check(t, he, url)
			mu.Lock()
			defer mu.Unlock()
			for _, h := range asked {
				if h != "news.example" && h != "good.example" && h != "www.example.com" && h != "nowhere.example" {
					t.Errorf("the guard resolved %q", h)
				}
			}
			if strings.Contains(url, "nowhere") || strings.Contains(strings.Join(flags, " "), "any-host") {
				if !slices.Contains(asked, "nowhere.example") {
					t.Errorf("nowhere.example was not resolved through the lookup hook: %v", asked)
				}
			}
		})
	}
}
