package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrLocked means another run holds the database.
var ErrLocked = errors.New("another run holds the database")

// Lock is a run's exclusive hold on a database: one crawl at a time per
// file. It is an operating-system lock on a file beside the database
// (PATH.lock), so it is released when the process ends however it ends —
// a SIGKILLed run leaves no stale lock behind.
type Lock struct {
	f *os.File
}

// LockPath is the lock file for the database at path.
func LockPath(path string) string { return path + ".lock" }

// Acquire takes the run lock of the database at path. If another process
// holds it, Acquire returns an error wrapping ErrLocked that says
// which process, unless wait is true: then it waits until the lock is free
// or ctx ends. Nothing is created beside a path that cannot be a
// ytharvest database (a directory, a foreign file): that is an error.
func Acquire(ctx context.Context, path string, wait bool) (*Lock, error) {
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	lp := LockPath(path)
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for {
		err := tryLock(f)
		if err == nil {
			break
		}
		if !errors.Is(err, errWouldBlock) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !wait {
			holder := readHolder(f)
			f.Close()
			return nil, fmt.Errorf("%w %s%s (use --wait to wait for it)", ErrLocked, path, holder)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	// Say who holds it, for the message a second run prints.
	host, _ := os.Hostname()
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))), 0)
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	l.f.Truncate(0)
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func readHolder(f *os.File) string {
	b := make([]byte, 200)
	n, _ := f.ReadAt(b, 0)
	s := strings.TrimSpace(string(b[:n]))
	if s == "" || !strings.HasPrefix(s, "pid ") {
		return ""
	}
	if pid, err := strconv.Atoi(strings.Fields(s)[1]); err == nil && pid == os.Getpid() {
		return " (this process)"
	}
	return " (" + s + ")"
}
