package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/harvestdev/ytharvest/harvest"
)

// Politeness across workers. A host has at most one host slice job
// (HostArgs is unique by host), and River runs a job on one worker at a
// time, so one request at a time goes to a host whichever workers run.
// The delay runs from when the host began to answer the last request
// (traceRequests): the host saw that request before it answered, so it
// sees the next at least the delay later, however late either was noted.
// It holds within a slice by the worker's clock, and across slices
// (another worker, a later run) by hosts.next_fetch_at, set from the
// database's clock when a page's outcome is stored, after its answer came
// (the delay from then, less the time since the answer began, a duration
// the worker measures): the next slice waits for it by the same clock, so
// machines' clocks need not agree.
//
// A redirect to another host is a request to that host, made by the slice
// of the host it came from. So every request claims its host's turn first
// (claimHost): the claim succeeds only when no other request holds the
// host (hosts.claimed_until) and next_fetch_at has passed, and holds the
// host until the page's outcome, or the hop's end, sets next_fetch_at to
// the delay after the answer began. A slice's own requests and the
// redirects other slices follow to its host thus go one at a time and the
// delay apart, whichever workers make them.

// postponeWait is how long a host whose robots.txt could not be fetched
// waits.
const postponeWait = 15 * time.Minute

// settingsWait is how long a job waits for a harvester to work it with:
// a host slice for a crawl's settings, a video for a video source.
const settingsWait = 10 * time.Second

// hostWorker works host slices.
type hostWorker struct {
	river.WorkerDefaults[HostArgs]
	w *Worker
}

// hostSlice is one run of a host slice job.
type hostSlice struct {
	w    *Worker
	h    *harvest.Harvester
	job  *river.Job[HostArgs]
	host string
	end  time.Time // the slice's end: no new request after it
	last time.Time // when this slice's last request started (monotonic)
	gap  time.Duration
	hold time.Duration // how long a claim holds a host's turn: a page's time limit
	// hopped is the host whose turn a redirect of the page being fetched
	// holds ("" when none), hoppedGap the delay its next request waits:
	// --delay, or its robots.txt's Crawl-delay when longer.
	hopped    string
	hoppedGap time.Duration
}

// Work fetches the host's queued pages, one at a time and the delay
// apart, until none is left (the job is then completed in the
// transaction that finds so), the slice ends (the job is snoozed: any
// worker takes it up when the host may be asked again) or the worker
// stops (snoozed at once: the page in flight stays queued).
func (hw *hostWorker) Work(ctx context.Context, job *river.Job[HostArgs]) error {
	h := hw.w.opts.Harvester()
	if h == nil || h.Fetcher == nil {
		// No crawl settings yet (an import stores none): a harvester
		// without a fetcher fetches videos only, and its depth of 0 would
		// complete the job with deeper pages left queued, or fetch a seed
		// with no fetcher. The slice waits for a crawl to store them.
		hw.w.waitSettings.Do(func() {
			hw.w.opts.Log.Warn("no crawl settings stored yet: host slices wait for `ytharvest crawl --enqueue-only` (videos are fetched meanwhile)")
		})
		return river.JobSnooze(settingsWait)
	}
	sl := &hostSlice{w: hw.w, h: h, job: job, host: job.Args.Host, end: time.Now().Add(hw.w.opts.Slice), gap: h.Delay,
		hold: hw.w.opts.PageTimeout + claimMargin}
	for {
		// The database's clock says when the slice may start (the last
		// request, by whichever worker); within the slice, this worker's.
		var wait time.Duration
		if sl.last.IsZero() {
			var err error
			if wait, err = sl.w.store.hostWait(ctx, sl.host); err != nil {
				return sl.stopped(ctx, err)
			}
		} else if sl.gap > 0 {
			// claimSlack later than the slice's own clock says: the
			// database's says the same once the time the page's outcome
			// took to be written has passed, and the claim then succeeds
			// at the first try.
			wait = time.Until(sl.last.Add(sl.gap + claimSlack))
		}
		if time.Now().Add(wait).After(sl.end) {
			return river.JobSnooze(max(wait, 0))
		}
		if wait > 0 && !sleep(ctx, wait) {
			return river.JobSnooze(0)
		}
		p, ok, claimed, err := sl.w.store.nextHostPage(ctx, sl.host, h.Depth, sl.hold)
		if err != nil {
			return sl.stopped(ctx, err)
		}
		if !ok {
			if done, err := sl.complete(ctx); err != nil || done {
				return sl.stopped(ctx, err)
			}
			continue // a page was queued meanwhile
		}
		if !claimed {
			// A redirect from another host's slice holds the turn, or the
			// database's clock is a little behind the slice's.
			left, ok, err := sl.claim(ctx, sl.host, sl.end)
			switch {
			case err != nil:
				return sl.stopped(ctx, err)
			case !ok && ctx.Err() != nil:
				return river.JobSnooze(0)
			case !ok:
				return river.JobSnooze(left)
			}
		}
		if sl.robots(ctx, p) {
			// robots.txt was fetched: the page waits its turn after it, and
			// so does the next slice, should this one end here.
			if err := sl.w.store.postpone(context.WithoutCancel(ctx), sl.host, sl.gap); err != nil {
				return err
			}
			continue
		}
		if snooze, err := sl.fetch(ctx, p); snooze != nil || err != nil {
			return errors.Join(snooze, err)
		}
	}
}

// robots asks robots.txt about p before the page is fetched, and reports
// whether that fetched the host's robots.txt (once per host per day, for
// every worker: the answer is stored), which counts as a request to the
// host: the page then waits the delay after it. FetchPage asks again and
// finds the answer in memory.
func (sl *hostSlice) robots(ctx context.Context, p harvest.Page) bool {
	if sl.h.Robots == nil {
		return false
	}
	before := sl.w.store.robotsSavedAt(sl.host)
	tctx, sent := traceRequests(ctx)
	if _, delay, err := sl.h.Robots.Check(tctx, p.URL); err == nil {
		sl.gap = max(sl.gap, sl.h.CapCrawlDelay(delay))
	}
	if sl.w.store.robotsSavedAt(sl.host) == before {
		return false
	}
	sl.last = sent(time.Now())
	return true
}

// traceRequests returns a context whose HTTP requests note when they
// went out, and a function that returns the last such time (or dflt when
// none did). A request has surely gone out once its answer begins
// (GotFirstResponseByte); the transport calls WroteRequest before it
// flushes the request to the socket, and a worker descheduled in between
// on a busy machine sent it tens of milliseconds later than noted, so
// that time stands only for a request that got no answer. The delay thus
// runs from when the host began to answer: never sooner than it may.
func traceRequests(ctx context.Context) (context.Context, func(dflt time.Time) time.Time) {
	var mu sync.Mutex
	var wrote, answered time.Time
	note := func(t *time.Time) {
		now := time.Now()
		mu.Lock()
		*t = now
		mu.Unlock()
	}
	trace := &httptrace.ClientTrace{
		WroteRequest:         func(httptrace.WroteRequestInfo) { note(&wrote) },
		GotFirstResponseByte: func() { note(&answered) },
	}
	return httptrace.WithClientTrace(ctx, trace), func(dflt time.Time) time.Time {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case answered.After(wrote):
			return answered
		case !wrote.IsZero():
			// No answer (yet) to the last request written: a time out, a
			// reset. It went out no later than the fetch ended.
			return time.Now()
		}
		return dflt
	}
}

// fetch fetches one page and stores its outcome. It returns a snooze
// when the slice must end there.
func (sl *hostSlice) fetch(ctx context.Context, p harvest.Page) (snooze, err error) {
	start := time.Now()
	tctx, sent := traceRequests(ctx)
	out := sl.h.FetchPage(tctx, p, sl)
	sl.last = sent(start)
	if sl.hopped != "" {
		err := sl.w.store.release(context.WithoutCancel(ctx), sl.hopped, sl.hoppedGap-time.Since(sl.last))
		sl.hopped = ""
		if err != nil {
			return nil, err
		}
	}
	switch {
	case out.Cancelled || ctx.Err() != nil:
		// The request may have gone out: whoever takes the host up next
		// waits the delay from now.
		if err := sl.w.store.postpone(context.WithoutCancel(ctx), sl.host, sl.gap); err != nil {
			return nil, err
		}
		return river.JobSnooze(0), nil
	case out.Postponed:
		sl.w.opts.Log.Warn("robots.txt unreachable; the host waits", "host", sl.host, "wait", postponeWait, "error", out.Save.Page.Error)
		if err := sl.w.store.postpone(ctx, sl.host, postponeWait); err != nil {
			return nil, err
		}
		return river.JobSnooze(postponeWait), nil
	}
	gap := max(sl.h.Delay, out.CrawlDelay)
	sl.gap = gap
	// From when the answer began, as the slice's own clock counts: the
	// page is stored later.
	stats, err := sl.w.store.savePage(ctx, out.Save, sl.last.Add(max(gap, out.Wait)))
	if err != nil {
		return nil, fmt.Errorf("save %s: %w", p.URL, err)
	}
	if stats.Gone {
		sl.w.opts.Log.Info("page deleted from the database while a worker fetched it; its outcome is not stored", "url", p.URL)
	} else {
		sl.w.count(out, stats, sl.last)
	}
	if out.Wait > gap {
		// The host asked for a longer wait (Retry-After): its slice
		// comes back then, on whichever worker.
		return river.JobSnooze(out.Wait), nil
	}
	return nil, nil
}

// claimMargin is how much longer than a page's time limit a claim holds a
// host's turn: the claim of a worker that dies lapses then.
const claimMargin = 5 * time.Second

// claim waits for host's turn and takes it (claimHost), until until (zero:
// no limit) or ctx's end; when it gives up, left is how long was still to
// wait.
func (sl *hostSlice) claim(ctx context.Context, host string, until time.Time) (left time.Duration, ok bool, err error) {
	for {
		wait, err := sl.w.store.claimHost(ctx, host, sl.hold)
		if err != nil || wait <= 0 {
			return 0, err == nil, err
		}
		if !until.IsZero() && time.Now().Add(wait).After(until) || !sleep(ctx, wait) {
			return wait, false, nil
		}
	}
}

// claimSlack is how much later than the delay says a slice asks for its
// host's next turn (see Work).
const claimSlack = 5 * time.Millisecond

// claimPoll is how often a claim looks again at a host another request
// holds: it gives the host back when it ends, not at a time known before.
const claimPoll = 50 * time.Millisecond

// Hop is Hops.Hop for the page being fetched: a redirect goes to host
// to. The request that redirected has ended, so the turn it held (the
// slice's host, or the host of the hop before) is given back, the delay
// from now; then the hop waits, within the fetch's time limit (ctx), for
// to's turn.
func (sl *hostSlice) Hop(ctx context.Context, to string) error {
	from, gap := sl.hopped, sl.hoppedGap
	if from == "" {
		from, gap = sl.host, sl.gap
	}
	sl.hopped = ""
	if err := sl.w.store.release(context.WithoutCancel(ctx), from, gap); err != nil {
		return err
	}
	_, ok, err := sl.claim(ctx, to, time.Time{})
	if err != nil {
		return err
	}
	if !ok {
		return ctx.Err()
	}
	sl.hopped, sl.hoppedGap = to, sl.h.Delay
	return nil
}

// CrawlDelay is Hops.CrawlDelay: the Crawl-delay host's robots.txt asks
// for spaces the host's next request, the slice's own or a redirect's.
func (sl *hostSlice) CrawlDelay(host string, d time.Duration) {
	switch host {
	case sl.hopped:
		sl.hoppedGap = max(sl.hoppedGap, sl.h.CapCrawlDelay(d))
	case sl.host:
		sl.gap = max(sl.gap, sl.h.CapCrawlDelay(d))
	}
}

// stopped is what a slice returns when it ends on err (nil: done): a
// snooze when the worker is stopping, so the job is available at once.
func (sl *hostSlice) stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return river.JobSnooze(0)
	}
	return err
}

// complete completes the job when the host has no queued page left, in
// one transaction with that finding. The host's row is locked first, as
// every transaction that queues pages of the host locks it: a page queued
// meanwhile either is seen here, or is queued after the job is done and
// so comes with a new job.
func (sl *hostSlice) complete(ctx context.Context) (bool, error) {
	done := false
	err := pgx.BeginFunc(ctx, sl.w.store.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM hosts WHERE host = $1 FOR UPDATE`, sl.host); err != nil {
			return err
		}
		var left bool
		if err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM pages WHERE host = $1 AND state = 'queued' AND depth <= $2)`,
			sl.host, sl.h.Depth).Scan(&left); err != nil || left {
			return err
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, sl.job); err != nil {
			return err
		}
		done = true
		return nil
	})
	return done, err
}

// count adds a stored page to the worker's counts, and logs it (at
// debug) with when its request was written (sent, Unix nanoseconds: the
// time --delay runs from).
func (w *Worker) count(out harvest.PageOutcome, st harvest.SaveStats, sent time.Time) {
	s, p := &w.stats, out.Save.Page
	switch {
	case p.State == harvest.PageFailed:
		s.PagesFailed.Add(1)
	case p.State == harvest.PageSkipped:
		s.PagesSkipped.Add(1)
	case p.NotModified:
		s.PagesNotModified.Add(1)
	default:
		s.PagesFetched.Add(1)
	}
	s.Refs.Add(int64(len(out.Save.Refs)))
	s.NewLinks.Add(int64(st.NewLinks))
	s.NewVideos.Add(int64(st.NewVideos))
	s.OutOfScope.Add(int64(out.OutOfScope))
	w.opts.Log.Debug("page", "url", p.URL, "state", p.State, "status", p.HTTPStatus,
		"refs", len(out.Save.Refs), "links", len(out.Save.Out), "error", p.Error, "sent", sent.UnixNano())
}

// hostWait returns how long, by the database's clock, until the host may
// be asked again; 0 when it may be now.
func (s *Store) hostWait(ctx context.Context, host string) (time.Duration, error) {
	var us int64
	err := s.pool.QueryRow(ctx, `
		SELECT coalesce((SELECT greatest(0, (extract(epoch FROM next_fetch_at - clock_timestamp()) * 1e6)::bigint)
		                 FROM hosts WHERE host = $1), 0)`, host).Scan(&us)
	return time.Duration(us) * time.Microsecond, err
}

// claimHost takes host's turn for a request, for at most hold, when no
// other request holds it and its next_fetch_at has passed (or the host is
// new). Otherwise it returns how long to wait before asking again: until
// next_fetch_at by the database's clock, or claimPoll while another
// request holds the host.
func (s *Store) claimHost(ctx context.Context, host string, hold time.Duration) (time.Duration, error) {
	var us int64
	err := s.pool.QueryRow(ctx, `
		WITH claim AS (
			INSERT INTO hosts (host, claimed_until) VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
			ON CONFLICT (host) DO UPDATE SET claimed_until = excluded.claimed_until
			WHERE `+hostClaimable+`
			RETURNING 0::bigint AS us)
		SELECT us FROM claim
		UNION ALL
		SELECT CASE WHEN claimed_until > clock_timestamp() THEN -1
		            ELSE greatest(1, (extract(epoch FROM next_fetch_at - clock_timestamp()) * 1e6)::bigint) END
		FROM hosts WHERE host = $1 AND NOT EXISTS (SELECT 1 FROM claim)`, host, hold.Microseconds()).Scan(&us)
	switch {
	case err != nil:
		return 0, err
	case us < 0:
		return claimPoll, nil
	}
	return time.Duration(us) * time.Microsecond, nil
}

// hostClaimable is the condition on a hosts row under which its turn may
// be claimed: no other request holds it, and next_fetch_at has passed.
const hostClaimable = `(hosts.claimed_until IS NULL OR hosts.claimed_until <= clock_timestamp())
	AND (hosts.next_fetch_at IS NULL OR hosts.next_fetch_at <= clock_timestamp())`

// release gives host's turn back: the next request may come wait from now
// (at once when wait is not positive).
func (s *Store) release(ctx context.Context, host string, wait time.Duration) error {
	return setHostNext(ctx, s.pool, host, wait)
}

// nextHostPage returns the host's next queued page no deeper than depth,
// shallowest first, and, in the same statement, claims the host's turn
// for hold when it can be had at once (claimHost): claimed says whether
// it was.
func (s *Store) nextHostPage(ctx context.Context, host string, depth int, hold time.Duration) (p harvest.Page, ok, claimed bool, err error) {
	rows, err := s.pool.Query(ctx, `
		WITH next AS (
			SELECT id, url, host, depth, coalesce(found_from, 0), is_seed, listed, coalesce(etag, ''), coalesce(last_modified, '')
			FROM pages WHERE host = $1 AND state = 'queued' AND depth <= $2
			ORDER BY depth, id LIMIT 1),
		claim AS (
			UPDATE hosts SET claimed_until = clock_timestamp() + $3 * interval '1 microsecond'
			WHERE host = $1 AND EXISTS (SELECT 1 FROM next) AND `+hostClaimable+`
			RETURNING true)
		SELECT next.*, EXISTS (SELECT 1 FROM claim) FROM next`, host, depth, hold.Microseconds())
	if err != nil {
		return p, false, false, err
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (harvest.Page, error) {
		p := harvest.Page{State: harvest.PageQueued}
		err := row.Scan(append(queuedFields(&p), &claimed)...)
		return p, err
	})
	if err != nil || len(ps) == 0 {
		return p, false, false, err
	}
	return ps[0], true, claimed, nil
}

// savePage stores one page's outcome and, in the same transaction, when
// its host may next be asked: at next by the worker's clock, written by
// the database's as the time left until then. A page a user's SQL deleted
// meanwhile is not stored (its stats say Gone); the host's next time still
// is.
func (s *Store) savePage(ctx context.Context, ps harvest.PageSave, next time.Time) (harvest.SaveStats, error) {
	ctx = context.WithoutCancel(ctx)
	var stats []harvest.SaveStats
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if stats, err = s.savePagesTx(ctx, tx, []harvest.PageSave{ps}); err != nil {
			return err
		}
		return setHostNext(ctx, tx, ps.Page.Host, time.Until(next))
	})
	if err == nil {
		return stats[0], nil
	}
	if gone, merr := s.missingPages(ctx, []int64{ps.Page.ID}); merr != nil || len(gone) == 0 {
		return harvest.SaveStats{}, err
	}
	if err := setHostNext(ctx, s.pool, ps.Page.Host, time.Until(next)); err != nil {
		return harvest.SaveStats{}, err
	}
	return harvest.SaveStats{Gone: true}, nil
}

// setHostNext records when host may next be asked, wait from now by the
// database's clock, and gives back the claim of its turn.
func setHostNext(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, host string, wait time.Duration) error {
	_, err := q.Exec(ctx, `
		INSERT INTO hosts (host, next_fetch_at) VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
		ON CONFLICT (host) DO UPDATE SET next_fetch_at = excluded.next_fetch_at, claimed_until = NULL`,
		host, max(wait, 0).Microseconds())
	return err
}

// postpone keeps every worker off host for wait, and gives back the claim
// of its turn.
func (s *Store) postpone(ctx context.Context, host string, wait time.Duration) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE hosts SET next_fetch_at = clock_timestamp() + $2 * interval '1 microsecond', claimed_until = NULL
		WHERE host = $1`,
		host, wait.Microseconds())
	return err
}

// sleep waits d, and reports false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
