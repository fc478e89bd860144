// Package dbcheck holds what the tests of several packages do to a
// database file and its machine: check it, snapshot its committed rows,
// list the files beside it, and mount a filesystem to break. One copy,
// used by cmd/ytharvest's and db's tests.
package dbcheck

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the driver ytharvest uses
)

// NeedCapability skips t when the machine lacks what it needs (root, a
// mount, chattr), saying what went untested; under CI (CI=true) it fails
// instead, so that a suite never goes green on tests that did not run.
func NeedCapability(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and this machine cannot %s: the test must run in CI", what)
	}
	t.Skipf("not tested: this machine cannot %s", what)
}

// Open opens the database at path read-only, without touching it; the
// caller closes it (an open reader keeps the last writer from removing
// the -wal and -shm files).
func Open(t testing.TB, path string) *sql.DB {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Check fails t unless the database at path passes SQLite's integrity
// and foreign-key checks.
func Check(t testing.TB, path string) {
	t.Helper()
	d := Open(t, path)
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

// identity are queries naming every committed row by what must never
// change about it once committed.
var identity = map[string]string{
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

// Snapshot reads the identity of every committed row.
func Snapshot(t testing.TB, path string) map[string][]string {
	t.Helper()
	d := Open(t, path)
	defer d.Close()
	snap := make(map[string][]string)
	for name, q := range identity {
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

// Kept fails t unless every row of before is still in the database.
func Kept(t testing.TB, path string, before map[string][]string) {
	t.Helper()
	after := Snapshot(t, path)
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

// Tidy leaves the database as a run leaves it: read-only connections (a
// Snapshot's) leave -wal and -shm files behind, which the last read-write
// connection to close removes.
func Tidy(t testing.TB, path string) {
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

// Files returns the names and contents of the files in dir.
func Files(t testing.TB, dir string) map[string]string {
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

// MountTmpfs mounts a tmpfs of the given size on a new directory, for the
// length of the test (see NeedCapability when it cannot).
func MountTmpfs(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0755", "tmpfs", dir).CombinedOutput(); err != nil {
		NeedCapability(t, "mount a tmpfs ("+err.Error()+": "+strings.TrimSpace(string(out))+"; it needs root on Linux)")
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v: %s", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

// Remount changes the options of the tmpfs at dir (ro, rw).
func Remount(t testing.TB, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v: %s", dir, opts, err, out)
	}
}

// Chattr runs chattr with flag (+i, -i) on path, and undoes +i when the
// test ends (see NeedCapability when it cannot).
func Chattr(t testing.TB, flag, path string) {
	t.Helper()
	if out, err := exec.Command("chattr", flag, path).CombinedOutput(); err != nil {
		NeedCapability(t, "chattr "+flag+" ("+err.Error()+": "+strings.TrimSpace(string(out))+"; it needs root on a filesystem with attributes)")
	}
	if flag == "+i" {
		t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
	}
}
