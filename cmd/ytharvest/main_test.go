package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/internal/dbcheck"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// hostMap sends requests for the fake hosts to their test servers and
// refuses every other host, so no test can reach the internet.
type hostMap map[string]*url.URL

func (m hostMap) RoundTrip(req *http.Request) (*http.Response, error) {
	target, ok := m[req.URL.Host]
	if !ok {
		return nil, fmt.Errorf("test transport: refusing unexpected host %q", req.URL.Host)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host = target.Scheme, target.Host
	resp, err := http.DefaultTransport.RoundTrip(r)
	if resp != nil {
		resp.Request = req // the client sees the URL it asked for
	}
	return resp, err
}

// env is a fake world: a news site at http://news.example and a fake
// YouTube on loopback, reachable only through the app's transport.
type env struct {
	t       *testing.T
	site    *testserver.Site
	youtube *testserver.YouTube
	ytURL   string
	app     *app
	stdout  *bytes.Buffer
	stderr  *bytes.Buffer
	dbPath  string
	secret  string // when set, no command may print it (a database password)
}

// quietServer starts a test server (with TLS when tls) until the test
// ends, its own error log discarded. The app under test makes its logger
// the default one, which net/http's servers log to: their expected errors
// (a refused TLS handshake, a connection cut) would be written to the
// app's stderr buffer from another goroutine while the app writes to it.
func quietServer(t *testing.T, h http.Handler, tls bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

func newEnv(t *testing.T, site http.Handler) *env {
	t.Helper()
	s := testserver.NewSite(filepath.Join("..", "..", "testdata", "site"))
	if site == nil {
		site = s
	}
	siteSrv := quietServer(t, site, false)
	yt := testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube"))
	ytSrv := quietServer(t, yt, false)
	su, _ := url.Parse(siteSrv.URL)
	yu, _ := url.Parse(ytSrv.URL)
	e := &env{
		t: t, site: s, youtube: yt, ytURL: ytSrv.URL,
		stdout: new(bytes.Buffer), stderr: new(bytes.Buffer),
		dbPath: filepath.Join(t.TempDir(), "h.db"),
	}
	e.app = &app{
		stdout: e.stdout, stderr: e.stderr,
		getenv:    func(string) string { return "" },
		transport: hostMap{"news.example": su, yu.Host: yu},
	}
	return e
}

// runDeadline bounds one in-process command of a test: 30 s, three times
// that under the race detector, which slows a crawl of hundreds of videos
// past it on a loaded machine.
func runDeadline() time.Duration {
	if raceEnabled {
		return 90 * time.Second
	}
	return 30 * time.Second
}

// run runs ytharvest with args (and --db, for the commands that take it)
// and returns its exit code.
func (e *env) run(args ...string) int {
	e.t.Helper()
	e.stdout.Reset()
	e.stderr.Reset()
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline())
	defer cancel()
	if len(args) > 0 && slices.Contains([]string{"crawl", "stats", "sql", "video", "refresh", "search", "backup"}, args[0]) {
		args = append(args[:1:1], append([]string{"--db", e.dbPath}, args[1:]...)...)
	}
	code := e.app.main(ctx, args)
	e.t.Logf("ytharvest %s -> exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, e.stdout, e.stderr)
	if e.secret != "" && strings.Contains(e.stdout.String()+e.stderr.String(), e.secret) {
		e.t.Errorf("ytharvest %s printed the database password", args[0])
	}
	return code
}

// crawl crawls the fake site with politeness off; the seed is the front
// page unless extra names seeds of its own.
func (e *env) crawl(extra ...string) int {
	e.t.Helper()
	args := append([]string{"crawl", "--youtube-url", e.ytURL, "--youtube-rate", "0",
		"--youtube-concurrency", "4", "--concurrency", "4", "--host-concurrency", "4", "--delay", "0s"}, extra...)
	if !slices.ContainsFunc(extra, func(a string) bool { return strings.HasPrefix(a, "http://") }) {
		args = append(args, "http://news.example/")
	}
	return e.run(args...)
}

// query runs the query q with args on the database and returns its rows,
// the columns of each joined by " | " (NULL as "NULL").
func (e *env) query(q string, args ...any) []string {
	e.t.Helper()
	d := dbcheck.Open(e.t, e.dbPath)
	defer d.Close()
	rows, err := d.Query(q, args...)
	if err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			e.t.Fatal(err)
		}
		var cells []string
		for _, v := range vals {
			if v.Valid {
				cells = append(cells, v.String)
			} else {
				cells = append(cells, "NULL")
			}
		}
		out = append(out, strings.Join(cells, " | "))
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) count(table string) int {
	var n int
	fmt.Sscan(e.query("SELECT count(*) FROM " + table)[0], &n)
	return n
}

func diffRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("%s differ:\n got:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
}

func TestCrawlEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl exit %d, want 0", code)
	}

	diffRows(t, "pages", e.query(`SELECT url, depth, state, coalesce(http_status, 0), coalesce(title, '') FROM pages ORDER BY url`), []string{
		"http://news.example/ | 0 | fetched | 200 | The Example Herald — front page",
		"http://news.example/about | 1 | fetched | 200 | About us | The Example Herald",
		"http://news.example/articles/archive-footage | 1 | fetched | 200 | Archive footage resurfaces | The Example Herald",
		"http://news.example/articles/budget | 1 | fetched | 200 | The budget in five minutes | The Example Herald",
		"http://news.example/articles/corrections | 1 | fetched | 200 | Corrections and clarifications | The Example Herald",
		"http://news.example/articles/election-live | 1 | fetched | 200 | Election night, live | The Example Herald",
		"http://news.example/articles/festival | 1 | fetched | 200 | Festival review: loud, late and worth it | The Example Herald",
		"http://news.example/articles/flood-barrier | 1 | fetched | 200 | How the new flood barrier works | The Example Herald",
		"http://news.example/articles/leaked-memo | 1 | fetched | 200 | The leaked memo, explained | The Example Herald",
		"http://news.example/articles/members | 1 | fetched | 200 | Behind the paywall: the members-only briefing | The Example Herald",
		"http://news.example/articles/old-interview | 1 | fetched | 200 | From the archive: the 2019 interview | The Example Herald",
		"http://news.example/articles/state-visit | 1 | fetched | 200 | State visit: pomp, protest and a pasted link | The Example Herald",
		"http://news.example/articles/summit | 1 | fetched | 200 | Summit press conference: what to expect | The Example Herald",
		"http://news.example/articles/withdrawn | 1 | failed | 404 | ",
		"http://news.example/files/annual-report.pdf | 1 | fetched | 200 | ",
	})

	diffRows(t, "links", e.query(`
		SELECT replace(p.url, 'http://news.example', ''), l.ref_type, l.ref_id, l.kind, l.in_body, coalesce(l.start_seconds, 0)
		FROM links l JOIN pages p ON p.id = l.page_id ORDER BY p.url, l.ref_type, l.ref_id, l.kind`), []string{
		"/ | channel | @examplenews | anchor | 0 | 0",
		"/ | channel | UCexampleNewsChannel0001 | anchor | 0 | 0",
		"/ | video | H7xQm2Lp9sA | anchor | 0 | 0",
		"/articles/archive-footage | video | Xc1Vb4Nm8Qa | text | 1 | 65",
		"/articles/budget | video | Zp4-eYc1UoM | iframe | 1 | 30",
		"/articles/election-live | video | qW9xL2mN5bE | anchor | 1 | 0",
		"/articles/festival | video | uY8iO4pE6rT | lazy_iframe | 1 | 0",
		"/articles/flood-barrier | video | k3Rt_vB8nQw | iframe | 1 | 0",
		"/articles/leaked-memo | video | T1gH6jKd0sF | iframe | 1 | 0",
		"/articles/members | video | Lk5Jh2Gf9Ds | anchor | 1 | 0",
		"/articles/old-interview | video | mB3nV7cX2zA | anchor | 1 | 0",
		"/articles/state-visit | video | H7xQm2Lp9sA | text | 1 | 0",
		"/articles/summit | video | Ne0Wq3Rt7Yu | anchor | 1 | 0",
	})

	diffRows(t, "videos", e.query(`
		SELECT id, status, coalesce(title, ''), coalesce(channel_id, ''), coalesce(channel_title, ''),
		       coalesce(duration_seconds, -1), is_live
		FROM videos ORDER BY id`), []string{
		"H7xQm2Lp9sA | ok | State visit: the arrival ceremony in full | UCexampleNewsChannel0001 | Example News | 312 | 0",
		"Lk5Jh2Gf9Ds | unplayable | Members only: behind the scenes in the newsroom | UCexampleNewsChannel0001 | Example News | 845 | 0",
		"Ne0Wq3Rt7Yu | live_upcoming | Coming up: the summit press conference | UCexampleNewsChannel0001 | Example News | -1 | 0",
		"T1gH6jKd0sF | private |  |  |  | -1 | 0",
		"Xc1Vb4Nm8Qa | removed |  |  |  | -1 | 0",
		"Zp4-eYc1UoM | ok | The budget in five minutes | UCexampleNewsChannel0001 | Example News | 300 | 0",
		"k3Rt_vB8nQw | ok | How the new flood barrier works | UCcityDeskChannel0000002 | City Desk | 95 | 0",
		"mB3nV7cX2zA | removed |  |  |  | -1 | 0",
		"qW9xL2mN5bE | ok | LIVE: election night coverage | UCexampleNewsChannel0001 | Example News | 0 | 1",
		"uY8iO4pE6rT | age_restricted | Uncut footage from the front line | UCexampleNewsChannel0001 | Example News | 1204 | 0",
	})
	diffRows(t, "status reasons", e.query(`SELECT id, status_reason FROM videos WHERE status NOT IN ('ok') ORDER BY id`), []string{
		"Lk5Jh2Gf9Ds | Join this channel to get access to members-only content like this video, and other exclusive perks.",
		"Ne0Wq3Rt7Yu | This live event will begin in 3 days.",
		"T1gH6jKd0sF | This video is private.",
		"Xc1Vb4Nm8Qa | Video unavailable",
		"mB3nV7cX2zA | This video has been removed by the uploader",
		"uY8iO4pE6rT | This video may be inappropriate for some users.",
	})
	diffRows(t, "runs", e.query(`SELECT id, status, pages_fetched, pages_failed, new_videos, videos_fetched, videos_failed, transcripts FROM runs`),
		[]string{"1 | ok | 14 | 1 | 10 | 10 | 0 | 2"})
	diffRows(t, "transcripts", e.query(`
		SELECT t.video_id, t.language, t.is_generated, t.source, count(s.id), substr(t.text, 1, 40)
		FROM transcripts t JOIN transcript_segments s ON s.transcript_id = t.id
		GROUP BY t.id ORDER BY t.video_id`), []string{
		"H7xQm2Lp9sA | en | 0 | timedtext:json3 | 5 | Good morning from the palace forecourt, ",
		"Zp4-eYc1UoM | en | 1 | timedtext:json3 | 3 | here's the budget in five minutes spendi",
	})
	diffRows(t, "transcript statuses", e.query(`SELECT id, coalesce(transcript_status, '-') FROM videos WHERE status = 'ok' ORDER BY id`), []string{
		"H7xQm2Lp9sA | ok",
		"Zp4-eYc1UoM | ok",
		"k3Rt_vB8nQw | none",
		"qW9xL2mN5bE | none",
	})

	// A second run fetches the seed again (new stories appear there), no
	// other page, adds no row, and asks YouTube nothing: every video
	// already has a fresh, definitive answer.
	before := map[string]int{}
	tables := []string{"pages", "links", "videos", "video_views", "transcripts"}
	for _, tb := range tables {
		before[tb] = e.count(tb)
	}
	e.site.Reset()
	e.youtube.Reset()
	if code := e.crawl(); code != exitOK {
		t.Fatalf("second crawl exit %d, want 0", code)
	}
	for _, tb := range tables {
		if n := e.count(tb); n != before[tb] {
			t.Errorf("second run: %s has %d rows, had %d", tb, n, before[tb])
		}
	}
	if got := e.site.Requests(); !slices.Equal(got, []string{"/"}) {
		t.Errorf("second run fetched %v, want only the seed", got)
	}
	if got := e.youtube.Requests(); len(got) != 0 {
		t.Errorf("second run sent %d YouTube requests, want 0: %+v", len(got), got)
	}
	diffRows(t, "runs after the second", e.query(`SELECT id, status, pages_fetched, new_videos, videos_fetched FROM runs ORDER BY id`),
		[]string{"1 | ok | 14 | 10 | 10", "2 | ok | 1 | 0 | 0"})

	// stats reads what is there.
	if code := e.run("stats"); code != exitOK {
		t.Fatalf("stats exit %d", code)
	}
	for _, want := range []string{"videos     10 (ok 4, removed 2,", "lazy_iframe 1", "Example News (6 videos)"} {
		if !strings.Contains(e.stdout.String(), want) {
			t.Errorf("stats output lacks %q", want)
		}
	}
}

// A page linking a video YouTube refuses to tell us about (the bot check)
// trips the circuit breaker: the run exits "partial", the blocked video is
// recorded as blocked, videos after it stay pending, and a later run
// carries on with them.
func TestCrawlBlocked(t *testing.T) {
	page := `<html><body><article>
	  <iframe src="https://www.youtube.com/embed/Bk9Zx7Cv5Np"></iframe>
	  <a href="https://youtu.be/H7xQm2Lp9sA">one</a> <a href="https://youtu.be/k3Rt_vB8nQw">two</a>
	  <a href="https://youtu.be/Zp4-eYc1UoM">three</a>
	</article></body></html>`
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(page))
	}))
	// One worker, so that nothing is fetched after the block.
	if code := e.run("crawl", "--youtube-url", e.ytURL, "--youtube-rate", "0", "--youtube-concurrency", "1", "--delay", "0s", "http://news.example/"); code != exitPartial {
		t.Fatalf("crawl exit %d, want %d (partial)", code, exitPartial)
	}
	if !strings.Contains(e.stderr.String(), "YouTube blocked us") {
		t.Errorf("stderr does not say YouTube blocked us:\n%s", e.stderr)
	}
	diffRows(t, "videos", e.query(`SELECT id, status FROM videos ORDER BY id`), []string{
		"Bk9Zx7Cv5Np | blocked",
		"H7xQm2Lp9sA | pending",
		"Zp4-eYc1UoM | pending",
		"k3Rt_vB8nQw | pending",
	})
	diffRows(t, "run", e.query(`SELECT status, videos_failed FROM runs`), []string{"blocked | 1"})

	// The block is lifted: the next run, once the egress's bench is over,
	// fetches everything left.
	e.coolDown()
	e.youtube.Set("Bk9Zx7Cv5Np", testserver.FakeAnswer{Player: &testserver.FakeResponse{Status: 200, Body: []byte(`{"playabilityStatus":{"status":"ERROR","reason":"Video unavailable"}}`)}})
	if code := e.run("crawl", "--youtube-url", e.ytURL, "--youtube-rate", "0", "--delay", "0s", "http://news.example/"); code != exitOK {
		t.Fatalf("second crawl exit %d, want 0", code)
	}
	diffRows(t, "videos after the block", e.query(`SELECT id, status FROM videos ORDER BY id`), []string{
		"Bk9Zx7Cv5Np | removed",
		"H7xQm2Lp9sA | ok",
		"Zp4-eYc1UoM | ok",
		"k3Rt_vB8nQw | ok",
	})
}

func TestUsageErrors(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"crawl"}, exitUsage, "no seeds"},
		{[]string{"crawl", "ftp://news.example/"}, exitUsage, `unsupported scheme "ftp"`},
		{[]string{"crawl", "news.example"}, exitUsage, "not an absolute URL"},
		{[]string{"crawl", "--depth", "-1", "http://news.example/"}, exitUsage, "--depth"},
		{[]string{"crawl", "--no-such-flag", "http://news.example/"}, exitUsage, "flag provided but not defined: -no-such-flag"},
		{[]string{"crawl", "--seeds-file", "/nonexistent/seeds.txt"}, exitUsage, "seeds file"},
		{[]string{"crawl", "--max-body", "lots", "http://news.example/"}, exitUsage, "invalid size"},
		{[]string{"crawl", "--deny", "(unclosed", "http://news.example/"}, exitUsage, "missing closing )"},
		{[]string{"crawl", "--same-domain", "--any-host", "http://news.example/"}, exitUsage, "exclude each other"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"stats"}, exitError, "no such database"},
		{[]string{"sql", "SELECT 1"}, exitError, "no such database"},
	}
	for _, tc := range tests {
		code := e.run(tc.args...)
		if code != tc.code || !strings.Contains(e.stderr.String(), tc.msg) {
			t.Errorf("ytharvest %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, e.stderr, tc.code, tc.msg)
		}
	}
}

func TestSeedsFileAndInterspersedFlags(t *testing.T) {
	e := newEnv(t, nil)
	seeds := filepath.Join(t.TempDir(), "seeds.txt")
	os.WriteFile(seeds, []byte("# our sites\n\nhttp://news.example/   # front page\n"), 0o644)
	// Flags after the positional arguments work too.
	if code := e.run("crawl", "--seeds-file", seeds, "--youtube-url", e.ytURL, "--youtube-rate", "0", "--depth", "0", "--delay", "0s"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	diffRows(t, "pages", e.query(`SELECT url, state FROM pages WHERE state <> 'queued'`), []string{"http://news.example/ | fetched"})

	// Seeds from standard input.
	e.app.stdin = strings.NewReader("http://news.example/articles/budget\n")
	if code := e.run("crawl", "--youtube-url", e.ytURL, "--youtube-rate", "0", "--depth", "0", "--delay", "0s", "-"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	diffRows(t, "seeds", e.query(`SELECT url FROM pages WHERE is_seed = 1 ORDER BY url`), []string{"http://news.example/", "http://news.example/articles/budget"})
}

func TestMaxPagesIsPartial(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl("--max-pages", "3"); code != exitPartial {
		t.Fatalf("exit %d, want %d", code, exitPartial)
	}
	if got := e.count("pages WHERE state IN ('fetched','failed')"); got != 3 {
		t.Errorf("%d pages fetched, want 3", got)
	}
	// The next runs carry on where the last stopped, until the frontier is done.
	for range 10 {
		if code := e.crawl("--max-pages", "5"); code == exitOK {
			break
		}
	}
	if got := e.count("pages WHERE state = 'queued'"); got != 0 {
		t.Errorf("%d pages still queued", got)
	}
}

func TestSQLCommand(t *testing.T) {
	e := newEnv(t, nil)
	e.crawl("--depth", "0")
	if code := e.run("sql", "SELECT count(*) AS n FROM pages WHERE is_seed = 1"); code != exitOK || !strings.Contains(e.stdout.String(), "n\n1\n") {
		t.Errorf("sql: exit %d, stdout %q", code, e.stdout)
	}
	if code := e.run("sql", "--json", "SELECT url FROM pages WHERE is_seed = 1"); code != exitOK || strings.TrimSpace(e.stdout.String()) != `{"url":"http://news.example/"}` {
		t.Errorf("sql --json: exit %d, stdout %q", code, e.stdout)
	}
	if code := e.run("sql", "DELETE FROM pages"); code == exitOK {
		t.Error("sql ran a DELETE on the read-only database")
	}
	if code := e.run("sql", "SELEC nonsense"); code != exitUsage {
		t.Errorf("sql with a syntax error: exit %d, want %d", code, exitUsage)
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds ytharvest once per test process.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ytharvest-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ytharvest")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// kkdai/youtube panics at start-up on an unknown LOGLEVEL; the binary must
// not (a cron environment may set one).
func TestBadLOGLEVEL(t *testing.T) {
	cmd := exec.Command(binary(t), "version")
	cmd.Env = append(os.Environ(), "LOGLEVEL=verbose")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ytharvest ") {
		t.Errorf("LOGLEVEL=verbose ytharvest version: %v\n%s", err, out)
	}
}

// sigSite serves a front page linking two pages that hang until the
// client gives up, and tells hit when each is asked for.
func sigSite(hit chan<- string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<a href="/slow1">1</a> <a href="/slow2">2</a>`))
			return
		case "/robots.txt":
			http.NotFound(w, r)
			return
		}
		hit <- r.URL.Path
		<-r.Context().Done() // hang until the client gives up
	}))
}

// sigCrawl starts a crawl of a sigSite and returns once both slow pages
// are being fetched.
func sigCrawl(t *testing.T, dbPath string, stderr *bytes.Buffer) (*exec.Cmd, <-chan error) {
	t.Helper()
	hit := make(chan string, 10)
	srv := sigSite(hit)
	t.Cleanup(srv.Close)
	cmd := exec.Command(binary(t), "crawl", "--db", dbPath, "--youtube-url", "http://127.0.0.1:1",
		"--host-concurrency", "2", "--delay", "0s", srv.URL+"/")
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for range 2 {
		select {
		case <-hit:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("the crawl never reached the slow pages; stderr:\n%s", stderr)
		}
	}
	return cmd, done
}

// SIGINT and SIGTERM stop a crawl cleanly: no new work, the pages cut
// short stay queued, the run is recorded interrupted, exit 130.
func TestSIGINT(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "s.db")
			var stderr bytes.Buffer
			cmd, done := sigCrawl(t, dbPath, &stderr)
			cmd.Process.Signal(sig)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("ytharvest did not exit after %v", sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
				t.Errorf("exit %d after %v, want %d; stderr:\n%s", code, sig, exitInterrupted, &stderr)
			}
			d := dbcheck.Open(t, dbPath)
			defer d.Close()
			var status string
			var queued int
			d.QueryRow(`SELECT status FROM runs`).Scan(&status)
			d.QueryRow(`SELECT count(*) FROM pages WHERE url LIKE '%/slow%' AND state = 'queued'`).Scan(&queued)
			if status != "interrupted" || queued != 2 {
				t.Errorf("after %v: run %q, %d slow pages queued; want interrupted and 2", sig, status, queued)
			}
		})
	}
}

// A second signal kills at once, while the first's clean stop waits (here
// on a write lock another process holds); nothing committed is lost, and
// the next run carries on.
func TestSecondSignal(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "s.db")
	var stderr bytes.Buffer
	cmd, done := sigCrawl(t, dbPath, &stderr)
	holder, err := sql.Open("sqlite", "file:"+dbPath+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	tx, err := holder.Begin() // BEGIN IMMEDIATE: the crawl's clean stop must wait for it
	if err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
		t.Fatalf("the first signal's stop did not wait for the lock: %v\n%s", cmd.ProcessState, &stderr)
	case <-time.After(500 * time.Millisecond):
	}
	start := time.Now()
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the second signal did not kill ytharvest")
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("after a second SIGINT: %v, want killed by the signal", cmd.ProcessState)
	}
	t.Logf("killed %v after the second signal", time.Since(start).Round(time.Millisecond))
	tx.Rollback()
	holder.Close()
	dbcheck.Check(t, dbPath)
	e := &env{t: t, dbPath: dbPath}
	if got := e.query(`SELECT count(*) FROM pages WHERE url LIKE '%/slow%' AND state = 'queued'`); !slices.Equal(got, []string{"2"}) {
		t.Errorf("slow pages queued after the kill: %v, want 2", got)
	}
}

// Every example query in docs/schema.md runs against a harvested database,
// and every table and column is documented there.
func TestSchemaDoc(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "schema.md"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl exit %d", code)
	}
	d := dbcheck.Open(t, e.dbPath)
	defer d.Close()

	blocks := strings.Split(string(doc), "```sql\n")[1:]
	if len(blocks) < 10 {
		t.Fatalf("docs/schema.md has %d cookbook queries, want at least 10", len(blocks))
	}
	for _, b := range blocks {
		q, _, _ := strings.Cut(b, "```")
		rows, err := d.Query(q)
		if err != nil {
			t.Errorf("example query fails: %v\n%s", err, q)
			continue
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n == 0 {
			t.Errorf("example query returns no rows on the demo site:\n%s", q)
		}
	}

	rows, err := d.Query(`SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
		WHERE m.type IN ('table', 'view') ORDER BY m.name, p.cid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, col string
		rows.Scan(&table, &col)
		if strings.Contains(table, "_fts") {
			// The full-text indexes and their shadow tables: documented as a section.
			if !strings.Contains(string(doc), "`"+strings.SplitN(table, "_fts", 2)[0]+"_fts`") {
				t.Errorf("docs/schema.md does not document the full-text index %s", table)
			}
			continue
		}
		if !strings.Contains(string(doc), "## "+table) && !strings.Contains(string(doc), ", "+table) {
			t.Errorf("docs/schema.md does not document table %s", table)
		}
		if !strings.Contains(string(doc), "`"+col+"`") {
			t.Errorf("docs/schema.md does not document column %s.%s", table, col)
		}
	}
}

func TestExtractCommand(t *testing.T) {
	e := newEnv(t, nil)
	// A URL is fetched; --json prints one object.
	if code := e.run("extract", "--json", "http://news.example/articles/budget"); code != exitOK {
		t.Fatalf("extract URL: exit %d", code)
	}
	var out struct {
		URL        string `json:"url"`
		References []struct {
			Type         string `json:"type"`
			ID           string `json:"id"`
			Kind         string `json:"kind"`
			StartSeconds int    `json:"start_seconds"`
			PlaylistID   string `json:"playlist_id"`
			Context      string `json:"context"`
			InBody       bool   `json:"in_body"`
		} `json:"references"`
	}
	if err := json.Unmarshal(e.stdout.Bytes(), &out); err != nil {
		t.Fatalf("extract --json output is not JSON: %v", err)
	}
	if out.URL != "http://news.example/articles/budget" || len(out.References) != 1 {
		t.Fatalf("extract --json = %+v", out)
	}
	if r := out.References[0]; r.Type != "video" || r.ID != "Zp4-eYc1UoM" || r.Kind != "iframe" || r.StartSeconds != 30 || !r.InBody {
		t.Errorf("reference = %+v", r)
	}
	// The stdout JSON keys are the documented ones, even when empty.
	for _, key := range []string{`"type"`, `"id"`, `"kind"`, `"start_seconds"`, `"playlist_id"`, `"context"`, `"in_body"`} {
		if !strings.Contains(e.stdout.String(), key) {
			t.Errorf("extract --json lacks key %s", key)
		}
	}

	// A file with --base: relative links resolve against it.
	dir := t.TempDir()
	page := filepath.Join(dir, "p.html")
	os.WriteFile(page, []byte(`<html><body><article><p>Watch <a href="/watch?v=H7xQm2Lp9sA&amp;t=1m5s">this</a></p></article></body></html>`), 0o644)
	if code := e.run("extract", "--base", "https://www.youtube.com/", page); code != exitOK {
		t.Fatalf("extract FILE: exit %d", code)
	}
	if !strings.Contains(e.stdout.String(), "H7xQm2Lp9sA") || !strings.Contains(e.stdout.String(), "65s") {
		t.Errorf("extract FILE output:\n%s", e.stdout)
	}
	// Without --base the relative link cannot be resolved.
	e.run("extract", page)
	if strings.Contains(e.stdout.String(), "H7xQm2Lp9sA") {
		t.Errorf("a relative link was resolved without --base:\n%s", e.stdout)
	}

	// Standard input, in another charset declared by <meta>.
	e.app.stdin = strings.NewReader("<meta charset=\"iso-8859-1\"><p>Caf\xe9: https://youtu.be/k3Rt_vB8nQw</p>")
	if code := e.run("extract", "--json", "-"); code != exitOK || !strings.Contains(e.stdout.String(), `"context": "Café: https://youtu.be/k3Rt_vB8nQw"`) {
		t.Errorf("extract -: exit %d\n%s", code, e.stdout)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"extract", "http://news.example/files/annual-report.pdf"}, exitError, "not an HTML page"},
		{[]string{"extract", "http://news.example/articles/withdrawn"}, exitError, "HTTP 404"},
		{[]string{"extract", filepath.Join(dir, "missing.html")}, exitUsage, "no such file"},
		{[]string{"extract"}, exitUsage, "one URL, FILE or -"},
		{[]string{"extract", "--base", "relative/", page}, exitUsage, "absolute URL"},
	} {
		if code := e.run(tc.args...); code != tc.code || !strings.Contains(e.stderr.String(), tc.msg) {
			t.Errorf("ytharvest %v: exit %d, stderr %q; want %d and %q", tc.args, code, e.stderr, tc.code, tc.msg)
		}
	}
}

func TestSecondRunIsLockedOut(t *testing.T) {
	e := newEnv(t, nil)
	l, err := db.Acquire(context.Background(), e.dbPath, false)
	if err != nil {
		t.Fatal(err)
	}
	if code := e.crawl(); code != exitLocked || !strings.Contains(e.stderr.String(), "another run holds the database") {
		t.Errorf("crawl while locked: exit %d, stderr %q; want %d", code, e.stderr, exitLocked)
	}
	// stats and sql still read.
	l.Release()
	if code := e.crawl("--depth", "0"); code != exitOK {
		t.Fatalf("crawl after release: exit %d", code)
	}
	l, _ = db.Acquire(context.Background(), e.dbPath, false)
	defer l.Release()
	if code := e.run("stats"); code != exitOK {
		t.Errorf("stats while a run holds the lock: exit %d", code)
	}
}

func TestScopeFlags(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl("--deny", `/articles/(festival|budget)`, "--allow", `/articles/`, "--allow", `/about`); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	got := e.query(`SELECT replace(url, 'http://news.example', '') FROM pages WHERE url LIKE '%festival%' OR url LIKE '%budget%' OR url LIKE '%.pdf' OR url LIKE '%/about'`)
	diffRows(t, "pages in scope", got, []string{"/about"})
}

// Sitemaps (an index, a news sitemap) and feeds are recognised by their
// content and yield the pages they list; they are fetched again on every
// run, like seeds.
func TestSitemapAndFeedSeeds(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl("--since", "2026-01-01", "http://news.example/sitemap-index.xml", "http://news.example/feed.xml", "http://news.example/atom.xml"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	diffRows(t, "pages", e.query(`SELECT replace(url, 'http://news.example', ''), depth, coalesce(kind, ''), state FROM pages ORDER BY url`), []string{
		"/articles/archive-footage | 1 | html | fetched",
		"/articles/festival | 1 | html | fetched",
		"/articles/flood-barrier | 1 | html | fetched",
		"/articles/leaked-memo | 1 | html | fetched",
		"/articles/members | 1 | html | fetched",
		"/articles/summit | 1 | html | fetched",
		"/atom.xml | 0 | feed | fetched",
		"/feed.xml | 0 | feed | fetched",
		"/sitemap-index.xml | 0 | sitemapindex | fetched",
		"/sitemap-more.xml.gz | 0 | sitemap | fetched",
		"/sitemap-news.xml | 0 | sitemap | fetched",
		// A feed's entry on another host is the user's list too: fetched
		// (here the test transport refuses the host).
		"https://other.example/story | 1 |  | failed",
	})
	// The 2019 interview is older than --since.
	e.site.Reset()
	if code := e.crawl("--since", "2026-01-01", "http://news.example/sitemap-index.xml"); code != exitOK {
		t.Fatalf("second run exit %d", code)
	}
	got := e.site.Requests()
	slices.Sort(got)
	if want := []string{"/atom.xml", "/feed.xml", "/sitemap-index.xml", "/sitemap-more.xml.gz", "/sitemap-news.xml"}; !slices.Equal(got, want) {
		t.Errorf("second run fetched %v, want the seeds, sitemaps and feeds again: %v", got, want)
	}
}

// The entries of a seed's feed or sitemap are fetched whatever their host
// (a feed on feeds.example listing news.example and other.example); links
// found on those pages follow the usual scope, and the run counts, in its
// log line and its row, the links it left out. A link to another host
// found on an ordinary page stays out.
func TestListedEntriesOnOtherHosts(t *testing.T) {
	e := newEnv(t, nil)
	hosts := e.app.transport.(hostMap)
	serve := func(name string, h http.HandlerFunc) {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		hosts[name], _ = url.Parse(srv.URL)
	}
	serve("feeds.example", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Herald via a feed host</title>
<item><title>Budget</title><link>http://news.example/articles/budget</link></item>
<item><title>Elsewhere</title><link>http://other.example/story</link></item>
<item><title>Denied</title><link>http://other.example/private/x</link></item>
</channel></rss>`)
	})
	serve("other.example", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/story" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head><title>A story elsewhere</title></head><body><article>
<p>The arrival, as filmed: <a href="https://youtu.be/H7xQm2Lp9sA">watch</a>.</p>
<p><a href="/more">More from us</a> and <a href="http://news.example/articles/summit">the summit</a>.</p>
</article></body></html>`)
	})
	if code := e.crawl("--depth", "2", "--deny", "/private/", "http://feeds.example/rss.xml"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	diffRows(t, "pages", e.query(`SELECT url, depth, listed, state FROM pages ORDER BY url`), []string{
		"http://feeds.example/rss.xml | 0 | 0 | fetched",
		"http://news.example/articles/budget | 1 | 1 | fetched",
		"http://other.example/story | 1 | 1 | fetched",
	})
	diffRows(t, "links of the story", e.query(`SELECT l.ref_id, l.kind FROM links l JOIN pages p ON p.id = l.page_id WHERE p.url = 'http://other.example/story'`),
		[]string{"H7xQm2Lp9sA | anchor"})
	// Left out: the denied entry; the budget page's links (all on
	// news.example, outside feeds.example's scope); the story's two.
	got := e.query(`SELECT links_out_of_scope, seeds_failed FROM runs`)
	if len(got) != 1 || got[0] == "0 | 0" || !strings.HasSuffix(got[0], " | 0") {
		t.Errorf("runs: %v; want links left out counted, no seed failed", got)
	}
	var n int
	fmt.Sscan(got[0], &n)
	if n < 3 {
		t.Errorf("links_out_of_scope = %d, want at least the denied entry and the story's two links", n)
	}
	if !strings.Contains(e.stderr.String(), fmt.Sprintf("links_out_of_scope=%d", n)) {
		t.Errorf("the run's log line does not count the links left out:\n%s", e.stderr)
	}
}

// robotsSite is the fake site with a robots.txt of our choosing.
func robotsSite(robots string, status int) http.Handler {
	site := testserver.NewSite(filepath.Join("..", "..", "testdata", "site"))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.WriteHeader(status)
			w.Write([]byte(robots))
			return
		}
		site.ServeHTTP(w, r)
	})
}

func TestRobots(t *testing.T) {
	robots := "User-agent: *\nDisallow: /articles/budget\nDisallow: /about\nCrawl-delay: 0.05\nSitemap: /sitemap-news.xml\n\nUser-agent: otherbot\nDisallow: /\n"
	e := newEnv(t, robotsSite(robots, 200))
	if code := e.crawl("--sitemaps-from-robots"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	diffRows(t, "skipped pages", e.query(`SELECT url, error FROM pages WHERE state = 'skipped' ORDER BY url`), []string{
		"http://news.example/about | disallowed by robots.txt",
		"http://news.example/articles/budget | disallowed by robots.txt",
	})
	diffRows(t, "run", e.query(`SELECT pages_skipped, seeds FROM runs`), []string{"2 | 2"})
	diffRows(t, "hosts", e.query(`SELECT host, robots_status, crawl_delay_ms FROM hosts`), []string{"news.example | 200 | 50"})
	if got := e.query(`SELECT is_seed FROM pages WHERE url = 'http://news.example/sitemap-news.xml'`); !slices.Equal(got, []string{"1"}) {
		t.Errorf("the robots.txt sitemap is not a seed: %v", got)
	}

	// --ignore-robots fetches them.
	e2 := newEnv(t, robotsSite(robots, 200))
	if code := e2.crawl("--ignore-robots"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if n := e2.count("pages WHERE state = 'skipped'"); n != 0 {
		t.Errorf("%d pages skipped with --ignore-robots", n)
	}
}

// A robots.txt that answers 503 postpones the host: nothing is fetched,
// nothing is lost, the run is partial, and a later run carries on.
func TestRobotsUnreachable(t *testing.T) {
	status := 503
	site := testserver.NewSite(filepath.Join("..", "..", "testdata", "site"))
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.WriteHeader(status)
			return
		}
		site.ServeHTTP(w, r)
	}))
	if code := e.crawl(); code != exitPartial {
		t.Fatalf("exit %d, want %d", code, exitPartial)
	}
	diffRows(t, "pages", e.query(`SELECT url, state FROM pages`), []string{"http://news.example/ | queued"})
	if !strings.Contains(e.stderr.String(), "robots.txt unreachable") {
		t.Errorf("no warning about robots.txt:\n%s", e.stderr)
	}
	status = 404
	if code := e.crawl(); code != exitOK {
		t.Fatalf("exit %d once robots.txt answers", code)
	}
	if n := e.count("pages WHERE state = 'fetched'"); n < 10 {
		t.Errorf("only %d pages fetched once the host answered", n)
	}
}

// Links (and redirects) to private addresses are refused unless the host
// is a seed's or --allow-private is given. The real transport and guard
// are used, with fake DNS.
func TestPrivateAddresses(t *testing.T) {
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<p>internal admin page</p>`))
	}))
	defer secret.Close()
	secretPort := strings.TrimPrefix(secret.URL, "http://127.0.0.1:")
	evil := "http://evil.example:" + secretPort
	news := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<a href="%s/admin">admin</a> <a href="/go">go</a> <a href="http://[::1]:%s/v6">v6</a> <a href="http://0x7f.1:%s/hex">hex</a>`, evil, secretPort, secretPort)
		case "/go":
			http.Redirect(w, r, evil+"/redirected", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer news.Close()
	newsURL := "http://news.example:" + strings.TrimPrefix(news.URL, "http://127.0.0.1:") + "/"
	yt := httptest.NewServer(testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube")))
	defer yt.Close()

	run := func(extra ...string) *env {
		e := &env{t: t, stdout: new(bytes.Buffer), stderr: new(bytes.Buffer), dbPath: filepath.Join(t.TempDir(), "p.db")}
		e.app = &app{stdout: e.stdout, stderr: e.stderr, getenv: func(string) string { return "" },
			lookup: func(ctx context.Context, network, host string) ([]netip.Addr, error) {
				switch host {
				case "news.example", "evil.example":
					return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
				}
				return nil, fmt.Errorf("fake DNS: no such host %q", host)
			}}
		args := append([]string{"crawl", "--any-host", "--delay", "0s", "--youtube-url", yt.URL}, extra...)
		if code := e.run(append(args, newsURL)...); code != exitOK {
			t.Fatalf("exit %d", code)
		}
		return e
	}
	e := run()
	for _, row := range e.query(`SELECT url, state, coalesce(error, '') FROM pages WHERE url <> '` + newsURL + `' ORDER BY url`) {
		if !strings.Contains(row, "failed") || !(strings.Contains(row, "private address") || strings.Contains(row, "no such host")) {
			t.Errorf("not refused: %s", row)
		}
	}
	if n := e.count("pages WHERE error LIKE '%private address%'"); n < 3 {
		t.Errorf("%d pages refused as private, want at least 3 (link, redirect, IPv6)", n)
	}

	e = run("--allow-private")
	diffRows(t, "with --allow-private", e.query(`SELECT replace(url, '`+evil+`', 'EVIL'), state FROM pages WHERE url LIKE '%evil.example%' ORDER BY url`), []string{
		"EVIL/admin | fetched",
	})
	diffRows(t, "redirect with --allow-private", e.query(`SELECT replace(final_url, '`+evil+`', 'EVIL'), state FROM pages WHERE url LIKE '%/go'`), []string{
		"EVIL/redirected | fetched",
	})
}

func TestVideoAndRefreshCommands(t *testing.T) {
	e := newEnv(t, nil)
	yt := []string{"--youtube-url", e.ytURL, "--youtube-rate", "0"}
	if code := e.run(append([]string{"video", "H7xQm2Lp9sA", "nonsense"}, yt...)...); code != exitUsage || !strings.Contains(e.stderr.String(), "neither a video ID") {
		t.Errorf("video with a bad ID: exit %d, %s", code, e.stderr)
	}
	if code := e.run(append([]string{"video", "H7xQm2Lp9sA", "https://youtu.be/T1gH6jKd0sF?t=3", "www.youtube.com/watch?v=Zp4-eYc1UoM"}, yt...)...); code != exitOK {
		t.Fatalf("video: exit %d", code)
	}
	out := e.stdout.String()
	for _, want := range []string{
		"H7xQm2Lp9sA  ok              State visit: the arrival ceremony in full  [transcript: ok]",
		"T1gH6jKd0sF  private         (This video is private.)",
		"Zp4-eYc1UoM  ok              The budget in five minutes  [transcript: ok]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("video output lacks %q:\n%s", want, out)
		}
	}
	diffRows(t, "runs", e.query(`SELECT command, status, videos_fetched, transcripts FROM runs`), []string{"video | ok | 3 | 2"})

	// refresh fetches nothing while everything is fresh, everything when told it is stale.
	e.youtube.Reset()
	if code := e.run(append([]string{"refresh"}, yt...)...); code != exitOK || len(e.youtube.Requests()) != 0 {
		t.Errorf("refresh of fresh videos: exit %d, %d YouTube requests", code, len(e.youtube.Requests()))
	}
	if code := e.run(append([]string{"refresh", "--refresh-after", "0s"}, yt...)...); code != exitOK {
		t.Fatalf("refresh: exit %d", code)
	}
	diffRows(t, "refresh run", e.query(`SELECT command, status, videos_fetched FROM runs ORDER BY id DESC LIMIT 1`), []string{"refresh | ok | 3"})
	if n := e.count("video_views WHERE video_id = 'H7xQm2Lp9sA'"); n != 2 {
		t.Errorf("%d view snapshots after a refresh, want 2", n)
	}
}

// --transcript-fallback end to end: a video that offers no caption track
// gets its transcript from get_transcript, stored and searchable; without
// the flag it has none.
func TestVideoTranscriptFallback(t *testing.T) {
	e := newEnv(t, nil)
	yt := []string{"--youtube-url", e.ytURL, "--youtube-rate", "0"}
	if code := e.run(append([]string{"video", "k3Rt_vB8nQw"}, yt...)...); code != exitOK {
		t.Fatalf("video: exit %d", code)
	}
	diffRows(t, "without the fallback", e.query(`SELECT transcript_status FROM videos WHERE id = 'k3Rt_vB8nQw'`), []string{"none"})
	if code := e.run(append([]string{"video", "--transcript-fallback", "k3Rt_vB8nQw"}, yt...)...); code != exitOK {
		t.Fatalf("video --transcript-fallback: exit %d", code)
	}
	if !strings.Contains(e.stdout.String(), "[transcript: ok]") {
		t.Errorf("output: %s", e.stdout)
	}
	diffRows(t, "transcript", e.query(`SELECT v.transcript_status, t.language, t.is_generated, t.source, count(s.id)
		FROM videos v JOIN transcripts t ON t.video_id = v.id JOIN transcript_segments s ON s.transcript_id = t.id
		WHERE v.id = 'k3Rt_vB8nQw' GROUP BY t.id`), []string{"ok | en | 1 | get_transcript | 3"})
	if code := e.run("search", "sensors upstream"); code != exitOK || !strings.Contains(e.stdout.String(), "k3Rt_vB8nQw") {
		t.Errorf("search: exit %d\n%s", code, e.stdout)
	}
}

// The fake starts answering 429 after a few requests: the run stops
// asking YouTube, no video is recorded as gone because of it, the exit is
// partial, and a later run against a healthy YouTube completes the rest.
func TestBreakerOn429(t *testing.T) {
	e := newEnv(t, nil)
	var mu sync.Mutex
	served, limit := 0, 8
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served++
		over := served > limit
		mu.Unlock()
		if over {
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			return
		}
		e.youtube.ServeHTTP(w, r)
	}))
	defer flaky.Close()
	fu, _ := url.Parse(flaky.URL)
	e.app.transport.(hostMap)[fu.Host] = fu
	args := []string{"crawl", "--youtube-url", flaky.URL, "--youtube-rate", "0", "--youtube-concurrency", "1",
		"--delay", "0s", "--host-concurrency", "4", "http://news.example/"}
	if code := e.run(args...); code != exitPartial || !strings.Contains(e.stderr.String(), "YouTube blocked us") {
		t.Fatalf("exit %d, want %d and a message", code, exitPartial)
	}
	mu.Lock()
	before := served
	mu.Unlock()
	// The request that met the 429, and one to oEmbed (which met it too
	// and tripped its own breaker).
	if before > limit+2 {
		t.Errorf("%d requests reached YouTube, want at most %d: the breaker did not stop them", before, limit+2)
	}
	statuses := e.query(`SELECT status, count(*) FROM videos GROUP BY status ORDER BY status`)
	t.Logf("after the block: %v", statuses)
	// Only the synthetic answers decide removed and private: two removed, one private.
	if got := e.count("videos WHERE status IN ('removed', 'private', 'error')"); got > 3 {
		t.Errorf("%d videos recorded removed/private/error, more than the fake's answers say", got)
	}
	// The 429 met either a video's metadata or its captions.
	if got := e.count("videos WHERE status = 'blocked' OR transcript_status = 'blocked'"); got != 1 {
		t.Errorf("%d videos blocked (metadata or captions), want 1: the one that met the 429", got)
	}

	// YouTube is healthy again: the next run, once the bench is over,
	// completes every video.
	mu.Lock()
	limit = 1 << 30
	mu.Unlock()
	e.coolDown()
	if code := e.run(args...); code != exitOK {
		t.Fatalf("second run exit %d", code)
	}
	diffRows(t, "videos after recovery", e.query(`SELECT status, count(*) FROM videos GROUP BY status ORDER BY status`), []string{
		"age_restricted | 1", "live_upcoming | 1", "ok | 4", "private | 1", "removed | 2", "unplayable | 1",
	})
}

func TestExpandPlaylists(t *testing.T) {
	page := `<html><body><article><h1>The state visit, all of it</h1>
	  <iframe src="https://www.youtube.com/embed/videoseries?list=PLexampleNewsStateVisit01"></iframe>
	</article></body></html>`
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(page))
	}))
	if code := e.crawl("--expand-playlists", "--max-playlist-videos", "2"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	diffRows(t, "links", e.query(`SELECT ref_type, ref_id, kind, coalesce(playlist_id, ''), in_body FROM links ORDER BY ref_type, ref_id`), []string{
		"playlist | PLexampleNewsStateVisit01 | iframe | PLexampleNewsStateVisit01 | 1",
		"video | H7xQm2Lp9sA | playlist_member | PLexampleNewsStateVisit01 | 1",
		"video | Zp4-eYc1UoM | playlist_member | PLexampleNewsStateVisit01 | 1",
	})
	diffRows(t, "playlists", e.query(`SELECT id, status, title, video_count, truncated FROM playlists`), []string{
		"PLexampleNewsStateVisit01 | ok | State visit 2026 | 2 | 1",
	})
	diffRows(t, "videos", e.query(`SELECT id, status FROM videos ORDER BY id`), []string{"H7xQm2Lp9sA | ok", "Zp4-eYc1UoM | ok"})
}

// HTTPS_PROXY and HTTP_PROXY carry YouTube's traffic (the standard
// environment variables, read by the binary at start).
func TestProxyFromEnvironment(t *testing.T) {
	bin := binary(t)
	yt := testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube"))
	var mu sync.Mutex
	proxied := 0
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A proxy is asked for absolute URLs; this one serves them from the fake.
		if r.URL.Host != "youtube.test" {
			http.Error(w, "proxy: unexpected host "+r.URL.Host, http.StatusBadGateway)
			return
		}
		mu.Lock()
		proxied++
		mu.Unlock()
		yt.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	dbPath := filepath.Join(t.TempDir(), "p.db")
	cmd := exec.Command(bin, "video", "--db", dbPath, "--youtube-url", "http://youtube.test", "--youtube-rate", "0", "H7xQm2Lp9sA")
	cmd.Env = append(os.Environ(), "HTTP_PROXY="+proxy.URL, "HTTPS_PROXY="+proxy.URL, "NO_PROXY=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ytharvest video through a proxy: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if proxied < 3 || !strings.Contains(string(out), "H7xQm2Lp9sA  ok") {
		t.Errorf("%d requests through the proxy, output:\n%s", proxied, out)
	}
}

func TestSearchCommand(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl exit %d", code)
	}
	search := func(args ...string) []db.Hit {
		t.Helper()
		if code := e.run(append([]string{"search", "--json"}, args...)...); code != exitOK {
			t.Fatalf("search %v: exit %d: %s", args, code, e.stderr)
		}
		var hits []db.Hit
		if err := json.Unmarshal(e.stdout.Bytes(), &hits); err != nil {
			t.Fatalf("search --json output: %v", err)
		}
		return hits
	}
	// A phrase in a transcript: the deep link starts the video at the segment.
	hits := search(`"inspect the guard"`)
	if len(hits) != 1 || hits[0].VideoID != "H7xQm2Lp9sA" || hits[0].Field != "transcript" ||
		hits[0].Link != "https://www.youtube.com/watch?v=H7xQm2Lp9sA&t=11s" || hits[0].Pages != 2 ||
		!strings.Contains(hits[0].Snippet, "[inspect the guard]") || hits[0].Channel != "Example News" {
		t.Errorf("phrase hits = %+v", hits)
	}
	// Ranking: the video whose title says "flood" comes before mere mentions.
	hits = search("flood")
	if len(hits) == 0 || hits[0].VideoID != "k3Rt_vB8nQw" || hits[0].Field != "title" {
		t.Errorf("flood hits = %+v, want the flood barrier video's title first", hits)
	}
	// Filters.
	if hits := search("--channel", "UCcityDeskChannel0000002", "budget"); len(hits) != 0 {
		t.Errorf("budget on City Desk = %+v, want none", hits)
	}
	if hits := search("--since", "2026-11-20", "budget"); len(hits) != 0 {
		t.Errorf("budget since the 20th = %+v, want none (published the 19th)", hits)
	}
	if hits := search("--limit", "1", "guard"); len(hits) != 1 {
		t.Errorf("--limit 1 gave %d hits", len(hits))
	}
	// Quote-laden input is data, never SQL.
	if hits := search(`"it's'); DROP TABLE videos; --"`); len(hits) != 0 {
		t.Errorf("hostile phrase hits = %+v", hits)
	}
	if code := e.run("search", `x' OR 1=1; DROP TABLE videos; --`); code != exitUsage {
		t.Errorf("hostile non-query: exit %d, want a usage error", code)
	}
	if e.count("videos") != 10 {
		t.Error("videos table damaged by a search")
	}
	// A malformed query is a short usage error, not SQL internals.
	for _, q := range []string{`"unterminated`, `AND`, `(guard -honour) OR -anthem`, ` `} {
		code := e.run("search", q)
		if code != exitUsage || !strings.Contains(e.stderr.String(), "cannot read the search query") || strings.Contains(e.stderr.String(), "SQL logic") {
			t.Errorf("search %q: exit %d, %s", q, code, e.stderr)
		}
	}
	// What FTS5 alone would read as syntax is a word; -word excludes.
	if hits := search("nosuchcolumn:word"); len(hits) != 0 {
		t.Errorf("a column filter's form: %+v, want no hit and no error", hits)
	}
	var lines []string
	for _, h := range search("(anthem OR honour) -inspect") {
		lines = append(lines, fmt.Sprintf("%s %d", h.Field, h.StartSeconds))
	}
	slices.Sort(lines)
	if got := strings.Join(lines, ", "); got != "description 0, transcript 2, transcript 8" {
		t.Errorf("(anthem OR honour) -inspect: %s; want the description, the honour line and the anthem's, not the inspection's", got)
	}
	// Unquoted, -word reads as a flag: the message says how to write it.
	if code := e.run("search", "anthem", "-inspect"); code != exitUsage || !strings.Contains(e.stderr.String(), "in quotes ('budget -council') or after --") {
		t.Errorf("search anthem -inspect: exit %d, %s", code, e.stderr)
	}
	if hits := search("--", "-inspect", "anthem"); len(hits) != 1 || hits[0].StartSeconds != 8 {
		t.Errorf("search -- -inspect anthem: %+v, want the anthem's line", hits)
	}
	// The text output names the moment.
	if code := e.run("search", "national anthem"); code != exitOK || !strings.Contains(e.stdout.String(), "transcript (en) at 0:08") {
		t.Errorf("text output:\n%s", e.stdout)
	}
	// The help names the search window as db has it.
	if w := fmt.Sprintf("%d,%03d", db.SearchWindow/1000, db.SearchWindow%1000); strings.Count(searchSummary, w) != 3 {
		t.Errorf("search's help does not say %s matches:\n%s", w, searchSummary)
	}
}

func TestBackupCommand(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl("--depth", "0"); code != exitOK {
		t.Fatalf("crawl exit %d", code)
	}
	// While another run holds the database: backup does not need the lock.
	l, _ := db.Acquire(context.Background(), e.dbPath, false)
	defer l.Release()
	dest := filepath.Join(t.TempDir(), "copy.db")
	if code := e.run("backup", dest); code != exitOK {
		t.Fatalf("backup: exit %d", code)
	}
	d, err := db.OpenReadOnly(context.Background(), dest)
	if err != nil {
		t.Fatalf("the copy does not open: %v", err)
	}
	var pages int
	d.SQL().QueryRow(`SELECT count(*) FROM pages`).Scan(&pages)
	d.Close()
	if pages == 0 {
		t.Error("the copy has no pages")
	}
	if code := e.run("backup", dest); code != exitError || !strings.Contains(e.stderr.String(), "exists") {
		t.Errorf("backup over an existing file: exit %d, %s", code, e.stderr)
	}
	if code := e.run("backup", filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")); code != exitError {
		t.Errorf("backup into a missing directory: exit %d", code)
	}
}

// Exit 1: the database cannot be used. The file is left as it was.
func TestDatabaseErrors(t *testing.T) {
	e := newEnv(t, nil)
	foreign := filepath.Join(t.TempDir(), "other.db")
	s, err := sql.Open("sqlite", "file:"+foreign)
	if err != nil {
		t.Fatal(err)
	}
	s.Exec(`CREATE TABLE invoices (n INTEGER)`)
	s.Close()
	before, _ := os.ReadFile(foreign)
	code := e.app.main(context.Background(), []string{"crawl", "--db", foreign, "--youtube-url", e.ytURL, "http://news.example/"})
	if code != exitError || !strings.Contains(e.stderr.String(), "not a ytharvest database") {
		t.Errorf("crawl into a foreign database: exit %d, %s", code, e.stderr)
	}
	if after, _ := os.ReadFile(foreign); !bytes.Equal(before, after) {
		t.Error("the foreign database was modified")
	}
	e.stderr.Reset()
	code = e.app.main(context.Background(), []string{"crawl", "--db", filepath.Join(t.TempDir(), "missing", "dir", "h.db"), "http://news.example/"})
	if code != exitError {
		t.Errorf("crawl into a missing directory: exit %d, %s", code, e.stderr)
	}
}

func TestStatsJSON(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl exit %d", code)
	}
	if code := e.run("stats", "--json"); code != exitOK {
		t.Fatalf("stats --json: exit %d", code)
	}
	var s db.Stats
	if err := json.Unmarshal(e.stdout.Bytes(), &s); err != nil {
		t.Fatalf("stats --json is not JSON: %v", err)
	}
	counts := func(cs []db.Count) map[string]int {
		m := map[string]int{}
		for _, c := range cs {
			m[c.Name] = c.Count
		}
		return m
	}
	if v := counts(s.Videos); v["ok"] != 4 || v["removed"] != 2 || v["private"] != 1 {
		t.Errorf("videos by status = %v", v)
	}
	if p := counts(s.Pages); p["fetched"] != 14 || p["failed"] != 1 {
		t.Errorf("pages by state = %v", p)
	}
	if len(s.TopHosts) != 1 || s.TopHosts[0].Name != "news.example" || s.TopHosts[0].Count != 10 {
		t.Errorf("top hosts = %v", s.TopHosts)
	}
	if len(s.TopChannels) == 0 || s.TopChannels[0].Name != "Example News" {
		t.Errorf("top channels = %v", s.TopChannels)
	}
	if len(s.Runs) != 1 || s.Runs[0].Status != "ok" || s.Transcripts != 2 || s.Channels != 2 {
		t.Errorf("runs %+v, transcripts %d, channels %d", s.Runs, s.Transcripts, s.Channels)
	}
}

func TestVersionOf(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{nil, "devel"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("480c02c9a73a3c4780e5efa5c2f622928aae914a", "false")}, "480c02c"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261203183359-480c02c9a73a+dirty"}, Settings: vcs("480c02c9a73a3c4780e5efa5c2f622928aae914a", "true")}, "480c02c-dirty"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261203183359-480c02c9a73a"}}, "v0.0.0-20261203183359-480c02c9a73a"},
	} {
		if got := versionOf(tc.bi); got != tc.want {
			t.Errorf("versionOf(%+v) = %q, want %q", tc.bi, got, tc.want)
		}
	}
}

// `go install ./cmd/ytharvest` (or go build) from a checkout reports the
// commit, as `make build` does.
func TestVersionOfInstalledBinary(t *testing.T) {
	head, err := exec.Command("git", "rev-parse", "--short=7", "HEAD").Output()
	if err != nil {
		t.Skipf("not tested: not in a git checkout (%v)", err)
	}
	bin := filepath.Join(t.TempDir(), "ytharvest")
	cmd := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if want := "ytharvest " + strings.TrimSpace(string(head)); err != nil || !strings.HasPrefix(string(out), want) {
		t.Errorf("version = %q, %v; want %q (maybe -dirty)", out, err, want)
	}
}

// A command line that does not start with a command gets one line and
// exit 2, saying what to do.
func TestUnknownCommand(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"frobnicate"}, `ytharvest: unknown command "frobnicate" (see 'ytharvest help')`},
		{[]string{"stat"}, `ytharvest: unknown command "stat": did you mean "stats"? (see 'ytharvest help')`},
		{[]string{"--db", "x", "stats"}, `ytharvest: unknown command "--db": flags go after the command (ytharvest stats --db x)`},
		{[]string{"-q"}, `ytharvest: unknown command "-q": flags go after the command (see 'ytharvest help')`},
	} {
		e.stdout.Reset()
		e.stderr.Reset()
		code := e.app.main(t.Context(), tc.args)
		if got := strings.TrimSpace(e.stderr.String()); code != exitUsage || got != tc.msg {
			t.Errorf("ytharvest %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, got, tc.msg)
		}
	}
	// help COMMAND prints that command's help, version's too.
	for _, cmd := range commands {
		e.stdout.Reset()
		e.stderr.Reset()
		if code := e.app.main(t.Context(), []string{"help", cmd}); code != exitOK || !strings.Contains(e.stdout.String()+e.stderr.String(), "Usage:") {
			t.Errorf("help %s: exit %d\n%s%s", cmd, code, e.stdout, e.stderr)
		}
	}
}
