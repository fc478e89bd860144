package db_test

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"

	_ "modernc.org/sqlite"
)

var update = flag.Bool("update", false, "rewrite testdata/schema.golden")

// MustOpenDB opens a fresh database in a temporary directory.
func MustOpenDB(tb testing.TB) (*db.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "test.db")
	d, err := db.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d, path
}

func schema(t *testing.T, d *db.DB) string {
	t.Helper()
	rows, err := d.SQL().Query(`SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, sql string
		if err := rows.Scan(&typ, &name, &sql); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "-- %s %s\n%s;\n\n", typ, name, sql)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var version, appID int
	d.SQL().QueryRow("PRAGMA user_version").Scan(&version)
	d.SQL().QueryRow("PRAGMA application_id").Scan(&appID)
	fmt.Fprintf(&b, "-- user_version %d, application_id %#x\n", version, appID)
	return b.String()
}

func TestSchemaGolden(t *testing.T) {
	d, _ := MustOpenDB(t)
	got := schema(t, d)
	golden := filepath.Join("..", "testdata", "schema.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./db -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("schema differs from %s (run go test ./db -update if the change is intended):\n%s", golden, lineDiff(string(want), got))
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

func TestReopenIsNoop(t *testing.T) {
	d, path := MustOpenDB(t)
	before := schema(t, d)
	d.Close()
	d2, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if after := schema(t, d2); after != before {
		t.Errorf("reopening changed the schema:\n%s", lineDiff(before, after))
	}
}

func TestPragmasOnEveryConnection(t *testing.T) {
	_, path := MustOpenDB(t)
	ro, err := db.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	// Hold several connections at once so the pool has to open new ones.
	ctx := context.Background()
	var conns []*sql.Conn
	for range 4 {
		c, err := ro.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var timeout, queryOnly int
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA query_only").Scan(&queryOnly); err != nil {
			t.Fatal(err)
		}
		if timeout == 0 || queryOnly != 1 {
			t.Errorf("read-only connection %d: busy_timeout=%d query_only=%d", i, timeout, queryOnly)
		}
		c.Close()
	}

	rw, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	var fk, timeout int
	var mode string
	rw.SQL().QueryRow("PRAGMA foreign_keys").Scan(&fk)
	rw.SQL().QueryRow("PRAGMA busy_timeout").Scan(&timeout)
	rw.SQL().QueryRow("PRAGMA journal_mode").Scan(&mode)
	if fk != 1 || timeout == 0 || mode != "wal" {
		t.Errorf("writer: foreign_keys=%d busy_timeout=%d journal_mode=%s", fk, timeout, mode)
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	_, path := MustOpenDB(t)
	ro, err := db.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.SQL().Exec(`DELETE FROM pages`); err == nil {
		t.Error("DELETE on a read-only database succeeded")
	}
}

func TestRefusesForeignAndNewerFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mk := func(name string, stmts ...string) string {
		p := filepath.Join(dir, name)
		s, err := sql.Open("sqlite", "file:"+p)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, q := range stmts {
			if _, err := s.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	notSQLite := filepath.Join(dir, "notes.txt")
	os.WriteFile(notSQLite, []byte(strings.Repeat("not a database\n", 100)), 0o644)

	tests := []struct {
		name string
		path string
		want error
	}{
		{"other application", mk("other.db", "CREATE TABLE t(x)", "PRAGMA application_id = 42"), db.ErrForeign},
		{"plain sqlite with tables", mk("plain.db", "CREATE TABLE customers(name)"), db.ErrForeign},
		{"not sqlite", notSQLite, db.ErrForeign},
		{"newer schema", mk("newer.db", "CREATE TABLE t(x)", fmt.Sprintf("PRAGMA application_id = %d", db.ApplicationID), "PRAGMA user_version = 9999"), db.ErrTooNew},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(tc.path)
			d, err := db.Open(ctx, tc.path)
			if err == nil {
				d.Close()
				t.Fatalf("Open(%s) succeeded, want %v", tc.name, tc.want)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("Open(%s) = %v, want %v", tc.name, err, tc.want)
			}
			if after, _ := os.ReadFile(tc.path); string(after) != string(before) {
				t.Errorf("Open(%s) modified the file", tc.name)
			}
		})
	}
	if _, err := db.OpenReadOnly(ctx, filepath.Join(dir, "missing.db")); !errors.Is(err, db.ErrNotExist) {
		t.Errorf("OpenReadOnly(missing) = %v, want ErrNotExist", err)
	}
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }

func TestFrontier(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	clk := &clock{time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)}
	d.Now = clk.now

	seed := "https://news.example/"
	if err := d.AddSeeds(ctx, []string{seed}); err != nil {
		t.Fatal(err)
	}
	pages, err := d.ClaimPages(ctx, 10, 1, nil)
	if err != nil || len(pages) != 1 || pages[0].URL != seed || !pages[0].Seed || pages[0].Host != "news.example" {
		t.Fatalf("ClaimPages = %+v, %v; want the seed", pages, err)
	}
	if again, _ := d.ClaimPages(ctx, 10, 1, nil); len(again) != 0 {
		t.Fatalf("a claimed page was claimed again: %+v", again)
	}

	p := pages[0]
	p.State, p.HTTPStatus, p.Title = harvest.PageFetched, 200, "Front page"
	refs := []harvest.Reference{
		{Type: harvest.RefVideo, ID: "H7xQm2Lp9sA", Kind: harvest.KindIframe, InBody: true},
		{Type: harvest.RefVideo, ID: "H7xQm2Lp9sA", Kind: harvest.KindAnchor, Context: "it's \"quoted\"; DROP TABLE pages"},
		{Type: harvest.RefPlaylist, ID: "PLDEBB741B42EDED3D", Kind: harvest.KindIframe},
		{Type: harvest.RefChannel, ID: "@examplenews", Kind: harvest.KindAnchor},
	}
	out := []harvest.Page{
		{URL: "https://news.example/a", Depth: 1},
		{URL: "https://news.example/b", Depth: 1},
		{URL: "https://news.example/deep", Depth: 2},
	}
	st, err := d.SavePage(ctx, &p, refs, out)
	if want := (harvest.SaveStats{NewPages: 3, NewLinks: 4, NewVideos: 1}); err != nil || st != want {
		t.Fatalf("SavePage = %+v, %v; want %+v", st, err, want)
	}
	// Saving the same again adds nothing.
	if st, err := d.SavePage(ctx, &p, refs, out); err != nil || st != (harvest.SaveStats{}) {
		t.Fatalf("SavePage again = %+v, %v; want nothing new", st, err)
	}
	var links, pagesN int
	d.SQL().QueryRow(`SELECT count(*) FROM links`).Scan(&links)
	d.SQL().QueryRow(`SELECT count(*) FROM pages`).Scan(&pagesN)
	if links != 4 || pagesN != 4 {
		t.Errorf("links=%d pages=%d, want 4 and 4", links, pagesN)
	}

	// Depth limit: only the two depth-1 pages are claimable at maxDepth 1.
	if q, _ := d.CountQueued(ctx, 1); q != 2 {
		t.Errorf("CountQueued(1) = %d, want 2", q)
	}
	got, err := d.ClaimPages(ctx, 10, 1, nil)
	if err != nil || len(got) != 2 || got[0].URL != "https://news.example/a" || got[1].FoundFrom != p.ID {
		t.Fatalf("ClaimPages = %+v, %v", got, err)
	}

	// A killed run leaves pages fetching; the next run's AddSeeds queues
	// them again, and queues the fetched seed again.
	if err := d.AddSeeds(ctx, []string{seed}); err != nil {
		t.Fatal(err)
	}
	if q, _ := d.CountQueued(ctx, 1); q != 3 {
		t.Errorf("after AddSeeds: CountQueued = %d, want 3 (seed + 2 resumed)", q)
	}

	// A failed re-fetch keeps the title of the good fetch.
	p.State, p.HTTPStatus, p.Error, p.Title = harvest.PageFailed, 503, "HTTP 503", ""
	if _, err := d.SavePage(ctx, &p, nil, nil); err != nil {
		t.Fatal(err)
	}
	var title, state string
	var count int
	d.SQL().QueryRow(`SELECT title, state, fetch_count FROM pages WHERE id = ?`, p.ID).Scan(&title, &state, &count)
	if title != "Front page" || state != "failed" || count != 3 {
		t.Errorf("after failed re-fetch: title=%q state=%s fetch_count=%d", title, state, count)
	}
}

func TestClaimAndSaveVideos(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	clk := &clock{time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)}
	d.Now = clk.now
	d.AddSeeds(ctx, []string{"https://news.example/"})
	ps, _ := d.ClaimPages(ctx, 1, 0, nil)
	p := ps[0]
	p.State = harvest.PageFetched
	var refs []harvest.Reference
	ids := []string{"aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc"}
	for _, id := range ids {
		refs = append(refs, harvest.Reference{Type: harvest.RefVideo, ID: id, Kind: harvest.KindAnchor})
	}
	if _, err := d.SavePage(ctx, &p, refs, nil); err != nil {
		t.Fatal(err)
	}

	run1 := clk.t
	clk.add(time.Second)
	got, err := claimIDs(d.ClaimVideos(ctx, harvest.VideoQuery{StaleBefore: clk.t.Add(-7 * 24 * time.Hour), NotSince: run1, Limit: 10}))
	if err != nil || strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("ClaimVideos = %v, %v; want %v", got, err, ids)
	}
	if again, _ := claimIDs(d.ClaimVideos(ctx, harvest.VideoQuery{StaleBefore: clk.t.Add(-7 * 24 * time.Hour), NotSince: run1, Limit: 10})); len(again) != 0 {
		t.Fatalf("videos attempted this run were claimed again: %v", again)
	}
	ok := &harvest.Video{ID: "aaaaaaaaaaa", Status: harvest.VideoOK, Title: "A", ViewCount: 10, Duration: 95 * time.Second, Keywords: []string{"x", "y"}}
	if err := d.SaveVideo(ctx, ok); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveVideo(ctx, &harvest.Video{ID: "bbbbbbbbbbb", Status: harvest.VideoBlocked, StatusReason: "HTTP 429"}); err != nil {
		t.Fatal(err)
	}
	// c's fetch was cut short: it stays pending.

	// Next run, an hour later: b (blocked) and c (pending) are due, a is not.
	clk.add(time.Hour)
	run2 := clk.t
	clk.add(time.Second)
	got, _ = claimIDs(d.ClaimVideos(ctx, harvest.VideoQuery{StaleBefore: clk.t.Add(-7 * 24 * time.Hour), NotSince: run2, Limit: 10}))
	if strings.Join(got, ",") != "bbbbbbbbbbb,ccccccccccc" {
		t.Errorf("run 2 ClaimVideos = %v, want b and c", got)
	}
	// A block while refreshing a known video keeps its metadata and status.
	if err := d.SaveVideo(ctx, &harvest.Video{ID: "aaaaaaaaaaa", Status: harvest.VideoBlocked, StatusReason: "bot check"}); err != nil {
		t.Fatal(err)
	}
	var status, title, kw string
	var dur, views int
	d.SQL().QueryRow(`SELECT status, title, duration_seconds, view_count, keywords FROM videos WHERE id = 'aaaaaaaaaaa'`).Scan(&status, &title, &dur, &views, &kw)
	if status != "ok" || title != "A" || dur != 95 || views != 10 || kw != `["x","y"]` {
		t.Errorf("video a = %s %q %d %d %s; want ok \"A\" 95 10 [\"x\",\"y\"]", status, title, dur, views, kw)
	}

	// A week later a is stale and due again; its new view count is a new snapshot.
	clk.add(8 * 24 * time.Hour)
	run3 := clk.t
	clk.add(time.Second)
	got, _ = claimIDs(d.ClaimVideos(ctx, harvest.VideoQuery{StaleBefore: clk.t.Add(-7 * 24 * time.Hour), NotSince: run3, Limit: 10}))
	if len(got) == 0 || got[0] != "aaaaaaaaaaa" {
		t.Errorf("run 3 ClaimVideos = %v, want a first", got)
	}
	ok.ViewCount, ok.FetchedAt = 25, clk.t
	d.SaveVideo(ctx, ok)
	var snaps int
	d.SQL().QueryRow(`SELECT count(*) FROM video_views WHERE video_id = 'aaaaaaaaaaa'`).Scan(&snaps)
	if snaps != 2 {
		t.Errorf("video_views rows = %d, want 2", snaps)
	}
}

func TestRunsAndStats(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	r := &harvest.Run{StartedAt: time.Now(), Status: harvest.RunRunning, Options: `{"depth":1}`, Version: "test"}
	if err := d.StartRun(ctx, r); err != nil || r.ID == 0 {
		t.Fatalf("StartRun = %v, id %d", err, r.ID)
	}
	r.Status, r.FinishedAt, r.PagesFetched, r.Error = harvest.RunBlocked, time.Now(), 3, "video x: HTTP 429"
	if err := d.FinishRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	s, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 1 || s.Runs[0].Status != "blocked" || s.Runs[0].PagesFetched != 3 || s.Runs[0].Error == "" {
		t.Errorf("Stats runs = %+v", s.Runs)
	}
	if s.SchemaVersion != db.SchemaVersion() {
		t.Errorf("SchemaVersion = %d, want %d", s.SchemaVersion, db.SchemaVersion())
	}
}

func TestCanonicalMerge(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	urls := []string{"https://news.example/a", "https://news.example/a?amp=1", "https://news.example/b"}
	d.AddSeeds(ctx, urls)
	ps, _ := d.ClaimPages(ctx, 10, 0, nil)
	byURL := map[string]harvest.Page{}
	for _, p := range ps {
		byURL[p.URL] = p
	}
	save := func(u, canonical, video string) *harvest.Page {
		p := byURL[u]
		p.State, p.HTTPStatus, p.CanonicalURL = harvest.PageFetched, 200, canonical
		refs := []harvest.Reference{{Type: harvest.RefVideo, ID: video, Kind: harvest.KindIframe}}
		if _, err := d.SavePage(ctx, &p, refs, nil); err != nil {
			t.Fatal(err)
		}
		return &p
	}
	a := save("https://news.example/a", "https://news.example/a", "aaaaaaaaaaa")
	amp := save("https://news.example/a?amp=1", "https://news.example/a", "bbbbbbbbbbb")
	b := save("https://news.example/b", "https://news.example/b", "ccccccccccc")
	if a.State != harvest.PageFetched || b.State != harvest.PageFetched {
		t.Errorf("a %s, b %s; want both fetched", a.State, b.State)
	}
	if amp.State != harvest.PageSkipped || amp.Error != "duplicate of https://news.example/a (same canonical URL)" {
		t.Errorf("amp page: %s %q; want skipped as a duplicate of /a", amp.State, amp.Error)
	}
	var refs []string
	rows, _ := d.SQL().Query(`SELECT p.url, l.ref_id FROM links l JOIN pages p ON p.id = l.page_id ORDER BY l.ref_id`)
	for rows.Next() {
		var u, id string
		rows.Scan(&u, &id)
		refs = append(refs, u+" "+id)
	}
	rows.Close()
	want := []string{"https://news.example/a aaaaaaaaaaa", "https://news.example/a bbbbbbbbbbb", "https://news.example/b ccccccccccc"}
	if strings.Join(refs, "|") != strings.Join(want, "|") {
		t.Errorf("links = %v, want %v", refs, want)
	}
}

func claimIDs(cs []harvest.VideoClaim, err error) ([]string, error) {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids, err
}

func TestTranscripts(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	clk := &clock{time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)}
	d.Now = clk.now
	v := &harvest.Video{ID: "aaaaaaaaaaa", Status: harvest.VideoOK, Title: "A", CaptionTracks: []harvest.CaptionTrack{
		{Language: "en", Name: "English"}, {Language: "en", Name: "English (auto-generated)", Generated: true, Translatable: true},
	}}
	if err := d.SaveVideo(ctx, v); err != nil {
		t.Fatal(err)
	}
	var tracks int
	d.SQL().QueryRow(`SELECT count(*) FROM caption_tracks WHERE video_id = 'aaaaaaaaaaa'`).Scan(&tracks)
	if tracks != 2 {
		t.Errorf("%d caption tracks stored, want 2", tracks)
	}
	q := harvest.VideoQuery{StaleBefore: clk.t.Add(-time.Hour), NotSince: clk.t.Add(-time.Minute), Limit: 10, Transcripts: true}
	// Fresh metadata, but no transcript yet: due, for its transcript.
	cs, err := d.ClaimVideos(ctx, q)
	if err != nil || len(cs) != 1 || !cs[0].NeedTranscript {
		t.Fatalf("ClaimVideos = %+v, %v; want the video, for its transcript", cs, err)
	}
	// A first look that meets a block is recorded as such.
	if err := d.SaveTranscripts(ctx, v.ID, harvest.TranscriptBlocked, "HTTP 429", nil); err != nil {
		t.Fatal(err)
	}
	var first string
	d.SQL().QueryRow(`SELECT coalesce(transcript_status, '') FROM videos WHERE id = ?`, v.ID).Scan(&first)
	if first != "blocked" {
		t.Errorf("transcript status after a first block = %q, want blocked", first)
	}
	tr := harvest.Transcript{VideoID: v.ID, Language: "en", Name: "English", Source: "timedtext:json3",
		Segments: []harvest.Segment{{StartMs: 0, DurationMs: 1500, Text: "Hello"}, {StartMs: 1500, DurationMs: 1000, Text: "world's \"news\""}}}
	if err := d.SaveTranscripts(ctx, v.ID, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
		t.Fatal(err)
	}
	// A later block does not overwrite it; saving again replaces the segments.
	if err := d.SaveTranscripts(ctx, v.ID, harvest.TranscriptBlocked, "HTTP 429", nil); err != nil {
		t.Fatal(err)
	}
	tr.Segments = append(tr.Segments, harvest.Segment{StartMs: 2500, DurationMs: 500, Text: "again"})
	if err := d.SaveTranscripts(ctx, v.ID, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
		t.Fatal(err)
	}
	var status, text string
	var segs int
	d.SQL().QueryRow(`SELECT transcript_status FROM videos WHERE id = ?`, v.ID).Scan(&status)
	d.SQL().QueryRow(`SELECT text FROM transcripts WHERE video_id = ?`, v.ID).Scan(&text)
	d.SQL().QueryRow(`SELECT count(*) FROM transcript_segments WHERE video_id = ?`, v.ID).Scan(&segs)
	if status != "ok" || text != `Hello world's "news" again` || segs != 3 {
		t.Errorf("status %q, text %q, %d segments", status, text, segs)
	}
	// Once ok, the transcript is not due again (the next run)...
	clk.add(time.Hour)
	q.NotSince = clk.t
	clk.add(time.Second)
	if cs, _ := d.ClaimVideos(ctx, harvest.VideoQuery{StaleBefore: clk.t.Add(-24 * time.Hour), NotSince: q.NotSince, Limit: 10, Transcripts: true}); len(cs) != 0 {
		t.Errorf("a video with its transcript was claimed again: %+v", cs)
	}
	// ...unless asked to fetch again.
	cs, _ = d.ClaimVideos(ctx, harvest.VideoQuery{StaleBefore: clk.t.Add(-24 * time.Hour), NotSince: q.NotSince, Limit: 10, Transcripts: true, RefetchTranscripts: true})
	if len(cs) != 1 || !cs[0].NeedTranscript {
		t.Errorf("with RefetchTranscripts: %+v", cs)
	}
}

// Readers are not held up by a writer in the middle of a transaction
// (WAL), and a long reader does not stop the writer.
func TestReadWhileWriting(t *testing.T) {
	ctx := context.Background()
	d, path := MustOpenDB(t)
	d.AddSeeds(ctx, []string{"https://news.example/"})
	tx, err := d.SQL().BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE pages SET title = 'being written'`); err != nil {
		t.Fatal(err)
	}
	ro, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	done := make(chan error, 1)
	go func() {
		_, err := ro.Stats(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Stats while a write transaction is open: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stats waited for the writer")
	}
	// A reader holding a read transaction does not block the commit.
	rtx, err := ro.SQL().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	rtx.QueryRow(`SELECT count(*) FROM pages`).Scan(&n)
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit with a reader open: %v", err)
	}
	var title sql.NullString
	rtx.QueryRow(`SELECT title FROM pages`).Scan(&title)
	if title.Valid {
		t.Errorf("the reader's snapshot saw %q, a write made after it began", title.String)
	}
	rtx.Rollback()
}
