package crawl

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"

	"github.com/harvestdev/ytharvest/harvest"
)

// ParseFeed reads an RSS (0.9x, 1.0, 2.0), Atom (0.3, 1.0) or JSON Feed
// (1, 1.1) document, gzipped or not, with github.com/mmcdole/gofeed and
// returns its items in document order.
//
// An item's URL is its link: for Atom the first rel="alternate" link (a
// link without rel is one), else a rel="self" link (enclosure, edit and
// other links are never used); for JSON Feed the url, else external_url;
// for RSS the <link>, else a <guid> that is a permalink (isPermaLink is
// not "false") and a URL. A relative link is resolved against the feed's
// own home page link when that is absolute (Atom's xml:base is honoured
// by gofeed). Items still without an absolute http(s) URL no longer than
// MaxURLLength are skipped. URLs are otherwise as written: not normalised.
// Published is the item's published date, else its updated date, in UTC;
// zero when it has neither (or gofeed cannot read them). Title is trimmed.
//
// A gzip body is inflated up to MaxDocumentSize. A document that is not a
// feed is an error; so is one gofeed cannot parse, and then no entries are
// returned (gofeed parses the whole document before translating it). A
// feed of more than MaxEntries usable items returns the first MaxEntries
// with an error wrapping ErrTruncated. Errors start with "parse feed: ".
func ParseFeed(body []byte) ([]harvest.Entry, error) {
	return parseFeed(body, MaxEntries)
}

// parseFeed is ParseFeed with its entry limit as a parameter, for tests.
func parseFeed(body []byte, maxEntries int) (entries []harvest.Entry, err error) {
	r, err := openDocument(body, MaxDocumentSize)
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	// A parser is cheap and holds no state between parses, but is made
	// per call so that nothing is shared between goroutines.
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true // for RSS guids, which the universal item lacks
	defer func() {
		// gofeed parses untrusted input with hand-written pull parsers; a
		// panic on a malformed feed must cost this feed, not the run.
		if v := recover(); v != nil {
			entries, err = nil, fmt.Errorf("parse feed: gofeed panicked: %v", v)
		}
	}()
	feed, err := p.Parse(r)
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, errors.New("parse feed: not an RSS, Atom or JSON feed")
	}
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	var base *url.URL
	if absoluteHTTP(strings.TrimSpace(feed.Link)) {
		base, _ = url.Parse(strings.TrimSpace(feed.Link))
	}
	var rssItems []*rss.Item
	if rf, ok := feed.OriginalFeed().(*rss.Feed); ok && len(rf.Items) == len(feed.Items) {
		rssItems = rf.Items
	}
	for i, it := range feed.Items {
		if it == nil {
			continue
		}
		candidates := append([]string{it.Link}, it.Links...)
		if rssItems != nil && rssItems[i] != nil {
			if g := rssItems[i].GUID; g != nil && !strings.EqualFold(strings.TrimSpace(g.IsPermalink), "false") {
				candidates = append(candidates, g.Value)
			}
		}
		link := firstHTTPURL(base, candidates)
		if link == "" {
			continue
		}
		if len(entries) == maxEntries {
			return entries, fmt.Errorf("parse feed: %w: more than %d entries", ErrTruncated, maxEntries)
		}
		e := harvest.Entry{URL: link, Title: strings.TrimSpace(it.Title)}
		switch {
		case it.PublishedParsed != nil:
			e.Published = it.PublishedParsed.UTC()
		case it.UpdatedParsed != nil:
			e.Published = it.UpdatedParsed.UTC()
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// firstHTTPURL returns the first candidate that is, or resolves against
// base to, an absolute http(s) URL, or "" when none does.
func firstHTTPURL(base *url.URL, candidates []string) string {
	for _, c := range candidates {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if absoluteHTTP(c) {
			return c
		}
		if base == nil {
			continue
		}
		ref, err := url.Parse(c)
		if err != nil || ref.Scheme != "" {
			continue // an absolute URL of another scheme stays refused
		}
		if s := base.ResolveReference(ref).String(); absoluteHTTP(s) {
			return s
		}
	}
	return ""
}
