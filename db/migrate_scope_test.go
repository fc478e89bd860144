package db_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/internal/oldschema"
)

// A database of schema 6 with pages of every kind, links and a video
// migrates to the latest schema keeping every row, and the widened kind
// check takes text pages.
func TestMigrateScopeCounts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	if err := oldschema.Create(ctx, path, "migrations", 6); err != nil {
		t.Fatal(err)
	}
	execSQL(t, path,
		`INSERT INTO pages (url, host, depth, state, kind, first_seen_at) VALUES
		   ('http://a.example/', 'a.example', 0, 'fetched', 'html', '2026-11-01T00:00:00.000Z'),
		   ('http://a.example/feed', 'a.example', 0, 'fetched', 'feed', '2026-11-01T00:00:00.000Z'),
		   ('http://a.example/x.pdf', 'a.example', 1, 'fetched', 'other', '2026-11-01T00:00:00.000Z'),
		   ('http://a.example/q', 'a.example', 1, 'queued', NULL, '2026-11-01T00:00:00.000Z')`,
		`INSERT INTO videos (id, first_seen_at) VALUES ('H7xQm2Lp9sA', '2026-11-01T00:00:00.000Z')`,
		`INSERT INTO links (page_id, ref_type, ref_id, video_id, kind, in_body, first_seen_at, last_seen_at)
		   VALUES (1, 'video', 'H7xQm2Lp9sA', 'H7xQm2Lp9sA', 'iframe', 1, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')`,
		`INSERT INTO runs (started_at, status) VALUES ('2026-11-01T00:00:00.000Z', 'ok')`,
	)

	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var version int
	d.SQL().QueryRow(`PRAGMA user_version`).Scan(&version)
	if version != db.SchemaVersion() {
		t.Errorf("user_version %d, want %d", version, db.SchemaVersion())
	}
	for q, want := range map[string]string{
		`SELECT group_concat(coalesce(kind, '-') || ':' || listed, ' ') FROM (SELECT kind, listed FROM pages ORDER BY id)`: "html:0 feed:0 other:0 -:0",
		`SELECT count(*) FROM links`:                                 "1",
		`SELECT seeds_failed || ' ' || links_out_of_scope FROM runs`: "0 0",
		`PRAGMA integrity_check`:                                     "ok",
	} {
		var got string
		if err := d.SQL().QueryRow(q).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", q, got, err, want)
		}
	}
	if _, err := d.SQL().Exec(`UPDATE pages SET kind = 'text' WHERE id = 3`); err != nil {
		t.Errorf("a text page: %v", err)
	}
	if _, err := d.SQL().Exec(`UPDATE pages SET kind = 'bogus' WHERE id = 3`); err == nil {
		t.Error("the kind check is gone")
	}
	rows, err := d.SQL().Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Error("foreign_key_check reports a violation")
	}
}
