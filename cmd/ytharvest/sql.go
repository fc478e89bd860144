package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/harvestdev/ytharvest/db"
)

const sqlSummary = `Usage: ytharvest sql [flags] QUERY

Runs one SQL query against the database, read-only, and prints the rows as
an aligned table (or JSON lines with --json). For people without the
sqlite3 shell; the schema is in docs/schema.md.`

const sqlExamples = `  ytharvest sql "SELECT status, count(*) FROM videos GROUP BY status"
  ytharvest sql --json "SELECT * FROM video_pages WHERE host = 'news.example'"
`

func (a *app) sql(ctx context.Context, args []string) error {
	fs := a.newFlagSet("sql", sqlSummary, sqlExamples)
	dbPath := a.dbFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per row")
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("sql takes one query (quote it)")
	}
	d, err := db.OpenReadOnly(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	rows, err := d.SQL().QueryContext(ctx, pos[0])
	if err != nil {
		return usageError("query: %v", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var tw *tabwriter.Writer
	var enc *json.Encoder
	if *asJSON {
		enc = json.NewEncoder(a.stdout)
	} else {
		tw = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if enc != nil {
			obj := make(map[string]any, len(cols))
			for i, c := range cols {
				obj[c] = jsonValue(vals[i])
			}
			if err := enc.Encode(obj); err != nil {
				return err
			}
			continue
		}
		cells := make([]string, len(cols))
		for i, v := range vals {
			cells[i] = cell(v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := rows.Err(); err != nil {
		return usageError("query: %v", err)
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

func jsonValue(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// cell renders a value on one line of the table.
func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return cell(string(v))
	case string:
		s := strings.Join(strings.Fields(v), " ")
		if r := []rune(s); len(r) > 80 {
			s = string(r[:79]) + "…"
		}
		return s
	}
	return fmt.Sprint(v)
}
