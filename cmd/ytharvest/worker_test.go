package main

import (
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/internal/pgtest"
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
