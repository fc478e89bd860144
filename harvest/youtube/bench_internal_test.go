package youtube

import (
	"context"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
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

// The ladder of benches: each block in a row (each after the last bench
// ran out, with no good answer between) rests the egress longer, 15 min,
// 1 h, 6 h, then 6 h again however many more; a good answer starts it
// over at 15 min. The store holds each step, for the next run.
func TestBenchLadder(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	store := &ladderStore{}
	p := &pool{now: func() time.Time { return now }, store: store}
	e := &egress{label: "http://127.0.0.1:1"}
	ctx := context.Background()
	block := func(want time.Duration, strikes int) {
		t.Helper()
		until := p.bench(ctx, e, "HTTP 429")
		if e.strikes != strikes || !until.Equal(now.Add(want)) {
			t.Errorf("block at %s: strikes %d, benched until %s; want %d, %s (%v)", now.Format(time.TimeOnly), e.strikes, until, strikes, now.Add(want), want)
		}
		if st := store.last; st.Strikes != strikes || !st.BenchedUntil.Equal(until) {
			t.Errorf("stored %+v, want strikes %d until %s", st, strikes, until)
		}
		now = until.Add(time.Minute) // the bench runs out; the next request meets the next block
	}
	for i, want := range []time.Duration{15 * time.Minute, time.Hour, 6 * time.Hour, 6 * time.Hour, 6 * time.Hour} {
		block(want, i+1)
	}

	p.ok(ctx, e)
	if err := p.save(ctx, e); err != nil { // as Flush at the run's end
		t.Fatal(err)
	}
	if e.strikes != 0 || store.last.Strikes != 0 {
		t.Errorf("after a good answer: strikes %d, stored %d; want 0", e.strikes, store.last.Strikes)
	}
	block(15*time.Minute, 1)
	block(time.Hour, 2)
}

// ladderStore remembers the last egress state saved.
type ladderStore struct{ last harvest.EgressState }

func (s *ladderStore) LoadEgresses(context.Context, []string) (map[string]harvest.EgressState, error) {
	return nil, nil
}
func (s *ladderStore) SaveEgress(_ context.Context, st harvest.EgressState) error {
	s.last = st
	return nil
}
func (s *ladderStore) SpendQuota(context.Context, string, int) (int, error) { return 0, nil }
func (s *ladderStore) HasMetadata(context.Context, string) (bool, error)    { return false, nil }
