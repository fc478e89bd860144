package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// schemaTable records the schema version, as SQLite's PRAGMA user_version
// does, and marks the database as ytharvest's (SQLite's application_id).
const schemaTable = "ytharvest_schema"

// migrateLock is the advisory lock key under which migrations run, so
// that workers starting together apply each migration once ("ytha").
const migrateLock = 0x79746861

// Store is a ytharvest harvest in PostgreSQL. It implements harvest's
// stores (RunLog, Frontier, VideoStore), youtube.Store, and db.Reader; the
// pages and videos it adds are also queued as River jobs, in the
// transaction that adds them.
type Store struct {
	pool  *pgxpool.Pool
	river *river.Client[pgx.Tx] // insert-only: jobs go in with the rows that make them
	// Machine names this process's machine: the egresses of two machines
	// are two egresses (YouTube blocks by IP).
	Machine string
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Transcripts says whether a fetched video's transcript job is queued
	// (the workers' --no-transcripts turns it off).
	Transcripts bool

	robotsSaved sync.Map // host -> when this process stored its robots.txt (hostSlice.robots)
}

var (
	_ harvest.Store = (*Store)(nil)
	_ db.Reader     = (*Store)(nil)
)

// IsDSN reports whether a --db value names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the PostgreSQL database of dsn and brings its schema,
// and River's, up to date. It refuses a database that holds tables
// ytharvest did not make, or a schema newer than this binary.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := connect(ctx, dsn, false)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	return s, nil
}

// OpenReadOnly connects for the read commands: every transaction is read
// only (default_transaction_read_only), and the schema is checked, not
// changed.
func OpenReadOnly(ctx context.Context, dsn string) (*Store, error) {
	s, err := connect(ctx, dsn, true)
	if err != nil {
		return nil, err
	}
	version, err := s.checkVersion(ctx, s.pool)
	if err == nil && version == 0 {
		err = fmt.Errorf("%w: the database holds no harvest yet (run `ytharvest crawl` first)", db.ErrNotExist)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	return s, nil
}

func connect(ctx context.Context, dsn string, readOnly bool) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	if readOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgx's default is 4 on 2 cores; a worker's host slices, videos
		// and River's own fetching, completing and listening need more.
		// 10 a process keeps 9 processes under PostgreSQL's default
		// max_connections of 100.
		cfg.MaxConns = 10
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "ytharvest"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{SkipUnknownJobCheck: true, Logger: quietLogger()})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	host, _ := os.Hostname()
	return &Store{pool: pool, river: client, Machine: host, Transcripts: true}, nil
}

// Close closes the connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Pool returns the connection pool, for tests and the workers.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// migrations returns the embedded migrations in order.
func migrations() ([]db.Migration, error) { return db.ReadMigrations(migrationFS, "migrations") }

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		panic(err) // the embedded files are part of the binary
	}
	return len(ms)
}

// querier is what a pool, a connection and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// checkVersion returns the schema version of the database: 0 for an empty
// one. It refuses a database with tables that are not ytharvest's or River's,
// and a version newer than this binary.
func (s *Store) checkVersion(ctx context.Context, q querier) (int, error) {
	var ours bool
	if err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, schemaTable).Scan(&ours); err != nil {
		return 0, err
	}
	if !ours {
		var foreign int
		err := q.QueryRow(ctx, `
			SELECT count(*) FROM pg_tables
			WHERE schemaname = current_schema() AND tablename NOT LIKE 'river\_%'`).Scan(&foreign)
		if err != nil {
			return 0, err
		}
		if foreign > 0 {
			return 0, fmt.Errorf("%w: its schema %s holds %d tables ytharvest did not create", db.ErrForeign, "public", foreign)
		}
		return 0, nil
	}
	var version int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+schemaTable).Scan(&version); err != nil {
		return 0, err
	}
	if version > SchemaVersion() {
		return 0, fmt.Errorf("%w: schema version %d, this binary knows up to %d; upgrade ytharvest", db.ErrTooNew, version, SchemaVersion())
	}
	return version, nil
}

// migrate applies the migrations this database lacks, then River's, while
// holding an advisory lock: workers that start together wait their turn.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLock)
	version, err := s.checkVersion(ctx, conn)
	if err != nil {
		return err
	}
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms[version:] {
		if err := applyMigration(ctx, conn.Conn(), m); err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.Version, m.Name, err)
		}
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{Logger: quietLogger()})
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate River's tables: %w", err)
	}
	return nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, m db.Migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+schemaTable+` (
		version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+schemaTable+` (version) VALUES ($1)`, m.Version); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Redact returns dsn without its password (in the user part or a
// password= parameter), for messages and logs. A URL that does not parse
// is not shown at all: its password could be anywhere in it.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(a postgres:// URL that does not parse)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// ErrNoRows is pgx's: a query that should have found a row found none.
var ErrNoRows = pgx.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
