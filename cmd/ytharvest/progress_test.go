package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The line is redrawn every second, on a clock the test controls, and is
// drawn a last time with the final counts when the run ends.
func TestProgressLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		p := new(harvest.Progress)
		p.PagesDone.Store(12)
		p.PagesFound.Store(40)
		p.VideosDone.Store(3)
		stop := progressLine(&out, p)
		time.Sleep(999 * time.Millisecond)
		synctest.Wait()
		if s := out.String(); s != "" {
			t.Errorf("drawn before a second had passed: %q", s)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if s := out.String(); s != "\r\033[Kpages 12 of 40 · videos 3 · 12.0 pages/s" {
			t.Errorf("after a second: %q", s)
		}
		p.PagesDone.Store(40)
		time.Sleep(time.Second)
		stop()
		s := out.String()
		if want := "\r\033[Kpages 40 of 40 · videos 3 · 20.0 pages/s\n"; !strings.HasSuffix(s, want) || strings.Count(s, "\r") != 3 {
			t.Errorf("at the end: %q, want it to end with %q after three drawings", s, want)
		}
	})
}

// Under cron stderr is a file or a pipe: no progress line.
func TestNoProgressOffTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(new(bytes.Buffer)) {
		t.Error("a file or a buffer was taken for a terminal")
	}
}
