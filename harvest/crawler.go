package harvest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// maxSeen bounds the per-run set of URLs already handed to the frontier
// (about 20 bytes each).
const maxSeen = 500_000

// Fetched pages are stored in transactions of minSaveBatch to maxSaveBatch
// pages; fewer when nothing else is in flight, or the oldest has waited
// maxSaveDelay. Each commit writes every database page the batch touched,
// and the frontier's index pages are touched by every batch, so bigger
// batches write less; nothing waits longer than maxSaveDelay.
const (
	minSaveBatch = 128
	maxSaveBatch = 512
	maxSaveDelay = time.Second
)

// AutoConcurrency is the most requests in flight when Concurrency is 0
// (auto): one per host ready (times HostConcurrency), at most this many.
// A crawl of many hosts is bound by the politeness delay of the busiest
// host, not by how many requests are in flight, so long as every host
// ready can be asked at once: 256 keeps 1,000 hosts at a 1 s delay busy
// with answers of up to a quarter of a second, and bounds the bodies held
// in flight.
const AutoConcurrency = 256

// closeReason is why the crawl takes no more pages of a host this run.
type closeReason int

const (
	hostFull      closeReason = iota // it reached MaxPagesPerHost
	hostPostponed                    // its robots.txt could not be fetched
	hostWaits                        // it asked (Retry-After) to wait longer than MaxCrawlDelay
)

// crawler works through the frontier for one run: it takes queued pages a
// few hundred at a time, holds them in a scheduler until their host may be
// asked again, fetches and extracts them on Concurrency workers, and
// stores the results in batches. Its loop owns every field; the workers
// and the database goroutine talk to it through channels.
//
// The database work — storing fetched pages, taking queued ones — runs on
// a goroutine of its own, one operation at a time (SQLite has one writer),
// so that the loop goes on handing pages to the workers while a batch is
// written. Results that arrive meanwhile wait in pending and go out
// together in the next operation.
type crawler struct {
	h        *Harvester
	frontier Frontier
	run      *Run
	wake     chan<- struct{} // told when stored pages brought new videos

	workers   int  // fetch goroutines: the most requests in flight
	auto      bool // in flight: one per host ready, up to workers
	jobs      chan Page
	results   chan pageResult
	hops      chan hopRequest // fetches redirected to another host
	sched     *scheduler
	lookahead int // pages to hold beyond those in flight
	inflight  int // pages handed to workers and not back
	done      int // pages stored this run

	// taken are the pages this run took from the frontier and has not yet
	// stored the outcome of. They stay queued in the database (a killed run
	// leaves nothing to undo, and taking pages costs no write); this set
	// keeps the next take from handing them out again. Pages put back
	// (their host closed, or the run stopping) stay in it: they wait for
	// the next run.
	taken   map[int64]struct{}
	seen    *seenSet               // URLs handed to the frontier this run
	perHost map[string]int         // pages sent per host, for MaxPagesPerHost
	closed  map[string]closeReason // hosts not to take pages of, and why
	changed bool                   // a take may find something new
	stopped bool                   // the run is ending: no new work

	pending      []pageResult // fetched, not yet handed to the store
	pendingSince time.Time    // when the oldest of them arrived
	busy         bool         // a database operation is in flight
	ops          chan dbOpResult
	timer        *time.Timer
}

func newCrawler(h *Harvester, run *Run, wake chan<- struct{}) *crawler {
	n, auto := h.Concurrency, h.Concurrency <= 0
	if auto {
		n = AutoConcurrency
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	return &crawler{
		h: h, frontier: h.Frontier, run: run, wake: wake,
		workers: n, auto: auto,
		// Buffered to n so that sending never blocks: at most n pages are
		// in flight (queued here or held by a worker).
		jobs:    make(chan Page, n),
		results: make(chan pageResult, n),
		hops:    make(chan hopRequest),
		sched:   newScheduler(h.Delay, h.HostConcurrency),
		// Enough to keep every worker busy across hosts while a batch is
		// written, few enough that memory does not grow with the frontier.
		lookahead: max(16*n, 128),
		taken:     make(map[int64]struct{}),
		seen:      newSeenSet(maxSeen),
		perHost:   make(map[string]int),
		closed:    make(map[string]closeReason),
		changed:   true,
		ops:       make(chan dbOpResult, 1),
		timer:     timer,
	}
}

// crawl crawls until the frontier is worked through (within the limits) or
// ctx ends, and says in the run why it stopped early. It returns an error
// only when the store fails.
func (c *crawler) crawl(ctx context.Context) error {
	var wg sync.WaitGroup
	for range c.workers {
		wg.Go(func() {
			for p := range c.jobs {
				c.results <- c.fetch(ctx, p)
			}
		})
	}
	defer func() {
		if c.busy {
			<-c.ops // let the operation in flight finish
		}
		close(c.jobs)
		wg.Wait()
		c.timer.Stop()
	}()
	for {
		c.stopped = c.stopped || ctx.Err() != nil
		if !c.busy {
			c.startOp(ctx)
		}
		if c.sched.waiting > 0 {
			c.sched.grant(c.h.now())
		}
		if !c.stopped {
			c.dispatch()
		}
		if c.inflight == 0 && !c.busy && len(c.pending) == 0 && (c.stopped || c.sched.held == 0) {
			return c.stopReason(ctx)
		}
		select {
		case r := <-c.results:
			c.receive(r)
		case hr := <-c.hops:
			c.hop(hr)
		case op := <-c.ops:
			if err := c.stored(op); err != nil {
				return err
			}
		case <-c.wakeUp():
		case <-ctx.Done():
			c.stopped = true
		}
	}
}

// startOp starts a database operation when one is worth it: a batch of
// fetched pages to store, pages to take from the frontier, or both.
func (c *crawler) startOp(ctx context.Context) {
	limit := c.takeLimit()
	save := len(c.pending) >= minSaveBatch ||
		len(c.pending) > 0 && (c.inflight == 0 || c.stopped || c.h.now().Sub(c.pendingSince) >= maxSaveDelay)
	if !save && limit == 0 {
		return
	}
	op := dbOp{limit: limit, changed: c.changed, depth: c.h.Depth}
	op.batch = c.pending[:min(len(c.pending), maxSaveBatch)]
	c.pending = c.pending[len(op.batch):]
	if limit > 0 {
		op.closed = slices.Collect(maps.Keys(c.closed))
		op.exclude = slices.Collect(maps.Keys(c.taken))
	}
	c.busy = true
	go func() { c.ops <- op.do(ctx, c.frontier) }()
}

// takeLimit is how many pages to take from the frontier now: none while
// stopping, when nothing new can be there, or while the window is more
// than half full (pages are taken in bulk).
func (c *crawler) takeLimit() int {
	if c.stopped || !(c.changed || len(c.pending) > 0) || c.sched.held > c.lookahead/2 {
		return 0
	}
	limit := c.lookahead - c.sched.held
	if c.h.MaxPages > 0 {
		limit = min(limit, c.h.MaxPages-c.done-len(c.pending)-c.inflight-c.sched.held)
	}
	return max(limit, 0)
}

// limit is how many requests may be in flight now: Concurrency, or with
// auto one per host the crawl holds pages of (times HostConcurrency), at
// least 4 and at most AutoConcurrency.
func (c *crawler) limit() int {
	if !c.auto {
		return c.workers
	}
	return min(max(len(c.sched.hosts)*c.sched.perHost, 4), c.workers)
}

// dispatch hands the held pages whose host is ready to idle workers.
func (c *crawler) dispatch() {
	now := c.h.now()
	for c.inflight < c.limit() {
		p, ok := c.sched.next(now)
		if !ok {
			return
		}
		if limit := c.h.MaxPagesPerHost; limit > 0 {
			if c.perHost[p.Host] >= limit {
				// Taken before the host filled up: back it goes.
				c.sched.done(p.Host, now, 0)
				continue
			}
			if c.perHost[p.Host]++; c.perHost[p.Host] == limit {
				c.closed[p.Host] = hostFull
				c.changed = true // other hosts may have pages the filter hid
			}
		}
		c.jobs <- p
		c.inflight++
	}
}

// fetch fetches page p on a worker goroutine. A redirect to another host
// waits for that host's turn, as a request of its own would (fetchHops):
// the result says whose turn the fetch held at its end, and the
// Crawl-delay that host asked for, for the scheduler.
func (c *crawler) fetch(ctx context.Context, p Page) pageResult {
	hops := &fetchHops{c: c, slot: p.Host}
	r := c.h.fetchPage(ctx, p, hops)
	r.slot, r.slotDelay = hops.slot, hops.slotDelay
	return r
}

// fetchHops paces the redirects of one fetch of the crawl loop (Hops).
type fetchHops struct {
	c         *crawler
	slot      string        // the host whose turn the fetch holds: "" while it waits for one
	slotDelay time.Duration // the Crawl-delay slot's robots.txt asks for, when known
}

func (fh *fetchHops) Hop(ctx context.Context, to string) error {
	w := newHopWait()
	select {
	case fh.c.hops <- hopRequest{from: fh.slot, fromDelay: fh.slotDelay, to: to, wait: w}:
	case <-ctx.Done():
		return ctx.Err()
	}
	fh.slot, fh.slotDelay = "", 0 // the loop has ended the turn of from
	select {
	case <-w.ready:
	case <-ctx.Done():
		if w.settle(hopAbandoned) {
			return ctx.Err()
		}
		<-w.ready // granted or refused meanwhile
	}
	if w.state.Load() == hopRefused {
		return fmt.Errorf("%s asked us (Retry-After) to wait longer than --max-crawl-delay", to)
	}
	fh.slot = to
	return nil
}

func (fh *fetchHops) CrawlDelay(host string, d time.Duration) {
	if host == fh.slot {
		fh.slotDelay = d
	}
}

// hopRequest is a fetch whose redirect goes from host from (whose
// request has ended: "" when it held no turn; fromDelay is the Crawl-delay
// it asked for, when known) to host to.
type hopRequest struct {
	from, to  string
	fromDelay time.Duration
	wait      *hopWait
}

// hop ends the turn of a redirected fetch on the host it leaves, and holds
// it until the host it goes to is ready: a redirect to another host counts
// as a request to that host, inside its politeness (one request at a time
// and --delay between two by default, or its robots.txt's Crawl-delay),
// not inside the first host's. A host closed for asking to wait too long
// refuses it.
func (c *crawler) hop(hr hopRequest) {
	now := c.h.now()
	if hr.from != "" {
		c.sched.setDelay(hr.from, c.h.CapCrawlDelay(hr.fromDelay))
		c.sched.done(hr.from, now, 0)
	}
	if c.closed[hr.to] == hostWaits {
		hr.wait.settle(hopRefused)
		return
	}
	c.sched.wait(hr.to, hr.wait)
}

// receive takes a worker's result, and whatever else has arrived too.
func (c *crawler) receive(r pageResult) {
	batch := []pageResult{r}
drain:
	for len(batch) < c.workers {
		select {
		case r := <-c.results:
			batch = append(batch, r)
		default:
			break drain
		}
	}
	c.inflight -= len(batch)
	for _, r := range batch {
		c.pace(r)
		switch {
		case r.postponed:
			if _, ok := c.closed[r.page.Host]; !ok {
				c.h.log().Warn("robots.txt unreachable; the host's pages wait for a later run", "host", r.page.Host, "error", r.page.Error)
				c.closed[r.page.Host] = hostPostponed
				c.changed = true
			}
		case r.cancelled:
			// The fetch was cut short: the page stays queued.
		default:
			c.hold(r)
		}
	}
}

// pace tells the scheduler the request that ended r's fetch is over, with
// the delays the hosts asked for: the page's host, and the host a redirect
// ended on, their robots.txt's Crawl-delay; the host that answered last its
// Retry-After. A host that asks to wait too long is closed.
func (c *crawler) pace(r pageResult) {
	host := r.slot
	c.sched.setDelay(r.page.Host, c.h.CapCrawlDelay(r.crawlDelay))
	if host == "" {
		return // it gave up waiting for a redirect's turn: it holds none
	}
	c.sched.setDelay(host, c.h.CapCrawlDelay(r.slotDelay))
	c.sched.done(host, c.h.now(), r.wait)
	if _, ok := c.closed[host]; !ok && r.wait > c.h.maxCrawlDelay() {
		// Waiting that long would keep this run idle (and cron's next run
		// locked out): the host's pages wait for a later run.
		c.h.log().Warn("host asked us to wait longer than --max-crawl-delay; its pages wait for a later run",
			"host", host, "retry_after", r.wait, "max_crawl_delay", c.h.maxCrawlDelay())
		c.closed[host] = hostWaits
		c.sched.drop(host)
	}
}

// hold keeps a fetched page for the next batch. Only links not handed to
// the frontier this run go to the store (a link known from an earlier run
// costs one statement, once per run). Pages fetched whole are stored even
// when the run is stopping: the work is done, and a batch takes
// milliseconds.
func (c *crawler) hold(r pageResult) {
	out := r.out[:0:0]
	for _, o := range r.out {
		if c.seen.add(o.URL) {
			out = append(out, o)
		}
	}
	r.out = out
	if len(c.pending) == 0 {
		c.pendingSince = c.h.now()
	}
	c.pending = append(c.pending, r)
}

// stored takes the outcome of a database operation: counts the pages
// stored, holds the pages taken, and wakes the video stage when videos
// were added.
func (c *crawler) stored(op dbOpResult) error {
	c.busy = false
	if op.err != nil {
		return op.err
	}
	newVideos, gone := 0, 0
	for i, r := range op.saved {
		delete(c.taken, r.page.ID)
		c.done++
		if op.stats[i].Gone {
			gone++
			continue
		}
		c.changed = c.changed || op.stats[i].NewPages > 0
		if p := c.h.Progress; p != nil {
			p.PagesDone.Add(1)
			p.PagesFound.Add(int64(op.stats[i].NewPages))
		}
		c.count(r, op.stats[i])
		newVideos += op.stats[i].NewVideos
	}
	if gone > 0 {
		c.h.log().Info("pages deleted from the database while the run held them; their outcome is not stored", "pages", gone)
	}
	if op.took {
		for _, p := range op.pages {
			c.taken[p.ID] = struct{}{}
			c.sched.add(p)
		}
		// Fewer than asked for: nothing more until a save queues more.
		c.changed = len(op.pages) == op.limit
	}
	if newVideos > 0 {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// count adds a stored page to the run's counts.
func (c *crawler) count(r pageResult, st SaveStats) {
	run, p := c.run, r.page
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
		c.h.log().Warn("seed failed", "url", p.URL, "error", p.Error)
	}
	run.LinksOutOfScope += r.outOfScope
	run.RefsFound += len(r.refs)
	run.NewVideos += st.NewVideos
	run.NewLinks += st.NewLinks
	c.h.log().Debug("page", "url", p.URL, "state", p.State, "status", p.HTTPStatus,
		"refs", len(r.refs), "links", len(r.out), "error", p.Error)
}

// wakeUp returns a channel that fires when the loop has something to do
// that no channel will tell it: a held page's host becomes ready, a host
// a redirected fetch waits for does, or the oldest pending page has
// waited maxSaveDelay. Nil when none can happen.
func (c *crawler) wakeUp() <-chan time.Time {
	at, ok := c.sched.wakeAt(false)
	ok = ok && !c.stopped && c.inflight < c.limit()
	if w, wok := c.sched.wakeAt(true); wok && (!ok || w.Before(at)) {
		at, ok = w, true
	}
	if len(c.pending) > 0 && !c.busy && (!ok || c.pendingSince.Add(maxSaveDelay).Before(at)) {
		at, ok = c.pendingSince.Add(maxSaveDelay), true
	}
	if !ok {
		return nil
	}
	c.timer.Reset(max(at.Sub(c.h.now()), 0)) // since Go 1.23 Reset needs no drain
	return c.timer.C
}

// stopReason records in the run why the crawl ended with pages left
// queued: hosts postponed, hosts that asked to wait, or a page limit.
// Nothing is recorded when the run was stopped from outside.
func (c *crawler) stopReason(ctx context.Context) error {
	if c.stopped {
		return nil
	}
	n := map[closeReason]int{}
	for _, why := range c.closed {
		n[why]++
	}
	limited := n[hostWaits] > 0 || n[hostFull] > 0 || c.h.MaxPages > 0 && c.done >= c.h.MaxPages
	left := 0
	if limited {
		var err error
		if left, err = c.frontier.CountQueued(ctx, c.h.Depth); err != nil {
			return fmt.Errorf("count queued pages: %w", err)
		}
	}
	stop := func(why string, args ...any) {
		c.run.Status, c.run.Error = RunStopped, fmt.Sprintf(why, args...)
	}
	// The last that applies is the one recorded.
	if h := n[hostPostponed]; h > 0 {
		c.h.log().Info("hosts postponed; their pages wait for the next run", "hosts", h)
		stop("robots.txt of %d host(s) answered with an error; their pages wait for the next run", h)
	}
	if h := n[hostWaits]; h > 0 && left > 0 {
		stop("%d host(s) asked us (Retry-After) to wait longer than --max-crawl-delay; their pages wait for the next run", h)
	}
	if h := n[hostFull]; h > 0 && left > 0 {
		c.h.log().Info("page limit per host reached; the rest stays queued for the next run",
			"max_pages_per_host", c.h.MaxPagesPerHost, "hosts", h, "queued", left)
		stop("--max-pages-per-host reached on %d host(s); %d pages wait for the next run", h, left)
	}
	if c.h.MaxPages > 0 && c.done >= c.h.MaxPages && left > 0 {
		c.h.log().Info("page limit reached; the rest stays queued for the next run", "max_pages", c.h.MaxPages, "queued", left)
		stop("--max-pages reached; %d pages wait for the next run", left)
	}
	return nil
}

// dbOp is one operation of the crawl's database goroutine: store a batch
// of fetched pages, then take up to limit queued pages (not on the closed
// hosts, not among those the run holds) when the frontier may hold
// something new. It holds copies of what it needs: the loop goes on
// meanwhile.
type dbOp struct {
	batch   []pageResult
	limit   int
	changed bool // the frontier may hold pages not yet taken
	depth   int
	closed  []string
	exclude []int64
}

// dbOpResult is what one operation did.
type dbOpResult struct {
	saved []pageResult // the pages stored
	stats []SaveStats  // and what each added
	took  bool         // whether pages were taken
	limit int          // how many it asked for
	pages []Page       // the pages it took
	err   error
}

func (op dbOp) do(ctx context.Context, f Frontier) dbOpResult {
	res := dbOpResult{saved: op.batch, limit: op.limit}
	if len(op.batch) > 0 {
		saves := make([]PageSave, len(op.batch))
		for i, r := range op.batch {
			saves[i] = PageSave{Page: r.page, Refs: r.refs, Out: r.out}
		}
		stats, err := f.SavePages(context.WithoutCancel(ctx), saves)
		if err != nil {
			res.err = fmt.Errorf("save %d pages (%s...): %w", len(saves), saves[0].Page.URL, err)
			return res
		}
		res.stats = stats
		for _, st := range stats {
			op.changed = op.changed || st.NewPages > 0
		}
	}
	if op.limit > 0 && op.changed && ctx.Err() == nil {
		pages, err := f.NextPages(ctx, op.limit, op.depth, op.closed, op.exclude)
		switch {
		case err == nil:
			res.took, res.pages = true, pages
		case ctx.Err() == nil:
			res.err = fmt.Errorf("take pages: %w", err)
		}
	}
	return res
}
