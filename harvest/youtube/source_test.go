package youtube_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

func TestVideoOK(t *testing.T) {
	_, srv := fakeYouTube(t)
	s := newSource(t, srv, nil)

	for _, want := range []harvest.Video{{
		ID:            "H7xQm2Lp9sA",
		Status:        harvest.VideoOK,
		Title:         "State visit: the arrival ceremony in full",
		ChannelID:     "UCexampleNewsChannel0001",
		ChannelTitle:  "Example News",
		ChannelHandle: "@examplenews",
		Duration:      312 * time.Second,
		ViewCount:     120345,
		PublishedAt:   time.Date(2026, 11, 20, 17, 30, 0, 0, time.UTC), // 09:30 -08:00
		ThumbnailURL:  "https://i.ytimg.com/vi/H7xQm2Lp9sA/hqdefault.jpg",
		Category:      "News & Politics",
		Keywords:      []string{"state visit", "arrival ceremony", "guard of honour", "Example News"},
	}, {
		ID:            "k3Rt_vB8nQw",
		Status:        harvest.VideoOK,
		Title:         "How the new flood barrier works",
		ChannelID:     "UCcityDeskChannel0000002",
		ChannelTitle:  "City Desk",
		ChannelHandle: "@citydesk",
		Duration:      95 * time.Second,
		ViewCount:     8812,
		PublishedAt:   time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC), // date-only: kkdai drops it
		ThumbnailURL:  "https://i.ytimg.com/vi/k3Rt_vB8nQw/hqdefault.jpg",
		Category:      "News & Politics",
		Keywords:      []string{"flood barrier", "river", "city"},
	}, {
		ID:            "Zp4-eYc1UoM",
		Status:        harvest.VideoOK,
		Title:         "The budget in five minutes",
		ChannelID:     "UCexampleNewsChannel0001",
		ChannelTitle:  "Example News",
		ChannelHandle: "@examplenews",
		Duration:      300 * time.Second,
		ViewCount:     45210,
		PublishedAt:   time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC),
		ThumbnailURL:  "https://i.ytimg.com/vi/Zp4-eYc1UoM/hqdefault.jpg",
		Category:      "News & Politics",
		Keywords:      []string{"budget", "economy", "Example News"},
	}, {
		ID:            "qW9xL2mN5bE",
		Status:        harvest.VideoOK,
		Title:         "LIVE: election night coverage",
		ChannelID:     "UCexampleNewsChannel0001",
		ChannelTitle:  "Example News",
		ChannelHandle: "@examplenews",
		ViewCount:     3021,
		PublishedAt:   time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC),
		ThumbnailURL:  "https://i.ytimg.com/vi/qW9xL2mN5bE/hqdefault.jpg",
		IsLive:        true,
		Category:      "News & Politics",
		Keywords:      []string{"election", "live", "results", "Example News"},
	}} {
		t.Run(want.ID, func(t *testing.T) {
			got := fetch(t, s, want.ID)
			want.FetchedAt = fixedNow()
			want.MetadataSource = harvest.MetadataPlayer
			want.Description = got.Description
			if got.Description == "" {
				t.Errorf("Description is empty")
			}
			checkVideo(t, got, &want)
		})
	}
}

// checkVideo compares every field of got with want but the caption
// tracks, which TestVideoCaptionTracks and the corpus test check.
func checkVideo(t *testing.T, got, want *harvest.Video) {
	t.Helper()
	g1, w1 := *got, *want
	g1.CaptionTracks, w1.CaptionTracks = nil, nil
	g, w := fmt.Sprintf("%+v", g1), fmt.Sprintf("%+v", w1)
	if g != w || !got.PublishedAt.Equal(want.PublishedAt) {
		t.Errorf("Video(%s)\n got %s\nwant %s", want.ID, g, w)
	}
}

// TestVideoStatuses fetches each synthetic answer through the fake.
func TestVideoStatuses(t *testing.T) {
	_, srv := fakeYouTube(t)
	for _, tc := range []struct {
		id     string
		status harvest.VideoStatus
		reason string
		title  string // metadata kept although kkdai failed
	}{
		{"T1gH6jKd0sF", harvest.VideoPrivate, "This video is private.", ""},
		{"mB3nV7cX2zA", harvest.VideoRemoved, "This video has been removed by the uploader", ""},
		{"Xc1Vb4Nm8Qa", harvest.VideoRemoved, "Video unavailable", ""},
		{"uY8iO4pE6rT", harvest.VideoAgeRestricted, "This video may be inappropriate for some users.", "Uncut footage from the front line"},
		{"Lk5Jh2Gf9Ds", harvest.VideoUnplayable, "Join this channel to get access to members-only content like this video, and other exclusive perks.", "Members only: behind the scenes in the newsroom"},
		{"Ne0Wq3Rt7Yu", harvest.VideoLiveUpcoming, "This live event will begin in 3 days.", "Coming up: the summit press conference"},
		{"Bk9Zx7Cv5Np", harvest.VideoBlocked, "Sign in to confirm you’re not a bot", ""},
		{"Rr4Tt8Yy2Uu", harvest.VideoBlocked, "player: HTTP 429 Too Many Requests", ""},
	} {
		t.Run(tc.id, func(t *testing.T) {
			s := newSource(t, srv, nil) // a block benches the Source's only egress
			v := fetch(t, s, tc.id)
			if v.ID != tc.id || v.Status != tc.status || v.StatusReason != tc.reason {
				t.Errorf("Video(%s) = %s %q, want %s %q", tc.id, v.Status, v.StatusReason, tc.status, tc.reason)
			}
			if v.Title != tc.title {
				t.Errorf("Video(%s).Title = %q, want %q", tc.id, v.Title, tc.title)
			}
			if !v.FetchedAt.Equal(fixedNow()) {
				t.Errorf("Video(%s).FetchedAt = %v, want %v", tc.id, v.FetchedAt, fixedNow())
			}
		})
	}
}

func TestVideoLiveUpcomingMetadata(t *testing.T) {
	_, srv := fakeYouTube(t)
	s := newSource(t, srv, nil)
	v := fetch(t, s, "Ne0Wq3Rt7Yu")
	if v.Status != harvest.VideoLiveUpcoming || !v.IsUpcoming || v.IsLive {
		t.Errorf("status %s, IsUpcoming %v, IsLive %v; want live_upcoming, true, false", v.Status, v.IsUpcoming, v.IsLive)
	}
	if v.ChannelID != "UCexampleNewsChannel0001" || v.ChannelTitle != "Example News" || v.ChannelHandle != "@examplenews" {
		t.Errorf("channel %q %q %q; want the Example News channel", v.ChannelID, v.ChannelTitle, v.ChannelHandle)
	}
	if v.ThumbnailURL != "https://i.ytimg.com/vi/Ne0Wq3Rt7Yu/hqdefault.jpg" {
		t.Errorf("ThumbnailURL = %q", v.ThumbnailURL)
	}
}

// TestVideoRequests: one player request per video, whatever its status;
// the watch page only with WatchPage, and only for a playable video whose
// answer lacks the publish date.
func TestVideoRequests(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, nil)
	for _, id := range []string{"mB3nV7cX2zA", "uY8iO4pE6rT", "H7xQm2Lp9sA"} {
		fetch(t, s, id)
	}
	want := []string{"GET /", "POST /youtubei/v1/player", "POST /youtubei/v1/player", "POST /youtubei/v1/player"}
	if got := paths(yt); !slices.Equal(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}

	yt, srv = fakeYouTube(t)
	s = newSource(t, srv, func(o *youtube.Options) { o.WatchPage = true })
	page := fakeWatchPage(t, srv, "H7xQm2Lp9sA")
	yt.Reset()
	yt.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: withoutMicroformat(t, "H7xQm2Lp9sA")},
		Watch: &testserver.FakeResponse{Body: page}})
	for _, id := range []string{"H7xQm2Lp9sA", "Zp4-eYc1UoM", "mB3nV7cX2zA"} {
		v := fetch(t, s, id)
		if id == "H7xQm2Lp9sA" && !v.PublishedAt.Equal(time.Date(2026, 11, 20, 17, 30, 0, 0, time.UTC)) {
			t.Errorf("PublishedAt = %v, want the watch page's", v.PublishedAt)
		}
	}
	want = []string{"GET /", "POST /youtubei/v1/player", "GET /watch", "POST /youtubei/v1/player", "POST /youtubei/v1/player"}
	if got := paths(yt); !slices.Equal(got, want) {
		t.Errorf("with WatchPage: requests = %q, want %q", got, want)
	}
}

// fakeWatchPage is the fake's watch page for id as its files make it.
func fakeWatchPage(t testing.TB, srv *httptest.Server, id string) []byte {
	t.Helper()
	resp, err := http.Get(srv.URL + "/watch?v=" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// paths lists the method and path of each request the fake got.
func paths(yt *testserver.YouTube) []string {
	var out []string
	for _, r := range yt.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// withoutMicroformat is the fake's player answer for id without its
// microformat, as app clients answer: no publish date.
func withoutMicroformat(t testing.TB, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "player", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "microformat")
	out, _ := json.Marshal(m)
	return out
}

// Synthetic block pages, shaped like the recordings in ../shared/corpus.
const (
	captchaPage = `<!DOCTYPE html><html><head><title>YouTube</title></head><body><div id="captcha-page">
<p>Our systems have detected unusual traffic from your computer network.</p>
<form action="/das_captcha?fw=1" method="POST"><div class="g-recaptcha" data-sitekey="x"></div></form></div></body></html>`
	consentPage = `<!DOCTYPE html><html lang="de"><head><title>Bevor Sie zu YouTube weitergehen</title></head><body>
<form action="https://consent.youtube.com/s" method="POST" style="display:inline;"><input type="hidden" name="gl" value="DE">
<input type="hidden" name="v" value="cb.20210328-17-p0.de+FX+119"><button>Ich stimme zu</button></form></body></html>`
)

func TestVideoBlocked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer testserver.FakeAnswer
		home   *testserver.FakeResponse
		watch  bool                // with WatchPage, the player answer lacking the date
		status harvest.VideoStatus // blocked when empty
		reason string
	}{
		{
			name:   "captcha as player answer",
			answer: testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: []byte(captchaPage), Header: http.Header{"Content-Type": {"text/html"}}}},
			reason: "captcha page instead of the player answer",
		},
		{
			name:   "consent page as watch page",
			answer: testserver.FakeAnswer{Watch: &testserver.FakeResponse{Body: []byte(consentPage)}},
			watch:  true,
			reason: "consent page instead of the watch page",
		},
		{
			name:   "429 on the watch page",
			answer: testserver.FakeAnswer{Watch: &testserver.FakeResponse{Status: http.StatusTooManyRequests, Body: []byte(captchaPage)}},
			watch:  true,
			reason: "watch page: HTTP 429 Too Many Requests",
		},
		{
			name: "redirect to the consent page",
			answer: testserver.FakeAnswer{Watch: &testserver.FakeResponse{Status: http.StatusFound,
				Header: http.Header{"Location": {"https://consent.youtube.com/ml?continue=https://www.youtube.com/watch"}}}},
			watch:  true,
			reason: "watch page: redirected to the consent page",
		},
		{
			name:   "429 on the home page",
			home:   &testserver.FakeResponse{Status: http.StatusTooManyRequests, Body: []byte(captchaPage)},
			reason: "home page: HTTP 429 Too Many Requests",
		},
		{
			// A captcha home page counts only when no player answer came;
			// a 403 alone is no block.
			name:   "captcha home page, then 403",
			home:   &testserver.FakeResponse{Body: []byte(captchaPage)},
			answer: testserver.FakeAnswer{Player: &testserver.FakeResponse{Status: http.StatusForbidden}},
			status: harvest.VideoError,
			reason: "player: HTTP 403 Forbidden",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yt, srv := fakeYouTube(t)
			s := newSource(t, srv, func(o *youtube.Options) { o.WatchPage = tc.watch })
			if tc.watch {
				tc.answer.Player = &testserver.FakeResponse{Body: withoutMicroformat(t, "H7xQm2Lp9sA")}
			}
			yt.Set("H7xQm2Lp9sA", tc.answer)
			yt.SetHome(tc.home)
			v := fetch(t, s, "H7xQm2Lp9sA")
			want := harvest.VideoBlocked
			if tc.status != "" {
				want = tc.status
			}
			if v.Status != want || v.StatusReason != tc.reason {
				t.Errorf("Video = %s %q, want %s %q", v.Status, v.StatusReason, want, tc.reason)
			}
		})
	}
}

// TestVideoBotCheckIsNotAgeRestricted: kkdai reports the bot check as
// "can't bypass age restriction"; we must not.
func TestVideoBotCheckIsNotAgeRestricted(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, nil)
	v := fetch(t, s, "Bk9Zx7Cv5Np")
	if v.Status != harvest.VideoBlocked {
		t.Errorf("Video(Bk9Zx7Cv5Np).Status = %s, want blocked", v.Status)
	}
	// One request: no embedded retry, as kkdai makes for an age gate.
	want := []string{"Bk9Zx7Cv5Np VISIONOS"}
	if got := playerRequests(yt); !slices.Equal(got, want) {
		t.Errorf("player requests = %q, want %q", got, want)
	}
}

func TestVideoError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  testserver.FakeAnswer
		timeout time.Duration
		reason  string
	}{
		{
			name:   "500",
			answer: testserver.FakeAnswer{Player: &testserver.FakeResponse{Status: http.StatusInternalServerError, Body: []byte("oops")}},
			reason: "player: HTTP 500 Internal Server Error",
		},

		{
			name:   "malformed JSON",
			answer: testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: []byte(`{"playabilityStatus": {"status": "OK"`)}},
			reason: "malformed player answer: unexpected end of JSON input",
		},

		{
			name:    "hanging player",
			answer:  testserver.FakeAnswer{Player: &testserver.FakeResponse{Hang: true}},
			timeout: 200 * time.Millisecond,
			reason:  "player: timed out",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yt, srv := fakeYouTube(t)
			s := newSource(t, srv, func(o *youtube.Options) {
				if tc.timeout > 0 {
					o.Timeout = tc.timeout
				}
			})
			yt.Set("H7xQm2Lp9sA", tc.answer)
			v := fetch(t, s, "H7xQm2Lp9sA")
			if v.Status != harvest.VideoError || v.StatusReason != tc.reason {
				t.Errorf("Video = %s %q, want error %q", v.Status, v.StatusReason, tc.reason)
			}
		})
	}
}

func TestVideoHangingHome(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, func(o *youtube.Options) { o.Timeout = 200 * time.Millisecond })
	yt.SetHome(&testserver.FakeResponse{Hang: true})
	v := fetch(t, s, "H7xQm2Lp9sA")
	// kkdai's visitor-id request has no context: only our timeout ends it.
	if v.Status != harvest.VideoError || v.StatusReason != "home page: timed out" {
		t.Errorf("Video = %s %q, want error %q", v.Status, v.StatusReason, "home page: timed out")
	}
}

func TestVideoCancelled(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, nil)
	yt.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Player: &testserver.FakeResponse{Hang: true}})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	v, err := s.Video(ctx, "H7xQm2Lp9sA")
	if v != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Video = %+v, %v; want nil, context.DeadlineExceeded", v, err)
	}
	// The client went back to the pool: the Source still works.
	yt.Reset()
	if v := fetch(t, s, "H7xQm2Lp9sA"); v.Status != harvest.VideoOK {
		t.Errorf("after a cancelled call: Video = %s %q, want ok", v.Status, v.StatusReason)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if v, err := s.Video(ctx, "H7xQm2Lp9sA"); v != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Video(cancelled ctx) = %+v, %v; want nil, context.Canceled", v, err)
	}
}

func TestVideoInvalidID(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, nil)
	v := fetch(t, s, "https://www.youtube.com/watch?v=H7xQm2Lp9sA")
	if v.Status != harvest.VideoError {
		t.Errorf("Video(URL).Status = %s, want error", v.Status)
	}
	if n := len(yt.Requests()); n != 0 {
		t.Errorf("the fake got %d requests, want 0", n)
	}
}

// TestWatchPageFailure: the watch page only adds the publish date; when
// it fails (not a block), the video is what the player said.
func TestWatchPageFailure(t *testing.T) {
	for _, watch := range []*testserver.FakeResponse{
		{Status: http.StatusServiceUnavailable},
		{Body: []byte("<html><body>nothing here</body></html>")},
		{Hang: true},
	} {
		yt, srv := fakeYouTube(t)
		s := newSource(t, srv, func(o *youtube.Options) { o.WatchPage = true; o.Timeout = 200 * time.Millisecond })
		yt.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: withoutMicroformat(t, "H7xQm2Lp9sA")}, Watch: watch})
		v := fetch(t, s, "H7xQm2Lp9sA")
		if v.Status != harvest.VideoOK || v.Title == "" || !v.PublishedAt.IsZero() {
			t.Errorf("watch page %d %q: Video = %s %q %q %v, want ok without a date", watch.Status, watch.Body, v.Status, v.StatusReason, v.Title, v.PublishedAt)
		}
	}
}

// TestAgeGateOneRequest: an age-gated answer is age_restricted from the
// one player request; the next video is asked as the same client.
func TestAgeGateOneRequest(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, nil)
	if v := fetch(t, s, "uY8iO4pE6rT"); v.Status != harvest.VideoAgeRestricted {
		t.Fatalf("Video(uY8iO4pE6rT).Status = %s, want age_restricted", v.Status)
	}
	if v := fetch(t, s, "H7xQm2Lp9sA"); v.Status != harvest.VideoOK {
		t.Fatalf("Video(H7xQm2Lp9sA) = %s %q, want ok", v.Status, v.StatusReason)
	}
	want := []string{"uY8iO4pE6rT VISIONOS", "H7xQm2Lp9sA VISIONOS"}
	if got := playerRequests(yt); !slices.Equal(got, want) {
		t.Errorf("player requests = %q, want %q", got, want)
	}
}

// TestRewritePrefix serves the fake under /yt and points BaseURL there.
func TestRewritePrefix(t *testing.T) {
	yt := testserver.NewYouTube(testdataDir)
	mux := http.NewServeMux()
	mux.Handle("/yt/", http.StripPrefix("/yt", yt))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := newSource(t, srv, func(o *youtube.Options) { o.BaseURL = srv.URL + "/yt/" })
	if v := fetch(t, s, "H7xQm2Lp9sA"); v.Status != harvest.VideoOK {
		t.Errorf("Video = %s %q, want ok", v.Status, v.StatusReason)
	}
}

func TestConcurrentVideos(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, func(o *youtube.Options) { o.Concurrency = 4 })
	want := map[string]harvest.VideoStatus{
		"H7xQm2Lp9sA": harvest.VideoOK,
		"k3Rt_vB8nQw": harvest.VideoOK,
		"Zp4-eYc1UoM": harvest.VideoOK,
		"qW9xL2mN5bE": harvest.VideoOK,
		"T1gH6jKd0sF": harvest.VideoPrivate,
		"mB3nV7cX2zA": harvest.VideoRemoved,
		"uY8iO4pE6rT": harvest.VideoAgeRestricted,
		"Lk5Jh2Gf9Ds": harvest.VideoUnplayable,
		"Ne0Wq3Rt7Yu": harvest.VideoLiveUpcoming,
		"Xc1Vb4Nm8Qa": harvest.VideoRemoved,
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	const goroutines, perGoroutine = 12, 5 // 60 calls
	var wg sync.WaitGroup
	errs := make(chan string, goroutines*perGoroutine)
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				id := ids[(g*perGoroutine+i)%len(ids)]
				v, err := s.Video(context.Background(), id)
				switch {
				case err != nil:
					errs <- fmt.Sprintf("Video(%s): %v", id, err)
				case v.Status != want[id]:
					errs <- fmt.Sprintf("Video(%s) = %s %q, want %s", id, v.Status, v.StatusReason, want[id])
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Every request came from the first client: none was refused.
	for _, r := range yt.Requests() {
		if r.Path == "/youtubei/v1/player" && r.ClientName != "VISIONOS" {
			t.Errorf("%s fetched as %s", r.VideoID, r.ClientName)
		}
	}
}

func TestNewBadOptions(t *testing.T) {
	for _, o := range []youtube.Options{
		{BaseURL: "www.example.org"},
		{BaseURL: "ftp://example.org/"},
		{BaseURL: "http://%zz"},
		{Rate: -1},
	} {
		if _, err := youtube.New(o); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", o)
		}
	}
}

// TestVideoRedirectWithinYouTube: a redirect to another YouTube URL is
// followed (through the rewrite), and only the final answer counts.
func TestVideoRedirectWithinYouTube(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, func(o *youtube.Options) { o.WatchPage = true })
	yt.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: withoutMicroformat(t, "H7xQm2Lp9sA")}, Watch: &testserver.FakeResponse{Status: http.StatusFound,
		Header: http.Header{"Location": {"https://www.youtube.com/watch?v=Zp4-eYc1UoM"}}}})
	v := fetch(t, s, "H7xQm2Lp9sA")
	if v.Status != harvest.VideoOK || v.Title != "State visit: the arrival ceremony in full" {
		t.Errorf("Video = %s %q %q, want ok with the player's title", v.Status, v.StatusReason, v.Title)
	}
	var watch []string
	for _, r := range yt.Requests() {
		if r.Path == "/watch" {
			watch = append(watch, r.VideoID)
		}
	}
	if want := []string{"H7xQm2Lp9sA", "Zp4-eYc1UoM"}; !slices.Equal(watch, want) {
		t.Errorf("watch requests = %q, want %q", watch, want)
	}
}

// TestVideoRateLimited: a rate-limited Source still gets its answers.
// (The spacing itself is tested on a fake clock in limit_test.go.)
func TestVideoRateLimited(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, func(o *youtube.Options) { o.Rate = 200; o.Concurrency = 3 })
	var wg sync.WaitGroup
	for _, id := range []string{"H7xQm2Lp9sA", "k3Rt_vB8nQw", "Zp4-eYc1UoM", "T1gH6jKd0sF"} {
		wg.Go(func() {
			if v, err := s.Video(context.Background(), id); err != nil || !v.Status.Definitive() {
				t.Errorf("Video(%s) = %+v, %v", id, v, err)
			}
		})
	}
	wg.Wait()
	if n := len(yt.Requests()); n != 5 {
		t.Errorf("the fake got %d requests, want 5: a visitor id and a player request per video", n)
	}
}
