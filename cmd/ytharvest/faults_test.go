package main

// Faults of the process, the disk, YouTube and the user (issue 7): each
// test puts ytharvest in a bad situation on loopback and checks that it
// says so clearly, exits with the documented code, corrupts nothing and
// loses nothing it had committed, and that the next run carries on.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/crawl"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// faultCheckDB fails t unless the database at path passes SQLite's
// integrity and foreign-key checks.
func faultCheckDB(t *testing.T, path string) {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var res []string
	rows, err := d.Query(`PRAGMA integrity_check`)
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		res = append(res, s)
	}
	rows.Close()
	if !slices.Equal(res, []string{"ok"}) {
		t.Fatalf("PRAGMA integrity_check = %q, want ok", res)
	}
	var fk int
	if err := d.QueryRow(`SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil || fk != 0 {
		t.Errorf("foreign_key_check: %d violations, %v", fk, err)
	}
}

// faultIdentity are queries naming every committed row by what must never
// change about it once committed.
var faultIdentity = map[string]string{
	"pages":  `SELECT id || ' ' || url FROM pages`,
	"links":  `SELECT id || ' ' || page_id || ' ' || ref_type || ' ' || ref_id || ' ' || kind FROM links`,
	"videos": `SELECT id || ' ' || first_seen_at FROM videos`,
	"definitive videos": `SELECT id || ' ' || coalesce(title, '') FROM videos
		WHERE status NOT IN ('pending', 'blocked', 'error')`,
	"transcripts": `SELECT id || ' ' || video_id || ' ' || language || ' ' || is_generated || ' ' || text FROM transcripts`,
	"segments":    `SELECT id || ' ' || transcript_id || ' ' || start_ms || ' ' || text FROM transcript_segments`,
	"runs":        `SELECT id || ' ' || started_at FROM runs`,
	"schema":      `SELECT type || ' ' || name FROM sqlite_schema`,
}

// faultSnapshot reads the identity of every committed row.
func faultSnapshot(t *testing.T, path string) map[string][]string {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	snap := make(map[string][]string)
	for name, q := range faultIdentity {
		rows, err := d.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			snap[name] = append(snap[name], s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return snap
}

// faultKept fails t unless every row of before is still in the database.
func faultKept(t *testing.T, path string, before map[string][]string) {
	t.Helper()
	after := faultSnapshot(t, path)
	for name, rows := range before {
		have := make(map[string]bool, len(after[name]))
		for _, r := range after[name] {
			have[r] = true
		}
		lost := 0
		for _, r := range rows {
			if !have[r] {
				if lost < 3 {
					t.Errorf("%s: committed row lost or changed: %.120s", name, r)
				}
				lost++
			}
		}
		if lost > 0 {
			t.Errorf("%s: %d of %d committed rows lost or changed", name, lost, len(rows))
		}
	}
}

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

// faultMount mounts a tmpfs of the given size on a new directory, for
// the length of the test, or skips the test when mounting is not
// permitted (not root, no CAP_SYS_ADMIN, not Linux).
func faultMount(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0755", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); this test needs root on Linux", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v: %s", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

// faultRemount changes the options of the tmpfs at dir.
func faultRemount(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v: %s", dir, opts, err, out)
	}
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

// A full disk (a small tmpfs): the run stops with exit 1 and says "disk
// full", whichever stage met it (pages, videos, transcripts, the run's
// start, a new database); what was committed is intact and the file
// passes integrity_check; the next run, with room again, carries on to the
// end.
func TestFaultDiskFull(t *testing.T) {
	mnt := faultMount(t, "6m")
	const pages = 800
	var playable []string
	for i := range pages / 4 {
		playable = append(playable, fmt.Sprintf("full%07d", i))
	}
	// Every page embeds a video: one in four plays and has captions, the
	// others are unknown to YouTube (removed).
	e := newEnv(t, faultSite(pages, func(k int) string {
		if k%4 == 0 {
			return playable[k/4]
		}
		return fmt.Sprintf("gone%07d", k)
	}, 200))
	faultVideos(t, e.youtube, playable, 0)
	e.dbPath = filepath.Join(mnt, "h.db")
	diskFull := func(what string) {
		t.Helper()
		lines := faultErrorLines(e.stderr.String())
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "ytharvest: ") {
			t.Errorf("%s: no error message:\n%s", what, e.stderr)
		}
		if len(lines) > 2 {
			t.Errorf("%s: %d lines of error, want one, or two when both stages met it", what, len(lines))
		}
		for _, l := range lines {
			if !strings.Contains(l, "disk full") {
				t.Errorf("%s: a line of the message does not say disk full: %q", what, l)
			}
		}
	}

	// A first, small run fits.
	if code := e.crawl("--depth", "10", "--max-pages", "10"); code != exitPartial {
		t.Fatalf("first run: exit %d, want %d (--max-pages)", code, exitPartial)
	}
	before := faultSnapshot(t, e.dbPath)

	start := time.Now()
	if code := e.crawl("--depth", "10"); code != exitError {
		t.Fatalf("run that fills the disk: exit %d, want %d", code, exitError)
	}
	t.Logf("the run met the full disk after %v: %q", time.Since(start).Round(time.Millisecond), faultErrorLines(e.stderr.String()))
	diskFull("run that fills the disk")
	faultCheckDB(t, e.dbPath)
	faultKept(t, e.dbPath, before)
	// The run is recorded as failed, with the error, when there is room
	// for that much; else it stays "running" (as a killed run does).
	run := e.query(`SELECT status, coalesce(error, '') FROM runs WHERE id = 2`)
	t.Logf("the run's record: %q", run)
	if len(run) != 1 || !(strings.HasPrefix(run[0], "failed | ") && strings.Contains(run[0], "disk full") || run[0] == "running | ") {
		t.Errorf("the run's record: %q, want failed with the error, or running", run)
	}

	// Full to the last byte before a run starts, with the database there,
	// and with a new one.
	exec.Command("dd", "if=/dev/zero", "of="+filepath.Join(mnt, "filler"), "bs=4k").Run()
	before = faultSnapshot(t, e.dbPath)
	if code := e.crawl("--depth", "10"); code != exitError {
		t.Errorf("run on a full disk: exit %d, want %d", code, exitError)
	}
	diskFull("run on a full disk")
	newDB := filepath.Join(mnt, "new.db")
	e.stderr.Reset()
	if code := e.app.main(context.Background(), []string{"crawl", "--db", newDB, "--youtube-url", e.ytURL, "http://news.example/"}); code != exitError {
		t.Errorf("new database on a full disk: exit %d, want %d", code, exitError)
	}
	diskFull("new database on a full disk")
	faultCheckDB(t, e.dbPath)
	faultKept(t, e.dbPath, before)
	os.Remove(filepath.Join(mnt, "filler"))

	// Room again: the next run carries on to the end.
	faultRemount(t, mnt, "size=256m")
	if code := e.crawl("--depth", "10"); code != exitOK {
		t.Fatalf("run with room again: exit %d, want 0", code)
	}
	faultCheckDB(t, e.dbPath)
	faultKept(t, e.dbPath, before)
	for _, c := range []struct{ what, query, want string }{
		{"pages not fetched", `SELECT count(*) FROM pages WHERE state <> 'fetched'`, "0"},
		{"pages", `SELECT count(*) FROM pages`, fmt.Sprint(pages)},
		{"videos without a definitive status", `SELECT count(*) FROM videos WHERE status IN ('pending', 'blocked', 'error')`, "0"},
		{"playable videos without their transcript", `SELECT count(*) FROM videos WHERE status = 'ok' AND transcript_status IS NOT 'ok'`, "0"},
		{"transcripts", `SELECT count(*) FROM transcripts`, fmt.Sprint(len(playable))},
	} {
		if got := e.query(c.query); !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s = %v, want %s", c.what, got, c.want)
		}
	}
	// The new database the full disk left empty works now too.
	if code := e.app.main(context.Background(), []string{"crawl", "--db", newDB, "--depth", "0", "--youtube-url", e.ytURL, "http://news.example/"}); code != exitOK {
		t.Errorf("crawl into the database a full disk left empty: exit %d\n%s", code, e.stderr)
	}
}

// faultVideos makes the fake answer for each of ids as it does for
// H7xQm2Lp9sA (playable; caption tracks en, en auto-generated, de; the
// English captions for every caption request), every answer held back by
// delay. It returns the answers it set, by ID, and the number of cues of
// those captions.
func faultVideos(t *testing.T, yt *testserver.YouTube, ids []string, delay time.Duration) (map[string]testserver.FakeAnswer, int) {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "youtube")
	player, err := os.ReadFile(filepath.Join(dir, "player", "H7xQm2Lp9sA.json"))
	if err != nil {
		t.Fatal(err)
	}
	captions, err := os.ReadFile(filepath.Join(dir, "timedtext", "H7xQm2Lp9sA.en.json3"))
	if err != nil {
		t.Fatal(err)
	}
	_, segs, err := youtube.ParseTimedText(captions)
	if err != nil || len(segs) == 0 {
		t.Fatalf("the fixture's captions: %d cues, %v", len(segs), err)
	}
	// The fake builds the watch page from the player answer; fetch it
	// once to serve it as such (with the delay, and whatever the player
	// answer becomes).
	srv := httptest.NewServer(yt)
	defer srv.Close()
	answers := make(map[string]testserver.FakeAnswer)
	for _, id := range ids {
		body := bytes.ReplaceAll(player, []byte("H7xQm2Lp9sA"), []byte(id))
		a := testserver.FakeAnswer{
			Player:   &testserver.FakeResponse{Body: body, Delay: delay},
			Captions: &testserver.FakeResponse{Body: captions, Delay: delay, Header: http.Header{"Content-Type": {"application/json; charset=UTF-8"}}},
		}
		yt.Set(id, testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: body}})
		resp, err := http.Get(srv.URL + "/watch?v=" + id)
		if err != nil {
			t.Fatal(err)
		}
		watch, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a.Watch = &testserver.FakeResponse{Body: watch, Delay: delay}
		yt.Set(id, a)
		answers[id] = a
	}
	return answers, len(segs)
}

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
		faultCheckDB(t, dbPath)
		if before != nil {
			faultKept(t, dbPath, before)
		}
		before = faultSnapshot(t, dbPath)
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
	faultCheckDB(t, dbPath)
	faultKept(t, dbPath, before)
	faultFTSCheck(t, dbPath)

	d, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
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

// Two runs on one database, as real processes: the second exits 4 at
// once naming the first's pid (crawl, video and refresh alike), read-only
// commands go on reading, and with --wait the second waits its turn, then
// runs; nothing is stored twice.
func TestFaultOverlappingRuns(t *testing.T) {
	bin := binary(t)
	const pages = 150
	site := faultSlowSite(pages, func(k int) string { return []string{"H7xQm2Lp9sA", "Zp4-eYc1UoM", "k3Rt_vB8nQw"}[k%3] }, 5*time.Millisecond)
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
	if out, err := exec.Command(bin, "stats", "--db", dbPath).CombinedOutput(); err != nil {
		t.Errorf("stats while a crawl runs: %v\n%s", err, out)
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

	faultCheckDB(t, dbPath)
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
	faultCheckDB(t, dbPath)

	// The next run, with no reader about, folds the WAL back.
	if out, err := exec.Command(binary(t), append(crawl[:len(crawl)-1:len(crawl)-1], "--depth", "0", site.URL+"/")...).CombinedOutput(); err != nil {
		t.Fatalf("next run: %v\n%s", err, out)
	}
	if fi, err := os.Stat(dbPath + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("after the next run the WAL still holds %d bytes", fi.Size())
	}
	faultCheckDB(t, dbPath)
}

// faultFiles returns the names and contents of the files in dir.
func faultFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string]string)
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[en.Name()] = string(b)
	}
	return files
}

// Every command that opens a database refuses one that is not
// ytharvest's, or is from a newer ytharvest: exit 1, a one-line message
// saying which, and the file (and its directory) left exactly as it was.
func TestFaultForeignAndNewerDatabases(t *testing.T) {
	mk := func(t *testing.T, stmts ...string) string {
		p := filepath.Join(t.TempDir(), "x.db")
		s, err := sql.Open("sqlite", "file:"+p)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, q := range stmts {
			if _, err := s.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	files := []struct {
		name string
		make func(t *testing.T) string
		msg  string
	}{
		{"another application's", func(t *testing.T) string {
			return mk(t, "CREATE TABLE invoices (n INTEGER)", "INSERT INTO invoices VALUES (1)", "PRAGMA application_id = 42")
		}, "not a ytharvest database: application_id is 0x2a"},
		{"plain SQLite with tables", func(t *testing.T) string { return mk(t, "CREATE TABLE customers (name TEXT)") },
			"not a ytharvest database: it holds tables ytharvest did not create"},
		{"not SQLite", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "x.db")
			os.WriteFile(p, bytes.Repeat([]byte("these are my notes, not a database\n"), 200), 0o644)
			return p
		}, "not a ytharvest database: the file is not a SQLite database"},
		{"newer schema", func(t *testing.T) string {
			return mk(t, "CREATE TABLE future (x INTEGER)", fmt.Sprintf("PRAGMA application_id = %d", db.ApplicationID), "PRAGMA user_version = 9999")
		}, "database schema is newer than this ytharvest: schema version 9999"},
	}
	e := newEnv(t, nil)
	for _, f := range files {
		for _, cmd := range [][]string{
			{"crawl", "http://news.example/"},
			{"video", "H7xQm2Lp9sA"},
			{"refresh"},
			{"stats"},
			{"sql", "SELECT 1"},
			{"search", "budget"},
			{"export", "--table", "videos"},
			{"backup", "BACKUP"},
		} {
			t.Run(f.name+"/"+cmd[0], func(t *testing.T) {
				path := f.make(t)
				dir := filepath.Dir(path)
				before := faultFiles(t, dir)
				backup := filepath.Join(t.TempDir(), "copy.db")
				args := []string{cmd[0], "--db", path, "--youtube-url", e.ytURL}
				switch cmd[0] {
				case "stats", "sql", "search", "export", "backup":
					args = args[:3] // no YouTube flags
				}
				for _, a := range cmd[1:] {
					args = append(args, strings.ReplaceAll(a, "BACKUP", backup))
				}
				e.stdout.Reset()
				e.stderr.Reset()
				code := e.app.main(context.Background(), args)
				msg := e.stderr.String()
				t.Logf("exit %d: %s", code, strings.TrimSpace(msg))
				if code != exitError || !strings.Contains(msg, f.msg) {
					t.Errorf("ytharvest %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(args, " "), code, msg, f.msg)
				}
				if n := strings.Count(strings.TrimSpace(msg), "\n"); n > 0 {
					t.Errorf("the message has %d lines, want one:\n%s", n+1, msg)
				}
				after := faultFiles(t, dir)
				if len(after) != len(before) || after["x.db"] != before["x.db"] {
					var names []string
					for n := range after {
						names = append(names, n)
					}
					t.Errorf("the directory changed: now %v (the database changed: %v)", names, after["x.db"] != before["x.db"])
				}
				if _, err := os.Stat(backup); err == nil {
					t.Error("backup wrote a copy of a database it refused")
				}
			})
		}
	}
}

// Block pages YouTube answers instead of what was asked (after those in
// harvest/youtube's tests, from recorded ones).
const (
	faultCaptchaPage = `<!DOCTYPE html><html><head><title>YouTube</title></head><body><div id="captcha-page">
<p>Our systems have detected unusual traffic from your computer network.</p>
<form action="/das_captcha?fw=1" method="POST"><div class="g-recaptcha" data-sitekey="x"></div></form></div></body></html>`
	faultConsentPage = `<!DOCTYPE html><html lang="de"><head><title>Bevor Sie zu YouTube weitergehen</title></head><body>
<form action="https://consent.youtube.com/s" method="POST" style="display:inline;"><input type="hidden" name="gl" value="DE">
<input type="hidden" name="v" value="cb.20210328-17-p0.de+FX+119"><button>Ich stimme zu</button></form></body></html>`
)

// YouTube's faults, end to end through `ytharvest video` and `refresh`:
// for each, the status recorded for a video never fetched before, the
// exit code, a video fetched before keeps its definitive answer and its
// transcript, no video is recorded removed, private or age-restricted
// because of a fault, and the next run against a healthy YouTube
// completes.
func TestFaultYouTube(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "youtube")
	botCheck, err := os.ReadFile(filepath.Join(dir, "player", "Bk9Zx7Cv5Np.json"))
	if err != nil {
		t.Fatal(err)
	}
	const fresh, known = "faultnew001", "faultold001"
	// Each case turns a healthy answer into a faulty one.
	type edit func(id string, a testserver.FakeAnswer) testserver.FakeAnswer
	cut := func(b []byte) []byte { return b[:len(b)/2] }
	tests := []struct {
		name    string
		fault   edit
		status  string // of the fresh video
		tstatus string // its transcript_status; "-" for none
		reason  string // in its status_reason or transcript_reason
		code    int
	}{
		{"429 on the player", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Status: http.StatusTooManyRequests, Body: []byte(faultCaptchaPage), Header: http.Header{"Content-Type": {"text/html"}}}
			return a
		}, "blocked", "-", "HTTP 429", exitPartial},
		{"bot check", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: bytes.ReplaceAll(botCheck, []byte("Bk9Zx7Cv5Np"), []byte(id))}
			return a
		}, "blocked", "-", "not a bot", exitPartial},
		{"consent page", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: []byte(faultConsentPage), Header: http.Header{"Content-Type": {"text/html"}}}
			return a
		}, "blocked", "-", "consent page", exitPartial},
		{"captcha page", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: []byte(faultCaptchaPage), Header: http.Header{"Content-Type": {"text/html"}}}
			return a
		}, "blocked", "-", "captcha page", exitPartial},
		{"malformed JSON", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: []byte(`{"playabilityStatus": {"status": "OK", ]`)}
			return a
		}, "error", "-", "malformed player answer", exitFailed},
		{"player body cut mid-JSON", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: cut(a.Player.Body)}
			return a
		}, "error", "-", "malformed player answer", exitFailed},
		{"player body shorter than its Content-Length", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: cut(a.Player.Body), Header: http.Header{"Content-Length": {fmt.Sprint(len(a.Player.Body))}}}
			return a
		}, "error", "-", "player", exitFailed},
		{"429 on the captions", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Captions = &testserver.FakeResponse{Status: http.StatusTooManyRequests, Body: []byte("Too Many Requests")}
			return a
		}, "ok", "blocked", "HTTP 429", exitPartial},
		{"empty caption body", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Captions = &testserver.FakeResponse{Header: http.Header{"Content-Type": {"application/json"}}}
			return a
		}, "ok", "blocked", "empty answer", exitPartial},
		{"captcha instead of captions", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Captions = &testserver.FakeResponse{Body: []byte(faultCaptchaPage), Header: http.Header{"Content-Type": {"text/html"}}}
			return a
		}, "ok", "blocked", "captcha page", exitPartial},
		{"captions cut mid-JSON", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			c := *a.Captions
			c.Body = cut(c.Body)
			a.Captions = &c
			return a
		}, "ok", "error", "captions (en)", exitOK},
		{"captions shorter than their Content-Length", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			c := *a.Captions
			c.Header = http.Header{"Content-Length": {fmt.Sprint(len(c.Body))}}
			c.Body = cut(c.Body)
			a.Captions = &c
			return a
		}, "ok", "error", "captions (en)", exitOK},
		{"caption URL with exp=xpe", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: bytes.ReplaceAll(a.Player.Body, []byte("/api/timedtext?"), []byte("/api/timedtext?exp=xpe&"))}
			return a
		}, "ok", "po_token_required", "proof-of-origin token", exitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			healthy, _ := faultVideos(t, e.youtube, []string{fresh, known}, 0)
			yt := []string{"--youtube-url", e.ytURL, "--youtube-rate", "0", "--youtube-concurrency", "1"}
			if code := e.run(append([]string{"video", known}, yt...)...); code != exitOK {
				t.Fatalf("healthy fetch: exit %d", code)
			}
			before := faultSnapshot(t, e.dbPath)
			for _, id := range []string{fresh, known} {
				e.youtube.Set(id, tc.fault(id, healthy[id]))
			}

			// A video never fetched before gets the fault's status.
			if code := e.run(append([]string{"video", fresh}, yt...)...); code != tc.code {
				t.Errorf("video %s: exit %d, want %d", fresh, code, tc.code)
			}
			got := e.query(`SELECT status, coalesce(transcript_status, '-'), coalesce(status_reason, '') || ' ' || coalesce(transcript_reason, '') FROM videos WHERE id = '` + fresh + `'`)
			t.Logf("recorded: %v", got)
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.status+" | "+tc.tstatus+" | ") || !strings.Contains(got[0], tc.reason) {
				t.Errorf("after the fault: %v; want %s | %s, with %q", got, tc.status, tc.tstatus, tc.reason)
			}
			if tc.code == exitPartial && !strings.Contains(e.stderr.String(), "YouTube blocked us") {
				t.Errorf("a block, and stderr does not say so:\n%s", e.stderr)
			}

			// A video fetched before keeps its answer and transcript.
			code := e.run(append([]string{"video", known}, yt...)...)
			t.Logf("the known video met the fault: exit %d", code)
			if code != tc.code {
				t.Errorf("video %s: exit %d, want %d", known, code, tc.code)
			}
			if got := e.query(`SELECT status, title FROM videos WHERE id = '` + known + `'`); !slices.Equal(got, []string{"ok | State visit: the arrival ceremony in full"}) {
				t.Errorf("the known video became %v", got)
			}
			if tc.tstatus == "blocked" || tc.tstatus == "error" {
				if got := e.query(`SELECT transcript_status FROM videos WHERE id = '` + known + `'`); !slices.Equal(got, []string{"ok"}) {
					t.Errorf("the known video's transcript became %v", got)
				}
			}
			faultKept(t, e.dbPath, before)
			if n := e.count("videos WHERE status IN ('removed', 'private', 'age_restricted', 'unplayable', 'live_upcoming')"); n != 0 {
				t.Errorf("%d videos recorded as gone or restricted because of a fault", n)
			}
			faultCheckDB(t, e.dbPath)

			// YouTube is healthy again: the next refresh, once a bench is
			// over, completes.
			for _, id := range []string{fresh, known} {
				e.youtube.Set(id, healthy[id])
			}
			e.coolDown()
			if code := e.run(append([]string{"refresh"}, yt...)...); code != exitOK {
				t.Fatalf("refresh against a healthy YouTube: exit %d", code)
			}
			want := []string{fresh + " | ok | ok", known + " | ok | ok"}
			if tc.tstatus == "po_token_required" {
				// Not a passing failure: asked again after --refresh-after
				// (or with --refetch-transcripts), not on the next run.
				want = []string{fresh + " | ok | po_token_required", known + " | ok | po_token_required"}
			}
			diffRows(t, "after a healthy refresh", e.query(`SELECT id, status, transcript_status FROM videos ORDER BY id`), want)
			faultCheckDB(t, e.dbPath)
			faultKept(t, e.dbPath, before)
		})
	}
}

// A YouTube answer that never comes: --youtube-timeout (30s by default)
// ends each request, tested on youtube.Source with Options.Timeout for
// each kind of request, and end to end through the flag (the video is
// recorded error, and the next run fetches it); the run's own deadline
// (SIGINT, SIGTERM) ends the wait too, leaving the video pending rather
// than recorded as anything; the next run completes.
func TestFaultYouTubeHang(t *testing.T) {
	const id = "faulthang01"
	t.Run("Source", func(t *testing.T) {
		yt := testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube"))
		healthy, _ := faultVideos(t, yt, []string{id}, 0)
		srv := httptest.NewServer(yt)
		defer srv.Close()
		u, _ := url.Parse(srv.URL)
		s, err := youtube.New(youtube.Options{BaseURL: srv.URL, Transport: hostMap{u.Host: u},
			Timeout: 300 * time.Millisecond, Captions: youtube.Choice{Langs: []string{"en"}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for _, where := range []string{"player", "captions"} {
			a := healthy[id]
			switch where {
			case "player":
				a.Player = &testserver.FakeResponse{Hang: true}
			case "captions":
				a.Captions = &testserver.FakeResponse{Hang: true}
			}
			yt.Set(id, a)
			start := time.Now()
			v, err := s.Video(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got := string(v.Status) + " " + v.StatusReason
			if v.Status == harvest.VideoOK {
				_, ts, reason, err := s.Transcripts(ctx, v)
				if err != nil {
					t.Fatal(err)
				}
				got += " / " + string(ts) + " " + reason
			}
			elapsed := time.Since(start)
			t.Logf("hanging %s: %s, after %v", where, got, elapsed.Round(time.Millisecond))
			want := map[string]string{
				"player":   "error player: timed out",
				"captions": "ok  / error captions (en): timed out",
			}[where]
			if got != want {
				t.Errorf("hanging %s: %q, want %q", where, got, want)
			}
			if elapsed > 3*time.Second {
				t.Errorf("hanging %s: %v, want about the 300ms timeout", where, elapsed)
			}
		}
	})
	t.Run("--youtube-timeout", func(t *testing.T) {
		e := newEnv(t, nil)
		healthy, _ := faultVideos(t, e.youtube, []string{id}, 0)
		a := healthy[id]
		a.Player = &testserver.FakeResponse{Hang: true}
		e.youtube.Set(id, a)
		yt := []string{"--youtube-url", e.ytURL, "--youtube-rate", "0"}
		start := time.Now()
		code := e.run(append([]string{"video", "--youtube-timeout", "300ms", id}, yt...)...)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("took %v, want about --youtube-timeout 300ms", took)
		}
		if code != exitFailed {
			t.Errorf("exit %d, want 5: the video named could not be fetched", code)
		}
		diffRows(t, "video", e.query(`SELECT id, status, coalesce(status_reason, '') FROM videos`), []string{id + " | error | player: timed out"})
		faultCheckDB(t, e.dbPath)
		e.youtube.Set(id, healthy[id])
		if code := e.run(append([]string{"refresh"}, yt...)...); code != exitOK {
			t.Fatalf("refresh: exit %d", code)
		}
		diffRows(t, "video after a healthy refresh", e.query(`SELECT id, status, transcript_status FROM videos`), []string{id + " | ok | ok"})
	})
	t.Run("end to end", func(t *testing.T) {
		e := newEnv(t, nil)
		healthy, _ := faultVideos(t, e.youtube, []string{id}, 0)
		a := healthy[id]
		a.Player = &testserver.FakeResponse{Hang: true}
		e.youtube.Set(id, a)
		yt := []string{"--youtube-url", e.ytURL, "--youtube-rate", "0"}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		code := e.app.main(ctx, append([]string{"video", "--db", e.dbPath, id}, yt...))
		t.Logf("video with a hanging player answer, cut by the run's deadline: exit %d after %v\nstderr:\n%s", code, time.Since(start).Round(time.Millisecond), e.stderr)
		if code != exitInterrupted {
			t.Errorf("exit %d, want %d (interrupted)", code, exitInterrupted)
		}
		diffRows(t, "video", e.query(`SELECT id, status, coalesce(status_reason, '') FROM videos`), []string{id + " | pending | "})
		diffRows(t, "run", e.query(`SELECT command, status FROM runs`), []string{"video | interrupted"})
		faultCheckDB(t, e.dbPath)

		e.youtube.Set(id, healthy[id])
		if code := e.run(append([]string{"refresh"}, yt...)...); code != exitOK {
			t.Fatalf("refresh: exit %d", code)
		}
		diffRows(t, "video after a healthy refresh", e.query(`SELECT id, status, transcript_status FROM videos`), []string{id + " | ok | ok"})
	})
}

// faultTidy leaves the database as a run leaves it: read-only connections
// (faultSnapshot's) leave -wal and -shm files behind, which the last
// read-write connection to close removes.
func faultTidy(t *testing.T, path string) {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`SELECT count(*) FROM runs`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Fatalf("%s%s is still there", path, suffix)
		}
	}
}

// A database that cannot be written: on a read-only filesystem (its
// directory too, so no -wal or -shm file can be made), or an immutable
// file (chattr +i; as root, file permissions do not stop writes). The
// commands that write exit 1 with a one-line message saying so and
// modify nothing; the read-only commands read it; once writable again,
// the next run carries on.
func TestFaultReadOnly(t *testing.T) {
	writers := func(e *env) [][]string {
		return [][]string{
			{"crawl", "--youtube-url", e.ytURL, "--youtube-rate", "0", "--delay", "0s", "http://news.example/"},
			{"video", "--youtube-url", e.ytURL, "--youtube-rate", "0", "H7xQm2Lp9sA"},
			{"refresh", "--youtube-url", e.ytURL, "--youtube-rate", "0", "--refresh-after", "0s"},
		}
	}
	readers := func(t *testing.T) [][]string {
		return [][]string{
			{"stats"},
			{"sql", "SELECT count(*) FROM pages"},
			{"search", "budget"},
			{"export", "--db", "DB", "--table", "videos"},
			{"backup", filepath.Join(t.TempDir(), "copy.db")},
		}
	}
	check := func(t *testing.T, e *env, dir, msg string) {
		t.Helper()
		before := faultFiles(t, dir)
		for _, args := range writers(e) {
			code := e.run(args...)
			out := strings.TrimSpace(e.stderr.String())
			if code != exitError || !strings.Contains(out, msg) {
				t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", args[0], code, out, msg)
			}
			if lines := strings.Split(out, "\n"); !strings.HasPrefix(lines[len(lines)-1], "ytharvest: ") || strings.Contains(out, "elapsed=-") {
				t.Errorf("%s: stderr does not end in one clear line (or has a negative elapsed):\n%s", args[0], out)
			}
		}
		for _, args := range readers(t) {
			for i := range args {
				args[i] = strings.ReplaceAll(args[i], "DB", e.dbPath)
			}
			if code := e.run(args...); code != exitOK {
				t.Errorf("%s: exit %d, want 0: a read-only command reads a database it cannot write\n%s", args[0], code, e.stderr)
			}
		}
		after := faultFiles(t, dir)
		if after["h.db"] != before["h.db"] {
			t.Errorf("the database changed")
		}
		for name, content := range after {
			// SQLite's shared-memory file, and an empty WAL and run lock,
			// may appear beside a file whose directory is writable.
			if _, ok := before[name]; !ok && name != "h.db-shm" && !((name == "h.db-wal" || name == "h.db.lock") && content == "") {
				t.Errorf("%s appeared beside the database (%d bytes)", name, len(content))
			}
		}
	}

	t.Run("read-only filesystem", func(t *testing.T) {
		mnt := faultMount(t, "64m")
		e := newEnv(t, nil)
		e.dbPath = filepath.Join(mnt, "h.db")
		if code := e.crawl(); code != exitOK {
			t.Fatalf("crawl: exit %d", code)
		}
		before := faultSnapshot(t, e.dbPath)
		faultTidy(t, e.dbPath)
		faultRemount(t, mnt, "ro")
		check(t, e, mnt, "read-only file system")
		faultRemount(t, mnt, "rw")
		if code := e.crawl(); code != exitOK {
			t.Fatalf("crawl once writable: exit %d", code)
		}
		faultCheckDB(t, e.dbPath)
		faultKept(t, e.dbPath, before)
	})

	t.Run("immutable file", func(t *testing.T) {
		e := newEnv(t, nil)
		if code := e.crawl(); code != exitOK {
			t.Fatalf("crawl: exit %d", code)
		}
		before := faultSnapshot(t, e.dbPath)
		faultTidy(t, e.dbPath)
		if out, err := exec.Command("chattr", "+i", e.dbPath).CombinedOutput(); err != nil {
			t.Skipf("cannot make the file immutable here (chattr +i: %v: %s); this test needs root on a filesystem with attributes", err, bytes.TrimSpace(out))
		}
		defer exec.Command("chattr", "-i", e.dbPath).Run()
		check(t, e, filepath.Dir(e.dbPath), "database is read-only")
		if out, err := exec.Command("chattr", "-i", e.dbPath).CombinedOutput(); err != nil {
			t.Fatalf("chattr -i: %v: %s", err, out)
		}
		if code := e.crawl(); code != exitOK {
			t.Fatalf("crawl once writable: exit %d", code)
		}
		faultCheckDB(t, e.dbPath)
		faultKept(t, e.dbPath, before)
	})
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

// Bad input from the user, end to end: malformed seeds, unknown flags and
// bad flag values for every command, an invalid config file. Each is one
// clear line on standard error and exit 2, before any database is made or
// touched.
func TestFaultBadInput(t *testing.T) {
	e := newEnv(t, nil)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	long := "http://news.example/" + strings.Repeat("a", 10<<10)
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"seed: not a URL", []string{"crawl", "not a url"}, "not an absolute URL"},
		{"seed: no host", []string{"crawl", "http://"}, "URL has no host"},
		{"seed: other scheme", []string{"crawl", "ftp://x"}, `unsupported scheme "ftp"`},
		{"seed: javascript", []string{"crawl", "javascript:alert(1)"}, `unsupported scheme "javascript"`},
		{"seed: 10 kB", []string{"crawl", long}, "URL longer than"},
		{"seed: NUL byte", []string{"crawl", "http://news.example/\x00x"}, "invalid control character in URL"},
		{"seed: space in host", []string{"crawl", "http://news example/"}, "invalid character"},
		{"seed: unclosed IPv6", []string{"crawl", "http://[::1/"}, "missing ']' in host"},
		{"seeds file: NUL byte", []string{"crawl", "--seeds-file", write("nul.txt", "http://news.example/\x00\n")}, "invalid control character in URL"},
		{"seeds file: 10 kB line", []string{"crawl", "--seeds-file", write("long.txt", long+"\n")}, "URL longer than"},
		{"seeds file: line over 64 kB", []string{"crawl", "--seeds-file", write("huge.txt", strings.Repeat("x", 100<<10)+"\n")}, "token too long"},
		{"seeds file: a directory", []string{"crawl", "--seeds-file", dir}, "is a directory"},
		{"seeds file: binary", []string{"crawl", "--seeds-file", write("bin.txt", "\x7fELF\x02\x01\x01\x00\x00\x00")}, "seed"},
		{"unknown flag: crawl", []string{"crawl", "--no-such-flag", "http://news.example/"}, "flag provided but not defined: -no-such-flag"},
		{"unknown flag: video", []string{"video", "--no-such-flag", "H7xQm2Lp9sA"}, "flag provided but not defined: -no-such-flag"},
		{"unknown flag: refresh", []string{"refresh", "--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{"unknown flag: stats", []string{"stats", "--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{"unknown flag: sql", []string{"sql", "--no-such-flag", "SELECT 1"}, "flag provided but not defined: -no-such-flag"},
		{"unknown flag: search", []string{"search", "--no-such-flag", "x"}, "flag provided but not defined: -no-such-flag"},
		{"unknown flag: export", []string{"export", "--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{"unknown flag: backup", []string{"backup", "--no-such-flag", "x.db"}, "flag provided but not defined: -no-such-flag"},
		{"unknown flag: extract", []string{"extract", "--no-such-flag", "x.html"}, "flag provided but not defined: -no-such-flag"},
		{"bad value: integer", []string{"crawl", "--depth", "two", "http://news.example/"}, `invalid value "two" for flag -depth`},
		{"bad value: duration", []string{"crawl", "--max-duration", "50", "http://news.example/"}, `invalid value "50" for flag -max-duration`},
		{"bad value: negative rate", []string{"video", "--youtube-rate", "-1", "H7xQm2Lp9sA"}, "must not be negative"},
		{"missing value", []string{"crawl", "http://news.example/", "--depth"}, "flag needs an argument: -depth"},
		{"bad video ID", []string{"video", "H7xQm2Lp9s'"}, "neither a video ID"},
		{"config: syntax error", []string{"crawl", "--config", write("syntax.toml", "[crawl]\ndepth = \n"), "http://news.example/"}, "syntax.toml:2:9"},
		{"config: unknown key", []string{"crawl", "--config", write("unknown.toml", "[crawl]\nmax-page = 3\n"), "http://news.example/"}, `unknown key "max-page" in [crawl]; did you mean "max-pages"?`},
		{"config: wrong type", []string{"crawl", "--config", write("type.toml", "[crawl]\ndepth = \"two\"\n"), "http://news.example/"}, `[crawl] depth: want an integer, got string "two"`},
		{"config: wrong type, video", []string{"video", "--config", write("rate.toml", "youtube-rate = 'fast'\n"), "H7xQm2Lp9sA"}, `youtube-rate: want a number, got string "fast"`},
		{"config: missing", []string{"crawl", "--config", filepath.Join(dir, "missing.toml"), "http://news.example/"}, "no such file"},
		{"config: binary", []string{"stats", "--config", write("bin.toml", "\x00\x01\x02")}, "bin.toml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.dbPath = filepath.Join(t.TempDir(), "h.db")
			args := append([]string{tc.args[0], "--db", e.dbPath}, tc.args[1:]...)
			if tc.args[0] == "extract" {
				args = tc.args
			}
			e.stdout.Reset()
			e.stderr.Reset()
			code := e.app.main(context.Background(), args)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			faultOneLine(t, tc.name, e.stderr.String(), tc.msg)
			if e.stdout.Len() > 0 {
				t.Errorf("stdout: %q", e.stdout)
			}
			if entries, _ := os.ReadDir(filepath.Dir(e.dbPath)); len(entries) > 0 {
				t.Errorf("%d files made beside the database (%s...)", len(entries), entries[0].Name())
			}
		})
	}
	// -h still prints the whole help, and exits 0.
	e.stderr.Reset()
	if code := e.app.main(context.Background(), []string{"crawl", "-h"}); code != exitOK || !strings.Contains(e.stderr.String(), "Usage: ytharvest crawl") || !strings.Contains(e.stderr.String(), "-max-pages") {
		t.Errorf("crawl -h: exit %d\n%s", code, e.stderr)
	}
}

// Bad queries and outputs against a database that exists: full-text
// syntax errors are one line and exit 2; an export to a path that cannot
// be written (an immutable directory, a read-only filesystem, a full
// device, a directory) is one line and exit 1, as documented; neither
// changes the database.
func TestFaultBadQueriesAndOutputs(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl: exit %d", code)
	}
	faultTidy(t, e.dbPath)
	before, err := os.ReadFile(e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`"unterminated`, `AND`, `NEAR(`, `(`, `)`, `a OR`, `a NOT`, `*`, `^`, `+`, `'`, `\`,
		`NEAR(a b, x)`, `nosuchcolumn:word`, `"it's'); DROP TABLE videos; --`, `x' OR 1=1; --`} {
		code := e.run("search", q)
		if code != exitUsage {
			t.Errorf("search %q: exit %d, want %d", q, code, exitUsage)
		}
		faultOneLine(t, "search "+q, e.stderr.String(), "cannot read the search query")
		if strings.Contains(e.stderr.String(), "SQL logic") {
			t.Errorf("search %q: SQL internals in the message: %s", q, e.stderr)
		}
	}

	outputs := []struct {
		name string
		path func(t *testing.T) string
		msg  string
	}{
		{"missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "no", "such", "v.csv") }, "no such file or directory"},
		{"a directory", func(t *testing.T) string { return t.TempDir() }, "is a directory"},
		{"a full device", func(t *testing.T) string {
			if _, err := os.Stat("/dev/full"); err != nil {
				t.Skip("no /dev/full here")
			}
			return "/dev/full"
		}, "no space left on device"},
		{"an immutable directory", func(t *testing.T) string {
			d := t.TempDir()
			if out, err := exec.Command("chattr", "+i", d).CombinedOutput(); err != nil {
				t.Skipf("cannot make a directory immutable here (chattr +i: %v: %s)", err, bytes.TrimSpace(out))
			}
			t.Cleanup(func() { exec.Command("chattr", "-i", d).Run() })
			return filepath.Join(d, "v.csv")
		}, "operation not permitted"},
		{"a read-only filesystem", func(t *testing.T) string {
			mnt := faultMount(t, "1m")
			faultRemount(t, mnt, "ro")
			return filepath.Join(mnt, "v.csv")
		}, "read-only file system"},
		{"a full filesystem", func(t *testing.T) string {
			mnt := faultMount(t, "64k")
			exec.Command("dd", "if=/dev/zero", "of="+filepath.Join(mnt, "filler"), "bs=4k").Run()
			return filepath.Join(mnt, "v.csv")
		}, "no space left on device"},
	}
	for _, o := range outputs {
		t.Run("export to "+o.name, func(t *testing.T) {
			path := o.path(t)
			code := e.run("export", "--db", e.dbPath, "--table", "segments", "-o", path)
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			faultOneLine(t, "export to "+o.name, e.stderr.String(), o.msg)
			if strings.Contains(e.stderr.String(), ".tmp") {
				t.Errorf("the message names the temporary file: %s", e.stderr)
			}
			if o.name == "a full filesystem" {
				if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
					t.Errorf("%d files in the directory, want only the filler: the export left one behind", len(entries))
				}
			}
		})
	}
	backups := []struct {
		name string
		path func(t *testing.T) string
		msg  string
	}{
		{"missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "no", "such", "b.db") }, "no directory"},
		{"an existing file", func(t *testing.T) string { return e.dbPath }, "the file exists"},
		{"a read-only filesystem", func(t *testing.T) string {
			mnt := faultMount(t, "1m")
			faultRemount(t, mnt, "ro")
			return filepath.Join(mnt, "b.db")
		}, "cannot write the copy there"},
		{"a full filesystem", func(t *testing.T) string {
			mnt := faultMount(t, "64k")
			exec.Command("dd", "if=/dev/zero", "of="+filepath.Join(mnt, "filler"), "bs=4k").Run()
			return filepath.Join(mnt, "b.db")
		}, "disk full"},
	}
	for _, o := range backups {
		t.Run("backup to "+o.name, func(t *testing.T) {
			path := o.path(t)
			if code := e.run("backup", path); code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			faultOneLine(t, "backup to "+o.name, e.stderr.String(), o.msg)
			if msg := e.stderr.String(); strings.Contains(msg, ".tmp") || regexp.MustCompile(`\(\d+\)`).MatchString(msg) {
				t.Errorf("the message names the temporary file or SQLite's code: %s", msg)
			}
		})
	}
	if after, _ := os.ReadFile(e.dbPath); !bytes.Equal(after, before) {
		t.Error("the database changed")
	}
	faultCheckDB(t, e.dbPath)
}

// faultEvil is text full of what would break SQL built by pasting it in.
const faultEvil = `It's "quoted"; '); DROP TABLE pages; -- 100% _wild_ \'; DELETE FROM videos WHERE '1'='1`

// No SQL is built from page data, YouTube's answers or the user's
// search terms: a crawl of pages whose URLs, titles, anchor texts and
// JSON-LD are full of quotes and SQL, of videos whose titles and captions
// are too, and a search and an export with such terms leave every table
// in place and store the strings verbatim.
func TestFaultSQLInjection(t *testing.T) {
	evilHTML := html.EscapeString(faultEvil)
	evilJSON, _ := json.Marshal(faultEvil)
	hrefs := []string{
		`/it's/"quoted"/?q=1';DROP TABLE pages;--`,
		`/a%27b/c;d=e'--?x=1%27%20OR%20%271%27=%271`,
		`/'); DROP TABLE links; --`,
	}
	front := `<html><head><title>` + evilHTML + `</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"VideoObject","name":` + string(evilJSON) +
		`,"description":` + string(evilJSON) + `,"embedUrl":"https://www.youtube.com/embed/sqlinject02"}</script></head>
<body><article><p>` + evilHTML + ` <a href="https://www.youtube.com/watch?v=sqlinject01">` + evilHTML + `</a></p>`
	for _, h := range hrefs {
		front += `<a href="` + html.EscapeString(h) + `">` + evilHTML + `</a> `
	}
	front += `</article></body></html>`
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/" {
			w.Write([]byte(front))
			return
		}
		w.Write([]byte(`<html><head><title>` + evilHTML + `</title></head><body><p>` + evilHTML + `</p></body></html>`))
	})
	e := newEnv(t, site)
	healthy, _ := faultVideos(t, e.youtube, []string{"sqlinject01", "sqlinject02"}, 0)
	for id, a := range healthy {
		title, _ := json.Marshal("State visit: the arrival ceremony in full")
		body := bytes.ReplaceAll(a.Player.Body, title, evilJSON)
		body = bytes.ReplaceAll(body, []byte(`"Example News"`), evilJSON)
		captions := `{"events":[{"tStartMs":0,"dDurationMs":1500,"segs":[{"utf8":` + string(evilJSON) + `}]}]}`
		e.youtube.Set(id, testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: body},
			Captions: &testserver.FakeResponse{Body: []byte(captions), Header: a.Captions.Header}})
	}
	seed := "http://news.example/?q=1';DROP TABLE pages;--&r=" + url.QueryEscape(faultEvil)
	if code := e.crawl("http://news.example/", seed); code != exitOK {
		t.Fatalf("crawl: exit %d", code)
	}

	// Every table is there, as a fresh database has them.
	fresh := &env{t: t, dbPath: filepath.Join(t.TempDir(), "fresh.db")}
	d, err := db.Open(context.Background(), fresh.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	const schema = `SELECT type, name FROM sqlite_schema ORDER BY type, name`
	diffRows(t, "schema", e.query(schema), fresh.query(schema))
	faultCheckDB(t, e.dbPath)

	// The strings are stored as they were.
	one := func(what, q string, args ...any) {
		t.Helper()
		s, err := sql.Open("sqlite", "file:"+e.dbPath+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var n int
		if err := s.QueryRow(q, args...).Scan(&n); err != nil || n < 1 {
			t.Errorf("%s: %d rows, %v; want at least one", what, n, err)
		}
	}
	one("page titles", `SELECT count(*) FROM pages WHERE title = ?`, faultEvil)
	for _, h := range append(hrefs, seed) {
		base, _ := url.Parse("http://news.example/")
		ref, err := base.Parse(h)
		if err != nil {
			t.Fatal(err)
		}
		u, err := crawl.Normalize(ref.String())
		if err != nil {
			t.Fatal(err)
		}
		one("page "+u, `SELECT count(*) FROM pages WHERE url = ? AND state = 'fetched'`, u)
	}
	one("anchor text", `SELECT count(*) FROM links WHERE ref_id = 'sqlinject01' AND instr(context, ?) > 0`, faultEvil)
	one("JSON-LD reference", `SELECT count(*) FROM links WHERE ref_id = 'sqlinject02' AND kind = 'json_ld'`)
	one("video titles", `SELECT count(*) FROM videos WHERE title = ? AND channel_title = ?`, faultEvil, faultEvil)
	one("segments", `SELECT count(*) FROM transcript_segments WHERE text = ?`, faultEvil)
	one("transcripts", `SELECT count(*) FROM transcripts WHERE text = ?`, faultEvil)

	// Search and export with such terms.
	if code := e.run("search", "--json", `"DROP TABLE pages"`); code != exitOK {
		t.Fatalf("search: exit %d", code)
	}
	var hits []db.Hit
	if err := json.Unmarshal(e.stdout.Bytes(), &hits); err != nil || len(hits) == 0 {
		t.Errorf("search for the SQL in the titles: %d hits, %v", len(hits), err)
	}
	for _, h := range hits {
		if h.Title != faultEvil || h.Channel != faultEvil {
			t.Errorf("hit %+v: title or channel not verbatim", h)
		}
	}
	if code := e.run("search", "--json", "--channel", `x' OR '1'='1`, "DROP"); code != exitOK || strings.TrimSpace(e.stdout.String()) != "[]" {
		t.Errorf("search --channel with SQL: exit %d, %s; want no hits", code, e.stdout)
	}
	if code := e.run("search", "--json", "--channel", faultEvil, "DROP"); code != exitOK {
		t.Errorf("search --channel with quotes: exit %d", code)
	}
	if code := e.run("export", "--db", e.dbPath, "--table", "videos", "--format", "jsonl"); code != exitOK {
		t.Fatalf("export: exit %d", code)
	}
	titles := 0
	for _, line := range strings.Split(strings.TrimSpace(e.stdout.String()), "\n") {
		var v struct {
			Title string `json:"title"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		if v.Title == faultEvil {
			titles++
		}
	}
	if titles != 2 {
		t.Errorf("export has %d videos titled verbatim, want 2", titles)
	}
	if code := e.run("export", "--db", e.dbPath, "--table", "videos; DROP TABLE videos"); code != exitUsage {
		t.Errorf("export --table with SQL: exit %d, want %d", code, exitUsage)
	}
	if code := e.run("export", "--db", e.dbPath, "--table", "pages", "--since", "2026-01-01'; DROP TABLE pages; --"); code != exitUsage {
		t.Errorf("export --since with SQL: exit %d, want %d", code, exitUsage)
	}
	diffRows(t, "schema after search and export", e.query(schema), fresh.query(schema))
	if n := e.count("videos"); n != 2 {
		t.Errorf("%d videos, want 2", n)
	}
	faultCheckDB(t, e.dbPath)
}
