package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/harvestdev/ytharvest/harvest/crawl"
	// envguard has stripped an invalid LOGLEVEL before kkdai read it
	// (see harvest/youtube/source.go); main only reports it.
	"github.com/harvestdev/ytharvest/internal/envguard"
)

// version is set at build time with -ldflags "-X main.version=...".
var version string

// Exit codes. They are documented in the README and in `ytharvest help`;
// cron wrappers rely on them, so they never change meaning.
const (
	exitOK          = 0   // done; pages that failed are data, not failure
	exitError       = 1   // the run could not go on: database or I/O error
	exitUsage       = 2   // bad flags, arguments or seeds
	exitPartial     = 3   // done, but YouTube blocked us or work was left queued
	exitLocked      = 4   // another run holds the database
	exitFailed      = 5   // nothing could be harvested: every seed failed, or no video could be fetched
	exitRefused     = 6   // YouTube refused every client identity: the operator must act
	exitInterrupted = 130 // SIGINT or SIGTERM: committed work is kept, the next run resumes
)

// exitCodes says what each exit code means, for `ytharvest help`; the
// README and docs/cron.md say the same words (a test checks).
var exitCodes = []struct {
	code    int
	meaning string
}{
	{exitOK, "done; pages that failed (404, timeouts) are recorded in the pages table, not fatal"},
	{exitError, "error: the database could not be opened or written (message on stderr)"},
	{exitUsage, "usage: bad flags, arguments, seeds or config file"},
	{exitPartial, "partial: YouTube blocked us on every egress (videos left pending; a block on captions counts too), or work was left queued for the next run: a limit (--max-pages, --max-pages-per-host, --max-duration), a host whose robots.txt could not be fetched, or a host that asked (Retry-After) to wait longer than --max-crawl-delay"},
	{exitLocked, "another run holds the database; nothing was done (--wait waits for it instead)"},
	{exitFailed, "failed: every seed failed, or not one video could be fetched (YouTube or --youtube-url unreachable), or a video named to the video command could not be fetched; what was fetched is kept and the next run tries again"},
	{exitRefused, "refused: YouTube refused every client identity ytharvest speaks as (--youtube-client); nothing more was asked and the videos stay as they were; set a newer version in [youtube.client.NAME] or update ytharvest (ytharvest doctor tells which)"},
	{exitInterrupted, "interrupted by SIGINT/SIGTERM; committed work is kept and the next run resumes"},
}

// exitCodeTable renders exitCodes for the help, wrapped under the code.
func exitCodeTable() string {
	var b strings.Builder
	for _, c := range exitCodes {
		line := fmt.Sprintf("  %-4d", c.code)
		for _, w := range strings.Fields(c.meaning) {
			if len(line)+1+len(w) > 78 {
				b.WriteString(line + "\n")
				line = "       " + w
				continue
			}
			line += " " + w
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

const usageText = `ytharvest harvests the YouTube videos that web pages embed or link,
with their metadata, into one SQLite file.

Usage:
  ytharvest crawl [flags] SEED...   crawl seed pages, record videos and links
  ytharvest stats [flags]           what the database holds; recent runs
  ytharvest sql [flags] QUERY       run a read-only SQL query and print the rows
  ytharvest search [flags] QUERY    full-text search of transcripts and titles, with links to the moment
  ytharvest video [flags] ID|URL... fetch these videos' metadata and transcripts now
  ytharvest refresh [flags]         fetch the videos that are due, without crawling
  ytharvest extract [flags] URL|FILE|-
                                    print the YouTube references one page makes (no database)
  ytharvest export [flags]          stream a table as CSV or JSON lines
  ytharvest backup [flags] FILE     copy the database safely while crawls run
  ytharvest doctor [flags]          check the database, YouTube, proxies, client identities, the Data API
  ytharvest serve [flags]           browse the harvest in a web browser (read-only, loopback)
  ytharvest report -o FILE [flags]  write a one-file HTML report of the harvest
  ytharvest worker --db postgres://… [flags]
                                    work a PostgreSQL harvest's queue beside other workers
  ytharvest import --from FILE --db postgres://…
                                    copy a SQLite harvest into PostgreSQL
  ytharvest version                 print the version
  ytharvest help [COMMAND]          show help

Flags follow the command name (ytharvest crawl --db x.db --depth 2 URL);
-flag and --flag both work. Run 'ytharvest help crawl' for a command's flags.

Environment:
  YTHARVEST_DB               default for --db (else ytharvest.db): a SQLite file, or postgres://…
  YTHARVEST_YOUTUBE_URL      default for --youtube-url
  YTHARVEST_MACHINE          with PostgreSQL, this machine's name for its YouTube egresses (else the host name)
  YOUTUBE_API_KEY            default for --youtube-api-key
  YTHARVEST_YOUTUBE_API_URL  default for --youtube-api-url
  HTTPS_PROXY                proxy for page traffic, and for YouTube's when no --youtube-proxy is given

Config file:
  --config FILE, else ./ytharvest.toml when present (--config= for none):
  settings by flag name; shared ones (db, logging, YouTube) at the top
  level, the rest in a table per command ([crawl] also takes seeds = [...]).
  Command line > environment > the command's table > top level > default.
  See docs/ytharvest.example.toml.

Exit codes:
%s
The schema and example queries are in docs/schema.md.
`

// usage is the help of `ytharvest help`.
var usage = fmt.Sprintf(usageText, exitCodeTable())

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one kills at once.
		<-ctx.Done()
		stop()
	}()
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if path := os.Getenv("YTHARVEST_CPUPROFILE"); path != "" {
		// For `make bench` and performance work; see docs/PERFORMANCE.md.
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
	}
	tuneGC(os.Args[1:], os.Getenv)
	code := a.main(ctx, os.Args[1:])
	pprof.StopCPUProfile()
	stop()
	os.Exit(code)
}

// gcPercent and memoryLimit tune the garbage collector for the commands
// that harvest, unless GOGC or GOMEMLIMIT say otherwise. A crawl's live
// heap is small (30 MB: a window of pages, never the frontier) and
// churns fast, so Go's default of collecting each time the heap doubles
// spent about a sixth of a fast crawl's CPU on garbage collection; letting
// it grow five-fold before a collection, with a soft limit of 96 MiB on
// the heap, gave the crawl benchmark about 15% more pages per second
// (docs/PERFORMANCE.md). The limit keeps peak RSS near where it was on a
// hostile page, whose parse is most of the live heap.
const (
	gcPercent   = 400
	memoryLimit = 96 << 20
)

func tuneGC(args []string, getenv func(string) string) {
	if len(args) == 0 || getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	switch args[0] {
	case "crawl", "video", "refresh", "worker":
		debug.SetGCPercent(gcPercent)
		debug.SetMemoryLimit(memoryLimit)
	}
}

// app is one invocation of the command line. Tests build one with their
// own output buffers, environment and network.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// transport, when set, carries every HTTP request (tests use it to
	// keep the network out). Nil means a real transport.
	transport http.RoundTripper
	// lookup, when set, resolves host names for the page transport's
	// private-address guard (tests fake DNS with it). Nil means DNS.
	lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)
	log    *slog.Logger
}

// main runs the command in args and returns the process exit code.
func (a *app) main(ctx context.Context, args []string) int {
	err := a.run(ctx, args)
	if err == nil {
		return exitOK
	}
	var ee *codeError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ee):
		if ee.err != nil {
			fmt.Fprintln(a.stderr, "ytharvest:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(a.stderr, "ytharvest:", err)
	return exitError
}

// codeError carries an exit code other than 1 up to main.
type codeError struct {
	code int
	err  error // printed when non-nil
}

func (e *codeError) Error() string {
	if e.err == nil {
		return "exit " + strconv.Itoa(e.code)
	}
	return e.err.Error()
}

func usageError(format string, args ...any) error {
	return &codeError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func (a *app) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usage)
		return &codeError{code: exitUsage}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "crawl":
		return a.crawl(ctx, rest)
	case "stats":
		return a.stats(ctx, rest)
	case "sql":
		return a.sql(ctx, rest)
	case "extract":
		return a.extract(ctx, rest)
	case "search":
		return a.search(ctx, rest)
	case "backup":
		return a.backup(ctx, rest)
	case "export":
		return a.export(ctx, rest)
	case "video":
		return a.video(ctx, rest)
	case "refresh":
		return a.refresh(ctx, rest)
	case "doctor":
		return a.doctor(ctx, rest)
	case "serve":
		return a.serve(ctx, rest)
	case "report":
		return a.report(ctx, rest)
	case "worker":
		return a.worker(ctx, rest)
	case "import":
		return a.importSQLite(ctx, rest)
	case "version", "--version", "-version":
		if len(rest) > 0 && slices.Contains([]string{"-h", "-help", "--help"}, rest[0]) {
			fmt.Fprint(a.stdout, "Usage: ytharvest version\n\nPrints the version of this ytharvest: a release's tag, or the commit it was\nbuilt from (with -dirty when the checkout had changes).\n")
			return nil
		}
		fmt.Fprintln(a.stdout, "ytharvest", buildVersion())
		return nil
	case "help", "-h", "--help", "-help":
		if len(rest) > 0 && rest[0] != "help" {
			return a.run(ctx, []string{rest[0], "-h"})
		}
		fmt.Fprint(a.stdout, usage)
		return nil
	}
	return unknownCommand(args)
}

// commands are the command names, for the unknown-command message.
var commands = []string{"crawl", "stats", "sql", "search", "video", "refresh", "extract", "export", "backup", "doctor", "serve", "report", "worker", "import", "version", "help"}

// unknownCommand is the one-line error for a command line that does not
// start with a command: a flag before the command, or a misspelt one.
func unknownCommand(args []string) error {
	cmd := args[0]
	if strings.HasPrefix(cmd, "-") {
		for i, a := range args {
			if slices.Contains(commands, a) {
				fixed := append([]string{"ytharvest", a}, slices.Delete(slices.Clone(args), i, i+1)...)
				return usageError("unknown command %q: flags go after the command (%s)", cmd, strings.Join(fixed, " "))
			}
		}
		return usageError("unknown command %q: flags go after the command (see 'ytharvest help')", cmd)
	}
	if near := nearest(cmd, commands); near != "" {
		return usageError("unknown command %q: did you mean %q? (see 'ytharvest help')", cmd, near)
	}
	return usageError("unknown command %q (see 'ytharvest help')", cmd)
}

// newFlagSet returns a flag set for a subcommand whose -h prints summary,
// the flags and examples.
func (a *app) newFlagSet(name, summary, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	configFlag(fs)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "%s\n\nFlags:\n", summary)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(out, "\nExamples:\n%s", examples)
		}
	}
	return fs
}

// parseArgs parses flags wherever they appear among the arguments
// (`crawl URL --depth 2` as well as `crawl --depth 2 URL`) and returns the
// positional arguments. "--" ends the flags. A bad flag is a one-line
// usage error, like every other (cron mails it; the whole help would bury
// it); -h prints the help.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				usage()
				return nil, err
			}
			return nil, usageError("%v (see 'ytharvest help %s')", err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// logFlags are the logging flags every command takes.
type logFlags struct {
	format  string
	quiet   bool
	verbose bool
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.format, "log-format", "text", "log format: text or json")
	fs.BoolVar(&l.quiet, "q", false, "quiet: log only warnings and errors")
	fs.BoolVar(&l.verbose, "v", false, "verbose: log every page and video (debug)")
}

// parseLogged registers the logging flags on fs, parses args and sets
// up the logger: what every command without flags of its own for logging
// does first. It returns the positional arguments.
func (a *app) parseLogged(fs *flag.FlagSet, args []string) ([]string, error) {
	var lf logFlags
	lf.register(fs)
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	return pos, a.setupLog(&lf)
}

// setup builds the logger. kkdai/youtube logs through slog's default
// logger, so that is set too.
func (a *app) setupLog(l *logFlags) error {
	level := slog.LevelInfo
	switch {
	case l.verbose:
		level = slog.LevelDebug
	case l.quiet:
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch l.format {
	case "text":
		h = slog.NewTextHandler(a.stderr, opts)
	case "json":
		h = slog.NewJSONHandler(a.stderr, opts)
	default:
		return usageError("--log-format must be text or json, not %q", l.format)
	}
	a.log = slog.New(h)
	slog.SetDefault(a.log)
	if envguard.IgnoredLOGLEVEL != "" {
		a.log.Warn("ignoring LOGLEVEL: not a log level name (use -v or -q)", "LOGLEVEL", envguard.IgnoredLOGLEVEL)
	}
	return nil
}

// dbFlag registers --db with its environment default.
func (a *app) dbFlag(fs *flag.FlagSet) *string {
	def := a.getenv("YTHARVEST_DB")
	if def == "" {
		def = "ytharvest.db"
	}
	return fs.String("db", def, "SQLite database file, or a postgres:// URL (env YTHARVEST_DB)")
}

// httpTransport returns the transport for YouTube: the test's, or a
// clone of the default one (which honours HTTPS_PROXY) with connect and
// header timeouts.
func (a *app) httpTransport() http.RoundTripper {
	if a.transport != nil {
		return a.transport
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 20 * time.Second
	t.MaxIdleConnsPerHost = 64 // keep connections for --host-concurrency workers
	return t
}

// pageTransport returns the transport for pages: like httpTransport, but
// every connection goes through the private-address guard. Behind an HTTP
// proxy the guard sees only the proxy (which it lets through): the proxy
// resolves the sites, and refusing private ones is then its job.
func (a *app) pageTransport(g *crawl.Guard) http.RoundTripper {
	if a.transport != nil {
		return a.transport
	}
	t := a.httpTransport().(*http.Transport)
	proxies := proxyHosts()
	if len(proxies) > 0 {
		seed := g.AllowHost
		g.AllowHost = func(h string) bool { return proxies[h] || seed(h) }
	}
	t.DialContext = g.DialContext((&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext)
	t.ForceAttemptHTTP2 = true // a custom DialContext turns HTTP/2 off otherwise
	return t
}

// proxyHosts returns the host names of the proxies the environment
// configures (HTTP_PROXY, HTTPS_PROXY).
func proxyHosts() map[string]bool {
	hosts := make(map[string]bool)
	for _, target := range []string{"http://example.com/", "https://example.com/"} {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		if u, err := http.ProxyFromEnvironment(req); err == nil && u != nil {
			hosts[strings.ToLower(u.Hostname())] = true
		}
	}
	return hosts
}

// projectURL is where site owners learn what ytharvest is.
const projectURL = "https://github.com/harvestdev/ytharvest"

// defaultUserAgent names ytharvest, its version and a contact, as polite
// crawlers do: "ytharvest/v1.2.0 (+https://...)".
func defaultUserAgent(contact string) string {
	return "ytharvest/" + buildVersion() + " (+" + contact + ")"
}

func buildVersion() string {
	if version != "" {
		return version
	}
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// pseudoVersion matches the version Go gives an untagged commit
// (v0.0.0-20261203183359-480c02c9a73a).
var pseudoVersion = regexp.MustCompile(`-\d{14}-[0-9a-f]{12}(\+dirty)?$`)

// versionOf says which ytharvest bi describes: a release's tag (go install
// …@v1.2.0), else the commit it was built from, as `make build` says it
// (git describe: 480c02c, 480c02c-dirty), else "devel".
func versionOf(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	v := bi.Main.Version
	if v != "" && v != "(devel)" && !pseudoVersion.MatchString(v) {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev != "" {
		return rev[:min(len(rev), 7)] + dirty
	}
	if v != "" && v != "(devel)" {
		return v
	}
	return "devel"
}

// parseBytes reads a size such as 10485760, 512KiB, 10MiB or 1GB.
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid size %q (want e.g. 10MiB)", s)
	}
	return n * mult, nil
}

// bytesFlag is a flag.Value for sizes.
type bytesFlag int64

func (b *bytesFlag) String() string {
	n := int64(*b)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
func (b *bytesFlag) Set(s string) error {
	n, err := parseBytes(s)
	*b = bytesFlag(n)
	return err
}
