package extract

import (
	"net/url"
	"strings"
)

// maxStartSeconds bounds a parsed start time. Nothing on YouTube is longer
// than a few days; the bound keeps absurd inputs from overflowing an int.
const maxStartSeconds = 30 * 24 * 3600

// startSeconds returns where a video URL asks playback to start: the embed
// parameter start=, the watch and share parameter t=, the older
// time_continue=, or t= in the fragment (#t=90), in that order. It returns
// 0 when none is present or none parses.
func startSeconds(u *url.URL) int {
	for _, key := range [...]string{"start", "t", "time_continue"} {
		if v, ok := queryParam(u.RawQuery, key); ok {
			if n, ok := parseTimestamp(v); ok {
				return n
			}
		}
	}
	if v, ok := queryParam(u.Fragment, "t"); ok {
		if n, ok := parseTimestamp(v); ok {
			return n
		}
	}
	return 0
}

// parseTimestamp parses the time forms YouTube links carry: "90", "90s",
// "1h2m3s", "2m", "1m30" (a trailing bare number counts as seconds) and
// "12.5" (fractions are dropped).
func parseTimestamp(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	total, n, digits := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if digits >= 8 { // more than maxStartSeconds in any unit
				return 0, false
			}
			n = n*10 + int(c-'0')
			digits++
		case c == '.':
			// A fraction of a second: skip its digits, then expect the end
			// or an "s".
			j := i + 1
			for j < len(s) && '0' <= s[j] && s[j] <= '9' {
				j++
			}
			if digits == 0 || (j < len(s) && !(s[j] == 's' && j == len(s)-1)) {
				return 0, false
			}
			i = j
			total += n
			n, digits = 0, 0
		case c == 'h' || c == 'm' || c == 's':
			if digits == 0 {
				return 0, false
			}
			unit := 1
			switch c {
			case 'h':
				unit = 3600
			case 'm':
				unit = 60
			}
			total += n * unit
			n, digits = 0, 0
		default:
			return 0, false
		}
		if total > maxStartSeconds {
			return 0, false
		}
	}
	total += n
	if total > maxStartSeconds {
		return 0, false
	}
	return total, true
}
