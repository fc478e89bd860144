package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/harvestdev/ytharvest/db/postgres"
	"github.com/harvestdev/ytharvest/harvest"
)

const workerSummary = `Usage: ytharvest worker --db postgres://… [flags]

Works a PostgreSQL harvest's queue — host slices of pages, videos,
transcripts, as River jobs — beside any number of other workers, on this
machine or others: they share only the database. It crawls by the
settings the last ` + "`ytharvest crawl`" + ` stored (seeds, scope, depth, --delay,
robots.txt), one request at a time per host and --delay apart whichever
workers make them, and talks to YouTube through its own egresses (its
own IP, or --youtube-proxy) at its own --youtube-rate: a block one worker
meets rests only that worker's egress.

It works until --max-duration, or with --until-idle until no job is left,
and exits 0 (130 on SIGINT/SIGTERM, handing its jobs back). When YouTube
refuses every client identity it speaks as (--youtube-client), it asks
YouTube nothing more, leaves the videos in the queue for a worker YouTube
accepts, crawls on, and exits 6. A worker that dies (SIGKILL, power loss)
leaves its jobs to River's rescuer, which makes them available to the
others after --rescue-after. See docs/scale-out.md.`

const workerExamples = `  ytharvest worker --db postgres://ytharvest@db.example/news --max-duration 55m
  ytharvest worker --db "$YTHARVEST_DB" --until-idle --concurrency 64
`

// workerFlags are the worker's own settings: what one machine decides.
type workerFlags struct {
	db          *string
	concurrency int
	timeout     time.Duration
	maxDuration time.Duration
	untilIdle   bool
	slice       time.Duration
	rescueAfter time.Duration
	yt          youtubeFlags
	log         logFlags
}

func (a *app) worker(ctx context.Context, args []string) error {
	fs := a.newFlagSet("worker", workerSummary, workerExamples)
	var f workerFlags
	f.register(a, fs)
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := a.setupLog(&f.log); err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageError("worker takes no arguments (got %q)", pos[0])
	case !postgres.IsDSN(*f.db):
		return usageError("worker needs --db postgres://… (or $YTHARVEST_DB): a SQLite harvest is crawled by one process, with crawl")
	case f.concurrency < 0 || f.maxDuration < 0 || f.slice < 0 || f.rescueAfter < 0:
		return usageError("--concurrency, --max-duration, --slice and --rescue-after must not be negative")
	}
	if err := f.yt.validate(); err != nil {
		return err
	}
	store, closeStore, err := a.openPostgres(ctx, *f.db)
	if err != nil {
		return err
	}
	defer closeStore()
	return a.runWorker(ctx, store, &f, "worker", 0)
}

func (f *workerFlags) register(a *app, fs *flag.FlagSet) {
	f.db = a.dbFlag(fs)
	fs.IntVar(&f.concurrency, "concurrency", 0, "hosts crawled at once by this worker, each one request at a time (0: 64)")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "time limit for one page fetch, redirects and their waits for another host's turn included")
	fs.DurationVar(&f.maxDuration, "max-duration", 0, "stop after this long, handing back the jobs in flight (0 = no limit)")
	fs.BoolVar(&f.untilIdle, "until-idle", false, "stop when no job is left in the queue")
	fs.DurationVar(&f.slice, "slice", 30*time.Second, "how long one host's pages are fetched before the worker takes another host's turn")
	fs.DurationVar(&f.rescueAfter, "rescue-after", 0, "a job running this long is taken to be a dead worker's and given to another (0: --slice + --timeout + 2m)")
	f.yt.register(fs, a.getenv)
	f.log.register(fs)
}

// runWorker works store's queue as one worker and records it as a run of
// command (worker, or crawl when a crawl works as one more worker).
func (a *app) runWorker(ctx context.Context, store *postgres.Store, f *workerFlags, command string, seeds int) error {
	videos, err := f.yt.source(a, store)
	if err != nil {
		return err
	}
	store.Transcripts = !f.yt.noTranscripts
	hs := &pgHarvesters{a: a, store: store, f: *f, videos: videos}
	w, err := store.NewWorker(postgres.WorkerOptions{
		Harvester: hs.get, Concurrency: cmpOr(f.concurrency, 64), VideoConcurrency: f.yt.concurrency,
		Slice: f.slice, PageTimeout: f.timeout, RescueAfter: f.rescueAfter, UntilIdle: f.untilIdle, Log: a.log,
	})
	if err != nil {
		return err
	}
	opts, _ := json.Marshal(map[string]any{"concurrency": f.concurrency, "until_idle": f.untilIdle,
		"max_duration": f.maxDuration.String(), "slice": f.slice.String(), "youtube": f.yt.options()})
	run := &harvest.Run{Command: command, StartedAt: time.Now().UTC(), Status: harvest.RunRunning, Seeds: seeds,
		Options: string(opts), Version: buildVersion()}
	if err := store.StartRun(ctx, run); err != nil {
		return fmt.Errorf("start run: %w", err)
	}
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if f.maxDuration > 0 {
		wctx, cancel = context.WithTimeout(ctx, f.maxDuration)
	}
	werr := w.Work(wctx)
	cancel()
	w.Stats().Fill(run)
	run.FinishedAt = time.Now().UTC()
	switch {
	case werr != nil:
		run.Status, run.Error = harvest.RunFailed, werr.Error()
	case ctx.Err() != nil:
		run.Status = harvest.RunInterrupted
	case w.Stats().Refused.Load():
		// As a crawl's: the operator must act (a newer client version),
		// and the run says so. The videos wait in the queue.
		run.Status, run.Error = harvest.RunFailed, w.Stats().Refusal()
	case w.Stats().Blocked.Load():
		// Other workers carry on: a block is this worker's egresses'.
		run.Status, run.Error = harvest.RunBlocked, w.Stats().BlockReason()
	default:
		run.Status = harvest.RunOK
	}
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer fcancel()
	if err := store.FinishRun(fctx, run); err != nil && werr == nil {
		werr = fmt.Errorf("finish run: %w", err)
	}
	afterRun(fctx, a, store, videos, run)
	a.log.Info("worker finished", "run", run.ID, "command", command, "status", run.Status,
		"pages_fetched", run.PagesFetched, "pages_failed", run.PagesFailed, "new_videos", run.NewVideos,
		"videos_fetched", run.VideosFetched, "videos_failed", run.VideosFailed, "transcripts", run.Transcripts,
		"elapsed", run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond))
	if werr != nil {
		return werr
	}
	switch run.Status {
	case harvest.RunInterrupted:
		return &codeError{code: exitInterrupted, err: errors.New("interrupted; the jobs in flight went back to the queue")}
	case harvest.RunFailed:
		return runExit(run, videos) // refused: exit 6
	}
	return nil
}

func cmpOr(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}
