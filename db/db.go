package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/harvestdev/ytharvest/harvest"
)

// ApplicationID marks a SQLite file as ytharvest's (PRAGMA application_id,
// "ytha" in ASCII), so that the tool refuses to write into somebody else's
// database.
const ApplicationID = 0x79746861

//go:embed migrations/*.sql
var migrationFS embed.FS

// TimeFormat is how times are stored: RFC 3339 in UTC with a fixed number
// of fractional digits, so that text order is time order.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Errors returned by Open.
var (
	// ErrForeign means the file is a SQLite database that is not ytharvest's.
	ErrForeign = errors.New("not a ytharvest database")
	// ErrTooNew means the file was written by a newer ytharvest.
	ErrTooNew = errors.New("database schema is newer than this ytharvest")
	// ErrNotExist means a read-only open found no file.
	ErrNotExist = errors.New("no such database")
)

// DB is a ytharvest SQLite database. It is the store of every stage.
var _ harvest.Store = (*DB)(nil)

// DB is a ytharvest SQLite database.
type DB struct {
	sql  *sql.DB
	path string

	stmts map[string]*sql.Stmt // the writer's prepared statements, by query; read-only after Open

	rmu      sync.Mutex
	rowStmts map[string]*sql.Stmt // multi-row inserts, by query (rowStmt)

	immutable bool // opened read-only with immutable=1: the file is on a read-only filesystem

	vmu    sync.Mutex
	videos map[string]struct{} // video rows known to exist (videoKnown)

	searchWindow int // SearchWindow, unless a test sets it (SetSearchWindow)
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// Open opens (creating it if needed) the database at path for reading and
// writing, and brings its schema up to date. Foreign keys and the busy
// timeout are set in the DSN so that every pooled connection has them; WAL
// is set once the file is known to be ours (it is a property of the file,
// so setting it earlier would modify a foreign file). The pool holds one
// connection because SQLite has one writer anyway. Temporary storage is
// in memory: a multi-row insert's statement journal (a few hundred KB at
// most) went to a temporary file, write by write, for a tenth of the
// writer's time.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := checkSidecars(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	dsn := "file:" + escapePath(path) +
		"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(10000)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(1)
	db := &DB{sql: sdb, path: path, stmts: make(map[string]*sql.Stmt)}
	if err := db.init(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Prepared now, outside any transaction: the pool's one connection is
	// taken while a transaction runs.
	for _, q := range hotQueries {
		st, err := sdb.PrepareContext(ctx, q)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: prepare: %w", path, mapError(err))
		}
		db.stmts[q] = st
	}
	return db, nil
}

// OpenReadOnly opens an existing database for queries only. It works while
// a crawl is writing (WAL), refuses every write, and creates no file: a
// user who may read the database but not write it reads it too (see
// readMode), on a read-only filesystem as well.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	return openReadOnlyFile(ctx, path, 0)
}

// ServingCache is the page cache, in KiB, of each connection that
// OpenReadOnlyCached opens (SQLite's default is 2 MiB).
const ServingCache = 64 << 10

// OpenReadOnlyCached is OpenReadOnly for a process that answers many
// queries over a while (serve, report, search): each connection keeps up
// to ServingCache of the file's pages. With SQLite's 2 MiB, most of the
// row lookups of a web page went to the file, a system call each: a
// video list's count of a status's videos on one site took 12-20 ms, with
// the larger cache 8 (docs/PERFORMANCE.md). Export and the one-pass
// readers keep the small cache, and so their constant memory.
func OpenReadOnlyCached(ctx context.Context, path string) (*DB, error) {
	return openReadOnlyFile(ctx, path, ServingCache)
}

// openReadOnlyFile opens path read-only with a page cache of cacheKiB
// per connection (0: SQLite's default).
func openReadOnlyFile(ctx context.Context, path string, cacheKiB int) (*DB, error) {
	if fi, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open %s: %w (run `ytharvest crawl` first, or pass --db)", path, ErrNotExist)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	} else if fi.IsDir() {
		return nil, fmt.Errorf("open %s: %w", path, ErrIsDir)
	}
	immutable, err := readMode(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return openReadOnly(ctx, path, immutable, cacheKiB)
}

func openReadOnly(ctx context.Context, path string, immutable bool, cacheKiB int) (*DB, error) {
	dsn := "file:" + escapePath(path) +
		"?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	if immutable {
		dsn += "&immutable=1"
	}
	if cacheKiB > 0 {
		dsn += fmt.Sprintf("&_pragma=cache_size(-%d)", cacheKiB)
	}
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(4)
	db := &DB{sql: sdb, path: path, immutable: immutable}
	if err := db.check(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	for _, st := range db.stmts {
		st.Close()
	}
	db.rmu.Lock()
	for _, st := range db.rowStmts {
		if st != nil {
			st.Close()
		}
	}
	db.rmu.Unlock()
	return db.sql.Close()
}

// SQL returns the underlying handle, for ad-hoc queries.
func (db *DB) SQL() *sql.DB { return db.sql }

// escapePath escapes the characters that would end the file name inside a
// SQLite URI filename.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

func (db *DB) now() time.Time {
	if db.Now != nil {
		return db.Now().UTC()
	}
	return time.Now().UTC()
}

// migrations returns the embedded migrations in order.
func migrations() ([]Migration, error) { return ReadMigrations(migrationFS, "migrations") }

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		panic(err) // the embedded files are part of the binary
	}
	return len(ms)
}

func (db *DB) init(ctx context.Context) error {
	if err := db.check(ctx); err != nil {
		return err
	}
	var mode string
	if err := db.sql.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return mapError(err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal_mode is %q, want wal (is the file on a filesystem without shared memory?)", mode)
	}
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := db.migrate(ctx, m); err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// check refuses files that are not ours or are newer than this binary.
func (db *DB) check(ctx context.Context) error {
	var appID, version, objects int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return mapError(err)
	}
	if err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return mapError(err)
	}
	if err := db.sql.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
		return mapError(err)
	}
	switch {
	case appID != 0 && appID != ApplicationID:
		return fmt.Errorf("%w: application_id is %#x", ErrForeign, appID)
	case appID == 0 && objects > 0:
		return fmt.Errorf("%w: it holds tables ytharvest did not create", ErrForeign)
	case version > SchemaVersion():
		return fmt.Errorf("%w: schema version %d, this binary knows up to %d; upgrade ytharvest", ErrTooNew, version, SchemaVersion())
	}
	return nil
}

// migrate applies m in its own IMMEDIATE transaction unless the schema is
// already at or past it. The version is read inside the transaction, so
// two processes opening a new file at once apply each migration once.
func (db *DB) migrate(ctx context.Context, m Migration) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return mapError(err)
	}
	if version >= m.Version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return mapError(err)
	}
	// PRAGMAs take no parameters; both values are integers we control.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version)); err != nil {
		return mapError(err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
		return mapError(err)
	}
	return mapError(tx.Commit())
}

// mapError turns the SQLite errors an operator can act on into messages
// that say what to do, keeping the original for errors.As.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY:
		return fmt.Errorf("database is busy (another process holds a write lock): %w", err)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("database is read-only: %w", err)
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("disk full: %w", err)
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("%w: the file is not a SQLite database", ErrForeign)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("database file is corrupt: %w", err)
	case sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("cannot open the database file (does its directory exist and is it writable?): %w", err)
	}
	return err
}
