package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// ClaimVideos hands out the videos due — never fetched, not definitive,
// stale — once a run; a block or an error never overwrites a definitive
// answer; a definitive answer adds a view-count snapshot.
func testClaimVideos(t *testing.T, e *env) {
	e.store.AddSeeds(e.ctx, []string{"https://news.example/"})
	p := e.next(1, 0)[0]
	p.State = harvest.PageFetched
	want := []string{"aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc"}
	var refs []harvest.Reference
	for _, id := range want {
		refs = append(refs, video(id, harvest.KindAnchor))
	}
	e.save(&p, refs, nil)
	week := 7 * 24 * time.Hour
	claim := func(runStart time.Time) []string {
		t.Helper()
		cs, err := e.store.ClaimVideos(e.ctx, harvest.VideoQuery{StaleBefore: e.clock.Add(-week), NotSince: runStart, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return ids(cs)
	}

	run1 := e.clock
	e.tick(time.Second)
	if got := claim(run1); !slices.Equal(got, want) {
		t.Fatalf("ClaimVideos = %v; want %v, first seen first", got, want)
	}
	if again := claim(run1); len(again) != 0 {
		t.Fatalf("videos attempted this run were claimed again: %v", again)
	}
	a := &harvest.Video{ID: "aaaaaaaaaaa", Status: harvest.VideoOK, Title: "A", ViewCount: 10, Duration: 95 * time.Second, Keywords: []string{"x", "y"}}
	if err := e.store.SaveVideo(e.ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SaveVideo(e.ctx, &harvest.Video{ID: "bbbbbbbbbbb", Status: harvest.VideoBlocked, StatusReason: "HTTP 429"}); err != nil {
		t.Fatal(err)
	}
	// c's fetch was cut short: it stays pending.

	// The next run, an hour later: b (blocked) and c (pending) are due, a is not.
	run2 := e.tick(time.Hour)
	e.tick(time.Second)
	if got := claim(run2); !slices.Equal(got, []string{"bbbbbbbbbbb", "ccccccccccc"}) {
		t.Errorf("run 2 ClaimVideos = %v, want b and c", got)
	}
	// A block, or an error, while refreshing a known video keeps its
	// metadata and status.
	e.store.SaveVideo(e.ctx, &harvest.Video{ID: "aaaaaaaaaaa", Status: harvest.VideoBlocked, StatusReason: "bot check"})
	e.store.SaveVideo(e.ctx, &harvest.Video{ID: "aaaaaaaaaaa", Status: harvest.VideoError, StatusReason: "timed out"})
	got := e.videos()
	if v := got["aaaaaaaaaaa"]; v.Status != "ok" || v.Title != "A" || v.DurationSeconds != 95 || v.ViewCount != 10 || v.Keywords != `["x","y"]` {
		t.Errorf("video a = %+v; want ok \"A\" 95 s, 10 views, [\"x\",\"y\"]", v)
	}
	if v := got["bbbbbbbbbbb"]; v.Status != "blocked" || v.StatusReason != "HTTP 429" || v.FetchAttempts != 2 {
		t.Errorf("video b = %+v; want blocked, HTTP 429, attempted twice", v)
	}

	// A week later a is stale and due again; its new view count is a new
	// snapshot.
	run3 := e.tick(8 * 24 * time.Hour)
	e.tick(time.Second)
	if got := claim(run3); len(got) == 0 || got[0] != "aaaaaaaaaaa" {
		t.Errorf("run 3 ClaimVideos = %v, want a first", got)
	}
	a.ViewCount, a.FetchedAt = 25, e.clock
	e.store.SaveVideo(e.ctx, a)
	if n := e.count("video_views"); n != 2 {
		t.Errorf("%d view-count snapshots, want 2", n)
	}
}

// AttemptVideos makes new videos known and counts an attempt on each,
// known or not.
func testAttemptVideos(t *testing.T, e *env) {
	if err := e.store.AttemptVideos(e.ctx, []string{"aaaaaaaaaaa"}); err != nil {
		t.Fatal(err)
	}
	e.store.SaveVideo(e.ctx, &harvest.Video{ID: "aaaaaaaaaaa", Status: harvest.VideoPrivate, StatusReason: "This video is private."})
	if err := e.store.AttemptVideos(e.ctx, []string{"aaaaaaaaaaa", "bbbbbbbbbbb"}); err != nil {
		t.Fatal(err)
	}
	got := e.videos()
	if v := got["aaaaaaaaaaa"]; v.FetchAttempts != 2 || v.Status != "private" {
		t.Errorf("video a = %+v; want private, attempted twice", v)
	}
	if v := got["bbbbbbbbbbb"]; v.FetchAttempts != 1 || v.Status != "pending" {
		t.Errorf("video b = %+v; want pending, attempted once", v)
	}
}

// A video's caption tracks are those offered last; its transcript is due
// until one is stored, a block never overwrites it, and saving again
// replaces its segments.
func testTranscripts(t *testing.T, e *env) {
	v := &harvest.Video{ID: "aaaaaaaaaaa", Status: harvest.VideoOK, Title: "A", CaptionTracks: []harvest.CaptionTrack{
		{Language: "en", Name: "English"}, {Language: "en", Name: "English (auto-generated)", Generated: true, Translatable: true},
	}}
	if err := e.store.SaveVideo(e.ctx, v); err != nil {
		t.Fatal(err)
	}
	if n := e.count("caption_tracks"); n != 2 {
		t.Errorf("%d caption tracks stored, want 2", n)
	}
	q := harvest.VideoQuery{StaleBefore: e.clock.Add(-time.Hour), NotSince: e.clock.Add(-time.Minute), Limit: 10, Transcripts: true}
	// Fresh metadata, but no transcript yet: due, for its transcript.
	cs, err := e.store.ClaimVideos(e.ctx, q)
	if err != nil || len(cs) != 1 || !cs[0].NeedTranscript {
		t.Fatalf("ClaimVideos = %+v, %v; want the video, for its transcript", cs, err)
	}
	// A first look that meets a block is recorded as such.
	e.store.SaveTranscripts(e.ctx, v.ID, harvest.TranscriptBlocked, "HTTP 429", nil)
	if s := e.videos()[v.ID].TranscriptStatus; s != "blocked" {
		t.Errorf("transcript status after a first block = %q, want blocked", s)
	}
	tr := harvest.Transcript{VideoID: v.ID, Language: "en", Name: "English", Source: "timedtext:json3",
		Segments: []harvest.Segment{{StartMs: 0, DurationMs: 1500, Text: "Hello"}, {StartMs: 1500, DurationMs: 1000, Text: "world's \"news\""}}}
	if err := e.store.SaveTranscripts(e.ctx, v.ID, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
		t.Fatal(err)
	}
	// A later block does not overwrite it; saving again replaces the segments.
	e.store.SaveTranscripts(e.ctx, v.ID, harvest.TranscriptBlocked, "HTTP 429", nil)
	tr.Segments = append(tr.Segments, harvest.Segment{StartMs: 2500, DurationMs: 500, Text: "again"})
	if err := e.store.SaveTranscripts(e.ctx, v.ID, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
		t.Fatal(err)
	}
	ts, err := e.inspect.Transcripts(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := e.videos()[v.ID].TranscriptStatus; s != "ok" || len(ts) != 1 || ts[0].Text != `Hello world's "news" again` || ts[0].Segments != 3 {
		t.Errorf("status %q, transcripts %+v", s, ts)
	}
	if n := e.count("transcript_segments"); n != 3 {
		t.Errorf("%d segments stored, want 3 (the old ones replaced)", n)
	}
	// Once ok, the transcript is not due again the next run...
	notSince := e.tick(time.Hour)
	e.tick(time.Second)
	next := harvest.VideoQuery{StaleBefore: e.clock.Add(-24 * time.Hour), NotSince: notSince, Limit: 10, Transcripts: true}
	if cs, _ := e.store.ClaimVideos(e.ctx, next); len(cs) != 0 {
		t.Errorf("a video with its transcript was claimed again: %+v", cs)
	}
	// ...unless asked to fetch again.
	next.RefetchTranscripts = true
	if cs, _ := e.store.ClaimVideos(e.ctx, next); len(cs) != 1 || !cs[0].NeedTranscript {
		t.Errorf("with RefetchTranscripts: %+v", cs)
	}
}

// The playlists pages reference are due once a run; an ok playlist links
// its videos to those pages (kind playlist_member, adding no row twice),
// and a block never overwrites it.
func testPlaylists(t *testing.T, e *env) {
	e.store.AddSeeds(e.ctx, []string{"https://news.example/"})
	p := e.next(1, 0)[0]
	p.State = harvest.PageFetched
	e.save(&p, []harvest.Reference{{Type: harvest.RefPlaylist, ID: "PLDEBB741B42EDED3D", Kind: harvest.KindIframe, InBody: true}}, nil)
	run := e.clock
	e.tick(time.Second)
	due, err := e.store.ClaimPlaylists(e.ctx, e.clock.Add(-time.Hour), run, 10)
	if err != nil || !slices.Equal(due, []string{"PLDEBB741B42EDED3D"}) {
		t.Fatalf("ClaimPlaylists = %v, %v", due, err)
	}
	if again, _ := e.store.ClaimPlaylists(e.ctx, e.clock.Add(-time.Hour), run, 10); len(again) != 0 {
		t.Errorf("a playlist was claimed twice in a run: %v", again)
	}
	pl := &harvest.Playlist{ID: "PLDEBB741B42EDED3D", Status: harvest.VideoOK, Title: "Budget week",
		VideoIDs: []string{"aaaaaaaaaaa", "bbbbbbbbbbb"}, FetchedAt: e.clock}
	for i, want := range []int{2, 0} {
		if n, err := e.store.SavePlaylist(e.ctx, pl); err != nil || n != want {
			t.Errorf("SavePlaylist #%d = %d new videos, %v; want %d", i+1, n, err, want)
		}
	}
	if _, err := e.store.SavePlaylist(e.ctx, &harvest.Playlist{ID: pl.ID, Status: harvest.VideoBlocked, StatusReason: "HTTP 429"}); err != nil {
		t.Fatal(err)
	}
	// Still ok, so not due the next run (a blocked playlist would be).
	next := e.tick(time.Hour)
	e.tick(time.Second)
	if due, _ := e.store.ClaimPlaylists(e.ctx, e.clock.Add(-24*time.Hour), next, 10); len(due) != 0 {
		t.Errorf("after a block on an ok playlist, it is due again: %v", due)
	}
	links, _ := e.inspect.Links(e.ctx)
	members := 0
	for _, l := range links {
		if l.Kind == harvest.KindPlaylistMember {
			members++
			if !l.InBody || l.PageURL != "https://news.example/" {
				t.Errorf("member link = %+v", l)
			}
		}
	}
	if members != 2 || e.count("videos") != 2 || e.count("playlists") != 1 {
		t.Errorf("%d member links, %d videos, %d playlists; want 2, 2, 1", members, e.count("videos"), e.count("playlists"))
	}
}
