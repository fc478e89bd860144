package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/db/postgres"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/crawl"
	"github.com/harvestdev/ytharvest/harvest/youtube"
)

// runStore is what the commands that harvest write to: the SQLite file
// (*db.DB) or PostgreSQL (*postgres.Store).
type runStore interface {
	harvest.Store
	crawl.RobotsStore
	youtube.Store
	VideoSummaries(ctx context.Context, ids []string) ([]db.VideoSummary, error)
	SetClientsRefused(ctx context.Context, runID int64, refused []string) error
}

var (
	_ runStore = (*db.DB)(nil)
	_ runStore = (*postgres.Store)(nil)
)

// openReader opens the harvest at path (a SQLite file, or a postgres://
// URL) for the read commands.
func openReader(ctx context.Context, path string) (db.Reader, error) {
	if postgres.IsDSN(path) {
		return postgres.OpenReadOnly(ctx, path)
	}
	return db.OpenReadOnly(ctx, path)
}

// openServingReader is openReader for serve, report and search, which
// read the same pages many times: on SQLite with a page cache of
// db.ServingCache a connection.
func openServingReader(ctx context.Context, path string) (db.Reader, error) {
	if postgres.IsDSN(path) {
		return postgres.OpenReadOnly(ctx, path)
	}
	return db.OpenReadOnlyCached(ctx, path)
}

// openPostgres opens a PostgreSQL harvest for writing. No run lock: many
// processes work one PostgreSQL harvest at once, by design. The machine
// (which keys this process's YouTube egresses) is $YTHARVEST_MACHINE, else
// the host name.
func (a *app) openPostgres(ctx context.Context, dsn string) (*postgres.Store, func(), error) {
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	if m := a.getenv("YTHARVEST_MACHINE"); m != "" {
		s.Machine = m
	}
	return s, func() { s.Close() }, nil
}

// pgSettings are the settings of a crawl that every worker follows: the
// crawl stores them with its seeds, the workers read them (and read them
// again when a crawl stores new ones). What a machine decides for itself
// — timeouts, concurrency, YouTube's egresses and rate — are the
// worker's own flags.
type pgSettings struct {
	Seeds         []string      `json:"seeds"`
	Depth         int           `json:"depth"`
	Hosts         string        `json:"hosts"` // same-host, same-domain or any-host
	Allow         []string      `json:"allow,omitempty"`
	Deny          []string      `json:"deny,omitempty"`
	Since         time.Time     `json:"since,omitzero"`
	Delay         time.Duration `json:"delay"`
	RecrawlAfter  time.Duration `json:"recrawl_after"`
	MaxCrawlDelay time.Duration `json:"max_crawl_delay"`
	IgnoreRobots  bool          `json:"ignore_robots,omitempty"`
	AllowPrivate  bool          `json:"allow_private,omitempty"`
	UserAgent     string        `json:"user_agent,omitempty"`
	Contact       string        `json:"contact"`
	MaxBody       int64         `json:"max_body"`
}

func settingsOf(f *crawlFlags, seeds []string) pgSettings {
	return pgSettings{
		Seeds: seeds, Depth: f.depth, Hosts: []string{"same-host", "same-domain", "any-host"}[f.hostMode()],
		Allow: regexps(f.allow), Deny: regexps(f.deny), Since: f.sinceTime, Delay: f.delay,
		RecrawlAfter: f.recrawlAfter, MaxCrawlDelay: f.maxCrawlDelay, IgnoreRobots: f.ignoreRobots,
		AllowPrivate: f.allowPrivate, UserAgent: f.userAgent, Contact: f.contact, MaxBody: int64(f.maxBody),
	}
}

func regexps(l regexpList) []string {
	var out []string
	for _, re := range l {
		out = append(out, re.String())
	}
	return out
}

// apply sets the crawl flags from the settings.
func (s pgSettings) apply(f *crawlFlags) error {
	f.depth, f.delay, f.recrawlAfter, f.maxCrawlDelay = s.Depth, s.Delay, s.RecrawlAfter, s.MaxCrawlDelay
	f.sinceTime, f.ignoreRobots, f.allowPrivate = s.Since, s.IgnoreRobots, s.AllowPrivate
	f.userAgent, f.contact, f.maxBody = s.UserAgent, s.Contact, bytesFlag(s.MaxBody)
	if f.maxBody <= 0 {
		f.maxBody = 10 << 20
	}
	f.sameHost, f.sameDomain, f.anyHost = s.Hosts == "same-host", s.Hosts == "same-domain", s.Hosts == "any-host"
	f.allow, f.deny = nil, nil
	for _, re := range s.Allow {
		if err := f.allow.Set(re); err != nil {
			return err
		}
	}
	for _, re := range s.Deny {
		if err := f.deny.Set(re); err != nil {
			return err
		}
	}
	return nil
}

// crawlPostgres is `crawl --db postgres://…`: it stores the crawl's
// settings for the workers, queues the seeds and the pages due again
// (each host's slice as a River job, in the same transaction), and then,
// unless --enqueue-only, works as one more worker until the queue is
// empty (or --max-duration).
func (a *app) crawlPostgres(ctx context.Context, f *crawlFlags, seeds []string) error {
	switch {
	case f.maxPages > 0 || f.maxPagesPerHost > 0:
		return usageError("--max-pages and --max-pages-per-host are not supported with PostgreSQL: workers share the queue (use --max-duration)")
	case f.hostConcurrency != 1:
		return usageError("--host-concurrency must be 1 with PostgreSQL: one request at a time per host, whichever workers make them")
	case f.sitemapsFromRobots:
		return usageError("--sitemaps-from-robots is not supported with PostgreSQL: give the sitemaps as seeds")
	}
	started := time.Now().UTC()
	store, closeStore, err := a.openPostgres(ctx, *f.db)
	if err != nil {
		return err
	}
	defer closeStore()
	scope, err := crawl.NewScope(seeds, crawl.ScopeOptions{Hosts: f.hostMode(), Allow: f.allow, Deny: f.deny})
	if err != nil {
		return usageError("%v", err)
	}
	norm := make([]string, 0, len(seeds))
	for _, s := range seeds {
		u, err := scope.Normalize(s)
		if err != nil {
			return usageError("seed %q: %v", s, err)
		}
		norm = append(norm, u)
	}
	b, _ := json.Marshal(settingsOf(f, norm))
	if err := store.SaveSettings(ctx, b); err != nil {
		return fmt.Errorf("store the crawl's settings: %w", err)
	}
	if err := store.AddSeeds(ctx, norm); err != nil {
		return fmt.Errorf("add seeds: %w", err)
	}
	n, err := store.QueueDue(ctx, time.Now())
	if err != nil {
		return fmt.Errorf("queue pages due for a re-check: %w", err)
	}
	v, err := store.QueueDueVideos(ctx, time.Now().Add(-f.yt.refreshAfter), !f.yt.noTranscripts)
	if err != nil {
		return fmt.Errorf("queue videos due: %w", err)
	}
	a.log.Info("seeds queued", "seeds", len(norm), "pages_due_again", n, "videos_due", v, "db", postgres.Redact(*f.db))
	if f.enqueueOnly {
		return recordEnqueue(ctx, store, started, len(norm), b)
	}
	wf := workerFlags{db: f.db, concurrency: f.concurrency, timeout: f.timeout, maxDuration: f.maxDuration,
		untilIdle: true, yt: f.yt, log: f.log}
	return a.runWorker(ctx, store, &wf, "crawl", len(norm))
}

// recordEnqueue records `crawl --enqueue-only` in runs, as every other
// command is recorded: a crawl run of its seeds that fetched nothing
// itself, with the settings it stored for the workers (and
// "enqueue_only": true) as its options. The work itself is recorded by
// the workers' runs.
func recordEnqueue(ctx context.Context, store *postgres.Store, started time.Time, seeds int, settings []byte) error {
	opts := map[string]any{}
	json.Unmarshal(settings, &opts) // ours, just written
	opts["enqueue_only"] = true
	b, _ := json.Marshal(opts)
	run := &harvest.Run{Command: "crawl", StartedAt: started, Status: harvest.RunRunning, Seeds: seeds,
		Options: string(b), Version: buildVersion()}
	if err := store.StartRun(ctx, run); err != nil {
		return fmt.Errorf("the seeds are queued, but the run could not be recorded: %w", err)
	}
	run.Status, run.FinishedAt = harvest.RunOK, time.Now().UTC()
	if err := store.FinishRun(context.WithoutCancel(ctx), run); err != nil {
		return fmt.Errorf("the seeds are queued, but the run could not be recorded: %w", err)
	}
	return nil
}

// pgHarvesters builds a worker's harvester from the crawl settings the
// store holds, again whenever a crawl stores new ones (looked up at most
// every few seconds). The YouTube source is built once: its egresses'
// state lives across settings.
type pgHarvesters struct {
	a      *app
	store  *postgres.Store
	f      workerFlags
	videos *youtube.Source

	mu      sync.Mutex
	current *harvest.Harvester
	at      time.Time // of the settings current was built from
	checked time.Time
}

// get returns the current harvester. While no crawl stored settings (after
// an import) it fetches videos only: it has no Fetcher, and the worker
// holds host slices back until a crawl stores them.
func (p *pgHarvesters) get() *harvest.Harvester {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.checked) < 5*time.Second && p.current != nil {
		return p.current
	}
	p.checked = time.Now()
	b, at, err := p.store.LoadSettings(context.Background())
	switch {
	case err != nil:
		p.a.log.Warn("could not read the crawl settings", "error", err)
		return p.current
	case b == nil:
		if p.current == nil { // videos can be fetched without a crawl's settings
			p.current = &harvest.Harvester{Videos: p.videos, Transcripts: !p.f.yt.noTranscripts, Log: p.a.log}
		}
		return p.current
	case at.Equal(p.at) && p.current != nil:
		return p.current
	}
	h, err := p.build(b)
	if err != nil {
		p.a.log.Error("the crawl settings cannot be used", "error", err)
		return p.current
	}
	p.current, p.at = h, at
	return h
}

func (p *pgHarvesters) build(b []byte) (*harvest.Harvester, error) {
	var s pgSettings
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	f := crawlFlags{db: p.f.db, timeout: p.f.timeout, yt: p.f.yt, log: p.f.log}
	if err := s.apply(&f); err != nil {
		return nil, err
	}
	if len(s.Seeds) == 0 {
		return nil, errors.New("no seeds")
	}
	scope, err := crawl.NewScope(s.Seeds, crawl.ScopeOptions{Hosts: f.hostMode(), Allow: f.allow, Deny: f.deny})
	if err != nil {
		return nil, err
	}
	return p.a.harvester(&f, scope, p.store, p.videos, len(s.Seeds)), nil
}
