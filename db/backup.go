package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Backup writes a consistent, compacted copy of the database at path to
// dest with VACUUM INTO, while other processes go on reading and writing
// it (WAL): the copy is taken inside one read transaction. dest must not
// exist; the copy is written beside it and renamed into place, so a failed
// backup leaves nothing behind.
func Backup(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup to %s: the file exists", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	src, err := OpenReadOnly(ctx, path) // refuses files that are not ours
	if err != nil {
		return err
	}
	src.Close()
	// query_only forbids VACUUM INTO; a plain read-only handle allows it.
	dsn := "file:" + escapePath(path) + "?mode=ro&_pragma=busy_timeout(10000)"
	if src.immutable {
		dsn += "&immutable=1" // on a read-only filesystem, as OpenReadOnly found
	}
	s, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	defer s.Close()
	tmp := dest + ".tmp"
	os.Remove(tmp)
	if _, err := s.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup %s to %s: %w", path, dest, mapError(err))
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup %s to %s: %w", path, dest, err)
	}
	return nil
}
