package main

// Faults of the process: killed at every stage, overlapping runs, a
// reader that holds the database through a crawl.

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/internal/dbcheck"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// faultStages tells which stage of a run each request serves: "page" for
// the site, "home", "player", "watch" or "captions" for YouTube. A
// request is announced as it arrives, before the answer (and its delay).
type faultStages chan string

func (c faultStages) wrap(stage string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := stage
		if s == "" {
			switch {
			case r.URL.Path == "/youtubei/v1/player":
				s = "player"
			case r.URL.Path == "/watch":
				s = "watch"
			case r.URL.Path == "/api/timedtext":
				s = "captions"
			default:
				s = "home"
			}
		}
		select {
		case c <- s:
		default:
		}
		h.ServeHTTP(w, r)
	})
}

// faultDrain empties c.
func (c faultStages) drain() {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// SIGKILL at chosen moments of the crawl, the player requests and the
// caption fetches (each kill lands while a request of that stage is being
// answered: the fake holds every YouTube answer back), then a clean run:
// nothing committed is lost, nothing is stored twice, every video ends
// with a definitive status and every playable one with its transcript,
// whole, and the file is intact.
func TestFaultKillAcrossStages(t *testing.T) {
	bin := binary(t)
	const pages, nvideos = 400, 80
	var ids []string
	for i := range nvideos {
		ids = append(ids, fmt.Sprintf("kill%07d", i))
	}
	stages := make(faultStages, 10000)
	yt := testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube"))
	_, cues := faultVideos(t, yt, ids, 40*time.Millisecond)
	ytSrv := httptest.NewServer(stages.wrap("", yt))
	defer ytSrv.Close()
	site := faultSite(pages, func(k int) string { return ids[k%nvideos] }, 0)
	siteSrv := httptest.NewServer(stages.wrap("page", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond) // so that the crawl lasts long enough to be killed in
		site.ServeHTTP(w, r)
	})))
	defer siteSrv.Close()
	dbPath := filepath.Join(t.TempDir(), "kill.db")
	args := []string{"crawl", "--db", dbPath, "--depth", "10", "--delay", "0s", "--concurrency", "4",
		"--host-concurrency", "4", "--youtube-url", ytSrv.URL, "--youtube-rate", "0", "--youtube-concurrency", "2",
		"-q", siteSrv.URL + "/"}

	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	plan := []string{"page", "page", "player", "captions", "player", "captions", "captions"}
	var landed []string // the stage of each kill
	var before map[string][]string
	for _, target := range plan {
		stages.drain()
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Kill at the skip+1'th request of the target stage, a few
		// milliseconds into its answer.
		skip := rng.IntN(5)
		deadline := time.After(5 * time.Second)
		stage := ""
	wait:
		for {
			select {
			case s := <-stages:
				if s == target {
					if skip == 0 {
						stage = s
						break wait
					}
					skip--
				}
			case err := <-done:
				t.Fatalf("a run ended before it could be killed (%v), after %d kills; stderr:\n%s", err, len(landed), &stderr)
			case <-deadline:
				stage = "(no " + target + " request within 5s: killed anyway)"
				break wait
			}
		}
		time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err == nil {
			t.Fatalf("a run finished before the kill; stderr:\n%s", &stderr)
		}
		landed = append(landed, stage)
		dbcheck.Check(t, dbPath)
		if before != nil {
			dbcheck.Kept(t, dbPath, before)
		}
		before = dbcheck.Snapshot(t, dbPath)
	}
	t.Logf("killed %d runs, during: %s", len(landed), strings.Join(landed, ", "))
	for _, s := range []string{"page", "player", "captions"} {
		if !slices.Contains(landed, s) {
			t.Errorf("no kill landed during a %s request", s)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	final := exec.CommandContext(ctx, bin, args...)
	if out, err := final.CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	dbcheck.Check(t, dbPath)
	dbcheck.Kept(t, dbPath, before)
	faultFTSCheck(t, dbPath)

	d := dbcheck.Open(t, dbPath)
	defer d.Close()
	for _, c := range []struct {
		what  string
		query string
		want  int
	}{
		{"pages", `SELECT count(*) FROM pages`, pages},
		{"pages not fetched", `SELECT count(*) FROM pages WHERE state <> 'fetched'`, 0},
		{"non-seed pages committed more than once", `SELECT count(*) FROM pages WHERE is_seed = 0 AND fetch_count <> 1`, 0},
		{"links", `SELECT count(*) FROM links`, pages},
		{"duplicate links", `SELECT count(*) FROM (SELECT 1 FROM links GROUP BY page_id, ref_type, ref_id, kind HAVING count(*) > 1)`, 0},
		{"videos", `SELECT count(*) FROM videos`, nvideos},
		{"videos without a definitive status", `SELECT count(*) FROM videos WHERE status IN ('pending', 'blocked', 'error')`, 0},
		{"videos not ok", `SELECT count(*) FROM videos WHERE status <> 'ok'`, 0},
		{"ok videos without their transcript", `SELECT count(*) FROM videos WHERE status = 'ok' AND transcript_status IS NOT 'ok'`, 0},
		{"caption tracks", `SELECT count(*) FROM caption_tracks`, 3 * nvideos},
		{"transcripts", `SELECT count(*) FROM transcripts`, nvideos},
		{"duplicate transcripts", `SELECT count(*) FROM (SELECT 1 FROM transcripts GROUP BY video_id, language, is_generated HAVING count(*) > 1)`, 0},
		{"transcripts without all their cues", `SELECT count(*) FROM transcripts t
			WHERE (SELECT count(*) FROM transcript_segments s WHERE s.transcript_id = t.id) <> ?`, 0},
		{"segments", `SELECT count(*) FROM transcript_segments`, cues * nvideos},
		{"duplicate segments", `SELECT count(*) FROM (SELECT 1 FROM transcript_segments GROUP BY transcript_id, start_ms, text HAVING count(*) > 1)`, 0},
		{"segments of another video than their transcript's", `SELECT count(*) FROM transcript_segments s
			JOIN transcripts t ON t.id = s.transcript_id WHERE s.video_id <> t.video_id OR s.language <> t.language`, 0},
		{"last run not ok", `SELECT count(*) FROM runs WHERE id = (SELECT max(id) FROM runs) AND status <> 'ok'`, 0},
	} {
		var got int
		var err error
		if strings.Contains(c.query, "?") {
			err = d.QueryRow(c.query, cues).Scan(&got)
		} else {
			err = d.QueryRow(c.query).Scan(&got)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if got != c.want {
			t.Errorf("%s = %d, want %d", c.what, got, c.want)
		}
	}
}

// Two runs on one database, as real processes: the second exits 4 at
// once naming the first's pid (crawl, video and refresh alike), read-only
// commands go on reading, and with --wait the second waits its turn, then
// runs; nothing is stored twice.
func TestFaultOverlappingRuns(t *testing.T) {
	bin := binary(t)
	const pages = 150
	site := faultSlowSite(pages, func(k int) string { return []string{"H7xQm2Lp9sA", "Zp4-eYc1UoM", "k3Rt_vB8nQw"}[k%3] }, 25*time.Millisecond)
	defer site.Close()
	yt := httptest.NewServer(testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube")))
	defer yt.Close()
	dbPath := filepath.Join(t.TempDir(), "o.db")
	crawl := []string{"crawl", "--db", dbPath, "--depth", "10", "--delay", "0s", "--concurrency", "1",
		"--youtube-url", yt.URL, "--youtube-rate", "0", site.URL + "/"}

	var firstErr bytes.Buffer
	first, firstDone := faultStart(t, &firstErr, crawl...)
	pid := fmt.Sprintf("pid %d ", first.Process.Pid)
	// The first holds the lock once its pid is in the lock file.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(dbPath + ".lock")
		if strings.HasPrefix(string(b), pid) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first run never took the lock; stderr:\n%s", &firstErr)
		}
	}

	for _, args := range [][]string{
		crawl,
		{"video", "--db", dbPath, "--youtube-url", yt.URL, "H7xQm2Lp9sA"},
		{"refresh", "--db", dbPath, "--youtube-url", yt.URL},
	} {
		start := time.Now()
		out, err := exec.Command(bin, args...).CombinedOutput()
		elapsed := time.Since(start)
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != exitLocked || !strings.Contains(string(out), "another run holds the database") || !strings.Contains(string(out), pid) {
			t.Errorf("%s while a crawl runs: exit %d, output %q; want exit %d naming %q", args[0], code, out, exitLocked, pid)
		}
		if lines := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; lines != 1 {
			t.Errorf("%s while a crawl runs: %d lines of output, want one", args[0], lines)
		}
		if elapsed > 3*time.Second {
			t.Errorf("%s took %v to give up, want at once", args[0], elapsed)
		}
		t.Logf("%s while a crawl runs: exit %d after %v: %s", args[0], code, elapsed.Round(time.Millisecond), bytes.TrimSpace(out))
	}
	// The read-only commands never wait: each reads at once.
	for _, args := range [][]string{
		{"stats", "--db", dbPath},
		{"sql", "--db", dbPath, "SELECT count(*) FROM pages"},
		{"search", "--db", dbPath, "state"},
		{"export", "--db", dbPath, "--table", "pages"},
		{"backup", "--db", dbPath, filepath.Join(t.TempDir(), "copy.db")},
	} {
		start := time.Now()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if elapsed := time.Since(start); err != nil || elapsed > 3*time.Second {
			t.Errorf("%s while a crawl runs: %v after %v, want at once\n%s", args[0], err, elapsed, out)
		}
	}
	select {
	case <-firstDone:
		t.Fatal("the first run ended before the read-only commands were tried: the site is too fast for the test")
	default:
	}

	// --wait: the second run waits for the first, then runs.
	var secondErr bytes.Buffer
	second, secondDone := faultStart(t, &secondErr, append(crawl, "--wait")...)
	select {
	case <-secondDone:
		t.Fatalf("crawl --wait ended before the run holding the lock: %v\n%s", second.ProcessState, &secondErr)
	case <-firstDone:
		if code := first.ProcessState.ExitCode(); code != exitOK {
			t.Fatalf("first run: exit %d\n%s", code, &firstErr)
		}
	case <-time.After(time.Minute):
		t.Fatal("the first run did not end within a minute")
	}
	if code := faultWait(t, second, secondDone, time.Minute); code != exitOK {
		t.Fatalf("second run (--wait): exit %d\n%s", code, &secondErr)
	}

	dbcheck.Check(t, dbPath)
	e := &env{t: t, dbPath: dbPath}
	diffRows(t, "runs", e.query(`SELECT a.id, b.id, a.status, b.status, b.started_at >= a.finished_at FROM runs a, runs b WHERE b.id = a.id + 1`),
		[]string{"1 | 2 | ok | ok | 1"})
	for _, c := range []struct{ what, query, want string }{
		{"pages", `SELECT count(*) FROM pages`, fmt.Sprint(pages)},
		{"non-seed pages fetched twice", `SELECT count(*) FROM pages WHERE is_seed = 0 AND fetch_count <> 1`, "0"},
		{"duplicate links", `SELECT count(*) FROM (SELECT 1 FROM links GROUP BY page_id, ref_type, ref_id, kind HAVING count(*) > 1)`, "0"},
		{"videos", `SELECT count(*) FROM videos`, "3"},
		{"duplicate transcripts", `SELECT count(*) FROM (SELECT 1 FROM transcripts GROUP BY video_id, language, is_generated HAVING count(*) > 1)`, "0"},
		{"duplicate segments", `SELECT count(*) FROM (SELECT 1 FROM transcript_segments GROUP BY transcript_id, start_ms HAVING count(*) > 1)`, "0"},
	} {
		if got := e.query(c.query); !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s = %v, want %s", c.what, got, c.want)
		}
	}
}

// A reader holding one read transaction for the whole of a crawl (a
// Datasette query, an export): the crawl completes, the reader sees the
// same snapshot throughout, and once the reader is gone the WAL is folded
// back into the database.
func TestFaultLongReader(t *testing.T) {
	const pages = 1500
	site := faultSlowSite(pages, func(k int) string { return fmt.Sprintf("read%07d", k%200) }, 0)
	defer site.Close()
	yt := httptest.NewServer(testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube")))
	defer yt.Close()
	dbPath := filepath.Join(t.TempDir(), "r.db")
	crawl := []string{"crawl", "--db", dbPath, "--depth", "10", "--delay", "0s", "--concurrency", "4", "--host-concurrency", "4",
		"--youtube-url", yt.URL, "--youtube-rate", "0", site.URL + "/"}
	var stderr bytes.Buffer
	cmd, done := faultStart(t, &stderr, crawl...)

	reader, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	// Wait until the crawl has stored something, then take a snapshot.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var n int
		if err := reader.QueryRow(`SELECT count(*) FROM pages WHERE state = 'fetched'`).Scan(&n); err == nil && n >= 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the crawl stored nothing within 20s:\n%s", &stderr)
		}
	}
	ctx := context.Background()
	tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	const view = `SELECT (SELECT count(*) FROM pages WHERE state = 'fetched') || ' ' || (SELECT count(*) FROM links)
		|| ' ' || (SELECT count(*) FROM videos) || ' ' || (SELECT coalesce(max(id), 0) FROM pages) || ' ' || (SELECT count(*) FROM runs WHERE status = 'running')`
	var first string
	if err := tx.QueryRow(view).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if code := faultWait(t, cmd, done, time.Minute); code != exitOK {
		t.Fatalf("crawl under a long reader: exit %d\n%s", code, &stderr)
	}
	var again string
	if err := tx.QueryRow(view).Scan(&again); err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Errorf("the reader's snapshot changed under it: %q, then %q", first, again)
	}
	wal, _ := os.Stat(dbPath + "-wal")
	t.Logf("snapshot %q; after the crawl, with the reader still open, the WAL holds %d bytes", first, wal.Size())
	var now string
	if err := reader.QueryRow(view).Scan(&now); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(now, fmt.Sprint(pages)+" ") {
		t.Errorf("a new read sees %q, want all %d pages", now, pages)
	}
	tx.Rollback()
	reader.Close()
	dbcheck.Check(t, dbPath)

	// The next run, with no reader about, folds the WAL back.
	if out, err := exec.Command(binary(t), append(crawl[:len(crawl)-1:len(crawl)-1], "--depth", "0", site.URL+"/")...).CombinedOutput(); err != nil {
		t.Fatalf("next run: %v\n%s", err, out)
	}
	if fi, err := os.Stat(dbPath + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("after the next run the WAL still holds %d bytes", fi.Size())
	}
	dbcheck.Check(t, dbPath)
}
