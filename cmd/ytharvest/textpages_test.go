package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// textSite serves the fake news site with a front page linking two text
// pages, a text/plain note and a Markdown post, each pasting a video URL.
func textSite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><body><a href="/notes.txt">notes</a> <a href="/post.md">post</a></body></html>`)
		case "/notes.txt":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, "Notes from the state visit.\n\nThe arrival, filmed: https://youtu.be/H7xQm2Lp9sA?t=42 <- worth it\n")
		case "/post.md":
			w.Header().Set("Content-Type", "text/markdown")
			fmt.Fprint(w, "# Budget\n\nThe explainer is [here](https://www.youtube.com/watch?v=Zp4-eYc1UoM).\n")
		default:
			http.NotFound(w, r)
		}
	})
}

// Text pages are scanned for pasted URLs by crawl, which records them as
// kind text, and by extract, from a URL or a .txt/.md file.
func TestTextPages(t *testing.T) {
	e := newEnv(t, textSite())
	if code := e.crawl("--no-transcripts"); code != exitOK {
		t.Fatalf("crawl: exit %d", code)
	}
	diffRows(t, "text pages", e.query(`
		SELECT p.url, p.kind, l.ref_id, l.kind, l.in_body, coalesce(l.start_seconds, 0)
		FROM pages p JOIN links l ON l.page_id = p.id ORDER BY p.url`), []string{
		"http://news.example/notes.txt | text | H7xQm2Lp9sA | text | 1 | 42",
		"http://news.example/post.md | text | Zp4-eYc1UoM | text | 1 | 0",
	})

	if code := e.run("extract", "http://news.example/notes.txt"); code != exitOK || !strings.Contains(e.stdout.String(), "H7xQm2Lp9sA") {
		t.Errorf("extract of a text/plain URL: exit %d\n%s%s", code, e.stdout, e.stderr)
	}
	dir := t.TempDir()
	note := filepath.Join(dir, "note.txt")
	os.WriteFile(note, []byte("<not a tag> see https://youtu.be/k3Rt_vB8nQw"), 0o644)
	if code := e.run("extract", note); code != exitOK || !strings.Contains(e.stdout.String(), "k3Rt_vB8nQw  text") {
		t.Errorf("extract of a .txt file: exit %d\n%s%s", code, e.stdout, e.stderr)
	}
}

// Without --base, a file's protocol-relative links are taken as https,
// as with a base.
func TestExtractProtocolRelative(t *testing.T) {
	e := newEnv(t, nil)
	page := filepath.Join(t.TempDir(), "p.html")
	os.WriteFile(page, []byte(`<html><body><article><iframe src="//www.youtube.com/embed/Zp4-eYc1UoM"></iframe>
<a href="//youtu.be/H7xQm2Lp9sA">watch</a></article></body></html>`), 0o644)
	for _, args := range [][]string{{"extract", page}, {"extract", "--base", "https://news.example/", page}} {
		if code := e.run(args...); code != exitOK || !strings.Contains(e.stdout.String(), "Zp4-eYc1UoM  iframe") ||
			!strings.Contains(e.stdout.String(), "H7xQm2Lp9sA  anchor") {
			t.Errorf("%v: exit %d\n%s", args, code, e.stdout)
		}
	}
}

// extract parses at most harvest.MaxTags tags, as a crawl does, and says
// so: a video after the 200,000th tag is not found.
func TestExtractTagLimit(t *testing.T) {
	e := newEnv(t, nil)
	var b strings.Builder
	b.WriteString("<html><body><p>https://youtu.be/H7xQm2Lp9sA</p>")
	for range 200_000 {
		b.WriteString("<i></i>")
	}
	b.WriteString(`<iframe src="https://www.youtube.com/embed/Zp4-eYc1UoM"></iframe></body></html>`)
	page := filepath.Join(t.TempDir(), "big.html")
	os.WriteFile(page, []byte(b.String()), 0o644)
	code := e.run("extract", page)
	if code != exitOK || !strings.Contains(e.stdout.String(), "H7xQm2Lp9sA") || strings.Contains(e.stdout.String(), "Zp4-eYc1UoM") {
		t.Errorf("extract past the tag limit: exit %d\n%s", code, e.stdout)
	}
	if !strings.Contains(e.stderr.String(), "more than 200000 tags") {
		t.Errorf("stderr does not say the page was cut:\n%s", e.stderr)
	}
}
