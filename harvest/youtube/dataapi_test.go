package youtube_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// apiSource is a Source with a Data API key, the fake answering both.
func apiSource(t *testing.T, srv *httptest.Server, store youtube.Store, edit func(*youtube.Options)) *youtube.Source {
	t.Helper()
	return newSource(t, srv, func(o *youtube.Options) {
		o.API = youtube.APIOptions{Key: "test-key", URL: srv.URL}
		o.Store = store
		if edit != nil {
			edit(o)
		}
	})
}

func countPaths(yt *testserver.YouTube) map[string]int {
	n := map[string]int{}
	for _, r := range yt.Requests() {
		n[r.Path]++
	}
	return n
}

// With a key, one videos.list request describes the batch; the player is
// asked only for the videos the API did not return (private or removed:
// the API does not say which), and for those whose transcript is wanted
// (the caption tracks).
func TestDataAPI(t *testing.T) {
	yt, srv := fakeYouTube(t)
	store := newMemStore()
	s := apiSource(t, srv, store, nil)
	want := map[string]harvest.VideoStatus{
		"H7xQm2Lp9sA": harvest.VideoOK,
		"k3Rt_vB8nQw": harvest.VideoOK,
		"qW9xL2mN5bE": harvest.VideoOK,
		"uY8iO4pE6rT": harvest.VideoAgeRestricted,
		"Ne0Wq3Rt7Yu": harvest.VideoLiveUpcoming,
		"T1gH6jKd0sF": harvest.VideoPrivate, // absent from the API's answer: the player says
		"mB3nV7cX2zA": harvest.VideoRemoved, // absent: the player says
		"Xc1Vb4Nm8Qa": harvest.VideoRemoved, // absent: the player says
		"Zp4-eYc1UoM": harvest.VideoOK,      // its transcript is wanted: the player is asked too
	}
	var claims []harvest.VideoClaim
	for id := range want {
		claims = append(claims, harvest.VideoClaim{ID: id, NeedTranscript: id == "Zp4-eYc1UoM"})
	}
	s.Prefetch(t.Context(), claims)
	for id, status := range want {
		v := fetch(t, s, id)
		if v.Status != status {
			t.Errorf("Video(%s) = %s %q, want %s", id, v.Status, v.StatusReason, status)
		}
		switch id {
		case "H7xQm2Lp9sA":
			if v.MetadataSource != harvest.MetadataDataAPI || v.Title != "State visit: the arrival ceremony in full" ||
				v.ChannelID != "UCexampleNewsChannel0001" || v.Duration != 312*time.Second || v.ViewCount != 120345 ||
				!v.PublishedAt.Equal(time.Date(2026, 11, 20, 17, 30, 0, 0, time.UTC)) || v.Category != "News & Politics" ||
				!v.CaptionTracksUnknown || len(v.Keywords) != 4 || v.ThumbnailURL != "https://i.ytimg.com/vi/H7xQm2Lp9sA/hqdefault.jpg" {
				t.Errorf("from the API: %+v", v)
			}
		case "Zp4-eYc1UoM":
			if v.MetadataSource != harvest.MetadataDataAPI || v.CaptionTracksUnknown || len(v.CaptionTracks) == 0 {
				t.Errorf("API and player: source %s, tracks %d (unknown %v)", v.MetadataSource, len(v.CaptionTracks), v.CaptionTracksUnknown)
			}
		case "T1gH6jKd0sF":
			if v.MetadataSource != harvest.MetadataPlayer {
				t.Errorf("absent from the API: source %s", v.MetadataSource)
			}
		case "qW9xL2mN5bE":
			if !v.IsLive {
				t.Error("live video not live")
			}
		}
	}
	n := countPaths(yt)
	if n["/youtube/v3/videos"] != 1 || n["/youtubei/v1/player"] != 4 {
		t.Errorf("requests %v: want 1 API request, 4 player requests (3 absent, 1 for captions)", n)
	}
	if got := store.quota[pacificToday()]; got != 1 {
		t.Errorf("quota spent %d, want 1", got)
	}
}

// 120 videos cost 3 requests of 50.
func TestDataAPIBatches(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := apiSource(t, srv, nil, nil)
	var claims []harvest.VideoClaim
	for i := range 120 {
		claims = append(claims, harvest.VideoClaim{ID: fmt.Sprintf("batch%06d", i)})
	}
	s.Prefetch(t.Context(), claims)
	var sizes []int
	for _, r := range yt.Requests() {
		if r.Path == "/youtube/v3/videos" {
			sizes = append(sizes, len(strings.Split(r.VideoID, ",")))
		}
	}
	if fmt.Sprint(sizes) != "[50 50 20]" {
		t.Errorf("API requests of %v videos, want [50 50 20]", sizes)
	}
	if s.BatchSize() != 50 {
		t.Errorf("BatchSize = %d", s.BatchSize())
	}
}

// The quota: spent units are counted per Pacific-time day in the store;
// past --youtube-api-quota the API is not asked and the player answers;
// a quotaExceeded answer and a refused key turn the API off too.
func TestDataAPIQuota(t *testing.T) {
	yt, srv := fakeYouTube(t)
	store := newMemStore()
	s := apiSource(t, srv, store, func(o *youtube.Options) { o.API.Quota = 2 })
	for range 3 {
		s.Prefetch(t.Context(), []harvest.VideoClaim{{ID: "H7xQm2Lp9sA"}})
		fetch(t, s, "H7xQm2Lp9sA")
	}
	n := countPaths(yt)
	if n["/youtube/v3/videos"] != 2 || n["/youtubei/v1/player"] != 1 {
		t.Errorf("requests %v: want 2 API requests (the quota), then the player", n)
	}
	left, _, ok, _ := s.QuotaLeft(t.Context())
	if !ok || left != 0 {
		t.Errorf("QuotaLeft = %d, %v", left, ok)
	}
	// The next run on the same day: nothing left.
	yt.Reset()
	s2 := apiSource(t, srv, store, func(o *youtube.Options) { o.API.Quota = 2 })
	s2.Prefetch(t.Context(), []harvest.VideoClaim{{ID: "H7xQm2Lp9sA"}})
	if n := countPaths(yt)["/youtube/v3/videos"]; n != 0 {
		t.Errorf("%d API requests with the day's quota spent", n)
	}

	for _, tc := range []struct {
		name   string
		answer *testserver.FakeResponse
		key    string
		warn   string
	}{
		{"quota exceeded", &testserver.FakeResponse{Status: http.StatusForbidden, Body: []byte(testserver.APIQuotaExceeded)}, "test-key", "quota is spent"},
		{"key refused", nil, "bad-key", "refused the key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yt, srv := fakeYouTube(t)
			yt.SetAPI(tc.answer)
			var logs bytes.Buffer
			s := apiSource(t, srv, newMemStore(), func(o *youtube.Options) {
				o.API.Key = tc.key
				o.Log = slog.New(slog.NewTextHandler(&logs, nil))
			})
			for range 2 {
				s.Prefetch(t.Context(), []harvest.VideoClaim{{ID: "H7xQm2Lp9sA"}})
				if v := fetch(t, s, "H7xQm2Lp9sA"); v.Status != harvest.VideoOK || v.MetadataSource != harvest.MetadataPlayer {
					t.Errorf("Video = %s from %s, want ok from the player", v.Status, v.MetadataSource)
				}
			}
			if n := countPaths(yt)["/youtube/v3/videos"]; n != 1 {
				t.Errorf("%d API requests, want 1 (then off)", n)
			}
			if !strings.Contains(logs.String(), tc.warn) || strings.Count(logs.String(), "level=WARN") != 1 {
				t.Errorf("want one warning saying %q:\n%s", tc.warn, &logs)
			}
			if strings.Contains(logs.String(), "bad-key") {
				t.Errorf("the key shows in the logs:\n%s", &logs)
			}
		})
	}
}

// Statuses only where the API says so: each case is one item.
func TestDataAPIStatuses(t *testing.T) {
	for _, tc := range []struct {
		name, item string
		status     harvest.VideoStatus
		reason     string
	}{
		{"rejected", `"status":{"uploadStatus":"rejected","rejectionReason":"copyright","privacyStatus":"public"}`, harvest.VideoRemoved, "rejected: copyright"},
		{"deleted", `"status":{"uploadStatus":"deleted","privacyStatus":"public"}`, harvest.VideoRemoved, "deleted"},
		{"processing", `"status":{"uploadStatus":"uploaded","privacyStatus":"public"}`, harvest.VideoUnplayable, "still processing"},
		{"age", `"contentDetails":{"duration":"PT1M","contentRating":{"ytRating":"ytAgeRestricted"}},"status":{"uploadStatus":"processed"}`, harvest.VideoAgeRestricted, "ytRating"},
		{"upcoming", `"snippet":{"title":"Soon","liveBroadcastContent":"upcoming"},"liveStreamingDetails":{"scheduledStartTime":"2026-12-24T18:00:00Z"}`, harvest.VideoLiveUpcoming, "scheduled for 2026-12-24T18:00:00Z"},
		{"nowhere", `"contentDetails":{"duration":"PT1M","regionRestriction":{"allowed":[]}},"status":{"uploadStatus":"processed"}`, harvest.VideoUnplayable, "not available in any country"},
		{"blocked in some", `"contentDetails":{"duration":"PT1H2M3S","regionRestriction":{"blocked":["DE","FR"]}},"status":{"uploadStatus":"processed"}`, harvest.VideoOK, "blocked in DE FR"},
		{"plain", `"snippet":{"title":"Fine","liveBroadcastContent":"none"},"status":{"uploadStatus":"processed","privacyStatus":"unlisted"}`, harvest.VideoOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yt, srv := fakeYouTube(t)
			const id = "apistatus01"
			yt.Set(id, testserver.FakeAnswer{API: []byte(`{"kind":"youtube#video","id":"` + id + `",` + tc.item + `}`)})
			s := apiSource(t, srv, nil, nil)
			s.Prefetch(t.Context(), []harvest.VideoClaim{{ID: id}})
			v := fetch(t, s, id)
			if v.Status != tc.status || !strings.Contains(v.StatusReason, tc.reason) || tc.reason == "" && v.StatusReason != "" {
				t.Errorf("Video = %s %q, want %s %q", v.Status, v.StatusReason, tc.status, tc.reason)
			}
			if n := countPaths(yt)["/youtubei/v1/player"]; n != 0 {
				t.Errorf("%d player requests for a video the API described", n)
			}
		})
	}
}

// pacificToday is the quota's day now, as the tests' clock says.
func pacificToday() string { return youtube.PacificDay(fixedNow()) }
