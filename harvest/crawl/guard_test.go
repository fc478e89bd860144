package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPrivateAddr(t *testing.T) {
	private := []string{
		"127.0.0.1", "127.1.2.3", "127.255.255.255",
		"10.0.0.1", "10.255.255.255",
		"172.16.0.1", "172.20.1.1", "172.31.255.255",
		"192.168.0.1", "192.168.255.255",
		"169.254.169.254", "169.254.0.1",
		"0.0.0.0", "0.1.2.3",
		"100.64.0.1", "100.127.255.255",
		"224.0.0.1", "239.255.255.250",
		"240.0.0.1", "255.255.255.255",
		"::1", "::",
		"fe80::1", "fe80::1%eth0", "febf::1",
		"fc00::1", "fd12:3456:789a::1",
		"fec0::1",
		"ff02::1", "ff05::2",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0",
		"::127.0.0.1", "::8.8.8.8", // IPv4-compatible: deprecated, all refused
		"64:ff9b::7f00:1", "64:ff9b::a00:1", // NAT64 of 127.0.0.1, 10.0.0.1
		"64:ff9b:1::1",
		"2002:7f00:1::1", "2002:c0a8:101::1", // 6to4 of 127.0.0.1, 192.168.1.1
	}
	public := []string{
		"93.184.216.34", "8.8.8.8", "1.1.1.1",
		"172.15.255.255", "172.32.0.1", "192.167.1.1", "100.63.255.255", "100.128.0.1",
		"169.253.1.1", "11.0.0.1", "126.255.255.255", "128.0.0.1", "223.255.255.255",
		"198.18.0.1",               // benchmarking: fake-IP VPNs answer from it
		"192.0.2.1", "203.0.113.1", // documentation
		"2606:2800:220:1:248:1893:25c8:1946", "2001:4860:4860::8888",
		"2001:db8::1",
		"::ffff:93.184.216.34",
		"64:ff9b::808:808",        // NAT64 of 8.8.8.8
		"2002:808:808::1",         // 6to4 of 8.8.8.8
		"fbff:ffff::1", "fe00::1", // just outside fc00::/7 and fe80::/10
	}
	for _, s := range private {
		if !PrivateAddr(netip.MustParseAddr(s)) {
			t.Errorf("PrivateAddr(%s) = false, want true", s)
		}
	}
	for _, s := range public {
		if PrivateAddr(netip.MustParseAddr(s)) {
			t.Errorf("PrivateAddr(%s) = true, want false", s)
		}
	}
	if !PrivateAddr(netip.Addr{}) {
		t.Error("PrivateAddr(invalid) = false, want true")
	}
}

// TestPrivateAddrMapped checks, over all first octets and a spread of
// addresses, that an IPv4 address and its IPv4-mapped IPv6 form agree.
func TestPrivateAddrMapped(t *testing.T) {
	for a := 0; a < 256; a++ {
		for _, rest := range [][3]byte{{0, 0, 0}, {0, 0, 1}, {64, 1, 1}, {168, 1, 1}, {254, 1, 1}, {255, 255, 255}} {
			v4 := netip.AddrFrom4([4]byte{byte(a), rest[0], rest[1], rest[2]})
			mapped := netip.AddrFrom16(v4.As16())
			if PrivateAddr(v4) != PrivateAddr(mapped) {
				t.Errorf("PrivateAddr(%s) = %v but PrivateAddr(%s) = %v", v4, PrivateAddr(v4), mapped, PrivateAddr(mapped))
			}
		}
	}
}

// fakeDNS answers lookups from a table, ignoring case and a trailing dot
// as DNS does; unknown names fail like NXDOMAIN.
type fakeDNS struct {
	mu      sync.Mutex
	answers map[string][][]string // name -> successive answers (the last repeats)
	asked   map[string]int
}

func newFakeDNS(answers map[string][]string) *fakeDNS {
	d := &fakeDNS{answers: make(map[string][][]string), asked: make(map[string]int)}
	for name, ips := range answers {
		d.answers[name] = [][]string{ips}
	}
	return d
}

func (d *fakeDNS) Lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	seq, ok := d.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	n := d.asked[host]
	d.asked[host]++
	ans := seq[min(n, len(seq)-1)]
	var out []netip.Addr
	for _, s := range ans {
		ip := netip.MustParseAddr(s)
		if network == "ip4" && !ip.Unmap().Is4() || network == "ip6" && !ip.Is6() {
			continue
		}
		out = append(out, ip)
	}
	return out, nil
}

// recorder is a dial function that records what it is asked to dial and
// connects to nothing: it answers with one end of a pipe, or with fail
// for the addresses listed there.
type recorder struct {
	mu     sync.Mutex
	dialed []string
	fail   map[string]bool
}

var errDialFailed = errors.New("test: connection refused")

func (r *recorder) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	r.mu.Lock()
	r.dialed = append(r.dialed, addr)
	fail := r.fail[addr]
	r.mu.Unlock()
	if fail {
		return nil, errDialFailed
	}
	c1, c2 := net.Pipe()
	c2.Close()
	return c1, nil
}

func guardTestDNS() map[string][]string {
	return map[string][]string{
		"public.example":       {"93.184.216.34"},
		"dual.example":         {"2606:2800:220:1:248:1893:25c8:1946", "93.184.216.34"},
		"evil.example":         {"127.0.0.1"},
		"mixed.example":        {"93.184.216.34", "10.0.0.1"},
		"intranet.example":     {"192.168.1.10"},
		"metadata.example":     {"169.254.169.254"},
		"cgnat.example":        {"100.100.1.1"},
		"mapped.example":       {"::ffff:127.0.0.1"},
		"v6local.example":      {"fe80::1"},
		"ula.example":          {"fd00::1"},
		"zero.example":         {"0.0.0.0"},
		"seed.example":         {"127.0.0.1"},
		"localhost":            {"127.0.0.1", "::1"},
		"empty-answer.example": {},
		// What glibc's inet_aton makes of numeric spellings, as the cgo
		// resolver would answer them.
		"2130706433": {"127.0.0.1"},
		"0177.0.0.1": {"127.0.0.1"},
		"0x7f.1":     {"127.0.0.1"},
	}
}

func TestGuardDial(t *testing.T) {
	tests := []struct {
		addr    string
		private string   // the refused IP, "" when not refused
		dialed  []string // what reached the dial function
		err     string   // other error, substring
	}{
		// Spellings of private addresses.
		{addr: "127.0.0.1:80", private: "127.0.0.1"},
		{addr: "127.1.2.3:80", private: "127.1.2.3"},
		{addr: "10.1.2.3:80", private: "10.1.2.3"},
		{addr: "172.16.0.1:80", private: "172.16.0.1"},
		{addr: "172.31.255.254:443", private: "172.31.255.254"},
		{addr: "192.168.0.1:80", private: "192.168.0.1"},
		{addr: "169.254.169.254:80", private: "169.254.169.254"},
		{addr: "0.0.0.0:80", private: "0.0.0.0"},
		{addr: ":80", private: "0.0.0.0"},
		{addr: "[::1]:80", private: "::1"},
		{addr: "[::]:80", private: "::"},
		{addr: "[fe80::1]:80", private: "fe80::1"},
		{addr: "[fe80::1%eth0]:80", private: "fe80::1%eth0"},
		{addr: "[fc00::1]:80", private: "fc00::1"},
		{addr: "[::ffff:127.0.0.1]:80", private: "127.0.0.1"},
		{addr: "[::ffff:10.0.0.1]:80", private: "10.0.0.1"},
		// Names resolving there.
		{addr: "evil.example:80", private: "127.0.0.1"},
		{addr: "EVIL.example.:80", private: "127.0.0.1"},
		{addr: "intranet.example:443", private: "192.168.1.10"},
		{addr: "metadata.example:80", private: "169.254.169.254"},
		{addr: "cgnat.example:80", private: "100.100.1.1"},
		{addr: "mapped.example:80", private: "127.0.0.1"},
		{addr: "v6local.example:80", private: "fe80::1"},
		{addr: "ula.example:80", private: "fd00::1"},
		{addr: "zero.example:80", private: "0.0.0.0"},
		{addr: "localhost:80", private: "127.0.0.1"},
		{addr: "mixed.example:80", private: "10.0.0.1"}, // one private address refuses them all
		// Numeric spellings are names to Go: refused when the resolver
		// makes them loopback, failing when it does not know them.
		{addr: "2130706433:80", private: "127.0.0.1"},
		{addr: "0177.0.0.1:80", private: "127.0.0.1"},
		{addr: "0x7f.1:80", private: "127.0.0.1"},
		{addr: "017700000001:80", err: "lookup 017700000001: "},
		{addr: "127.1:80", err: "lookup 127.1: "},
		// Public addresses are dialled by IP, IPv4 first.
		{addr: "93.184.216.34:80", dialed: []string{"93.184.216.34:80"}},
		{addr: "public.example:443", dialed: []string{"93.184.216.34:443"}},
		{addr: "dual.example:443", dialed: []string{"93.184.216.34:443"}},
		{addr: "[2606:2800:220:1:248:1893:25c8:1946]:443", dialed: []string{"[2606:2800:220:1:248:1893:25c8:1946]:443"}},
		// Resolution failures.
		{addr: "nowhere.example:80", err: "lookup nowhere.example: "},
		{addr: "empty-answer.example:80", err: "lookup empty-answer.example: no addresses"},
		{addr: "no-port", err: "guard: address no-port: missing port in address"},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			rec := &recorder{}
			g := &Guard{Lookup: newFakeDNS(guardTestDNS()).Lookup}
			c, err := g.DialContext(rec.Dial)(context.Background(), "tcp", tc.addr)
			if c != nil {
				c.Close()
			}
			switch {
			case tc.private != "":
				var pe *PrivateAddressError
				if !errors.Is(err, ErrPrivateAddress) || !errors.As(err, &pe) {
					t.Fatalf("dial %s: error = %v, want a private address refusal", tc.addr, err)
				}
				if pe.IP.String() != tc.private {
					t.Errorf("dial %s: refused IP = %s, want %s", tc.addr, pe.IP, tc.private)
				}
				if !strings.Contains(err.Error(), "refusing "+tc.private) || !strings.HasSuffix(err.Error(), "private address; use --allow-private to allow") {
					t.Errorf("dial %s: error message %q", tc.addr, err)
				}
				if len(rec.dialed) > 0 {
					t.Errorf("dial %s: refused, yet dialled %v", tc.addr, rec.dialed)
				}
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) || errors.Is(err, ErrPrivateAddress) {
					t.Fatalf("dial %s: error = %v, want one containing %q", tc.addr, err, tc.err)
				}
				if len(rec.dialed) > 0 {
					t.Errorf("dial %s: failed, yet dialled %v", tc.addr, rec.dialed)
				}
			default:
				if err != nil {
					t.Fatalf("dial %s: %v", tc.addr, err)
				}
				if fmt.Sprint(rec.dialed) != fmt.Sprint(tc.dialed) {
					t.Errorf("dial %s: dialled %v, want %v", tc.addr, rec.dialed, tc.dialed)
				}
			}
		})
	}
}

func TestPrivateAddressErrorMessage(t *testing.T) {
	g := &Guard{Lookup: newFakeDNS(guardTestDNS()).Lookup}
	dial := g.DialContext((&recorder{}).Dial)
	tests := map[string]string{
		"evil.example:80": "refusing 127.0.0.1 (resolved from evil.example): private address; use --allow-private to allow",
		"127.0.0.1:80":    "refusing 127.0.0.1: private address; use --allow-private to allow",
		"[::1]:80":        "refusing ::1: private address; use --allow-private to allow",
	}
	for addr, want := range tests {
		if _, err := dial(context.Background(), "tcp", addr); errString(err) != want {
			t.Errorf("dial %s: error %q, want %q", addr, errString(err), want)
		}
	}
}

func TestGuardAllow(t *testing.T) {
	seeds := map[string]bool{"seed.example": true, "127.0.0.1": true, "::1": true}
	allow := func(host string) bool { return seeds[host] }
	tests := []struct {
		name   string
		g      Guard
		addr   string
		dialed string // "" when refused
	}{
		{"seed host", Guard{AllowHost: allow}, "seed.example:8080", "127.0.0.1:8080"},
		{"seed host, other case and trailing dot", Guard{AllowHost: allow}, "SEED.Example.:8080", "127.0.0.1:8080"},
		{"seed IP", Guard{AllowHost: allow}, "127.0.0.1:8080", "127.0.0.1:8080"},
		{"seed IPv6", Guard{AllowHost: allow}, "[::1]:8080", "[::1]:8080"},
		{"other host", Guard{AllowHost: allow}, "evil.example:80", ""},
		{"other loopback spelling", Guard{AllowHost: allow}, "127.0.0.2:80", ""},
		{"allow private", Guard{AllowPrivate: true}, "evil.example:80", "127.0.0.1:80"},
		{"allow private, literal", Guard{AllowPrivate: true}, "[::ffff:10.0.0.1]:80", "10.0.0.1:80"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			g := tc.g
			g.Lookup = newFakeDNS(guardTestDNS()).Lookup
			c, err := g.DialContext(rec.Dial)(context.Background(), "tcp", tc.addr)
			if c != nil {
				c.Close()
			}
			if tc.dialed == "" {
				if err == nil {
					t.Fatalf("dial %s: allowed, want refused", tc.addr)
				}
				return
			}
			if err != nil {
				t.Fatalf("dial %s: %v", tc.addr, err)
			}
			if len(rec.dialed) != 1 || rec.dialed[0] != tc.dialed {
				t.Errorf("dial %s: dialled %v, want [%s]", tc.addr, rec.dialed, tc.dialed)
			}
		})
	}

	// AllowHost sees host names lower-cased, without a trailing dot.
	var seen []string
	g := &Guard{
		AllowHost: func(h string) bool { seen = append(seen, h); return false },
		Lookup: func(context.Context, string, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, nil
		},
	}
	g.DialContext((&recorder{}).Dial)(context.Background(), "tcp", "Seed.Example.:80")
	if fmt.Sprint(seen) != "[seed.example]" {
		t.Errorf("AllowHost was given %q, want [seed.example]", seen)
	}
}

func TestGuardFallback(t *testing.T) {
	// The IPv4 address refuses: the IPv6 one is tried next.
	rec := &recorder{fail: map[string]bool{"93.184.216.34:443": true}}
	g := &Guard{Lookup: newFakeDNS(guardTestDNS()).Lookup}
	c, err := g.DialContext(rec.Dial)(context.Background(), "tcp", "dual.example:443")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.Close()
	want := "[93.184.216.34:443 [2606:2800:220:1:248:1893:25c8:1946]:443]"
	if fmt.Sprint(rec.dialed) != want {
		t.Errorf("dialled %v, want %s", rec.dialed, want)
	}

	// All fail: the first error comes back.
	rec = &recorder{fail: map[string]bool{"93.184.216.34:443": true, "[2606:2800:220:1:248:1893:25c8:1946]:443": true}}
	if _, err := g.DialContext(rec.Dial)(context.Background(), "tcp", "dual.example:443"); !errors.Is(err, errDialFailed) {
		t.Errorf("dial: error = %v, want %v", err, errDialFailed)
	}

	// tcp6 asks the resolver for IPv6 only.
	rec = &recorder{}
	c, err = g.DialContext(rec.Dial)(context.Background(), "tcp6", "dual.example:443")
	if err != nil {
		t.Fatalf("dial tcp6: %v", err)
	}
	c.Close()
	if want := "[[2606:2800:220:1:248:1893:25c8:1946]:443]"; fmt.Sprint(rec.dialed) != want {
		t.Errorf("dial tcp6: dialled %v, want %s", rec.dialed, want)
	}
}

// TestGuardRebinding checks DNS rebinding: the name answers a public
// address first and a private one next; the second connection is
// refused, and the first went to the address that was checked.
func TestGuardRebinding(t *testing.T) {
	dns := newFakeDNS(nil)
	dns.answers["rebind.example"] = [][]string{{"93.184.216.34"}, {"127.0.0.1"}}
	rec := &recorder{}
	dial := (&Guard{Lookup: dns.Lookup}).DialContext(rec.Dial)
	c, err := dial(context.Background(), "tcp", "rebind.example:80")
	if err != nil {
		t.Fatalf("first dial: %v", err)
	}
	c.Close()
	if _, err := dial(context.Background(), "tcp", "rebind.example:80"); !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("second dial: error = %v, want ErrPrivateAddress", err)
	}
	if fmt.Sprint(rec.dialed) != "[93.184.216.34:80]" {
		t.Errorf("dialled %v, want only the checked public address", rec.dialed)
	}
}

func TestGuardContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := &Guard{Lookup: func(ctx context.Context, _, _ string) ([]netip.Addr, error) { return nil, ctx.Err() }}
	_, err := g.DialContext((&recorder{}).Dial)(ctx, "tcp", "public.example:80")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("dial with a cancelled context: error = %v, want context.Canceled", err)
	}
}

func TestGuardCheck(t *testing.T) {
	g := &Guard{AllowHost: func(h string) bool { return h == "seed.example" }}
	if err := g.Check("evil.example", netip.MustParseAddr("10.0.0.1")); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("Check(evil.example, 10.0.0.1) = %v, want ErrPrivateAddress", err)
	}
	if err := g.Check("seed.example", netip.MustParseAddr("10.0.0.1")); err != nil {
		t.Errorf("Check(seed.example, 10.0.0.1) = %v, want nil", err)
	}
	if err := g.Check("public.example", netip.MustParseAddr("93.184.216.34")); err != nil {
		t.Errorf("Check(public.example, 93.184.216.34) = %v, want nil", err)
	}
}

// TestGuardHTTP runs the guard under a real http.Client against a local
// test server: a link to a private address is refused through all of
// net/http's wrapping, a seed host on loopback is allowed, and a redirect
// from the seed to another host on loopback is refused at the hop.
func TestGuardHTTP(t *testing.T) {
	var ts *httptest.Server
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
			http.Redirect(w, r, "http://evil.example:"+port+"/", http.StatusFound)
			return
		}
		io.WriteString(w, "hello")
	}))
	defer ts.Close()
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())

	g := &Guard{
		AllowHost: func(h string) bool { return h == "seed.example" },
		Lookup:    newFakeDNS(guardTestDNS()).Lookup,
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:             nil, // a proxy would be what the guard checks
			DialContext:       g.DialContext(dialer.DialContext),
			DisableKeepAlives: true,
		},
	}
	get := func(u string) (string, error) {
		resp, err := client.Get(u)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}

	if body, err := get("http://seed.example:" + port + "/"); err != nil || body != "hello" {
		t.Errorf("GET seed: %q, %v; want hello", body, err)
	}
	for _, u := range []string{
		"http://evil.example:" + port + "/",
		"http://127.0.0.1:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/",
		"http://seed.example:" + port + "/redirect",
	} {
		_, err := get(u)
		if !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("GET %s: error = %v, want ErrPrivateAddress", u, err)
			continue
		}
		var ue *url.Error
		if !errors.As(err, &ue) {
			t.Errorf("GET %s: error %T is not a *url.Error", u, err)
		}
		t.Logf("GET %s: %v", u, err)
	}
}

// TestGuardTLS checks that dialling the checked IP leaves TLS alone: the
// certificate is verified against the URL's host name, which the test
// server's certificate (for example.com) matches while the guard dials
// 127.0.0.1.
func TestGuardTLS(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secure hello")
	}))
	defer ts.Close()
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())

	dns := newFakeDNS(map[string][]string{"example.com": {"127.0.0.1"}, "other.example": {"127.0.0.1"}})
	g := &Guard{AllowHost: func(h string) bool { return h == "example.com" }, Lookup: dns.Lookup}
	tr := ts.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = g.DialContext((&net.Dialer{Timeout: 5 * time.Second}).DialContext)
	tr.ForceAttemptHTTP2 = true
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()

	resp, err := client.Get("https://example.com:" + port + "/")
	if err != nil {
		t.Fatalf("GET https://example.com: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "secure hello" {
		t.Errorf("GET https://example.com = %q", b)
	}
	if _, err := client.Get("https://other.example:" + port + "/"); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("GET https://other.example: error = %v, want ErrPrivateAddress", err)
	}
}
