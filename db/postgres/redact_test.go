package postgres

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://u:secret@db:5432/h", "postgres://u:xxxxx@db:5432/h"},
		{"postgres://u:p%40ss%3Aw0rd@db/h?sslmode=disable", "postgres://u:xxxxx@db/h?sslmode=disable"},
		{"postgres://u@db/h?password=secret&sslmode=disable", "postgres://u@db/h?password=xxxxx&sslmode=disable"},
		{"postgres://db/h", "postgres://db/h"},
		{"postgres://u:secret@db:bad port/h", "(a postgres:// URL that does not parse)"},
	} {
		got := Redact(tc.dsn)
		if got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
		if strings.Contains(got, "secret") || strings.Contains(got, "p%40ss") {
			t.Errorf("Redact(%q) shows the password: %q", tc.dsn, got)
		}
	}
}
