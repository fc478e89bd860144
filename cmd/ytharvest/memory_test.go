//go:build linux

package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// procHWM reads a running process's peak resident set size, in kB.
func procHWM(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb
		}
	}
	return 0
}

// peakRSS runs cmd and returns its peak RSS in MB, polled from /proc.
func peakRSS(t *testing.T, cmd *exec.Cmd) float64 {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	peak := 0
	for {
		if kb := procHWM(cmd.Process.Pid); kb > peak {
			peak = kb
		}
		select {
		case err := <-done:
			// --max-pages leaves work queued: exit 3 is the expected end.
			if err != nil && cmd.ProcessState.ExitCode() != exitPartial {
				t.Fatalf("%v: %v", cmd.Args, err)
			}
			return float64(peak) / 1024
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// A frontier of 100,000 queued URLs is not held in memory: a run that
// fetches a few of them peaks no higher than one with a small frontier.
func TestFrontierMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("measures memory; the race detector makes building 100,000 rows take minutes (run without -race)")
	}
	bin := binary(t)
	site := httptest.NewServer(testserver.GeneratedSite{Pages: 200_000, Videos: 0})
	defer site.Close()
	ctx := context.Background()
	measure := func(queued int) float64 {
		path := filepath.Join(t.TempDir(), "m.db")
		d, err := db.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var out []harvest.Page
		for i := 1; i <= queued; i++ {
			out = append(out, harvest.Page{URL: fmt.Sprintf("%s/p/%d", site.URL, i), Depth: 1})
		}
		if err := d.AddSeeds(ctx, []string{site.URL + "/"}); err != nil {
			t.Fatal(err)
		}
		seed, _ := d.NextPages(ctx, 1, 0, nil, nil)
		seed[0].State = harvest.PageFetched
		if _, err := d.SavePages(ctx, []harvest.PageSave{{Page: &seed[0], Out: out}}); err != nil {
			t.Fatal(err)
		}
		d.Close()
		cmd := exec.Command(bin, "crawl", "--db", path, "--depth", "1", "--delay", "0s", "--host-concurrency", "8",
			"--concurrency", "8", "--max-pages", "300", "--no-transcripts", "--youtube-url", "http://127.0.0.1:1", "-q", site.URL+"/")
		mb := peakRSS(t, cmd)
		var n, fetched int
		d, _ = db.Open(ctx, path)
		d.SQL().QueryRow(`SELECT count(*) FROM pages WHERE state = 'queued'`).Scan(&n)
		d.SQL().QueryRow(`SELECT pages_fetched FROM runs ORDER BY id DESC LIMIT 1`).Scan(&fetched)
		d.Close()
		t.Logf("%d URLs queued before the run, %d after, %d fetched: peak RSS %.1f MB", queued, n, fetched, mb)
		if fetched != 300 {
			t.Fatalf("the run fetched %d pages, want its --max-pages 300: a crawl that stops early says nothing of memory", fetched)
		}
		return mb
	}
	small := measure(500)
	large := measure(100_000)
	if large > small+15 || large > 80 {
		t.Errorf("peak RSS %.1f MB with 100,000 queued URLs against %.1f MB with 500: the frontier is held in memory", large, small)
	}
}
