package crawl

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"
)

// HostMode says which hosts a crawl may follow links to.
type HostMode int

// The host modes.
const (
	SameHost   HostMode = iota // only the seeds' hosts (www.a.example and a.example differ)
	SameDomain                 // the seeds' registrable domains (news.a.example with a.example)
	AnyHost                    // anywhere
)

// Trap guards: URLs that look like an endless space of pages (calendars,
// session-stamped paths, faceted search) are not followed.
const (
	MaxPathSegments   = 16  // /a/b/c/... deeper than this
	MaxSegmentRepeats = 3   // the same segment this many times (/a/b/a/b/a/b)
	MaxQueryVariants  = 100 // distinct query strings on one path, per run
	// maxTrackedPaths bounds the memory of the query-variant count; past
	// it the count starts over (the guard is approximate, memory is not).
	maxTrackedPaths = 50_000
)

// ScopeOptions configure a Scope.
type ScopeOptions struct {
	Hosts HostMode
	Allow []*regexp.Regexp // when set, a URL must match one of these
	Deny  []*regexp.Regexp // a URL matching one of these is not followed
}

// Scope decides which links join the frontier: on the seeds' hosts (or
// domains), matching --allow and not --deny, and not a spider trap. Seeds
// themselves are always in scope. It implements harvest.Scope and is safe
// for concurrent use.
type Scope struct {
	opts ScopeOptions

	hmu     sync.RWMutex
	hosts   map[string]bool // host[:port] of the seeds
	names   map[string]bool // hostnames of the seeds
	domains map[string]bool // registrable domains of the seeds

	mu       sync.Mutex
	variants map[string]map[string]bool // host+path -> queries seen
}

// NewScope returns a scope for the given seeds.
func NewScope(seeds []string, opts ScopeOptions) (*Scope, error) {
	s := &Scope{opts: opts, hosts: make(map[string]bool), names: make(map[string]bool),
		domains: make(map[string]bool), variants: make(map[string]map[string]bool)}
	for _, seed := range seeds {
		n, err := Normalize(seed)
		if err != nil {
			return nil, fmt.Errorf("seed %q: %w", seed, err)
		}
		u, _ := url.Parse(n)
		s.AddHost(u)
	}
	return s, nil
}

// AddHost makes u's host a seed host: a seed that redirects to another
// host (http://a.example to https://www.a.example) takes the crawl there.
func (s *Scope) AddHost(u *url.URL) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	s.hosts[strings.ToLower(u.Host)] = true
	s.names[strings.ToLower(u.Hostname())] = true
	s.domains[domainOf(strings.ToLower(u.Hostname()))] = true
}

// SeedHost reports whether host (a hostname, without port) is the host of
// a seed: such hosts are always allowed, private addresses included.
func (s *Scope) SeedHost(host string) bool {
	s.hmu.RLock()
	defer s.hmu.RUnlock()
	return s.names[strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))]
}

// domainOf returns the registrable domain (eTLD+1) of a hostname, or the
// hostname itself for IP addresses and names without a public suffix.
func domainOf(host string) string {
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// Normalize implements harvest.Scope.
func (s *Scope) Normalize(rawURL string) (string, error) { return Normalize(rawURL) }

// Allow reports whether the normalised URL u is in scope.
func (s *Scope) Allow(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	s.hmu.RLock()
	inScope := s.opts.Hosts == AnyHost ||
		s.opts.Hosts == SameHost && s.hosts[p.Host] ||
		s.opts.Hosts == SameDomain && s.domains[domainOf(p.Hostname())]
	s.hmu.RUnlock()
	return inScope && s.allowRules(p, u)
}

// AllowListed implements harvest.Scope: every rule of Allow but the hosts.
func (s *Scope) AllowListed(u string) bool {
	p, err := url.Parse(u)
	return err == nil && s.allowRules(p, u)
}

// allowRules applies --allow, --deny and the trap guards to u, parsed as p.
func (s *Scope) allowRules(p *url.URL, u string) bool {
	if len(s.opts.Allow) > 0 && !matchAny(s.opts.Allow, u) {
		return false
	}
	if matchAny(s.opts.Deny, u) {
		return false
	}
	return Trap(p) == "" && s.queryVariantOK(p)
}

func matchAny(res []*regexp.Regexp, u string) bool {
	for _, re := range res {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}

// Trap says why a URL looks like a spider trap, or "" when it does not.
func Trap(u *url.URL) string {
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if len(segs) > MaxPathSegments {
		return fmt.Sprintf("path deeper than %d segments", MaxPathSegments)
	}
	count := make(map[string]int, len(segs))
	for _, seg := range segs {
		if seg == "" {
			continue
		}
		if count[seg]++; count[seg] >= MaxSegmentRepeats {
			return fmt.Sprintf("path segment %q repeated %d times", seg, count[seg])
		}
	}
	return ""
}

// queryVariantOK counts the distinct query strings seen on a path and
// refuses past MaxQueryVariants (faceted search, endless calendars).
func (s *Scope) queryVariantOK(u *url.URL) bool {
	if u.RawQuery == "" {
		return true
	}
	key := u.Host + u.EscapedPath()
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := s.variants[key]
	if seen == nil {
		if len(s.variants) >= maxTrackedPaths {
			s.variants = make(map[string]map[string]bool)
		}
		seen = make(map[string]bool)
		s.variants[key] = seen
	}
	if seen[u.RawQuery] {
		return true
	}
	if len(seen) >= MaxQueryVariants {
		return false
	}
	seen[u.RawQuery] = true
	return true
}
