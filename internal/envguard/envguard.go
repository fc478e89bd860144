// Package envguard removes environment settings that would crash a
// dependency while it initialises, before it gets the chance.
//
// github.com/kkdai/youtube/v2 reads LOGLEVEL in a package-level variable
// and panics when the value is not a log/slog level name, so a cron
// environment with LOGLEVEL=verbose would kill ytharvest before main runs.
// Go initialises packages in the order of their import paths among those
// whose imports are ready (the spec, since Go 1.21); this package imports
// only os and sorts before github.com/kkdai, so its initialisation runs
// first whenever a program imports both. The module path keeps it so:
// cmd/ytharvest's TestBadLOGLEVEL fails if that ever changes.
package envguard

import (
	"os"
	"strconv"
	"strings"
)

// IgnoredLOGLEVEL is the LOGLEVEL value removed from the environment, or "".
var IgnoredLOGLEVEL = guard()

func guard() string {
	v, ok := os.LookupEnv("LOGLEVEL")
	if !ok || v == "" || validLevel(v) {
		return ""
	}
	os.Unsetenv("LOGLEVEL")
	return v
}

// validLevel reports whether log/slog's Level.UnmarshalText accepts s:
// DEBUG, INFO, WARN or ERROR, any case, optionally followed by +N or -N.
// (Calling slog here would import it and its dependencies; the rule is
// small enough to restate.)
func validLevel(s string) bool {
	name, off := s, ""
	if i := strings.IndexAny(s, "+-"); i >= 0 {
		name, off = s[:i], s[i:]
	}
	switch strings.ToUpper(name) {
	case "DEBUG", "INFO", "WARN", "ERROR":
	default:
		return false
	}
	if off == "" {
		return true
	}
	_, err := strconv.Atoi(off)
	return err == nil
}
