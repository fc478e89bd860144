package youtube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	// kkdai reads LOGLEVEL in a package variable's initialiser
	// (youtube.Logger) and panics on a value that is not a level name, so
	// nothing in main can run first. envguard's initialiser strips such a
	// value before kkdai's runs: Go initialises ready packages in the order
	// of their import paths, and github.com/harvestdev sorts before
	// github.com/kkdai (TestBadLOGLEVEL holds it). Imported here, beside
	// the only user of kkdai, so that every program using this package
	// gets the guard.
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
	// http.DefaultTransport (which honours HTTPS_PROXY). Each proxy's
	// transport is a clone of it (when it is an *http.Transport).
	Transport http.RoundTripper
	// Proxies are proxy URLs (http://, https://, socks5://, with
	// user:pass@ when needed), each one egress: a way out to YouTube with
	// its own rate limit, visitor id and bench. None means one egress,
	// Transport ("direct", or HTTPS_PROXY).
	Proxies []string
	// Cookies, when set, go with every request to YouTube's hosts.
	Cookies *Cookies
	// Clients are the identities to speak as, in order: the first until
	// YouTube refuses it, then the next. Nil means DefaultClients.
	Clients []Identity
	// WatchPage fetches the watch page when an OK player answer lacks the
	// publish date (app clients' answers do): one more request per video.
	WatchPage bool
	// Store remembers benched egresses and the Data API quota between
	// runs; nil remembers nothing.
	Store Store
	// API configures the YouTube Data API v3; a zero value leaves it off.
	API APIOptions
	// Concurrency is the number of kkdai clients per egress for playlists
	// and get_transcript (default 2). Videos are fetched on as many
	// goroutines as the caller uses.
	Concurrency int
	// Rate is the most YouTube HTTP requests per second through each
	// egress, with a little jitter; 0 means unlimited.
	Rate float64
	// Timeout bounds each HTTP request, not counting the wait for a rate
	// slot (default 30s).
	Timeout time.Duration
	// Log receives one Debug line per video and a Warn per block or
	// refused client; nil discards.
	Log *slog.Logger
	// Now is the clock for Video.FetchedAt and the benches; nil means
	// time.Now.
	Now func() time.Time
	// Captions says which caption tracks Transcripts fetches.
	Captions Choice
	// TranscriptFallback asks kkdai's get_transcript endpoint when no
	// caption track could be fetched (--transcript-fallback).
	TranscriptFallback bool
}

// Source fetches video metadata from YouTube, over a pool of egresses
// and a list of client identities, and classifies what YouTube answered.
// It implements harvest.VideoSource (with harvest.VideoBatcher and
// harvest.BlockTolerant) and is safe for concurrent use.
type Source struct {
	captions  Choice
	fallback  bool
	watchPage bool
	log       *slog.Logger
	now       func() time.Time
	consent   string // the CONSENT cookie's value
	pool      *pool
	clients   *clients
	store     Store
	oembed    *oembedBreaker
	api       *dataAPI // nil without a key

	mu      sync.Mutex
	fetched map[string]prefetched // Data API answers waiting for their Video call
}

var (
	_ harvest.VideoSource   = (*Source)(nil)
	_ harvest.VideoBatcher  = (*Source)(nil)
	_ harvest.BlockTolerant = (*Source)(nil)
)

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
	if o.Clients == nil {
		var err error
		if o.Clients, err = ChooseClients("", nil); err != nil {
			return nil, err
		}
	}
	base := o.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	var rewrite *url.URL
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("youtube base URL: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("youtube base URL %q: want http(s)://host[/prefix]", o.BaseURL)
		}
		rewrite = u
	}
	proxies, err := parseProxies(o.Proxies)
	if err != nil {
		return nil, err
	}
	s := &Source{
		captions: o.Captions, fallback: o.TranscriptFallback, watchPage: o.WatchPage,
		log: o.Log, now: o.Now, store: o.Store,
		consent: "YES+cb.20210328-17-p0.en+FX+" + strconv.Itoa(100+rand.IntN(899)),
		clients: &clients{order: o.Clients, retired: make(map[string]bool)},
		oembed:  &oembedBreaker{},
		fetched: make(map[string]prefetched),
	}
	s.pool = &pool{store: o.Store, now: o.Now}
	add := func(label string, t http.RoundTripper) {
		s.pool.all = append(s.pool.all, s.newEgress(label, t, rewrite, o))
	}
	if len(proxies) == 0 {
		add(envProxyLabel(), base)
	}
	for _, p := range proxies {
		t, err := proxyTransport(p, base)
		if err != nil {
			return nil, err
		}
		add(p.Label, t)
	}
	if o.API.Key != "" {
		if s.api, err = newDataAPI(o.API, o.Store, o.Now); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// newEgress builds an egress's chain: cookies -> count -> rate limit ->
// per-request deadline -> rewrite -> transport (direct or a proxy).
func (s *Source) newEgress(label string, t http.RoundTripper, rewrite *url.URL, o Options) *egress {
	e := &egress{label: label, kk: make(chan *client, o.Concurrency)}
	chain := t
	if rewrite != nil {
		chain = NewRewrite(rewrite, chain)
	}
	chain = &deadlineTransport{timeout: o.Timeout, next: chain}
	// The client's own Timeout is a backstop over the whole exchange, the
	// wait for a rate slot included; the per-request deadline, shorter,
	// gives the clearer error.
	timeout := o.Timeout + o.Timeout/2
	if o.Rate > 0 {
		e.lim = newLimiter(o.Rate, time.Now)
		chain = &limitTransport{lim: e.lim, next: chain}
		timeout += e.lim.maxWait(o.Concurrency + 2)
	}
	chain = &countTransport{e: e, next: chain}
	if o.Cookies != nil {
		chain = &cookieTransport{cookies: o.Cookies, next: chain, now: o.Now}
	}
	e.hc = &http.Client{
		Timeout:   timeout,
		Transport: chain,
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
	for range o.Concurrency {
		e.kk <- s.newClient(e)
	}
	return e
}

// Egresses lists the labels of the Source's egresses, in order.
func (s *Source) Egresses() []string {
	out := make([]string, len(s.pool.all))
	for i, e := range s.pool.all {
		out[i] = e.label
	}
	return out
}

// Clients lists the identities the Source speaks as, in order.
func (s *Source) Clients() []Identity { return append([]Identity(nil), s.clients.order...) }

// Flush saves the egresses' request counts to the store. Benches are
// saved as they happen; call Flush when the run ends.
func (s *Source) Flush(ctx context.Context) error { return s.pool.flush(ctx) }

// HasFallback implements harvest.BlockTolerant: while YouTube blocks the
// player on every egress, oEmbed (until its own breaker trips) and the
// Data API (while it has quota) still say what the videos are.
func (s *Source) HasFallback() bool {
	return s.oembed.usable() || s.api.usable()
}

var videoID = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)

// Video fetches the metadata of the video with the given ID. Whatever
// YouTube answers comes back as a Video whose Status and StatusReason say
// what happened; the error is non-nil only when ctx ended first, or when
// YouTube refused every client identity (harvest.ErrNoClient).
//
// A video the Data API described (Prefetch) costs no request unless its
// transcript is wanted (the caption tracks come from the player) or the
// API did not return it (then one player request says whether it is
// private or removed). A block on one egress benches it and the video is
// asked for through the next; only when every egress is benched is the
// answer blocked, with what oEmbed says of a video never described.
func (s *Source) Video(ctx context.Context, id string) (*harvest.Video, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !videoID.MatchString(id) {
		// Callers hand us checked IDs; this guards the request.
		return &harvest.Video{ID: id, Status: harvest.VideoError,
			StatusReason: fmt.Sprintf("invalid video ID %q", id), FetchedAt: s.now().UTC()}, nil
	}
	if err := s.pool.load(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("could not read the egresses' benches; every egress is taken as up", "error", err)
	}
	pre, ok := s.takePrefetched(id)
	if ok && pre.video != nil && (pre.video.Status != harvest.VideoOK || !pre.needTranscript) {
		return pre.video, nil
	}
	v, err := s.playerVideo(ctx, id)
	if ok && pre.video != nil {
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		return mergeAPI(pre.video, v), nil
	}
	return v, err
}

// playerVideo asks the player about id, through the egresses that are up
// and the identities YouTube has not refused.
func (s *Source) playerVideo(ctx context.Context, id string) (*harvest.Video, error) {
	lastBlock := ""
	for range len(s.pool.all) * (len(s.clients.order) + 2) {
		e := s.pool.pick(false)
		if e == nil {
			break
		}
		ident, ok := s.clients.current()
		if !ok {
			return nil, s.errNoClient()
		}
		a := s.askPlayer(ctx, e, ident, id)
		if a.Err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if why, refused := Refusal(a); refused {
			s.refuse(ident, why)
			continue
		}
		status, reason := Classify(a)
		if status == harvest.VideoBlocked {
			lastBlock = reason
			s.benchEgress(ctx, e, reason)
			continue
		}
		s.pool.ok(ctx, e)
		if status == harvest.VideoError && e.label != "direct" {
			reason += " (through " + e.label + ")"
		}
		v := &harvest.Video{ID: id, Status: status, StatusReason: reason, FetchedAt: s.now().UTC(),
			MetadataSource: harvest.MetadataPlayer}
		fillFromAnswer(v, a)
		switch status {
		case harvest.VideoOK:
			v.CaptionTracks = captionTracks(a)
		case harvest.VideoLiveUpcoming:
			v.IsUpcoming = true
		}
		s.log.Debug("youtube video", "video", id, "status", status, "reason", reason, "egress", e.label,
			"client", ident.String(), "requests", len(a.Home)+len(a.Player)+len(a.Watch))
		return v, nil
	}
	if _, ok := s.clients.current(); !ok {
		return nil, s.errNoClient()
	}
	return s.whileBlocked(ctx, id, lastBlock), nil
}

// refuse retires an identity YouTube refused, with one warning.
func (s *Source) refuse(id Identity, why string) {
	first, next, ok := s.clients.retire(id, why)
	if !first {
		return
	}
	if ok {
		s.log.Warn("YouTube refused this client identity; using the next for the rest of the run",
			"client", id.String(), "reason", why, "next", next.String())
		return
	}
	s.log.Warn("YouTube refused this client identity, the last in --youtube-client", "client", id.String(), "reason", why)
}

// benchEgress benches e after a block and says so.
func (s *Source) benchEgress(ctx context.Context, e *egress, reason string) {
	until := s.pool.bench(ctx, e, reason)
	s.log.Warn("YouTube blocked an egress; it rests, the others carry on", "egress", e.label,
		"reason", reason, "benched_until", until.UTC().Format(time.RFC3339), "egresses_up", s.pool.up())
}

// whileBlocked is the answer when every egress is benched: blocked when
// this video's own request met the last block, else pending (the player
// was not asked: its status stays what it was), with what oEmbed says of
// a video that has no metadata yet (oEmbed never decides a status: the
// video stays due for a full fetch).
func (s *Source) whileBlocked(ctx context.Context, id, lastBlock string) *harvest.Video {
	v := &harvest.Video{ID: id, Status: harvest.VideoBlocked, StatusReason: lastBlock, FetchedAt: s.now().UTC()}
	if lastBlock == "" {
		v.Status, v.StatusReason = harvest.VideoPending, "not asked: "+s.benchSummary()
	}
	if !s.oembed.usable() {
		return v
	}
	if s.store != nil {
		if known, err := s.store.HasMetadata(ctx, id); err != nil || known {
			return v
		}
	}
	if o := s.askOEmbed(ctx, id); o != nil {
		v.Title, v.ChannelTitle, v.ChannelHandle, v.ChannelID, v.ThumbnailURL = o.Title, o.ChannelTitle, o.ChannelHandle, o.ChannelID, o.ThumbnailURL
		v.MetadataSource = harvest.MetadataOEmbed
	}
	return v
}

// benchSummary says until when each egress rests.
func (s *Source) benchSummary() string {
	var parts []string
	for _, e := range s.pool.all {
		e.mu.Lock()
		p := e.label + " until " + e.benchedUntil.UTC().Format("2006-01-02 15:04Z")
		if e.lastBlock != "" {
			p += " (" + e.lastBlock + ")"
		}
		e.mu.Unlock()
		parts = append(parts, p)
	}
	return "every egress is benched: " + strings.Join(parts, "; ")
}

// setString sets *dst to s when *dst is empty.
func setString(dst *string, s string) {
	if *dst == "" {
		*dst = s
	}
}
