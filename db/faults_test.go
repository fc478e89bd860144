package db_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/internal/dbcheck"
)

// A database on a read-only filesystem can still be read (a WAL database
// needs a -shm file, which cannot be made there, so it is read as
// immutable), and backed up; one whose -wal file holds commits never
// folded back is refused with a message rather than read without them.
func TestOpenReadOnlyOnReadOnlyFilesystem(t *testing.T) {
	ctx := context.Background()
	mnt := dbcheck.MountTmpfs(t, "16m")
	path := filepath.Join(mnt, "h.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.AddSeeds(ctx, []string{"https://news.example/"}); err != nil {
		t.Fatal(err)
	}
	d.Close()

	// A copy taken while a writer had commits in its WAL: the database
	// and its -wal, without the -shm.
	d, err = db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.AddSeeds(ctx, []string{"https://other.example/"}); err != nil {
		t.Fatal(err)
	}
	copyDir := filepath.Join(mnt, "copy")
	os.Mkdir(copyDir, 0o755)
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if suffix == "-wal" && len(b) == 0 {
			t.Fatal("the WAL is empty: nothing to test")
		}
		if err := os.WriteFile(filepath.Join(copyDir, "h.db"+suffix), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	dbcheck.Remount(t, mnt, "ro")

	ro, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("OpenReadOnly on a read-only filesystem: %v", err)
	}
	var n int
	if err := ro.SQL().QueryRow(`SELECT count(*) FROM pages`).Scan(&n); err != nil || n != 2 {
		t.Errorf("pages = %d, %v; want 2", n, err)
	}
	if _, err := ro.SQL().Exec(`DELETE FROM pages`); err == nil {
		t.Error("DELETE succeeded")
	}
	ro.Close()
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, path, dest); err != nil {
		t.Fatalf("Backup from a read-only filesystem: %v", err)
	}
	if c, err := db.OpenReadOnly(ctx, dest); err != nil {
		t.Errorf("the backup does not open: %v", err)
	} else {
		c.Close()
	}

	_, err = db.OpenReadOnly(ctx, filepath.Join(copyDir, "h.db"))
	if err == nil || !strings.Contains(err.Error(), "never folded back") {
		t.Errorf("OpenReadOnly with an unapplied WAL on a read-only filesystem = %v, want a refusal", err)
	}
}
