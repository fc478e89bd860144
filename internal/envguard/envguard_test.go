package envguard

import (
	"log/slog"
	"testing"
)

func TestValidLevelMatchesSlog(t *testing.T) {
	for _, s := range []string{"debug", "INFO", "Warn", "error", "DEBUG+2", "info-4", "ERROR+", "verbose", "", "trace", "INFO+x", "+1", "warning"} {
		var l slog.Level
		want := l.UnmarshalText([]byte(s)) == nil
		if got := validLevel(s); got != want {
			t.Errorf("validLevel(%q) = %v, want %v (slog)", s, got, want)
		}
	}
}
