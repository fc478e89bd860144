package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/db/postgres"
)

const sqlSummary = `Usage: ytharvest sql [flags] QUERY

Runs one SQL statement against the database and prints the rows as an
aligned table (values longer than 80 characters are cut, with a note) or,
with --json, one JSON object per row, its keys in the query's column
order, values whole. For people without the sqlite3 shell; the schema is in
docs/schema.md.

sql is read-only by construction: it runs SELECT, WITH, VALUES, EXPLAIN and
PRAGMAs that only read (table_info, integrity_check, user_version...).
Anything that would write — INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH,
VACUUM INTO, BEGIN, a PRAGMA that sets — is refused before it runs, with
exit code 2. One statement at a time: a text of several is refused.`

const sqlExamples = `  ytharvest sql "SELECT status, count(*) FROM videos GROUP BY status"
  ytharvest sql --json "SELECT * FROM video_pages WHERE host = 'news.example'"
  ytharvest sql "PRAGMA table_info(videos)"
`

// cellWidth is the most characters of a value the table shows.
const cellWidth = 80

func (a *app) sql(ctx context.Context, args []string) error {
	fs := a.newFlagSet("sql", sqlSummary, sqlExamples)
	dbPath := a.dbFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per row, keys in column order, values whole")
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("sql takes one query (quote it)")
	}
	if strings.TrimSpace(pos[0]) == "" {
		return usageError("sql: the query is empty")
	}
	rows, closeDB, err := a.query(ctx, *dbPath, pos[0])
	if err != nil {
		return err
	}
	defer closeDB()
	defer rows.Close()
	cut, err := a.printRows(rows, *asJSON)
	if err != nil {
		return err
	}
	if cut {
		fmt.Fprintf(a.stderr, "ytharvest: values longer than %d characters are cut short (…); --json prints them whole\n", cellWidth)
	}
	return nil
}

// printRows prints rows as an aligned table, or as JSON lines, and reports
// whether a value was cut to fit the table.
func (a *app) printRows(rows resultRows, asJSON bool) (cut bool, err error) {
	cols, err := rows.Columns()
	if err != nil {
		return false, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := bufio.NewWriter(a.stdout)
	var rw rowWriter
	var tw *tabwriter.Writer
	if asJSON {
		rw = newRowWriter("jsonl", out)
		rw.write(cols, nil)
	} else {
		tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	cells := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return false, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		if rw != nil {
			if err := rw.write(cols, vals); err != nil {
				return false, err
			}
			continue
		}
		for i, v := range vals {
			var c bool
			cells[i], c = cell(v)
			cut = cut || c
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := rows.Err(); err != nil {
		return false, queryUsage(err)
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return false, err
		}
	}
	return cut, out.Flush()
}

// resultRows are the rows of the sql command: *db.Rows (SQLite) or
// *postgres.Rows.
type resultRows interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// query runs the sql command's query on the harvest at path; closeDB
// closes the database after the rows.
func (a *app) query(ctx context.Context, path, q string) (rows resultRows, closeDB func(), err error) {
	if postgres.IsDSN(path) {
		s, err := postgres.OpenReadOnly(ctx, path)
		if err != nil {
			return nil, nil, err
		}
		r, err := s.Query(ctx, q)
		if err != nil {
			s.Close()
			return nil, nil, queryUsage(err)
		}
		return r, func() { s.Close() }, nil
	}
	d, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	r, err := d.Query(ctx, q)
	if err != nil {
		d.Close()
		return nil, nil, queryUsage(err)
	}
	return r, func() { d.Close() }, nil
}

// queryUsage makes a query's failure a usage error: the query is the
// user's to fix.
func queryUsage(err error) error {
	if errors.Is(err, db.ErrWrite) || errors.Is(err, db.ErrStatements) {
		return usageError("%v", err)
	}
	return usageError("query: %v", err)
}

// cell renders a value on one line of the table, and reports whether it
// was cut short.
func cell(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "NULL", false
	case []byte:
		return cell(string(v))
	case string:
		s := strings.Join(strings.Fields(v), " ")
		if r := []rune(s); len(r) > cellWidth {
			return string(r[:cellWidth-1]) + "…", true
		}
		return s, false
	}
	return fmt.Sprint(v), false
}
