package youtube_test

import (
	"context"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
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
