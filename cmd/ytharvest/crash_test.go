package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
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

// crashSite serves pages /p/0 .. /p/N-1; page k links to pages 3k+1..3k+3
// and to one of 50 videos, so the crawl is about 7 levels deep.
func crashSite() http.Handler {
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

// A crawl SIGKILLed at random moments loses nothing and duplicates
// nothing: after a final clean run every page is fetched and committed
// once, and the database is intact.
func TestCrashResume(t *testing.T) {
	bin := binary(t)
	site := httptest.NewServer(crashSite())
	defer site.Close()
	yt := httptest.NewServer(testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube")))
	defer yt.Close()
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	args := []string{"crawl", "--db", dbPath, "--depth", "10", "--delay", "0s", "--concurrency", "8",
		"--host-concurrency", "8", "--youtube-url", yt.URL, "--youtube-rate", "0", "--youtube-concurrency", "4",
		"-q", site.URL + "/"}

	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	kills := 0
	for kills < 6 {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.IntN(600)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if err == nil {
			break // it finished before the kill; the final run checks the rest
		}
		kills++
	}
	t.Logf("killed %d runs", kills)

	cmd := exec.Command(bin, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}

	d := dbcheck.Open(t, dbPath)
	defer d.Close()
	var integrity string
	if err := d.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
	checks := []struct {
		what  string
		query string
		want  int
	}{
		{"pages", `SELECT count(*) FROM pages`, crashSitePages},
		{"pages not fetched", `SELECT count(*) FROM pages WHERE state <> 'fetched'`, 0},
		{"non-seed pages committed more than once", `SELECT count(*) FROM pages WHERE is_seed = 0 AND fetch_count <> 1`, 0},
		{"links", `SELECT count(*) FROM links`, crashSitePages},
		{"duplicate links", `SELECT count(*) FROM (SELECT page_id, ref_id, kind FROM links GROUP BY 1, 2, 3 HAVING count(*) > 1)`, 0},
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
