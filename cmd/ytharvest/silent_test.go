package main

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/internal/testserver"
)

// Cron reads only exit codes and stderr: a run that could harvest nothing
// says so with both, even with -q.

// YouTube unreachable: every video fetch fails, the run is recorded
// failed and exits 5 with a warning that counts them; the videos stay due
// for the next run, which fetches them once YouTube answers.
func TestYouTubeUnreachable(t *testing.T) {
	e := newEnv(t, nil)
	code := e.run("crawl", "-q", "--youtube-url", "http://127.0.0.1:1", "--youtube-rate", "0", "--delay", "0s", "http://news.example/")
	if code != exitFailed {
		t.Errorf("crawl with YouTube unreachable: exit %d, want %d", code, exitFailed)
	}
	stderr := e.stderr.String()
	if !strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, "videos_failed=10") || !strings.Contains(stderr, "ytharvest: failed: no video could be fetched: 10 failed") {
		t.Errorf("stderr does not warn with the counts and end with the failure:\n%s", stderr)
	}
	diffRows(t, "run", e.query(`SELECT status, videos_fetched, videos_failed FROM runs`), []string{"failed | 0 | 10"})
	if n := e.query(`SELECT count(*) FROM videos WHERE status = 'error'`); n[0] != "10" {
		t.Errorf("videos in error: %v, want 10 (tried again next run)", n)
	}

	code = e.run("video", "--youtube-url", "http://127.0.0.1:1", "H7xQm2Lp9sA")
	if code != exitFailed || !strings.Contains(e.stdout.String(), "H7xQm2Lp9sA  error") {
		t.Errorf("video with YouTube unreachable: exit %d, want %d\n%s", code, exitFailed, e.stdout)
	}
	if code := e.run("refresh", "--youtube-url", e.ytURL, "--youtube-rate", "0"); code != exitOK {
		t.Errorf("refresh once YouTube answers: exit %d", code)
	}
	if n := e.query(`SELECT count(*) FROM videos WHERE status = 'error'`); n[0] != "0" {
		t.Errorf("videos still in error after a healthy refresh: %v", n)
	}
}

// Some videos fail, others are fetched: the run is ok (exit 0) and warns
// with the counts; `video` naming a video that failed exits 5 even when
// the others were fetched, and says which, keeping what was known of a
// video fetched before.
func TestSomeVideosFail(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.run("video", "--youtube-url", e.ytURL, "--youtube-rate", "0", "Zp4-eYc1UoM"); code != exitOK {
		t.Fatalf("healthy fetch: exit %d", code)
	}
	// `video` records its attempts as a crawl does.
	diffRows(t, "attempts", e.query(`SELECT fetch_attempts, attempted_at IS NOT NULL FROM videos WHERE id = 'Zp4-eYc1UoM'`), []string{"1 | 1"})
	e.youtube.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: []byte(`{"playabilityStatus": {`)}})
	e.youtube.Set("Zp4-eYc1UoM", testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: []byte(`{"playabilityStatus": {`)}})

	code := e.crawl("-q")
	stderr := e.stderr.String()
	if code != exitOK || !strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, "videos_failed=1 ") {
		t.Errorf("crawl with one video failing: exit %d, want 0 and a warning counting it:\n%s", code, stderr)
	}

	code = e.run("video", "--youtube-url", e.ytURL, "--youtube-rate", "0", "k3Rt_vB8nQw", "Zp4-eYc1UoM")
	out := e.stdout.String()
	if code != exitFailed || !strings.Contains(out, "Zp4-eYc1UoM  ok") || !strings.Contains(out, "this fetch failed: malformed player answer") ||
		!strings.Contains(e.stderr.String(), "1 of the 2 videos named could not be fetched") {
		t.Errorf("video with one of two failing: exit %d, want %d\n%s%s", code, exitFailed, out, e.stderr)
	}
	diffRows(t, "attempts", e.query(`SELECT fetch_attempts FROM videos WHERE id = 'Zp4-eYc1UoM'`), []string{"2"})
}

// Every seed fails: the run is recorded failed, with the first seed's
// error, and exits 5; one seed of two failing is an ordinary run.
func TestEverySeedFailed(t *testing.T) {
	e := newEnv(t, nil)
	code := e.crawl("-q", "http://news.example/articles/withdrawn", "http://news.example/nowhere")
	if code != exitFailed || !strings.Contains(e.stderr.String(), "ytharvest: failed: every seed failed (2); first: http://news.example/") {
		t.Errorf("every seed failed: exit %d, want %d\n%s", code, exitFailed, e.stderr)
	}
	diffRows(t, "run", e.query(`SELECT status, seeds, seeds_failed FROM runs`), []string{"failed | 2 | 2"})
	if code := e.crawl("-q", "--depth", "0", "http://news.example/articles/withdrawn", "http://news.example/articles/budget"); code != exitOK {
		t.Errorf("one seed of two failed: exit %d, want 0", code)
	}
}

// A run that cannot be recorded (here a trigger refuses the runs row)
// fails with the reason and is not reported as a finished run 0: crawl
// and video both.
func TestRunNotRecorded(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl("--max-pages", "1"); code != exitPartial {
		t.Fatalf("first crawl: exit %d", code)
	}
	d, err := sql.Open("sqlite", e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`CREATE TRIGGER refuse_runs BEFORE INSERT ON runs BEGIN SELECT RAISE(ABORT, 'no runs today'); END`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	for _, args := range [][]string{
		{"crawl", "--youtube-url", e.ytURL, "--delay", "0s", "http://news.example/"},
		{"video", "--youtube-url", e.ytURL, "H7xQm2Lp9sA"},
	} {
		code := e.run(args...)
		stderr := e.stderr.String()
		if code != exitError || !strings.Contains(stderr, "no runs today") {
			t.Errorf("%s: exit %d, want %d with the reason:\n%s", args[0], code, exitError, stderr)
		}
		if strings.Contains(stderr, "run finished") || strings.Contains(stderr, "run=0") {
			t.Errorf("%s: a run that was never recorded is logged as finished:\n%s", args[0], stderr)
		}
	}
}
