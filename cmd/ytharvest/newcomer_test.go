package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A seed that cannot be crawled is reported with its file and line.
func TestSeedsFileLine(t *testing.T) {
	e := newEnv(t, nil)
	seeds := filepath.Join(t.TempDir(), "seeds.txt")
	os.WriteFile(seeds, []byte("# news sites\nhttp://news.example/\n\nftp://files.example/list\n"), 0o644)
	code := e.run("crawl", "--seeds-file", seeds)
	if want := "ytharvest: " + seeds + ":4: seed \"ftp://files.example/list\": "; code != exitUsage || !strings.HasPrefix(e.stderr.String(), want) {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q…", code, e.stderr, want)
	}
	e.app.stdin = strings.NewReader("http://news.example/\nnot a url\n")
	if code := e.run("crawl", "--seeds-file", "-"); code != exitUsage || !strings.Contains(e.stderr.String(), "standard input:2: seed \"not a url\"") {
		t.Errorf("from standard input: exit %d, stderr %q", code, e.stderr)
	}
}

// stats keeps at least two spaces between the columns of its runs, and
// says which command each run was.
func TestStatsColumns(t *testing.T) {
	e := newEnv(t, nil)
	e.crawl()
	e.run("refresh", "--youtube-url", e.ytURL)
	if code := e.run("stats"); code != exitOK {
		t.Fatalf("stats: exit %d", code)
	}
	runs := regexp.MustCompile(`(?m)^    #\d.*$`).FindAllString(e.stdout.String(), -1)
	if len(runs) != 2 || !strings.Contains(runs[0], "  refresh  ") || !strings.Contains(runs[1], "  crawl  ") {
		t.Fatalf("runs in stats: %q", runs)
	}
	for _, r := range runs {
		// #N, command, start, status, duration, pages, videos.
		if cols := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(r), -1); len(cols) != 7 {
			t.Errorf("columns run together: %q makes %d columns, want 7", r, len(cols))
		}
	}
}

// The README and docs/cron.md give the exit codes in the words of
// `ytharvest help`.
func TestExitCodesDocumented(t *testing.T) {
	for _, doc := range []string{"../../README.md", "../../docs/cron.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "`", "")
		for _, c := range exitCodes {
			row := regexp.MustCompile(`(?m)^\s*\|\s*` + regexp.QuoteMeta(fmt.Sprint(c.code)) + `\s*\|\s*(.*?)\s*\|`).FindStringSubmatch(text)
			if row == nil || row[1] != c.meaning {
				t.Errorf("%s: exit code %d is not documented as in the help (%q); found %q", doc, c.code, c.meaning, row)
			}
		}
	}
	if !strings.Contains(usage, exitCodeTable()) {
		t.Error("the help lacks the exit codes")
	}
}
