package youtube

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/harvestdev/ytharvest/harvest"
)

// oEmbed (https://www.youtube.com/oembed?url=…&format=json) says a
// video's title, channel name and URL, and thumbnail, in one small
// request that YouTube rarely blocks. It is asked only while the player is
// blocked on every egress, for videos that have no metadata yet, so that
// a blocked run still records what the videos are. It never decides a
// status: its 401, 403 and 404 mean private, embedding disabled or
// removed without saying which, so such a video stays blocked, and due
// for a full fetch.

// oembedBreaker stops oEmbed requests for the run once oEmbed blocks us
// too (its own breaker: the player's benches do not stop it).
type oembedBreaker struct {
	mu      sync.Mutex
	tripped string // why, once tripped
}

// usable reports whether oEmbed may still be asked.
func (b *oembedBreaker) usable() bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tripped == ""
}

// trip stops oEmbed for the run and reports whether it was the first trip.
func (b *oembedBreaker) trip(why string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tripped != "" {
		return false
	}
	b.tripped = why
	return true
}

// oembed is what an oEmbed answer says of a video.
type oembed struct {
	Title, ChannelTitle, ChannelHandle, ChannelID, ThumbnailURL string
}

// oembedURL is the oEmbed request for video id.
func oembedURL(id string) string {
	return ytBase + "/oembed?url=" + url.QueryEscape("https://www.youtube.com/watch?v="+id) + "&format=json"
}

// askOEmbed asks oEmbed about id through any egress (benched or not:
// their benches are the player's), or returns nil when it says nothing.
func (s *Source) askOEmbed(ctx context.Context, id string) *oembed {
	e := s.pool.pick(true)
	if e == nil {
		return nil
	}
	req, err := http.NewRequest(http.MethodGet, oembedURL(id), nil)
	if err != nil {
		return nil
	}
	req.Header.Set("User-Agent", webUserAgent())
	ex := ask(ctx, e, req)
	o, block := parseOEmbed(ex)
	if block != "" && s.oembed.trip(block) {
		s.log.Warn("oEmbed blocked us too; no more oEmbed requests this run", "egress", e.label, "reason", block)
	}
	s.log.Debug("oembed", "video", id, "status", ex.Status, "found", o != nil)
	return o
}

// parseOEmbed reads an oEmbed answer: what it says of the video, or why
// it is a block (a 429, a captcha or consent page, a redirect to one).
func parseOEmbed(ex Exchange) (*oembed, string) {
	switch {
	case ex.Err != nil:
		return nil, ""
	case ex.Status == http.StatusTooManyRequests:
		return nil, "oEmbed: " + harvest.HTTPStatusText(ex.Status)
	case isRedirect(ex.Status):
		if r := blockRedirect(ex.Location); r != "" {
			return nil, "oEmbed: " + r
		}
		return nil, ""
	case ex.Status != http.StatusOK:
		// 401, 403, 404: private, not embeddable, or removed: not said
		// which, so nothing is recorded.
		return nil, ""
	}
	var a struct {
		Title        string `json:"title"`
		AuthorName   string `json:"author_name"`
		AuthorURL    string `json:"author_url"`
		Type         string `json:"type"`
		ThumbnailURL string `json:"thumbnail_url"`
	}
	if err := json.Unmarshal(ex.Body, &a); err != nil {
		if r := blockPage(ex.Body); r != "" {
			return nil, "oEmbed: " + r
		}
		return nil, ""
	}
	if a.Title == "" || a.Type != "" && a.Type != "video" {
		return nil, ""
	}
	o := &oembed{Title: a.Title, ChannelTitle: a.AuthorName, ThumbnailURL: a.ThumbnailURL,
		ChannelHandle: handleFromProfile(a.AuthorURL)}
	if _, after, ok := strings.Cut(a.AuthorURL, "/channel/"); ok {
		if ch, _, _ := strings.Cut(after, "/"); strings.HasPrefix(ch, "UC") {
			o.ChannelID = ch
		}
	}
	return o, ""
}
