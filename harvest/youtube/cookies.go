package youtube

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Cookies are a browser's YouTube cookies, read from a Netscape
// cookies.txt (what browser extensions export and yt-dlp reads). They are
// sent only to YouTube's own hosts (youtube.com and its subdomains) and
// never logged: a Cookie header is added to a copy of each request, after
// the request was logged by nothing at all. YouTube may ban an account
// whose cookies a server uses this way; docs/youtube.md says so.
type Cookies struct {
	cookies []cookie
}

type cookie struct {
	domain      string // lower case, without a leading dot
	includeSubs bool
	path        string
	secure      bool
	expires     time.Time // zero: a session cookie
	name, value string
}

// ReadCookies reads a Netscape cookies.txt: tab-separated domain,
// include-subdomains flag, path, secure flag, expiry (Unix seconds, 0 for
// a session cookie), name, value; # starts a comment, except the
// "#HttpOnly_" prefix curl and browsers write before a domain. Only the
// cookies of YouTube's domains are kept. Errors name the line, never a
// value.
func ReadCookies(r io.Reader, name string) (*Cookies, error) {
	c := &Cookies{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		// Browsers mark HttpOnly cookies with a prefix, not a comment.
		line := strings.TrimPrefix(strings.TrimRight(sc.Text(), "\r"), "#HttpOnly_")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return nil, fmt.Errorf("%s:%d: not a cookies.txt line (want 7 tab-separated fields, got %d)", name, n, len(f))
		}
		exp, err := strconv.ParseInt(strings.TrimSpace(f[4]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: expiry is not a number", name, n)
		}
		ck := cookie{
			domain:      strings.ToLower(strings.TrimPrefix(strings.TrimSpace(f[0]), ".")),
			includeSubs: strings.EqualFold(f[1], "TRUE") || strings.HasPrefix(strings.TrimSpace(f[0]), "."),
			path:        f[2],
			secure:      strings.EqualFold(f[3], "TRUE"),
			name:        f[5],
			value:       f[6],
		}
		if exp > 0 {
			ck.expires = time.Unix(exp, 0)
		}
		if ck.name == "" || strings.ContainsAny(ck.name+ck.value, "\x00;\r\n") {
			return nil, fmt.Errorf("%s:%d: a cookie name or value that cannot be sent", name, n)
		}
		if ck.domain == "youtube.com" || strings.HasSuffix(ck.domain, ".youtube.com") {
			c.cookies = append(c.cookies, ck)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cookies from %s: %w", name, err)
	}
	if len(c.cookies) == 0 {
		return nil, fmt.Errorf("%s: no cookie for youtube.com in it (export the cookies of a logged-in youtube.com tab)", name)
	}
	return c, nil
}

// ReadCookiesFile is ReadCookies on the file at path.
func ReadCookiesFile(path string) (*Cookies, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cookies file: %w", err)
	}
	defer f.Close()
	return ReadCookies(f, path)
}

// Len is the number of YouTube cookies held.
func (c *Cookies) Len() int { return len(c.cookies) }

// header is the Cookie header for a request to host and path at time
// now, or "".
func (c *Cookies) header(host, path string, https bool, now time.Time) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if path == "" {
		path = "/"
	}
	var parts []string
	for _, ck := range c.cookies {
		switch {
		case !ck.expires.IsZero() && now.After(ck.expires):
			continue
		case ck.secure && !https:
			continue
		case host != ck.domain && !(ck.includeSubs && strings.HasSuffix(host, "."+ck.domain)):
			continue
		case !strings.HasPrefix(path, ck.path):
			continue
		}
		parts = append(parts, ck.name+"="+ck.value)
	}
	return strings.Join(parts, "; ")
}

// cookieTransport adds the cookies to requests for YouTube's hosts. It
// sits before the rewrite, so it sees the host the request was meant
// for: a request rewritten to --youtube-url still carries them (a mirror
// or a test fake stands in for YouTube), a request for any other host
// (the Data API, a caption CDN) never does.
type cookieTransport struct {
	cookies *Cookies
	next    http.RoundTripper
	now     func() time.Time
}

// RoundTrip implements http.RoundTripper.
func (t *cookieTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	if !isYouTubeHost(host) {
		return t.next.RoundTrip(req)
	}
	h := t.cookies.header(host, req.URL.Path, req.URL.Scheme == "https", t.now())
	if h == "" {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if old := r.Header.Get("Cookie"); old != "" {
		h = old + "; " + h
	}
	r.Header.Set("Cookie", h)
	return t.next.RoundTrip(r)
}
