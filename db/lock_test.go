package db_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
)

func TestLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	l, err := db.Acquire(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Acquire(ctx, path, false)
	if !errors.Is(err, db.ErrLocked) || !strings.Contains(err.Error(), "--wait") {
		t.Fatalf("second Acquire = %v, want ErrLocked mentioning --wait", err)
	}

	// --wait: the second run gets the lock once the first lets go.
	go func() {
		time.Sleep(300 * time.Millisecond)
		l.Release()
	}()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l2, err := db.Acquire(wctx, path, true)
	if err != nil {
		t.Fatalf("waiting Acquire = %v", err)
	}
	// A wait ends with the context.
	cctx, ccancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer ccancel()
	if _, err := db.Acquire(cctx, path, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire with an expiring context = %v", err)
	}
	l2.Release()
}

// A killed process leaves no stale lock: the lock belongs to the process.
func TestLockReleasedOnKill(t *testing.T) {
	if os.Getenv("YTHARVEST_LOCK_CHILD") != "" {
		if _, err := db.Acquire(context.Background(), os.Getenv("YTHARVEST_LOCK_CHILD"), false); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Minute)
		return
	}
	path := filepath.Join(t.TempDir(), "x.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockReleasedOnKill$")
	cmd.Env = append(os.Environ(), "YTHARVEST_LOCK_CHILD="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		cmd.Process.Kill()
		t.Fatalf("child did not lock: %q %v", buf, err)
	}
	if _, err := db.Acquire(context.Background(), path, false); !errors.Is(err, db.ErrLocked) || !strings.Contains(err.Error(), "pid ") {
		t.Errorf("Acquire while the child holds the lock = %v, want ErrLocked naming the pid", err)
	}
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()
	l, err := db.Acquire(context.Background(), path, false)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed = %v", err)
	}
	l.Release()
}
