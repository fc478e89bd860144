package youtube

import (
	"net/http"
	"net/url"
	"strings"
)

// isYouTubeHost reports whether host (no port) is one NewRewrite
// redirects. kkdai only asks www.youtube.com, but caption baseUrls and
// redirects may name the others. consent.youtube.com is left alone on
// purpose: a consent redirect must stay visible as such.
func isYouTubeHost(host string) bool {
	switch strings.ToLower(strings.TrimSuffix(host, ".")) {
	case "youtube.com", "www.youtube.com", "m.youtube.com",
		"youtube-nocookie.com", "www.youtube-nocookie.com":
		return true
	}
	return false
}

// rewrite sends requests for YouTube hosts to base and passes the rest to
// next untouched.
type rewrite struct {
	base *url.URL
	next http.RoundTripper
}

// NewRewrite returns a RoundTripper that sends every request for
// youtube.com, www.youtube.com, m.youtube.com or youtube-nocookie.com to
// base instead, keeping a path prefix of base (http://host/yt + /watch ->
// http://host/yt/watch) and the query, and passes every other request to
// next unchanged. It is how a mirror, a recording proxy, the demo and the
// tests stand in for YouTube.
func NewRewrite(base *url.URL, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	b := *base
	b.Path = strings.TrimSuffix(b.Path, "/")
	b.RawPath = strings.TrimSuffix(b.RawPath, "/")
	return &rewrite{base: &b, next: next}
}

// RoundTrip implements http.RoundTripper.
func (rw *rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	if !isYouTubeHost(req.URL.Hostname()) {
		return rw.next.RoundTrip(req)
	}
	// RoundTrip must not modify req, so work on a clone.
	r := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host, u.User = rw.base.Scheme, rw.base.Host, rw.base.User
	p := req.URL.Path
	if p == "" {
		p = "/" // kkdai asks for "https://www.youtube.com" with no path
	}
	u.Path = rw.base.Path + p
	if req.URL.RawPath != "" {
		u.RawPath = rw.base.EscapedPath() + req.URL.RawPath
	} else {
		u.RawPath = ""
	}
	r.URL = &u
	r.Host = "" // send the base's host, not www.youtube.com
	return rw.next.RoundTrip(r)
}
