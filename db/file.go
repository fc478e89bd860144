package db

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrIsDir means --db names a directory, not a database file.
var ErrIsDir = errors.New("is a directory, not a database file")

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkFile refuses, before anything is created beside it, a path that
// cannot be a ytharvest database: a directory, something other than a
// regular file, or a file whose header says it is not SQLite or belongs to
// another application. A file that does not exist yet, or is empty, passes:
// it becomes a new database. The header is only trusted to refuse: a
// database whose commits are all still in its write-ahead log has a stale
// header, and Open's check decides.
func checkFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return ErrIsDir
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%w: it is not a regular file (%v)", ErrForeign, fi.Mode().Type())
	case fi.Size() == 0:
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var h [100]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[:16]) != sqliteMagic {
		return fmt.Errorf("%w: the file is not a SQLite database", ErrForeign)
	}
	// The header's application_id (offset 68), user_version (60) and
	// schema cookie (40, which every CREATE changes).
	appID, version, cookie := binary.BigEndian.Uint32(h[68:]), int(binary.BigEndian.Uint32(h[60:])), binary.BigEndian.Uint32(h[40:])
	switch {
	case appID != 0 && appID != ApplicationID:
		return fmt.Errorf("%w: application_id is %#x", ErrForeign, appID)
	case appID == 0 && cookie != 0:
		return fmt.Errorf("%w: it holds tables ytharvest did not create", ErrForeign)
	case version > SchemaVersion():
		return fmt.Errorf("%w: schema version %d, this binary knows up to %d; upgrade ytharvest", ErrTooNew, version, SchemaVersion())
	}
	return nil
}

// writable reports whether this process may write the file at path: false
// when the file's mode or owner forbids it, the file is immutable, or its
// filesystem is read-only. A missing file is writable if it can be made.
func writable(path string) bool { return whyNotWritable(path) == "" }

// whyNotWritable says why this process may not write the file at path, or
// returns "" when it may.
func whyNotWritable(path string) string {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	switch {
	case err == nil:
		f.Close()
		return ""
	case errors.Is(err, fs.ErrNotExist):
		return ""
	case errors.Is(err, syscall.EROFS):
		return "it is on a read-only filesystem"
	case errors.Is(err, syscall.EPERM):
		return "the file is immutable (chattr +i)"
	}
	mode := ""
	if fi, err := os.Stat(path); err == nil {
		mode = fmt.Sprintf(", mode %#o", fi.Mode().Perm())
	}
	return fmt.Sprintf("this user (uid %d) may not write it (uid %d owns it%s)", os.Geteuid(), owner(path), mode)
}

// owner returns the user id that owns the file at path, or -1.
func owner(path string) int {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// readMode decides how a process that may not write the database reads
// it. SQLite reads a WAL database through its -shm file and makes one (and
// a -wal) when none is there. Made by a reader that cannot write the
// database, such files belong to the reader and keep the owner's next
// writer out; where the directory cannot be written they cannot be made
// at all. So a reader that cannot write makes none:
//
//   - with both a -shm and a -wal beside the file (a writer has it open,
//     or had), SQLite reads them as they are, opening the -shm read-only;
//   - with no -wal, or an empty one, every commit is in the file itself
//     and nobody has it open for writing: it is read as immutable, which
//     needs neither file (a writer that starts meanwhile writes to a new
//     -wal, not to the file, until a checkpoint: a read of a few seconds
//     sees the file as it was);
//   - a -wal holding commits without a -shm (a crash, or a copy) cannot be
//     read without making a -shm: the error says so.
//
// A process that may write the database opens it normally.
func readMode(path string) (immutable bool, err error) {
	why := whyNotWritable(path)
	if why == "" {
		return false, nil
	}
	_, shmErr := os.Stat(path + "-shm")
	wal, walErr := os.Stat(path + "-wal")
	switch {
	case shmErr == nil && walErr == nil:
		return false, nil
	case walErr == nil && wal.Size() > 0:
		return false, fmt.Errorf("its write-ahead log (%s-wal) holds commits that were never folded back into it, and reading them needs a -shm file this process may not make (%s); run any ytharvest command on it once as a user who may write it, where it can be written", path, why)
	}
	return true, nil
}

// checkSidecars explains the failure of a writer whose -wal or -shm file
// it may not write: such a file was left by a reader of another user (an
// older ytharvest, the sqlite3 shell, Datasette), and SQLite reports only
// "attempt to write a readonly database".
func checkSidecars(path string) error {
	if why := whyNotWritable(path); why != "" {
		return fmt.Errorf("database is read-only: %s; the commands that read (stats, sql, search, export, backup) read it, crawl, video and refresh need to write it", why)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		side := path + suffix
		if _, err := os.Stat(side); err == nil && !writable(side) {
			return fmt.Errorf("database is read-only: %s is owned by uid %d and this user may not write it (a reader of that user left it: an older ytharvest, the sqlite3 shell, Datasette); remove %s-shm and %s-wal (a reader writes nothing into the -wal) while no process has the database open", side, owner(side), path, path)
		}
	}
	return nil
}
