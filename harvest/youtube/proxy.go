package youtube

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/proxy"
)

// Proxy is one way out to YouTube through a proxy: an egress. Its URL may
// carry credentials (user:pass@); Label never does, and is what logs,
// stats, `doctor` and the database show and store.
type Proxy struct {
	URL   *url.URL
	Label string // scheme://host:port, without credentials; "#2"... when two share one
}

// ParseProxy reads one proxy URL: http://, https:// or socks5:// (also
// socks5h://), with an optional user:pass@ and port (default 80, 443,
// 1080). Its errors never quote the URL, which may hold a password.
func ParseProxy(raw string) (Proxy, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return Proxy{}, errors.New("proxy URL: cannot be parsed")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return Proxy{}, fmt.Errorf("proxy URL %s: unsupported scheme %q (want http, https or socks5)", redact(u), u.Scheme)
	}
	if u.Hostname() == "" {
		return Proxy{}, fmt.Errorf("proxy URL %s: no host", redact(u))
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return Proxy{}, fmt.Errorf("proxy URL %s: want scheme://[user:pass@]host[:port] only", redact(u))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return Proxy{}, fmt.Errorf("proxy URL %s: bad port", redact(u))
		}
	}
	return Proxy{URL: u, Label: redact(u)}, nil
}

// redact is u as scheme://host:port, the port made explicit: no user, no
// password, nothing else.
func redact(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
	}
	return u.Scheme + "://" + net.JoinHostPort(u.Hostname(), port)
}

// ReadProxies reads a proxies file: one URL a line; blank lines and lines
// starting with # are skipped. Errors name the file and line, never the
// URL.
func ReadProxies(r io.Reader, name string) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := ParseProxy(line); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("proxies from %s: %w", name, err)
	}
	return out, nil
}

// ReadProxiesFile is ReadProxies on the file at path.
func ReadProxiesFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("proxies file: %w", err)
	}
	defer f.Close()
	return ReadProxies(f, path)
}

// parseProxies parses every URL and makes the labels unique: a second
// proxy on the same host and port (a provider's gateway with another
// user) is "LABEL#2", in the order given, so its bench is remembered
// apart without storing anything of its credentials.
func parseProxies(raws []string) ([]Proxy, error) {
	var out []Proxy
	seen := make(map[string]int)
	for i, raw := range raws {
		p, err := ParseProxy(raw)
		if err != nil {
			return nil, fmt.Errorf("proxy %d: %w", i+1, err)
		}
		seen[p.Label]++
		if n := seen[p.Label]; n > 1 {
			p.Label += "#" + strconv.Itoa(n)
		}
		out = append(out, p)
	}
	return out, nil
}

// proxyTransport returns a transport that goes through p, built from base
// (a clone of http.DefaultTransport when base is not an *http.Transport).
// HTTP and HTTPS proxies are the standard library's (CONNECT for https
// targets, Proxy-Authorization from the URL's user); SOCKS5 is
// golang.org/x/net/proxy's dialer, with the URL's user and password as
// RFC 1929 credentials.
func proxyTransport(p Proxy, base http.RoundTripper) (http.RoundTripper, error) {
	t, ok := base.(*http.Transport)
	if ok {
		t = t.Clone()
	} else {
		t = http.DefaultTransport.(*http.Transport).Clone()
	}
	switch p.URL.Scheme {
	case "http", "https":
		t.Proxy = http.ProxyURL(p.URL)
		return t, nil
	}
	u := *p.URL
	u.Scheme = "socks5" // x/net/proxy knows socks5 and socks5h by these names
	forward := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	d, err := proxy.FromURL(&u, forward)
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", p.Label, err)
	}
	cd, ok := d.(proxy.ContextDialer)
	if !ok {
		return nil, fmt.Errorf("proxy %s: the SOCKS5 dialer cannot take a context", p.Label)
	}
	t.Proxy = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return cd.DialContext(ctx, network, addr)
	}
	return t, nil
}

// envProxyLabel is the label of the direct egress: "direct", or the
// HTTPS_PROXY (HTTP_PROXY) the default transport would use for YouTube,
// without its credentials.
func envProxyLabel() string {
	req, _ := http.NewRequest(http.MethodGet, "https://www.youtube.com/", nil)
	if u, err := http.ProxyFromEnvironment(req); err == nil && u != nil {
		return redact(u) + " (HTTPS_PROXY)"
	}
	return "direct"
}
