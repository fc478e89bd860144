package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// VideosPlans returns the query plans of the statements Videos may run
// for f: the count's, and the list's read through the driver, walked,
// and walked in a window.
func (db *DB) VideosPlans(ctx context.Context, f VideoFilter) ([]string, error) {
	if f.Sort == "" {
		f.Sort = "first_seen"
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p := &videoPlan{f: f, window: 1000}
	if _, err := p.chooseDriver(ctx, tx); err != nil {
		return nil, err
	}
	type query struct {
		q    string
		args []any
	}
	col := videoSortColumns[f.Sort]
	from, where, args := videoWhere(f, p.driver)
	queries := []query{
		{videoCountQuery(from, where), append(args[:len(args):len(args)], MaxCount+1)},
		{videoListQuery(from, where, col, p.driver, f.Asc), append(args[:len(args):len(args)], 50, 0)},
	}
	from, where, args = videoWhere(f, bySort)
	queries = append(queries, query{videoListQuery(from, where, col, bySort, f.Asc), append(args, 50, 0)})
	q, args := p.windowQuery()
	queries = append(queries, query{q, args})
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
	d := emptyDB(t)
	for _, q := range []string{sqlVideoPages, sqlHitPages} {
		plan := queryPlan(t, d, q, "[]")
		if p := strings.Join(plan, "\n"); !strings.Contains(p, "USING COVERING INDEX links_by_video (video_id=?)") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("plan of %s:\n%s\nwant links_by_video alone", q, p)
		}
	}
}

// When a user's delete takes a site's first sighting of a video, the
// trigger links_sites_ad reads the next one from links_by_video_seen, in
// order, and stops at the first reference on the site: not every
// reference to the video, which made pruning a site's pages quadratic in
// the pages that link one video (schema 14; BenchmarkPruneSite).
func TestPruneFirstSightingPlan(t *testing.T) {
	ctx := context.Background()
	d := emptyDB(t)
	const next = `SELECT l.first_seen_at FROM links l CROSS JOIN pages p
                     WHERE l.video_id = old.video_id AND p.id = l.page_id AND p.host = site_videos.host
                     ORDER BY l.first_seen_at LIMIT 1`
	var trigger string
	if err := d.SQL().QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'links_sites_ad'`).Scan(&trigger); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(trigger, next) {
		t.Fatalf("links_sites_ad:\n%s\nwant the next first sighting read as\n%s", trigger, next)
	}
	q := strings.NewReplacer("old.video_id", "?", "site_videos.host", "?").Replace(next)
	plan := queryPlan(t, d, q, "dQw4w9WgXcQ", "a.example")
	if p := strings.Join(plan, "\n"); !strings.Contains(p, "SEARCH l USING INDEX links_by_video_seen (video_id=?)") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("plan of the next first sighting:\n%s\nwant links_by_video_seen, in its order", p)
	}
}

// queryPlan returns the lines of SQLite's plan for q run with args.
func queryPlan(t *testing.T, d *DB, q string, args ...any) []string {
	t.Helper()
	rows, err := d.SQL().Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// emptyDB opens a new database for a test of query plans; it is closed
// when the test ends.
func emptyDB(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
