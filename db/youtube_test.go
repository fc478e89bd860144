package db_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// The YouTube source's memory: benches and counts per egress, the Data
// API units per day, and oEmbed's metadata, which never decides a status.
func TestYouTubeStore(t *testing.T) {
	d, _ := MustOpenDB(t)
	ctx := context.Background()
	until := time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)
	if err := d.SaveEgress(ctx, harvest.EgressState{Label: "http://p1.example:3128", Requests: 5, Blocks: 1, Strikes: 1,
		BenchedUntil: until, LastBlock: "player: HTTP 429 Too Many Requests", LastBlockAt: until.Add(-15 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveEgress(ctx, harvest.EgressState{Label: "http://p1.example:3128", Requests: 3, Strikes: 1, BenchedUntil: until}); err != nil {
		t.Fatal(err)
	}
	got, err := d.LoadEgresses(ctx, []string{"http://p1.example:3128", "direct"})
	if err != nil {
		t.Fatal(err)
	}
	st := got["http://p1.example:3128"]
	if len(got) != 1 || st.Requests != 8 || st.Blocks != 1 || st.Strikes != 1 || !st.BenchedUntil.Equal(until) ||
		st.LastBlock != "player: HTTP 429 Too Many Requests" {
		t.Errorf("LoadEgresses = %+v", got)
	}
	es, err := d.Egresses(ctx)
	if err != nil || len(es) != 1 || es[0].Requests != 8 || !es[0].BenchedUntil.Equal(until) {
		t.Errorf("Egresses = %+v, %v", es, err)
	}

	for _, c := range []struct{ add, want int }{{0, 0}, {1, 1}, {1, 2}, {0, 2}} {
		if n, err := d.SpendQuota(ctx, "2026-12-03", c.add); err != nil || n != c.want {
			t.Errorf("SpendQuota(+%d) = %d, %v; want %d", c.add, n, err, c.want)
		}
	}
	if n, _ := d.SpendQuota(ctx, "2026-12-04", 0); n != 0 {
		t.Errorf("a new day starts at %d units", n)
	}

	// oEmbed fills a pending video's title and leaves its status; a
	// definitive answer later replaces it and says where it came from.
	if err := d.AttemptVideos(ctx, []string{"H7xQm2Lp9sA"}); err != nil {
		t.Fatal(err)
	}
	if known, _ := d.HasMetadata(ctx, "H7xQm2Lp9sA"); known {
		t.Error("HasMetadata before any metadata")
	}
	err = d.SaveVideo(ctx, &harvest.Video{ID: "H7xQm2Lp9sA", Status: harvest.VideoBlocked, StatusReason: "not a bot",
		Title: "From oEmbed", ChannelTitle: "Example News", ChannelHandle: "@examplenews", MetadataSource: harvest.MetadataOEmbed})
	if err != nil {
		t.Fatal(err)
	}
	if known, _ := d.HasMetadata(ctx, "H7xQm2Lp9sA"); !known {
		t.Error("HasMetadata after oEmbed = false")
	}
	row := func() []string {
		var status, title, source, handle string
		d.SQL().QueryRow(`SELECT status, title, metadata_source, coalesce(channel_handle, '') FROM videos WHERE id = 'H7xQm2Lp9sA'`).Scan(&status, &title, &source, &handle)
		return []string{status, title, source, handle}
	}
	if got := row(); !slices.Equal(got, []string{"blocked", "From oEmbed", "oembed", "@examplenews"}) {
		t.Errorf("after oEmbed: %q", got)
	}
	err = d.SaveVideo(ctx, &harvest.Video{ID: "H7xQm2Lp9sA", Status: harvest.VideoOK, Title: "From the API",
		MetadataSource: harvest.MetadataDataAPI, CaptionTracksUnknown: true, FetchedAt: until})
	if err != nil {
		t.Fatal(err)
	}
	// The handle the API does not give is kept.
	if got := row(); !slices.Equal(got, []string{"ok", "From the API", "data_api", "@examplenews"}) {
		t.Errorf("after the Data API: %q", got)
	}
	// oEmbed never overwrites a definitive answer.
	d.SaveVideo(ctx, &harvest.Video{ID: "H7xQm2Lp9sA", Status: harvest.VideoBlocked, Title: "Again oEmbed", MetadataSource: harvest.MetadataOEmbed})
	if got := row(); !slices.Equal(got, []string{"ok", "From the API", "data_api", "@examplenews"}) {
		t.Errorf("after a later oEmbed answer: %q", got)
	}

	run := &harvest.Run{Command: "crawl", StartedAt: until, Status: harvest.RunRunning}
	if err := d.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := d.SetClientsRefused(ctx, run.ID, []string{"ANDROID 19.44.38: HTTP 400 FAILED_PRECONDITION"}); err != nil {
		t.Fatal(err)
	}
	var refused string
	d.SQL().QueryRow(`SELECT clients_refused FROM runs WHERE id = ?`, run.ID).Scan(&refused)
	if refused != "ANDROID 19.44.38: HTTP 400 FAILED_PRECONDITION" {
		t.Errorf("clients_refused = %q", refused)
	}
}
