package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
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
	if fi, err := os.Stat(filepath.Dir(dest)); err != nil || !fi.IsDir() {
		return fmt.Errorf("backup to %s: no directory %s", dest, filepath.Dir(dest))
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
		return fmt.Errorf("backup %s to %s: %s", path, dest, backupCause(err))
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup %s to %s: %w", path, dest, err)
	}
	return nil
}

// backupCause says why VACUUM INTO failed, in words about the copy: SQLite's
// own message names the temporary file and a result code.
func backupCause(err error) string {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return "disk full"
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return "cannot write the copy there (is the directory writable?)"
	case sqlite3.SQLITE_IOERR:
		return "I/O error while writing the copy"
	case sqlite3.SQLITE_BUSY:
		return "the database is busy; try again"
	}
	return mapError(err).Error()
}
