package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A page that has not changed since the last run answers 304 to the
// conditional GET; the run's log line and its runs row count it.
func TestNotModifiedRun(t *testing.T) {
	const etag = `"v1"`
	conditional := 0
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == etag {
			conditional++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>Front</title></head><body><article>
			<iframe src="https://www.youtube.com/embed/H7xQm2Lp9sA"></iframe></article></body></html>`)
	}))
	if code := e.crawl(); code != exitOK {
		t.Fatalf("first crawl: exit %d", code)
	}
	if code := e.crawl(); code != exitOK {
		t.Fatalf("second crawl: exit %d", code)
	}
	if conditional != 1 {
		t.Errorf("%d conditional GETs answered 304, want 1", conditional)
	}
	if line := finishedLine(e.stderr.String()); !strings.Contains(line, " pages_not_modified=1 ") ||
		!strings.Contains(line, " pages_fetched=0 ") {
		t.Errorf("the second run's last line does not count the unchanged page: %q", line)
	}
	diffRows(t, "runs", e.query(`SELECT pages_fetched, pages_not_modified FROM runs ORDER BY id`),
		[]string{"1 | 0", "0 | 1"})
	diffRows(t, "links", e.query(`SELECT ref_id FROM links`), []string{"H7xQm2Lp9sA"})
}

// finishedLine is the "run finished" line of a run's log.
func finishedLine(log string) string {
	for line := range strings.Lines(log) {
		if strings.Contains(line, "run finished") {
			return strings.TrimSpace(line) + " "
		}
	}
	return ""
}
