package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a strings.Builder safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ytharvest")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/ytharvest").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// The demo crawls, and shows stats, queries, a search and an extract,
// saying where the non-ok statuses come from, and ends by saying how to
// open the web UI on its database; with --serve it keeps the fakes
// running, says where, and every command it suggests names them.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		d := demo{out: &out, bin: bin, dbPath: filepath.Join(t.TempDir(), "demo.db"), siteDir: "../../testdata/site", ytDir: "../../testdata/youtube", keep: true}
		done <- d.run(ctx)
	}()
	var site string
	for site == "" {
		select {
		case err := <-done:
			t.Fatalf("the demo ended early: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if m := regexp.MustCompile(`# --serve: the fake news site is on (\S+) and`).FindStringSubmatch(out.String()); m != nil {
			site = m[1]
		}
	}
	text := out.String()
	for _, want := range []string{
		"$ ytharvest crawl", "$ ytharvest stats", "videos     10",
		"canned recordings (testdata/youtube)", "not the state of real videos",
		`$ ytharvest search --db`, "&t=2s",
		"$ ytharvest extract " + site + "/articles/state-visit", "H7xQm2Lp9sA  text",
		"crawl --db try.db", "until Ctrl-C",
		"serve --db ", "open http://localhost:8080/", "report --db ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	// The site still answers while --serve holds it.
	resp, err := http.Get(site + "/articles/budget")
	if err != nil {
		t.Fatalf("the fake site is not served: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s/articles/budget: %s", site, resp.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("demo --serve after Ctrl-C: %v", err)
	}
	if !strings.HasSuffix(out.String(), "# stopped\n") {
		t.Errorf("the demo did not say it stopped")
	}
}
