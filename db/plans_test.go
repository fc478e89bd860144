package db

import (
	"context"
	"database/sql"
	"strings"
)

// VideosPlans returns the query plans of the statements Videos runs for
// f: the count's, and the list's for each way the count may go.
func (db *DB) VideosPlans(ctx context.Context, f VideoFilter) ([]string, error) {
	if f.Sort == "" {
		f.Sort = "first_seen"
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	driver, err := videoDriver(ctx, tx, f)
	if err != nil {
		return nil, err
	}
	from, where, args := videoWhere(f, driver)
	queries := []struct {
		q    string
		args []any
	}{
		{videoCountQuery(from, where), append(args[:len(args):len(args)], MaxCount+1)},
		{videoListQuery(from, where, videoSortColumns[f.Sort], driver, f.Asc), append(args[:len(args):len(args)], 50, 0)},
	}
	from, where, args = videoWhere(f, bySort)
	queries = append(queries, struct {
		q    string
		args []any
	}{videoListQuery(from, where, videoSortColumns[f.Sort], bySort, f.Asc), append(args, 50, 0)})
	var plans []string
	for _, q := range queries {
		rows, err := tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.q, q.args...)
		if err != nil {
			return nil, err
		}
		var lines []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				rows.Close()
				return nil, err
			}
			lines = append(lines, detail)
		}
		rows.Close()
		plans = append(plans, strings.Join(lines, "\n"))
	}
	return plans, nil
}

// SetSearchWindow sets how many matches of each full-text index Search
// ranks (SearchWindow by default), so that tests can pass it with a few.
func (db *DB) SetSearchWindow(n int) { db.searchWindow = n }
