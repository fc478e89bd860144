package postgres

import (
	"io"
	"log/slog"
	"time"
)

// How Go values are stored: zero times, empty strings and zero counts as
// NULL, as the SQLite store does.

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// timeOf reads a nullable timestamptz.
func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// quietLogger is River's logger where it has nothing to tell the user:
// warnings and errors go to standard error.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
