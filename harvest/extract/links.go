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

// originOf returns "scheme://host" of base, lower-cased, for the out-link
// fast path, or "" when base does not allow it (user info, no host).
func originOf(base *url.URL) string {
	if !isWebURL(base) || base.User != nil || !fastHost(strings.ToLower(base.Host)) {
		return ""
	}
	return base.Scheme + "://" + strings.ToLower(base.Host)
}

// outLink records href, a link of the page, as an out-link: absolute,
// http(s), fragment dropped, once per page.
//
// Most links are absolute ("https://host/path") or root-relative
// ("/path") and already in the form url.Parse and String would give them,
// so fastOutLink takes them as they are without parsing; every other link
// goes the long way (resolve, then outLink). TestOutLinkFastPath checks
// that both ways agree.
func (w *walker) outLink(href string) {
	if otherScheme(href) {
		return // javascript:, mailto:, tel:, data:…
	}
	s, ok := w.fastOutLink(href)
	if !ok {
		s, ok = outLink(resolve(w.base, href))
		if !ok {
			return
		}
	}
	if _, dup := w.seenLinks[s]; !dup {
		w.seenLinks[s] = struct{}{}
		w.links = append(w.links, s)
	}
}

// otherScheme reports whether href starts with a scheme other than http
// and https (in lower case): such a link is never an out-link.
func otherScheme(href string) bool {
	for i := 0; i < len(href); i++ {
		c := href[i]
		switch {
		case 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':' && i > 0:
			s := href[:i]
			return s != "http" && s != "https"
		default:
			return false
		}
	}
	return false
}

// fastOutLink returns the out-link form of href without parsing it, when
// href is simple enough for that to be exact: an absolute http(s) URL with
// a lower-case host, or a root-relative path, made of characters that
// url.URL.String keeps as they are, with no fragment, no user info, no
// "." or ".." segment and no empty segment (ResolveReference would rewrite
// those).
func (w *walker) fastOutLink(href string) (string, bool) {
	s := href
	var prefix string
	switch {
	case strings.HasPrefix(s, "#"): // this page
		if !w.selfReady {
			w.selfReady = true
			w.self, w.selfOK = outLink(w.base)
		}
		return w.self, w.selfOK
	case strings.HasPrefix(s, "https://"):
		s = s[len("https://"):]
	case strings.HasPrefix(s, "http://"):
		s = s[len("http://"):]
	case strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && w.origin != "":
		prefix = w.origin
	default:
		return "", false
	}
	if prefix == "" {
		end := strings.IndexAny(s, "/?")
		if end < 0 {
			end = len(s)
		}
		if !fastHost(s[:end]) {
			return "", false
		}
		s = s[end:]
	}
	path, query, hasQuery := strings.Cut(s, "?")
	if path != "" && (path[0] != '/' || strings.Contains(path, "//") || strings.Contains(path, "/.")) {
		return "", false
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case isIDChar(c) || c == '.' || c == '/' || c == '~':
		case c == '%':
			if i+2 >= len(path) || !isHex(path[i+1]) || !isHex(path[i+2]) {
				return "", false
			}
		case strings.IndexByte("!$&'()*+,;=:", c) >= 0:
		default:
			return "", false
		}
	}
	if hasQuery {
		for i := 0; i < len(query); i++ {
			if c := query[i]; c <= ' ' || c >= 0x7f || c == '#' || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`' {
				return "", false
			}
		}
	}
	if prefix != "" {
		return prefix + href, true
	}
	return href, true
}

// fastHost reports whether h is a host (and port) that url.Parse and
// outLink leave as it is: lower-case letters, digits, dots and hyphens,
// and an optional numeric port.
func fastHost(h string) bool {
	host, port, hasPort := strings.Cut(h, ":")
	if host == "" || host[0] == '.' || host[0] == '-' {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	if hasPort {
		if port == "" {
			return false
		}
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f'
}
