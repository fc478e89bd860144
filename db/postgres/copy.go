package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/db"
)

// copyTables are the tables a harvest is copied by, between PostgreSQL
// and SQLite, in an order their foreign keys allow. SQLite's derived
// tables (sites, site_videos, site_days, channels, channel_sites) and
// full-text indexes are not copied: its triggers make them from these
// rows. video_status_changes comes after videos, whose inserts start a
// history of their own that the copied one replaces.
var copyTables = []struct{ name, order string }{
	{"pages", "id"}, {"videos", "id"}, {"video_status_changes", "id"}, {"video_views", "video_id, fetched_at"},
	{"links", "id"}, {"playlists", "id"}, {"caption_tracks", "video_id, language, is_generated"},
	{"transcripts", "id"}, {"transcript_segments", "id"}, {"runs", "id"}, {"hosts", "host"},
	{"egresses", "label"}, {"youtube_api_quota", "day"},
}

// WriteSQLite writes the harvest to a new SQLite file at path — ytharvest's
// schema, which every read command, sqlite3 and Datasette read — from one
// snapshot of the database. path must not exist; the file is written
// beside it and renamed into place. Egresses are labelled label@machine.
func (s *Store) WriteSQLite(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("write %s: the file exists", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := path + ".tmp"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	dst, err := db.Open(ctx, tmp)
	if err != nil {
		return err
	}
	err = s.readTx(ctx, func(src pgx.Tx) error { return copyToSQLite(ctx, src, dst.SQL()) })
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func copyToSQLite(ctx context.Context, src pgx.Tx, dst *sql.DB) error {
	tx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return err
	}
	for _, t := range copyTables {
		cols, err := sqliteColumns(ctx, tx, t.name)
		if err != nil {
			return err
		}
		sel := make([]string, len(cols))
		for i, c := range cols {
			sel[i] = pgx.Identifier{c}.Sanitize()
			if t.name == "egresses" && c == "label" {
				sel[i] = `CASE WHEN machine = '' THEN label ELSE label || '@' || machine END`
			}
		}
		if t.name == "video_status_changes" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM video_status_changes`); err != nil {
				return err
			}
		}
		if err := copyTableToSQLite(ctx, src, tx, tableCopy{t.name, t.order, cols, sel}); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
	}
	return tx.Commit()
}

// tableCopy is one table to copy to SQLite: the columns to insert, and
// the PostgreSQL expressions that give them.
type tableCopy struct {
	name, order string
	cols, sel   []string
}

func copyTableToSQLite(ctx context.Context, src pgx.Tx, tx *sql.Tx, t tableCopy) error {
	table, cols := t.name, t.cols
	rows, err := src.Query(ctx, `SELECT `+strings.Join(t.sel, ", ")+` FROM `+table+` ORDER BY `+t.order)
	if err != nil {
		return err
	}
	defer rows.Close()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")+`)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	args := make([]any, len(cols))
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		for i, v := range vals {
			args[i] = sqliteValue(v)
		}
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sqliteColumns returns the columns of a SQLite table, in order.
func sqliteColumns(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// ImportSQLite copies the SQLite harvest at path into this database,
// which must hold no harvest yet, in one transaction, and queues the work
// it left: a host slice for every host with queued pages, a fetch of every
// video without a definitive answer. The file's egresses become this
// machine's. It returns how many rows each table got.
func (s *Store) ImportSQLite(ctx context.Context, path string) (map[string]int64, error) {
	src, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	counts := make(map[string]int64)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pages) OR EXISTS (SELECT 1 FROM videos) OR EXISTS (SELECT 1 FROM runs)`).Scan(&used); err != nil {
			return err
		}
		if used {
			return errors.New("the PostgreSQL database holds a harvest already: import into an empty one")
		}
		for _, t := range copyTables {
			n, err := s.importTable(ctx, src.SQL(), tx, t.name, t.order)
			if err != nil {
				return fmt.Errorf("import %s: %w", t.name, err)
			}
			counts[t.name] = n
		}
		return s.afterImport(ctx, tx)
	})
	return counts, err
}

// importTable copies one table from SQLite with COPY, converting each
// value to its PostgreSQL column's type.
func (s *Store) importTable(ctx context.Context, src *sql.DB, tx pgx.Tx, table, order string) (int64, error) {
	types, err := pgColumns(ctx, tx, table)
	if err != nil {
		return 0, err
	}
	srcCols, err := sqliteTableColumns(ctx, src, table)
	if err != nil {
		return 0, err
	}
	var cols []string
	for _, c := range srcCols {
		if _, ok := types[c]; ok {
			cols = append(cols, c)
		}
	}
	if table == "video_status_changes" {
		if _, err := tx.Exec(ctx, `DELETE FROM video_status_changes`); err != nil {
			return 0, err
		}
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` ORDER BY `+order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	in := &sqliteSource{rows: rows, types: make([]string, len(cols)), vals: make([]any, len(cols))}
	for i, c := range cols {
		in.types[i] = types[c]
	}
	if table == "egresses" {
		cols = append(cols, "machine")
		in.extra = []any{s.Machine}
	}
	return tx.CopyFrom(ctx, pgx.Identifier{table}, cols, in)
}

// afterImport sets the identity sequences past the copied ids and queues
// the work the harvest left.
func (s *Store) afterImport(ctx context.Context, tx pgx.Tx) error {
	for _, t := range []string{"runs", "pages", "links", "transcripts", "transcript_segments", "video_status_changes"} {
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce((SELECT max(id) FROM `+t+`), 0) + 1, false)`, t); err != nil {
			return err
		}
	}
	if err := s.queueHosts(ctx, tx); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT id FROM videos WHERE status IN ('pending', 'blocked', 'error') ORDER BY id`)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	return s.insertVideoJobs(ctx, tx, ids)
}

// pgColumns returns the columns of a table and their types.
func pgColumns(ctx context.Context, tx pgx.Tx, table string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `
		SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return nil, err
	}
	types := make(map[string]string)
	var c, t string
	_, err = pgx.ForEachRow(rows, []any{&c, &t}, func() error { types[c] = t; return nil })
	return types, err
}

func sqliteTableColumns(ctx context.Context, src *sql.DB, table string) ([]string, error) {
	tx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return sqliteColumns(ctx, tx, table)
}

// sqliteSource feeds SQLite rows to COPY (pgx.CopyFromSource).
type sqliteSource struct {
	rows  *sql.Rows
	types []string // PostgreSQL types of the columns
	vals  []any
	extra []any // values of columns added after the file's
}

func (c *sqliteSource) Next() bool { return c.rows.Next() }

func (c *sqliteSource) Values() ([]any, error) {
	ptrs := make([]any, len(c.vals))
	for i := range c.vals {
		ptrs[i] = &c.vals[i]
	}
	if err := c.rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	out := make([]any, 0, len(c.vals)+len(c.extra))
	for i, v := range c.vals {
		pv, err := pgValue(v, c.types[i])
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return append(out, c.extra...), nil
}

func (c *sqliteSource) Err() error { return c.rows.Err() }

// pgValue converts a SQLite value to the PostgreSQL type typ.
func pgValue(v any, typ string) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "boolean":
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("%v is not 0 or 1", v)
		}
		return n != 0, nil
	case "timestamp with time zone":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a time", v)
		}
		if s == "" {
			return nil, nil
		}
		return time.Parse(time.RFC3339Nano, s)
	case "integer", "bigint":
		if s, ok := v.(string); ok && slices.Contains([]string{""}, s) {
			return nil, nil
		}
	}
	return v, nil
}
