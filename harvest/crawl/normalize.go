package crawl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxURLLength is the longest URL the crawler accepts; longer ones are
// almost always session junk or traps.
const MaxURLLength = 2048

// trackingParams are query parameters that only identify a campaign or a
// click: dropping them merges URLs that name the same page.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "yclid": true,
	"mc_cid": true, "mc_eid": true, "igshid": true, "_ga": true, "_gl": true,
	"ocid": true, "cmpid": true,
}

// Normalize returns the canonical form of rawURL used as the frontier key:
// scheme and host lower-cased, the default port and the fragment dropped,
// an empty path made "/", tracking parameters (utm_*, fbclid, gclid...)
// removed. Only absolute http and https URLs are accepted.
func Normalize(rawURL string) (string, error) {
	if len(rawURL) > MaxURLLength {
		return "", fmt.Errorf("URL longer than %d bytes", MaxURLLength)
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return "", err
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return "", errors.New("not an absolute URL (add http:// or https://)")
		}
		return "", fmt.Errorf("unsupported scheme %q (only http and https)", u.Scheme)
	}
	if u.Host == "" {
		return "", errors.New("URL has no host")
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if !utf8.ValidString(host) {
		return "", errors.New("URL host is not valid UTF-8")
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return "", errors.New("URL has no host")
	}
	if !strings.Contains(host, ":") && (strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, "..")) {
		return "", fmt.Errorf("URL host %q has an empty label", host)
	}
	u.Host = joinHost(u.Scheme, host, port)
	if u.Path == "" && u.Opaque == "" {
		u.Path = "/"
	}
	if u.RawQuery != "" {
		u.RawQuery = dropTracking(u.RawQuery)
	}
	u.ForceQuery = false
	// Escaping can lengthen a URL past the limit.
	if out := u.String(); len(out) <= MaxURLLength {
		return out, nil
	}
	return "", fmt.Errorf("URL longer than %d bytes", MaxURLLength)
}

// dropTracking removes tracking parameters from a raw query, keeping the
// order and encoding of the others.
func dropTracking(raw string) string {
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		name = strings.ToLower(name)
		if strings.HasPrefix(name, "utm_") || trackingParams[name] {
			continue
		}
		kept = append(kept, escapeUnsafe(p))
	}
	return strings.Join(kept, "&")
}

// escapeUnsafe percent-encodes the bytes that may not appear raw in a
// query (spaces, controls, non-ASCII), so that a URL normalises to the
// same string however it was written.
func escapeUnsafe(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>\^`+"`{|}", c) >= 0 {
			if b.Len() == 0 {
				b.WriteString(s[:i])
			}
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

// joinHost writes host (lower-cased, without its trailing dot) and port
// as the frontier keys them: the scheme's default port dropped, an IPv6
// address in brackets.
func joinHost(scheme, host, port string) string {
	if scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		port = ""
	}
	if port != "" {
		return net.JoinHostPort(host, port)
	}
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}
