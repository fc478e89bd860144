package harvest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
type Harvester struct {
	Store   Store
	Fetcher Fetcher
	Extract ExtractFunc
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
	return h.do(ctx, "crawl", func(ctx context.Context, run *Run) error { return h.run(ctx, run, seeds) })
}

// Refresh fetches the videos due for a fetch — never fetched, blocked or
// failed last time, older than RefreshAfter, or missing a transcript —
// without crawling any page.
func (h *Harvester) Refresh(ctx context.Context) (*Run, error) {
	return h.do(ctx, "refresh", func(ctx context.Context, run *Run) error {
		done := make(chan struct{})
		close(done)
		var vs videoStats
		err := h.videoStage(ctx, run.StartedAt, done, nil, &vs, nil)
		return h.finishVideos(ctx, run, &vs, err)
	})
}

// FetchVideos fetches the given videos now, with their transcripts when
// Transcripts is set, whatever their state: the same statuses and
// circuit breaker as a crawl.
func (h *Harvester) FetchVideos(ctx context.Context, ids []string) (*Run, error) {
	return h.do(ctx, "video", func(ctx context.Context, run *Run) error {
		if err := h.Store.AttemptVideos(ctx, ids); err != nil {
			return fmt.Errorf("add videos: %w", err)
		}
		var claims []VideoClaim
		for _, id := range ids {
			claims = append(claims, VideoClaim{ID: id, NeedTranscript: h.Transcripts})
		}
		var vs videoStats
		err := h.videoStage(ctx, run.StartedAt, nil, nil, &vs, claims)
		return h.finishVideos(ctx, run, &vs, err)
	})
}

// do records a run of command around fn.
func (h *Harvester) do(ctx context.Context, command string, fn func(context.Context, *Run) error) (*Run, error) {
	now := h.now()
	run := &Run{Command: command, StartedAt: now, Status: RunRunning, Options: h.Options, Version: h.Version}
	if err := h.Store.StartRun(ctx, run); err != nil {
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
	if ferr := h.Store.FinishRun(fctx, run); ferr != nil && err == nil {
		err = fmt.Errorf("finish run: %w", ferr)
	}
	return run, err
}

func (h *Harvester) run(ctx context.Context, run *Run, seeds []string) error {
	var norm []string
	for _, s := range seeds {
		u, err := h.Scope.Normalize(s)
		if err != nil {
			return fmt.Errorf("seed %q: %w", s, err)
		}
		norm = append(norm, u)
	}
	if h.SitemapsFromRobots && h.Robots != nil {
		norm = h.robotsSitemaps(ctx, norm)
	}
	run.Seeds = len(norm)
	if err := h.Store.AddSeeds(ctx, norm); err != nil {
		return fmt.Errorf("add seeds: %w", err)
	}
	n, err := h.Store.QueueDue(ctx, run.StartedAt)
	if err != nil {
		return fmt.Errorf("queue pages due for a re-check: %w", err)
	} else if n > 0 {
		h.log().Info("re-checking pages", "pages", n)
	}
	if h.Progress != nil {
		h.Progress.PagesFound.Add(int64(len(norm) + n))
	}

	var (
		wg        sync.WaitGroup
		crawlDone = make(chan struct{})
		wake      = make(chan struct{}, 1)
		vstats    videoStats
		verr      error
	)
	if h.Videos != nil {
		wg.Go(func() { verr = h.videoStage(ctx, run.StartedAt, crawlDone, wake, &vstats, nil) })
	}
	cerr := h.crawlStage(ctx, run, wake)
	close(crawlDone)
	wg.Wait()

	if err := h.finishVideos(ctx, run, &vstats, errors.Join(cerr, verr)); err != nil {
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

// pageResult is what a fetch worker hands to the writer.
type pageResult struct {
	page       *Page
	refs       []Reference
	out        []Page
	outOfScope int           // out-links the scope left out
	wait       time.Duration // the server asked us to wait this long (Retry-After)
	crawlDelay time.Duration // robots.txt asks for this much between requests
	postponed  bool          // robots.txt could not be fetched: the page waits for a later run
	cancelled  bool          // the run ended during the fetch: the page goes back to the queue
}

// MaxOutLinks is how many out-links of one HTML page join the frontier:
// the first 10,000 in scope, in page order. News pages link a few hundred;
// a hostile page of a million links (10 MiB of <a href=/N>) would
// otherwise cost the writer most of a minute and over a gigabyte of
// memory for that one page. Sitemaps have their own bound (50,000
// entries, crawl.MaxEntries).
const MaxOutLinks = 10_000

// MaxTags is how many tags (counted as '<' bytes) of one page are parsed.
// The parsed document takes about 300 bytes per tag, so this bounds a
// page's memory at about 60 MB whatever its size; the biggest page of the
// test corpus, 2.2 MB of a news front page, has 25,000. A page with more
// is parsed up to its 200,000th and recorded truncated, like one longer
// than --max-body.
const MaxTags = 200_000

// LimitTags returns the part of an HTML body that is parsed: all of it, or
// the part before its MaxTags+1st tag, with truncated set.
func LimitTags(body []byte) (parsed []byte, truncated bool) {
	if n := tagsEnd(body); n < len(body) {
		return body[:n], true
	}
	return body, false
}

// tagsEnd returns the offset of body's MaxTags+1st '<', or len(body) when
// it has no more than MaxTags.
func tagsEnd(body []byte) int {
	if len(body) < MaxTags {
		return len(body) // too short to hold more
	}
	off := 0
	for range MaxTags {
		i := bytes.IndexByte(body[off:], '<')
		if i < 0 {
			return len(body)
		}
		off += i + 1
	}
	if i := bytes.IndexByte(body[off:], '<'); i >= 0 {
		return off + i
	}
	return len(body)
}

// maxSeen bounds the per-run set of URLs already handed to the frontier
// (about 20 bytes each).
const maxSeen = 500_000

// crawlStage works through the frontier: claim queued pages a few at a
// time, hold them in a scheduler until their host may be asked again,
// fetch and extract them on Concurrency workers, and store each result in
// batches, one operation at a time, from a goroutine of its own (SQLite
// has one writer).
func (h *Harvester) crawlStage(ctx context.Context, run *Run, wake chan<- struct{}) error {
	n := max(h.Concurrency, 1)
	// Buffered to n so that sending never blocks: at most n pages are in
	// flight (queued here or held by a worker).
	jobs := make(chan Page, n)
	results := make(chan pageResult, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for p := range jobs {
				results <- h.fetchPage(ctx, p)
			}
		})
	}
	sched := newScheduler(h.Delay, h.HostConcurrency)
	// How many pages to hold beyond those in flight: enough to keep every
	// worker busy across hosts while a batch is written, few enough that
	// memory does not grow with the frontier.
	lookahead := max(16*n, 128)
	// The pages this run has taken from the frontier and not yet stored
	// the outcome of. They stay queued in the database (a killed run
	// leaves nothing to undo, and taking pages costs no write); this set
	// keeps the next take from handing them out again. Pages put back
	// (their host closed, or the run stopping) stay in it: they wait for
	// the next run.
	taken := make(map[int64]struct{})
	defer func() {
		close(jobs)
		wg.Wait()
	}()

	// Since Go 1.23 a timer can be Reset at any time without draining it.
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	inflight, done := 0, 0
	stopping := false
	seen := newSeenSet(maxSeen)
	perHost := make(map[string]int) // pages sent per host, for MaxPagesPerHost
	var fullHosts []string          // hosts that reached MaxPagesPerHost
	var closedHosts []string        // hosts not to claim pages of: full, or postponed
	postponed := 0                  // pages put back because robots.txt was unreachable
	var waitHosts []string          // hosts whose Retry-After is longer than MaxCrawlDelay
	frontierChanged := true         // a claim may find something new
	// dispatch hands the held pages whose host is ready to idle workers.
	dispatch := func() {
		now := h.now()
		for inflight < n {
			p, ok := sched.next(now)
			if !ok {
				return
			}
			if h.MaxPagesPerHost > 0 {
				if perHost[p.Host] >= h.MaxPagesPerHost {
					// Claimed before the host filled up: back it goes.
					sched.done(p.Host, now, 0)
					continue
				}
				if perHost[p.Host]++; perHost[p.Host] == h.MaxPagesPerHost {
					fullHosts = append(fullHosts, p.Host)
					closedHosts = append(closedHosts, p.Host)
					frontierChanged = true // other hosts may have pages the filter hid
				}
			}
			jobs <- p
			inflight++
		}
	}
	// The database work — storing fetched pages, claiming queued ones —
	// runs on a goroutine of its own, one operation at a time (SQLite has
	// one writer), so that this loop goes on handing pages to the workers
	// while a batch is written. Results that arrive meanwhile wait in
	// pending and go out together in the next operation.
	var pending []pageResult   // fetched, not yet handed to the store
	var pendingSince time.Time // when the oldest of them arrived
	busy := false              // an operation is in flight
	ops := make(chan dbOpResult, 1)
	defer func() {
		if busy {
			<-ops // the deferred requeue needs the database
		}
	}()
	for {
		stopping = stopping || ctx.Err() != nil
		if !busy {
			limit := 0
			if !stopping {
				limit = lookahead - sched.held
				if h.MaxPages > 0 {
					limit = min(limit, h.MaxPages-done-len(pending)-inflight-sched.held)
				}
				// Take pages only once the window is half empty, and then in
				// bulk.
				if !(frontierChanged || len(pending) > 0) || sched.held > lookahead/2 {
					limit = 0
				}
			}
			// Fetched pages are stored in batches of at least minSaveBatch
			// while pages are in flight: each commit writes every database
			// page the batch touched, and the frontier's index pages are
			// touched by every batch. Nothing waits longer than maxSaveDelay.
			save := len(pending) >= minSaveBatch ||
				len(pending) > 0 && (inflight == 0 || stopping || h.now().Sub(pendingSince) >= maxSaveDelay)
			if save || limit > 0 {
				batch := pending[:min(len(pending), maxSaveBatch)]
				pending = pending[len(batch):]
				busy = true
				var exclude []int64
				if limit > 0 {
					exclude = make([]int64, 0, len(taken))
					for id := range taken {
						exclude = append(exclude, id)
					}
				}
				go h.dbOp(ctx, batch, limit, frontierChanged, closedHosts, exclude, ops)
			}
		}
		if !stopping {
			dispatch()
		}
		if inflight == 0 && !busy && len(pending) == 0 && (stopping || sched.held == 0) {
			if !stopping && postponed > 0 {
				n := len(closedHosts) - len(fullHosts) - len(waitHosts)
				h.log().Info("hosts postponed; their pages wait for the next run", "hosts", n)
				run.Status, run.Error = RunStopped, fmt.Sprintf("robots.txt of %d host(s) answered with an error; their pages wait for the next run", n)
			}
			if !stopping && len(waitHosts) > 0 {
				left, err := h.Store.CountQueued(ctx, h.Depth)
				if err != nil {
					return fmt.Errorf("count queued pages: %w", err)
				}
				if left > 0 {
					run.Status, run.Error = RunStopped, fmt.Sprintf("%d host(s) asked us (Retry-After) to wait longer than --max-crawl-delay; their pages wait for the next run", len(waitHosts))
				}
			}
			if !stopping && len(fullHosts) > 0 {
				left, err := h.Store.CountQueued(ctx, h.Depth)
				if err != nil {
					return fmt.Errorf("count queued pages: %w", err)
				}
				if left > 0 {
					h.log().Info("page limit per host reached; the rest stays queued for the next run",
						"max_pages_per_host", h.MaxPagesPerHost, "hosts", len(fullHosts), "queued", left)
					run.Status, run.Error = RunStopped, fmt.Sprintf("--max-pages-per-host reached on %d host(s); %d pages wait for the next run", len(fullHosts), left)
				}
			}
			if !stopping && h.MaxPages > 0 && done >= h.MaxPages {
				left, err := h.Store.CountQueued(ctx, h.Depth)
				if err != nil {
					return fmt.Errorf("count queued pages: %w", err)
				}
				if left > 0 {
					h.log().Info("page limit reached; the rest stays queued for the next run",
						"max_pages", h.MaxPages, "queued", left)
					run.Status, run.Error = RunStopped, fmt.Sprintf("--max-pages reached; %d pages wait for the next run", left)
				}
			}
			return nil
		}
		var wakeUp <-chan time.Time
		at, ok := sched.wakeAt()
		ok = ok && !stopping && inflight < n
		if len(pending) > 0 && !busy && (!ok || pendingSince.Add(maxSaveDelay).Before(at)) {
			at, ok = pendingSince.Add(maxSaveDelay), true
		}
		if ok {
			timer.Reset(max(at.Sub(h.now()), 0))
			wakeUp = timer.C
		}
		select {
		case r := <-results:
			// Take whatever else has arrived too.
			batch := []pageResult{r}
		drain:
			for len(batch) < n {
				select {
				case r := <-results:
					batch = append(batch, r)
				default:
					break drain
				}
			}
			inflight -= len(batch)
			for _, r := range batch {
				sched.done(r.page.Host, h.now(), r.wait)
				if r.crawlDelay > 0 {
					sched.setDelay(r.page.Host, min(r.crawlDelay, h.maxCrawlDelay()))
				}
				if r.wait > h.maxCrawlDelay() && !slices.Contains(closedHosts, r.page.Host) {
					// Waiting that long would keep this run idle (and cron's
					// next run locked out): the host's pages wait for a later run.
					h.log().Warn("host asked us to wait longer than --max-crawl-delay; its pages wait for a later run",
						"host", r.page.Host, "retry_after", r.wait, "max_crawl_delay", h.maxCrawlDelay())
					waitHosts = append(waitHosts, r.page.Host)
					closedHosts = append(closedHosts, r.page.Host)
					sched.drop(r.page.Host)
				}
				switch {
				case r.postponed:
					postponed++
					if !slices.Contains(closedHosts, r.page.Host) {
						h.log().Warn("robots.txt unreachable; the host's pages wait for a later run", "host", r.page.Host, "error", r.page.Error)
						closedHosts = append(closedHosts, r.page.Host)
						frontierChanged = true
					}
				case r.cancelled:
					// The fetch was cut short: the page stays queued.
				default:
					// Only links not handed to the frontier this run go to the
					// store (a link known from an earlier run costs one
					// statement, once per run). Pages fetched whole are stored
					// even when the run is stopping: the work is done, and a
					// batch takes milliseconds.
					out := r.out[:0:0]
					for _, o := range r.out {
						if seen.add(o.URL) {
							out = append(out, o)
						}
					}
					r.out = out
					if len(pending) == 0 {
						pendingSince = h.now()
					}
					pending = append(pending, r)
				}
			}
		case op := <-ops:
			busy = false
			if op.err != nil {
				return op.err
			}
			newVideos := 0
			for i, r := range op.saved {
				delete(taken, r.page.ID)
				done++
				frontierChanged = frontierChanged || op.stats[i].NewPages > 0
				if h.Progress != nil {
					h.Progress.PagesDone.Add(1)
					h.Progress.PagesFound.Add(int64(op.stats[i].NewPages))
				}
				h.count(run, r, op.stats[i])
				newVideos += op.stats[i].NewVideos
			}
			if op.claimed {
				for _, p := range op.pages {
					taken[p.ID] = struct{}{}
					sched.add(p)
				}
				// Fewer than asked for: nothing more until a save queues more.
				frontierChanged = len(op.pages) == op.limit
			}
			if newVideos > 0 {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		case <-wakeUp:
		case <-ctx.Done():
			stopping = true
		}
	}
}

// Fetched pages are stored in transactions of minSaveBatch to maxSaveBatch
// pages; fewer when nothing else is in flight, or the oldest has waited
// maxSaveDelay.
const (
	minSaveBatch = 128
	maxSaveBatch = 512
	maxSaveDelay = time.Second
)

// dbOpResult is what one operation of the crawl's database goroutine did.
type dbOpResult struct {
	saved   []pageResult // the pages stored
	stats   []SaveStats  // and what each added
	claimed bool         // whether a claim was made
	limit   int          // how many pages it asked for
	pages   []Page       // the pages it claimed
	err     error
}

// dbOp stores the fetched pages of batch, then, when limit > 0 and the
// frontier may hold something new (it did, or the batch queued pages),
// takes up to limit queued pages other than exclude, and sends what it
// did on ops.
func (h *Harvester) dbOp(ctx context.Context, batch []pageResult, limit int, frontierChanged bool, closedHosts []string, exclude []int64, ops chan<- dbOpResult) {
	res := dbOpResult{saved: batch, limit: limit}
	if len(batch) > 0 {
		saves := make([]PageSave, len(batch))
		for i, r := range batch {
			saves[i] = PageSave{Page: r.page, Refs: r.refs, Out: r.out}
		}
		stats, err := h.Store.SavePages(context.WithoutCancel(ctx), saves)
		if err != nil {
			res.err = fmt.Errorf("save %d pages (%s...): %w", len(saves), saves[0].Page.URL, err)
			ops <- res
			return
		}
		res.stats = stats
		for _, st := range stats {
			frontierChanged = frontierChanged || st.NewPages > 0
		}
	}
	if limit > 0 && frontierChanged && ctx.Err() == nil {
		pages, err := h.Store.NextPages(ctx, limit, h.Depth, slices.Clone(closedHosts), exclude)
		switch {
		case err == nil:
			res.claimed, res.pages = true, pages
		case ctx.Err() == nil:
			res.err = fmt.Errorf("claim pages: %w", err)
		}
	}
	ops <- res
}

func (h *Harvester) count(run *Run, r pageResult, st SaveStats) {
	p := r.page
	switch {
	case p.State == PageFailed:
		run.PagesFailed++
	case p.State == PageSkipped:
		run.PagesSkipped++
	case p.NotModified:
		run.PagesNotModified++
	default:
		run.PagesFetched++
	}
	if p.Seed && p.State == PageFailed {
		// Seeds failing usually means a site is down or moved: say so even
		// at the default log level.
		run.SeedsFailed++
		if run.seedError == "" {
			run.seedError = p.URL + ": " + p.Error
		}
		h.log().Warn("seed failed", "url", p.URL, "error", p.Error)
	}
	run.LinksOutOfScope += r.outOfScope
	run.RefsFound += len(r.refs)
	run.NewVideos += st.NewVideos
	run.NewLinks += st.NewLinks
	h.log().Debug("page", "url", p.URL, "state", p.State, "status", p.HTTPStatus,
		"refs", len(r.refs), "links", len(r.out), "error", p.Error)
}

// fetchPage fetches and extracts one page. It never fails: failures are
// recorded in the page.
func (h *Harvester) fetchPage(ctx context.Context, p Page) pageResult {
	res := pageResult{page: &p}
	p.FetchedAt = h.now()
	defer h.planNextFetch(&p)
	if h.Robots != nil {
		allowed, delay, err := h.Robots.Check(ctx, p.URL)
		switch {
		case errors.Is(err, ErrUnreachable):
			res.postponed, p.Error = true, err.Error()
			return res
		case err != nil:
			res.cancelled = ctx.Err() != nil
			p.State, p.Error = PageFailed, fmt.Sprintf("robots.txt: %v", err)
			return res
		case !allowed:
			p.State, p.Error = PageSkipped, "disallowed by robots.txt"
			return res
		}
		res.crawlDelay = delay
	}
	resp, err := h.Fetcher.Fetch(ctx, Request{URL: p.URL, Seed: p.Seed, Listed: p.Listed, ETag: p.ETag, LastModified: p.LastModified})
	if err != nil {
		// A fetch the run's end cut short says nothing about the page.
		res.cancelled = ctx.Err() != nil
		p.State, p.Error = PageFailed, err.Error()
		return res
	}
	p.HTTPStatus = resp.Status
	res.wait = resp.RetryAfter
	if resp.Status == http.StatusNotModified {
		// Unchanged since the last fetch: what we know of it stands.
		p.State, p.NotModified = PageFetched, true
		return res
	}
	p.FinalURL = resp.FinalURL
	p.ContentType = resp.ContentType
	p.ETag = resp.ETag
	p.LastModified = resp.LastModified
	p.ContentHash = resp.ContentHash
	p.BodyBytes = resp.BodyBytes
	p.Truncated = resp.Truncated
	if resp.Status != http.StatusOK {
		p.State, p.Error = PageFailed, HTTPStatusText(resp.Status)
		return res
	}
	p.State = PageFetched
	p.Kind = resp.Kind
	if resp.Kind.Listing() {
		h.listed(&p, resp, &res)
		return res
	}
	base, err := url.Parse(resp.FinalURL)
	if err != nil {
		base, _ = url.Parse(p.URL)
	}
	if resp.Kind == DocText && h.ExtractText != nil {
		x, err := h.ExtractText(base, resp.Body)
		if err != nil {
			p.Error = fmt.Sprintf("extract: %v", err)
			return res
		}
		res.refs = x.Refs
		return res
	}
	if !resp.HTML {
		return res
	}
	body, truncated := LimitTags(resp.Body)
	if truncated {
		h.log().Info("page has more tags than are parsed; the rest is not read", "url", p.URL, "max_tags", MaxTags)
		p.Truncated = true
	}
	x, err := h.Extract(base, bytes.NewReader(body))
	if err != nil {
		p.Error = fmt.Sprintf("extract: %v", err)
		return res
	}
	p.Title = x.Title
	if c, err := h.Scope.Normalize(x.CanonicalURL); err == nil && x.CanonicalURL != "" {
		p.CanonicalURL = c
	}
	p.Language = x.Language
	p.PublishedAt = x.PublishedAt
	res.refs = x.Refs
	if p.Depth < h.Depth {
		seen := make(map[string]bool)
		for _, l := range x.Links {
			if len(res.out) == MaxOutLinks {
				h.log().Info("page has more links than are followed; the rest are not queued", "url", p.URL, "max_out_links", MaxOutLinks)
				break
			}
			u, err := h.Scope.Normalize(l)
			if err != nil || seen[u] || u == p.URL {
				continue
			}
			seen[u] = true
			if !h.Scope.Allow(u) {
				res.outOfScope++
				continue
			}
			res.out = append(res.out, Page{URL: u, Depth: p.Depth + 1, FoundFrom: p.ID})
		}
	}
	return res
}

// listed queues what a sitemap or feed lists: child sitemaps at the
// sitemap's own depth (an index and its sitemaps are one listing), pages
// one level down. Entries published before Since are left out; entries
// that give no date are kept. What a seed's sitemap or feed lists (depth
// 0: the seed's, or a sitemap of a seed's index) is the user's list,
// fetched whatever its hosts: feeds often live on another host than the
// pages they list.
func (h *Harvester) listed(p *Page, resp *Response, res *pageResult) {
	p.Error = resp.ParseError // a partly readable sitemap still yields what it could
	seen := make(map[string]bool)
	users := p.Depth == 0
	add := func(e Entry, depth int, kind DocKind) {
		u, err := h.Scope.Normalize(e.URL)
		if err != nil || seen[u] || u == p.URL {
			return
		}
		seen[u] = true
		if !h.Scope.Allow(u) && !(users && h.Scope.AllowListed(u)) {
			res.outOfScope++
			return
		}
		res.out = append(res.out, Page{URL: u, Depth: depth, FoundFrom: p.ID, Kind: kind, Listed: users})
	}
	for _, e := range resp.Sitemaps {
		add(e, p.Depth, DocSitemap)
	}
	if p.Depth >= h.Depth {
		return
	}
	for _, e := range resp.Entries {
		if !h.Since.IsZero() && !e.Published.IsZero() && e.Published.Before(h.Since) {
			continue
		}
		add(e, p.Depth+1, "")
	}
}

// planNextFetch sets when a page is checked again: after RecrawlAfter, or
// within the hour after a failure that may pass (a timeout, a 5xx, a 429).
// Seeds need no plan: they are fetched on every run.
func (h *Harvester) planNextFetch(p *Page) {
	if p.Seed || p.Kind.Listing() || h.RecrawlAfter <= 0 {
		return
	}
	wait := h.RecrawlAfter
	if p.State == PageFailed && transient(p.HTTPStatus) {
		wait = min(wait, time.Hour)
	}
	p.NextFetchAt = p.FetchedAt.Add(wait)
}

// transient reports whether a failure with this HTTP status (0: no answer)
// may go away by itself.
func transient(status int) bool {
	return status == 0 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

type videoStats struct {
	fetched, failed atomic.Int64
	transcripts     atomic.Int64
	blocked         atomic.Bool
	stopped         atomic.Bool // the source cannot go on (ErrNoClient)
	mu              sync.Mutex
	reason          string            // the block's, or the stop's
	lastError       string            // the last failure's reason
	errors          map[string]string // video -> why its fetch failed
}

func (s *videoStats) fail(id, reason string) {
	s.failed.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastError = fmt.Sprintf("video %s: %s", id, reason)
	if s.errors == nil {
		s.errors = make(map[string]string)
	}
	s.errors[id] = reason
}

func (s *videoStats) errorReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastError
}

// block records a block and reports whether it was the run's first.
func (s *videoStats) block(reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.blocked.Load() {
		s.reason = reason
		s.blocked.Store(true)
		return true
	}
	return false
}

func (s *videoStats) blockReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// videoStage fetches the metadata of due videos on VideoConcurrency workers
// while the crawl runs, and drains the queue once the crawl is done. On the
// first block it stops asking YouTube anything for the rest of the run (a
// circuit breaker): the videos not yet fetched stay pending for the next run.
// With fixed set, it fetches exactly those videos instead of claiming due
// ones.
func (h *Harvester) videoStage(ctx context.Context, runStart time.Time, crawlDone <-chan struct{}, wake <-chan struct{}, st *videoStats, fixed []VideoClaim) error {
	n := max(h.VideoConcurrency, 1)
	vctx, cancel := context.WithCancel(ctx)
	defer cancel()

	ids := make(chan VideoClaim)
	errc := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for id := range ids {
				if err := h.fetchVideo(vctx, id, st, cancel); err != nil {
					errc <- err
					cancel()
					return
				}
			}
		})
	}

	var err error
	if fixed != nil {
		h.prefetch(vctx, fixed)
	send:
		for _, c := range fixed {
			select {
			case ids <- c:
			case <-vctx.Done():
				break send
			}
		}
	} else {
		err = h.dispatchVideos(vctx, runStart, crawlDone, wake, ids, n, st, cancel)
	}
	close(ids)
	wg.Wait()
	close(errc)
	for e := range errc {
		// The first worker's failure stops the others, which often meet
		// the same one (a full disk) on their way out: report it once.
		if err == nil {
			err = e
		}
	}
	if err != nil && vctx.Err() != nil && ctx.Err() == nil {
		// Cancelled by the breaker or a worker's error, not by the caller.
		if st.blocked.Load() || st.stopped.Load() {
			err = nil
		}
	}
	return err
}

func (h *Harvester) dispatchVideos(ctx context.Context, runStart time.Time, crawlDone <-chan struct{}, wake <-chan struct{}, ids chan<- VideoClaim, n int, st *videoStats, trip context.CancelFunc) error {
	finished := false
	for {
		if h.ExpandPlaylists && !st.blocked.Load() {
			if err := h.expandPlaylists(ctx, runStart, n, st, trip); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		batch, err := h.Store.ClaimVideos(ctx, VideoQuery{
			StaleBefore: h.now().Add(-h.RefreshAfter), NotSince: runStart, Limit: h.claimLimit(n),
			Transcripts: h.Transcripts, RefetchTranscripts: h.RefetchTranscripts,
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("claim videos: %w", err)
		}
		h.prefetch(ctx, batch)
		for _, id := range batch {
			select {
			case ids <- id:
			case <-ctx.Done():
				return nil
			}
		}
		if len(batch) > 0 {
			continue
		}
		if finished {
			return nil
		}
		select {
		case <-wake:
		case <-crawlDone:
			// One more pass picks up what the last pages added.
			finished = true
		case <-ctx.Done():
			return nil
		}
	}
}

// expandPlaylists lists the videos of the playlists that are due, so that
// the video stage fetches them like any referenced video. A block trips the
// breaker (ctx is cancelled).
func (h *Harvester) expandPlaylists(ctx context.Context, runStart time.Time, n int, st *videoStats, trip context.CancelFunc) error {
	ids, err := h.Store.ClaimPlaylists(ctx, h.now().Add(-h.RefreshAfter), runStart, n)
	if err != nil {
		return fmt.Errorf("claim playlists: %w", err)
	}
	for _, id := range ids {
		p, err := h.Videos.Playlist(ctx, id, h.MaxPlaylistVideos)
		if err != nil {
			return nil // ctx ended: the playlist stays due
		}
		if _, err := h.Store.SavePlaylist(context.WithoutCancel(ctx), p); err != nil {
			return fmt.Errorf("save playlist %s: %w", id, err)
		}
		h.log().Debug("playlist", "playlist", id, "status", p.Status, "videos", len(p.VideoIDs), "reason", p.StatusReason)
		if p.Status == VideoBlocked {
			h.blocked(st, trip, fmt.Sprintf("playlist %s: %s", id, p.StatusReason), "playlist", id, p.StatusReason)
			return nil
		}
	}
	return nil
}

func (h *Harvester) fetchVideo(ctx context.Context, c VideoClaim, st *videoStats, trip context.CancelFunc) error {
	id := c.ID
	v, err := h.Videos.Video(ctx, id)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, ErrNoClient) {
			// Nothing more can be asked: the video stays as it was.
			st.stop(err.Error())
			h.log().Error("no more YouTube requests this run", "error", err)
			trip()
		}
		return nil // ctx ended: the video stays due for the next run
	}
	if v.FetchedAt.IsZero() {
		v.FetchedAt = h.now()
	}
	// Store even when ctx was cancelled meanwhile: the answer is real.
	sctx := context.WithoutCancel(ctx)
	if err := h.Store.SaveVideo(sctx, v); err != nil {
		return fmt.Errorf("save video %s: %w", id, err)
	}
	if h.Progress != nil {
		h.Progress.VideosDone.Add(1)
	}
	switch {
	case v.Status == VideoPending: // not asked: every way out to YouTube is blocked
		h.blocked(st, trip, fmt.Sprintf("video %s: %s", id, v.StatusReason), "video", id, v.StatusReason)
		return nil
	case v.Status == VideoBlocked:
		st.failed.Add(1)
		h.blocked(st, trip, fmt.Sprintf("video %s: %s", id, v.StatusReason), "video", id, v.StatusReason)
		return nil
	case v.Status.Definitive():
		st.fetched.Add(1)
	default:
		st.fail(id, v.StatusReason)
		h.log().Debug("video failed", "video", id, "status", v.Status, "reason", v.StatusReason)
	}
	h.log().Debug("video", "video", id, "status", v.Status, "title", v.Title)
	if !c.NeedTranscript || v.Status != VideoOK {
		return nil
	}
	ts, tstatus, reason, err := h.Videos.Transcripts(ctx, v)
	if err != nil {
		return nil // ctx ended: the transcript stays due
	}
	if err := h.Store.SaveTranscripts(sctx, id, tstatus, reason, ts); err != nil {
		return fmt.Errorf("save transcripts of %s: %w", id, err)
	}
	st.transcripts.Add(int64(len(ts)))
	h.log().Debug("transcripts", "video", id, "status", tstatus, "transcripts", len(ts), "reason", reason)
	if tstatus == TranscriptBlocked {
		h.blocked(st, trip, fmt.Sprintf("captions of video %s: %s", id, reason), "video", id, reason)
	}
	return nil
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
