package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/internal/pgtest"
	"github.com/harvestdev/ytharvest/web"
)

// pgCrawl crawls the fake site into e's database, politeness off (one
// request at a time per host, as PostgreSQL requires).
func (e *env) pgCrawl(extra ...string) int {
	e.t.Helper()
	args := append([]string{"crawl", "--youtube-url", e.ytURL, "--youtube-rate", "0",
		"--youtube-concurrency", "4", "--delay", "0s"}, extra...)
	return e.run(append(args, "http://news.example/")...)
}

// out runs a command and returns its exit code and standard output.
func (e *env) out(args ...string) (int, string) {
	e.t.Helper()
	code := e.run(args...)
	return code, e.stdout.String()
}

// The commands work against PostgreSQL as against SQLite: the same crawl
// stores the same pages, videos and links; stats, search (with its deep
// links), sql (read-only), export (CSV, and the whole harvest as a SQLite
// file that the read commands read), report, video, refresh, the web UI,
// and import of a SQLite harvest.
func TestPostgresCommands(t *testing.T) {
	pg := newEnv(t, nil)
	pg.dbPath = pgtest.NewDatabase(t)
	pg.secret = dsnSecret(t, pg.dbPath)
	if code := pg.pgCrawl(); code != 0 {
		t.Fatalf("crawl on PostgreSQL: exit %d\n%s", code, pg.stderr)
	}
	lite := newEnv(t, nil)
	if code := lite.crawl(); code != 0 {
		t.Fatalf("crawl on SQLite: exit %d", code)
	}
	for _, q := range []string{
		`SELECT status, count(*) AS n FROM videos GROUP BY status ORDER BY status`,
		`SELECT kind, count(*) AS n FROM links GROUP BY kind ORDER BY kind`,
		`SELECT state, count(*) AS n FROM pages GROUP BY state ORDER BY state`,
		`SELECT count(*) AS n FROM transcript_segments`,
		// SQLite keeps these by triggers, PostgreSQL counts them in views.
		`SELECT state, pages FROM page_states WHERE pages > 0 ORDER BY state`,
		`SELECT status, videos FROM video_statuses WHERE videos > 0 ORDER BY status`,
	} {
		_, want := lite.out("sql", "--db", lite.dbPath, q)
		if _, got := pg.out("sql", "--db", pg.dbPath, q); got != want || got == "" {
			t.Errorf("%s\non PostgreSQL:\n%q\non SQLite:\n%q", q, got, want)
		}
	}
	if code, out := pg.out("search", "--db", pg.dbPath, "guard of honour"); code != 0 || !strings.Contains(out, "https://www.youtube.com/watch?v=H7xQm2Lp9sA&t=") {
		t.Errorf("search: exit %d, no deep link:\n%s", code, out)
	}
	// The same query language on both stores, and the same hits.
	for _, q := range []string{"guard", "gua*", `"guard of honour"`, "guard NOT inspect", "NEAR(guard inspect, 3)",
		"budget OR barrier", "(ceremony OR budget) AND full", "(ceremony OR budget) full", "guard -inspect", "guard AND NOT inspect",
		"NEAR(honour guard)"} {
		got, want := searchHits(t, pg, q), searchHits(t, lite, q)
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("search %s: on PostgreSQL %q, on SQLite %q", q, got, want)
		}
	}
	if code, _ := pg.out("search", "--db", pg.dbPath, `"guard`); code != exitUsage || !strings.Contains(pg.stderr.String(), "closing quote") {
		t.Errorf("search with an unclosed quote: exit %d, %s; want 2", code, pg.stderr)
	}
	// An exclusion alone is refused here as on SQLite, whose NOT cannot.
	if code, _ := pg.out("search", "--db", pg.dbPath, "guard OR -inspect"); code != exitUsage || !strings.Contains(pg.stderr.String(), "only excludes") {
		t.Errorf("search guard OR -inspect: exit %d, %s; want 2", code, pg.stderr)
	}
	if code, _ := pg.out("sql", "--db", pg.dbPath, "DELETE FROM pages"); code != exitUsage || !strings.Contains(pg.stderr.String(), "read-only") {
		t.Errorf("sql DELETE: exit %d, %s; want 2, read-only", code, pg.stderr)
	}
	if code, _ := pg.out("sql", "--db", pg.dbPath, "SELECT 1; SELECT 2"); code != exitUsage {
		t.Errorf("sql with two statements: exit %d, want 2", code)
	}
	if code, out := pg.out("stats", "--db", pg.dbPath); code != 0 || !strings.Contains(out, "direct@") {
		t.Errorf("stats: exit %d; want the egress labelled with its machine:\n%s", code, out)
	}
	if code, out := pg.out("export", "--db", pg.dbPath, "--table", "videos"); code != 0 || !strings.HasPrefix(out, "id,status,") {
		t.Errorf("export videos: exit %d\n%.200s", code, out)
	}
	file := filepath.Join(t.TempDir(), "harvest.db")
	if code, _ := pg.out("export", "--db", pg.dbPath, "--format", "sqlite", "-o", file); code != 0 {
		t.Fatalf("export --format sqlite: exit %d", code)
	}
	_, want := pg.out("sql", "--db", pg.dbPath, `SELECT count(*) AS n FROM links`)
	if _, got := lite.out("sql", "--db", file, `SELECT count(*) AS n FROM links`); got != want {
		t.Errorf("links in the exported file: %s, want %s", got, want)
	}
	if code, out := lite.out("search", "--db", file, "guard"); code != 0 || !strings.Contains(out, "H7xQm2Lp9sA") {
		t.Errorf("search of the exported file: exit %d\n%s", code, out)
	}
	t.Run("sqlite-utils", func(t *testing.T) {
		// sqlite-utils finds the exported file's full-text indexes as
		// Datasette does, and the same rows as ytharvest search.
		bin := sqliteUtilsBin(t)
		exported := *lite
		exported.t, exported.dbPath = t, file
		checkSQLiteUtils(t, &exported, bin)
	})
	if code, _ := pg.out("report", "--db", pg.dbPath, "-o", filepath.Join(t.TempDir(), "r.html")); code != 0 {
		t.Errorf("report: exit %d", code)
	}
	if code, out := pg.out("video", "--db", pg.dbPath, "--youtube-url", pg.ytURL, "--youtube-rate", "0", "H7xQm2Lp9sA"); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("video: exit %d\n%s", code, out)
	}
	checkRefresh(t, pg, lite)
	checkWeb(t, pg.dbPath)

	// A SQLite harvest moves into an empty PostgreSQL database.
	moved := pgtest.NewDatabase(t)
	if code, _ := lite.out("import", "--db", moved, "--from", lite.dbPath); code != 0 {
		t.Fatalf("import: exit %d", code)
	}
	for _, q := range []string{`SELECT count(*) AS n FROM links`, `SELECT status, count(*) AS n FROM videos GROUP BY status ORDER BY status`} {
		_, want := lite.out("sql", "--db", lite.dbPath, q)
		if _, got := lite.out("sql", "--db", moved, q); got != want {
			t.Errorf("after import, %s:\n%s\nwant\n%s", q, got, want)
		}
	}
	if code, _ := lite.out("import", "--db", moved, "--from", lite.dbPath); code == 0 {
		t.Error("a second import into the same database succeeded")
	}
}

// checkRefresh runs refresh on PostgreSQL with every video due
// (--refresh-after 0s): each video is asked of the fake YouTube again and
// claimed once more (fetch_attempts up by one), those with a definitive
// answer have a later fetched_at, and the run is recorded as on SQLite.
func checkRefresh(t *testing.T, pg, lite *env) {
	ctx := context.Background()
	conn := pgConn(t, pg.dbPath)
	type fetch struct {
		status    string
		attempts  int
		fetchedAt time.Time
	}
	videos := func() map[string]fetch {
		t.Helper()
		rows, err := conn.Query(ctx, `SELECT id, status, fetch_attempts, coalesce(fetched_at, 'epoch') FROM videos`)
		if err != nil {
			t.Fatal(err)
		}
		m := make(map[string]fetch)
		var id string
		var f fetch
		if _, err := pgx.ForEachRow(rows, []any{&id, &f.status, &f.attempts, &f.fetchedAt}, func() error {
			m[id] = f
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := videos()
	pg.youtube.Reset()
	refresh := func(e *env) int {
		return e.run("refresh", "--youtube-url", e.ytURL, "--youtube-rate", "0", "--refresh-after", "0s")
	}
	if code := refresh(pg); code != exitOK {
		t.Fatalf("refresh on PostgreSQL: exit %d\n%s", code, pg.stderr)
	}
	asked := make(map[string]bool)
	for _, r := range pg.youtube.Requests() {
		if r.Path == "/youtubei/v1/player" {
			asked[r.VideoID] = true
		}
	}
	after := videos()
	var definitive int
	for id, b := range before {
		a := after[id]
		if a.attempts != b.attempts+1 || !asked[id] {
			t.Errorf("refresh: video %s claimed %d times more, asked of YouTube %v; want once more, asked", id, a.attempts-b.attempts, asked[id])
		}
		if harvest.VideoStatus(a.status).Definitive() {
			definitive++
			if !a.fetchedAt.After(b.fetchedAt) {
				t.Errorf("refresh: video %s (%s) fetched_at %v, not after %v", id, a.status, a.fetchedAt, b.fetchedAt)
			}
		}
	}
	if len(before) == 0 || definitive == 0 {
		t.Fatalf("refresh: %d videos, %d of them answered definitively; the crawl should have stored some", len(before), definitive)
	}
	const lastRun = `SELECT command, status, videos_fetched, videos_failed FROM runs ORDER BY id DESC LIMIT 1`
	var command, status string
	var fetched, failed int
	if err := conn.QueryRow(ctx, lastRun).Scan(&command, &status, &fetched, &failed); err != nil {
		t.Fatal(err)
	}
	if command != "refresh" || status != "ok" || fetched != definitive {
		t.Errorf("refresh run: %s, %s, %d videos fetched, %d failed; want refresh, ok, %d fetched", command, status, fetched, failed, definitive)
	}
	if code := refresh(lite); code != exitOK {
		t.Fatalf("refresh on SQLite: exit %d", code)
	}
	_, want := lite.out("sql", "--db", lite.dbPath, lastRun)
	if _, got := pg.out("sql", "--db", pg.dbPath, lastRun); got != want {
		t.Errorf("refresh run on PostgreSQL:\n%s\non SQLite:\n%s", got, want)
	}
}

// checkWeb gets the web UI's pages from a PostgreSQL harvest.
func checkWeb(t *testing.T, dsn string) {
	t.Helper()
	d, err := openReader(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	h := web.New(d, web.Options{LoopbackOnly: true})
	for _, path := range []string{"/", "/videos", "/videos?site=news.example", "/videos/H7xQm2Lp9sA", "/videos?channel=UCexampleNewsChannel0001&status=ok&sort=views", "/channels", "/sites", "/vanished", "/search?q=guard"} {
		req := httptest.NewRequest(http.MethodGet, "http://localhost"+path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d\n%.300s", path, rec.Code, rec.Body)
		}
	}
}

// dsnSecret is the user part of a postgres:// URL with its password,
// ":password@" (the test role's password is its name, which commands print
// anyway); the test fails without a password, since then nothing checks
// that commands keep it to themselves.
func dsnSecret(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		t.Fatalf("%s has no password", dsn)
	}
	return ":" + pw + "@"
}
