package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/harvestdev/ytharvest/harvest"
)

// WorkerOptions say how a Worker works.
type WorkerOptions struct {
	// Harvester returns the harvester to fetch with (pages: fetcher,
	// extraction, scope, robots.txt, depth, delays; videos: the video
	// source). While no crawl stored settings it returns nil or a
	// harvester without a Fetcher (videos only): host slices wait. It is
	// called for every job, so that settings a later crawl stores take
	// effect.
	Harvester func() *harvest.Harvester
	// Concurrency is how many host slices this process works at once
	// (each one request at a time); VideoConcurrency how many videos and
	// transcripts.
	Concurrency      int
	VideoConcurrency int
	// Slice is how long a host slice fetches before it lets other hosts
	// have the worker's turn (default 30 s).
	Slice time.Duration
	// PageTimeout bounds one page fetch; it sets River's job timeout
	// (Slice + PageTimeout + a minute), and RescueAfter, when zero, to a
	// minute more: a job running longer is taken to be a dead worker's,
	// and River's rescuer makes it available again.
	PageTimeout time.Duration
	RescueAfter time.Duration
	// UntilIdle ends Work when no job is left in the queues.
	UntilIdle bool
	// BlockedWait is how long a video or transcript this worker's
	// egresses could not fetch (blocked, or every one benched) waits in
	// the queue for a worker whose egress answers (default 30 s).
	BlockedWait time.Duration
	Log         *slog.Logger
}

// Worker works the queue: host slices, videos and transcripts, as River
// jobs, until its context ends or (UntilIdle) the queue is empty.
type Worker struct {
	store  *Store
	opts   WorkerOptions
	client *river.Client[pgx.Tx]
	stats  WorkStats

	waitSettings sync.Once     // the warning that host slices wait for settings
	refuseOnce   sync.Once     // closes refused
	refused      chan struct{} // closed when YouTube refused every client identity
}

// WorkStats counts what a Worker did; safe to read at any time.
type WorkStats struct {
	PagesFetched, PagesFailed, PagesNotModified, PagesSkipped atomic.Int64
	Refs, NewLinks, NewVideos, OutOfScope                     atomic.Int64
	VideosFetched, VideosFailed, Transcripts                  atomic.Int64
	Blocked                                                   atomic.Bool
	// Refused says YouTube refused every client identity the worker
	// speaks as: it left the YouTube queue (Refusal says why).
	Refused   atomic.Bool
	mu        sync.Mutex
	lastBlock string
	refusal   string
}

// NewWorker makes a worker of s.
func (s *Store) NewWorker(opts WorkerOptions) (*Worker, error) {
	opts.Concurrency = max(opts.Concurrency, 1)
	opts.VideoConcurrency = max(opts.VideoConcurrency, 1)
	if opts.Slice <= 0 {
		opts.Slice = 30 * time.Second
	}
	if opts.PageTimeout <= 0 {
		opts.PageTimeout = 30 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.BlockedWait <= 0 {
		opts.BlockedWait = 30 * time.Second
	}
	jobTimeout := opts.Slice + opts.PageTimeout + time.Minute
	if opts.RescueAfter <= 0 {
		opts.RescueAfter = jobTimeout + time.Minute
	}
	jobTimeout = min(jobTimeout, opts.RescueAfter-time.Second)
	w := &Worker{store: s, opts: opts, refused: make(chan struct{})}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &hostWorker{w: w}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &videoWorker{w: w}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &transcriptWorker{w: w}); err != nil {
		return nil, err
	}
	client, err := river.NewClient(riverpgxv5.New(s.pool), &river.Config{
		Queues: map[string]river.QueueConfig{
			QueuePages:   {MaxWorkers: opts.Concurrency},
			QueueYouTube: {MaxWorkers: opts.VideoConcurrency},
		},
		ID:                   clientID(s.Machine, os.Getpid(), time.Now()),
		Workers:              workers,
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: opts.RescueAfter,
		// A snoozed host slice (--delay, a Retry-After) comes back when
		// its time comes; a short poll keeps that wait short.
		FetchPollInterval: 200 * time.Millisecond,
		FetchCooldown:     20 * time.Millisecond,
		Logger:            riverLogger(opts.Log),
	})
	if err != nil {
		return nil, err
	}
	w.client = client
	return w, nil
}

// clientID names a worker in River's tables (river_job.attempted_by,
// river_leader): its machine and process, and when it started, so that
// the job a dead worker held says whose it was. River's own default is
// the host name and the time.
func clientID(machine string, pid int, start time.Time) string {
	const maxMachine = 60 // River's limit for the host name; the ID must stay under 128
	if r := []rune(machine); len(r) > maxMachine {
		machine = string(r[:maxMachine])
	}
	if machine == "" {
		machine = "unknown_host"
	}
	t := strings.Replace(start.UTC().Format("2006_01_02T15_04_05.000000"), ".", "_", 1)
	return fmt.Sprintf("%s_pid%d_%s", machine, pid, t)
}

// riverLogger passes River's warnings and errors on to log.
func riverLogger(log *slog.Logger) *slog.Logger {
	return slog.New(levelHandler{log.Handler(), slog.LevelWarn})
}

type levelHandler struct {
	slog.Handler
	min slog.Level
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// Stats returns the worker's counts.
func (w *Worker) Stats() *WorkStats { return &w.stats }

// Work works jobs until ctx ends or, with UntilIdle, until no job is left
// to do. Jobs in flight when it stops are cancelled and made available
// again at once (their pages stay queued); a worker that dies instead
// leaves its jobs running until River's rescuer makes them available.
// Once YouTube refused every client identity (Stats().Refused) it works
// pages only, and with UntilIdle ends when no page is left.
func (w *Worker) Work(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	if err := w.client.Start(runCtx); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { w.leaveYouTube(runCtx) })
	var err error
	if w.opts.UntilIdle {
		err = w.waitIdle(ctx)
	} else {
		<-ctx.Done()
	}
	stopCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer stop()
	if serr := w.client.StopAndCancel(stopCtx); serr != nil && err == nil && !errors.Is(serr, context.DeadlineExceeded) {
		err = fmt.Errorf("stop worker: %w", serr)
	}
	cancel()
	wg.Wait()
	return err
}

// refusedWait is how long a video or transcript job waits when the worker
// that took it up finds YouTube refused every client identity: a moment,
// so that the worker, while it leaves the YouTube queue, does not take it
// up again and again, and a worker YouTube accepts soon gets it.
const refusedWait = time.Second

// refuse records that YouTube refused every client identity this worker
// speaks as (err wraps harvest.ErrNoClient): the worker leaves the YouTube
// queue, as a crawl's video stage stops.
func (w *Worker) refuse(err error) {
	w.refuseOnce.Do(func() {
		w.stats.mu.Lock()
		w.stats.refusal = err.Error()
		w.stats.mu.Unlock()
		w.stats.Refused.Store(true)
		w.opts.Log.Error("YouTube refused every client identity; this worker asks YouTube nothing more, "+
			"and the videos and transcripts wait in the queue for a worker YouTube accepts", "error", err)
		close(w.refused)
	})
}

// leaveYouTube stops this worker's YouTube queue once YouTube refused
// every client identity: the worker asks YouTube nothing more, and the
// videos and transcripts wait in the queue, undiscarded, for a worker
// that speaks as an identity YouTube accepts (another machine's, or this
// one's once updated). Host slices go on.
func (w *Worker) leaveYouTube(ctx context.Context) {
	select {
	case <-w.refused:
	case <-ctx.Done():
		return
	}
	// Remove waits for the queue's jobs in flight, which are answered
	// at once (the source asks no more) or cancelled when Work stops.
	if err := w.client.Queues().Remove(ctx, QueueYouTube); err != nil && ctx.Err() == nil {
		w.opts.Log.Warn("could not leave the YouTube queue", "error", err)
	}
}

// waitIdle returns when ctx ends or the queues have been empty for two
// looks in a row (a job finishing can queue another).
func (w *Worker) waitIdle(ctx context.Context) error {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	empty := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		queues := []string{QueuePages, QueueYouTube}
		if w.stats.Refused.Load() {
			queues = queues[:1] // the YouTube jobs wait for another worker
		}
		n, err := w.store.pendingJobs(ctx, queues)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if n > 0 {
			empty = 0
			continue
		}
		if empty++; empty >= 2 {
			return nil
		}
	}
}

// pendingJobs counts the jobs of queues not yet done: available, running,
// scheduled or waiting for a retry.
func (s *Store) pendingJobs(ctx context.Context, queues []string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `
		SELECT count(*) FROM river_job
		WHERE state IN ('available', 'pending', 'running', 'retryable', 'scheduled') AND queue = ANY($1)`,
		queues).Scan(&n)
	return n, err
}

// block records a block met by this worker's egresses.
func (s *WorkStats) block(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Blocked.Store(true)
	s.lastBlock = reason
}

// Refusal is why the worker left the YouTube queue (Refused): the
// identities YouTube refused, and what to do.
func (s *WorkStats) Refusal() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusal
}

// BlockReason is the last block this worker met.
func (s *WorkStats) BlockReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastBlock
}

// Fill copies the counts into run.
func (s *WorkStats) Fill(run *harvest.Run) {
	run.PagesFetched = int(s.PagesFetched.Load())
	run.PagesFailed = int(s.PagesFailed.Load())
	run.PagesNotModified = int(s.PagesNotModified.Load())
	run.PagesSkipped = int(s.PagesSkipped.Load())
	run.RefsFound = int(s.Refs.Load())
	run.NewLinks = int(s.NewLinks.Load())
	run.NewVideos = int(s.NewVideos.Load())
	run.LinksOutOfScope = int(s.OutOfScope.Load())
	run.VideosFetched = int(s.VideosFetched.Load())
	run.VideosFailed = int(s.VideosFailed.Load())
	run.Transcripts = int(s.Transcripts.Load())
}
