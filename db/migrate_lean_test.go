package db_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/internal/oldschema"
)

// A database of schema 11 migrates to schema 12 keeping every row: the
// partial indexes hold what their queries read, the checks written as
// ORs refuse what the IN lists refused, and a page that declares the
// canonical URL of a page fetched before the upgrade is still its
// duplicate.
func TestMigrateLeanWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	if err := oldschema.Create(ctx, path, "migrations", 11); err != nil {
		t.Fatal(err)
	}
	const at = `'2026-11-01T00:00:00.000Z'`
	execSQL(t, path,
		`INSERT INTO pages (url, host, depth, state, kind, canonical_url, first_seen_at) VALUES
		   ('http://a.example/', 'a.example', 0, 'fetched', 'html', 'http://a.example/', `+at+`),
		   ('http://a.example/s?id=1', 'a.example', 1, 'fetched', 'html', 'http://a.example/story', `+at+`),
		   ('http://a.example/q', 'a.example', 1, 'queued', NULL, NULL, `+at+`),
		   ('http://a.example/old', 'a.example', 1, 'fetching', NULL, NULL, `+at+`)`,
		`INSERT INTO videos (id, first_seen_at) VALUES ('H7xQm2Lp9sA', `+at+`)`,
		`INSERT INTO links (page_id, ref_type, ref_id, video_id, playlist_id, channel_ref, kind, in_body, first_seen_at, last_seen_at) VALUES
		   (1, 'video', 'H7xQm2Lp9sA', 'H7xQm2Lp9sA', NULL, NULL, 'iframe', 1, `+at+`, `+at+`),
		   (1, 'playlist', 'PLx', NULL, 'PLx', NULL, 'anchor', 1, `+at+`, `+at+`),
		   (2, 'channel', 'UCx', NULL, NULL, 'UCx', 'anchor', 0, `+at+`, `+at+`)`,
	)

	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for q, want := range map[string]string{
		`PRAGMA user_version`: strconv.Itoa(db.SchemaVersion()),
		`SELECT group_concat(id) FROM (SELECT id FROM pages INDEXED BY pages_by_canonical WHERE canonical_url <> url ORDER BY id)`:                            "2",
		`SELECT group_concat(id) FROM (SELECT id FROM pages INDEXED BY pages_frontier WHERE state = 'queued' OR state = 'fetching' ORDER BY id)`:              "3,4",
		`SELECT group_concat(ref_id) FROM (SELECT ref_id FROM links INDEXED BY links_by_ref WHERE ref_type = 'playlist' OR ref_type = 'channel' ORDER BY id)`: "PLx,UCx",
		`SELECT count(*) FROM links`: "3",
		`PRAGMA integrity_check`:     "ok",
	} {
		var got string
		if err := d.SQL().QueryRow(q).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", q, got, err, want)
		}
	}
	for _, q := range []string{
		`UPDATE pages SET state = 'bogus' WHERE id = 3`,
		`UPDATE pages SET kind = 'bogus' WHERE id = 3`,
		`UPDATE links SET ref_type = 'bogus' WHERE id = 2`,
		`UPDATE videos SET status = 'bogus'`,
		`UPDATE videos SET transcript_status = 'bogus'`,
		`UPDATE videos SET metadata_source = 'bogus'`,
	} {
		if _, err := d.SQL().Exec(q); err == nil {
			t.Errorf("%s: no error; the check is gone", q)
		}
	}
	for _, q := range []string{
		`UPDATE pages SET kind = 'text' WHERE id = 3`,
		`UPDATE videos SET status = 'live_upcoming', transcript_status = 'po_token_required', metadata_source = 'data_api'`,
	} {
		if _, err := d.SQL().Exec(q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}

	// A new page whose canonical URL is page 2's: a duplicate of page 2,
	// found through the partial index built by the migration.
	if err := d.AddSeeds(ctx, []string{"http://a.example/story?ref=x"}); err != nil {
		t.Fatal(err)
	}
	ps, err := d.NextPages(ctx, 10, 0, nil, nil)
	if err != nil || len(ps) != 1 {
		t.Fatalf("NextPages = %v, %v", ps, err)
	}
	p := ps[0]
	p.State, p.HTTPStatus, p.CanonicalURL = harvest.PageFetched, 200, "http://a.example/story"
	if _, err := d.SavePage(ctx, &p, nil, nil); err != nil {
		t.Fatal(err)
	}
	if p.State != harvest.PageSkipped || p.Error != "duplicate of http://a.example/s?id=1 (same canonical URL)" {
		t.Errorf("page with page 2's canonical URL: %s %q, want skipped as its duplicate", p.State, p.Error)
	}
}
