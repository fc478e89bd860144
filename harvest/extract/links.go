package extract

import (
	"net/url"
	"strings"
)

// cleanAttrURL prepares an attribute value for URL parsing the way
// browsers do: leading and trailing ASCII whitespace go, and so do tabs
// and newlines anywhere inside (an href wrapped over two lines still works
// in a browser, but url.Parse refuses control characters).
func cleanAttrURL(s string) string {
	s = strings.Trim(s, " \t\n\f\r")
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, s)
	}
	return s
}

// resolve parses the URL-valued attribute raw and makes it absolute
// against base (which may be nil: then only absolute URLs survive). It
// returns nil when raw does not parse.
func resolve(base *url.URL, raw string) *url.URL {
	raw = cleanAttrURL(raw)
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return u
}

// isWebURL reports whether u is an absolute http(s) URL with a host.
func isWebURL(u *url.URL) bool {
	return u != nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == ""
}

// outLink returns the out-link form of u: absolute http(s), host lower-cased
// and fragment dropped (a fragment names a place in a page, not another
// page). ok is false for every other scheme (javascript:, mailto:, tel:,
// data:…) and for URLs that would not survive a round trip through
// url.Parse.
func outLink(u *url.URL) (string, bool) {
	if !isWebURL(u) {
		return "", false
	}
	v := *u
	v.Host = strings.ToLower(v.Host)
	v.Fragment, v.RawFragment = "", ""
	s := v.String()
	if w, err := url.Parse(s); err != nil || !isWebURL(w) {
		return "", false
	}
	return s, true
}

// documentBase returns the URL that relative URLs in the page resolve
// against: the page's first <base href>, itself resolved against the page
// URL, when it is an http(s) URL, and the page URL otherwise.
func documentBase(page *url.URL, baseHref string, found bool) *url.URL {
	if !found {
		return page
	}
	if u := resolve(page, baseHref); isWebURL(u) {
		return u
	}
	return page
}
