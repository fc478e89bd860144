package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/db/postgres"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/crawl"
	"github.com/harvestdev/ytharvest/harvest/extract"
	"github.com/harvestdev/ytharvest/harvest/youtube"
)

const crawlSummary = `Usage: ytharvest crawl [flags] SEED...

Fetches the seed pages, follows links on the seeds' hosts up to --depth,
finds the YouTube videos the pages embed or link, fetches each new video's
metadata from YouTube, and records pages, links and videos in the database.
Seeds are fetched on every run; other pages once. A second run adds nothing
twice, and a killed run resumes where it stopped.`

const crawlExamples = `  ytharvest crawl https://news.example/
  ytharvest crawl --depth 2 --db news.db https://news.example/ https://other.example/world/
  ytharvest crawl --seeds-file seeds.txt -q          # from cron: log only problems
  ytharvest crawl --config /srv/news/ytharvest.toml   # everything from a config file
`

type crawlFlags struct {
	db                 *string
	seedsFile          string
	depth              int
	maxPages           int
	maxPagesPerHost    int
	maxDuration        time.Duration
	contact            string
	since              string
	sinceTime          time.Time // since, read
	ignoreRobots       bool
	maxCrawlDelay      time.Duration
	sitemapsFromRobots bool
	allowPrivate       bool
	concurrency        int
	hostConcurrency    int
	delay              time.Duration
	timeout            time.Duration
	maxBody            bytesFlag
	userAgent          string
	recrawlAfter       time.Duration
	wait               bool
	enqueueOnly        bool
	sameDomain         bool
	anyHost            bool
	sameHost           bool
	allow, deny        regexpList
	yt                 youtubeFlags
	log                logFlags
}

// regexpList is a repeatable flag of regular expressions.
type regexpList []*regexp.Regexp

func (l *regexpList) String() string {
	var s []string
	for _, re := range *l {
		s = append(s, re.String())
	}
	return strings.Join(s, " ")
}

func (l *regexpList) Set(v string) error {
	re, err := regexp.Compile(v)
	if err != nil {
		return err
	}
	*l = append(*l, re)
	return nil
}

func (a *app) crawl(ctx context.Context, args []string) error {
	fs := a.newFlagSet("crawl", crawlSummary, crawlExamples)
	f := crawlFlags{maxBody: 10 << 20}
	f.register(a, fs)
	seeds, err := a.parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := a.setupLog(&f.log); err != nil {
		return err
	}
	if seeds, err = a.allSeeds(seeds, &f); err != nil {
		return err
	}
	scope, err := f.check(seeds)
	if err != nil {
		return err
	}
	if postgres.IsDSN(*f.db) {
		return a.crawlPostgres(ctx, &f, seeds)
	} else if f.enqueueOnly {
		return usageError("--enqueue-only needs --db postgres://…: a SQLite harvest has no workers")
	}
	store, closeStore, err := a.openForRun(ctx, *f.db, f.wait)
	if err != nil {
		return err
	}
	defer closeStore()
	h, videos, err := a.crawler(&f, scope, store, len(seeds))
	if err != nil {
		return err
	}
	stopProgress := func() {}
	if !f.log.quiet && isTerminal(a.stderr) {
		h.Progress = new(harvest.Progress)
		stopProgress = progressLine(a.stderr, h.Progress)
	}
	run, err := h.Run(ctx, seeds)
	stopProgress()
	afterRun(ctx, a, store, videos, run)
	if run.ID != 0 { // recorded: a run that could not even start has nothing to say
		a.log.Info("run finished", "run", run.ID, "status", run.Status,
			"pages_fetched", run.PagesFetched, "pages_not_modified", run.PagesNotModified, "pages_failed", run.PagesFailed,
			"seeds_failed", run.SeedsFailed, "links_out_of_scope", run.LinksOutOfScope, "refs", run.RefsFound,
			"new_videos", run.NewVideos, "videos_fetched", run.VideosFetched, "videos_failed", run.VideosFailed,
			"elapsed", run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond), "db", displayDB(*f.db))
	}
	if err != nil {
		return err
	}
	return runExit(run, videos)
}

func (f *crawlFlags) register(a *app, fs *flag.FlagSet) {
	f.db = a.dbFlag(fs)
	fs.StringVar(&f.seedsFile, "seeds-file", "", "read seed URLs from `FILE`, one per line (# starts a comment); - reads standard input")
	fs.IntVar(&f.depth, "depth", 1, "follow links up to `N` hops from a seed (0 = seeds only)")
	fs.BoolVar(&f.sameHost, "same-host", false, "follow links only to the seeds' hosts (the default)")
	fs.BoolVar(&f.sameDomain, "same-domain", false, "follow links anywhere on the seeds' registrable domains (news.a.example with www.a.example)")
	fs.BoolVar(&f.anyHost, "any-host", false, "follow links to any host (mind --depth)")
	fs.Var(&f.allow, "allow", "follow only URLs matching this `REGEXP` (repeatable; any match allows)")
	fs.Var(&f.deny, "deny", "never follow URLs matching this `REGEXP` (repeatable)")
	fs.IntVar(&f.maxPages, "max-pages", 0, "fetch at most `N` pages this run; the rest stay queued (0 = no limit)")
	fs.StringVar(&f.since, "since", "", "skip sitemap and feed entries published before this `DATE` (2026-11-01, or RFC 3339); entries without a date are kept")
	fs.IntVar(&f.maxPagesPerHost, "max-pages-per-host", 0, "fetch at most `N` pages from one host this run (0 = no limit)")
	fs.DurationVar(&f.maxDuration, "max-duration", 0, "stop taking work after this long and record the run as stopped; the next run carries on (0 = no limit)")
	fs.IntVar(&f.concurrency, "concurrency", 0, "pages fetched at once, over all hosts; 0: one per host ready (times --host-concurrency), up to 256")
	fs.IntVar(&f.hostConcurrency, "host-concurrency", 1, "pages fetched at once from one host")
	fs.DurationVar(&f.delay, "delay", time.Second, "least time between two requests to one host (0s turns it off)")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "time limit for one page fetch, redirects and their waits for another host's turn included")
	fs.Var(&f.maxBody, "max-body", "read at most `SIZE` of a page (e.g. 512KiB, 10MiB); longer pages are recorded as truncated")
	fs.StringVar(&f.userAgent, "user-agent", "", "User-Agent for page requests (default: ytharvest/VERSION (+CONTACT))")
	fs.StringVar(&f.contact, "contact", projectURL, "a `URL` or address for site owners, sent in the default User-Agent")
	f.yt.register(fs, a.getenv)
	f.yt.registerPlaylists(fs)
	fs.DurationVar(&f.recrawlAfter, "recrawl-after", 7*24*time.Hour, "check fetched pages again after this, with a conditional GET (seeds are fetched every run)")
	fs.BoolVar(&f.ignoreRobots, "ignore-robots", false, "do not fetch or obey robots.txt (only for sites you own or have permission to crawl)")
	fs.DurationVar(&f.maxCrawlDelay, "max-crawl-delay", time.Minute, "honour a robots.txt Crawl-delay up to this long; a host whose Retry-After is longer waits for the next run")
	fs.BoolVar(&f.sitemapsFromRobots, "sitemaps-from-robots", false, "add the Sitemap lines of the seeds' robots.txt as seeds")
	fs.BoolVar(&f.allowPrivate, "allow-private", false, "follow links to loopback, private and link-local addresses (refused by default, except on the seeds' hosts)")
	fs.BoolVar(&f.wait, "wait", false, "if another run holds the database, wait for it instead of exiting with code 4")
	fs.BoolVar(&f.enqueueOnly, "enqueue-only", false, "with --db postgres://…: queue the seeds and pages due for the workers, and work none of it here")
	f.log.register(fs)
}

// allSeeds adds to the seeds of the command line those of --seeds-file and
// of standard input ("-" among the seeds reads it, as --seeds-file - does).
func (a *app) allSeeds(seeds []string, f *crawlFlags) ([]string, error) {
	if i := slices.Index(seeds, "-"); i >= 0 {
		seeds = slices.Delete(seeds, i, i+1)
		if f.seedsFile != "" && f.seedsFile != "-" {
			more, err := readSeeds(a.stdin, "standard input")
			if err != nil {
				return nil, usageError("%v", err)
			}
			seeds = append(seeds, more...)
		} else {
			f.seedsFile = "-"
		}
	}
	if f.seedsFile != "" {
		var in io.Reader = a.stdin
		name := "standard input"
		if f.seedsFile != "-" {
			file, err := os.Open(f.seedsFile)
			if err != nil {
				return nil, usageError("seeds file: %v", err)
			}
			defer file.Close()
			in, name = file, f.seedsFile
		}
		more, err := readSeeds(in, name)
		if err != nil {
			return nil, usageError("%v", err)
		}
		seeds = append(seeds, more...)
	}
	if len(seeds) == 0 {
		return nil, usageError("no seeds: give URLs as arguments or --seeds-file FILE (see ytharvest help crawl)")
	}
	return seeds, nil
}

// check refuses flags that contradict each other or make no sense, and
// returns the crawl's scope.
func (f *crawlFlags) check(seeds []string) (*crawl.Scope, error) {
	switch {
	case f.depth < 0:
		return nil, usageError("--depth must be 0 or more")
	case f.concurrency < 0 || f.hostConcurrency < 1:
		return nil, usageError("--concurrency must be 0 (automatic) or more, and --host-concurrency at least 1")
	case f.ignoreRobots && f.sitemapsFromRobots:
		return nil, usageError("--sitemaps-from-robots needs robots.txt; drop --ignore-robots")
	case f.delay < 0 || f.recrawlAfter < 0 || f.maxCrawlDelay < 0:
		return nil, usageError("--delay, --recrawl-after and --max-crawl-delay must not be negative")
	case f.maxPages < 0 || f.maxPagesPerHost < 0 || f.maxDuration < 0:
		return nil, usageError("--max-pages, --max-pages-per-host and --max-duration must not be negative")
	case boolCount(f.sameHost, f.sameDomain, f.anyHost) > 1:
		return nil, usageError("--same-host, --same-domain and --any-host exclude each other")
	}
	if f.since != "" {
		var err error
		if f.sinceTime, err = parseDate(f.since); err != nil {
			return nil, usageError("--since: %v", err)
		}
	}
	if err := f.yt.validate(); err != nil {
		return nil, err
	}
	scope, err := crawl.NewScope(seeds, crawl.ScopeOptions{Hosts: f.hostMode(), Allow: f.allow, Deny: f.deny})
	if err != nil {
		return nil, usageError("%v", err)
	}
	return scope, nil
}

func (f *crawlFlags) hostMode() crawl.HostMode {
	switch {
	case f.sameDomain:
		return crawl.SameDomain
	case f.anyHost:
		return crawl.AnyHost
	}
	return crawl.SameHost
}

// openForRun takes the run lock of the database at path (waiting for it
// with wait) and opens the database for writing. close releases both. A
// postgres:// URL opens PostgreSQL, where no lock is taken: many processes
// work one harvest at once.
func (a *app) openForRun(ctx context.Context, path string, wait bool) (store runStore, close func(), err error) {
	if postgres.IsDSN(path) {
		return a.openPostgres(ctx, path)
	}
	lock, err := db.Acquire(ctx, path, wait)
	if err != nil {
		if errors.Is(err, db.ErrLocked) {
			return nil, nil, &codeError{code: exitLocked, err: err}
		}
		if ctx.Err() != nil {
			return nil, nil, &codeError{code: exitInterrupted, err: errors.New("interrupted while waiting for the lock")}
		}
		return nil, nil, err
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		lock.Release()
		return nil, nil, err
	}
	return d, func() { d.Close(); lock.Release() }, nil
}

// crawler builds the harvester of a crawl: the page fetcher behind the
// private-address guard, robots.txt, the YouTube source, and the settings.
func (a *app) crawler(f *crawlFlags, scope *crawl.Scope, store runStore, seeds int) (*harvest.Harvester, *youtube.Source, error) {
	videos, err := f.yt.source(a, store)
	if err != nil {
		return nil, nil, err
	}
	return a.harvester(f, scope, store, videos, seeds), videos, nil
}

// harvester builds a crawl's harvester with the given YouTube source.
func (a *app) harvester(f *crawlFlags, scope *crawl.Scope, store runStore, videos *youtube.Source, seeds int) *harvest.Harvester {
	ua := f.userAgent
	if ua == "" {
		ua = defaultUserAgent(f.contact)
	}
	guard := &crawl.Guard{AllowHost: scope.SeedHost, AllowPrivate: f.allowPrivate, Lookup: a.lookup}
	pages := &http.Client{Transport: a.pageTransport(guard), Timeout: f.timeout}
	var robots harvest.Robots
	if !f.ignoreRobots {
		robots = crawl.NewRobotsPolicy(pages, ua, store, nil)
	}
	return &harvest.Harvester{
		Runs: store, Frontier: store, VideoStore: store,
		Fetcher:     crawl.NewFetcher(pages, ua, int64(f.maxBody), &crawl.HopPolicy{Scope: scope, Robots: robots}),
		Extract:     extract.Extract,
		ExtractText: extract.ExtractText,
		Scope:       scope,
		Videos:      videos,
		Robots:      robots,
		Log:         a.log,

		Depth:              f.depth,
		Concurrency:        f.concurrency,
		HostConcurrency:    f.hostConcurrency,
		Delay:              f.delay,
		VideoConcurrency:   f.yt.concurrency,
		MaxPages:           f.maxPages,
		MaxPagesPerHost:    f.maxPagesPerHost,
		MaxDuration:        f.maxDuration,
		Since:              f.sinceTime,
		MaxCrawlDelay:      f.maxCrawlDelay,
		SitemapsFromRobots: f.sitemapsFromRobots,
		RefreshAfter:       f.yt.refreshAfter,
		RecrawlAfter:       f.recrawlAfter,
		Transcripts:        !f.yt.noTranscripts,
		RefetchTranscripts: f.yt.refetchTranscripts,
		ExpandPlaylists:    f.yt.expandPlaylists,
		MaxPlaylistVideos:  f.yt.maxPlaylistVideos,
		Options:            f.options(seeds),
		Version:            buildVersion(),
	}
}

// options are recorded with the run, as JSON.
func (f *crawlFlags) options(seeds int) string {
	b, _ := json.Marshal(map[string]any{
		"seeds": seeds, "depth": f.depth, "max_pages": f.maxPages, "concurrency": f.concurrency,
		"max_pages_per_host": f.maxPagesPerHost, "max_duration": f.maxDuration.String(), "since": f.since,
		"host_concurrency": f.hostConcurrency, "delay": f.delay.String(),
		"recrawl_after": f.recrawlAfter.String(), "hosts": []string{"same-host", "same-domain", "any-host"}[f.hostMode()],
		"allow": f.allow.String(), "deny": f.deny.String(), "ignore_robots": f.ignoreRobots,
		"max_crawl_delay": f.maxCrawlDelay.String(), "sitemaps_from_robots": f.sitemapsFromRobots,
		"allow_private": f.allowPrivate, "youtube": f.yt.options(),
	})
	return string(b)
}

func boolCount(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// readSeeds reads one URL per line; blank lines and comments (from a "#"
// at the start of a line or after a space, so URL fragments survive) are
// skipped. name says where the lines come from: a URL that cannot be
// crawled is reported as name:line.
func readSeeds(r io.Reader, name string) ([]string, error) {
	var seeds []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := crawl.Normalize(line); err != nil {
			return nil, fmt.Errorf("%s:%d: seed %q: %w", name, n, line, err)
		}
		seeds = append(seeds, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("seeds from %s: %w", name, err)
	}
	return seeds, nil
}
