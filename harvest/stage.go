package harvest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// RunLog records the runs: one row per crawl, video and refresh. db.DB
// implements it.
type RunLog interface {
	// StartRun records the start of r and sets r.ID.
	StartRun(ctx context.Context, r *Run) error
	// FinishRun records how r ended.
	FinishRun(ctx context.Context, r *Run) error
}

// Frontier is the crawl's store: the pages to fetch and what fetching them
// yields. db.DB implements it; every method is one transaction.
type Frontier interface {
	// AddSeeds puts the seed URLs (already normalised) in the frontier at
	// depth 0. Seeds are fetched on every run, so a seed fetched before is
	// queued again. Pages left fetching by an earlier version's killed run
	// are queued again too.
	AddSeeds(ctx context.Context, urls []string) error
	// QueueDue queues again the fetched and failed pages whose next fetch
	// time has come, and reports how many.
	QueueDue(ctx context.Context, now time.Time) (int, error)
	// NextPages returns up to limit queued pages no deeper than maxDepth,
	// not on the excluded hosts and not among excludeIDs (the pages the
	// run holds already), in frontier order (shallowest first, hosts taking
	// turns). It changes nothing: a page stays queued until its outcome is
	// saved, so a killed run leaves nothing to undo.
	NextPages(ctx context.Context, limit, maxDepth int, excludeHosts []string, excludeIDs []int64) ([]Page, error)
	// CountQueued reports how many pages no deeper than maxDepth are queued.
	CountQueued(ctx context.Context, maxDepth int) (int, error)
	// SavePages stores, in one transaction, the outcome of fetching each
	// page, the references found in it and the out-links to queue (URLs
	// already known are left as they are); it reports what each added. A
	// page that declares the canonical URL of a page already fetched is a
	// duplicate: SavePages sets its State to PageSkipped (and its Error)
	// and files its references under the first page. Saving a page's
	// outcome again adds no row twice. A page deleted since it was taken
	// is left out (its stats say Gone) and the rest stored.
	SavePages(ctx context.Context, batch []PageSave) ([]SaveStats, error)
}

// VideoStore is the video stage's store: videos, playlists and
// transcripts. db.DB implements it; every method is one transaction.
type VideoStore interface {
	// ClaimVideos returns up to q.Limit videos due for a fetch and marks
	// them attempted now: videos never fetched, videos whose last answer
	// was not definitive (blocked, error), videos fetched before
	// q.StaleBefore, and — with q.Transcripts — playable videos whose
	// transcript has not been looked for or was blocked (all of them once a
	// run with q.RefetchTranscripts). Videos attempted at or after
	// q.NotSince (the start of this run) are left out, so a run tries each
	// video at most once.
	ClaimVideos(ctx context.Context, q VideoQuery) ([]VideoClaim, error)
	// AttemptVideos records the given video IDs (valid 11-character IDs)
	// as known, pending a fetch if they are new, and marks them attempted
	// now (attempted_at, fetch_attempts), as ClaimVideos does.
	AttemptVideos(ctx context.Context, ids []string) error
	// SaveVideo stores what was learnt about a video. A non-definitive status
	// (blocked, error) never overwrites a definitive one or its metadata.
	SaveVideo(ctx context.Context, v *Video) error
	// SaveTranscripts records the outcome of looking for a video's
	// transcript and the transcripts fetched. A blocked or error outcome
	// never overwrites an ok one.
	SaveTranscripts(ctx context.Context, videoID string, status TranscriptStatus, reason string, ts []Transcript) error
	// ClaimPlaylists returns up to limit playlists the pages reference that
	// are due for a fetch (never fetched, not definitive, or fetched before
	// staleBefore) and not attempted since notSince, marking them attempted.
	ClaimPlaylists(ctx context.Context, staleBefore, notSince time.Time, limit int) ([]string, error)
	// SavePlaylist records a playlist fetch; for an ok answer it links each
	// of its videos to the pages that reference the playlist
	// (KindPlaylistMember) and reports how many videos were new.
	SavePlaylist(ctx context.Context, p *Playlist) (newVideos int, err error)
}

// Store is every store a run uses. db.DB implements it; the conformance
// suite in db/storetest holds any implementation to these contracts.
type Store interface {
	RunLog
	Frontier
	VideoStore
}

// PageSave is one page's outcome, for Store.SavePages.
type PageSave struct {
	Page *Page
	Refs []Reference
	Out  []Page
}

// SaveStats says what saving a page added.
type SaveStats struct {
	NewPages  int // out-links that joined the frontier
	NewLinks  int // references not seen on this page before
	NewVideos int // videos seen for the first time
	// Gone: the page was deleted while the run held it (a user pruning
	// the harvest with SQL), so nothing of it was stored.
	Gone bool
}

// DocKind is what a fetched document is, judged by its content.
type DocKind string

// The document kinds. HTML pages are extracted; sitemaps and feeds yield
// URLs to queue and are fetched again on every run; other documents are
// recorded and left alone.
const (
	DocHTML         DocKind = "html"
	DocText         DocKind = "text"         // plain text or Markdown: scanned for pasted URLs
	DocSitemap      DocKind = "sitemap"      // a sitemap <urlset>
	DocSitemapIndex DocKind = "sitemapindex" // a <sitemapindex> of more sitemaps
	DocFeed         DocKind = "feed"         // RSS, Atom or JSON Feed
	DocOther        DocKind = "other"
)

// Listing reports whether documents of this kind list pages to crawl.
func (k DocKind) Listing() bool {
	return k == DocSitemap || k == DocSitemapIndex || k == DocFeed
}

// Entry is one URL that a sitemap or a feed lists, with what the listing
// says about it. The crawler queues Entry.URL (after Normalize and the
// scope check) and may skip entries older than Harvester.Since.
type Entry struct {
	// URL is absolute http or https, as written in the document with
	// surrounding whitespace trimmed; it is not normalised.
	URL string
	// Published is when the page was published, in UTC, or the zero time
	// when the document does not say. For a sitemap entry it is the Google
	// News publication date if there is one, else <lastmod> (which is when
	// the page, or for a sitemap index entry the child sitemap, last
	// changed). For a feed item it is the published date, else the updated one.
	Published time.Time
	// Title is the Google News <news:title> of a sitemap entry or the
	// title of a feed item; empty when there is none.
	Title string
}

// RobotsFile is a host's robots.txt as last fetched.
type RobotsFile struct {
	Status     int // the HTTP status; 0: no answer
	Body       []byte
	FetchedAt  time.Time
	CrawlDelay time.Duration // what it asks of our user agent (for people reading the hosts table)
}

// VideoQuery says which videos ClaimVideos may return.
type VideoQuery struct {
	StaleBefore        time.Time
	NotSince           time.Time
	Limit              int
	Transcripts        bool
	RefetchTranscripts bool
}

// VideoClaim is a video due for a fetch.
type VideoClaim struct {
	ID             string
	NeedTranscript bool // its transcript is wanted too
}

// Response is a fetched URL.
type Response struct {
	URL          string // as requested
	FinalURL     string // after redirects
	Status       int
	ContentType  string
	ETag         string
	LastModified string
	Kind         DocKind       // judged by the content; the header is only a hint
	HTML         bool          // Kind is DocHTML and Body holds the page in UTF-8
	Body         []byte        // kept only for HTML and text pages, in UTF-8
	Entries      []Entry       // the pages a sitemap or feed lists
	Sitemaps     []Entry       // the sitemaps a sitemap index lists
	ParseError   string        // a sitemap or feed that could not be read (wholly or in part)
	BodyBytes    int64         // bytes read, for every response
	Truncated    bool          // the body was cut at the size limit
	ContentHash  string        // hex SHA-256 of the bytes read
	RetryAfter   time.Duration // a 429 or 503 asked us to wait this long before the next request
}

// Request is a page to fetch, with the validators of its last fetch.
type Request struct {
	URL          string
	Seed         bool   // a seed may redirect anywhere; other pages must stay in scope
	Listed       bool   // an entry of a seed's sitemap or feed: on any host, it may redirect anywhere too
	ETag         string // sent as If-None-Match
	LastModified string // sent as If-Modified-Since
	// Hops, when set, paces the fetch's redirects to other hosts.
	Hops Hops
}

// Hops paces the redirects of one fetch that go to another host: such a
// redirect is a request to that host, inside its politeness.
type Hops interface {
	// Hop is called before a redirect is followed to another host than
	// the request before it (to is host[:port], lower-cased, as
	// Page.Host): the request to the last host has ended, and the fetch
	// waits until the crawl's politeness lets it ask host to. An error
	// ends the fetch.
	Hop(ctx context.Context, to string) error
	// CrawlDelay is told the Crawl-delay a host's robots.txt asks for,
	// when it asks for one, as soon as the fetch knows it: the page's own
	// host's before its request, a redirect's host's after Hop and before
	// the request to it goes out. The host's next request must wait that
	// long after this one's, even when none of the host's own pages has
	// been fetched yet (every page of example.com redirecting to
	// www.example.com).
	CrawlDelay(host string, d time.Duration)
}

// Fetcher fetches pages. crawl.Fetcher implements it.
type Fetcher interface {
	// Fetch GETs req.URL, conditionally when req carries validators (an
	// unchanged page answers 304 Not Modified). An HTTP error status is not
	// an error: it is in Response.Status. Errors are failures to get an
	// answer at all (DNS, connection, timeout, too many redirects, a
	// refused URL).
	Fetch(ctx context.Context, req Request) (*Response, error)
}

// ExtractFunc finds the references, out-links and facts of an HTML page
// (UTF-8) whose URL is base. extract.Extract is one.
type ExtractFunc func(base *url.URL, r io.Reader) (*Extraction, error)

// ExtractTextFunc finds the references pasted into a text page (UTF-8)
// whose URL is base. extract.ExtractText is one.
type ExtractTextFunc func(base *url.URL, text []byte) (*Extraction, error)

// Scope decides which URLs join the frontier. crawl.Scope implements it.
type Scope interface {
	// Normalize returns the canonical form of rawURL used as the frontier
	// key, or an error when it is not a URL the crawler can fetch.
	Normalize(rawURL string) (string, error)
	// Allow reports whether the normalised URL u is in scope.
	Allow(u string) bool
	// AllowListed reports whether the normalised URL u, listed by a seed's
	// sitemap or feed, may be fetched: the user's list is fetched whatever
	// its hosts, but --allow, --deny and the trap guards still apply.
	AllowListed(u string) bool
}

// Robots applies robots.txt. crawl.RobotsPolicy implements it; it is safe
// for concurrent use.
type Robots interface {
	// Check reports whether robots.txt lets us fetch rawURL, and the
	// crawl delay its host asks of us (0 when none). An error wrapping
	// ErrUnreachable means the host's robots.txt could not be fetched: the
	// host's pages are postponed, neither fetched nor skipped.
	Check(ctx context.Context, rawURL string) (allowed bool, crawlDelay time.Duration, err error)
	// Sitemaps returns the absolute URLs of the Sitemap lines in the
	// robots.txt of rawURL's host.
	Sitemaps(ctx context.Context, rawURL string) ([]string, error)
}

// VideoSource fetches video metadata from YouTube. youtube.Source
// implements it; it is safe for concurrent use.
type VideoSource interface {
	// Video fetches the metadata of the video with the given ID. Whatever
	// YouTube answers — including a block or an unexpected answer — comes
	// back as a Video whose Status and StatusReason say what happened. The
	// error is non-nil only when ctx ended first.
	Video(ctx context.Context, id string) (*Video, error)
	// Transcripts fetches the transcripts of v (a video answered ok, with
	// its CaptionTracks) in the languages the source was configured for,
	// and says what came of it: TranscriptBlocked means YouTube refused, and
	// the caller stops asking YouTube anything this run. The error is
	// non-nil only when ctx ended first.
	Transcripts(ctx context.Context, v *Video) ([]Transcript, TranscriptStatus, string, error)
	// Playlist lists the videos of a playlist, at most max of them (0: all).
	// Its Status says what YouTube answered (ok, removed, blocked, error);
	// the error is non-nil only when ctx ended first.
	Playlist(ctx context.Context, id string, max int) (*Playlist, error)
}

// HTTPStatusText is a short description of a non-200 HTTP answer, as
// stored in a failed page's error: "HTTP 404 Not Found".
func HTTPStatusText(code int) string {
	return strings.TrimSpace("HTTP " + strconv.Itoa(code) + " " + http.StatusText(code))
}

// SaveWithout is how a store's SavePages goes on when a user's own SQL
// deleted pages the run held (pruning a site while cron's crawl runs):
// after saving batch failed with err, it asks missing which of the pages'
// IDs are no longer stored and saves the other pages with save, their
// stats in batch's order and the missing pages' saying Gone. With no page
// missing the failure was something else, and err is returned.
func SaveWithout(ctx context.Context, batch []PageSave, err error,
	missing func(ctx context.Context, ids []int64) ([]int64, error),
	save func(context.Context, []PageSave) ([]SaveStats, error)) ([]SaveStats, error) {
	ids := make([]int64, len(batch))
	for i, s := range batch {
		ids[i] = s.Page.ID
	}
	ids, merr := missing(ctx, ids)
	if merr != nil || len(ids) == 0 {
		return nil, err
	}
	gone := make(map[int64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	kept := make([]PageSave, 0, len(batch))
	for _, s := range batch {
		if !gone[s.Page.ID] {
			kept = append(kept, s)
		}
	}
	var saved []SaveStats
	if len(kept) > 0 {
		if saved, err = save(ctx, kept); err != nil {
			return nil, err
		}
	}
	stats := make([]SaveStats, len(batch))
	for i, s := range batch {
		if gone[s.Page.ID] {
			stats[i].Gone = true
			continue
		}
		stats[i], saved = saved[0], saved[1:]
	}
	return stats, nil
}
