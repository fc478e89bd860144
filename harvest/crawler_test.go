package harvest_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// The crawler on an in-memory Frontier and a fake clock (testing/synctest):
// politeness, host concurrency, Retry-After, host interleaving, stop
// reasons and batching, without SQLite and without sleeping.

// slowWeb is a generated site: each host's front page links its other
// pages; every answer takes latency. It records when each request to each
// host started and ended.
type slowWeb struct {
	pages    int           // pages per host, front page included
	latency  time.Duration // of every answer
	answer   map[string]*harvest.Response
	redirect map[string]string // URL -> the URL it redirects to, on another host
	robots   hostRobots        // read, as crawl.Fetcher does, when a redirect goes to a host

	mu        sync.Mutex
	spans     map[string][][2]time.Time // host -> [start, end] of each request
	byURL     map[string][2]time.Time   // URL -> [start, end] of its last request
	order     []string                  // URLs in the order asked
	inflight  map[string]int
	maxFlight map[string]int
}

func newSlowWeb(pages int, latency time.Duration) *slowWeb {
	return &slowWeb{pages: pages, latency: latency, answer: map[string]*harvest.Response{},
		spans: map[string][][2]time.Time{}, byURL: map[string][2]time.Time{}, inflight: map[string]int{}, maxFlight: map[string]int{}}
}

func (w *slowWeb) Fetch(ctx context.Context, req harvest.Request) (*harvest.Response, error) {
	if to, ok := w.redirect[req.URL]; ok {
		// The redirect's own request, then the hop to the other host, as
		// crawl.Fetcher makes it.
		if _, err := w.request(ctx, req.URL); err != nil {
			return nil, err
		}
		if req.Hops != nil {
			u, _ := url.Parse(to)
			if err := req.Hops.Hop(ctx, u.Host); err != nil {
				return nil, err
			}
			if d := w.robots[u.Host]; d > 0 {
				req.Hops.CrawlDelay(u.Host, d)
			}
		}
		r, err := w.request(ctx, to)
		if r != nil {
			r.URL = req.URL
		}
		return r, err
	}
	return w.request(ctx, req.URL)
}

// request answers one request for rawURL, after the latency.
func (w *slowWeb) request(ctx context.Context, rawURL string) (*harvest.Response, error) {
	req := harvest.Request{URL: rawURL}
	u, _ := url.Parse(req.URL)
	start := time.Now()
	w.mu.Lock()
	w.order = append(w.order, req.URL)
	w.inflight[u.Host]++
	w.maxFlight[u.Host] = max(w.maxFlight[u.Host], w.inflight[u.Host])
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.inflight[u.Host]--
		w.spans[u.Host] = append(w.spans[u.Host], [2]time.Time{start, time.Now()})
		w.byURL[req.URL] = [2]time.Time{start, time.Now()}
		w.mu.Unlock()
	}()
	select {
	case <-time.After(w.latency):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r, ok := w.answer[req.URL]; ok {
		return r, nil
	}
	var body strings.Builder
	if u.Path == "/" {
		for i := 1; i < w.pages; i++ {
			fmt.Fprintf(&body, "http://%s/p%d\n", u.Host, i)
		}
	}
	fmt.Fprintf(&body, "v:%s\n", videoOf(req.URL))
	return &harvest.Response{URL: req.URL, FinalURL: req.URL, Status: 200, HTML: true, Body: []byte(body.String())}, nil
}

// videoOf is an 11-character video ID for a URL.
func videoOf(u string) string {
	return fmt.Sprintf("%011x", len(u)*7919+int(u[len(u)-1]))
}

// spansOf returns the request spans of host, in start order.
func (w *slowWeb) spansOf(host string) [][2]time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := slices.Clone(w.spans[host])
	slices.SortFunc(s, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	return s
}

// extractLines is an ExtractFunc for these bodies: "v:ID" lines are
// videos, the others links.
func extractLines(_ *url.URL, r io.Reader) (*harvest.Extraction, error) {
	b, err := io.ReadAll(r)
	x := &harvest.Extraction{}
	for _, f := range strings.Fields(string(b)) {
		if id, ok := strings.CutPrefix(f, "v:"); ok {
			x.Refs = append(x.Refs, harvest.Reference{Type: harvest.RefVideo, ID: id, Kind: harvest.KindAnchor})
			continue
		}
		x.Links = append(x.Links, f)
	}
	return x, err
}

type anyScope struct{}

func (anyScope) Normalize(u string) (string, error) { return u, nil }
func (anyScope) Allow(string) bool                  { return true }
func (anyScope) AllowListed(string) bool            { return true }

// crawl runs a crawl of the seeds on web with h's settings, inside the
// bubble, and returns the store.
func crawlWith(t *testing.T, ctx context.Context, web harvest.Fetcher, h harvest.Harvester, seeds ...string) (*memStore, *harvest.Run, error) {
	t.Helper()
	st := newMemStore()
	h.Runs, h.Frontier, h.Fetcher, h.Extract, h.Scope = st, st, web, extractLines, anyScope{}
	if h.Depth == 0 {
		h.Depth = 1
	}
	run, err := h.Run(ctx, seeds)
	return st, run, err
}

func hosts(n int) []string {
	var seeds []string
	for i := range n {
		seeds = append(seeds, fmt.Sprintf("http://h%d.test/", i))
	}
	return seeds
}

// One request at a time per host and --delay between the starts of two:
// a crawl of three hosts of 5 pages takes 4 delays plus one answer, the
// hosts side by side.
func TestCrawlerPoliteness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(5, 100*time.Millisecond)
		start := time.Now()
		st, run, err := crawlWith(t, t.Context(), web, harvest.Harvester{Delay: time.Second, HostConcurrency: 1, Concurrency: 8}, hosts(3)...)
		if err != nil || run.Status != harvest.RunOK || run.PagesFetched != 15 {
			t.Fatalf("run = %+v, %v; want ok with 15 pages", run, err)
		}
		for i := range 3 {
			host := fmt.Sprintf("h%d.test", i)
			spans := web.spansOf(host)
			for j := 1; j < len(spans); j++ {
				if gap := spans[j][0].Sub(spans[j-1][0]); gap < time.Second {
					t.Errorf("%s: request %d started %v after the one before, want at least --delay 1s", host, j, gap)
				}
				if spans[j][0].Before(spans[j-1][1]) {
					t.Errorf("%s: two requests at once", host)
				}
			}
		}
		if took := time.Since(start); took < 4*time.Second || took > 4*time.Second+2*maxSaveDelayForTest {
			t.Errorf("the crawl took %v; want 4 delays and an answer (the hosts side by side), plus at most the last batch's wait", took)
		}
		for u, s := range st.states() {
			if s != harvest.PageFetched {
				t.Errorf("%s is %s", u, s)
			}
		}
	})
}

// A redirect to another host waits for that host's turn: requests to the
// host it goes to stay one at a time and --delay apart, counting the
// redirected ones. Redirects within the host keep the page's turn.
func TestCrawlerRedirectToAnotherHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(6, 100*time.Millisecond)
		web.redirect = map[string]string{}
		for i := 1; i < 6; i++ {
			web.redirect[fmt.Sprintf("http://h0.test/p%d", i)] = fmt.Sprintf("http://h1.test/moved%d", i)
		}
		_, run, err := crawlWith(t, t.Context(), web, harvest.Harvester{Delay: time.Second, HostConcurrency: 1, Concurrency: 8}, hosts(2)...)
		if err != nil || run.Status != harvest.RunOK || run.PagesFetched != 12 {
			t.Fatalf("run = %+v, %v; want ok with 12 pages", run, err)
		}
		for _, host := range []string{"h0.test", "h1.test"} {
			spans := web.spansOf(host)
			if host == "h1.test" && len(spans) != 11 {
				t.Errorf("h1.test answered %d requests, want its 6 pages and 5 redirected", len(spans))
			}
			for j := 1; j < len(spans); j++ {
				if gap := spans[j][0].Sub(spans[j-1][0]); gap < time.Second {
					t.Errorf("%s: request %d started %v after the one before, want at least --delay 1s", host, j, gap)
				}
				if spans[j][0].Before(spans[j-1][1]) {
					t.Errorf("%s: two requests at once", host)
				}
			}
		}
	})
}

// A run that ends while a redirected fetch waits for its turn ends at
// once; the page stays queued.
func TestCrawlerStopsWhileRedirectWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(3, 100*time.Millisecond)
		web.redirect = map[string]string{"http://h0.test/p1": "http://h1.test/moved"}
		start := time.Now()
		st, run, err := crawlWith(t, t.Context(), web, harvest.Harvester{Delay: 10 * time.Second, HostConcurrency: 1, Concurrency: 4, MaxDuration: 12 * time.Second}, hosts(2)...)
		if err != nil || run.Status != harvest.RunStopped {
			t.Fatalf("run %s, %v; want stopped", run.Status, err)
		}
		if took := time.Since(start); took > 13*time.Second {
			t.Errorf("stopping took until %v", took)
		}
		// h0's p1 (at 10 s) waits for h1, whose p1 went at 10 s too: its
		// turn would come at 20 s, after the run's end.
		if got := st.states()["http://h0.test/p1"]; got != harvest.PageQueued {
			t.Errorf("the redirected page is %s, want queued", got)
		}
		if n := len(web.spansOf("h1.test")); n != 2 {
			t.Errorf("h1.test answered %d requests, want 2 (its front page and p1)", n)
		}
	})
}

// Random sites whose pages redirect across hosts, some targets asking for
// a Retry-After (one longer than --max-crawl-delay), some hosts for a
// Crawl-delay, some runs cut short: every run ends, and no host is ever
// asked more than --host-concurrency at once or two requests less than
// --delay (or its Crawl-delay) apart.
func TestCrawlerRedirectsRandom(t *testing.T) {
	for seed := range 40 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rnd := rand.New(rand.NewPCG(uint64(seed), 16))
				// Hosts h0 to h<nhosts-1> are seeded; the hosts after them are
				// reached only by redirects.
				nhosts, nextra, npages := 2+rnd.IntN(4), rnd.IntN(3), 3+rnd.IntN(6)
				web := newSlowWeb(npages, time.Duration(10+rnd.IntN(300))*time.Millisecond)
				web.redirect = map[string]string{}
				for h := range nhosts {
					for p := 1; p < npages; p++ {
						if rnd.IntN(2) > 0 {
							continue
						}
						from := fmt.Sprintf("http://h%d.test/p%d", h, p)
						target := rnd.IntN(nhosts)
						if nextra > 0 && rnd.IntN(2) == 0 {
							target = nhosts + rnd.IntN(nextra)
						}
						to := fmt.Sprintf("http://h%d.test/moved-from-h%d-p%d", target, h, p)
						web.redirect[from] = to
						switch rnd.IntN(8) {
						case 0:
							web.answer[to] = &harvest.Response{URL: to, Status: 503, RetryAfter: time.Duration(1+rnd.IntN(3)) * time.Second}
						case 1:
							web.answer[to] = &harvest.Response{URL: to, Status: 429, RetryAfter: 2 * time.Minute}
						}
					}
				}
				web.robots = hostRobots{}
				for i := range nhosts + nextra {
					if rnd.IntN(2) == 0 {
						web.robots[fmt.Sprintf("h%d.test", i)] = time.Duration(2+rnd.IntN(2)) * time.Second
					}
				}
				h := harvest.Harvester{Delay: time.Second, HostConcurrency: 1 + rnd.IntN(2), Concurrency: 1 + rnd.IntN(8), Robots: web.robots}
				if rnd.IntN(3) == 0 {
					h.MaxDuration = time.Duration(2+rnd.IntN(10)) * time.Second
				}
				_, run, err := crawlWith(t, t.Context(), web, h, hosts(nhosts)...)
				if err != nil || run.Status == harvest.RunFailed {
					t.Fatalf("run %s, %v", run.Status, err)
				}
				for i := range nhosts + nextra {
					host := fmt.Sprintf("h%d.test", i)
					if got := web.maxFlight[host]; got > h.HostConcurrency {
						t.Errorf("%s: %d requests at once, want at most %d", host, got, h.HostConcurrency)
					}
					want := max(h.Delay, web.robots[host])
					spans := web.spansOf(host)
					for j := 1; j < len(spans); j++ {
						if gap := spans[j][0].Sub(spans[j-1][0]); gap < want {
							t.Errorf("%s: request %d started %v after the one before, want at least %v (--delay or its Crawl-delay)", host, j, gap, want)
						}
					}
				}
			})
		})
	}
}

// delayRobots allows everything and asks for a Crawl-delay on every host.
type delayRobots time.Duration

func (d delayRobots) Check(context.Context, string) (bool, time.Duration, error) {
	return true, time.Duration(d), nil
}
func (delayRobots) Sitemaps(context.Context, string) ([]string, error) { return nil, nil }

// hostRobots allows everything and asks, on the hosts it names, for their
// Crawl-delay.
type hostRobots map[string]time.Duration

func (r hostRobots) Check(_ context.Context, rawURL string) (bool, time.Duration, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false, 0, err
	}
	return true, r[u.Host], nil
}
func (hostRobots) Sitemaps(context.Context, string) ([]string, error) { return nil, nil }

// The Crawl-delay of a host a redirect goes to spaces that host's
// requests, even when none of its own pages is crawled (example.com's
// pages all redirecting to www.example.com); and the Crawl-delay of a host
// learned by a page that redirects away spaces the host's next request.
func TestCrawlerRedirectCrawlDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(6, 100*time.Millisecond)
		web.robots = hostRobots{"h0.test": 2 * time.Second, "h1.test": 5 * time.Second}
		web.redirect = map[string]string{}
		for i := 1; i < 6; i++ {
			web.redirect[fmt.Sprintf("http://h0.test/p%d", i)] = fmt.Sprintf("http://h1.test/moved%d", i)
		}
		h := harvest.Harvester{Delay: time.Second, HostConcurrency: 1, Concurrency: 8, Robots: web.robots}
		// h0's first request redirects: the delay it learned must hold
		// for the front page after it.
		_, run, err := crawlWith(t, t.Context(), web, h, "http://h0.test/p1", "http://h0.test/")
		if err != nil || run.Status != harvest.RunOK || run.PagesFetched != 6 {
			t.Fatalf("run = %+v, %v; want ok with 6 pages", run, err)
		}
		// h0: its 6 pages, 5 of which redirect; h1: the 5 redirected.
		for host, want := range map[string]int{"h0.test": 6, "h1.test": 5} {
			delay := web.robots[host]
			spans := web.spansOf(host)
			if len(spans) != want {
				t.Errorf("%s answered %d requests, want %d", host, len(spans), want)
			}
			for j := 1; j < len(spans); j++ {
				if gap := spans[j][0].Sub(spans[j-1][0]); gap < delay {
					t.Errorf("%s: request %d started %v after the one before, want its Crawl-delay of %v", host, j, gap, delay)
				}
			}
		}
	})
}

// A robots.txt Crawl-delay longer than --delay spaces every request of the
// host, the one after the request that learned it included.
func TestCrawlerCrawlDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(4, 100*time.Millisecond)
		_, run, err := crawlWith(t, t.Context(), web, harvest.Harvester{Delay: time.Second, HostConcurrency: 1, Concurrency: 4, Robots: delayRobots(3 * time.Second)}, hosts(1)...)
		if err != nil || run.PagesFetched != 4 {
			t.Fatalf("run = %+v, %v", run, err)
		}
		spans := web.spansOf("h0.test")
		for j := 1; j < len(spans); j++ {
			if gap := spans[j][0].Sub(spans[j-1][0]); gap < 3*time.Second {
				t.Errorf("request %d started %v after the one before, want the Crawl-delay of 3s", j, gap)
			}
		}
	})
}

// maxSaveDelayForTest is the longest a fetched page waits to be stored.
const maxSaveDelayForTest = time.Second

// --host-concurrency N lets N requests to one host run at once, never
// more.
func TestCrawlerHostConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(20, 100*time.Millisecond)
		_, run, err := crawlWith(t, t.Context(), web, harvest.Harvester{HostConcurrency: 2, Concurrency: 8}, hosts(2)...)
		if err != nil || run.PagesFetched != 40 {
			t.Fatalf("run = %+v, %v", run, err)
		}
		for _, h := range []string{"h0.test", "h1.test"} {
			if got := web.maxFlight[h]; got != 2 {
				t.Errorf("%s: at most %d requests at once, want 2", h, got)
			}
		}
	})
}

// A 503 with Retry-After holds its host back that long; one longer than
// --max-crawl-delay puts the host's pages off to the next run (stopped),
// while other hosts carry on.
func TestCrawlerRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(4, 10*time.Millisecond)
		web.answer["http://h0.test/p1"] = &harvest.Response{URL: "http://h0.test/p1", Status: 503, RetryAfter: 5 * time.Second}
		web.answer["http://h1.test/p1"] = &harvest.Response{URL: "http://h1.test/p1", Status: 429, RetryAfter: 2 * time.Minute}
		st, run, err := crawlWith(t, t.Context(), web, harvest.Harvester{Concurrency: 4, HostConcurrency: 1}, hosts(3)...)
		if err != nil {
			t.Fatal(err)
		}
		asked := web.byURL["http://h0.test/p1"]
		for _, sp := range web.spansOf("h0.test") {
			if sp[0].After(asked[0]) && sp[0].Sub(asked[1]) < 5*time.Second {
				t.Errorf("h0.test was asked again %v after its Retry-After of 5s", sp[0].Sub(asked[1]))
			}
		}
		if len(web.spansOf("h0.test")) != 4 {
			t.Errorf("h0.test: %d requests, want its 4 pages", len(web.spansOf("h0.test")))
		}
		if run.Status != harvest.RunStopped || !strings.Contains(run.Error, "asked us (Retry-After) to wait longer than --max-crawl-delay") {
			t.Errorf("run = %s %q; want stopped, saying why", run.Status, run.Error)
		}
		states := st.states()
		if states["http://h1.test/p2"] != harvest.PageQueued || states["http://h2.test/p3"] != harvest.PageFetched {
			t.Errorf("h1's other pages should wait, h2's be fetched: %v", states)
		}
	})
}

// Hosts take turns: a small site's pages are not left until a big one's
// are done.
func TestCrawlerInterleavesHosts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(60, 10*time.Millisecond)
		web.answer["http://small.test/"] = &harvest.Response{URL: "http://small.test/", FinalURL: "http://small.test/", Status: 200, HTML: true,
			Body: []byte("http://small.test/a http://small.test/b")}
		_, run, err := crawlWith(t, t.Context(), web, harvest.Harvester{Concurrency: 1, HostConcurrency: 1}, "http://big.test/", "http://small.test/")
		if err != nil || run.PagesFetched != 63 {
			t.Fatalf("run = %+v, %v", run, err)
		}
		for _, u := range []string{"http://small.test/a", "http://small.test/b"} {
			if i := slices.Index(web.order, u); i < 0 || i > 6 {
				t.Errorf("%s was request %d of %d; want it among the first, the hosts taking turns", u, i, len(web.order))
			}
		}
	})
}

// --max-pages and --max-pages-per-host stop the crawl with the rest
// queued, and say so.
func TestCrawlerLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, run, err := crawlWith(t, t.Context(), newSlowWeb(10, time.Millisecond), harvest.Harvester{Concurrency: 4, MaxPages: 3}, hosts(2)...)
		fetched := 0
		for _, s := range st.states() {
			if s == harvest.PageFetched {
				fetched++
			}
		}
		if err != nil || fetched != 3 || run.Status != harvest.RunStopped || run.Error != "--max-pages reached; 17 pages wait for the next run" {
			t.Errorf("--max-pages 3: %d fetched, run %s %q, %v", fetched, run.Status, run.Error, err)
		}
		st, run, err = crawlWith(t, t.Context(), newSlowWeb(10, time.Millisecond), harvest.Harvester{Concurrency: 4, MaxPagesPerHost: 4}, hosts(2)...)
		per := map[string]int{}
		for u, s := range st.states() {
			if s == harvest.PageFetched {
				pu, _ := url.Parse(u)
				per[pu.Host]++
			}
		}
		if err != nil || per["h0.test"] != 4 || per["h1.test"] != 4 || run.Status != harvest.RunStopped ||
			run.Error != "--max-pages-per-host reached on 2 host(s); 12 pages wait for the next run" {
			t.Errorf("--max-pages-per-host 4: %v, run %s %q, %v", per, run.Status, run.Error, err)
		}
	})
}

// --max-duration stops taking work, stores what was fetched, and the run
// is stopped; a signal (ctx cancelled) does the same and the run is
// interrupted. Pages cut short stay queued.
func TestCrawlerStops(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      harvest.Harvester
		cancel time.Duration
		want   harvest.RunStatus
	}{
		{"max duration", harvest.Harvester{MaxDuration: 2200 * time.Millisecond}, 0, harvest.RunStopped},
		{"interrupt", harvest.Harvester{}, 2200 * time.Millisecond, harvest.RunInterrupted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tc.cancel > 0 {
					time.AfterFunc(tc.cancel, cancel)
				}
				tc.h.Concurrency, tc.h.Delay = 2, time.Second
				start := time.Now()
				st, run, err := crawlWith(t, ctx, newSlowWeb(10, 400*time.Millisecond), tc.h, hosts(2)...)
				if err != nil || run.Status != tc.want {
					t.Fatalf("run %s, %v; want %s", run.Status, err, tc.want)
				}
				if took := time.Since(start); took > 3*time.Second {
					t.Errorf("stopping took until %v", took)
				}
				counts := map[harvest.PageState]int{}
				for _, s := range st.states() {
					counts[s]++
				}
				// 3 requests per host started in 2.2 s (at 0, 1 and 2 s, each
				// taking 0.4 s); the third of each was cut short at 2.2 s and
				// stays queued.
				if counts[harvest.PageFetched] != 4 || counts[harvest.PageQueued] != 16 || run.PagesFetched != 4 {
					t.Errorf("pages by state %v, run counts %d fetched; want 4 fetched, the rest queued", counts, run.PagesFetched)
				}
			})
		})
	}
}

// Fetched pages are stored in batches of at most 512, each page whole
// (its outcome, references and out-links in one save), each once; a
// failed save ends the run with the error and leaves the pages queued.
func TestCrawlerBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, run, err := crawlWith(t, t.Context(), newSlowWeb(700, time.Millisecond), harvest.Harvester{Concurrency: 16, HostConcurrency: 16}, hosts(2)...)
		if err != nil || run.PagesFetched != 1400 {
			t.Fatalf("run = %+v, %v", run, err)
		}
		saved := map[int64]int{}
		for _, b := range st.batches {
			if len(b) > 512 {
				t.Errorf("a batch of %d pages", len(b))
			}
			for _, s := range b {
				saved[s.Page.ID]++
				if len(s.Refs) != 1 || s.Refs[0].ID != videoOf(s.Page.URL) {
					t.Errorf("%s was saved without its reference: %+v", s.Page.URL, s.Refs)
				}
			}
		}
		for id, n := range saved {
			if n != 1 {
				t.Errorf("page %d saved %d times", id, n)
			}
		}
		if len(saved) != 1400 || len(st.batches) > 140 {
			t.Errorf("%d pages saved in %d batches; want 1400, more than 10 a batch on average", len(saved), len(st.batches))
		}

		st = newMemStore()
		st.failAt = 2
		h := harvest.Harvester{Runs: st, Frontier: st, Fetcher: newSlowWeb(50, time.Millisecond), Extract: extractLines,
			Scope: anyScope{}, Depth: 1, Concurrency: 4}
		run, err = h.Run(t.Context(), hosts(1))
		if err == nil || !strings.Contains(err.Error(), "disk full") || run.Status != harvest.RunFailed {
			t.Errorf("a failed save: run %s, %v; want failed with the error", run.Status, err)
		}
	})
}

// With Concurrency 0 (auto) a crawl of many hosts keeps one request in
// flight per host ready, so it ends near the politeness bound (the
// busiest host's requests times the delay), where a fixed 4 in flight
// would take many times that.
func TestCrawlerAutoConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(5, 100*time.Millisecond)
		start := time.Now()
		_, run, err := crawlWith(t, t.Context(), web, harvest.Harvester{Delay: time.Second, HostConcurrency: 1}, hosts(60)...)
		if err != nil || run.PagesFetched != 300 {
			t.Fatalf("run = %+v, %v", run, err)
		}
		bound := 5 * time.Second // 5 requests to each host, 1 s apart
		if took := time.Since(start); took > bound*115/100 {
			t.Errorf("60 hosts of 5 pages took %v; want within 1.15 times the politeness bound of %v", took, bound)
		}
		most := 0
		web.mu.Lock()
		for _, n := range web.maxFlight {
			most = max(most, n)
		}
		web.mu.Unlock()
		if most != 1 {
			t.Errorf("%d requests at once to one host, want 1", most)
		}
	})
}

// The progress counters end where the run's counts do: every page found
// was stored, fetched or failed, so a progress line ends at "N of N".
func TestCrawlerProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := newSlowWeb(30, time.Millisecond)
		seeds := hosts(3)
		web.answer[seeds[1]+"p7"] = &harvest.Response{URL: seeds[1] + "p7", FinalURL: seeds[1] + "p7", Status: 404}
		var p harvest.Progress
		_, run, err := crawlWith(t, t.Context(), web, harvest.Harvester{Concurrency: 8, Progress: &p}, seeds...)
		if err != nil {
			t.Fatal(err)
		}
		if run.PagesFetched != 89 || run.PagesFailed != 1 {
			t.Errorf("run: %d fetched, %d failed; want 89 and 1", run.PagesFetched, run.PagesFailed)
		}
		done, found := p.PagesDone.Load(), p.PagesFound.Load()
		if stored := int64(run.PagesFetched + run.PagesFailed + run.PagesSkipped + run.PagesNotModified); done != stored || found != stored {
			t.Errorf("progress ends at %d of %d; want %d of %d", done, found, stored, stored)
		}
	})
}
