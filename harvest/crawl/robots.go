package crawl

import (
	"bytes"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/temoto/robotstxt"
)

// MaxRobotsSize is how much of a robots.txt is parsed: 500 KiB, the limit
// Google applies and the least RFC 9309 (section 2.5) requires a crawler
// to read. Whatever follows is ignored, from the last line break before
// the limit on, so that a half line is not read as a different rule. The
// fetcher need not read more than this.
const MaxRobotsSize = 500 << 10

// maxCrawlDelay bounds the Crawl-delay read from a file, so that a value
// such as 1e300 cannot overflow a time.Duration. The crawler applies its
// own, much lower, cap (--max-crawl-delay) on top.
const maxCrawlDelay = 24 * time.Hour

// Robots is what a host's robots.txt says, interpreted the way RFC 9309
// and Google do. It is immutable and safe for concurrent use. A nil
// *Robots allows everything (no robots.txt policy at all).
type Robots struct {
	data        *robotstxt.RobotsData // nil: everything allowed
	agents      map[string]bool       // the product tokens the file has groups for, lower-case
	sitemaps    []string
	unreachable bool
}

// ParseRobots interprets the answer to GET /robots.txt: its final HTTP
// status (after redirects) and body. status 0 means no answer at all
// (DNS failure, refused connection, timeout).
//
//   - 2xx: the body is parsed (github.com/temoto/robotstxt).
//   - 3xx (a redirect the fetcher did not follow to the end), and 4xx
//     other than 429: there is no robots.txt, everything is allowed
//     (RFC 9309 2.3.1.3, Google).
//   - 429, 5xx, 0 and anything else: the host is unreachable (RFC 9309
//     2.3.1.4); Unreachable reports true and Allowed false for every path:
//     the crawler should postpone the host and ask again later. 429 is
//     treated like a server error, as Google does: a host that is rate
//     limiting us has not said "crawl everything".
//
// The body is read leniently, like Google's parser: at most MaxRobotsSize
// bytes; a UTF-8 byte order mark and comments are ignored; keys are
// case-insensitive, the colon may be missing, and the common misspellings
// (useragent, user agent, disalow, dissallow, crawldelay) are understood;
// lines that are not rules (HTML of a soft-404 page, unknown keys) and
// rules before the first User-agent line are ignored; a Crawl-delay that
// is not a non-negative number is ignored. A body that is no text at all
// (it holds NUL bytes, as an image or a UTF-16 file does) allows
// everything, as does a file the library still refuses after this clean
// up: Google treats an unparsable robots.txt as one without rules. A
// gzipped body (a server that compressed without saying so) is inflated.
func ParseRobots(status int, body []byte) *Robots {
	switch {
	case status >= 200 && status < 300:
		return parseRobotsBody(body)
	case status == 429:
		return &Robots{unreachable: true}
	case status >= 300 && status < 500:
		return &Robots{}
	}
	return &Robots{unreachable: true}
}

func parseRobotsBody(body []byte) *Robots {
	if IsGzip(body) {
		body = inflatePrefix(body, MaxRobotsSize+1)
	}
	if len(body) > MaxRobotsSize {
		body = body[:MaxRobotsSize]
		if i := bytes.LastIndexAny(body, "\r\n"); i >= 0 {
			body = body[:i+1]
		}
	}
	if bytes.IndexByte(body, 0) >= 0 {
		return &Robots{}
	}
	clean, agents := cleanRobots(body)
	data, err := robotstxt.FromBytes(clean)
	if err != nil {
		return &Robots{}
	}
	r := &Robots{data: data, agents: agents}
	seen := make(map[string]bool)
	for _, s := range data.Sitemaps {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			r.sitemaps = append(r.sitemaps, s)
		}
	}
	return r
}

// Unreachable reports whether the host did not answer for its robots.txt
// (no answer, 429 or 5xx). The crawler should then postpone every URL of
// the host rather than mark them disallowed, and fetch robots.txt again
// later.
func (r *Robots) Unreachable() bool { return r != nil && r.unreachable }

// Allowed reports whether userAgent may fetch path, which is the path and
// query of the URL as it will be requested (url.URL.RequestURI; "" means
// "/"); an absolute http(s) URL is accepted too and reduced to that.
//
// The group that applies is the one naming userAgent's product token, the
// name before the first "/" ("ytharvest" in "ytharvest/1.0
// (+https://example.org/bot)"), compared case-insensitively and exactly;
// without one, the "*" group; without that, everything is allowed. Among
// the group's rules the longest match wins (github.com/temoto/robotstxt).
// Paths are compared percent-encoded, with non-ASCII rule bytes encoded
// and escapes in upper case on both sides (RFC 9309 2.2.2). /robots.txt
// itself is always allowed. An unreachable host allows nothing.
//
// One quirk of the library: a rule with a wildcard is matched anywhere in
// the path, not only at its start, so "Disallow: /a/*/b" also refuses
// "/x/a/1/b". The error only ever refuses more, never less.
func (r *Robots) Allowed(userAgent, path string) bool {
	if r == nil {
		return true
	}
	if r.unreachable {
		return false
	}
	if r.data == nil {
		return true
	}
	path = requestPath(path)
	if path == "/robots.txt" {
		return true
	}
	return r.data.TestAgent(path, r.agent(userAgent))
}

// CrawlDelay returns the Crawl-delay of the group that applies to
// userAgent (chosen as in Allowed), or 0 when it sets none. It is capped
// at 24 hours; the caller applies its own cap (--max-crawl-delay).
func (r *Robots) CrawlDelay(userAgent string) time.Duration {
	if r == nil || r.data == nil {
		return 0
	}
	d := r.data.FindGroup(r.agent(userAgent)).CrawlDelay
	return min(max(d, 0), maxCrawlDelay)
}

// Sitemaps returns the URLs of the file's Sitemap lines, in file order,
// without duplicates, as written: resolve them against the robots.txt URL
// (some are relative, against the protocol) and normalise them before
// use. They apply to the whole file, whatever the user agent.
func (r *Robots) Sitemaps() []string {
	if r == nil || len(r.sitemaps) == 0 {
		return nil
	}
	return append([]string(nil), r.sitemaps...)
}

// agent returns the name to look the group for userAgent up by: its
// product token when the file has a group for exactly that, else "*".
// The library itself matches group names as prefixes of the agent, so
// without this a "User-agent: y" group would apply to "ytharvest".
func (r *Robots) agent(userAgent string) string {
	if t := productToken(userAgent); t != "" && r.agents[t] {
		return t
	}
	return "*"
}

// productToken returns the lower-case product token that userAgent starts
// with: its leading letters, digits, "_" and "-" (RFC 9309 2.2.1 allows
// letters, "_" and "-"), so "ytharvest" for "YTHarvest/1.0 (+https://...)".
// It is "*" for "*" and "" when userAgent starts with anything else.
func productToken(userAgent string) string {
	s := strings.TrimSpace(userAgent)
	if strings.HasPrefix(s, "*") {
		return "*"
	}
	end := 0
	for end < len(s) && isTokenByte(s[end]) {
		end++
	}
	return strings.ToLower(s[:end])
}

func isTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// requestPath reduces what Allowed is given to the path and query
// compared with the rules.
func requestPath(p string) string {
	if hasPrefixFold(p, "http://") || hasPrefixFold(p, "https://") {
		if u, err := url.Parse(p); err == nil {
			p = u.RequestURI()
		}
	}
	if p == "" {
		p = "/"
	}
	return escapePath(p)
}

// escapePath percent-encodes the bytes of p that a URL carries encoded
// (controls, space, non-ASCII) and upper-cases existing escapes, so that a
// rule and a path written differently compare alike.
func escapePath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c <= ' ' || c >= 0x7f:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// robotsKeys maps the keys of robots.txt lines, lower-cased, to the
// spelling the library understands; keys not here are dropped. The
// misspellings are those Google's parser accepts.
var robotsKeys = map[string]string{
	"user-agent": "user-agent", "useragent": "user-agent", "user agent": "user-agent",
	"allow":    "allow",
	"disallow": "disallow", "dissallow": "disallow", "dissalow": "disallow",
	"disalow": "disallow", "diasllow": "disallow", "disallaw": "disallow",
	"crawl-delay": "crawl-delay", "crawldelay": "crawl-delay", "crawl delay": "crawl-delay",
	"sitemap": "sitemap", "site-map": "sitemap",
}

// noAgent stands for a User-agent line with no usable product token: it
// keeps the line's place in the grouping but never matches an agent.
const noAgent = "?"

// nextRobotsLine splits the first line, comment dropped, off body.
func nextRobotsLine(body []byte) (line, rest []byte) {
	if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
		line, rest = body[:i], body[i+1:]
	} else {
		line = body
	}
	if i := bytes.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	return line, rest
}

// robotsRule normalises the value of a rule of a group (allow, disallow,
// crawl-delay), and reports false for one to drop: a path longer than
// MaxURLLength, a delay that is not a number.
func robotsRule(key, value string) (string, bool) {
	if key == "crawl-delay" {
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return "", false
		}
		return strconv.FormatFloat(min(v, maxCrawlDelay.Seconds()), 'f', -1, 64), true
	}
	value = collapseStars(escapePath(value))
	if len(value) > MaxURLLength {
		return "", false
	}
	if value == "*" {
		// The library trims trailing stars and would be left with an
		// empty rule that matches nothing; "*" matches everything.
		value = "/"
	}
	return value, true
}

// cleanRobots rewrites a robots.txt into the subset the library parses
// without error, one "key: value" per line, and returns the product tokens
// of its groups. The library refuses a whole file for one bad line (a rule
// before any User-agent, a Crawl-delay that is not a number), where Google
// ignores the line: cleaning first gives Google's behaviour. It also
// reduces User-agent values to their product token ("Googlebot/2.1" →
// "googlebot"), keeps only the first word of a value, collapses runs of
// "*" (which would otherwise make long regular expressions), encodes rule
// paths as requestPath encodes paths, drops rules longer than
// MaxURLLength, which can match no URL the crawler fetches, and puts each
// group's Allow rules before its Disallow rules.
func cleanRobots(body []byte) ([]byte, map[string]bool) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	agents := make(map[string]bool)
	var out bytes.Buffer
	write := func(key, value string) {
		out.WriteString(key)
		out.WriteString(": ")
		out.WriteString(value)
		out.WriteByte('\n')
	}
	// The rules of the current group are held back and written Allow
	// first: the library lets the first of equally long matches win, and
	// RFC 9309 (2.2.2) wants the Allow to.
	var allows, others [][2]string
	flush := func() {
		for _, kv := range append(allows, others...) {
			write(kv[0], kv[1])
		}
		allows, others = allows[:0], others[:0]
	}
	inGroup := false
	for len(body) > 0 {
		var line []byte
		line, body = nextRobotsLine(body)
		key, value, ok := splitRobotsLine(string(line))
		if !ok {
			continue
		}
		switch key {
		case "user-agent":
			flush()
			t := productToken(value)
			if t == "" {
				t = noAgent
			} else {
				agents[t] = true
			}
			inGroup = true
			write(key, t)
		case "allow", "disallow", "crawl-delay":
			v, ok := robotsRule(key, value)
			switch {
			case !inGroup || !ok:
			case key == "allow":
				allows = append(allows, [2]string{key, v})
			default:
				others = append(others, [2]string{key, v})
			}
		case "sitemap":
			if value != "" {
				write(key, value)
			}
		}
	}
	flush()
	return out.Bytes(), agents
}

// splitRobotsLine splits a line into its canonical key and the first word
// of its value. A line without a colon may separate key and value by
// white space, as Google allows. ok is false for a line that is no rule.
func splitRobotsLine(line string) (key, value string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" {
		return "", "", false
	}
	k, v, found := strings.Cut(line, ":")
	if !found {
		k, v, found = strings.Cut(line, " ")
		if !found {
			k, v, _ = strings.Cut(line, "\t")
		}
	}
	key, ok = robotsKeys[strings.Join(strings.Fields(strings.ToLower(k)), " ")]
	if !ok {
		return "", "", false
	}
	if f := strings.Fields(v); len(f) > 0 {
		value = f[0]
	}
	return key, value, true
}

// collapseStars replaces each run of "*" in s by one, which matches the same.
func collapseStars(s string) string {
	if !strings.Contains(s, "**") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '*' && i > 0 && s[i-1] == '*' {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
