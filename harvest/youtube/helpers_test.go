package youtube_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// testdataDir holds the synthetic player answers the fake serves.
const testdataDir = "../../testdata/youtube"

// fixedNow is the clock of every test Source.
func fixedNow() time.Time { return time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC) }

// onlyHost refuses every request that is not for host, so that nothing a
// test does can reach the internet.
type onlyHost struct {
	host string
	next http.RoundTripper
}

func (o onlyHost) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != o.host {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("test transport: refusing %s %s", req.Method, req.URL)
	}
	return o.next.RoundTrip(req)
}

// fakeYouTube starts the fake YouTube on loopback.
func fakeYouTube(t testing.TB) (*testserver.YouTube, *httptest.Server) {
	t.Helper()
	yt := testserver.NewYouTube(testdataDir)
	srv := httptest.NewServer(yt)
	t.Cleanup(srv.Close)
	return yt, srv
}

// newSource returns a Source that talks to srv only. edit may change the
// options before New.
func newSource(t testing.TB, srv *httptest.Server, edit func(*youtube.Options)) *youtube.Source {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	o := youtube.Options{
		BaseURL:   srv.URL,
		Transport: onlyHost{host: u.Host, next: srv.Client().Transport},
		Timeout:   10 * time.Second,
		Log:       slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:       fixedNow,
	}
	if edit != nil {
		edit(&o)
	}
	s, err := youtube.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// fetch calls s.Video and fails the test on an error.
func fetch(t testing.TB, s *youtube.Source, id string) *harvest.Video {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := s.Video(ctx, id)
	if err != nil {
		t.Fatalf("Video(%s): %v", id, err)
	}
	if v == nil {
		t.Fatalf("Video(%s) = nil, nil", id)
	}
	return v
}

// playerRequests lists (video, client) of the player requests the fake saw.
func playerRequests(yt *testserver.YouTube) []string {
	var out []string
	for _, r := range yt.Requests() {
		if r.Path == "/youtubei/v1/player" {
			out = append(out, r.VideoID+" "+r.ClientName)
		}
	}
	return out
}
