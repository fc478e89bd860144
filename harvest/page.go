package harvest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// pageResult is what a fetch worker hands to the crawl loop: one page's
// outcome, ready to be stored.
type pageResult struct {
	page       *Page
	refs       []Reference
	out        []Page
	outOfScope int           // out-links the scope left out
	wait       time.Duration // the server asked us to wait this long (Retry-After)
	crawlDelay time.Duration // robots.txt asks for this much between requests
	postponed  bool          // robots.txt could not be fetched: the page waits for a later run
	cancelled  bool          // the run ended during the fetch: the page goes back to the queue
	slot       string        // the host whose turn the fetch held at its end (crawler.fetch)
	slotDelay  time.Duration // when slot is a redirect's host, the Crawl-delay its robots.txt asks for
}

// MaxOutLinks is how many out-links of one HTML page join the frontier:
// the first 10,000 in scope, in page order. News pages link a few hundred;
// a hostile page of a million links (10 MiB of <a href=/N>) would
// otherwise cost the writer most of a minute and over a gigabyte of
// memory for that one page. Sitemaps have their own bound (50,000
// entries, crawl.MaxEntries).
const MaxOutLinks = 10_000

// MaxTags is how many tags (counted as '<' bytes) of one page are parsed.
// The parsed document takes about 300 bytes per tag, so this bounds a
// page's memory at about 60 MB whatever its size; the biggest page of the
// test corpus, 2.2 MB of a news front page, has 25,000. A page with more
// is parsed up to its 200,000th and recorded truncated, like one longer
// than --max-body.
const MaxTags = 200_000

// LimitTags returns the part of an HTML body that is parsed: all of it, or
// the part before its MaxTags+1st tag, with truncated set.
func LimitTags(body []byte) (parsed []byte, truncated bool) {
	if n := tagsEnd(body); n < len(body) {
		return body[:n], true
	}
	return body, false
}

// tagsEnd returns the offset of body's MaxTags+1st '<', or len(body) when
// it has no more than MaxTags.
func tagsEnd(body []byte) int {
	if len(body) < MaxTags {
		return len(body) // too short to hold more
	}
	off := 0
	for range MaxTags {
		i := bytes.IndexByte(body[off:], '<')
		if i < 0 {
			return len(body)
		}
		off += i + 1
	}
	if i := bytes.IndexByte(body[off:], '<'); i >= 0 {
		return off + i
	}
	return len(body)
}

// fetchPage fetches and extracts one page, and plans its next fetch; hops,
// when not nil, is Request.Hops. It never fails: failures are recorded in
// the page.
func (h *Harvester) fetchPage(ctx context.Context, p Page, hops Hops) pageResult {
	res := pageResult{page: &p}
	p.FetchedAt = h.now()
	defer h.planNextFetch(&p)
	if !h.robotsAllow(ctx, &res) {
		return res
	}
	if hops != nil && res.crawlDelay > 0 {
		hops.CrawlDelay(p.Host, res.crawlDelay)
	}
	resp, err := h.Fetcher.Fetch(ctx, Request{URL: p.URL, Seed: p.Seed, Listed: p.Listed, ETag: p.ETag, LastModified: p.LastModified, Hops: hops})
	if err != nil {
		// A fetch the run's end cut short says nothing about the page.
		res.cancelled = ctx.Err() != nil
		p.State, p.Error = PageFailed, err.Error()
		return res
	}
	if !record(&p, resp, &res) {
		return res
	}
	switch {
	case resp.Kind.Listing():
		h.listed(&p, resp, &res)
	case resp.Kind == DocText && h.ExtractText != nil:
		x, err := h.ExtractText(base(&p, resp), resp.Body)
		if err != nil {
			p.Error = fmt.Sprintf("extract: %v", err)
			return res
		}
		res.refs = x.Refs
	case resp.HTML:
		h.extractPage(&p, resp, &res)
	}
	return res
}

// robotsAllow asks robots.txt whether res's page may be fetched, and
// records in res why not.
func (h *Harvester) robotsAllow(ctx context.Context, res *pageResult) bool {
	if h.Robots == nil {
		return true
	}
	p := res.page
	allowed, delay, err := h.Robots.Check(ctx, p.URL)
	switch {
	case errors.Is(err, ErrUnreachable):
		res.postponed, p.Error = true, err.Error()
		return false
	case err != nil:
		res.cancelled = ctx.Err() != nil
		p.State, p.Error = PageFailed, fmt.Sprintf("robots.txt: %v", err)
		return false
	case !allowed:
		p.State, p.Error = PageSkipped, "disallowed by robots.txt"
		return false
	}
	res.crawlDelay = delay
	return true
}

// record copies what the answer says about the page into p, and reports
// whether there is a body to read: a 200.
func record(p *Page, resp *Response, res *pageResult) bool {
	p.HTTPStatus = resp.Status
	res.wait = resp.RetryAfter
	if resp.Status == http.StatusNotModified {
		// Unchanged since the last fetch: what we know of it stands.
		p.State, p.NotModified = PageFetched, true
		return false
	}
	p.FinalURL = resp.FinalURL
	p.ContentType = resp.ContentType
	p.ETag = resp.ETag
	p.LastModified = resp.LastModified
	p.ContentHash = resp.ContentHash
	p.BodyBytes = resp.BodyBytes
	p.Truncated = resp.Truncated
	if resp.Status != http.StatusOK {
		p.State, p.Error = PageFailed, HTTPStatusText(resp.Status)
		return false
	}
	p.State, p.Kind = PageFetched, resp.Kind
	return true
}

// base is the URL a page's relative links resolve against: where its
// redirects ended.
func base(p *Page, resp *Response) *url.URL {
	u, err := url.Parse(resp.FinalURL)
	if err != nil {
		u, _ = url.Parse(p.URL)
	}
	return u
}

// extractPage extracts an HTML page: its facts, its references, and the
// out-links to queue when it is not as deep as the crawl goes.
func (h *Harvester) extractPage(p *Page, resp *Response, res *pageResult) {
	body, truncated := LimitTags(resp.Body)
	if truncated {
		h.log().Info("page has more tags than are parsed; the rest is not read", "url", p.URL, "max_tags", MaxTags)
		p.Truncated = true
	}
	x, err := h.Extract(base(p, resp), bytes.NewReader(body))
	if err != nil {
		p.Error = fmt.Sprintf("extract: %v", err)
		return
	}
	p.Title = x.Title
	if c, err := h.Scope.Normalize(x.CanonicalURL); err == nil && x.CanonicalURL != "" {
		p.CanonicalURL = c
	}
	p.Language = x.Language
	p.PublishedAt = x.PublishedAt
	res.refs = x.Refs
	if p.Depth < h.Depth {
		h.outLinks(p, x.Links, res)
	}
}

// outLinks queues the first MaxOutLinks distinct links in scope, one level
// below p, and counts those the scope leaves out.
func (h *Harvester) outLinks(p *Page, links []string, res *pageResult) {
	seen := make(map[string]bool, len(links))
	// Most of a page's links are in scope: one allocation for them all
	// (a Page is large, and growing the slice copied them over and over).
	res.out = slices.Grow(res.out, min(len(links), MaxOutLinks))
	for _, l := range links {
		if len(res.out) == MaxOutLinks {
			h.log().Info("page has more links than are followed; the rest are not queued", "url", p.URL, "max_out_links", MaxOutLinks)
			return
		}
		u, err := h.Scope.Normalize(l)
		if err != nil || seen[u] || u == p.URL {
			continue
		}
		seen[u] = true
		if !h.Scope.Allow(u) {
			res.outOfScope++
			continue
		}
		res.out = append(res.out, Page{URL: u, Depth: p.Depth + 1, FoundFrom: p.ID})
	}
}

// listed queues what a sitemap or feed lists: child sitemaps at the
// sitemap's own depth (an index and its sitemaps are one listing), pages
// one level down. Entries published before Since are left out; entries
// that give no date are kept. What a seed's sitemap or feed lists (depth
// 0: the seed's, or a sitemap of a seed's index) is the user's list,
// fetched whatever its hosts: feeds often live on another host than the
// pages they list.
func (h *Harvester) listed(p *Page, resp *Response, res *pageResult) {
	p.Error = resp.ParseError // a partly readable sitemap still yields what it could
	seen := make(map[string]bool)
	users := p.Depth == 0
	add := func(e Entry, depth int, kind DocKind) {
		u, err := h.Scope.Normalize(e.URL)
		if err != nil || seen[u] || u == p.URL {
			return
		}
		seen[u] = true
		if !h.Scope.Allow(u) && !(users && h.Scope.AllowListed(u)) {
			res.outOfScope++
			return
		}
		res.out = append(res.out, Page{URL: u, Depth: depth, FoundFrom: p.ID, Kind: kind, Listed: users})
	}
	for _, e := range resp.Sitemaps {
		add(e, p.Depth, DocSitemap)
	}
	if p.Depth >= h.Depth {
		return
	}
	for _, e := range resp.Entries {
		if !h.Since.IsZero() && !e.Published.IsZero() && e.Published.Before(h.Since) {
			continue
		}
		add(e, p.Depth+1, "")
	}
}

// planNextFetch sets when a page is checked again: after RecrawlAfter, or
// within the hour after a failure that may pass (a timeout, a 5xx, a 429).
// Seeds need no plan: they are fetched on every run.
func (h *Harvester) planNextFetch(p *Page) {
	if p.Seed || p.Kind.Listing() || h.RecrawlAfter <= 0 {
		return
	}
	wait := h.RecrawlAfter
	if p.State == PageFailed && transient(p.HTTPStatus) {
		wait = min(wait, time.Hour)
	}
	p.NextFetchAt = p.FetchedAt.Add(wait)
}

// transient reports whether a failure with this HTTP status (0: no answer)
// may go away by itself.
func transient(status int) bool {
	return status == 0 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}
