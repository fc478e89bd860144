package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
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

func TestProgressLine(t *testing.T) {
	var out lockedBuffer
	p := new(harvest.Progress)
	p.PagesDone.Store(12)
	p.PagesFound.Store(40)
	p.VideosDone.Store(3)
	stop := progressLine(&out, p)
	time.Sleep(1200 * time.Millisecond)
	stop()
	s := out.String()
	if !strings.Contains(s, "pages 12 done, 40 found · videos 3 done") || !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("progress output %q", s)
	}
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
