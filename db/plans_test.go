package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
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

// The pages of a video are counted for every row of a video list, a
// search and the vanished: from the index alone, not from each link row
// (30 ms for a list of popular videos).
func TestVideoPagesPlan(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, q := range []string{sqlVideoPages, sqlHitPages} {
		rows, err := d.SQL().QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, "[]")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "\n"); !strings.Contains(p, "USING COVERING INDEX links_by_video (video_id=?)") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("plan of %s:\n%s\nwant links_by_video alone", q, p)
		}
	}
}
