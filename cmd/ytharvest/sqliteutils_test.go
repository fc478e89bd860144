package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/internal/oldschema"
)

// sqliteUtilsBin returns the path of the sqlite-utils command. Without it
// the test skips, except under CI (CI=true), where .ci/run installs it and
// a skip would hide that the promise in the README went untested.
func sqliteUtilsBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sqlite-utils")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("sqlite-utils is not installed, and under CI this test must run: .ci/run installs it (apt-get install sqlite-utils)")
	}
	t.Skip("sqlite-utils is not installed (Debian: apt-get install sqlite-utils): not checking that it finds the full-text indexes")
	return ""
}

// sqliteUtils runs sqlite-utils with args and returns its output, with
// the CRLF of its CSV output made LF.
func sqliteUtils(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("sqlite-utils %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

// TestSQLiteUtils runs the real sqlite-utils (Debian's package) against a
// harvested database, fresh and migrated from schema 6 by the next crawl:
// its search finds in transcript_segments and in videos what ytharvest
// search finds, and the commands of docs/schema.md's "With sqlite-utils
// and Datasette" print what the page says they print.
func TestSQLiteUtils(t *testing.T) {
	bin := sqliteUtilsBin(t)
	ctx := context.Background()
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl exit %d", code)
	}
	fresh := e.dbPath
	// The same harvest, as ytharvest with schema version 6 stored it.
	old := filepath.Join(t.TempDir(), "v6.db")
	if err := oldschema.Create(ctx, old, filepath.Join("..", "..", "db", "migrations"), 6); err != nil {
		t.Fatal(err)
	}
	if err := oldschema.CopyRows(ctx, old, fresh); err != nil {
		t.Fatal(err)
	}

	t.Run("fresh", func(t *testing.T) {
		e.dbPath = fresh
		checkSQLiteUtils(t, e, bin)
	})
	t.Run("migrated from schema 6", func(t *testing.T) {
		e.dbPath = old
		// What the issue reported: sqlite-utils did not find the indexes.
		out, err := exec.Command(bin, "search", old, "videos", "flood").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "not configured for full-text search") {
			t.Fatalf("sqlite-utils search on the schema-6 database: %v, %s; want it not to find the index, or this no longer tests the migration", err, out)
		}
		before := searchHits(t, e, searchTerms()...)
		// Any writer migrates the file; here, the next cron run.
		if code := e.crawl(); code != exitOK {
			t.Fatalf("crawl of the schema-6 database: exit %d", code)
		}
		var version int
		fmt.Sscan(e.query("PRAGMA user_version")[0], &version)
		if version != db.SchemaVersion() {
			t.Fatalf("after the crawl the schema is version %d, want %d", version, db.SchemaVersion())
		}
		if after := searchHits(t, e, searchTerms()...); !slices.Equal(after, before) {
			t.Errorf("ytharvest search after the migration:\n  %s\nbefore:\n  %s", strings.Join(after, "\n  "), strings.Join(before, "\n  "))
		}
		checkSQLiteUtils(t, e, bin)
	})
}

// searchTerms are the queries both searches are compared on: words, a
// phrase, OR, a prefix; each finds a transcript segment or a video.
func searchTerms() []string {
	return []string{"guard", `"guard of honour"`, "state", "flood", "budget OR anthem", "barri*", "election"}
}

// searchHits returns what ytharvest search finds for each term, one line
// per hit: transcript hits by video, language and second, title and
// description hits by video.
func searchHits(t *testing.T, e *env, terms ...string) []string {
	t.Helper()
	var out []string
	for _, term := range terms {
		if code := e.run("search", "--json", "--limit", "1000", term); code != exitOK {
			t.Fatalf("ytharvest search %s: exit %d", term, code)
		}
		var hits []db.Hit
		if err := json.Unmarshal(e.stdout.Bytes(), &hits); err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Field == "transcript" {
				out = append(out, fmt.Sprintf("%s: transcript_segments %s %s %d", term, h.VideoID, h.Language, h.StartSeconds))
			} else {
				out = append(out, fmt.Sprintf("%s: videos %s", term, h.VideoID))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func checkSQLiteUtils(t *testing.T, e *env, bin string) {
	t.Helper()
	// sqlite-utils search TABLE finds the rows ytharvest search finds.
	want := searchHits(t, e, searchTerms()...)
	var got []string
	for _, term := range searchTerms() {
		var segs []struct {
			VideoID  string `json:"video_id"`
			Language string `json:"language"`
			StartMs  int64  `json:"start_ms"`
		}
		if err := json.Unmarshal([]byte(sqliteUtils(t, bin, "search", e.dbPath, "transcript_segments", term)), &segs); err != nil {
			t.Fatal(err)
		}
		for _, s := range segs {
			got = append(got, fmt.Sprintf("%s: transcript_segments %s %s %d", term, s.VideoID, s.Language, s.StartMs/1000))
		}
		var videos []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(sqliteUtils(t, bin, "search", e.dbPath, "videos", term)), &videos); err != nil {
			t.Fatal(err)
		}
		for _, v := range videos {
			got = append(got, fmt.Sprintf("%s: videos %s", term, v.ID))
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	if !slices.Equal(got, want) {
		t.Errorf("sqlite-utils search finds:\n  %s\nytharvest search:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, table := range []string{"transcript_segments", "videos"} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, ": "+table+" ") }) {
			t.Errorf("no search term finds anything in %s: the comparison proves nothing there", table)
		}
	}

	// What docs/schema.md shows, on the demo's database, is what it prints.
	cmds := docCommands(t)
	if len(cmds) < 3 {
		t.Fatalf("docs/schema.md shows %d sqlite-utils commands, want at least tables --counts --fts5 and a search of each table", len(cmds))
	}
	for _, c := range cmds {
		args := slices.Clone(c.args)
		for i, a := range args {
			if a == "demo.db" {
				args[i] = e.dbPath
			}
		}
		if out := strings.TrimRight(sqliteUtils(t, bin, args...), "\n"); out != c.out {
			t.Errorf("$ sqlite-utils %s\nprints:\n%s\ndocs/schema.md says:\n%s", strings.Join(c.args, " "), out, c.out)
		}
	}
}

type docCommand struct {
	args []string
	out  string
}

// docCommands returns the sqlite-utils commands of docs/schema.md's "With
// sqlite-utils and Datasette" section (console blocks, lines starting with
// "$ sqlite-utils "), each with the output the page shows after it.
func docCommands(t *testing.T) []docCommand {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "schema.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## With sqlite-utils and Datasette\n")
	if !ok {
		t.Fatal(`docs/schema.md has no section "With sqlite-utils and Datasette"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var cmds []docCommand
	blocks := strings.Split(section, "```console\n")[1:]
	for _, block := range blocks {
		block, _, _ = strings.Cut(block, "```")
		for _, line := range strings.Split(strings.TrimRight(block, "\n"), "\n") {
			switch {
			case strings.HasPrefix(line, "$ sqlite-utils "):
				cmds = append(cmds, docCommand{args: shellWords(t, strings.TrimPrefix(line, "$ sqlite-utils "))})
			case strings.HasPrefix(line, "$ "):
				cmds = append(cmds, docCommand{}) // another program: its output is not checked
			case len(cmds) > 0:
				c := &cmds[len(cmds)-1]
				if c.out != "" {
					c.out += "\n"
				}
				c.out += line
			}
		}
	}
	return slices.DeleteFunc(cmds, func(c docCommand) bool { return c.args == nil })
}

// shellWords splits a command line as a POSIX shell would, for the words
// and 'single quotes' the page uses.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			w.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case strings.ContainsRune("\"\\$`|&;<>()*?", r):
			t.Fatalf("docs/schema.md: %q: only plain words and 'single quotes' are understood here", s)
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("docs/schema.md: %q: unterminated quote", s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}
