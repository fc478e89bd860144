package main

// Faults of the disk: full, read-only, immutable.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/internal/dbcheck"
)

// A full disk (a small tmpfs): the run stops with exit 1 and says "disk
// full", whichever stage met it (pages, videos, transcripts, the run's
// start, a new database); what was committed is intact and the file
// passes integrity_check; the next run, with room again, carries on to the
// end.
func TestFaultDiskFull(t *testing.T) {
	mnt := dbcheck.MountTmpfs(t, "6m")
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
	before := dbcheck.Snapshot(t, e.dbPath)

	start := time.Now()
	if code := e.crawl("--depth", "10"); code != exitError {
		t.Fatalf("run that fills the disk: exit %d, want %d", code, exitError)
	}
	t.Logf("the run met the full disk after %v: %q", time.Since(start).Round(time.Millisecond), faultErrorLines(e.stderr.String()))
	diskFull("run that fills the disk")
	dbcheck.Check(t, e.dbPath)
	dbcheck.Kept(t, e.dbPath, before)
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
	before = dbcheck.Snapshot(t, e.dbPath)
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
	dbcheck.Check(t, e.dbPath)
	dbcheck.Kept(t, e.dbPath, before)
	os.Remove(filepath.Join(mnt, "filler"))

	// Room again: the next run carries on to the end.
	dbcheck.Remount(t, mnt, "size=256m")
	if code := e.crawl("--depth", "10"); code != exitOK {
		t.Fatalf("run with room again: exit %d, want 0", code)
	}
	dbcheck.Check(t, e.dbPath)
	dbcheck.Kept(t, e.dbPath, before)
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
		before := dbcheck.Files(t, dir)
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
		after := dbcheck.Files(t, dir)
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
		mnt := dbcheck.MountTmpfs(t, "64m")
		e := newEnv(t, nil)
		e.dbPath = filepath.Join(mnt, "h.db")
		if code := e.crawl(); code != exitOK {
			t.Fatalf("crawl: exit %d", code)
		}
		before := dbcheck.Snapshot(t, e.dbPath)
		dbcheck.Tidy(t, e.dbPath)
		dbcheck.Remount(t, mnt, "ro")
		check(t, e, mnt, "read-only file system")
		dbcheck.Remount(t, mnt, "rw")
		if code := e.crawl(); code != exitOK {
			t.Fatalf("crawl once writable: exit %d", code)
		}
		dbcheck.Check(t, e.dbPath)
		dbcheck.Kept(t, e.dbPath, before)
	})

	t.Run("immutable file", func(t *testing.T) {
		e := newEnv(t, nil)
		if code := e.crawl(); code != exitOK {
			t.Fatalf("crawl: exit %d", code)
		}
		before := dbcheck.Snapshot(t, e.dbPath)
		dbcheck.Tidy(t, e.dbPath)
		dbcheck.Chattr(t, "+i", e.dbPath)
		check(t, e, filepath.Dir(e.dbPath), "database is read-only")
		if out, err := exec.Command("chattr", "-i", e.dbPath).CombinedOutput(); err != nil {
			t.Fatalf("chattr -i: %v: %s", err, out)
		}
		if code := e.crawl(); code != exitOK {
			t.Fatalf("crawl once writable: exit %d", code)
		}
		dbcheck.Check(t, e.dbPath)
		dbcheck.Kept(t, e.dbPath, before)
	})
}
