package youtube_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

func transcripts(t *testing.T, s *youtube.Source, v *harvest.Video) ([]harvest.Transcript, harvest.TranscriptStatus, string) {
	t.Helper()
	ts, status, reason, err := s.Transcripts(context.Background(), v)
	if err != nil {
		t.Fatalf("Transcripts(%s): %v", v.ID, err)
	}
	return ts, status, reason
}

func TestVideoCaptionTracks(t *testing.T) {
	_, srv := fakeYouTube(t)
	v := fetch(t, newSource(t, srv, nil), "H7xQm2Lp9sA")
	var got []string
	for _, tr := range v.CaptionTracks {
		got = append(got, tr.Language+"/"+tr.Name+map[bool]string{true: "/asr"}[tr.Generated])
	}
	if want := "en/English,en/English (auto-generated)/asr,de/German"; strings.Join(got, ",") != want {
		t.Errorf("caption tracks = %s, want %s", strings.Join(got, ","), want)
	}
}

func TestTranscripts(t *testing.T) {
	yt, srv := fakeYouTube(t)
	tests := []struct {
		name     string
		video    string
		captions youtube.Choice
		status   harvest.TranscriptStatus
		want     string // language/generated/source: first text
	}{
		{"manual english", "H7xQm2Lp9sA", youtube.Choice{}, harvest.TranscriptOK, "en/false/timedtext:json3: Good morning from the palace forecourt,"},
		{"german first", "H7xQm2Lp9sA", youtube.Choice{Langs: []string{"de", "en"}}, harvest.TranscriptOK, "de/false/timedtext:json3: Guten Morgen vom Vorplatz des Palastes,"},
		{"generated preferred", "H7xQm2Lp9sA", youtube.Choice{PreferGenerated: true}, harvest.TranscriptOK, "en/true/timedtext:json3: "},
		{"only generated", "Zp4-eYc1UoM", youtube.Choice{}, harvest.TranscriptOK, "en/true/timedtext:json3: "},
		{"no captions", "k3Rt_vB8nQw", youtube.Choice{}, harvest.TranscriptNone, ""},
		{"no french", "H7xQm2Lp9sA", youtube.Choice{Langs: []string{"fr"}}, harvest.TranscriptNone, ""},
		{"translated", "H7xQm2Lp9sA", youtube.Choice{Langs: []string{"fr"}, TranslateTo: "de"}, harvest.TranscriptOK, "de/false/timedtext:json3: Guten Morgen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSource(t, srv, func(o *youtube.Options) { o.Captions = tc.captions })
			v := fetch(t, s, tc.video)
			ts, status, reason := transcripts(t, s, v)
			if status != tc.status {
				t.Fatalf("status %s (%s), want %s", status, reason, tc.status)
			}
			if tc.want == "" {
				if len(ts) != 0 || reason == "" {
					t.Errorf("got %d transcripts, reason %q; want none, with a reason", len(ts), reason)
				}
				return
			}
			if len(ts) != 1 || len(ts[0].Segments) == 0 {
				t.Fatalf("got %+v", ts)
			}
			got := ts[0].Language + "/" + map[bool]string{true: "true", false: "false"}[ts[0].Generated] + "/" + ts[0].Source + ": " + ts[0].Segments[0].Text
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %q, want %q...", got, tc.want)
			}
		})
	}
	_ = yt
}

// An empty 200, a captcha page or a 429 on a caption URL is a block, not
// "no transcript"; a URL that needs a proof-of-origin token is not fetched.
func TestTranscriptBlocks(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, nil)
	v := fetch(t, s, "H7xQm2Lp9sA")
	for _, tc := range []struct {
		name   string
		answer *testserver.FakeResponse
		status harvest.TranscriptStatus
		reason string
	}{
		{"empty", &testserver.FakeResponse{Body: nil}, harvest.TranscriptBlocked, "empty"},
		{"429", &testserver.FakeResponse{Status: 429, Body: []byte("slow down")}, harvest.TranscriptBlocked, "429"},
		{"captcha", &testserver.FakeResponse{Body: []byte(`<html><body><div class="g-recaptcha"></div> unusual traffic from your computer network</body></html>`)}, harvest.TranscriptBlocked, "captcha"},
		{"500", &testserver.FakeResponse{Status: 500}, harvest.TranscriptError, "500"},
		{"junk", &testserver.FakeResponse{Body: []byte(`{"not": "captions"}`)}, harvest.TranscriptError, "captions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSource(t, srv, nil) // a block benches the Source's only egress
			yt.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Captions: tc.answer})
			ts, status, reason := transcripts(t, s, v)
			if status != tc.status || len(ts) != 0 || !strings.Contains(reason, tc.reason) {
				t.Errorf("got %d transcripts, %s %q; want %s mentioning %q", len(ts), status, reason, tc.status, tc.reason)
			}
		})
	}
	yt.Reset()

	po := *v
	po.CaptionTracks = []harvest.CaptionTrack{{Language: "en", Name: "English",
		URL: "https://www.youtube.com/api/timedtext?v=H7xQm2Lp9sA&lang=en&exp=xpe&fmt=srv3"}}
	before := len(yt.Requests())
	if ts, status, _ := transcripts(t, s, &po); status != harvest.TranscriptPoToken || len(ts) != 0 {
		t.Errorf("exp=xpe: %s", status)
	}
	if len(yt.Requests()) != before {
		t.Error("a caption URL that needs a proof-of-origin token was fetched")
	}
}

// A video costs one player request, and one more per caption track
// fetched; the visitor-id GET is one per egress per run, shared by every
// video. Exact, so that a request added anywhere shows here (and in
// docs/PERFORMANCE.md).
func TestRequestsPerVideo(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, func(o *youtube.Options) { o.Concurrency = 1 })
	want := map[string]int{
		"H7xQm2Lp9sA": 2, // player, the English track
		"Zp4-eYc1UoM": 2, // player, the auto-generated English track
		"k3Rt_vB8nQw": 1, // player: no captions
		"qW9xL2mN5bE": 1, // player: live, no captions
		"T1gH6jKd0sF": 1, // player: private, no transcript asked for
	}
	captioned := map[string]bool{"H7xQm2Lp9sA": true, "Zp4-eYc1UoM": true}
	for id := range want {
		v := fetch(t, s, id)
		if v.Status != harvest.VideoOK {
			continue
		}
		// The requests counted are those of a transcript fetched whole.
		ts, status, reason := transcripts(t, s, v)
		switch {
		case captioned[id] && (status != harvest.TranscriptOK || len(ts) == 0 || len(ts[0].Segments) == 0):
			t.Errorf("%s: transcript %s (%s), %d tracks; want one fetched with its text", id, status, reason, len(ts))
		case !captioned[id] && len(ts) != 0:
			t.Errorf("%s: %d transcripts of a video without captions", id, len(ts))
		}
	}
	perVideo := map[string]int{}
	home := 0
	for _, r := range yt.Requests() {
		if r.Path == "/" {
			home++
			continue
		}
		perVideo[r.VideoID]++
	}
	t.Logf("requests: %d visitor-id GETs, per video %v", home, perVideo)
	if home != 1 {
		t.Errorf("%d visitor-id GETs for %d videos on one egress, want 1", home, len(want))
	}
	if !maps.Equal(perVideo, want) {
		t.Errorf("requests per video = %v, want %v", perVideo, want)
	}
}

// --transcript-fallback: a video that offers no caption track is asked
// through kkdai's get_transcript, speaking as the Source's current client
// identity; a video YouTube has no transcript of stays without one (none,
// not an error); without the option nothing is asked.
func TestTranscriptFallback(t *testing.T) {
	yt, srv := fakeYouTube(t)
	ios := youtube.Identities[slices.IndexFunc(youtube.Identities, func(id youtube.Identity) bool { return id.Key == "ios" })]
	s := newSource(t, srv, func(o *youtube.Options) {
		o.TranscriptFallback = true
		o.Clients = []youtube.Identity{ios}
	})
	ts, status, reason := transcripts(t, s, fetch(t, s, "k3Rt_vB8nQw"))
	if status != harvest.TranscriptOK || len(ts) != 1 {
		t.Fatalf("got %d transcripts, %s %q; want one", len(ts), status, reason)
	}
	tr := ts[0]
	if tr.Source != "get_transcript" || tr.Language != "en" || !tr.Generated || len(tr.Segments) != 3 {
		t.Fatalf("got %+v", tr)
	}
	if sg := tr.Segments[1]; sg.StartMs != 2900 || sg.DurationMs != 3500 || sg.Text != "When the river rises, sensors upstream give the crews a day's warning." {
		t.Errorf("second segment %+v", sg)
	}
	var asked []testserver.YouTubeRequest
	for _, r := range yt.Requests() {
		if r.Path == "/youtubei/v1/get_transcript" {
			asked = append(asked, r)
		}
	}
	if len(asked) != 1 || asked[0].VideoID != "k3Rt_vB8nQw" || asked[0].ClientName != ios.Name ||
		asked[0].ClientVersion != ios.Version || asked[0].UserAgent != ios.UserAgent {
		t.Errorf("get_transcript requests %+v; want one for k3Rt_vB8nQw as %s (%s)", asked, ios, ios.UserAgent)
	}

	// No transcript to give: none, with get_transcript's word for it.
	ts, status, reason = transcripts(t, s, fetch(t, s, "qW9xL2mN5bE"))
	if status != harvest.TranscriptNone || len(ts) != 0 || !strings.Contains(reason, "get_transcript (en): transcript is disabled") {
		t.Errorf("no transcript: %d transcripts, %s %q", len(ts), status, reason)
	}
	// An answer kkdai cannot read is an error.
	yt.Set("k3Rt_vB8nQw", testserver.FakeAnswer{Transcript: &testserver.FakeResponse{Status: 500}})
	if ts, status, reason = transcripts(t, s, fetch(t, s, "k3Rt_vB8nQw")); status != harvest.TranscriptError || !strings.Contains(reason, "get_transcript") {
		t.Errorf("500: %d transcripts, %s %q", len(ts), status, reason)
	}
	yt.Reset()

	off := newSource(t, srv, nil)
	ts, status, _ = transcripts(t, off, fetch(t, off, "k3Rt_vB8nQw"))
	if status != harvest.TranscriptNone || len(ts) != 0 {
		t.Errorf("without the fallback: %d transcripts, %s", len(ts), status)
	}
	for _, r := range yt.Requests() {
		if r.Path == "/youtubei/v1/get_transcript" {
			t.Error("get_transcript asked without --transcript-fallback")
		}
	}
}
