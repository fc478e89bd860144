package youtube_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

func TestPlaylist(t *testing.T) {
	yt, srv := fakeYouTube(t)
	s := newSource(t, srv, nil)
	ctx := context.Background()

	p, err := s.Playlist(ctx, "PLexampleNewsStateVisit01", 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != harvest.VideoOK || p.Title != "State visit 2026" || p.Author != "Example News" ||
		strings.Join(p.VideoIDs, ",") != "H7xQm2Lp9sA,Zp4-eYc1UoM,k3Rt_vB8nQw" || p.Truncated {
		t.Errorf("Playlist = %+v", p)
	}

	// At most max videos: the second page is never asked for.
	yt.Reset()
	p, _ = s.Playlist(ctx, "PLexampleNewsStateVisit01", 2)
	if p.Status != harvest.VideoOK || len(p.VideoIDs) != 2 || !p.Truncated {
		t.Errorf("Playlist(max 2) = %+v", p)
	}
	browses := 0
	for _, r := range yt.Requests() {
		if r.Path == "/youtubei/v1/browse" {
			browses++
		}
	}
	if browses != 1 {
		t.Errorf("%d browse requests for 2 videos, want 1", browses)
	}

	if p, _ := s.Playlist(ctx, "PLdoesNotExist0000000000", 0); p.Status != harvest.VideoRemoved || p.StatusReason != "The playlist does not exist." {
		t.Errorf("unknown playlist = %+v", p)
	}
	yt.Set("PLexampleNewsStateVisit01", testserver.FakeAnswer{Player: &testserver.FakeResponse{Status: 429, Body: []byte("slow down")}})
	if p, _ := s.Playlist(ctx, "PLexampleNewsStateVisit01", 0); p.Status != harvest.VideoBlocked {
		t.Errorf("429 = %+v, want blocked", p)
	}
	yt.Set("PLexampleNewsStateVisit01", testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: []byte(`<html><div class="g-recaptcha"></div></html>`)}})
	if p, _ := s.Playlist(ctx, "PLexampleNewsStateVisit01", 0); p.Status != harvest.VideoBlocked {
		t.Errorf("captcha = %+v, want blocked", p)
	}
}

// kkdai fails with "no formats found" when the answer has no streaming
// data, but the answer still describes the video: keep that.
func TestVideoNoFormatsKeepsMetadata(t *testing.T) {
	yt, srv := fakeYouTube(t)
	body := []byte(`{"playabilityStatus":{"status":"OK","playableInEmbed":true},` +
		`"videoDetails":{"videoId":"H7xQm2Lp9sA","title":"No formats here","lengthSeconds":"61","channelId":"UCexampleNewsChannel0001","author":"Example News","viewCount":"7"}}`)
	yt.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: body}})
	v := fetch(t, newSource(t, srv, nil), "H7xQm2Lp9sA")
	if v.Status != harvest.VideoOK || v.Title != "No formats here" || v.Duration.Seconds() != 61 || v.ViewCount != 7 || v.ChannelTitle != "Example News" {
		t.Errorf("video = %+v", v)
	}
}

// kkdai builds a playlist's browse requests with its own client identity
// (ANDROID_VR 1.65.10, X-Youtube-Client-Name 3); our transport swaps in
// the Source's current one, overrides included: the body's
// context.client, the User-Agent and the X-Youtube-Client-* headers, as
// they leave for YouTube, on the first page and the next.
func TestPlaylistBrowseIdentity(t *testing.T) {
	_, srv := fakeYouTube(t)
	const ua = "com.google.ios.youtube/19.99.9 (iPhone16,2; U; CPU iOS 18_1_0 like Mac OS X;)"
	var overrides []youtube.ClientOverride
	for _, o := range []string{"ios.version=19.99.9", "ios.user-agent=" + ua} {
		co, err := youtube.ParseClientOverride(o)
		if err != nil {
			t.Fatal(err)
		}
		overrides = append(overrides, co)
	}
	clients, err := youtube.ChooseClients("ios,android", overrides)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		browses []*http.Request
		bodies  [][]byte
	)
	s := newSource(t, srv, func(o *youtube.Options) {
		o.Clients = clients
		next := o.Transport
		o.Transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if req.URL.Path == "/youtubei/v1/browse" {
				data, err := io.ReadAll(req.Body)
				req.Body.Close()
				if err != nil {
					return nil, err
				}
				mu.Lock()
				browses, bodies = append(browses, req), append(bodies, data)
				mu.Unlock()
				req = req.Clone(req.Context())
				req.Body = io.NopCloser(bytes.NewReader(data))
			}
			return next.RoundTrip(req)
		})
	})
	p, err := s.Playlist(context.Background(), "PLexampleNewsStateVisit01", 0)
	if err != nil || p.Status != harvest.VideoOK || len(p.VideoIDs) != 3 {
		t.Fatalf("Playlist = %+v, %v", p, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(browses) != 2 {
		t.Fatalf("%d browse requests, want 2 (the first page and its continuation)", len(browses))
	}
	for i, req := range browses {
		var body struct {
			BrowseID     string         `json:"browseId"`
			Continuation string         `json:"continuation"`
			Context      map[string]any `json:"context"`
		}
		if err := json.Unmarshal(bodies[i], &body); err != nil {
			t.Fatalf("browse %d: body %v: %s", i+1, err, bodies[i])
		}
		c, _ := body.Context["client"].(map[string]any)
		got := fmt.Sprintf("clientName=%v clientVersion=%v osName=%v deviceModel=%v userAgent=%v | User-Agent=%s X-Youtube-Client-Name=%s X-Youtube-Client-Version=%s",
			c["clientName"], c["clientVersion"], c["osName"], c["deviceModel"], c["userAgent"],
			req.Header.Get("User-Agent"), req.Header.Get("X-Youtube-Client-Name"), req.Header.Get("X-Youtube-Client-Version"))
		want := "clientName=IOS clientVersion=19.99.9 osName=iPhone deviceModel=iPhone16,2 userAgent=" + ua +
			" | User-Agent=" + ua + " X-Youtube-Client-Name=5 X-Youtube-Client-Version=19.99.9"
		if got != want {
			t.Errorf("browse %d as\n%s\nwant\n%s", i+1, got, want)
		}
		// The rest of kkdai's request is kept.
		if i == 0 && body.BrowseID != "VLPLexampleNewsStateVisit01" || i == 1 && body.Continuation == "" {
			t.Errorf("browse %d: browseId %q, continuation %q", i+1, body.BrowseID, body.Continuation)
		}
	}
}

// roundTripFunc is a func as an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
