package db_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/internal/gendb"
)

func TestBrowse(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	fillHistory(t, d)

	o, err := d.Overview(ctx, 30, 5)
	if err != nil {
		t.Fatal(err)
	}
	if o.VideoLinks != 6 || o.Sites != 2 || o.Channels != 2 || o.Vanished != 1 || len(o.Days) != 3 || o.LastDay != "2026-11-29" || o.FirstDay != "2026-10-31" {
		t.Errorf("Overview = %+v", o)
	}

	ids := func(l *db.VideoList) string {
		var out []string
		for _, v := range l.Videos {
			out = append(out, v.ID)
		}
		return fmt.Sprintf("%s (%d)", strings.Join(out, ","), l.Total)
	}
	for _, tc := range []struct {
		f    db.VideoFilter
		want string
	}{
		{db.VideoFilter{}, vFlood + "," + vBudget + "," + vMemo + "," + vState + " (4)"}, // ties by ID
		{db.VideoFilter{Site: "b.example"}, vMemo + "," + vState + " (2)"},
		{db.VideoFilter{Channel: newsID, Status: "ok"}, vBudget + "," + vMemo + " (2)"},
		{db.VideoFilter{Status: "removed"}, vState + " (1)"},
		{db.VideoFilter{Site: "a.example", Channel: newsID, Asc: true}, vState + "," + vBudget + " (2)"},
		{db.VideoFilter{Since: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}, vFlood + " (1)"},
		{db.VideoFilter{Limit: 1, Offset: 1}, vBudget + " (4)"},
	} {
		l, err := d.Videos(ctx, tc.f)
		if err != nil {
			t.Errorf("Videos(%+v): %v", tc.f, err)
			continue
		}
		if got := ids(l); got != tc.want {
			t.Errorf("Videos(%+v) = %s, want %s", tc.f, got, tc.want)
		}
	}
	if _, err := d.Videos(ctx, db.VideoFilter{Sort: "title; DROP TABLE videos"}); !errors.Is(err, db.ErrBadFilter) {
		t.Errorf("Videos with an unknown sort: %v, want ErrBadFilter", err)
	}

	v, err := d.Video(ctx, vState)
	if err != nil {
		t.Fatal(err)
	}
	var hist []string
	for _, c := range v.History {
		hist = append(hist, c.OldStatus+">"+c.Status)
	}
	if strings.Join(hist, " ") != ">ok ok>removed" || v.RefsTotal != 2 || len(v.Refs) != 2 || v.ChannelTitle != "Example News" {
		t.Errorf("Video(%s) = history %v, %d refs of %d, channel %q", vState, hist, len(v.Refs), v.RefsTotal, v.ChannelTitle)
	}
	if _, err := d.Video(ctx, "nonexistent"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("Video(nonexistent): %v, want ErrNotFound", err)
	}

	cs, total, err := d.Channels(ctx, "sites", 10, 0)
	if err != nil || total != 2 || cs[0].ID != newsID || cs[0].Videos != 3 || cs[0].Sites != 2 {
		t.Errorf("Channels = %+v, %d, %v", cs, total, err)
	}
	sites, err := d.Sites(ctx, 3)
	if err != nil || len(sites) != 2 || sites[0].Host != "a.example" || len(sites[0].TopChannels) != 1 || sites[0].TopChannels[0].Videos != 2 {
		t.Errorf("Sites = %+v, %v", sites, err)
	}
	vs, total, err := d.Vanished(ctx, time.Time{}, 10, 0)
	if err != nil || total != 1 || vs[0].VideoID != vState || vs[0].Status != "removed" || vs[0].Pages != 2 ||
		vs[0].StillSeen != 1 || !slices.Equal(vs[0].StillSeenOn, []string{"https://a.example/"}) {
		t.Errorf("Vanished = %+v, %d, %v", vs, total, err)
	}
}

// The video list reads through the index it means to: the filter that
// selects fewest when matches are few, the sort column's otherwise; no
// plan scans the videos table or sorts more than the few.
func TestVideosPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a database")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gen.db")
	if err := gendb.Generate(ctx, path, gendb.Options{Videos: 11_000, Links: 12_000, Hosts: 10, Channels: 40, Transcripts: 20}); err != nil {
		t.Fatal(err)
	}
	d, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	since := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, f := range []db.VideoFilter{
		{}, {Sort: "views"}, {Sort: "published", Asc: true},
		{Status: "ok"}, {Status: "removed"}, {Status: "removed", Sort: "views"},
		{Site: "news00.example"}, {Site: "news09.example"}, {Site: "news00.example", Status: "unplayable"},
		{Channel: "UC0000000000000000000000"}, {Channel: "UC0000000000000000000000", Status: "ok", Site: "news01.example"},
		{Since: since}, {Since: since, Sort: "views"},
	} {
		plans, err := d.VideosPlans(ctx, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		for _, p := range plans {
			if strings.Contains(p, "SCAN v\n") || strings.HasSuffix(p, "SCAN v") {
				t.Errorf("%+v scans the videos table:\n%s", f, p)
			}
		}
		t.Logf("%+v:\n%s", f, strings.Join(plans, "\n--\n"))
	}
	checkVideosAgree(t, d)
}

// checkVideosAgree compares Videos, whichever way it reads, with a plain
// query that counts sites from links, over filters that drive, walk,
// walk in a window, and walk in a window that falls short (statuses
// sorted by publication and cut off early: the matches are all at the far
// end).
func checkVideosAgree(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	early, late := time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var filters []db.VideoFilter
	for _, sort := range db.VideoSorts {
		for _, page := range []struct{ offset, limit int }{{0, 50}, {450, 50}, {0, 7}} {
			for _, f := range []db.VideoFilter{
				{}, {Status: "ok"}, {Status: "removed"}, {Site: "news00.example"}, {Site: "news09.example"},
				{Site: "news05.example", Status: "private"}, {Channel: "UC0000000000000000000001"},
				{Channel: "UC0000000000000000000000", Status: "ok", Site: "news01.example"},
				{Since: late}, {Until: early}, {Since: early, Until: late, Status: "ok"},
				{Status: "ok", Until: early}, {Site: "news00.example", Until: early}, {Status: "unplayable", Since: late},
			} {
				f.Sort, f.Offset, f.Limit = sort, page.offset, page.limit
				filters = append(filters, f)
				f.Asc = true
				filters = append(filters, f)
			}
		}
	}
	for _, f := range filters {
		l, err := d.Videos(ctx, f)
		if err != nil {
			t.Fatalf("Videos(%+v): %v", f, err)
		}
		var got []string
		for _, v := range l.Videos {
			got = append(got, v.ID)
		}
		want, total := plainVideos(t, d, f)
		if !slices.Equal(got, want) || l.Total != min(total, db.MaxCount) || l.More != (total > db.MaxCount) {
			t.Errorf("Videos(%+v) = %v, %d (more %v)\nwant %v, %d", f, got, l.Total, l.More, want, total)
		}
	}
}

// plainVideos is what Videos should return for f, read the plain way.
func plainVideos(t *testing.T, d *db.DB, f db.VideoFilter) ([]string, int) {
	t.Helper()
	where, args := "WHERE 1", []any{}
	add := func(cond string, arg any) {
		where += " AND " + cond
		args = append(args, arg)
	}
	if f.Site != "" {
		add("v.id IN (SELECT l.video_id FROM links l JOIN pages p ON p.id = l.page_id WHERE p.host = ?)", f.Site)
	}
	if f.Status != "" {
		add("v.status = ?", f.Status)
	}
	if f.Channel != "" {
		add("v.channel_id = ?", f.Channel)
	}
	if !f.Since.IsZero() {
		add("v.first_seen_at >= ?", f.Since.Format(db.TimeFormat))
	}
	if !f.Until.IsZero() {
		add("v.first_seen_at < ?", f.Until.Format(db.TimeFormat))
	}
	col := map[string]string{"first_seen": "first_seen_at", "published": "published_at", "views": "view_count"}[f.Sort]
	dir := " DESC"
	if f.Asc {
		dir = " ASC"
	}
	var total int
	if err := d.SQL().QueryRow("SELECT count(*) FROM videos v "+where, args...).Scan(&total); err != nil {
		t.Fatal(err)
	}
	return rowStrings(t, d.SQL(), "SELECT v.id FROM videos v "+where+" ORDER BY v."+col+dir+", v.id"+dir+" LIMIT ? OFFSET ?",
		append(args, f.Limit, f.Offset)...), total
}
