package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
)

// A query that matches more than the window is ranked over its newest
// matches only, of those that pass the filters, and a query within the
// window finds every match. A title match ranks above a transcript match; ties
// come newest first.
func TestSearchWindow(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	// Five videos stored in order, each titled "harbour" with a segment
	// that says it; v3 is on another channel and an older date.
	for i := 1; i <= 5; i++ {
		v := harvest.Video{ID: fmt.Sprintf("harbour%04d", i), Status: harvest.VideoOK, Title: fmt.Sprintf("Harbour news %d", i),
			ChannelID: "UCexampleNewsChannel0001", PublishedAt: time.Date(2026, 11, 20+i, 0, 0, 0, 0, time.UTC)}
		if i == 3 {
			v.ChannelID, v.PublishedAt = "UCcityDeskChannel0000002", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if err := d.SaveVideo(ctx, &v); err != nil {
			t.Fatal(err)
		}
		tr := harvest.Transcript{VideoID: v.ID, Language: "en", Source: "timedtext:json3",
			Segments: []harvest.Segment{{StartMs: 61_000, DurationMs: 2000, Text: "the harbour at dawn"}}}
		if err := d.SaveTranscripts(ctx, v.ID, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
			t.Fatal(err)
		}
	}
	search := func(q db.SearchQuery) string {
		t.Helper()
		q.Limit = 20
		hits, err := d.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search(%+v): %v", q, err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, strings.TrimPrefix(h.VideoID, "harbour")+" "+h.Field)
			if h.Field == "transcript" && (h.Link != "https://www.youtube.com/watch?v="+h.VideoID+"&t=61s" || !strings.Contains(h.Snippet, "the [harb")) {
				t.Errorf("hit %+v: wrong link or snippet", h)
			}
		}
		return strings.Join(out, ", ")
	}
	for _, tc := range []struct {
		window int
		q      db.SearchQuery
		want   string
	}{
		{0, db.SearchQuery{Text: "harbour"},
			"0005 title, 0004 title, 0003 title, 0002 title, 0001 title, 0005 transcript, 0004 transcript, 0003 transcript, 0002 transcript, 0001 transcript"},
		{5, db.SearchQuery{Text: "harbour"},
			"0005 title, 0004 title, 0003 title, 0002 title, 0001 title, 0005 transcript, 0004 transcript, 0003 transcript, 0002 transcript, 0001 transcript"},
		{2, db.SearchQuery{Text: "harbour"}, "0005 title, 0004 title, 0005 transcript, 0004 transcript"},
		{2, db.SearchQuery{Text: "harb*"}, "0005 title, 0004 title, 0005 transcript, 0004 transcript"},
		// Filters apply before the window: v3, the third newest, is the
		// only match on its channel, found with any window; the window
		// then holds the newest matches that pass.
		{3, db.SearchQuery{Text: "harbour", Channel: "UCcityDeskChannel0000002"}, "0003 title, 0003 transcript"},
		{1, db.SearchQuery{Text: "harbour", Channel: "UCcityDeskChannel0000002"}, "0003 title, 0003 transcript"},
		{3, db.SearchQuery{Text: "harbour", Since: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}, "0005 title, 0004 title, 0005 transcript, 0004 transcript"},
		{1, db.SearchQuery{Text: "harbour", Since: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}, "0005 title, 0005 transcript"},
		{2, db.SearchQuery{Text: "harbour", Channel: "UCexampleNewsChannel0001", Since: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)},
			"0005 title, 0004 title, 0005 transcript, 0004 transcript"},
		{1, db.SearchQuery{Text: "harbour NOT dawn"}, "0005 title"},
	} {
		d.SetSearchWindow(tc.window)
		if got := search(tc.q); got != tc.want {
			t.Errorf("window %d, Search(%+v) = %s\nwant %s", tc.window, tc.q, got, tc.want)
		}
	}
}

// The query language reads the same on SQLite as on PostgreSQL
// (db.ParseQuery): what FTS5 alone would refuse or misread — an implicit
// AND beside parentheses, -word, a hyphenated or colon word — finds what
// it says.
func TestSearchQueryLanguage(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	for id, title := range map[string]string{
		"budgetstorm": "Budget and the storm",
		"councilbudg": "Council budget vote",
		"stormcounci": "Storm over the council",
		"covid19upda": "Covid-19 update: title page",
	} {
		v := harvest.Video{ID: id, Status: harvest.VideoOK, Title: title, ChannelID: "UCexampleNewsChannel0001"}
		if err := d.SaveVideo(ctx, &v); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string]string{
		"(budget OR storm) council": "councilbudg stormcounci",
		"council (budget OR storm)": "councilbudg stormcounci",
		"budget -council":           "budgetstorm",
		"budget NOT council":        "budgetstorm",
		"storm -(council OR vote)":  "budgetstorm",
		"covid-19":                  "covid19upda",
		"update:":                   "covid19upda",
		"title:page":                "covid19upda",
		"NEAR(budget storm, 2)":     "budgetstorm",
		"-budget council":           "stormcounci",
	} {
		hits, err := d.Search(ctx, db.SearchQuery{Text: q, Limit: 10})
		if err != nil {
			t.Errorf("Search(%q): %v", q, err)
			continue
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.VideoID)
		}
		slices.Sort(ids)
		if got := strings.Join(ids, " "); got != want {
			t.Errorf("Search(%q) = %s, want %s", q, got, want)
		}
	}
	if _, err := d.Search(ctx, db.SearchQuery{Text: "-council"}); !errors.Is(err, db.ErrBadQuery) || !strings.Contains(err.Error(), "only excludes") {
		t.Errorf("Search(-council): %v, want ErrBadQuery saying it only excludes", err)
	}
}
