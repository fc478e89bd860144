package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/internal/oldschema"
)

// recounts compute each table that the triggers of 0010_web.sql and
// 0011_webperf.sql keep, from the tables the crawler writes; derived reads
// the kept tables in the same shape. The two must agree after any sequence
// of writes.
var recounts = []struct{ name, derived, recount string }{
	{"site_videos",
		`SELECT host, video_id, first_seen_at, links, body_links FROM site_videos ORDER BY 1, 2`,
		`SELECT p.host, l.video_id, min(l.first_seen_at), count(*), sum(l.in_body)
		 FROM links l JOIN pages p ON p.id = l.page_id WHERE l.video_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`},
	{"sites",
		`SELECT host, videos, links, body_links, first_seen_at, last_seen_at FROM sites WHERE videos > 0 ORDER BY 1`,
		`SELECT host, count(*), sum(n), sum(b), min(f), max(f) FROM (
		   SELECT p.host, l.video_id, min(l.first_seen_at) AS f, count(*) AS n, sum(l.in_body) AS b
		   FROM links l JOIN pages p ON p.id = l.page_id WHERE l.video_id IS NOT NULL GROUP BY 1, 2)
		 GROUP BY 1 ORDER BY 1`},
	{"site_days",
		`SELECT host, day, videos FROM site_days WHERE videos > 0 ORDER BY 1, 2`,
		`SELECT host, substr(f, 1, 10), count(*) FROM (
		   SELECT p.host, l.video_id, min(l.first_seen_at) AS f
		   FROM links l JOIN pages p ON p.id = l.page_id WHERE l.video_id IS NOT NULL GROUP BY 1, 2)
		 GROUP BY 1, 2 ORDER BY 1, 2`},
	{"channel_sites",
		`SELECT channel_id, host, videos, links FROM channel_sites ORDER BY 1, 2`,
		`SELECT c, h, sum(v), sum(n) FROM (
		   SELECT DISTINCT v.channel_id AS c, p.host AS h, v.id, 1 AS v, 0 AS n
		   FROM links l JOIN pages p ON p.id = l.page_id JOIN videos v ON v.id = l.video_id
		   WHERE v.channel_id IS NOT NULL
		   UNION ALL
		   SELECT coalesce((SELECT id FROM channels WHERE handle = l.ref_id COLLATE NOCASE),
		          CASE WHEN substr(l.ref_id, 1, 2) = 'UC' THEN l.ref_id ELSE lower(l.ref_id) END), p.host, NULL, 0, 1
		   FROM links l JOIN pages p ON p.id = l.page_id WHERE l.ref_type = 'channel')
		 GROUP BY 1, 2 ORDER BY 1, 2`},
	{"channels",
		`SELECT id, videos, sites FROM channels ORDER BY 1`,
		`SELECT c, sum(v), (SELECT count(*) FROM channel_sites s WHERE s.channel_id = c) FROM (
		   SELECT channel_id AS c, 1 AS v FROM videos WHERE channel_id IS NOT NULL
		   UNION ALL
		   SELECT coalesce((SELECT id FROM channels WHERE handle = ref_id COLLATE NOCASE),
		          CASE WHEN substr(ref_id, 1, 2) = 'UC' THEN ref_id ELSE lower(ref_id) END), 0
		   FROM links WHERE ref_type = 'channel')
		 GROUP BY 1 ORDER BY 1`},
	{"page_states",
		`SELECT state, pages FROM page_states WHERE pages <> 0 ORDER BY 1`,
		`SELECT state, count(*) FROM pages GROUP BY 1 ORDER BY 1`},
	{"video_statuses",
		`SELECT status, videos FROM video_statuses WHERE videos <> 0 ORDER BY 1`,
		`SELECT status, count(*) FROM videos GROUP BY 1 ORDER BY 1`},
}

// checkDerived fails unless every kept table agrees with its recount.
func checkDerived(t *testing.T, s queryer) {
	t.Helper()
	for _, r := range recounts {
		got, want := rowStrings(t, s, r.derived), rowStrings(t, s, r.recount)
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n kept:    %s\n recount: %s", r.name, strings.Join(got, "\n          "), strings.Join(want, "\n          "))
		}
	}
}

// queryer is a database or one of its connections.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func rowStrings(t *testing.T, s queryer, q string, args ...any) []string {
	t.Helper()
	rows, err := s.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var cells []string
		for _, v := range vals {
			if v.Valid {
				cells = append(cells, v.String)
			} else {
				cells = append(cells, "NULL")
			}
		}
		out = append(out, strings.Join(cells, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	newsID  = "UCexampleNewsChannel0001"
	cityID  = "UCcityDeskChannel0000002"
	vState  = "H7xQm2Lp9sA"
	vBudget = "Zp4-eYc1UoM"
	vFlood  = "k3Rt_vB8nQw"
	vMemo   = "T1gH6jKd0sF"
)

// savePage stores a fetch of url with refs, at the clock's time.
func savePage(t *testing.T, d *db.DB, url string, refs ...harvest.Reference) {
	t.Helper()
	ctx := context.Background()
	if err := d.AddSeeds(ctx, []string{url}); err != nil {
		t.Fatal(err)
	}
	ps, err := d.NextPages(ctx, 100, 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.URL != url {
			continue
		}
		p.State, p.HTTPStatus = harvest.PageFetched, 200
		if _, err := d.SavePage(ctx, &p, refs, nil); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s was not claimed", url)
}

func video(id, kind string, inBody bool) harvest.Reference {
	return harvest.Reference{Type: harvest.RefVideo, ID: id, Kind: kind, InBody: inBody}
}

func channelRef(id string) harvest.Reference {
	return harvest.Reference{Type: harvest.RefChannel, ID: id, Kind: harvest.KindAnchor}
}

// fillHistory harvests two sites over three days: videos change status
// and channel, a reference moves from chrome to body, and a channel
// referenced by its handle before any of its videos was fetched is folded
// into its UC… row.
func fillHistory(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	d.Now = clk.now
	save := func(v harvest.Video) {
		t.Helper()
		v.FetchedAt = clk.t
		if err := d.SaveVideo(ctx, &v); err != nil {
			t.Fatal(err)
		}
	}
	savePage(t, d, "https://a.example/", video(vState, harvest.KindIframe, true), video(vBudget, harvest.KindAnchor, false),
		channelRef("@ExampleNews"), channelRef(cityID))
	savePage(t, d, "https://b.example/", video(vState, harvest.KindText, true), video(vMemo, harvest.KindIframe, true))
	clk.add(time.Minute)
	news := harvest.Video{ID: vState, Status: harvest.VideoOK, Title: "State visit", ChannelID: newsID, ChannelTitle: "Example News", ChannelHandle: "@examplenews"}
	save(news)
	save(harvest.Video{ID: vBudget, Status: harvest.VideoOK, Title: "Budget", ChannelID: cityID, ChannelTitle: "City Desk"})
	save(harvest.Video{ID: vMemo, Status: harvest.VideoPrivate, StatusReason: "This video is private."})

	clk.add(24 * time.Hour)
	// The state visit vanishes; a block says nothing; the memo comes out
	// on Example News; the budget video moves to Example News.
	save(harvest.Video{ID: vState, Status: harvest.VideoBlocked, StatusReason: "HTTP 429"})
	news.Status, news.StatusReason = harvest.VideoRemoved, "This video has been removed by the uploader"
	save(news)
	save(harvest.Video{ID: vMemo, Status: harvest.VideoOK, Title: "The memo", ChannelID: newsID, ChannelTitle: "Example News", ChannelHandle: "@examplenews"})
	save(harvest.Video{ID: vBudget, Status: harvest.VideoOK, Title: "Budget", ChannelID: newsID, ChannelTitle: "Example News"})

	clk.add(24 * time.Hour)
	// a.example again: the budget link is now in the body, a new video,
	// and the handle again (now Example News's).
	savePage(t, d, "https://a.example/", video(vState, harvest.KindIframe, true), video(vBudget, harvest.KindAnchor, true),
		video(vFlood, harvest.KindIframe, false), channelRef("@ExampleNews"))
	savePage(t, d, "https://a.example/more", video(vFlood, harvest.KindAnchor, true))
}

func TestDerivedTables(t *testing.T) {
	d, _ := MustOpenDB(t)
	fillHistory(t, d)
	s := d.SQL()
	checkDerived(t, s)
	diff := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got:  %s\n want: %s", what, strings.Join(got, "\n       "), strings.Join(want, "\n       "))
		}
	}
	diff("channels", rowStrings(t, s, `SELECT id, coalesce(title, '-'), coalesce(handle, '-'), first_seen_at, last_seen_at, videos, sites FROM channels ORDER BY id`), []string{
		"UCcityDeskChannel0000002|City Desk|-|2026-11-27T09:00:00.000Z|2026-11-27T09:00:00.000Z|0|1",
		"UCexampleNewsChannel0001|Example News|@examplenews|2026-11-27T09:00:00.000Z|2026-11-29T09:01:00.000Z|3|2",
	})
	diff("status changes", rowStrings(t, s, `SELECT video_id, coalesce(old_status, '-'), status, changed_at FROM video_status_changes ORDER BY id`), []string{
		vState + "|-|ok|2026-11-27T09:01:00.000Z",
		vBudget + "|-|ok|2026-11-27T09:01:00.000Z",
		vMemo + "|-|private|2026-11-27T09:01:00.000Z",
		vState + "|ok|removed|2026-11-28T09:01:00.000Z",
		vMemo + "|private|ok|2026-11-28T09:01:00.000Z",
	})
	diff("site days", rowStrings(t, s, `SELECT host, day, videos FROM site_days ORDER BY host, day`), []string{
		"a.example|2026-11-27|2",
		"a.example|2026-11-29|1",
		"b.example|2026-11-27|2",
	})
	diff("sites", rowStrings(t, s, `SELECT host, videos, links, body_links FROM sites ORDER BY host`), []string{
		"a.example|3|4|3",
		"b.example|2|2|2",
	})
}

// Pages by state and videos by status stay counted through writes by
// other programs than the crawler: a user's SQL that moves, adds and
// deletes rows.
func TestStateCounts(t *testing.T) {
	d, _ := MustOpenDB(t)
	fillHistory(t, d)
	s := d.SQL()
	for _, q := range []string{
		`UPDATE pages SET state = 'failed' WHERE url = 'https://b.example/'`,
		`UPDATE pages SET state = state`,
		`INSERT INTO pages (url, host, first_seen_at, state) VALUES ('https://c.example/', 'c.example', '2026-11-30T00:00:00.000Z', 'skipped'),
		   ('https://c.example/2', 'c.example', '2026-11-30T00:00:00.000Z', 'queued')`,
		`DELETE FROM pages WHERE url = 'https://c.example/2'`,
		`INSERT INTO videos (id, status, first_seen_at) VALUES ('aaaaaaaaaaa', 'live_upcoming', '2026-11-30T00:00:00.000Z'),
		   ('bbbbbbbbbbb', 'pending', '2026-11-30T00:00:00.000Z')`,
		`UPDATE videos SET status = 'ok' WHERE id = 'bbbbbbbbbbb'`,
		`DELETE FROM videos WHERE id = 'aaaaaaaaaaa'`,
	} {
		if _, err := s.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	checkDerived(t, s)
	if got := rowStrings(t, s, `SELECT state, pages FROM page_states WHERE pages > 0 ORDER BY 1`); !slices.Equal(got, []string{"failed|1", "fetched|2", "skipped|1"}) {
		t.Errorf("page_states = %v", got)
	}
}

// A database harvested before schema 10 gets the same channels and site
// counts from the migration's backfill as the triggers keep, and one
// status change per video: its status at its last fetch.
func TestMigrateWebBackfill(t *testing.T) {
	ctx := context.Background()
	d, path := MustOpenDB(t)
	fillHistory(t, d)
	want := map[string][]string{}
	for _, r := range recounts {
		want[r.name] = rowStrings(t, d.SQL(), r.derived)
	}
	d.Close()

	old := copyToSchema(t, path, 9)
	m, err := db.Open(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	checkDerived(t, m.SQL())
	for _, r := range recounts {
		if got := rowStrings(t, m.SQL(), r.derived); !slices.Equal(got, want[r.name]) {
			t.Errorf("%s after the backfill:\n got:  %s\n want: %s", r.name, strings.Join(got, "\n       "), strings.Join(want[r.name], "\n       "))
		}
	}
	got := rowStrings(t, m.SQL(), `SELECT video_id, coalesce(old_status, '-'), status, changed_at, backfilled FROM video_status_changes ORDER BY video_id`)
	wantChanges := []string{
		vState + "|-|removed|2026-11-28T09:01:00.000Z|1",
		vMemo + "|-|ok|2026-11-28T09:01:00.000Z|1",
		vBudget + "|-|ok|2026-11-28T09:01:00.000Z|1",
	}
	slices.Sort(wantChanges)
	if !slices.Equal(got, wantChanges) {
		t.Errorf("backfilled status changes:\n got:  %s\n want: %s", strings.Join(got, "\n       "), strings.Join(wantChanges, "\n       "))
	}
}

// The kept tables follow a user's deletes too, with foreign keys on (as
// ytharvest and Datasette open the file) and off (as the sqlite3 shell
// does): pages deleted with their references, references deleted one by
// one, the earliest reference of a site to a video (its first sighting
// moves to the next), a site's last reference to a channel, and a video
// no page references.
func TestDerivedAfterDeletes(t *testing.T) {
	for _, fk := range []string{"ON", "OFF"} {
		t.Run("foreign_keys="+fk, func(t *testing.T) {
			d, _ := MustOpenDB(t)
			fillHistory(t, d)
			fillLater(t, d)
			ctx := context.Background()
			s, err := d.SQL().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.ExecContext(ctx, "PRAGMA foreign_keys = "+fk); err != nil {
				t.Fatal(err)
			}
			checkDerived(t, s)
			for _, q := range pruneSteps {
				if _, err := s.ExecContext(ctx, q); err != nil {
					t.Fatalf("%v\n%s", err, q)
				}
				checkDerived(t, s)
				if t.Failed() {
					t.Fatalf("after %s", q)
				}
			}
			checkPruned(t, s)
		})
	}
}

// fillLater adds later sightings to fillHistory's: the budget video on a
// second page of a.example, with a link to the city desk's channel, and
// on b.example, a day after fillHistory's last.
func fillLater(t *testing.T, d *db.DB) {
	t.Helper()
	clk := &testClock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	d.Now = clk.now
	savePage(t, d, "https://a.example/later", video(vBudget, harvest.KindText, false), channelRef(cityID))
	savePage(t, d, "https://b.example/later", video(vBudget, harvest.KindIframe, true))
}

// pruneSteps are a user's deletes after fillHistory and fillLater.
var pruneSteps = []string{
	// a.example's first reference to the budget video (day 1) goes with
	// its front page: its first sighting is now the later one.
	`DELETE FROM pages WHERE url = 'https://a.example/'`,
	// b.example's front page: its state visit and memo go.
	`DELETE FROM pages WHERE url = 'https://b.example/'`,
	// The last link of a.example to the city desk's channel.
	`DELETE FROM links WHERE ref_type = 'channel' AND ref_id = '` + cityID + `'`,
	// One reference, not a page.
	`DELETE FROM links WHERE video_id = '` + vFlood + `'`,
	// A video fetched on its own, on a channel, then deleted.
	`INSERT INTO videos (id, status, first_seen_at, channel_id, channel_title)
	 VALUES ('ccccccccccc', 'ok', '2026-11-30T00:00:00.000Z', '` + cityID + `', 'City Desk')`,
	`DELETE FROM videos WHERE id = 'ccccccccccc'`,
}

// checkPruned checks the sites and channels left after pruneSteps.
func checkPruned(t *testing.T, s queryer) {
	t.Helper()
	for q, want := range map[string][]string{
		`SELECT host, videos, links, body_links, first_seen_at, last_seen_at FROM sites WHERE videos > 0 ORDER BY host`: {
			"a.example|1|1|0|2026-11-30T12:00:00.000Z|2026-11-30T12:00:00.000Z",
			"b.example|1|1|1|2026-11-30T12:00:00.000Z|2026-11-30T12:00:00.000Z",
		},
		`SELECT host, day, videos FROM site_days ORDER BY host, day`: {
			"a.example|2026-11-30|1",
			"b.example|2026-11-30|1",
		},
		// The city desk: no video of its own, no link left.
		`SELECT id, videos, sites FROM channels ORDER BY id`: {
			newsID + "|3|2",
		},
	} {
		if got := rowStrings(t, s, q); !slices.Equal(got, want) {
			t.Errorf("%s:\n got:  %s\n want: %s", q, strings.Join(got, "\n       "), strings.Join(want, "\n       "))
		}
	}
}

// A database pruned under schema 12, whose triggers did not follow
// deletes, gets exact counts from the upgrade's rebuild: the same as if
// the triggers had followed.
func TestMigrateRebuildsCounts(t *testing.T) {
	ctx := context.Background()
	d, path := MustOpenDB(t)
	fillHistory(t, d)
	fillLater(t, d)
	d.Close()

	old := copyToSchema(t, path, 12)
	execSQL(t, old, pruneSteps...)

	m, err := db.Open(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	checkDerived(t, m.SQL())
	checkPruned(t, m.SQL())
}

// copyToSchema returns a new database of schema version that holds the
// rows of the database at path, as oldschema.CopyRows copies them.
func copyToSchema(t *testing.T, path string, version int) string {
	t.Helper()
	ctx := context.Background()
	old := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.db", version))
	if err := oldschema.Create(ctx, old, "migrations", version); err != nil {
		t.Fatal(err)
	}
	if err := oldschema.CopyRows(ctx, old, path); err != nil {
		t.Fatal(err)
	}
	return old
}

// execSQL runs stmts on the database file at path as another program
// would, with foreign keys on, before ytharvest opens it.
func execSQL(t *testing.T, path string, stmts ...string) {
	t.Helper()
	s, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range stmts {
		if _, err := s.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
}

// testClock is a settable clock.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time      { return c.t }
func (c *testClock) add(d time.Duration) { c.t = c.t.Add(d) }
