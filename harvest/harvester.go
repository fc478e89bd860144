package harvest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// RunStatus is how a run ended.
type RunStatus string

// The run statuses.
const (
	RunRunning     RunStatus = "running"     // still going, or killed without a trace
	RunOK          RunStatus = "ok"          // the frontier and the video queue were worked through
	RunBlocked     RunStatus = "blocked"     // YouTube blocked us; videos left pending for the next run
	RunStopped     RunStatus = "stopped"     // a limit, or a postponed host, left work for the next run (Run.Error says which)
	RunInterrupted RunStatus = "interrupted" // a signal or deadline cut the run short
	RunFailed      RunStatus = "failed"      // the run could not go on (database error)
)

var errMaxDuration = errors.New("--max-duration reached")

// Run is one invocation of the harvester, as recorded in the runs table.
type Run struct {
	ID               int64
	Command          string // crawl, video, refresh
	StartedAt        time.Time
	FinishedAt       time.Time
	Status           RunStatus
	Seeds            int
	SeedsFailed      int // seeds that could not be fetched (errors and non-200 answers)
	PagesFetched     int // pages answered 200 (HTML or not)
	PagesFailed      int // errors and non-200 answers
	PagesNotModified int // re-checked pages that answered 304
	PagesSkipped     int // pages robots.txt kept us from
	RefsFound        int // references stored (new or seen again)
	NewLinks         int // references not seen on their page before
	LinksOutOfScope  int // distinct out-links of a page left out by the scope (hosts, --allow, --deny, traps), summed over pages
	NewVideos        int // videos seen for the first time
	VideosFetched    int // videos with a definitive answer
	VideosFailed     int // videos answered blocked or error
	Transcripts      int // transcripts stored
	Error            string
	Options          string // the options of the run, as JSON
	Version          string // of the ytharvest that ran it

	// FailedVideos maps the videos whose fetch failed this run (status
	// error: not blocked, not definitive) to the reason. Not stored: the
	// video command reports them.
	FailedVideos map[string]string

	seedError string // the first seed's failure, for Error when every seed failed
}

// Progress counts a run's work as it goes, for a progress line. The
// counters are safe to read at any time.
type Progress struct {
	PagesDone  atomic.Int64 // pages stored this run
	PagesFound atomic.Int64 // pages this run has to fetch so far: seeds, pages due again, pages found
	VideosDone atomic.Int64 // videos answered this run
}

// Harvester drives one run of the pipeline: seeds -> frontier -> fetch ->
// extract -> store, and alongside it the video queue -> YouTube -> store.
// Each stage takes the store it needs: the crawl a Frontier, the video
// stage a VideoStore, the run's record a RunLog (db.DB is all three).
type Harvester struct {
	Runs       RunLog
	Frontier   Frontier
	VideoStore VideoStore
	Fetcher    Fetcher
	Extract    ExtractFunc
	// ExtractText scans text pages (text/plain, text/markdown) for pasted
	// references; nil: they are recorded, not scanned.
	ExtractText ExtractTextFunc
	Scope       Scope
	Videos      VideoSource // nil: record references only, fetch no metadata
	Robots      Robots      // nil: robots.txt is not consulted

	Log      *slog.Logger
	Now      func() time.Time
	Progress *Progress // nil: not counted

	Depth              int           // how many links away from a seed to follow
	Concurrency        int           // pages fetched at once
	HostConcurrency    int           // pages fetched at once from one host (default 1)
	Delay              time.Duration // least time between the starts of two requests to one host
	VideoConcurrency   int           // videos fetched at once
	MaxPages           int           // pages fetched per run; 0 = no limit
	MaxPagesPerHost    int           // pages fetched per host per run; 0 = no limit
	MaxDuration        time.Duration // stop taking work after this long; 0 = no limit
	RefreshAfter       time.Duration // re-fetch video metadata older than this
	Transcripts        bool          // fetch the transcripts of playable videos (once each)
	ExpandPlaylists    bool          // list the videos of the playlists pages reference
	MaxPlaylistVideos  int           // at most this many videos of one playlist; 0 = all
	RefetchTranscripts bool          // fetch them again, once this run
	RecrawlAfter       time.Duration // check fetched pages again after this; 0 = never
	Since              time.Time     // skip sitemap and feed entries published before this
	MaxCrawlDelay      time.Duration // cap on a robots.txt Crawl-delay, and the longest Retry-After waited for (default 1 minute)
	SitemapsFromRobots bool          // add the Sitemap lines of the seeds' robots.txt as seeds
	Options            string        // recorded with the run
	Version            string        // recorded with the run
}

// Run harvests from seeds until the frontier and the video queue are done,
// ctx ends, or YouTube blocks us. Per-page and per-video failures are data,
// recorded in the store; Run returns an error only when the run could not
// go on (the store failed). The returned Run is never nil.
func (h *Harvester) Run(ctx context.Context, seeds []string) (*Run, error) {
	return h.do(ctx, "crawl", func(ctx context.Context, run *Run) error { return h.crawl(ctx, run, seeds) })
}

// Refresh fetches the videos due for a fetch — never fetched, blocked or
// failed last time, older than RefreshAfter, or missing a transcript —
// without crawling any page.
func (h *Harvester) Refresh(ctx context.Context) (*Run, error) {
	return h.do(ctx, "refresh", func(ctx context.Context, run *Run) error {
		vr := h.newVideoRun(run.StartedAt)
		done := make(chan struct{})
		close(done)
		err := vr.work(ctx, done, nil, nil)
		return h.finishVideos(ctx, run, &vr.stats, err)
	})
}

// FetchVideos fetches the given videos now, with their transcripts when
// Transcripts is set, whatever their state: the same statuses and
// circuit breaker as a crawl.
func (h *Harvester) FetchVideos(ctx context.Context, ids []string) (*Run, error) {
	return h.do(ctx, "video", func(ctx context.Context, run *Run) error {
		if err := h.VideoStore.AttemptVideos(ctx, ids); err != nil {
			return fmt.Errorf("add videos: %w", err)
		}
		var claims []VideoClaim
		for _, id := range ids {
			claims = append(claims, VideoClaim{ID: id, NeedTranscript: h.Transcripts})
		}
		vr := h.newVideoRun(run.StartedAt)
		err := vr.work(ctx, nil, nil, claims)
		return h.finishVideos(ctx, run, &vr.stats, err)
	})
}

// do records a run of command around fn.
func (h *Harvester) do(ctx context.Context, command string, fn func(context.Context, *Run) error) (*Run, error) {
	now := h.now()
	run := &Run{Command: command, StartedAt: now, Status: RunRunning, Options: h.Options, Version: h.Version}
	if err := h.Runs.StartRun(ctx, run); err != nil {
		run.Status, run.FinishedAt = RunFailed, h.now()
		return run, fmt.Errorf("start run: %w", err)
	}
	// --max-duration ends the run like a signal would, but it is a planned
	// stop: the run is "stopped", and the next one carries on.
	rctx, cancel := ctx, context.CancelFunc(func() {})
	if h.MaxDuration > 0 {
		rctx, cancel = context.WithTimeoutCause(ctx, h.MaxDuration, errMaxDuration)
	}
	err := fn(rctx, run)
	cancel()
	switch {
	case ctx.Err() == nil && errors.Is(context.Cause(rctx), errMaxDuration) && (err == nil || rctx.Err() != nil):
		h.log().Info("--max-duration reached; the rest waits for the next run", "max_duration", h.MaxDuration)
		run.Status, run.Error, err = RunStopped, fmt.Sprintf("--max-duration %v reached; the rest waits for the next run", h.MaxDuration), nil
	case err != nil && ctx.Err() != nil:
		run.Status, err = RunInterrupted, nil
	case err != nil:
		run.Status, run.Error = RunFailed, err.Error()
	}
	run.FinishedAt = h.now()
	// Record the end even when ctx is done: an interrupted run says so.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ferr := h.Runs.FinishRun(fctx, run); ferr != nil && err == nil {
		err = fmt.Errorf("finish run: %w", ferr)
	}
	return run, err
}

// crawl is a crawl's run: the seeds into the frontier, then the crawl and
// the video stage side by side until both are done.
func (h *Harvester) crawl(ctx context.Context, run *Run, seeds []string) error {
	seeds, err := h.seeds(ctx, seeds)
	if err != nil {
		return err
	}
	run.Seeds = len(seeds)
	if err := h.Frontier.AddSeeds(ctx, seeds); err != nil {
		return fmt.Errorf("add seeds: %w", err)
	}
	n, err := h.Frontier.QueueDue(ctx, run.StartedAt)
	if err != nil {
		return fmt.Errorf("queue pages due for a re-check: %w", err)
	} else if n > 0 {
		h.log().Info("re-checking pages", "pages", n)
	}
	if h.Progress != nil {
		h.Progress.PagesFound.Add(int64(len(seeds) + n))
	}

	var (
		wg        sync.WaitGroup
		crawlDone = make(chan struct{})
		wake      = make(chan struct{}, 1) // new videos were stored
		vr        = h.newVideoRun(run.StartedAt)
		verr      error
	)
	if h.Videos != nil {
		wg.Go(func() { verr = vr.work(ctx, crawlDone, wake, nil) })
	}
	cerr := newCrawler(h, run, wake).crawl(ctx)
	close(crawlDone)
	wg.Wait()

	if err := h.finishVideos(ctx, run, &vr.stats, errors.Join(cerr, verr)); err != nil {
		return err
	}
	if run.Seeds > 0 && run.SeedsFailed == run.Seeds {
		// Nothing could be crawled: a run that looks done would hide it
		// from cron.
		run.Status = RunFailed
		run.Error = fmt.Sprintf("every seed failed (%d); first: %s", run.Seeds, run.seedError)
	}
	return nil
}

// seeds normalises the seeds and, with SitemapsFromRobots, adds the
// Sitemap lines of their robots.txt.
func (h *Harvester) seeds(ctx context.Context, seeds []string) ([]string, error) {
	var norm []string
	for _, s := range seeds {
		u, err := h.Scope.Normalize(s)
		if err != nil {
			return nil, fmt.Errorf("seed %q: %w", s, err)
		}
		norm = append(norm, u)
	}
	if h.SitemapsFromRobots && h.Robots != nil {
		norm = h.robotsSitemaps(ctx, norm)
	}
	return norm, nil
}

// robotsSitemaps adds to the seeds the Sitemap lines of their hosts'
// robots.txt files.
func (h *Harvester) robotsSitemaps(ctx context.Context, seeds []string) []string {
	out := slices.Clone(seeds)
	done := make(map[string]bool)
	for _, s := range seeds {
		u, err := url.Parse(s)
		if err != nil || done[u.Scheme+u.Host] {
			continue
		}
		done[u.Scheme+u.Host] = true
		maps, err := h.Robots.Sitemaps(ctx, s)
		if err != nil {
			h.log().Warn("could not read the sitemaps of robots.txt", "host", u.Host, "error", err)
			continue
		}
		for _, m := range maps {
			if n, err := h.Scope.Normalize(m); err == nil && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// finishVideos records the video stage's counts and says how the run
// ended.
func (h *Harvester) finishVideos(ctx context.Context, run *Run, vstats *videoStats, err error) error {
	run.VideosFetched = int(vstats.fetched.Load())
	run.Transcripts = int(vstats.transcripts.Load())
	run.VideosFailed = int(vstats.failed.Load())
	vstats.mu.Lock()
	run.FailedVideos = vstats.errors
	vstats.mu.Unlock()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	blocked := vstats.blocked.Load()
	if run.VideosFailed > 0 && !blocked {
		h.log().Warn("videos could not be fetched; they are tried again on the next run",
			"videos_failed", run.VideosFailed, "videos_fetched", run.VideosFetched, "last_reason", vstats.errorReason())
	}
	switch {
	case vstats.stopped.Load():
		// YouTube refused every client identity: a run that looks
		// blocked would wait for a block to lift that is not one.
		run.Status = RunFailed
		run.Error = vstats.blockReason()
	case blocked:
		run.Status = RunBlocked
		run.Error = vstats.blockReason()
	case run.VideosFetched == 0 && run.VideosFailed > 0:
		// Not one answer: YouTube (or --youtube-url) is unreachable, or
		// answers nothing we can read.
		run.Status = RunFailed
		run.Error = fmt.Sprintf("no video could be fetched: %d failed; last: %s", run.VideosFailed, vstats.errorReason())
	case run.Status == RunRunning:
		run.Status = RunOK
	}
	return nil
}

// CapCrawlDelay returns the robots.txt Crawl-delay d as the crawl waits
// it: at most MaxCrawlDelay.
func (h *Harvester) CapCrawlDelay(d time.Duration) time.Duration {
	return min(d, h.maxCrawlDelay())
}

func (h *Harvester) maxCrawlDelay() time.Duration {
	if h.MaxCrawlDelay > 0 {
		return h.MaxCrawlDelay
	}
	return time.Minute
}

func (h *Harvester) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return time.Now().UTC()
}

func (h *Harvester) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}
