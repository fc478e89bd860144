package youtube

import (
	"context"
	"testing"
	"time"
)

// Two requests in flight through one egress, both blocked: the second
// block arrives while the egress already rests and is no second strike
// (which would bench it for an hour instead of 15 minutes). A block after
// the bench has run out is the next strike.
func TestBenchInFlightBlocks(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	p := &pool{now: func() time.Time { return now }}
	e := &egress{label: "http://127.0.0.1:1"}
	ctx := context.Background()
	p.bench(ctx, e, "HTTP 429")
	until := p.bench(ctx, e, "HTTP 429")
	if e.strikes != 1 || e.blocks != 2 || !until.Equal(now.Add(15*time.Minute)) {
		t.Errorf("after two blocks in flight: strikes %d, blocks %d, benched until %s; want 1, 2, %s",
			e.strikes, e.blocks, until, now.Add(15*time.Minute))
	}
	now = now.Add(16 * time.Minute)
	until = p.bench(ctx, e, "HTTP 429")
	if e.strikes != 2 || !until.Equal(now.Add(time.Hour)) {
		t.Errorf("a block after the bench: strikes %d, benched until %s; want 2, %s", e.strikes, until, now.Add(time.Hour))
	}
}
