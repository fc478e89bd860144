package db

import (
	"context"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

// QueueDue runs at the start of every run over a table that grows for
// months: each of its queries must read its own partial index, not visit
// every fetched page.
func TestQueueDuePlans(t *testing.T) {
	d := emptyDB(t)
	for q, index := range map[string]string{sqlQueueDue: "pages_by_next_fetch", sqlQueueListings: "pages_by_kind"} {
		plan := queryPlan(t, d, q, "2026-01-01T00:00:00Z")
		if len(plan) != 1 || !strings.Contains(plan[0], "USING INDEX "+index+" ") {
			t.Errorf("plan of %s: %q, want a search of %s", strings.Join(strings.Fields(q), " "), plan, index)
		}
	}
}

// SavePage stores one page's outcome through SavePages, for the tests of
// this package and db_test.
func (db *DB) SavePage(ctx context.Context, p *harvest.Page, refs []harvest.Reference, out []harvest.Page) (harvest.SaveStats, error) {
	st, err := db.SavePages(ctx, []harvest.PageSave{{Page: p, Refs: refs, Out: out}})
	if err != nil {
		return harvest.SaveStats{}, err
	}
	return st[0], nil
}

// The frontier's and the page writer's lookups read the indexes that
// schema 12 made partial: each names the index's condition, or implies
// it.
func TestPartialIndexPlans(t *testing.T) {
	d := emptyDB(t)
	for _, tc := range []struct {
		q     string
		args  []any
		wants []string
	}{
		{sqlFindCanonical, []any{1, "http://a.example/"}, []string{
			"USING INDEX sqlite_autoindex_pages_1 (url=?)", "USING INDEX pages_by_canonical (canonical_url=?)"}},
		{sqlNextPages, []any{3, "[]", "[]", 10}, []string{"USING INDEX pages_frontier (state=? AND depth<?)"}},
		{`SELECT count(*) FROM pages WHERE state = 'queued' AND depth <= ?`, []any{3}, []string{"USING COVERING INDEX pages_frontier (state=? AND depth<?)"}},
		{`UPDATE pages SET state = 'queued' WHERE state = 'fetching'`, nil, []string{"USING COVERING INDEX pages_frontier (state=?)"}},
		{`SELECT DISTINCT ref_id FROM links WHERE ref_type = 'playlist'`, nil, []string{"USING COVERING INDEX links_by_ref (ref_type=?)"}},
		{`SELECT page_id FROM links WHERE ref_type = 'channel' AND ref_id = ?`, []any{"UCx"}, []string{"USING INDEX links_by_ref (ref_type=? AND ref_id=?)"}},
	} {
		plan := queryPlan(t, d, tc.q, tc.args...)
		p := strings.Join(plan, "\n")
		for _, want := range tc.wants {
			if !strings.Contains(p, want) {
				t.Errorf("plan of %s:\n%s\nwant %s", strings.Join(strings.Fields(tc.q), " "), p, want)
			}
		}
	}
}
