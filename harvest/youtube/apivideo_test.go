package youtube

import (
	"testing"
	"time"
)

func TestISODuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT5M12S": 5*time.Minute + 12*time.Second, "PT1H": time.Hour, "P1DT2H": 26 * time.Hour,
		"P0D": 0, "PT0S": 0, "": 0, "5 minutes": 0, "P1W": 7 * 24 * time.Hour, "PT99999999999H": 0,
	} {
		if got := isoDuration(in); got != want {
			t.Errorf("isoDuration(%q) = %v, want %v", in, got, want)
		}
	}
}

// The quota's day starts at midnight in California, PST or PDT; the US
// rule stands in when the time zone database is missing.
func TestPacificDay(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 3, 7, 59, 0, 0, time.UTC), "2026-12-02"}, // 23:59 PST
		{time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC), "2026-12-03"},  // 00:00 PST
		{time.Date(2026, 7, 1, 6, 59, 0, 0, time.UTC), "2026-06-30"},  // 23:59 PDT
		{time.Date(2026, 7, 1, 7, 0, 0, 0, time.UTC), "2026-07-01"},   // 00:00 PDT
	} {
		if got := pacificDay(tc.at); got != tc.want {
			t.Errorf("pacificDay(%v) = %s, want %s", tc.at, got, tc.want)
		}
		if got := tc.at.Add(pacificOffset(tc.at)).Format(time.DateOnly); got != tc.want {
			t.Errorf("US rule at %v: %s, want %s", tc.at, got, tc.want)
		}
	}
	// 2026: daylight time from 8 March 10:00 UTC to 1 November 09:00 UTC.
	for at, want := range map[time.Time]time.Duration{
		time.Date(2026, 3, 8, 9, 59, 0, 0, time.UTC):  -8 * time.Hour,
		time.Date(2026, 3, 8, 10, 0, 0, 0, time.UTC):  -7 * time.Hour,
		time.Date(2026, 11, 1, 8, 59, 0, 0, time.UTC): -7 * time.Hour,
		time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC):  -8 * time.Hour,
	} {
		if got := pacificOffset(at); got != want {
			t.Errorf("pacificOffset(%v) = %v, want %v", at, got, want)
		}
	}
}
