package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/internal/dbcheck"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

const crashSitePages = 2000

// crashSite serves pages /p/0 .. /p/N-1, each after delay; page k links
// to pages 3k+1..3k+3 and to one of 50 videos, so the crawl is about 7
// levels deep.
func crashSite(delay time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := 0
		if r.URL.Path != "/" {
			n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/p/"))
			if err != nil || n < 1 || n >= crashSitePages {
				http.NotFound(w, r)
				return
			}
			k = n
		}
		time.Sleep(delay)
		var b strings.Builder
		fmt.Fprintf(&b, "<html><head><title>page %d</title></head><body><article>", k)
		fmt.Fprintf(&b, `<iframe src="https://www.youtube.com/embed/v%010d"></iframe>`, k%50)
		for c := 3*k + 1; c <= 3*k+3 && c < crashSitePages; c++ {
			fmt.Fprintf(&b, `<a href="/p/%d">page %d</a> `, c, c)
		}
		b.WriteString("</article></body></html>")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(b.String()))
	})
}

// crashKills is how many times TestCrashResume kills a crawl.
const crashKills = 6

// A crawl SIGKILLed at random moments, each after it has stored pages,
// loses nothing and duplicates nothing: after each kill the pages stored
// are never fewer, no page or link is stored twice and the database is
// intact; after a final clean run every page is fetched and committed
// once. The kills come at random moments; the seed is logged, and
// YTHARVEST_CRASH_SEED=N replays a run.
func TestCrashResume(t *testing.T) {
	bin := binary(t)
	site := httptest.NewServer(crashSite(20 * time.Millisecond))
	defer site.Close()
	yt := httptest.NewServer(testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube")))
	defer yt.Close()
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	args := []string{"crawl", "--db", dbPath, "--depth", "10", "--delay", "0s", "--concurrency", "8",
		"--host-concurrency", "8", "--youtube-url", yt.URL, "--youtube-rate", "0", "--youtube-concurrency", "4",
		"-q", site.URL + "/"}

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("YTHARVEST_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (replay with YTHARVEST_CRASH_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(1, seed))
	stored := 0
	for kill := 1; kill <= crashKills; kill++ {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Kill only once this run has stored pages of its own, then at a
		// random moment up to 300 ms later.
		deadline := time.Now().Add(30 * time.Second)
		for crashStored(t, dbPath) <= stored && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		cmd.Process.Kill()
		if err := <-done; err == nil {
			t.Fatalf("run %d finished before its kill (%d pages stored): the site is too fast for the test", kill, stored)
		}
		now := crashStored(t, dbPath)
		t.Logf("kill %d: %d pages stored (before: %d)", kill, now, stored)
		if now <= stored {
			t.Errorf("kill %d: %d pages stored, want more than the %d before", kill, now, stored)
		}
		stored = now
		crashCheck(t, dbPath)
	}

	cmd := exec.Command(bin, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	crashCheck(t, dbPath)
	d := dbcheck.Open(t, dbPath)
	defer d.Close()
	checks := []struct {
		what  string
		query string
		want  int
	}{
		{"pages", `SELECT count(*) FROM pages`, crashSitePages},
		{"pages not fetched", `SELECT count(*) FROM pages WHERE state <> 'fetched'`, 0},
		{"links", `SELECT count(*) FROM links`, crashSitePages},
		{"videos", `SELECT count(*) FROM videos`, 50},
		{"videos not fetched", `SELECT count(*) FROM videos WHERE status IN ('pending', 'blocked', 'error')`, 0},
		{"runs still running", `SELECT count(*) FROM runs WHERE status = 'running' AND id = (SELECT max(id) FROM runs)`, 0},
	}
	for _, c := range checks {
		var got int
		if err := d.QueryRow(c.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if got != c.want {
			t.Errorf("%s = %d, want %d", c.what, got, c.want)
		}
	}
}

// crashStored counts the pages stored fetched; 0 before the database is
// made.
func crashStored(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	d := dbcheck.Open(t, path)
	defer d.Close()
	var n int
	d.QueryRow(`SELECT count(*) FROM pages WHERE state = 'fetched'`).Scan(&n)
	return n
}

// crashCheck fails t unless the database is intact, its foreign keys
// hold, and no page or link was stored twice.
func crashCheck(t *testing.T, path string) {
	t.Helper()
	dbcheck.Check(t, path)
	d := dbcheck.Open(t, path)
	defer d.Close()
	for what, q := range map[string]string{
		"non-seed pages committed more than once": `SELECT count(*) FROM pages WHERE is_seed = 0 AND fetch_count > 1`,
		"duplicate links":                         `SELECT count(*) FROM (SELECT page_id, ref_id, kind FROM links GROUP BY 1, 2, 3 HAVING count(*) > 1)`,
		"duplicate pages":                         `SELECT count(*) - count(DISTINCT url) FROM pages`,
	} {
		var n int
		if err := d.QueryRow(q).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d, %v", what, n, err)
		}
	}
}
