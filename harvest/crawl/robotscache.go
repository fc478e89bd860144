package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// Robots.txt caching policy.
const (
	// RobotsMaxAge is how long a fetched robots.txt is trusted: it is
	// fetched again after a day (RFC 9309 2.4 asks for no more than 24h).
	RobotsMaxAge = 24 * time.Hour
	// robotsStaleUse is how long an old copy may stand in when the host's
	// robots.txt cannot be fetched (RFC 9309 2.4 allows using a cached
	// copy while the file is unreachable).
	robotsStaleUse = 30 * 24 * time.Hour
)

// RobotsStore keeps fetched robots.txt files between runs. db.DB
// implements it (the hosts table).
type RobotsStore interface {
	// LoadRobots returns the stored robots.txt answer of host
	// (host[:port]); found is false when nothing is stored.
	LoadRobots(ctx context.Context, host string) (f harvest.RobotsFile, found bool, err error)
	// SaveRobots stores the robots.txt answer of host.
	SaveRobots(ctx context.Context, host string, f harvest.RobotsFile) error
}

// RobotsPolicy applies robots.txt: it fetches each host's file once a day,
// keeps it in a RobotsStore across runs and in memory during one, and
// answers whether a URL may be fetched. It implements harvest.Robots and
// is safe for concurrent use: concurrent checks of one host fetch its
// file once.
type RobotsPolicy struct {
	client    *http.Client
	userAgent string
	store     RobotsStore
	now       func() time.Time

	mu    sync.Mutex
	hosts map[string]*robotsEntry // scheme://host -> file
}

type robotsEntry struct {
	ready  chan struct{} // closed once robots or err is set
	robots *Robots
	err    error // the load failed: callers already waiting get it too
}

var _ harvest.Robots = (*RobotsPolicy)(nil)

// NewRobotsPolicy returns a policy that fetches robots.txt with hc (the
// page fetcher's client: same transport, same guard) as userAgent.
func NewRobotsPolicy(hc *http.Client, userAgent string, store RobotsStore, now func() time.Time) *RobotsPolicy {
	if now == nil {
		now = time.Now
	}
	return &RobotsPolicy{client: hc, userAgent: userAgent, store: store, now: now, hosts: make(map[string]*robotsEntry)}
}

// Check implements harvest.Robots.
func (p *RobotsPolicy) Check(ctx context.Context, rawURL string) (bool, time.Duration, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false, 0, err
	}
	r, err := p.robots(ctx, u)
	if err != nil {
		return false, 0, err
	}
	if r.Unreachable() {
		return false, 0, fmt.Errorf("robots.txt of %s: %w", u.Host, harvest.ErrUnreachable)
	}
	return r.Allowed(p.userAgent, u.RequestURI()), r.CrawlDelay(p.userAgent), nil
}

// Sitemaps implements harvest.Robots: the Sitemap lines of the robots.txt
// of rawURL's host, made absolute.
func (p *RobotsPolicy) Sitemaps(ctx context.Context, rawURL string) ([]string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	r, err := p.robots(ctx, u)
	if err != nil {
		return nil, err
	}
	base := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	var out []string
	for _, s := range r.Sitemaps() {
		if su, err := base.Parse(s); err == nil && (su.Scheme == "http" || su.Scheme == "https") {
			out = append(out, su.String())
		}
	}
	return out, nil
}

// robots returns the robots.txt of u's host, from memory, the store, or
// the host itself.
func (p *RobotsPolicy) robots(ctx context.Context, u *url.URL) (*Robots, error) {
	key := u.Scheme + "://" + u.Host
	p.mu.Lock()
	e, ok := p.hosts[key]
	if !ok {
		e = &robotsEntry{ready: make(chan struct{})}
		p.hosts[key] = e
	}
	p.mu.Unlock()
	if ok {
		select {
		case <-e.ready:
			return e.robots, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r, err := p.load(ctx, u)
	if err != nil {
		// Those waiting share the failure; the next caller tries again.
		p.mu.Lock()
		delete(p.hosts, key)
		p.mu.Unlock()
		e.err = err
		close(e.ready)
		return nil, err
	}
	e.robots = r
	close(e.ready)
	return r, nil
}

func (p *RobotsPolicy) load(ctx context.Context, u *url.URL) (*Robots, error) {
	now := p.now()
	stored, found, err := p.store.LoadRobots(ctx, u.Host)
	if err != nil {
		return nil, fmt.Errorf("load robots.txt of %s: %w", u.Host, err)
	}
	var old *Robots
	if found {
		old = ParseRobots(stored.Status, stored.Body)
		if old.Unreachable() {
			old = nil // an unreachable answer is never trusted: ask again
		} else if now.Sub(stored.FetchedAt) < RobotsMaxAge {
			return old, nil
		}
	}
	newStatus, newBody, err := p.fetch(ctx, u)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// No HTTP answer at all (DNS, refused connection, a refused private
		// address, timeout): the page fetch will meet the same failure and
		// record it, so robots.txt does not stand in its way.
		if old != nil {
			return old, nil
		}
		return &Robots{}, nil
	}
	r := ParseRobots(newStatus, newBody)
	if r.Unreachable() && old != nil && now.Sub(stored.FetchedAt) < robotsStaleUse {
		// A 5xx or 429 for now: keep using (and keep) the good old copy.
		return old, nil
	}
	f := harvest.RobotsFile{Status: newStatus, Body: newBody, FetchedAt: now, CrawlDelay: r.CrawlDelay(p.userAgent)}
	if err := p.store.SaveRobots(ctx, u.Host, f); err != nil {
		return nil, fmt.Errorf("save robots.txt of %s: %w", u.Host, err)
	}
	return r, nil
}

// fetch GETs /robots.txt; an error means no HTTP answer came.
func (p *RobotsPolicy) fetch(ctx context.Context, u *url.URL) (int, []byte, error) {
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ru.String(), nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", p.userAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxRobotsSize+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}
