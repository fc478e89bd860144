package main

// Bad input: foreign and newer databases, bad flags, seeds, config,
// queries and outputs, and SQL in every string that reaches the database.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest/crawl"
	"github.com/harvestdev/ytharvest/internal/dbcheck"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

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
				before := dbcheck.Files(t, dir)
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
				after := dbcheck.Files(t, dir)
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
	dbcheck.Tidy(t, e.dbPath)
	before, err := os.ReadFile(e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`"unterminated`, `AND`, `NEAR(`, `(`, `)`, `a OR`, `a NOT`, `*`, `^`, `+`, `'`, `\`,
		`NEAR(a b, x)`, `(-word)`, `"it's'); DROP TABLE videos; --`, `x' OR 1=1; --`} {
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
			dbcheck.Chattr(t, "+i", d)
			return filepath.Join(d, "v.csv")
		}, "operation not permitted"},
		{"a read-only filesystem", func(t *testing.T) string {
			mnt := dbcheck.MountTmpfs(t, "1m")
			dbcheck.Remount(t, mnt, "ro")
			return filepath.Join(mnt, "v.csv")
		}, "read-only file system"},
		{"a full filesystem", func(t *testing.T) string {
			mnt := dbcheck.MountTmpfs(t, "64k")
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
			mnt := dbcheck.MountTmpfs(t, "1m")
			dbcheck.Remount(t, mnt, "ro")
			return filepath.Join(mnt, "b.db")
		}, "cannot write the copy there"},
		{"a full filesystem", func(t *testing.T) string {
			mnt := dbcheck.MountTmpfs(t, "64k")
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
	dbcheck.Check(t, e.dbPath)
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
	dbcheck.Check(t, e.dbPath)

	// The strings are stored as they were.
	one := func(what, q string, args ...any) {
		t.Helper()
		s := dbcheck.Open(t, e.dbPath)
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
	dbcheck.Check(t, e.dbPath)
}
