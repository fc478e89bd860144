package crawl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"

	"github.com/harvestdev/ytharvest/harvest"
)

// MaxRedirects is how many redirects a fetch follows.
const MaxRedirects = 10

// Fetcher fetches pages over HTTP. It implements harvest.Fetcher.
type Fetcher struct {
	client    *http.Client
	userAgent string
	maxBody   int64
	hops      *HopPolicy
}

// HopPolicy checks every redirect hop of a page fetch: a page may not be
// redirected out of scope, nor to a URL robots.txt disallows. A seed may
// be redirected anywhere (the user named it), and its target's host joins
// the scope; an entry of a seed's sitemap or feed may be redirected
// anywhere too (feeds often list their publisher's URLs through a
// redirector), its target's host joining nothing. Nil fields check
// nothing.
type HopPolicy struct {
	Scope  *Scope
	Robots harvest.Robots
}

// requestKey keys the fetch a request is part of in its context.
type requestKey struct{}

// fetchOf is the fetch a request is part of: what was asked, and by when
// the whole fetch must be done (zero: no limit).
type fetchOf struct {
	req      harvest.Request
	deadline time.Time
}

// scope checks that a redirect to u stays in scope; a seed's takes its
// target's host into the scope.
func (hp *HopPolicy) scope(hr harvest.Request, u *url.URL) error {
	if hp.Scope == nil {
		return nil
	}
	n, err := Normalize(u.String())
	if err != nil {
		return fmt.Errorf("redirect to %s: %w", u, err)
	}
	switch {
	case hr.Seed:
		hp.Scope.AddHost(u)
	case !hp.Scope.Allow(n) && !(hr.Listed && hp.Scope.AllowListed(n)):
		return fmt.Errorf("redirect to %s: out of scope", u)
	}
	return nil
}

// robots checks that robots.txt lets a redirect go to u, and returns the
// Crawl-delay it asks for.
func (hp *HopPolicy) robots(ctx context.Context, u *url.URL) (time.Duration, error) {
	if hp.Robots == nil {
		return 0, nil
	}
	allowed, delay, err := hp.Robots.Check(ctx, u.String())
	if err != nil {
		return 0, fmt.Errorf("redirect to %s: %w", u, err)
	}
	if !allowed {
		return 0, fmt.Errorf("redirect to %s: disallowed by robots.txt", u)
	}
	return delay, nil
}

// NewFetcher returns a fetcher that uses a copy of hc (its Transport and
// Timeout; the redirect policy is the fetcher's own), sends userAgent,
// reads at most maxBody bytes of a page, and checks redirect hops against
// hops (nil: scheme and count only).
func NewFetcher(hc *http.Client, userAgent string, maxBody int64, hops *HopPolicy) *Fetcher {
	c := *hc
	f := &Fetcher{client: &c, userAgent: userAgent, maxBody: maxBody, hops: hops}
	c.CheckRedirect = f.checkRedirect
	return f
}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("more than %d redirects", MaxRedirects)
	}
	if s := req.URL.Scheme; s != "http" && s != "https" {
		return fmt.Errorf("redirect to unsupported scheme %q", s)
	}
	if len(req.URL.String()) > MaxURLLength {
		return fmt.Errorf("redirect to a URL longer than %d bytes", MaxURLLength)
	}
	ctx := req.Context()
	fo, _ := ctx.Value(requestKey{}).(fetchOf)
	hr := fo.req
	if f.hops != nil {
		if err := f.hops.scope(hr, req.URL); err != nil {
			return err
		}
	}
	// Another host: its politeness first, then its robots.txt, fetched (when
	// not known yet) inside the host's turn like any of its requests; its
	// Crawl-delay then paces the host from this request on.
	to, hopped := HostKey(req.URL), false
	if hr.Hops != nil && to != HostKey(via[len(via)-1].URL) {
		if err := f.hop(ctx, fo, to); err != nil {
			return fmt.Errorf("redirect to %s: %w", req.URL, err)
		}
		hopped = true
	}
	if f.hops == nil {
		return nil
	}
	delay, err := f.hops.robots(ctx, req.URL)
	if err == nil && hopped && delay > 0 {
		hr.Hops.CrawlDelay(to, delay)
	}
	return err
}

// hop waits for host to's turn (Hops.Hop), no longer than the fetch may
// take.
func (f *Fetcher) hop(ctx context.Context, fo fetchOf, to string) error {
	wctx := ctx
	if !fo.deadline.IsZero() {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, fo.deadline)
		defer cancel()
	}
	if err := fo.req.Hops.Hop(wctx, to); err != nil {
		if ctx.Err() == nil && wctx.Err() != nil {
			return fmt.Errorf("no turn for %s within --timeout %v", to, f.client.Timeout)
		}
		return err
	}
	return nil
}

// HostKey returns the host a URL's requests are paced by: host[:port],
// lower-cased, without the scheme's default port or a trailing dot, as
// Normalize writes it (and so as in Page.Host).
func HostKey(u *url.URL) string {
	return joinHost(strings.ToLower(u.Scheme), strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), u.Port())
}

// MaxRetryAfter caps how long a Retry-After may hold a host back.
const MaxRetryAfter = time.Hour

// Fetch implements harvest.Fetcher.
func (f *Fetcher) Fetch(ctx context.Context, hr harvest.Request) (*harvest.Response, error) {
	rawURL := hr.URL
	fo := fetchOf{req: hr}
	if f.client.Timeout > 0 {
		fo.deadline = time.Now().Add(f.client.Timeout) // the client's own limit, which a redirect's wait counts in
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, requestKey{}, fo), http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	if hr.ETag != "" {
		req.Header.Set("If-None-Match", hr.ETag)
	}
	if hr.LastModified != "" {
		req.Header.Set("If-Modified-Since", hr.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, unwrapURLError(err))
	}
	defer resp.Body.Close()

	r := &harvest.Response{
		URL:          rawURL,
		FinalURL:     resp.Request.URL.String(),
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		r.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	body, err := readAll(io.LimitReader(resp.Body, f.maxBody+1), resp.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: read body: %w", rawURL, err)
	}
	r.Kind = Sniff(r.ContentType, body)
	if int64(len(body)) > f.maxBody && r.Kind.Listing() && resp.StatusCode == http.StatusOK {
		// Sitemaps may be 50 MB by their protocol; read on for them.
		rest, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentSize+1-int64(len(body))))
		if err != nil {
			return nil, fmt.Errorf("fetch %s: read body: %w", rawURL, err)
		}
		body = append(body, rest...)
		if len(body) > MaxDocumentSize {
			body, r.Truncated = body[:MaxDocumentSize], true
		}
	} else if int64(len(body)) > f.maxBody {
		body, r.Truncated = body[:f.maxBody], true
	}
	r.BodyBytes = int64(len(body))
	sum := sha256.Sum256(body)
	r.ContentHash = hex.EncodeToString(sum[:])
	if resp.StatusCode != http.StatusOK {
		return r, nil
	}
	switch r.Kind {
	case harvest.DocHTML, harvest.DocText:
		r.HTML = r.Kind == harvest.DocHTML
		if r.Body, err = ToUTF8(body, r.ContentType); err != nil {
			return nil, fmt.Errorf("fetch %s: convert to UTF-8: %w", rawURL, err)
		}
	case harvest.DocSitemap, harvest.DocSitemapIndex:
		// The parsers read the raw bytes: XML says its own encoding, and a
		// .xml.gz arrives still compressed.
		pages, maps, err := ParseSitemap(body)
		r.Entries, r.Sitemaps = pages, maps
		if err != nil {
			r.ParseError = fmt.Sprintf("sitemap: %v", err)
		}
	case harvest.DocFeed:
		items, err := ParseFeed(body)
		r.Entries = items
		if err != nil {
			r.ParseError = fmt.Sprintf("feed: %v", err)
		}
	}
	return r, nil
}

// The first buffer a body is read into: the size the response says when
// it says one (a page's whole body is then read with no copy), else
// unknownSizeBuffer; never more than maxFirstBuffer, which a lying
// Content-Length cannot make it allocate past.
const (
	unknownSizeBuffer = 16 << 10
	maxFirstBuffer    = 1 << 20
)

// readAll reads r to its end, like io.ReadAll, into a buffer first sized
// for size bytes (-1: unknown).
func readAll(r io.Reader, size int64) ([]byte, error) {
	n := int64(unknownSizeBuffer)
	if size >= 0 {
		n = size + 1 // +1: the read that says io.EOF needs room too
	}
	b := make([]byte, 0, min(n, maxFirstBuffer))
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow, as io.ReadAll does
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date, capped
// at MaxRetryAfter; 0 when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(secs, 0), int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// ToUTF8 converts an HTML body to UTF-8 using its BOM, the charset of
// contentType (a Content-Type header; may be empty) or its <meta>
// declaration, in that order. An unknown charset leaves the bytes as they are.
//
// A body that is UTF-8 already, and valid, is returned as it is (most pages
// are): the UTF-8 decoder would only have copied it.
func ToUTF8(body []byte, contentType string) ([]byte, error) {
	e, name, _ := charset.DetermineEncoding(body, contentType)
	if e == encoding.Nop || name == "utf-8" && utf8.Valid(body) {
		return body, nil
	}
	return io.ReadAll(transform.NewReader(bytes.NewReader(body), e.NewDecoder()))
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the
// method and URL that the caller already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
