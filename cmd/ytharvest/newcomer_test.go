package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/crawl"
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

// The limits the docs state are the limits in force: each constant is
// held to the documented number (not to itself), and the docs say that
// number. Changing a limit means changing its documentation too.
func TestDocumentedLimits(t *testing.T) {
	docs := ""
	for _, f := range []string{"../../README.md", "../../docs/reliability.md", "../../docs/crawling.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs += string(b)
	}
	for _, c := range []struct {
		name      string
		got, want int64
		says      string // in the docs
	}{
		{"harvest.MaxOutLinks", harvest.MaxOutLinks, 10_000, "10,000 of its links queued"},
		{"harvest.MaxTags", harvest.MaxTags, 200_000, "200,000 tags parsed"},
		{"crawl.MaxRobotsSize", crawl.MaxRobotsSize, 500 << 10, "obeys its first 500 KiB"},
		{"crawl.MaxDocumentSize", crawl.MaxDocumentSize, 50 << 20, "sitemaps read to 50 MB"},
		{"crawl.MaxEntries", crawl.MaxEntries, 50_000, "50,000 entries"},
		{"crawl.MaxRedirects", crawl.MaxRedirects, 10, "more than 10 redirects"},
		{"crawl.MaxURLLength", crawl.MaxURLLength, 2048, "at most 2,048 bytes"},
		{"crawl.MaxRetryAfter", int64(crawl.MaxRetryAfter), int64(time.Hour), "capped at an hour"},
		{"crawl.MaxPathSegments", crawl.MaxPathSegments, 16, "more than 16 path segments"},
		{"crawl.MaxSegmentRepeats", crawl.MaxSegmentRepeats, 3, "one segment repeated 3 times"},
		{"crawl.MaxQueryVariants", crawl.MaxQueryVariants, 100, "more than 100"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, but the docs say %d (%q)", c.name, c.got, c.want, c.says)
		}
		if !strings.Contains(strings.Join(strings.Fields(docs), " "), c.says) {
			t.Errorf("the docs do not say %q (%s)", c.says, c.name)
		}
	}
}

// docs/reliability.md names, in each row of its tables, the tests that
// hold the row; each must exist (a subtest by its case name).
func TestReliabilityDocNamesTests(t *testing.T) {
	doc, err := os.ReadFile("../../docs/reliability.md")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{} // name -> its file's text
	filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == "testdata" || d.Name() == "bench") || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, m := range regexp.MustCompile(`(?m)^func (Test\w+)\(`).FindAllStringSubmatch(string(b), -1) {
			tests[m[1]] = string(b)
		}
		return nil
	})
	named := regexp.MustCompile("`(Test\\w+)(/[^`]+)?`")
	withTests, rows := false, 0
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case !strings.HasPrefix(line, "|"):
			withTests = false
			continue
		case strings.HasPrefix(line, "|---"):
			continue
		case strings.HasSuffix(strings.TrimSpace(line), "| Test |"):
			withTests = true
			continue
		}
		ms := named.FindAllStringSubmatch(line, -1)
		if withTests && len(ms) == 0 {
			t.Errorf("a row names no test: %.100s", line)
		}
		rows++
		for _, m := range ms {
			src, ok := tests[m[1]]
			if !ok {
				t.Errorf("docs/reliability.md names %s, which does not exist", m[1])
				continue
			}
			if sub := strings.ReplaceAll(strings.TrimPrefix(m[2], "/"), "_", " "); sub != "" && !strings.Contains(src, `"`+sub+`"`) {
				t.Errorf("docs/reliability.md names %s%s: no such case in %s", m[1], m[2], m[1])
			}
		}
	}
	if rows < 50 {
		t.Errorf("only %d rows read from docs/reliability.md", rows)
	}
}
