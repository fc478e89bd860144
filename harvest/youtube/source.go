package youtube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/kkdai/youtube/v2"

	"github.com/harvestdev/ytharvest/harvest"
	// Strip an invalid LOGLEVEL before kkdai's package initialisation
	// panics on it.
	_ "github.com/harvestdev/ytharvest/internal/envguard"
)

// Defaults for Options.
const (
	DefaultConcurrency = 2
	DefaultTimeout     = 30 * time.Second
)

// Options configure a Source.
type Options struct {
	// BaseURL, when set, receives every request meant for youtube.com,
	// www.youtube.com, m.youtube.com or youtube-nocookie.com: a mirror, a
	// recording proxy, the demo and test fake. A path prefix is kept
	// (http://host/yt + /watch -> http://host/yt/watch). "" means
	// https://www.youtube.com itself.
	BaseURL string
	// Transport is the underlying transport; nil means a clone of
	// http.DefaultTransport (which honours HTTPS_PROXY).
	Transport http.RoundTripper
	// Concurrency is the number of kkdai Clients, and so the most videos
	// fetched at once (default 2).
	Concurrency int
	// Rate is the most YouTube HTTP requests per second across all
	// clients, with a little jitter; 0 means unlimited.
	Rate float64
	// Timeout bounds each HTTP request, not counting the wait for a rate
	// slot (default 30s). kkdai's visitor-id request carries no context,
	// so without it a stalled connection would hold a client for ever.
	Timeout time.Duration
	// UserAgent, when set, replaces the one kkdai sets per client.
	UserAgent string
	// Log receives one Debug line per video; nil discards.
	Log *slog.Logger
	// Now is the clock for Video.FetchedAt; nil means time.Now.
	Now func() time.Time
	// Captions says which caption tracks Transcripts fetches.
	Captions Choice
	// TranscriptFallback asks kkdai's get_transcript endpoint when no
	// caption track could be fetched (--transcript-fallback).
	TranscriptFallback bool
}

// Source fetches video metadata from YouTube with kkdai/youtube and
// classifies what YouTube answered. It implements harvest.VideoSource and
// is safe for concurrent use.
type Source struct {
	captions Choice
	fallback bool
	log      *slog.Logger
	now      func() time.Time
	timeout  time.Duration // http.Client.Timeout: the request timeout plus the longest rate wait
	chain    http.RoundTripper
	pool     chan *client
}

var _ harvest.VideoSource = (*Source)(nil)

// client is one kkdai Client and the recorder of its answers. A kkdai
// Client writes its own fields without a lock (visitor id, consent id,
// which innertube client it speaks as), so it is used by one goroutine at
// a time: it lives in Source.pool when idle.
type client struct {
	yt  *youtube.Client
	rec *recorder
}

// New returns a Source for o.
func New(o Options) (*Source, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Rate < 0 {
		return nil, fmt.Errorf("youtube rate %v: must not be negative", o.Rate)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var chain http.RoundTripper = o.Transport
	if chain == nil {
		chain = http.DefaultTransport.(*http.Transport).Clone()
	}
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("youtube base URL: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("youtube base URL %q: want http(s)://host[/prefix]", o.BaseURL)
		}
		chain = NewRewrite(u, chain)
	}
	chain = &deadlineTransport{timeout: o.Timeout, next: chain}
	// The client's own Timeout is a backstop over the whole exchange, the
	// wait for a rate slot included. It is longer than the per-request
	// deadline, which gives the clearer error.
	s := &Source{captions: o.Captions, fallback: o.TranscriptFallback, log: o.Log, now: o.Now,
		timeout: o.Timeout + o.Timeout/2, pool: make(chan *client, o.Concurrency)}
	if o.Rate > 0 {
		lim := newLimiter(o.Rate, time.Now)
		chain = &limitTransport{lim: lim, next: chain}
		s.timeout += lim.maxWait(o.Concurrency)
	}
	s.chain = chain
	for range o.Concurrency {
		s.pool <- s.newClient(o.UserAgent)
	}
	return s, nil
}

// newClient builds a kkdai Client: recorder -> limiter -> deadline ->
// rewrite -> transport.
func (s *Source) newClient(userAgent string) *client {
	rec := newRecorder(s.chain, userAgent)
	hc := &http.Client{
		Timeout:   s.timeout,
		Transport: rec,
		// Follow redirects within YouTube only: a redirect to
		// consent.youtube.com or google.com/sorry is a block, and must
		// reach Classify as the redirect it is.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if !isYouTubeHost(req.URL.Hostname()) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	return &client{yt: &youtube.Client{HTTPClient: hc}, rec: rec}
}

var videoID = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)

// Video fetches the metadata of the video with the given ID. Whatever
// YouTube answers comes back as a Video whose Status and StatusReason say
// what happened; the error is non-nil only when ctx ended first.
func (s *Source) Video(ctx context.Context, id string) (*harvest.Video, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !videoID.MatchString(id) {
		// kkdai's ExtractVideoID would pull some 11 characters out of
		// anything; harvest only hands us checked IDs.
		return &harvest.Video{ID: id, Status: harvest.VideoError,
			StatusReason: fmt.Sprintf("invalid video ID %q", id), FetchedAt: s.now().UTC()}, nil
	}
	c, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { s.release(c) }() // c may be replaced below
	c.rec.start()
	yv, err := c.yt.GetVideoContext(ctx, id)
	a := c.rec.answer(err)
	if switchedToEmbedded(a) {
		// After a LOGIN_REQUIRED answer kkdai makes the Client speak as
		// the embedded player for good; the next video deserves the
		// default client, so this Client is replaced.
		c = s.newClient(c.rec.userAgent)
	}
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	status, reason := Classify(a)
	v := &harvest.Video{ID: id, Status: status, StatusReason: reason, FetchedAt: s.now().UTC()}
	if err == nil {
		fromKkdai(v, yv)
	}
	fillFromAnswer(v, a)
	if status == harvest.VideoOK {
		v.CaptionTracks = captionTracks(a)
	}
	if status == harvest.VideoLiveUpcoming {
		v.IsUpcoming = true
	}
	s.log.Debug("youtube video", "video", id, "status", status, "reason", reason,
		"requests", len(a.Home)+len(a.Player)+len(a.Watch))
	return v, nil
}

// switchedToEmbedded reports whether kkdai switched a Client to the
// embedded player during the call: it sent a player request as
// WEB_EMBEDDED_PLAYER, or its first answer was a LOGIN_REQUIRED that
// kkdai takes for an age gate (it switches before asking again, so the
// second request may never have gone out).
func switchedToEmbedded(a Answer) bool {
	if len(a.Player) > 1 {
		return true // kkdai asks again only after switching
	}
	if len(a.Player) == 0 || a.Player[0].Status != http.StatusOK {
		return false
	}
	if a.Player[0].Client == youtube.EmbeddedClient.Name {
		return true
	}
	// kkdai's own test (video.go isVideoDownloadable): LOGIN_REQUIRED is an
	// age gate unless the reason starts "This video is private".
	p, err := parsePlayer(a.Player[0].Body)
	return err == nil && p.PlayabilityStatus.Status == "LOGIN_REQUIRED" &&
		!strings.HasPrefix(p.PlayabilityStatus.Reason, "This video is private")
}

// fromKkdai copies what kkdai parsed out of a successful fetch.
func fromKkdai(v *harvest.Video, yv *youtube.Video) {
	if yv == nil {
		return
	}
	v.Title = yv.Title
	v.Description = yv.Description
	v.ChannelTitle = yv.Author
	v.ChannelID = yv.ChannelID
	// kkdai gives the ownerProfileUrl path: "@handle", or "user/NAME" for
	// old channels, which is no handle.
	v.ChannelHandle = handleFromProfile("/" + yv.ChannelHandle)
	v.Duration = yv.Duration
	v.ViewCount = int64(yv.Views)
	v.PublishedAt = yv.PublishDate
	var best uint
	for _, t := range yv.Thumbnails {
		if t.Width*t.Height > best || v.ThumbnailURL == "" {
			best, v.ThumbnailURL = t.Width*t.Height, t.URL
		}
	}
}

// fillFromAnswer fills what kkdai left out, or everything when kkdai
// failed but YouTube still described the video (upcoming, age-gated,
// members-only): the player answers first, then the watch page.
func fillFromAnswer(v *harvest.Video, a Answer) {
	var sources []*playerResponse
	for _, ex := range a.Player {
		if ex.Status == http.StatusOK && !ex.Truncated {
			if p, err := parsePlayer(ex.Body); err == nil {
				sources = append(sources, p)
			}
		}
	}
	for _, ex := range a.Watch {
		if ex.Status == http.StatusOK {
			if p, _ := watchPlayer(ex.Body); p != nil {
				sources = append(sources, p)
			}
		}
	}
	for _, p := range sources {
		fill(v, p)
	}
}

// fill sets the fields of v that are still zero from one player answer.
func fill(v *harvest.Video, p *playerResponse) {
	if d := p.VideoDetails; d != nil {
		setString(&v.Title, d.Title)
		setString(&v.Description, d.ShortDescription)
		setString(&v.ChannelTitle, d.Author)
		setString(&v.ChannelID, d.ChannelID)
		if v.Duration == 0 {
			v.Duration = time.Duration(atoi64(d.LengthSeconds)) * time.Second
		}
		if v.ViewCount == 0 {
			v.ViewCount = atoi64(d.ViewCount)
		}
		if v.ThumbnailURL == "" {
			best := -1
			for _, t := range d.Thumbnail.Thumbnails {
				if t.Width*t.Height > best {
					best, v.ThumbnailURL = t.Width*t.Height, t.URL
				}
			}
		}
		if len(v.Keywords) == 0 && len(d.Keywords) > 0 {
			v.Keywords = append([]string(nil), d.Keywords...)
		}
		v.IsLive = v.IsLive || d.IsLive
		v.IsUpcoming = v.IsUpcoming || d.IsUpcoming
	}
	if m := p.Microformat.Renderer; m != nil {
		setString(&v.Title, m.Title.String())
		setString(&v.Description, m.Description.String())
		setString(&v.ChannelTitle, m.OwnerChannelName)
		setString(&v.ChannelID, m.ExternalChannelID)
		setString(&v.ChannelHandle, handleFromProfile(m.OwnerProfileURL))
		setString(&v.Category, m.Category)
		if v.Duration == 0 {
			v.Duration = time.Duration(atoi64(m.LengthSeconds)) * time.Second
		}
		if v.ViewCount == 0 {
			v.ViewCount = atoi64(m.ViewCount)
		}
		if v.PublishedAt.IsZero() {
			v.PublishedAt = parseDate(m.PublishDate)
		}
		if v.PublishedAt.IsZero() {
			v.PublishedAt = parseDate(m.UploadDate)
		}
		v.IsLive = v.IsLive || m.LiveBroadcast.IsLiveNow
	}
}

func setString(dst *string, s string) {
	if *dst == "" {
		*dst = s
	}
}

// acquire takes a client from the pool, waiting for one while ctx lasts.
// Callers hand it back with a deferred release, so that even a panic in
// kkdai does not shrink the pool.
func (s *Source) acquire(ctx context.Context) (*client, error) {
	select {
	case c := <-s.pool:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release hands c back to the pool.
func (s *Source) release(c *client) { s.pool <- c }
