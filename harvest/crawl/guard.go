package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ErrPrivateAddress means a connection was refused because the address it
// would reach is not public (see PrivateAddr). Errors returned by
// Guard.DialContext for this reason are *PrivateAddressError values that
// wrap it; they survive net/http's wrapping, so test a fetch error with
// errors.Is(err, ErrPrivateAddress).
var ErrPrivateAddress = errors.New("private address")

// PrivateAddressError is a refused connection: the host being dialled and
// the address it resolved to.
type PrivateAddressError struct {
	Host string     // as dialled: a host name or an IP literal ("" for none)
	IP   netip.Addr // the address refused
}

// Error names the address, the host it came from, and the way out.
func (e *PrivateAddressError) Error() string {
	if e.Host == "" || e.Host == e.IP.String() {
		return fmt.Sprintf("refusing %s: private address; use --allow-private to allow", e.IP)
	}
	return fmt.Sprintf("refusing %s (resolved from %s): private address; use --allow-private to allow", e.IP, e.Host)
}

// Unwrap makes errors.Is(err, ErrPrivateAddress) true.
func (e *PrivateAddressError) Unwrap() error { return ErrPrivateAddress }

// Special-purpose IPv4 ranges PrivateAddr refuses beyond what net/netip
// classifies (RFC 6890 and the IANA special-purpose registry).
var (
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")     // "this network"; 0.0.0.0 reaches the local host
	sharedCGNAT = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT, also Tailscale's range
	reservedV4  = netip.MustParsePrefix("240.0.0.0/4")   // reserved, with 255.255.255.255 broadcast
	siteLocalV6 = netip.MustParsePrefix("fec0::/10")     // deprecated site-local, still routed by some
	nat64       = netip.MustParsePrefix("64:ff9b::/96")  // NAT64: the IPv4 address is the low 32 bits
	nat64Local  = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour   = netip.MustParsePrefix("2002::/16") // 6to4: the IPv4 address is bits 16-47
	v4Compat    = netip.MustParsePrefix("::/96")     // deprecated IPv4-compatible addresses
)

// PrivateAddr reports whether ip is an address a link found on the web
// must not make the crawler connect to, because it reaches the crawler's
// own machine or network rather than the Internet (server-side request
// forgery):
//
//   - loopback 127.0.0.0/8 and ::1; unspecified 0.0.0.0 and :: (connecting
//     to them reaches the local host) and the rest of 0.0.0.0/8;
//   - private 10/8, 172.16/12, 192.168/16 (RFC 1918), fc00::/7 (RFC 4193)
//     and the deprecated site-local fec0::/10;
//   - link-local 169.254/16 (cloud metadata services live there) and
//     fe80::/10;
//   - shared address space 100.64/10 (carrier-grade NAT, Tailscale);
//   - multicast 224/4 and ff00::/8, and the reserved 240/4 with the
//     broadcast 255.255.255.255: no web server is there, and refusing says
//     so more clearly than a failed connect would;
//   - IPv6 spellings of any of these IPv4 addresses: IPv4-mapped
//     ::ffff:a.b.c.d (compared unmapped), IPv4-compatible ::a.b.c.d (all
//     of ::/96), NAT64 64:ff9b::/96 and 6to4 2002::/16 with such an
//     embedded address, and the local-use NAT64 prefix 64:ff9b:1::/48;
//   - an invalid (zero) netip.Addr.
//
// Ranges that are special but not local are allowed: documentation
// (192.0.2/24, 2001:db8::/32), benchmarking 198.18/15 (VPN clients in
// "fake IP" mode answer every DNS query from it, so refusing it would
// refuse every site) and 192.0.0/24. A connection there reaches the
// Internet or nothing.
func PrivateAddr(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return privateV4(ip)
	}
	switch {
	case ip.IsLoopback(), ip.IsUnspecified(), ip.IsPrivate(), ip.IsLinkLocalUnicast(),
		ip.IsMulticast(), siteLocalV6.Contains(ip), v4Compat.Contains(ip), nat64Local.Contains(ip):
		return true
	case nat64.Contains(ip):
		b := ip.As16()
		return privateV4(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(ip):
		b := ip.As16()
		return privateV4(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return false
}

func privateV4(ip netip.Addr) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsMulticast() ||
		thisNetwork.Contains(ip) || sharedCGNAT.Contains(ip) || reservedV4.Contains(ip)
}

// DialFunc dials a network address; (*net.Dialer).DialContext is one, and
// it is the type of http.Transport.DialContext.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Guard refuses connections to private addresses (PrivateAddr) unless the
// host being dialled is one the user named. Install it on the fetcher's
// transport:
//
//	g := &crawl.Guard{AllowHost: seedHosts.Contains, AllowPrivate: *allowPrivate}
//	tr := &http.Transport{
//		DialContext:       g.DialContext((&net.Dialer{Timeout: 10 * time.Second}).DialContext),
//		ForceAttemptHTTP2: true, // a custom DialContext turns HTTP/2 off otherwise
//		// Proxy: nil, see DialContext
//	}
//
// http.Transport dials the host name of the request URL ("news.example:443"),
// which is how the guard knows the host to give AllowHost. The check runs
// on every new connection, so every redirect hop is covered, and on the
// address actually dialled: the guard resolves the host itself, checks
// every address, and dials the checked address rather than the name, so a
// DNS answer that changes between check and connect (DNS rebinding)
// cannot slip through. TLS is unaffected: the transport takes the server
// name for SNI and certificate checks from the URL, not the dialled
// address. A Guard is safe for concurrent use and must not be changed
// while in use.
type Guard struct {
	// AllowHost reports whether a host is exempt from the check: the
	// hosts of the seeds, which the user chose. It is given the host being
	// dialled, lower-cased, without port or trailing dot, an IPv6 literal
	// without brackets ("news.example", "127.0.0.1", "::1"). nil exempts
	// no host.
	AllowHost func(host string) bool
	// AllowPrivate turns the check off (--allow-private); the guard then
	// only resolves and dials.
	AllowPrivate bool
	// Lookup resolves a host name to its addresses; network is "ip",
	// "ip4" or "ip6". nil means net.DefaultResolver.LookupNetIP. Tests
	// set it to fake DNS.
	Lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// DialContext returns a dial function for http.Transport.DialContext that
// resolves the host, refuses it with a *PrivateAddressError when any of
// its addresses is private (unless the host is allowed), and otherwise
// dials its addresses with dial, IPv4 first, until one connects.
//
// All addresses are refused when one is private, because the other
// addresses of a name that points into the local network are no more
// trustworthy. IPv4 goes first because the guard, dialling one address
// at a time, cannot race IPv6 against IPv4 as net.Dialer does: on a
// machine whose IPv6 route is broken, trying IPv6 first would cost every
// new connection a connect timeout.
//
// With an HTTP proxy (http.Transport.Proxy) the transport dials the
// proxy, not the site, and the guard checks the proxy's address: the
// crawler should set no proxy when the guard is on, or exempt the proxy's
// host with AllowHost (and then the proxy must do its own filtering).
func (g *Guard) DialContext(dial DialFunc) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("guard: %w", err)
		}
		ips, err := g.resolve(ctx, network, host)
		if err != nil {
			return nil, err
		}
		if err := g.check(host, ips); err != nil {
			return nil, err
		}
		var first error
		for _, ip := range ips {
			c, err := dial(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return c, nil
			}
			if first == nil {
				first = err
			}
			if ctx.Err() != nil {
				break
			}
		}
		return nil, first
	}
}

// Check reports, with a *PrivateAddressError, whether the guard would
// refuse to connect to host when it resolves to ip. The fetcher can use
// it to refuse an IP-literal URL before making the request; the dialler
// applies it anyway.
func (g *Guard) Check(host string, ip netip.Addr) error {
	return g.check(host, []netip.Addr{ip})
}

func (g *Guard) check(host string, ips []netip.Addr) error {
	if g.AllowPrivate {
		return nil
	}
	if g.AllowHost != nil && g.AllowHost(strings.TrimSuffix(strings.ToLower(host), ".")) {
		return nil
	}
	for _, ip := range ips {
		if PrivateAddr(ip) {
			return &PrivateAddressError{Host: host, IP: ip}
		}
	}
	return nil
}

// resolve returns the addresses to dial for host, unmapped, IPv4 first.
// An IP literal is its own address, and an empty host (which the system
// dials as the local host) is 0.0.0.0. Other spellings of numbers, such
// as "2130706433" or "0177.0.0.1" (127.0.0.1 to inet_aton), are not IP
// literals to Go (netip and net.ParseIP reject them), so they go to the
// resolver like any name: the system resolver may answer 127.0.0.1, the
// pure Go one fails, and in both cases nothing private is dialled.
func (g *Guard) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if host == "" {
		return []netip.Addr{netip.IPv4Unspecified()}, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	lookup := g.Lookup
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	ipNet := "ip"
	switch {
	case strings.HasSuffix(network, "4"):
		ipNet = "ip4"
	case strings.HasSuffix(network, "6"):
		ipNet = "ip6"
	}
	found, err := lookup(ctx, ipNet, host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return nil, err // it says "lookup HOST: ..." itself
		}
		return nil, fmt.Errorf("lookup %s: %w", host, err)
	}
	var v4, v6 []netip.Addr
	for _, ip := range found {
		switch ip = ip.Unmap(); {
		case ip.Is4():
			v4 = append(v4, ip)
		case ip.Is6():
			v6 = append(v6, ip)
		}
	}
	if len(v4)+len(v6) == 0 {
		return nil, fmt.Errorf("lookup %s: no addresses", host)
	}
	return append(v4, v6...), nil
}
