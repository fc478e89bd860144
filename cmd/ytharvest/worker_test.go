package main

import (
	"bytes"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/internal/pgtest"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// A SQLite harvest with pages left queued is imported into PostgreSQL.
// Until a crawl stores its settings a worker holds the host's slice back:
// it fetches nothing, nothing panics (a seed queued at depth 0), the job
// is not completed with pages left queued (only deeper pages queued), and
// the host's job stays alive. Once `crawl --enqueue-only` stored the
// settings, a worker fetches the pages.
func TestWorkerAfterImport(t *testing.T) {
	for _, tc := range []struct {
		name  string
		seeds []string
		depth string // of the queued pages: min and max, as the query says
	}{
		{"seed-queued", []string{"http://news.example/", "http://news.example/about.html"}, "0 | 1"},
		{"deeper-pages-queued", []string{"http://news.example/"}, "1 | 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testWorkerAfterImport(t, tc.seeds, tc.depth)
		})
	}
}

func testWorkerAfterImport(t *testing.T, seeds []string, depth string) {
	e := newEnv(t, nil)
	if code := e.crawl(append([]string{"--max-pages", "1"}, seeds...)...); code != exitPartial {
		t.Fatalf("crawl --max-pages 1: exit %d, want %d", code, exitPartial)
	}
	if q := e.query(`SELECT min(depth), max(depth) >= 1 FROM pages WHERE state = 'queued'`); q[0] != depth {
		t.Fatalf("queued pages' least depth, and whether deeper ones are queued: %q, want %q", q, depth)
	}
	queued := e.query(`SELECT url FROM pages WHERE state = 'queued' ORDER BY url`)
	dsn := pgtest.NewDatabase(t)
	if code := e.run("import", "--from", e.dbPath, "--db", dsn); code != 0 {
		t.Fatalf("import: exit %d", code)
	}
	conn := pgConn(t, dsn)
	worker := []string{"worker", "--db", dsn, "--youtube-url", e.ytURL, "--youtube-rate", "0", "--slice", "1s"}

	if code := e.run(append(worker, "--max-duration", "3s")...); code != 0 {
		t.Fatalf("worker before any crawl: exit %d", code)
	}
	if !strings.Contains(e.stderr.String(), "host slices wait") {
		t.Errorf("the worker did not say that the host slices wait:\n%s", e.stderr)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM pages WHERE state = 'queued'`); n != len(queued) {
		t.Errorf("%d pages queued after a worker without crawl settings, want the %d imported", n, len(queued))
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM river_job WHERE kind = 'ytharvest_host' AND state IN ('available', 'scheduled')`); n != 1 {
		t.Errorf("%d host jobs waiting, want the host's one", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM river_job WHERE errors IS NOT NULL OR state IN ('discarded', 'cancelled', 'retryable')`); n != 0 {
		t.Errorf("%d jobs failed (a panic, an error), were discarded or cancelled; want none", n)
	}

	if code := e.run(append([]string{"crawl", "--db", dsn, "--enqueue-only", "--delay", "0s"}, seeds...)...); code != 0 {
		t.Fatalf("crawl --enqueue-only: exit %d", code)
	}
	if code := e.run(append(worker, "--until-idle", "--max-duration", "1m")...); code != 0 {
		t.Fatalf("worker after the crawl stored its settings: exit %d", code)
	}
	for _, u := range queued {
		var state string
		if err := conn.QueryRow(t.Context(), `SELECT state FROM pages WHERE url = $1`, u).Scan(&state); err != nil || state == "queued" {
			t.Errorf("%s: %s (%v), want it fetched", u, state, err)
		}
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM river_job WHERE state <> 'completed'`); n != 0 {
		t.Errorf("%d jobs not completed", n)
	}
}

// How a worker ends, in turn on one harvest: --max-duration without
// --until-idle ends it with exit 0; SIGTERM, and SIGINT, in the middle of
// a host slice end it with exit 130 (docs/cron.md), the run recorded
// interrupted, and its jobs handed back at once: none is left running for
// River's rescuer (--rescue-after is 3 minutes here), so the next worker
// fetches every page and video within its --max-duration of a minute.
func TestWorkerExits(t *testing.T) {
	site := testserver.GeneratedSite{Pages: 80, Videos: 3}
	siteSrv := httptest.NewServer(site)
	defer siteSrv.Close()
	yt := testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube"))
	ytSrv := httptest.NewServer(yt)
	defer ytSrv.Close()
	dsn := pgtest.NewDatabase(t)
	conn := pgConn(t, dsn)
	bin := binary(t)
	if out, err := exec.Command(bin, "crawl", "--db", dsn, "--enqueue-only", "--depth", "10", "--delay", "100ms", "-q",
		siteSrv.URL+"/").CombinedOutput(); err != nil {
		t.Fatalf("crawl --enqueue-only: %v\n%s", err, out)
	}
	worker := []string{"worker", "--db", dsn, "--youtube-url", ytSrv.URL, "--youtube-rate", "0"}
	stored := func() int { return queryInt(t, conn, `SELECT count(*) FROM pages WHERE state <> 'queued'`) }
	handedBack := func(after string) {
		t.Helper()
		if n := queryInt(t, conn, `SELECT count(*) FROM river_job WHERE state NOT IN ('available', 'scheduled', 'completed')`); n != 0 {
			t.Errorf("after %s, %d jobs running, failed or given up; want every job done or handed back", after, n)
		}
		if n := queryInt(t, conn, `SELECT count(*) FROM river_job WHERE kind = 'ytharvest_host' AND state IN ('available', 'scheduled')`); n != 1 {
			t.Errorf("after %s, %d host jobs waiting, want the host's one", after, n)
		}
	}

	var stderr bytes.Buffer
	cmd, done := faultStart(t, &stderr, append(worker, "--max-duration", "1s")...)
	if code := faultWait(t, cmd, done, 30*time.Second); code != exitOK {
		t.Errorf("worker --max-duration 1s: exit %d, want 0\n%s", code, &stderr)
	}
	if n := stored(); n == 0 || n == site.Pages {
		t.Fatalf("%d pages stored after worker --max-duration 1s, want some of %d", n, site.Pages)
	}
	handedBack("--max-duration")

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		before := stored()
		stderr.Reset()
		cmd, done := faultStart(t, &stderr, worker...)
		// Signal once the worker holds the host's slice and has stored a
		// page: it is between two requests, or in one.
		holder := heldBy(cmd.Process.Pid)
		deadline := time.Now().Add(30 * time.Second)
		for stored() == before || queryInt(t, conn, `SELECT count(*) FROM river_job WHERE state = 'running' AND kind = 'ytharvest_host' AND `+holder) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("the worker took up no host slice within 30 s:\n%s", &stderr)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(sig)
		if code := faultWait(t, cmd, done, 30*time.Second); code != exitInterrupted {
			t.Errorf("worker sent %v: exit %d, want %d\n%s", sig, code, exitInterrupted, &stderr)
		}
		handedBack(sig.String())
	}
	if n := stored(); n == site.Pages {
		t.Fatalf("every page was stored before the last worker")
	}

	stderr.Reset()
	cmd, done = faultStart(t, &stderr, append(worker, "--until-idle", "--max-duration", "1m")...)
	if code := faultWait(t, cmd, done, 90*time.Second); code != exitOK {
		t.Errorf("worker --until-idle: exit %d, want 0\n%s", code, &stderr)
	}
	if n := stored(); n != site.Pages {
		t.Errorf("%d pages stored, want all %d", n, site.Pages)
	}
	if n := queryInt(t, conn, sqlVideosNotFetched); n != 0 {
		t.Errorf("%d videos not fetched", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM river_job WHERE state <> 'completed'`); n != 0 {
		t.Errorf("%d jobs not completed", n)
	}
	runs := queryAll[string](t, conn, `SELECT command || ' ' || status || ' ' || (finished_at IS NOT NULL) FROM runs ORDER BY id`)
	if want := []string{"crawl ok true", "worker ok true", "worker interrupted true", "worker interrupted true", "worker ok true"}; !slices.Equal(runs, want) {
		t.Errorf("runs %q, want %q", runs, want)
	}
}

// When YouTube refuses every client identity a worker speaks as, the
// worker does what a crawl on SQLite does: it asks YouTube once as each
// identity and then nothing more, leaves the videos as they were, records
// its run failed with clients_refused, and exits 6 (after crawling the
// pages: --until-idle no longer waits for the YouTube jobs). The video
// jobs are not retried to death: they wait in the queue, and a later
// worker that speaks as a newer version does them.
func TestWorkerClientRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.dbPath = pgtest.NewDatabase(t)
	conn := pgConn(t, e.dbPath)
	if code := e.pgCrawl("--enqueue-only"); code != 0 {
		t.Fatalf("crawl --enqueue-only: exit %d", code)
	}
	// The enqueue is a run of its own, which fetched nothing.
	var enqueued string
	if err := conn.QueryRow(t.Context(), `SELECT command || ' | ' || status || ' | ' || seeds || ' | ' || pages_fetched || ' | ' ||
		(options::json ->> 'enqueue_only') || ' | ' || (finished_at IS NOT NULL) FROM runs`).Scan(&enqueued); err != nil || enqueued != "crawl | ok | 1 | 0 | true | true" {
		t.Errorf("the enqueue's run: %q (%v), want crawl | ok | 1 | 0 | true | true", enqueued, err)
	}
	e.youtube.RefuseClient("VISIONOS", "", nil)
	e.youtube.RefuseClient("ANDROID", "21.03.36", nil)
	worker := []string{"worker", "--db", e.dbPath, "--youtube-url", e.ytURL, "--youtube-rate", "0",
		"--youtube-concurrency", "1", "--youtube-client", "visionos,android", "--until-idle", "--max-duration", "1m"}
	code := e.run(worker...)
	if code != exitRefused || !strings.Contains(e.stderr.String(), "refused: ") || !strings.Contains(e.stderr.String(), "[youtube.client.NAME]") {
		t.Errorf("worker, every client refused: exit %d, want %d with what to do", code, exitRefused)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM pages WHERE state = 'queued'`); n != 0 {
		t.Errorf("%d pages queued: the worker crawls on when YouTube refuses it", n)
	}
	videos := queryInt(t, conn, `SELECT count(*) FROM videos`)
	if n := queryInt(t, conn, `SELECT count(*) FROM videos WHERE status = 'pending' AND fetched_at IS NULL`); videos == 0 || n != videos {
		t.Errorf("%d of %d videos pending and never fetched, want all", n, videos)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM river_job WHERE kind = 'ytharvest_video' AND state IN ('available', 'scheduled') AND errors IS NULL`); n != videos {
		t.Errorf("%d video jobs waiting (no error recorded), want one for each of the %d videos", n, videos)
	}
	var run string
	if err := conn.QueryRow(t.Context(), `SELECT status || ' | ' || coalesce(error, '-') || ' | ' || coalesce(clients_refused, '-') FROM runs WHERE command = 'worker'`).Scan(&run); err != nil ||
		!regexp.MustCompile(`^failed \| YouTube refused every client identity [^|]*\[youtube\.client\.NAME\][^|]* \| VISIONOS 1\.02: HTTP 400 [^|]*; ANDROID 21\.03\.36: HTTP 400 [^|]*$`).MatchString(run) {
		t.Errorf("worker run %q (%v), want failed, its error saying why, both identities in clients_refused", run, err)
	}
	var asked []string
	for _, r := range e.youtube.Requests() {
		if r.Path != "/" {
			asked = append(asked, r.Method+" "+r.Path+" "+r.ClientName)
		}
	}
	if want := []string{"POST /youtubei/v1/player VISIONOS", "POST /youtubei/v1/player ANDROID"}; !slices.Equal(asked, want) {
		t.Errorf("requests %q, want %q: one player request as each identity, then nothing", asked, want)
	}

	// A worker that speaks as a newer Android does the videos.
	if code := e.run(append(worker, "--youtube-client-override", "android.version=21.99.9")...); code != exitOK {
		t.Errorf("worker with a newer client: exit %d, want 0", code)
	}
	if n := queryInt(t, conn, sqlVideosNotFetched); n != 0 {
		t.Errorf("%d videos not fetched by the newer worker", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM river_job WHERE state <> 'completed'`); n != 0 {
		t.Errorf("%d jobs not completed", n)
	}
}
