// Package oldschema builds databases as an earlier ytharvest left them, for
// the tests of the migrations that bring such files up to date.
//
// Shipped migrations are never edited, so db/migrations' files up to
// version N are exactly the schema that the ytharvest of version N wrote.
package oldschema

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // the driver ytharvest uses

	"github.com/harvestdev/ytharvest/db"
)

// Create makes a new database at path with the schema of version: it
// applies the migration files NNNN_*.sql of dir (the repository's
// db/migrations) up to version, and sets user_version and application_id
// as ytharvest does.
func Create(ctx context.Context, path, dir string, version int) error {
	files, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9][0-9]_*.sql"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	if len(files) < version {
		return fmt.Errorf("%s holds %d migrations, want at least %d", dir, len(files), version)
	}
	s, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		return err
	}
	defer s.Close()
	for i, f := range files[:version] {
		if n, _ := strconv.Atoi(filepath.Base(f)[:4]); n != i+1 {
			return fmt.Errorf("%s: want migration %d", f, i+1)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := s.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
	}
	// PRAGMAs take no parameters; both values are integers.
	_, err = s.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d; PRAGMA journal_mode = WAL",
		version, db.ApplicationID))
	return err
}

// CopyRows copies every row of src's tables into the tables of the same
// name in dst, the columns both have, as dst's version of ytharvest would
// have stored them: dst's triggers fill its full-text indexes and the
// tables they keep (counts, channels, status history), which are not
// copied. Foreign keys are off during the copy, so the order of the
// tables matters only to those triggers, which read a row's parents: the
// tables are copied parents first. src is a consistent database, so the
// copy is too.
func CopyRows(ctx context.Context, dst, src string) error {
	s, err := sql.Open("sqlite", "file:"+dst)
	if err != nil {
		return err
	}
	defer s.Close()
	c, err := s.Conn(ctx) // ATTACH and PRAGMA hold for one connection
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, "ATTACH DATABASE ? AS src", "file:"+src+"?mode=ro"); err != nil {
		return err
	}
	tables, err := strings1(ctx, c, `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'
		AND name NOT LIKE 'sqlite%' ORDER BY name`)
	if err != nil {
		return err
	}
	kept, err := keptTables(ctx, c)
	if err != nil {
		return err
	}
	if tables, err = parentsFirst(ctx, c, tables); err != nil {
		return err
	}
	for _, t := range tables {
		if kept[t] {
			continue
		}
		cols, err := strings1(ctx, c, `SELECT d.name FROM pragma_table_info(?1, 'main') d
			JOIN pragma_table_info(?1, 'src') s ON s.name = d.name ORDER BY d.cid`, t)
		if err != nil {
			return err
		}
		if len(cols) == 0 {
			continue // a table src does not have
		}
		list := `"` + strings.Join(cols, `", "`) + `"`
		q := fmt.Sprintf(`INSERT INTO main."%s" (%s) SELECT %s FROM src."%s" ORDER BY rowid`, t, list, list, t)
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("copy %s: %w", t, err)
		}
	}
	return nil
}

// insertInto finds the tables a trigger's body writes rows into.
var insertInto = regexp.MustCompile(`(?i)\bINSERT\s+INTO\s+"?(\w+)`)

// keptTables returns the tables of c's main database that its triggers
// insert into.
func keptTables(ctx context.Context, c *sql.Conn) (map[string]bool, error) {
	bodies, err := strings1(ctx, c, `SELECT sql FROM main.sqlite_schema WHERE type = 'trigger'`)
	if err != nil {
		return nil, err
	}
	kept := make(map[string]bool)
	for _, b := range bodies {
		for _, m := range insertInto.FindAllStringSubmatch(b, -1) {
			kept[m[1]] = true
		}
	}
	return kept, nil
}

// parentsFirst orders tables so that the tables a foreign key of a table
// references come before it (a cycle is broken anywhere).
func parentsFirst(ctx context.Context, c *sql.Conn, tables []string) ([]string, error) {
	parents := make(map[string][]string)
	for _, t := range tables {
		ps, err := strings1(ctx, c, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?, 'main')`, t)
		if err != nil {
			return nil, err
		}
		parents[t] = ps
	}
	var out []string
	done := make(map[string]bool)
	var visit func(t string)
	visit = func(t string) {
		if done[t] {
			return
		}
		done[t] = true
		for _, p := range parents[t] {
			visit(p)
		}
		out = append(out, t)
	}
	for _, t := range tables {
		visit(t)
	}
	return out, nil
}

// strings1 returns the first column of the rows q returns.
func strings1(ctx context.Context, c *sql.Conn, q string, args ...any) ([]string, error) {
	rows, err := c.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
