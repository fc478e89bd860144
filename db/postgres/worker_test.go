package postgres_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/db/postgres"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/crawl"
	"github.com/harvestdev/ytharvest/harvest/extract"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// politeSite is a host with a robots.txt asking for a crawl delay, a
// front page linking pages, one page that first answers 503 with a
// Retry-After, and a video on each page. It notes when each request came.
type politeSite struct {
	pages      int
	retryAfter string // the Retry-After of /p/2's first answer
	mu         sync.Mutex
	times      []time.Time
	robots     int
	refused    bool
}

func (s *politeSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.times = append(s.times, time.Now())
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/robots.txt":
		s.robots++
		fmt.Fprint(w, "User-agent: *\nCrawl-delay: 0.2\n")
		return
	case "/p/2":
		if !s.refused {
			s.refused = true
			w.Header().Set("Retry-After", s.retryAfter)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, `<html><body><iframe src="https://www.youtube.com/embed/vid%08d"></iframe>`, len(r.URL.Path))
	if r.URL.Path == "/" {
		for i := 1; i <= s.pages; i++ {
			fmt.Fprintf(w, `<a href="/p/%d">%d</a>`, i, i)
		}
	}
	fmt.Fprint(w, `</body></html>`)
}

// fakeSource answers every video ok, or, blocked, blocks every one.
type fakeSource struct {
	blocked bool
	asked   atomic.Int64
}

func (f *fakeSource) Video(ctx context.Context, id string) (*harvest.Video, error) {
	f.asked.Add(1)
	if f.blocked {
		return &harvest.Video{ID: id, Status: harvest.VideoBlocked, StatusReason: "HTTP 429"}, nil
	}
	return &harvest.Video{ID: id, Status: harvest.VideoOK, Title: "Video " + id}, nil
}

func (f *fakeSource) Transcripts(ctx context.Context, v *harvest.Video) ([]harvest.Transcript, harvest.TranscriptStatus, string, error) {
	return nil, harvest.TranscriptNone, "no captions", nil
}

func (f *fakeSource) Playlist(ctx context.Context, id string, max int) (*harvest.Playlist, error) {
	return &harvest.Playlist{ID: id, Status: harvest.VideoRemoved}, nil
}

// harvester builds what a worker fetches with: the crawl's fetcher,
// robots.txt through the store, extraction, and src.
func harvester(t *testing.T, s *postgres.Store, seed string, src harvest.VideoSource) *harvest.Harvester {
	t.Helper()
	scope, err := crawl.NewScope([]string{seed}, crawl.ScopeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	robots := crawl.NewRobotsPolicy(hc, "ytharvest-test", s, nil)
	return &harvest.Harvester{
		Fetcher: crawl.NewFetcher(hc, "ytharvest-test", 1<<20, &crawl.HopPolicy{Scope: scope, Robots: robots}),
		Extract: extract.Extract, Scope: scope, Robots: robots, Videos: src,
		Depth: 1, Delay: 50 * time.Millisecond, MaxCrawlDelay: time.Minute, Transcripts: true,
	}
}

func work(t *testing.T, s *postgres.Store, h *harvest.Harvester, opts postgres.WorkerOptions, d time.Duration) *postgres.Worker {
	t.Helper()
	opts.Harvester = func() *harvest.Harvester { return h }
	w, err := s.NewWorker(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := w.Work(ctx); err != nil {
		t.Fatalf("Work: %v", err)
	}
	return w
}

// serveSeed serves site until the test ends and adds its home page to s
// as a seed, which it returns.
func serveSeed(t *testing.T, s *postgres.Store, site http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	seed := srv.URL + "/"
	if err := s.AddSeeds(context.Background(), []string{seed}); err != nil {
		t.Fatal(err)
	}
	return seed
}

// A host slice keeps to the host's robots.txt Crawl-delay (longer than
// --delay), from one request to the next, fetches robots.txt once, and
// waits out a Retry-After before the host's next request.
func TestHostSlicePoliteness(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	site := &politeSite{pages: 4, retryAfter: "1"}
	seed := serveSeed(t, s, site)
	h := harvester(t, s, seed, &fakeSource{})
	w := work(t, s, h, postgres.WorkerOptions{UntilIdle: true, Concurrency: 2}, time.Minute)
	if n, f := w.Stats().PagesFetched.Load(), w.Stats().PagesFailed.Load(); n != 4 || f != 1 {
		t.Errorf("%d pages fetched, %d failed; want 4 and the 503", n, f)
	}
	site.mu.Lock()
	defer site.mu.Unlock()
	if site.robots != 1 {
		t.Errorf("robots.txt fetched %d times, want 1", site.robots)
	}
	var retry bool
	for i := 1; i < len(site.times); i++ {
		gap := site.times[i].Sub(site.times[i-1])
		if gap < 200*time.Millisecond {
			t.Errorf("request %d came %v after the one before; robots.txt asks for 200ms", i, gap)
		}
		retry = retry || gap >= time.Second
	}
	if !retry {
		t.Error("no wait of a second (Retry-After: 1) between two requests")
	}
}

// spanSite notes when each of its requests came and went; its pages each
// link pages more, and those of redirect (when set) answer with a
// redirect to it instead.
type spanSite struct {
	pages      int
	redirect   string // the site the pages (not the front page) redirect to
	crawlDelay string // its robots.txt's Crawl-delay, when not ""
	mu         sync.Mutex
	spans      [][2]time.Time
	inflight   int
	most       int
}

func (s *spanSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.mu.Lock()
	s.inflight++
	s.most = max(s.most, s.inflight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight--
		s.spans = append(s.spans, [2]time.Time{start, time.Now()})
		s.mu.Unlock()
	}()
	time.Sleep(20 * time.Millisecond)
	switch {
	case r.URL.Path == "/robots.txt" && s.crawlDelay != "":
		fmt.Fprintf(w, "User-agent: *\nCrawl-delay: %s\n", s.crawlDelay)
	case r.URL.Path == "/robots.txt":
		http.NotFound(w, r)
	case r.URL.Path != "/" && s.redirect != "":
		http.Redirect(w, r, s.redirect+"/moved"+r.URL.Path, http.StatusMovedPermanently)
	default:
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/" {
			for i := 1; i <= s.pages; i++ {
				fmt.Fprintf(w, `<a href="/p/%d">%d</a>`, i, i)
			}
		}
	}
}

// A redirect to another host waits for that host's turn across workers'
// slices: the host it goes to is asked one request at a time and the
// delay apart, counting the redirected requests, while its own slice
// runs at the same time on another worker.
func TestHostSliceRedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	target := &spanSite{pages: 6}
	tsrv := httptest.NewServer(target)
	t.Cleanup(tsrv.Close)
	origin := &spanSite{pages: 6, redirect: tsrv.URL}
	osrv := httptest.NewServer(origin)
	t.Cleanup(osrv.Close)
	seeds := []string{osrv.URL + "/", tsrv.URL + "/"}
	if err := s.AddSeeds(context.Background(), seeds); err != nil {
		t.Fatal(err)
	}
	scope, err := crawl.NewScope(seeds, crawl.ScopeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	robots := crawl.NewRobotsPolicy(hc, "ytharvest-test", s, nil)
	const delay = 150 * time.Millisecond
	h := &harvest.Harvester{
		Fetcher: crawl.NewFetcher(hc, "ytharvest-test", 1<<20, &crawl.HopPolicy{Scope: scope, Robots: robots}),
		Extract: extract.Extract, Scope: scope, Robots: robots, Videos: &fakeSource{},
		Depth: 1, Delay: delay, MaxCrawlDelay: time.Minute,
	}
	w := work(t, s, h, postgres.WorkerOptions{UntilIdle: true, Concurrency: 2, PageTimeout: 5 * time.Second}, time.Minute)
	if n := w.Stats().PagesFetched.Load(); n != 14 {
		rows, _ := s.Pool().Query(context.Background(), `SELECT url, state, coalesce(error, '') FROM pages ORDER BY id`)
		for rows.Next() {
			var u, st, e string
			rows.Scan(&u, &st, &e)
			t.Log(u, st, e)
		}
		t.Errorf("%d pages fetched, %d failed, want 14 (6 of them redirected)", n, w.Stats().PagesFailed.Load())
	}
	target.mu.Lock()
	defer target.mu.Unlock()
	if len(target.spans) != 14 || target.most != 1 {
		t.Errorf("the target answered %d requests, at most %d at once; want 14 (robots.txt, its 7 pages, 6 redirected), one at a time",
			len(target.spans), target.most)
	}
	spans := slices.Clone(target.spans)
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	for i := 1; i < len(spans); i++ {
		// The delay runs from when the answer began; the site answers
		// 20 ms after a request came.
		if gap := spans[i][0].Sub(spans[i-1][0]); gap < delay {
			t.Errorf("request %d came %v after the one before, want at least %v", i, gap, delay)
		}
	}
}

// The Crawl-delay of a host that only redirects bring requests to spaces
// them, though none of its own pages is fetched to learn it.
func TestHostSliceRedirectCrawlDelay(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	target := &spanSite{crawlDelay: "0.6"}
	tsrv := httptest.NewServer(target)
	t.Cleanup(tsrv.Close)
	origin := &spanSite{pages: 4, redirect: tsrv.URL}
	osrv := httptest.NewServer(origin)
	t.Cleanup(osrv.Close)
	seeds := []string{osrv.URL + "/"}
	if err := s.AddSeeds(context.Background(), seeds); err != nil {
		t.Fatal(err)
	}
	scope, err := crawl.NewScope(seeds, crawl.ScopeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tu, err := url.Parse(tsrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	scope.AddHost(tu) // the origin's pages may redirect there
	hc := &http.Client{Timeout: 5 * time.Second}
	robots := crawl.NewRobotsPolicy(hc, "ytharvest-test", s, nil)
	h := &harvest.Harvester{
		Fetcher: crawl.NewFetcher(hc, "ytharvest-test", 1<<20, &crawl.HopPolicy{Scope: scope, Robots: robots}),
		Extract: extract.Extract, Scope: scope, Robots: robots, Videos: &fakeSource{},
		Depth: 1, Delay: 100 * time.Millisecond, MaxCrawlDelay: time.Minute,
	}
	w := work(t, s, h, postgres.WorkerOptions{UntilIdle: true, Concurrency: 2, PageTimeout: 5 * time.Second}, time.Minute)
	if n := w.Stats().PagesFetched.Load(); n != 5 {
		t.Errorf("%d pages fetched, %d failed, want 5 (4 of them redirected)", n, w.Stats().PagesFailed.Load())
	}
	target.mu.Lock()
	defer target.mu.Unlock()
	if len(target.spans) != 5 {
		t.Fatalf("the target answered %d requests, want 5 (robots.txt, 4 redirected)", len(target.spans))
	}
	spans := slices.Clone(target.spans)
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	// The first is robots.txt, read in the first redirect's turn.
	for i := 2; i < len(spans); i++ {
		if gap := spans[i][0].Sub(spans[i-1][0]); gap < 600*time.Millisecond {
			t.Errorf("redirected request %d came %v after the one before, want at least the Crawl-delay of 0.6s", i, gap)
		}
	}
}

// A block met by one worker's egress sends the videos back to the queue,
// where another worker, whose egress answers, fetches them; egresses are
// kept per machine.
func TestBlockedWorker(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	site := &politeSite{pages: 3, retryAfter: "0"}
	seed := serveSeed(t, s, site)
	blocked := &fakeSource{blocked: true}
	a := work(t, s, harvester(t, s, seed, blocked), postgres.WorkerOptions{BlockedWait: 300 * time.Millisecond}, 3*time.Second)
	if !a.Stats().Blocked.Load() || blocked.asked.Load() == 0 || a.Stats().VideosFetched.Load() != 0 {
		t.Fatalf("worker a: blocked %v, asked %d, fetched %d; want blocked", a.Stats().Blocked.Load(), blocked.asked.Load(), a.Stats().VideosFetched.Load())
	}
	ok := &fakeSource{}
	b := work(t, s, harvester(t, s, seed, ok), postgres.WorkerOptions{UntilIdle: true, BlockedWait: 300 * time.Millisecond}, time.Minute)
	var left int
	if err := s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM videos WHERE status <> 'ok'`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 || b.Stats().VideosFetched.Load() == 0 {
		t.Errorf("after worker b: %d videos not ok, %d fetched by b", left, b.Stats().VideosFetched.Load())
	}

	// Each machine's "direct" is its own: a bench on one is no bench on another.
	s.Machine = "a"
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	if err := s.SaveEgress(context.Background(), harvest.EgressState{Label: "direct", Strikes: 1, BenchedUntil: until}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LoadEgresses(context.Background(), []string{"direct"}); !got["direct"].BenchedUntil.Equal(until) {
		t.Errorf("machine a's direct egress: %+v, want benched until %v", got["direct"], until)
	}
	s.Machine = "b"
	if got, _ := s.LoadEgresses(context.Background(), []string{"direct"}); len(got) != 0 {
		t.Errorf("machine b's direct egress: %+v, want none (a's bench is a's)", got)
	}
}

// A video job is given up after maxBlocked (20) blocks, counted by the
// job itself: River's own snooze count, which hand-backs, waits and
// refusals raise too, does not cancel a job at its first block.
func TestBlocksCounted(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	seed := serveSeed(t, s, &politeSite{pages: 3, retryAfter: "0"})
	ctx := context.Background()
	blocked := &fakeSource{blocked: true}
	opts := postgres.WorkerOptions{BlockedWait: time.Hour}
	work(t, s, harvester(t, s, seed, blocked), opts, 3*time.Second)
	jobs := func() map[string]string { // video ID -> state and block count
		t.Helper()
		rows, err := s.Pool().Query(ctx, `SELECT args ->> 'id', state || ' ' || coalesce(metadata ->> 'ytharvest_blocks', '-')
			FROM river_job WHERE kind = 'ytharvest_video' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (kv [2]string, err error) { return kv, r.Scan(&kv[0], &kv[1]) })
		if err != nil {
			t.Fatal(err)
		}
		m := make(map[string]string)
		for _, kv := range got {
			m[kv[0]] = kv[1]
		}
		return m
	}
	first := jobs()
	if len(first) < 2 {
		t.Fatalf("video jobs %v, want at least 2", first)
	}
	for id, st := range first {
		if st != "scheduled 1" {
			t.Fatalf("video %s: job %q after one block, want scheduled with 1 block", id, st)
		}
	}
	// One job snoozed 30 times for other reasons, one blocked 19 times:
	// both are due again, and both are blocked once more.
	var ids []string
	for id := range first {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if _, err := s.Pool().Exec(ctx, `UPDATE river_job SET scheduled_at = now(), state = 'available',
		metadata = metadata || CASE WHEN args ->> 'id' = $1 THEN '{"snoozes": 30}'::jsonb ELSE '{"ytharvest_blocks": 19}'::jsonb END
		WHERE kind = 'ytharvest_video' AND args ->> 'id' IN ($1, $2)`, ids[0], ids[1]); err != nil {
		t.Fatal(err)
	}
	work(t, s, harvester(t, s, seed, blocked), opts, 3*time.Second)
	after := jobs()
	if after[ids[0]] != "scheduled 2" || after[ids[1]] != "cancelled 19" {
		t.Errorf("after one more block: %s %q (snoozed 30 times before), %s %q (blocked 19 times before); want scheduled 2 and cancelled",
			ids[0], after[ids[0]], ids[1], after[ids[1]])
	}
}

// A page a user deletes while a worker fetches it (pruning a site while
// the workers run) is not stored, nothing of it comes back, and the
// worker goes on with the host's other pages.
func TestWorkerPageDeleted(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	site := testserver.NewHoldingSite("/p/1", "vid00000001")
	seed := serveSeed(t, s, site)
	go func() {
		<-site.Arrived
		if _, err := s.Pool().Exec(context.Background(), `DELETE FROM pages WHERE url = $1`, seed+"p/1"); err != nil {
			t.Error(err)
		}
		close(site.Release)
	}()
	w := work(t, s, harvester(t, s, seed, &fakeSource{}), postgres.WorkerOptions{UntilIdle: true, Concurrency: 1}, time.Minute)
	if n := w.Stats().PagesFetched.Load(); n != 3 {
		t.Errorf("%d pages fetched, want 3 (the home page, /p/2 and /p/3)", n)
	}
	rows, err := s.Pool().Query(context.Background(), `SELECT url || ' ' || state || ' ' || (SELECT count(*) FROM links l WHERE l.page_id = p.id) FROM pages p ORDER BY url`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{seed + " fetched 1", seed + "p/2 fetched 1", seed + "p/3 fetched 1"}; !slices.Equal(got, want) {
		t.Errorf("pages %q, want %q", got, want)
	}
	// No job failed on the way (a failed one is tried again later, after
	// an error in the log).
	var failed int
	if err := s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE cardinality(errors) > 0`).Scan(&failed); err != nil || failed != 0 {
		t.Errorf("%d jobs failed an attempt (%v)", failed, err)
	}
}
