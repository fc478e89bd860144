package main

// Faults of the process, the disk, YouTube and the user: each test puts
// ytharvest in a bad situation on loopback and checks that it says so
// clearly, exits with the documented code, corrupts nothing and loses
// nothing it had committed, and that the next run carries on. One file a
// family (disk, kill, YouTube, input); this one holds what they share.

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/internal/dbcheck"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// faultSite serves pages /p/0 .. /p/n-1 (/ is /p/0): page k links to
// pages 3k+1..3k+3 and embeds video(k) (none when video is nil or returns
// ""); pad bytes of text pad its title, so that pages take room in the
// database.
func faultSite(n int, video func(k int) string, pad int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := 0
		if r.URL.Path != "/" {
			if _, err := fmt.Sscanf(r.URL.Path, "/p/%d", &k); err != nil || k < 1 || k >= n {
				http.NotFound(w, r)
				return
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<html><head><title>page %d %s</title></head><body><article>", k, strings.Repeat("x", pad))
		if video != nil && video(k) != "" {
			fmt.Fprintf(&b, `<iframe src="https://www.youtube.com/embed/%s"></iframe>`, video(k))
		}
		for c := 3*k + 1; c <= 3*k+3 && c < n; c++ {
			fmt.Fprintf(&b, `<a href="/p/%d">page %d</a> `, c, c)
		}
		b.WriteString("</article></body></html>")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(b.String()))
	})
}

// faultErrorLines returns the lines of stderr that are not log records:
// the error ytharvest printed ("ytharvest: ..." and any lines it goes on
// to).
func faultErrorLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !strings.HasPrefix(l, "time=") {
			out = append(out, l)
		}
	}
	return out
}

// faultStart starts the binary with args and returns the command and a
// channel that receives its exit error. Its standard error goes to
// stderr.
func faultStart(t *testing.T, stderr io.Writer, args ...string) (*exec.Cmd, <-chan error) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})
	return cmd, done
}

// faultWait waits for a started command under a deadline and returns its
// exit code.
func faultWait(t *testing.T, cmd *exec.Cmd, done <-chan error, within time.Duration) int {
	t.Helper()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(within):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not end within %v", strings.Join(cmd.Args, " "), within)
	}
	return -1
}

// faultSlowSite is faultSite with every page held back by delay.
func faultSlowSite(n int, video func(int) string, delay time.Duration) *httptest.Server {
	site := faultSite(n, video, 0)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		site.ServeHTTP(w, r)
	}))
}

// faultOneLine fails t unless out is one line starting "ytharvest: " and
// holding msg.
func faultOneLine(t *testing.T, what, out, msg string) {
	t.Helper()
	out = strings.TrimSuffix(out, "\n")
	if strings.Contains(out, "\n") || !strings.HasPrefix(out, "ytharvest: ") || !strings.Contains(out, msg) {
		t.Errorf("%s: stderr %q; want one line, \"ytharvest: ...\", holding %q", what, out, msg)
	}
}

// faultFTSCheck runs FTS5's integrity-check on the full-text indexes: each
// index must match its content table exactly (a crash between a row and
// its index entry would show here).
func faultFTSCheck(t *testing.T, path string) {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, fts := range []string{"transcript_segments_fts", "videos_fts"} {
		if _, err := d.Exec(`INSERT INTO ` + fts + `(` + fts + `, rank) VALUES ('integrity-check', 1)`); err != nil {
			t.Errorf("%s integrity-check: %v", fts, err)
		}
	}
}

// A user prunes pages with their own SQL while a crawl holds them (cron's
// run and an analyst's sqlite3 at once): the crawl stores the rest and
// exits 0, the deleted page does not come back, and its references are
// not stored. Before, the batch failed a foreign key and the run exited 1.
func TestFaultPageDeletedDuringCrawl(t *testing.T) {
	site := testserver.NewHoldingSite("/p/1", "H7xQm2Lp9sA")
	e := newEnv(t, site)
	go func() {
		<-site.Arrived
		d, err := sql.Open("sqlite", "file:"+e.dbPath+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
		if err == nil {
			_, err = d.Exec(`DELETE FROM pages WHERE url = 'http://news.example/p/1'`)
			d.Close()
		}
		if err != nil {
			t.Error(err)
		}
		close(site.Release)
	}()
	if code := e.run("crawl", "--delay", "0s", "--depth", "1", "--no-transcripts", "--youtube-url", e.ytURL, "http://news.example/"); code != exitOK {
		t.Fatalf("crawl with a page deleted meanwhile: exit %d", code)
	}
	if !strings.Contains(e.stderr.String(), "pages deleted from the database while the run held them") {
		t.Errorf("the run did not say a page was deleted:\n%s", e.stderr)
	}
	got := e.query(`SELECT p.url || ' ' || p.state || ' ' || (SELECT count(*) FROM links l WHERE l.page_id = p.id) FROM pages p ORDER BY p.url`)
	want := []string{"http://news.example/ fetched 1", "http://news.example/p/2 fetched 1", "http://news.example/p/3 fetched 1"}
	if !slices.Equal(got, want) {
		t.Errorf("pages %q, want %q", got, want)
	}
	dbcheck.Check(t, e.dbPath)
}
