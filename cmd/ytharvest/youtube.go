package main

import (
	"context"
	"flag"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
)

var _ youtube.Store = (*db.DB)(nil)

// egressFlags are the flags that say how ytharvest reaches YouTube from a
// server: its egresses (proxies), cookies, client identities and the Data
// API. validate parses them, before any database is touched.
type egressFlags struct {
	proxies     stringList
	proxiesFile string
	cookies     string
	clients     string
	overrides   stringList
	apiKey      string
	apiURL      string
	apiQuota    int
	watchPage   bool
	getenv      func(string) string

	// Parsed by validate.
	proxyURLs []string
	proxyTags []string // the proxies' labels, without credentials
	jar       *youtube.Cookies
	idents    []youtube.Identity
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, " ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func (e *egressFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.Var(&e.proxies, "youtube-proxy", "send YouTube requests through this proxy `URL` too: http://, https:// or socks5://, with user:pass@ if needed; repeatable, each proxy an egress with its own rate limit and bench (default: direct, or HTTPS_PROXY)")
	fs.StringVar(&e.proxiesFile, "youtube-proxies-file", "", "read more --youtube-proxy URLs from `FILE`, one a line (# comments)")
	fs.StringVar(&e.cookies, "youtube-cookies", "", "send the youtube.com cookies of this Netscape cookies.txt `FILE` with YouTube requests (YouTube may ban the account: see docs/youtube.md)")
	fs.StringVar(&e.clients, "youtube-client", youtube.DefaultClients, "client identities to speak as, in order: the next is used when YouTube refuses one (`LIST` of "+strings.Join(youtube.ClientKeys(), ", ")+")")
	fs.Var(&e.overrides, "youtube-client-override", "override a client identity's version or user agent: `NAME.FIELD=VALUE` (android.version=21.03.36, ios.user-agent=...); repeatable; the config file's [youtube.client.NAME] tables set the same")
	// The key's default is read in validate, not given here: the help
	// prints defaults, and must not print a key.
	fs.StringVar(&e.apiKey, "youtube-api-key", "", "YouTube Data API v3 `KEY`: metadata for 50 videos a request, the player only where the API cannot tell (env YOUTUBE_API_KEY)")
	e.getenv = getenv
	fs.StringVar(&e.apiURL, "youtube-api-url", getenv("YTHARVEST_YOUTUBE_API_URL"), "send Data API requests to this base `URL` instead of https://www.googleapis.com (env YTHARVEST_YOUTUBE_API_URL)")
	fs.IntVar(&e.apiQuota, "youtube-api-quota", youtube.DefaultAPIQuota, "Data API units to spend per Pacific-time day; past it the player answers")
	fs.BoolVar(&e.watchPage, "watch-page", false, "fetch a video's watch page when the player answer lacks its publish date (one more request per video; the Data API gives the date without it)")
}

func (e *egressFlags) validate() error {
	if e.apiKey == "" && e.getenv != nil {
		e.apiKey = e.getenv("YOUTUBE_API_KEY")
	}
	e.proxyURLs = append([]string(nil), e.proxies...)
	if e.proxiesFile != "" {
		more, err := youtube.ReadProxiesFile(e.proxiesFile)
		if err != nil {
			return usageError("--youtube-proxies-file: %v", err)
		}
		e.proxyURLs = append(e.proxyURLs, more...)
	}
	e.proxyTags = nil
	for i, raw := range e.proxyURLs {
		p, err := youtube.ParseProxy(raw)
		if err != nil {
			return usageError("--youtube-proxy %d: %v", i+1, err)
		}
		e.proxyTags = append(e.proxyTags, p.Label)
	}
	if e.cookies != "" {
		jar, err := youtube.ReadCookiesFile(e.cookies)
		if err != nil {
			return usageError("--youtube-cookies: %v", err)
		}
		e.jar = jar
	}
	var overrides []youtube.ClientOverride
	for _, o := range e.overrides {
		co, err := youtube.ParseClientOverride(o)
		if err != nil {
			return usageError("--youtube-client-override: %v", err)
		}
		overrides = append(overrides, co)
	}
	idents, err := youtube.ChooseClients(e.clients, overrides)
	if err != nil {
		return usageError("--youtube-client: %v", err)
	}
	e.idents = idents
	if e.apiQuota < 0 {
		return usageError("--youtube-api-quota must not be negative")
	}
	return nil
}

// labels are the egresses as the runs table's options record them.
func (e *egressFlags) labels() []string {
	if len(e.proxyTags) == 0 {
		return []string{"direct"}
	}
	return e.proxyTags
}

// afterRun records what the YouTube source learnt during the run: the
// egresses' request counts, and the client identities YouTube refused (in
// runs.clients_refused). A signal may have ended ctx: these are written
// all the same.
func afterRun(ctx context.Context, a *app, store runStore, src *youtube.Source, run *harvest.Run) {
	if src == nil {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := src.Flush(wctx); err != nil {
		a.log.Warn("could not record the egresses' request counts", "error", err)
	}
	if run == nil || run.ID == 0 {
		return
	}
	if err := store.SetClientsRefused(wctx, run.ID, src.Refused()); err != nil {
		a.log.Warn("could not record the refused client identities", "error", err)
	}
}
