package db_test

// The harvester on SQLite: crawls, resumes, the video stage, its breaker
// and transcripts, end to end through the real store. The crawler alone is
// tested on an in-memory frontier in package harvest.

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
)

// fakeWeb serves pages from a map; each page body is a list of links and
// video IDs, one per line. A URL in hang blocks until the context ends.
type fakeWeb struct {
	pages map[string]string
	hang  map[string]bool

	mu      sync.Mutex
	fetched map[string]int
	times   []time.Time // when each fetch started
	started chan string
}

func (w *fakeWeb) Fetch(ctx context.Context, req harvest.Request) (*harvest.Response, error) {
	u := req.URL
	w.mu.Lock()
	w.fetched[u]++
	w.times = append(w.times, time.Now())
	w.mu.Unlock()
	if w.started != nil {
		w.started <- u
	}
	if w.hang[u] {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	body, ok := w.pages[u]
	if !ok {
		return &harvest.Response{URL: u, FinalURL: u, Status: 404}, nil
	}
	etag := fmt.Sprintf("%q", body)
	if req.ETag == etag {
		return &harvest.Response{URL: u, FinalURL: u, Status: 304}, nil
	}
	return &harvest.Response{URL: u, FinalURL: u, Status: 200, HTML: true, Body: []byte(body), ETag: etag}, nil
}

// extractLines is an ExtractFunc for fakeWeb bodies: "http..." lines are
// links, "v:ID" lines are videos.
func extractLines(base *url.URL, r io.Reader) (*harvest.Extraction, error) {
	b, _ := io.ReadAll(r)
	x := &harvest.Extraction{Title: base.Path}
	for _, line := range strings.Fields(string(b)) {
		if id, ok := strings.CutPrefix(line, "v:"); ok {
			x.Refs = append(x.Refs, harvest.Reference{Type: harvest.RefVideo, ID: id, Kind: harvest.KindAnchor})
		} else {
			x.Links = append(x.Links, line)
		}
	}
	return x, nil
}

type hostScope struct{}

func (hostScope) Normalize(u string) (string, error) { return u, nil }
func (hostScope) Allow(u string) bool                { return strings.HasPrefix(u, "http://site.test/") }
func (hostScope) AllowListed(u string) bool          { return true }

// fakeVideos answers every video ok, except those in blocked; captions
// of the videos in captionsBlocked are refused.
type fakeVideos struct {
	blocked         map[string]bool
	captionsBlocked map[string]bool
	mu              sync.Mutex
	asked           []string
	transcripts     []string
}

func (f *fakeVideos) Playlist(ctx context.Context, id string, max int) (*harvest.Playlist, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ids := []string{"ppppppppp01", "ppppppppp02", "aaaaaaaaaaa"}
	if max > 0 && len(ids) > max {
		ids = ids[:max]
	}
	return &harvest.Playlist{ID: id, Status: harvest.VideoOK, Title: "list " + id, VideoIDs: ids}, nil
}

func (f *fakeVideos) Transcripts(ctx context.Context, v *harvest.Video) ([]harvest.Transcript, harvest.TranscriptStatus, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", "", err
	}
	f.mu.Lock()
	f.transcripts = append(f.transcripts, v.ID)
	f.mu.Unlock()
	if f.captionsBlocked[v.ID] {
		return nil, harvest.TranscriptBlocked, "empty caption body", nil
	}
	return []harvest.Transcript{{VideoID: v.ID, Language: "en", Source: "fake",
		Segments: []harvest.Segment{{StartMs: 0, DurationMs: 1000, Text: "hello " + v.ID}}}}, harvest.TranscriptOK, "", nil
}

func (f *fakeVideos) Video(ctx context.Context, id string) (*harvest.Video, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.asked = append(f.asked, id)
	f.mu.Unlock()
	if f.blocked[id] {
		return &harvest.Video{ID: id, Status: harvest.VideoBlocked, StatusReason: "Sign in to confirm you're not a bot"}, nil
	}
	return &harvest.Video{ID: id, Status: harvest.VideoOK, Title: "video " + id}, nil
}

func newHarvester(t *testing.T, web *fakeWeb, videos harvest.VideoSource) (*harvest.Harvester, *db.DB) {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return &harvest.Harvester{
		Runs: d, Frontier: d, VideoStore: d, Fetcher: web, Extract: extractLines, Scope: hostScope{}, Videos: videos,
		Depth: 2, Concurrency: 3, VideoConcurrency: 2, RefreshAfter: time.Hour,
	}, d
}

func site() map[string]string {
	return map[string]string{
		"http://site.test/":   "http://site.test/a http://site.test/b http://site.test/c http://other.test/x v:aaaaaaaaaaa",
		"http://site.test/a":  "v:bbbbbbbbbbb http://site.test/a2",
		"http://site.test/b":  "v:ccccccccccc v:aaaaaaaaaaa",
		"http://site.test/c":  "http://site.test/",
		"http://site.test/a2": "v:ddddddddddd http://site.test/a3", // depth 2: its links are not followed
	}
}

func TestRunCrawlsToDepth(t *testing.T) {
	web := &fakeWeb{pages: site(), fetched: map[string]int{}}
	vids := &fakeVideos{}
	h, _ := newHarvester(t, web, vids)
	run, err := h.Run(context.Background(), []string{"http://site.test/"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != harvest.RunOK || run.PagesFetched != 5 || run.NewVideos != 4 || run.VideosFetched != 4 {
		t.Errorf("run = %+v", run)
	}
	for u, n := range web.fetched {
		if n != 1 {
			t.Errorf("%s fetched %d times", u, n)
		}
	}
	if web.fetched["http://site.test/a3"] != 0 || web.fetched["http://other.test/x"] != 0 {
		t.Errorf("fetched beyond depth or scope: %v", web.fetched)
	}
}

// Cancelling a run keeps what was committed; the next run fetches only
// what was not, including the page that was in flight.
func TestRunInterruptedResumes(t *testing.T) {
	web := &fakeWeb{pages: site(), fetched: map[string]int{}, hang: map[string]bool{"http://site.test/b": true}, started: make(chan string, 100)}
	h, d := newHarvester(t, web, &fakeVideos{})
	h.Concurrency = 1
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for u := range web.started {
			if u == "http://site.test/b" {
				cancel()
				return
			}
		}
	}()
	run, err := h.Run(ctx, []string{"http://site.test/"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != harvest.RunInterrupted {
		t.Fatalf("status %s, want interrupted", run.Status)
	}
	var state string
	d.SQL().QueryRow(`SELECT state FROM pages WHERE url = 'http://site.test/b'`).Scan(&state)
	if state != "queued" {
		t.Errorf("page in flight is %q, want queued again", state)
	}
	var status string
	d.SQL().QueryRow(`SELECT status FROM runs WHERE id = ?`, run.ID).Scan(&status)
	if status != "interrupted" {
		t.Errorf("runs.status = %q, want interrupted", status)
	}

	var committed []string
	rows, _ := d.SQL().Query(`SELECT url FROM pages WHERE state = 'fetched' AND is_seed = 0`)
	for rows.Next() {
		var u string
		rows.Scan(&u)
		committed = append(committed, u)
	}
	rows.Close()
	if len(committed) == 0 {
		t.Fatal("nothing committed before the interrupt")
	}
	web.hang = nil
	web.started = nil
	run2, err := h.Run(context.Background(), []string{"http://site.test/"})
	if err != nil || run2.Status != harvest.RunOK {
		t.Fatalf("second run: %+v, %v", run2, err)
	}
	for _, u := range committed {
		if web.fetched[u] != 1 {
			t.Errorf("%s was committed in the first run but fetched again", u)
		}
	}
	if web.fetched["http://site.test/b"] != 2 || web.fetched["http://site.test/a2"] != 1 {
		t.Errorf("fetches after resume: %v", web.fetched)
	}
}

// The first block stops all YouTube calls for the run.
func TestRunVideoBreaker(t *testing.T) {
	pages := map[string]string{"http://site.test/": ""}
	var ids []string
	for i := range 20 {
		id := fmt.Sprintf("vid%08d", i)
		ids = append(ids, id)
		pages["http://site.test/"] += " v:" + id
	}
	web := &fakeWeb{pages: pages, fetched: map[string]int{}}
	vids := &fakeVideos{blocked: map[string]bool{ids[0]: true}}
	h, d := newHarvester(t, web, vids)
	h.VideoConcurrency = 1
	run, err := h.Run(context.Background(), []string{"http://site.test/"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != harvest.RunBlocked || !strings.Contains(run.Error, "not a bot") {
		t.Errorf("run = %+v, want blocked", run)
	}
	if len(vids.asked) != 1 {
		t.Errorf("asked YouTube about %d videos after the block, want 1: %v", len(vids.asked), vids.asked)
	}
	var pending int
	d.SQL().QueryRow(`SELECT count(*) FROM videos WHERE status = 'pending'`).Scan(&pending)
	if pending != 19 {
		t.Errorf("%d videos pending, want 19", pending)
	}
}

// Requests to one host start at least Delay apart, whatever the
// concurrency.
func TestRunPoliteness(t *testing.T) {
	web := &fakeWeb{pages: site(), fetched: map[string]int{}}
	h, _ := newHarvester(t, web, nil)
	h.Delay, h.HostConcurrency, h.Concurrency = 80*time.Millisecond, 1, 4
	if _, err := h.Run(context.Background(), []string{"http://site.test/"}); err != nil {
		t.Fatal(err)
	}
	if len(web.times) != 5 {
		t.Fatalf("%d fetches, want 5", len(web.times))
	}
	for i := 1; i < len(web.times); i++ {
		if gap := web.times[i].Sub(web.times[i-1]); gap < 75*time.Millisecond {
			t.Errorf("fetch %d started %v after the previous one, want >= 80ms", i, gap)
		}
	}
}

// Pages are checked again after RecrawlAfter with a conditional GET; an
// unchanged page (304) is not parsed, and its links are marked seen.
func TestRunRecrawl(t *testing.T) {
	web := &fakeWeb{pages: site(), fetched: map[string]int{}}
	h, d := newHarvester(t, web, nil)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	h.Now = func() time.Time { return now }
	d.Now = h.Now
	h.RecrawlAfter = 7 * 24 * time.Hour
	if _, err := h.Run(context.Background(), []string{"http://site.test/"}); err != nil {
		t.Fatal(err)
	}
	// A day later only the seed is fetched (unchanged: 304).
	now = now.Add(24 * time.Hour)
	run, err := h.Run(context.Background(), []string{"http://site.test/"})
	if err != nil || run.PagesNotModified != 1 || run.PagesFetched != 0 {
		t.Fatalf("day 2: %+v, %v; want the seed not modified and nothing else", run, err)
	}
	// A week later everything is checked again; page b changed.
	now = now.Add(7 * 24 * time.Hour)
	web.pages["http://site.test/b"] = "v:ccccccccccc v:eeeeeeeeeee"
	run, err = h.Run(context.Background(), []string{"http://site.test/"})
	if err != nil || run.PagesNotModified != 4 || run.PagesFetched != 1 || run.NewVideos != 1 || run.NewLinks != 1 {
		t.Fatalf("day 9: %+v, %v; want 4 not modified, b fetched with one new video", run, err)
	}
	var lastSeen string
	d.SQL().QueryRow(`SELECT max(last_seen_at) FROM links l JOIN pages p ON p.id = l.page_id WHERE p.url = 'http://site.test/a'`).Scan(&lastSeen)
	if !strings.HasPrefix(lastSeen, "2026-11-09") {
		t.Errorf("links of an unchanged page last seen %s, want the day of the 304", lastSeen)
	}
	var status int
	var next string
	d.SQL().QueryRow(`SELECT http_status, next_fetch_at FROM pages WHERE url = 'http://site.test/a'`).Scan(&status, &next)
	if status != 304 || !strings.HasPrefix(next, "2026-11-16") {
		t.Errorf("page a: status %d, next fetch %s", status, next)
	}
}

func TestRunLimits(t *testing.T) {
	pages := map[string]string{"http://site.test/": ""}
	for i := range 10 {
		u := fmt.Sprintf("http://site.test/p%d", i)
		pages["http://site.test/"] += " " + u
		pages[u] = ""
	}
	t.Run("max pages per host", func(t *testing.T) {
		web := &fakeWeb{pages: pages, fetched: map[string]int{}}
		h, d := newHarvester(t, web, nil)
		h.MaxPagesPerHost = 4
		run, err := h.Run(context.Background(), []string{"http://site.test/"})
		if err != nil || run.Status != harvest.RunStopped || run.PagesFetched != 4 {
			t.Fatalf("run = %+v, %v; want stopped after 4 pages", run, err)
		}
		var queued int
		d.SQL().QueryRow(`SELECT count(*) FROM pages WHERE state = 'queued'`).Scan(&queued)
		if queued != 7 {
			t.Errorf("%d pages queued after the run, want 7", queued)
		}
	})
	t.Run("max duration", func(t *testing.T) {
		web := &fakeWeb{pages: pages, fetched: map[string]int{}}
		h, d := newHarvester(t, web, nil)
		h.Delay, h.MaxDuration = 100*time.Millisecond, 350*time.Millisecond
		run, err := h.Run(context.Background(), []string{"http://site.test/"})
		// 100ms between requests: about 4 pages, fewer on a loaded machine.
		if err != nil || run.Status != harvest.RunStopped || run.PagesFetched < 1 || run.PagesFetched > 5 {
			t.Fatalf("run = %+v, %v; want stopped after at most 5 pages", run, err)
		}
		var fetching, queued int
		d.SQL().QueryRow(`SELECT count(*) FROM pages WHERE state = 'fetching'`).Scan(&fetching)
		d.SQL().QueryRow(`SELECT count(*) FROM pages WHERE state = 'queued'`).Scan(&queued)
		if fetching != 0 || queued != 11-run.PagesFetched {
			t.Errorf("after the stop: %d fetching, %d queued; want 0 and %d", fetching, queued, 11-run.PagesFetched)
		}
		// The next run carries on.
		h.MaxDuration = 0
		h.Delay = 0
		run, err = h.Run(context.Background(), []string{"http://site.test/"})
		if err != nil || run.Status != harvest.RunOK {
			t.Fatalf("next run = %+v, %v", run, err)
		}
	})
}

// Transcripts are fetched once per playable video; a refused caption
// trips the breaker like any block.
func TestRunTranscripts(t *testing.T) {
	web := &fakeWeb{pages: site(), fetched: map[string]int{}}
	vids := &fakeVideos{}
	h, d := newHarvester(t, web, vids)
	h.Transcripts = true
	h.VideoConcurrency = 1
	run, err := h.Run(context.Background(), []string{"http://site.test/"})
	if err != nil || run.Transcripts != 4 || len(vids.transcripts) != 4 {
		t.Fatalf("run = %+v, %v; %d transcript calls; want 4 transcripts", run, err, len(vids.transcripts))
	}
	// The next run asks for nothing: metadata fresh, transcripts there.
	vids.asked, vids.transcripts = nil, nil
	if _, err := h.Run(context.Background(), []string{"http://site.test/"}); err != nil {
		t.Fatal(err)
	}
	if len(vids.asked) != 0 || len(vids.transcripts) != 0 {
		t.Errorf("second run asked about %v and %v", vids.asked, vids.transcripts)
	}
	var n int
	d.SQL().QueryRow(`SELECT count(*) FROM transcript_segments`).Scan(&n)
	if n != 4 {
		t.Errorf("%d segments stored, want 4", n)
	}

	web2 := &fakeWeb{pages: site(), fetched: map[string]int{}}
	vids2 := &fakeVideos{captionsBlocked: map[string]bool{"aaaaaaaaaaa": true}}
	h2, _ := newHarvester(t, web2, vids2)
	h2.Transcripts, h2.VideoConcurrency = true, 1
	run, err = h2.Run(context.Background(), []string{"http://site.test/"})
	if err != nil || run.Status != harvest.RunBlocked || len(vids2.asked) != 1 {
		t.Errorf("blocked captions: run %+v, %v, asked %v; want blocked after one video", run, err, vids2.asked)
	}
}

// --expand-playlists: the videos of a playlist a page references are
// linked to that page and fetched like any other.
func TestRunExpandPlaylists(t *testing.T) {
	pages := map[string]string{"http://site.test/": "v:aaaaaaaaaaa"}
	web := &fakeWeb{pages: pages, fetched: map[string]int{}}
	h, d := newHarvester(t, web, &fakeVideos{})
	h.Extract = func(base *url.URL, r io.Reader) (*harvest.Extraction, error) {
		x, err := extractLines(base, r)
		x.Refs = append(x.Refs, harvest.Reference{Type: harvest.RefPlaylist, ID: "PLtestPlaylist0001", Kind: harvest.KindIframe, InBody: true})
		return x, err
	}
	h.ExpandPlaylists, h.MaxPlaylistVideos = true, 2
	run, err := h.Run(context.Background(), []string{"http://site.test/"})
	if err != nil || run.VideosFetched != 3 {
		t.Fatalf("run = %+v, %v; want 3 videos fetched (1 linked, 2 from the playlist)", run, err)
	}
	var links []string
	rows, _ := d.SQL().Query(`SELECT ref_id, kind, coalesce(playlist_id, ''), in_body FROM links WHERE ref_type = 'video' ORDER BY ref_id, kind`)
	for rows.Next() {
		var id, kind, pl string
		var body int
		rows.Scan(&id, &kind, &pl, &body)
		links = append(links, fmt.Sprintf("%s %s %s %d", id, kind, pl, body))
	}
	rows.Close()
	want := "aaaaaaaaaaa anchor  0|ppppppppp01 playlist_member PLtestPlaylist0001 1|ppppppppp02 playlist_member PLtestPlaylist0001 1"
	if got := strings.Join(links, "|"); got != want {
		t.Errorf("links:\n got %s\nwant %s", got, want)
	}
	var status string
	var count, truncated int
	d.SQL().QueryRow(`SELECT status, video_count, truncated FROM playlists`).Scan(&status, &count, &truncated)
	if status != "ok" || count != 2 {
		t.Errorf("playlist row: %s %d %d", status, count, truncated)
	}
}
