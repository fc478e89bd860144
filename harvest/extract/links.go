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
// Most links are absolute ("https://host/path"), root-relative ("/path"),
// protocol-relative ("//host/path"), a query ("?page=2") or a fragment
// ("#top") of this page, and already in the form url.Parse and String
// would give them once the fragment is dropped, so fastOutLink takes them
// as they are without parsing; every other link goes the long way
// (resolve, then outLink). TestOutLinkFastPath checks that both ways
// agree.
func (w *walker) outLink(href string) {
	if otherScheme(href) {
		return // javascript:, mailto:, tel:, data:…
	}
	prefix, s, ok := w.fastOutLink(href)
	switch {
	case !ok:
		if s, ok = outLink(resolve(w.base, href)); ok {
			w.addLink(s)
		}
	case prefix == "":
		w.addLink(s)
	default:
		// A page links to its own pages again and again: the link is
		// made a string of its own only the first time.
		w.scratch = append(append(w.scratch[:0], prefix...), s...)
		if _, dup := w.seenLinks[string(w.scratch)]; !dup {
			w.addLink(string(w.scratch))
		}
	}
}

// addLink records out-link s unless it is recorded already.
func (w *walker) addLink(s string) {
	n := len(w.seenLinks)
	w.seenLinks[s] = struct{}{}
	if len(w.seenLinks) > n {
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
// a lower-case host, a protocol-relative one, a root-relative path, a
// query or a fragment of this page, made of characters that
// url.URL.String keeps as they are, with no user info and no "." or ".."
// segment (ResolveReference removes those). The fragment is dropped; it
// must only be one url.Parse accepts. The out-link is prefix+s.
func (w *walker) fastOutLink(href string) (prefix, s string, ok bool) {

	rest, hasHost := href, false
	switch {
	case strings.HasPrefix(href, "#"): // this page
		if _, ok := simpleTail(href); !ok {
			return "", "", false // an escape url.Parse refuses
		}
		w.prepareFastOutLink()
		return "", w.self, w.selfOK
	case strings.HasPrefix(href, "https://"):
		rest, hasHost = href[len("https://"):], true
	case strings.HasPrefix(href, "http://"):
		rest, hasHost = href[len("http://"):], true
	case strings.HasPrefix(href, "//"):
		w.prepareFastOutLink()
		if w.scheme == "" {
			return "", "", false
		}
		prefix, rest, hasHost = w.scheme+":", href[len("//"):], true
	case strings.HasPrefix(href, "/"):
		prefix = w.origin
	case strings.HasPrefix(href, "?"):
		w.prepareFastOutLink()
		prefix = w.queryBase
	}
	if prefix == "" && !hasHost {
		return "", "", false
	}
	tail := rest
	if hasHost {
		end := 0
		for end < len(rest) && rest[end] != '/' && rest[end] != '?' && rest[end] != '#' {
			end++
		}
		if !fastHost(rest[:end]) {
			return "", "", false
		}
		tail = rest[end:]
	}
	keep, ok := simpleTail(tail)
	if !ok {
		return "", "", false
	}
	return prefix, href[:len(href)-len(tail)+keep], true
}

// prepareFastOutLink works out, once per page and when a link first needs
// it, what fastOutLink adds to relative links: the base's scheme, and the
// base without its query (for "?page=2"), each "" when the long way must
// be taken, and the base itself.
func (w *walker) prepareFastOutLink() {
	if w.fastReady {
		return
	}
	w.fastReady = true
	w.self, w.selfOK = outLink(w.base)
	if !isWebURL(w.base) {
		return
	}
	w.scheme = w.base.Scheme
	if q, ok := outLink(resolve(w.base, "?q")); ok && strings.HasSuffix(q, "?q") {
		w.queryBase = strings.TrimSuffix(q, "?q")
	}
}

// simpleTail reads the part of a URL after its host (or a relative one):
// path, query and fragment. It reports whether url.Parse and String give
// that part back as it is, and how much of it the out-link keeps: all
// but the fragment.
func simpleTail(s string) (keep int, ok bool) {
	i := 0
	if i < len(s) && s[i] != '/' && s[i] != '?' && s[i] != '#' {
		return 0, false
	}
	seg := i                                              // where the current segment starts
	for ; i < len(s) && s[i] != '?' && s[i] != '#'; i++ { // the path
		c := s[i]
		switch pathChars[c] {
		case pathPlain:
		case pathSlash:
			if dotSegment(s[seg:i]) {
				return 0, false // "/./" and "/../": ResolveReference removes them
			}
			seg = i + 1
		case pathEscape:
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	if i > 0 && dotSegment(s[seg:i]) {
		return 0, false
	}
	if i < len(s) && s[i] == '?' {
		for i++; i < len(s) && s[i] != '#'; i++ { // the query
			if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`' {
				return 0, false
			}
		}
	}
	keep = i
	for i++; i < len(s); i++ { // the fragment, dropped: only its escapes matter
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return 0, false
		}
	}
	return keep, true
}

// dotSegment reports whether a path segment is "." or "..".
func dotSegment(seg string) bool {
	return seg == "." || seg == ".."
}

// Classes of the bytes of a path that url.URL.String writes as they are.
const (
	pathOther  = iota // escaped by String, or ends the path: the long way
	pathPlain         // letters, digits, . - _ ~ @ and the sub-delimiters
	pathSlash         // /, which ends a segment
	pathEscape        // %, which must start an escape
)

var pathChars = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case isIDChar(byte(c)) || strings.IndexByte(".~@!$&'()*+,;=:", byte(c)) >= 0:
			t[c] = pathPlain
		case c == '/':
			t[c] = pathSlash
		case c == '%':
			t[c] = pathEscape
		}
	}
	return t
}()

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
