package main

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/internal/dbcheck"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// Users of the read-only tests: the database's owner and a reader.
const (
	ownerUID  = 1000
	readerUID = 65534
)

// sharedDir returns a new directory that every user may enter and read
// (with mode perm), removed at the end of the test.
func sharedDir(t *testing.T, perm os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ytharvest-shared")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Chmod(dir, 0o755)
		os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, perm); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sharedBinary returns a copy of the binary that every user may run.
func sharedBinary(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		dbcheck.NeedCapability(t, "run the binary as other users (the test needs root)")
	}
	b, err := os.ReadFile(binary(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(sharedDir(t, 0o755), "ytharvest")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// runAs runs the binary as uid and returns its exit code and output.
func runAs(t *testing.T, bin string, uid uint32, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/"}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v as uid %d: %v", args, uid, err)
	}
	t.Logf("uid %d: ytharvest %s -> exit %d\n%s%s", uid, strings.Join(args, " "), code, stdout.String(), stderr.String())
	return code, stdout.String(), stderr.String()
}

// harvestedCopy crawls the fake site into a new database and copies it,
// as its last writer leaves it (no -wal, no -shm), to dir as h.db owned by
// uid with mode perm.
func harvestedCopy(t *testing.T, dir string, uid int, perm os.FileMode) string {
	t.Helper()
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl: exit %d", code)
	}
	dbcheck.Tidy(t, e.dbPath)
	b, err := os.ReadFile(e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "h.db")
	if err := os.WriteFile(path, b, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
	return path
}

// readCommands are the commands that only read, each with a piece of the
// output that shows it read the harvest.
func readCommands(dbPath, out string) []struct {
	args []string
	want string
} {
	return []struct {
		args []string
		want string
	}{
		{[]string{"stats", "--db", dbPath}, "(ok 4"},
		{[]string{"sql", "--db", dbPath, "SELECT count(*) AS n FROM videos"}, "10"},
		{[]string{"search", "--db", dbPath, "guard of honour"}, "H7xQm2Lp9sA"},
		{[]string{"export", "--db", dbPath, "--table", "videos", "--format", "csv"}, "Zp4-eYc1UoM"},
		{[]string{"report", "--db", dbPath, "-o", filepath.Join(out, "report.html")}, ""},
		{[]string{"backup", "--db", dbPath, filepath.Join(out, "copy.db")}, ""},
	}
}

// A database the user may read but not write is read by every read-only
// command, serve among them (started, asked for two pages, stopped), and
// nothing is created beside it: a file of mode 0444 in a
// directory the reader cannot write, the same while a writer holds it open
// (its -wal and -shm are there), and a file of another user in a directory
// everyone may write (sticky, like /tmp), after which its owner's crawl
// still works.
func TestReadOnlyAsAnotherUser(t *testing.T) {
	bin := sharedBinary(t)
	out := sharedDir(t, 0o777)

	check := func(t *testing.T, dbPath string) {
		t.Helper()
		dir := filepath.Dir(dbPath)
		before := dbcheck.Files(t, dir)
		os.Remove(filepath.Join(out, "report.html"))
		for _, c := range readCommands(dbPath, out) {
			os.Remove(filepath.Join(out, "copy.db"))
			code, stdout, stderr := runAs(t, bin, readerUID, c.args...)
			if code != exitOK || !strings.Contains(stdout, c.want) {
				t.Errorf("%s as uid %d: exit %d, stdout lacks %q\n%s", c.args[0], readerUID, code, c.want, stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "copy.db")); err != nil {
			t.Errorf("backup wrote no copy: %v", err)
		}
		if b, err := os.ReadFile(filepath.Join(out, "report.html")); err != nil || !strings.Contains(string(b), "H7xQm2Lp9sA") {
			t.Errorf("report wrote no report of the harvest: %v", err)
		}
		serveAs(t, bin, readerUID, dbPath, "/videos/H7xQm2Lp9sA")
		after := dbcheck.Files(t, dir)
		for name := range after {
			if _, ok := before[name]; !ok {
				t.Errorf("%s appeared beside the database", name)
			}
		}
		if after["h.db"] != before["h.db"] {
			t.Error("the database changed")
		}
	}

	t.Run("0444 in a directory the reader cannot write", func(t *testing.T) {
		dir := sharedDir(t, 0o755)
		check(t, harvestedCopy(t, dir, ownerUID, 0o444))
	})

	t.Run("while a writer holds it open", func(t *testing.T) {
		dir := sharedDir(t, 0o755)
		path := harvestedCopy(t, dir, ownerUID, 0o644)
		w, err := db.Open(t.Context(), path) // as root: SQLite gives its -wal and -shm to the file's owner
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.AddSeeds(t.Context(), []string{"http://news.example/new"}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(path + s); err != nil {
				t.Fatalf("the writer has no %s: %v", s, err)
			}
		}
		check(t, path)
		code, stdout, _ := runAs(t, bin, readerUID, "sql", "--db", path, "SELECT count(*) FROM pages WHERE url LIKE '%/new'")
		if code != exitOK || !strings.Contains(stdout, "1") {
			t.Errorf("the reader does not see the writer's commit in the -wal")
		}
	})

	t.Run("another user's file in a shared directory, then the owner's crawl", func(t *testing.T) {
		dir := sharedDir(t, 0o777|os.ModeSticky)
		path := harvestedCopy(t, dir, ownerUID, 0o644)
		check(t, path)

		site := httptest.NewServer(testserver.NewSite(filepath.Join("..", "..", "testdata", "site")))
		defer site.Close()
		yt := httptest.NewServer(testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube")))
		defer yt.Close()
		crawl := []string{"crawl", "--db", path, "--youtube-url", yt.URL, "--youtube-rate", "0", "--delay", "0s", site.URL + "/"}
		if code, _, stderr := runAs(t, bin, ownerUID, crawl...); code != exitOK {
			t.Fatalf("the owner's crawl after another user's reads: exit %d\n%s", code, stderr)
		}

		// What an older reader left (a -shm and an empty -wal of its own)
		// keeps the owner out: the message says whose file it is and what
		// to do.
		for _, s := range []string{"-wal", "-shm"} {
			os.Remove(path + s)
			if err := os.WriteFile(path+s, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chown(path+s, readerUID, readerUID)
		}
		code, _, stderr := runAs(t, bin, ownerUID, crawl...)
		if code != exitError || !strings.Contains(stderr, "h.db-wal is owned by uid 65534") || !strings.Contains(stderr, "remove") {
			t.Errorf("crawl with a reader's -wal: exit %d, stderr %q; want exit 1 naming the file and its owner", code, stderr)
		}
	})
}

// --db naming a directory gets one clear line from every command, and
// nothing is created in or beside the directory.
func TestDBIsDirectory(t *testing.T) {
	e := newEnv(t, nil)
	parent := t.TempDir()
	dir := filepath.Join(parent, "harvest")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"crawl", "--db", dir, "--youtube-url", e.ytURL, "http://news.example/"},
		{"video", "--db", dir, "--youtube-url", e.ytURL, "H7xQm2Lp9sA"},
		{"refresh", "--db", dir, "--youtube-url", e.ytURL},
		{"stats", "--db", dir},
		{"sql", "--db", dir, "SELECT 1"},
		{"search", "--db", dir, "budget"},
		{"export", "--db", dir, "--table", "videos"},
		{"backup", "--db", dir, filepath.Join(parent, "copy.db")},
	} {
		e.stdout.Reset()
		e.stderr.Reset()
		code := e.app.main(t.Context(), args)
		msg := strings.TrimSpace(e.stderr.String())
		if code != exitError || msg != "ytharvest: open "+dir+": is a directory, not a database file" {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and one line saying it is a directory", args[0], code, msg)
		}
	}
	for _, d := range []string{dir, parent} {
		entries, _ := os.ReadDir(d)
		for _, en := range entries {
			if en.Name() != "harvest" {
				t.Errorf("%s appeared in %s", en.Name(), d)
			}
		}
	}
}
