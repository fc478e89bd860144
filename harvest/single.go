package harvest

import (
	"context"
	"errors"
	"time"
)

// The single-item operations, for a store that hands out work item by
// item (the PostgreSQL store's workers, one job per host slice or video)
// instead of running Harvester.Run's loop. They fetch and return; storing
// what they return is the caller's.

// PageOutcome is what fetching one page came to.
type PageOutcome struct {
	Save       PageSave      // the page (its State, Error and facts set), its references and out-links
	OutOfScope int           // out-links the scope left out
	Wait       time.Duration // the server asked (Retry-After) for this much before the next request to the host
	CrawlDelay time.Duration // robots.txt asks for this much between requests (capped at MaxCrawlDelay)
	// Postponed means the host's robots.txt could not be fetched: the page
	// stays queued and the host waits (nothing to store).
	Postponed bool
	// Cancelled means ctx ended during the fetch: the page stays queued
	// (nothing to store).
	Cancelled bool
}

// FetchPage fetches and extracts one page of the frontier, as a crawl
// does (robots.txt, the fetch, extraction, out-links within Scope and
// Depth, the next fetch time), and returns what to store. hops, when not
// nil, paces the redirects to other hosts (Request.Hops). It never fails:
// failures are recorded in the page.
func (h *Harvester) FetchPage(ctx context.Context, p Page, hops Hops) PageOutcome {
	r := h.fetchPage(ctx, p, hops)
	out := PageOutcome{
		Save:       PageSave{Page: r.page, Refs: r.refs, Out: r.out},
		OutOfScope: r.outOfScope,
		Wait:       r.wait,
		Postponed:  r.postponed,
		Cancelled:  r.cancelled,
		CrawlDelay: h.CapCrawlDelay(r.crawlDelay),
	}
	return out
}

// FetchVideo asks the video source for one video, as the video stage
// does, and returns the answer with FetchedAt set. Whatever YouTube
// answered (a block included) is in the Video; the error is non-nil only
// when ctx ended, or (wrapping ErrNoClient) when YouTube refused every
// client identity.
func (h *Harvester) FetchVideo(ctx context.Context, id string) (*Video, error) {
	v, err := h.Videos.Video(ctx, id)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, ErrNoClient) {
			return nil, err
		}
		return nil, ctx.Err()
	}
	if v.FetchedAt.IsZero() {
		v.FetchedAt = h.now()
	}
	return v, nil
}

// FetchTranscripts fetches the transcripts of v (a video answered ok,
// with its CaptionTracks) in the source's languages, as the video stage
// does. TranscriptBlocked means YouTube refused; the error is non-nil
// only when ctx ended.
func (h *Harvester) FetchTranscripts(ctx context.Context, v *Video) ([]Transcript, TranscriptStatus, string, error) {
	return h.Videos.Transcripts(ctx, v)
}
