package web

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Every query parameter is checked here before it reaches the store: a
// page names the parameters it takes, and a request with any other, a
// repeated one, or a value out of shape is answered 400 with what was
// wrong. Values are only ever passed to the store as values.

// params reads a request's query against the names a page takes.
type params struct {
	q   url.Values
	err error
}

// readParams refuses parameters not in allowed and repeated ones.
func readParams(u *url.URL, allowed ...string) *params {
	q, err := url.ParseQuery(u.RawQuery)
	p := &params{q: q}
	if err != nil {
		p.err = errBadRequest("the query string cannot be read: %v", err)
		return p
	}
	for name, vs := range q {
		if !slices.Contains(allowed, name) {
			p.fail("unknown parameter %q (this page takes %s)", clip(name), strings.Join(allowed, ", "))
			return p
		}
		if len(vs) > 1 {
			p.fail("parameter %q is given %d times", name, len(vs))
			return p
		}
	}
	return p
}

func (p *params) fail(format string, args ...any) {
	if p.err == nil {
		p.err = errBadRequest(format, args...)
	}
}

// str returns the value of name, or "" when absent or empty; a value
// longer than max runes, not UTF-8, or holding control characters is
// refused.
func (p *params) str(name string, max int) string {
	v := strings.TrimSpace(p.q.Get(name))
	switch {
	case !utf8.ValidString(v):
		p.fail("%s is not valid UTF-8", name)
		return ""
	case utf8.RuneCountInString(v) > max:
		p.fail("%s is longer than %d characters", name, max)
		return ""
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		p.fail("%s holds control characters", name)
		return ""
	}
	return v
}

// match returns the value of name when re matches it whole.
func (p *params) match(name string, re *regexp.Regexp, what string) string {
	v := p.str(name, 300)
	if v != "" && !re.MatchString(v) {
		p.fail("%s %q is not %s", name, clip(v), what)
		return ""
	}
	return v
}

// oneOf returns the value of name when it is one of choices ("" when
// absent).
func (p *params) oneOf(name string, choices []string) string {
	v := p.str(name, 100)
	if v != "" && !slices.Contains(choices, v) {
		p.fail("%s %q is not one of %s", name, clip(v), strings.Join(choices, ", "))
		return ""
	}
	return v
}

// page returns the 1-based page number (1 when absent), at most max.
func (p *params) page(max int) int {
	v := p.str("page", 10)
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		p.fail("page %q is not a number from 1 to %d", clip(v), max)
		return 1
	}
	return n
}

// date returns the day name gives (YYYY-MM-DD), at midnight UTC.
func (p *params) date(name string) time.Time {
	v := p.str(name, 10)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		p.fail("%s %q is not a date such as 2026-11-01", name, clip(v))
		return time.Time{}
	}
	return t
}

// clip shortens a value quoted back in an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:60]) + "…"
}

var videoIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)

// The two long patterns are compiled on first use: their bounded
// repetitions (of Unicode classes) make programs of megabytes, which every
// command of the binary (this package is linked into all) would otherwise
// build at start-up.
var (
	// channelPattern covers UC… IDs and the @handle, c/NAME and user/NAME
	// forms a channel known only from references has.
	channelPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(UC[A-Za-z0-9_-]{22}|@[\pL\pN._-]{1,100}|(c|user)/[\pL\pN._-]{1,100})$`)
	})
	hostPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$|^\[[0-9a-f:.]{2,45}\](:[0-9]{1,5})?$`)
	})
)

// statuses are the videos.status values, for the filter.
var statuses = []string{"ok", "pending", "private", "removed", "age_restricted", "unplayable", "live_upcoming", "blocked", "error"}

// maxPage bounds page numbers: past it, the filters are the way in.
const maxPage = 10_000
