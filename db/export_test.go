package db

// These tests are in the package, unlike db_test.go, so that
// TestExportQueryPlans can read the unexported queries.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// Two crawls of the export fixture, nineteen days apart.
var (
	exportT1 = time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	exportT2 = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
)

// openExportDB opens a fresh database with two crawls in it: at exportT1 a
// seed page referencing videos aaa and bbb (and a playlist and a channel),
// both fetched, with transcripts; at exportT2 a second seed referencing
// ccc (new, with a transcript) and aaa, which is fetched again.
func openExportDB(t *testing.T) (*DB, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "export.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	now := exportT1
	d.Now = func() time.Time { return now }

	crawl := func(seed string, refs []harvest.Reference, out []harvest.Page) {
		t.Helper()
		run := &harvest.Run{Command: "crawl", StartedAt: now, Status: harvest.RunRunning}
		if err := d.StartRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		defer func() {
			run.FinishedAt, run.Status, run.Seeds, run.PagesFetched = now.Add(time.Second), harvest.RunOK, 1, 1
			if err := d.FinishRun(ctx, run); err != nil {
				t.Fatal(err)
			}
		}()
		if err := d.AddSeeds(ctx, []string{seed}); err != nil {
			t.Fatal(err)
		}
		ps, err := d.NextPages(ctx, 10, 0, nil, nil)
		if err != nil || len(ps) != 1 {
			t.Fatalf("NextPages = %+v, %v; want %s", ps, err, seed)
		}
		p := ps[0]
		p.State, p.HTTPStatus, p.Title = harvest.PageFetched, 200, `Front page, "quoted"`
		if _, err := d.SavePage(ctx, &p, refs, out); err != nil {
			t.Fatal(err)
		}
	}
	video := func(id, title string, segs ...string) {
		t.Helper()
		v := &harvest.Video{ID: id, Status: harvest.VideoOK, Title: title, Description: "line one\nline two",
			ChannelID: "UCexampleNewsChannel0001", ViewCount: 1234, Duration: 95 * time.Second, Keywords: []string{"a,b", `"c"`},
			CaptionTracks: []harvest.CaptionTrack{{Language: "en", Name: "English"}, {Language: "de", Name: "Deutsch (automatisch erzeugt)", Generated: true}}}
		if err := d.SaveVideo(ctx, v); err != nil {
			t.Fatal(err)
		}
		tr := harvest.Transcript{VideoID: id, Language: "en", Name: "English", Source: "timedtext:json3"}
		for i, s := range segs {
			tr.Segments = append(tr.Segments, harvest.Segment{StartMs: int64(i) * 1500, DurationMs: 1500, Text: s})
		}
		if err := d.SaveTranscripts(ctx, id, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
			t.Fatal(err)
		}
	}

	crawl("https://news.example/", []harvest.Reference{
		{Type: harvest.RefVideo, ID: "aaaaaaaaaaa", Kind: harvest.KindIframe, InBody: true, URL: "https://www.youtube.com/embed/aaaaaaaaaaa?start=30", StartSeconds: 30},
		{Type: harvest.RefVideo, ID: "bbbbbbbbbbb", Kind: harvest.KindAnchor, Context: `it's "quoted", with commas`},
		{Type: harvest.RefPlaylist, ID: "PLDEBB741B42EDED3D", Kind: harvest.KindIframe},
		{Type: harvest.RefChannel, ID: "@examplenews", Kind: harvest.KindAnchor},
	}, []harvest.Page{{URL: "https://news.example/a", Depth: 1}})
	video("aaaaaaaaaaa", `Zürich: "Grüezi", 東京`, "Hello", `world's "news", today`)
	video("bbbbbbbbbbb", "B", "Bonjour à tous")

	now = exportT2
	crawl("https://other.example/", []harvest.Reference{
		{Type: harvest.RefVideo, ID: "ccccccccccc", Kind: harvest.KindIframe, InBody: true},
		{Type: harvest.RefVideo, ID: "aaaaaaaaaaa", Kind: harvest.KindAnchor},
	}, nil)
	video("ccccccccccc", "C", "один", "два")
	if err := d.SaveVideo(ctx, &harvest.Video{ID: "aaaaaaaaaaa", Status: harvest.VideoOK, Title: "A again"}); err != nil {
		t.Fatal(err)
	}
	return d, path
}

// export collects what Export passes, copying the reused row.
func export(t *testing.T, d *DB, table string, since time.Time) (cols []string, rows [][]any) {
	t.Helper()
	headers := 0
	err := d.Export(context.Background(), table, since, func(c []string, row []any) error {
		if row == nil {
			headers++
			cols = slices.Clone(c)
			return nil
		}
		if headers != 1 {
			t.Fatalf("Export(%s) passed a row before the header", table)
		}
		rows = append(rows, slices.Clone(row))
		return nil
	})
	if err != nil {
		t.Fatalf("Export(%s) = %v", table, err)
	}
	if headers != 1 {
		t.Fatalf("Export(%s) passed the header %d times, want once", table, headers)
	}
	return cols, rows
}

// selectAll reads a table directly, for comparison with Export.
func selectAll(t *testing.T, d *DB, query string) [][]any {
	t.Helper()
	rows, err := d.SQL().Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tableColumns returns the columns of a table, in table order.
func tableColumns(t *testing.T, d *DB, table string) []string {
	t.Helper()
	var cols []string
	rows, err := d.SQL().Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	return cols
}

func exportCases() []struct{ table, sqlTable, direct string } {
	return []struct{ table, sqlTable, direct string }{
		{"videos", "videos", `SELECT * FROM videos ORDER BY id`},
		{"links", "links", `SELECT l.*, p.url FROM links l JOIN pages p ON p.id = l.page_id ORDER BY l.id`},
		{"pages", "pages", `SELECT * FROM pages ORDER BY id`},
		{"transcripts", "transcripts", `SELECT * FROM transcripts ORDER BY id`},
		{"segments", "transcript_segments", `SELECT * FROM transcript_segments ORDER BY id`},
		{"caption_tracks", "caption_tracks", `SELECT * FROM caption_tracks ORDER BY rowid`},
		{"runs", "runs", `SELECT * FROM runs ORDER BY id`},
	}
}

// TestExportEqualsTable checks that every table exports every column in
// table order (links adds page_url), and every row as stored, with the
// driver's types.
func TestExportEqualsTable(t *testing.T) {
	d, _ := openExportDB(t)
	for _, tc := range exportCases() {
		t.Run(tc.table, func(t *testing.T) {
			cols, rows := export(t, d, tc.table, time.Time{})
			want := tableColumns(t, d, tc.sqlTable)
			if tc.table == "links" {
				want = append(want, "page_url")
			}
			if !slices.Equal(cols, want) {
				t.Errorf("columns = %v, want %v", cols, want)
			}
			direct := selectAll(t, d, tc.direct)
			if len(rows) == 0 || len(rows) != len(direct) {
				t.Fatalf("%d rows, want %d (and more than 0)", len(rows), len(direct))
			}
			for i := range rows {
				if fmt.Sprintf("%#v", rows[i]) != fmt.Sprintf("%#v", direct[i]) {
					t.Errorf("row %d = %#v, want %#v", i, rows[i], direct[i])
				}
				for j, v := range rows[i] {
					switch v.(type) {
					case nil, int64, string:
					default:
						t.Errorf("row %d column %s is a %T, want nil, int64 or string", i, cols[j], v)
					}
				}
			}
		})
	}
}

// TestExportSince checks the --since semantics, as `ytharvest help export`
// states them.
func TestExportSince(t *testing.T) {
	d, _ := openExportDB(t)
	between := exportT1.Add(24 * time.Hour)
	tests := []struct {
		table string
		since time.Time
		want  []string // the first column of each row, or a column named in key
		key   string
	}{
		// aaa was fetched again, ccc first seen; bbb is untouched.
		{"videos", between, []string{"aaaaaaaaaaa", "ccccccccccc"}, "id"},
		// The second crawl saw ccc, and aaa again on another page.
		{"links", between, []string{"ccccccccccc", "aaaaaaaaaaa"}, "ref_id"},
		{"pages", between, []string{"https://other.example/"}, "url"},
		{"transcripts", between, []string{"ccccccccccc"}, "video_id"},
		{"segments", between, []string{"один", "два"}, "text"},
		// aaa was fetched again without tracks, which dropped its own.
		{"caption_tracks", between, []string{"ccccccccccc", "ccccccccccc"}, "video_id"},
		{"caption_tracks", exportT1, []string{"bbbbbbbbbbb", "bbbbbbbbbbb", "ccccccccccc", "ccccccccccc"}, "video_id"},
		{"runs", between, []string{"2"}, "id"},
		{"runs", exportT1, []string{"1", "2"}, "id"},
		// The bound is inclusive, to the millisecond...
		{"videos", exportT2, []string{"aaaaaaaaaaa", "ccccccccccc"}, "id"},
		{"segments", exportT2, []string{"один", "два"}, "text"},
		// ...in any time zone.
		{"pages", exportT2.In(time.FixedZone("CET", 3600)), []string{"https://other.example/"}, "url"},
		{"videos", exportT2.Add(time.Millisecond), nil, "id"},
		{"links", exportT2.Add(time.Millisecond), nil, "id"},
		{"pages", exportT2.Add(time.Millisecond), nil, "id"},
		{"transcripts", exportT2.Add(time.Millisecond), nil, "id"},
		{"segments", exportT2.Add(time.Millisecond), nil, "id"},
		{"caption_tracks", exportT2.Add(time.Millisecond), nil, "video_id"},
		{"runs", exportT2.Add(time.Second + time.Millisecond), nil, "id"},
		// Everything was seen after the first crawl began.
		{"pages", exportT1, []string{"https://news.example/", "https://news.example/a", "https://other.example/"}, "url"},
		{"segments", exportT1.Add(-time.Hour), []string{"Hello", `world's "news", today`, "Bonjour à tous", "один", "два"}, "text"},
	}
	for _, tc := range tests {
		t.Run(tc.table+"/"+tc.since.Format(time.RFC3339Nano), func(t *testing.T) {
			cols, rows := export(t, d, tc.table, tc.since)
			k := slices.Index(cols, tc.key)
			if k < 0 {
				t.Fatalf("no column %s in %v", tc.key, cols)
			}
			var got []string
			for _, r := range rows {
				got = append(got, fmt.Sprint(r[k]))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Export(%s, since %v) %s = %q, want %q", tc.table, tc.since, tc.key, got, tc.want)
			}
		})
	}
}

// TestExportQueryPlans holds the constant-memory promise: no export query
// sorts its rows (a sorter holds them all, or spills them to disk, before
// the first comes out).
func TestExportQueryPlans(t *testing.T) {
	d, _ := openExportDB(t)
	for _, table := range ExportTables() {
		q, ok := exportQueries[table]
		if !ok {
			t.Fatalf("ExportTables lists %s, which has no query", table)
		}
		for _, query := range []string{q.all, q.since} {
			plan := queryPlan(t, d, query, formatTime(exportT1))
			if p := strings.Join(plan, "; "); strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("export %s sorts its rows:\n%s\nplan: %s", table, query, p)
			}
		}
	}
	if len(exportQueries) != len(ExportTables()) {
		t.Errorf("%d export queries, but ExportTables lists %d tables", len(exportQueries), len(ExportTables()))
	}
}

func TestExportErrors(t *testing.T) {
	d, _ := openExportDB(t)
	ctx := context.Background()
	err := d.Export(ctx, "transcript_segments", time.Time{}, func([]string, []any) error { return nil })
	if !errors.Is(err, ErrUnknownTable) || !strings.Contains(err.Error(), "videos, links, pages, transcripts, segments") {
		t.Errorf("Export(transcript_segments) = %v, want ErrUnknownTable listing the tables", err)
	}
	// Table names are never SQL.
	err = d.Export(ctx, "videos; DROP TABLE videos", time.Time{}, func([]string, []any) error { return nil })
	if !errors.Is(err, ErrUnknownTable) {
		t.Errorf("Export(injection) = %v, want ErrUnknownTable", err)
	}
	// An error of fn stops the export at once and comes back as it is.
	stop := errors.New("reader went away")
	calls := 0
	err = d.Export(ctx, "segments", time.Time{}, func(_ []string, row []any) error {
		calls++
		if row != nil {
			return stop
		}
		return nil
	})
	if err != stop || calls != 2 {
		t.Errorf("Export with a failing fn = %v after %d calls, want %v after 2 (header, first row)", err, calls, stop)
	}
	// A cancelled context ends the export with the context's error.
	cctx, cancel := context.WithCancel(ctx)
	err = d.Export(cctx, "segments", time.Time{}, func(_ []string, row []any) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Export after cancel = %v, want context.Canceled", err)
	}
}

// TestExportWhileWriting: a read-only export works while a crawl holds the
// write lock, and sees what was committed before it began.
func TestExportWhileWriting(t *testing.T) {
	w, path := openExportDB(t)
	ctx := context.Background()
	tx, err := w.SQL().BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`DELETE FROM transcript_segments`); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, rows := export(t, r, "segments", time.Time{}); len(rows) != 5 {
		t.Errorf("export during a write transaction: %d segments, want the 5 committed", len(rows))
	}
}
