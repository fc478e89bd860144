package youtube

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// The YouTube Data API v3 describes up to 50 videos in one videos.list
// request, for one quota unit, from a key rather than an address YouTube
// may block. ytharvest speaks to it with a client of its own (this file):
// the official google.golang.org/api/youtube/v3 would add 7.8 MB and 231
// packages to ytharvest for one GET and one JSON shape (docs/PERFORMANCE.md
// has the measurements).

// Data API defaults.
const (
	DefaultAPIURL   = "https://www.googleapis.com"
	DefaultAPIQuota = 10000 // units a day: what a new key gets
	apiBatch        = 50    // ids per videos.list request, the API's maximum
	apiCost         = 1     // units per videos.list request, whatever its parts
)

// APIOptions configure the Data API.
type APIOptions struct {
	Key   string // the API key; "" leaves the API off
	URL   string // base URL of the API (a mirror, a test fake); "" is DefaultAPIURL
	Quota int    // units to spend per Pacific-time day; 0 is DefaultAPIQuota
}

// dataAPI is a Source's Data API client and quota.
type dataAPI struct {
	key   string
	base  string
	quota int
	store Store
	now   func() time.Time

	mu    sync.Mutex
	off   string         // why the API is off for the rest of the run
	spent map[string]int // units per day, without a store
	full  string         // the day whose quota is spent
}

func newDataAPI(o APIOptions, store Store, now func() time.Time) (*dataAPI, error) {
	if o.URL == "" {
		o.URL = DefaultAPIURL
	}
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("youtube API URL %q: want http(s)://host[/prefix]", o.URL)
	}
	if o.Quota <= 0 {
		o.Quota = DefaultAPIQuota
	}
	if strings.ContainsAny(o.Key, " \t\r\n&#?/") {
		return nil, fmt.Errorf("youtube API key: not a key (it has spaces or URL characters)")
	}
	return &dataAPI{key: o.Key, base: strings.TrimSuffix(o.URL, "/"), quota: o.Quota, store: store, now: now,
		spent: make(map[string]int)}, nil
}

// usable reports whether the API may be asked now.
func (a *dataAPI) usable() bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.off == "" && a.full != pacificDay(a.now())
}

// spend takes one request's units from today's quota and reports whether
// there were enough.
func (a *dataAPI) spend(ctx context.Context) (bool, error) {
	day := pacificDay(a.now())
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.store != nil {
		used, err := a.store.SpendQuota(ctx, day, 0)
		if err != nil {
			return false, err
		}
		if used+apiCost > a.quota {
			a.full = day
			return false, nil
		}
		if _, err := a.store.SpendQuota(ctx, day, apiCost); err != nil {
			return false, err
		}
	} else {
		if a.spent[day]+apiCost > a.quota {
			a.full = day
			return false, nil
		}
		a.spent[day] += apiCost
	}
	return true, nil
}

// QuotaLeft says how many Data API units are left today (Pacific time),
// and the day; ok is false without an API key.
func (s *Source) QuotaLeft(ctx context.Context) (left int, day string, ok bool, err error) {
	a := s.api
	if a == nil {
		return 0, "", false, nil
	}
	day = pacificDay(a.now())
	used := 0
	if a.store != nil {
		if used, err = a.store.SpendQuota(ctx, day, 0); err != nil {
			return 0, day, true, err
		}
	} else {
		a.mu.Lock()
		used = a.spent[day]
		a.mu.Unlock()
	}
	return max(a.quota-used, 0), day, true, nil
}

// prefetched is what the Data API said of one claimed video: nil when the
// API did not return it (private or removed: one player request decides).
type prefetched struct {
	video          *harvest.Video
	needTranscript bool
}

// BatchSize implements harvest.VideoBatcher: 50 with an API key, else 0.
func (s *Source) BatchSize() int {
	if s.api == nil {
		return 0
	}
	return apiBatch
}

// Prefetch implements harvest.VideoBatcher: it asks the Data API about
// the claimed videos, 50 a request, while today's quota lasts. What it
// learns waits for each video's Video call.
func (s *Source) Prefetch(ctx context.Context, claims []harvest.VideoClaim) {
	var ids []string
	need := make(map[string]bool)
	for _, c := range claims {
		if videoID.MatchString(c.ID) {
			ids = append(ids, c.ID)
			need[c.ID] = c.NeedTranscript
		}
	}
	for len(ids) > 0 && s.api.usable() && ctx.Err() == nil {
		n := min(len(ids), apiBatch)
		batch := ids[:n]
		ids = ids[n:]
		videos, err := s.listVideos(ctx, batch)
		if err != nil {
			s.log.Debug("youtube data API", "videos", len(batch), "error", err)
			continue
		}
		s.mu.Lock()
		for _, id := range batch {
			s.fetched[id] = prefetched{video: videos[id], needTranscript: need[id]}
		}
		s.mu.Unlock()
	}
}

// takePrefetched returns (and forgets) what Prefetch learnt of id.
func (s *Source) takePrefetched(id string) (prefetched, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.fetched[id]
	delete(s.fetched, id)
	return p, ok
}

// listVideos asks videos.list about ids (at most 50) and returns the
// videos it described, by ID. An error means no answer: the quota ran
// out, the key was refused (the API is then off for the run; both are
// logged once), or the request failed.
func (s *Source) listVideos(ctx context.Context, ids []string) (map[string]*harvest.Video, error) {
	a := s.api
	ok, err := a.spend(ctx)
	if err != nil {
		return nil, fmt.Errorf("data API quota: %w", err)
	}
	if !ok {
		s.log.Warn("the YouTube Data API quota for today is spent; the player answers instead",
			"quota", a.quota, "day", pacificDay(a.now()))
		return nil, fmt.Errorf("quota spent")
	}
	e := s.pool.pick(true)
	q := url.Values{
		"part": {"snippet,contentDetails,statistics,status,liveStreamingDetails"},
		"id":   {strings.Join(ids, ",")}, "maxResults": {strconv.Itoa(apiBatch)}, "key": {a.key},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/youtube/v3/videos?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	ex := ask(ctx, e, req)
	if ex.Err != nil {
		// describe keeps the error without its URL, which holds the key.
		return nil, fmt.Errorf("data API: %s", describe(ex.Err))
	}
	if ex.Status != http.StatusOK {
		reason, msg := apiError(ex.Body)
		switch {
		case reason == "quotaExceeded" || reason == "dailyLimitExceeded" || reason == "rateLimitExceeded" && ex.Status == http.StatusForbidden:
			a.mu.Lock()
			a.full = pacificDay(a.now())
			a.mu.Unlock()
			if a.store != nil {
				// The API says the day is spent: so remember it.
				used, _ := a.store.SpendQuota(ctx, a.full, 0)
				if used < a.quota {
					a.store.SpendQuota(ctx, a.full, a.quota-used)
				}
			}
			s.log.Warn("the YouTube Data API says today's quota is spent; the player answers instead", "reason", reason)
		case ex.Status == http.StatusBadRequest || ex.Status == http.StatusForbidden || ex.Status == http.StatusUnauthorized:
			a.mu.Lock()
			first := a.off == ""
			a.off = fmt.Sprintf("HTTP %d %s: %s", ex.Status, reason, msg)
			a.mu.Unlock()
			if first {
				s.log.Warn("the YouTube Data API refused the key; it is not asked again this run", "status", ex.Status,
					"reason", reason, "message", msg)
			}
		}
		return nil, fmt.Errorf("data API: %s %s %s", harvest.HTTPStatusText(ex.Status), reason, msg)
	}
	var list struct {
		Items []apiItem `json:"items"`
	}
	if err := json.Unmarshal(ex.Body, &list); err != nil {
		return nil, fmt.Errorf("data API: malformed answer: %s", shorten(err.Error()))
	}
	out := make(map[string]*harvest.Video)
	for _, it := range list.Items {
		if videoID.MatchString(it.ID) {
			out[it.ID] = it.video(s.now().UTC())
		}
	}
	s.log.Debug("youtube data API", "asked", len(ids), "described", len(out), "egress", e.label)
	return out, nil
}

// apiError reads the reason and message of a Data API error answer.
func apiError(body []byte) (reason, message string) {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", shorten(strings.TrimSpace(string(body)))
	}
	for _, d := range e.Error.Details {
		if d.Reason != "" {
			reason = d.Reason
		}
	}
	if len(e.Error.Errors) > 0 && e.Error.Errors[0].Reason != "" && e.Error.Errors[0].Reason != "badRequest" {
		reason = e.Error.Errors[0].Reason
	}
	return reason, shorten(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(e.Error.Message, ""))
}

// mergeAPI combines what the Data API said of a video (api) with the
// player's answer (pv, nil when there was none), asked for its caption
// tracks: a definitive player answer decides the status (the API cannot
// tell members-only from playable) and gives the tracks; the API's
// metadata stays, the player fills what it lacks.
func mergeAPI(api, pv *harvest.Video) *harvest.Video {
	out := *api
	if pv == nil || !pv.Status.Definitive() {
		return &out
	}
	out.Status, out.StatusReason = pv.Status, pv.StatusReason
	out.CaptionTracks, out.CaptionTracksUnknown = pv.CaptionTracks, false
	setString(&out.Title, pv.Title)
	setString(&out.Description, pv.Description)
	setString(&out.ChannelID, pv.ChannelID)
	setString(&out.ChannelTitle, pv.ChannelTitle)
	setString(&out.ChannelHandle, pv.ChannelHandle)
	setString(&out.Category, pv.Category)
	setString(&out.ThumbnailURL, pv.ThumbnailURL)
	if out.PublishedAt.IsZero() {
		out.PublishedAt = pv.PublishedAt
	}
	out.IsLive = out.IsLive || pv.IsLive
	out.IsUpcoming = out.IsUpcoming || pv.IsUpcoming
	return &out
}

var (
	pacificOnce sync.Once
	pacificLoc  *time.Location
)

// pacificDay is the date in California at t: the Data API's quota day
// starts at midnight Pacific time. Without the time zone database it
// applies the US rule (daylight time from the second Sunday of March to
// the first Sunday of November, at 2 a.m.).
func pacificDay(t time.Time) string {
	pacificOnce.Do(func() { pacificLoc, _ = time.LoadLocation("America/Los_Angeles") })
	if pacificLoc != nil {
		return t.In(pacificLoc).Format(time.DateOnly)
	}
	return t.UTC().Add(pacificOffset(t)).Format(time.DateOnly)
}

// pacificOffset is UTC-7 in daylight time, UTC-8 otherwise, by the US rule.
func pacificOffset(t time.Time) time.Duration {
	t = t.UTC()
	y := t.Year()
	nthSunday := func(m time.Month, n int) time.Time {
		d := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		d = d.AddDate(0, 0, (7-int(d.Weekday()))%7) // the first Sunday
		return d.AddDate(0, 0, 7*(n-1))
	}
	start := nthSunday(time.March, 2).Add(10 * time.Hour) // 02:00 PST
	end := nthSunday(time.November, 1).Add(9 * time.Hour) // 02:00 PDT
	if !t.Before(start) && t.Before(end) {
		return -7 * time.Hour
	}
	return -8 * time.Hour
}
