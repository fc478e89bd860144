package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/internal/oldschema"
)

// fillSearchable stores two videos with titles, descriptions and a
// transcript each, through the store.
func fillSearchable(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	videos := []struct {
		v    harvest.Video
		segs []string
	}{
		{harvest.Video{ID: "H7xQm2Lp9sA", Status: harvest.VideoOK, Title: "State visit: the arrival ceremony",
			Description: "The guard of honour, the anthem and the car.", ChannelID: "UCexampleNewsChannel0001"},
			[]string{"Good morning from the palace forecourt,", "where the guard of honour is drawn up.", "The anthem plays."}},
		{harvest.Video{ID: "k3Rt_vB8nQw", Status: harvest.VideoOK, Title: "How the new flood barrier works",
			Description: "Gates, pumps and a ceremony.", ChannelID: "UCcityDeskChannel0000002"},
			[]string{"The barrier closes when the river rises,", "and the guard on duty checks the pumps."}},
	}
	for _, tc := range videos {
		if err := d.SaveVideo(ctx, &tc.v); err != nil {
			t.Fatal(err)
		}
		tr := harvest.Transcript{VideoID: tc.v.ID, Language: "en", Source: "timedtext:json3"}
		for i, s := range tc.segs {
			tr.Segments = append(tr.Segments, harvest.Segment{StartMs: int64(i) * 2500, DurationMs: 2500, Text: s})
		}
		if err := d.SaveTranscripts(ctx, tc.v.ID, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
			t.Fatal(err)
		}
	}
}

// searchAll runs each query through a read-only open of path (which does
// not migrate) and returns every hit as one line.
func searchAll(t *testing.T, path string, queries []string) []string {
	t.Helper()
	ctx := context.Background()
	d, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var out []string
	for _, q := range queries {
		hits, err := d.Search(ctx, db.SearchQuery{Text: q, Limit: 100})
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		for _, h := range hits {
			out = append(out, fmt.Sprintf("%s: %s %s %s@%d %s", q, h.VideoID, h.Field, h.Language, h.StartSeconds, h.Snippet))
		}
	}
	return out
}

// detectFTS returns the full-text index that sqlite-utils (3.30,
// Table.detect_fts) and Datasette (utils.detect_fts_sql; its releases
// before content=[TABLE] was added know only the double quotes) find for
// table, by the queries they run on sqlite_master.
func detectFTS(t *testing.T, s *sql.DB, table string) (sqliteUtils, datasette string) {
	t.Helper()
	s.QueryRow(`SELECT name FROM sqlite_master WHERE rootpage = 0 AND (
		sql LIKE ?1 OR sql LIKE ?2 OR (tbl_name = ?3 AND sql LIKE '%VIRTUAL TABLE%USING FTS%'))`,
		"%VIRTUAL TABLE%USING FTS%content=["+table+"]%",
		`%VIRTUAL TABLE%USING FTS%content="`+table+`"%`, table).Scan(&sqliteUtils)
	s.QueryRow(`SELECT name FROM sqlite_master WHERE rootpage = 0 AND (
		sql LIKE ?1 OR (tbl_name = ?2 AND sql LIKE '%VIRTUAL TABLE%USING FTS%'))`,
		`%VIRTUAL TABLE%USING FTS%content="`+table+`"%`, table).Scan(&datasette)
	return sqliteUtils, datasette
}

// checkFTS fails unless both tools find each full-text index, and each
// index holds exactly its content table's rows.
func checkFTS(t *testing.T, s *sql.DB) {
	t.Helper()
	for _, table := range []string{"transcript_segments", "videos"} {
		fts := table + "_fts"
		if su, ds := detectFTS(t, s, table); su != fts || ds != fts {
			t.Errorf("full-text index of %s: sqlite-utils finds %q, Datasette %q; want %q", table, su, ds, fts)
		}
		// With rank 1, FTS5 also compares the index with the content table.
		if _, err := s.Exec(fmt.Sprintf(`INSERT INTO %s(%s, rank) VALUES ('integrity-check', 1)`, fts, fts)); err != nil {
			t.Errorf("%s integrity-check: %v", fts, err)
		}
		var rows, indexed int
		s.QueryRow(`SELECT count(*) FROM ` + table).Scan(&rows)
		s.QueryRow(`SELECT count(*) FROM ` + fts + `_docsize`).Scan(&indexed)
		if rows == 0 || indexed != rows {
			t.Errorf("%s indexes %d rows of %s's %d", fts, indexed, table, rows)
		}
	}
}

// A database that ytharvest with schema version 6 harvested is brought to
// the current schema by the next writer's Open: its full-text indexes are
// then found by sqlite-utils and Datasette, hold every row they held, and
// ytharvest search finds what it found before.
func TestMigrateFrom6(t *testing.T) {
	ctx := context.Background()
	src, srcPath := MustOpenDB(t)
	fillSearchable(t, src)
	fresh := schema(t, src)

	old := filepath.Join(t.TempDir(), "v6.db")
	if err := oldschema.Create(ctx, old, "migrations", 6); err != nil {
		t.Fatal(err)
	}
	if err := oldschema.CopyRows(ctx, old, srcPath); err != nil {
		t.Fatal(err)
	}
	queries := []string{"guard", `"guard of honour"`, "flood OR anthem", "ceremony", "pump*"}
	before := searchAll(t, old, queries)
	if len(before) < 6 {
		t.Fatalf("the schema-6 database finds only %d hits:\n%s", len(before), strings.Join(before, "\n"))
	}
	s, err := sql.Open("sqlite", "file:"+old+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if su, ds := detectFTS(t, s, "videos"); su != "" || ds != "" {
		t.Fatalf("sqlite-utils finds %q and Datasette %q in a schema-6 database; this test no longer tests the migration", su, ds)
	}

	d, err := db.Open(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := schema(t, d); got != fresh {
		t.Errorf("migrated schema differs from a new database's:\n%s", lineDiff(fresh, got))
	}
	checkFTS(t, d.SQL())
	if after := searchAll(t, old, queries); !slices.Equal(after, before) {
		t.Errorf("search after the migration:\n%s\nbefore:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
	var bad int
	d.SQL().QueryRow(`SELECT count(*) FROM pragma_foreign_key_check`).Scan(&bad)
	if bad != 0 {
		t.Errorf("%d rows break a foreign key after the migration", bad)
	}

	// The triggers keep the rebuilt indexes in step.
	if err := d.SaveVideo(ctx, &harvest.Video{ID: "Zp4-eYc1UoM", Status: harvest.VideoOK, Title: "The budget in five minutes"}); err != nil {
		t.Fatal(err)
	}
	tr := harvest.Transcript{VideoID: "Zp4-eYc1UoM", Language: "en", Source: "timedtext:json3",
		Segments: []harvest.Segment{{StartMs: 0, DurationMs: 1000, Text: "spending on flood defences goes up"}}}
	if err := d.SaveTranscripts(ctx, "Zp4-eYc1UoM", harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
		t.Fatal(err)
	}
	if hits := searchAll(t, old, []string{"budget", "defences"}); len(hits) != 2 {
		t.Errorf("new rows after the migration: hits %q, want the title and the segment", hits)
	}
	checkFTS(t, d.SQL())
}

func TestFTSDetectable(t *testing.T) {
	d, _ := MustOpenDB(t)
	fillSearchable(t, d)
	checkFTS(t, d.SQL())
}

// Datasette links a row to the rows its foreign keys name. Every column
// X_id of a table, where a table Xs with an id exists, declares its
// foreign key, but for the exceptions below.
func TestForeignKeysDeclared(t *testing.T) {
	// links.playlist_id also names the playlist of a video URL with
	// &list=, which has a playlists row only once --expand-playlists has
	// looked it up.
	// videos.channel_id's channels row is made by a trigger
	// (0009_web.sql); declaring the key would mean rebuilding videos.
	notDeclared := map[string]bool{"links.playlist_id": true, "videos.channel_id": true}

	d, _ := MustOpenDB(t)
	rows, err := d.SQL().Query(`
		SELECT t.name, c.name, r.name,
		       (SELECT count(*) FROM pragma_foreign_key_list(t.name) f
		        WHERE f."from" = c.name AND f."table" = r.name AND f."to" = 'id')
		FROM pragma_table_list t, pragma_table_info(t.name) c, pragma_table_list r
		WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite%'
		  AND c.name LIKE '%\_id' ESCAPE '\'
		  AND r.schema = 'main' AND r.type = 'table' AND r.name = substr(c.name, 1, length(c.name) - 3) || 's'
		  AND EXISTS (SELECT 1 FROM pragma_table_info(r.name) WHERE name = 'id')
		ORDER BY t.name, c.name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var checked []string
	for rows.Next() {
		var table, col, ref string
		var declared int
		if err := rows.Scan(&table, &col, &ref, &declared); err != nil {
			t.Fatal(err)
		}
		name := table + "." + col
		checked = append(checked, name)
		if declared == 0 && !notDeclared[name] {
			t.Errorf("%s names a row of %s but declares no foreign key to %s(id)", name, ref, ref)
		}
		if declared != 0 && notDeclared[name] {
			t.Errorf("%s declares its foreign key now: take it off the exceptions", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The query itself: these must be among the columns it checked.
	for _, want := range []string{"links.page_id", "links.video_id", "transcript_segments.transcript_id", "transcript_segments.video_id", "video_views.video_id"} {
		if !slices.Contains(checked, want) {
			t.Errorf("%s was not checked (checked %v)", want, checked)
		}
	}
}
