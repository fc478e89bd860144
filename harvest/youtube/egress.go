package youtube

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// Store keeps what a Source must remember from one run to the next: the
// egresses' benches and counts, and the Data API units spent per
// Pacific-time day. db.DB implements it. A Source without one remembers
// nothing beyond its run.
type Store interface {
	// LoadEgresses returns the stored state of the egresses with these
	// labels; an egress never seen before has none.
	LoadEgresses(ctx context.Context, labels []string) (map[string]harvest.EgressState, error)
	// SaveEgress records s.Strikes, s.BenchedUntil and s.LastBlock (when
	// set) and adds s.Requests and s.Blocks to the stored counts.
	SaveEgress(ctx context.Context, s harvest.EgressState) error
	// SpendQuota adds units to the Data API units spent on day (a
	// Pacific-time date, 2006-01-02) and returns the day's total; units 0
	// only reads it.
	SpendQuota(ctx context.Context, day string, units int) (int, error)
	// HasMetadata reports whether the video has a title stored, from
	// whatever source.
	HasMetadata(ctx context.Context, id string) (bool, error)
}

// Benches: an egress YouTube blocks rests for the first of these, a
// second block in a row (no good answer between) the second, and so on.
// A block is YouTube's judgement of an address; it lifts in minutes to
// hours, and asking sooner only makes it last.
var benches = []time.Duration{15 * time.Minute, time.Hour, 6 * time.Hour}

func benchFor(strikes int) time.Duration {
	return benches[min(max(strikes, 1), len(benches))-1]
}

// egress is one way out to YouTube: direct (or HTTPS_PROXY), or one
// proxy. Each has its own transport chain, rate limit, visitor id and
// bench.
type egress struct {
	label    string
	hc       *http.Client
	lim      *limiter // nil: no rate limit
	inflight atomic.Int32
	requests atomic.Int64 // sent this run

	mu           sync.Mutex
	benchedUntil time.Time
	strikes      int
	lastBlock    string
	savedReqs    int64     // requests already added to the store
	blocks       int64     // met this run, not yet added to the store
	dirty        bool      // strikes changed since the last save
	savedAt      time.Time // when the counts were last saved (zero: not yet this run)

	vmu       sync.Mutex
	visitor   string
	visitorOK bool // the visitor id was asked for this run (found or not)

	kk chan *client // kkdai's client for playlists and get_transcript, one user at a time
}

// benched reports whether e rests at now, and until when.
func (e *egress) benched(now time.Time) (bool, time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return now.Before(e.benchedUntil), e.benchedUntil
}

// countTransport counts the requests that go out through an egress.
type countTransport struct {
	e    *egress
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *countTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.e.requests.Add(1)
	t.e.inflight.Add(1)
	defer t.e.inflight.Add(-1)
	return t.next.RoundTrip(req)
}

// pool is a Source's egresses.
type pool struct {
	all   []*egress
	store Store
	now   func() time.Time

	loadOnce sync.Once
	loadErr  error
}

// load reads the egresses' benches from the store, once.
func (p *pool) load(ctx context.Context) error {
	p.loadOnce.Do(func() {
		if p.store == nil {
			return
		}
		labels := make([]string, len(p.all))
		for i, e := range p.all {
			labels[i] = e.label
		}
		states, err := p.store.LoadEgresses(ctx, labels)
		if err != nil {
			p.loadErr = err
			return
		}
		for _, e := range p.all {
			if st, ok := states[e.label]; ok {
				e.benchedUntil, e.strikes, e.lastBlock = st.BenchedUntil, st.Strikes, st.LastBlock
			}
		}
	})
	return p.loadErr
}

// pick returns the egress to use now: of those not benched (all of them
// when any is true), the one whose next rate slot comes first, then the
// one with fewest requests in flight, then the one that sent fewest this
// run, so that work is spread over the egresses that are up. Nil when
// every egress is benched.
func (p *pool) pick(any bool) *egress {
	now := p.now()
	var best *egress
	var bestSlot time.Time
	for _, e := range p.all {
		if b, _ := e.benched(now); b && !any {
			continue
		}
		slot := now
		if e.lim != nil {
			slot = e.lim.nextSlot(now)
		}
		if best == nil || slot.Before(bestSlot) || slot.Equal(bestSlot) && less(e, best) {
			best, bestSlot = e, slot
		}
	}
	return best
}

// less orders two egresses whose next slots are the same.
func less(a, b *egress) bool {
	if ia, ib := a.inflight.Load(), b.inflight.Load(); ia != ib {
		return ia < ib
	}
	return a.requests.Load() < b.requests.Load()
}

// up counts the egresses not benched now.
func (p *pool) up() int {
	n := 0
	for _, e := range p.all {
		if b, _ := e.benched(p.now()); !b {
			n++
		}
	}
	return n
}

// bench rests e after a block, for longer each block in a row, and saves
// that at once so that the next run (a cron job's next hour) skips it
// too. It returns until when. A block met while e already rests — an
// answer to a request sent before the bench began — is counted but is no
// new strike: one burst of blocks is one strike, not a longer bench.
func (p *pool) bench(ctx context.Context, e *egress, reason string) time.Time {
	now := p.now()
	e.mu.Lock()
	if !now.Before(e.benchedUntil) {
		e.strikes++
		e.benchedUntil = now.Add(benchFor(e.strikes))
	}
	e.lastBlock = reason
	e.blocks++
	e.dirty = true
	until := e.benchedUntil
	e.mu.Unlock()
	p.save(ctx, e)
	return until
}

// saveEvery is how often an egress's counts are saved while answers come
// through it: a run that is killed (SIGKILL, a power cut) before its end
// saves them loses at most that much of them.
const saveEvery = time.Minute

// ok notes a good answer through e: its next block starts the benches
// over. The counts are saved when the last save is saveEvery old; a store
// error is left to the run's final save (flush) to report.
func (p *pool) ok(ctx context.Context, e *egress) {
	e.mu.Lock()
	if e.strikes > 0 {
		e.strikes, e.dirty = 0, true
	}
	due := p.now().Sub(e.savedAt) >= saveEvery
	e.mu.Unlock()
	if due {
		p.save(ctx, e)
	}
}

// save writes what changed of e to the store. A store error is not the
// run's: the bench holds for this run whatever happens, and is logged by
// the caller's next save at worst.
func (p *pool) save(ctx context.Context, e *egress) error {
	if p.store == nil {
		return nil
	}
	e.mu.Lock()
	reqs := e.requests.Load()
	st := harvest.EgressState{Label: e.label, Requests: reqs - e.savedReqs, Blocks: e.blocks,
		Strikes: e.strikes, BenchedUntil: e.benchedUntil, LastBlock: e.lastBlock}
	if e.blocks > 0 {
		st.LastBlockAt = p.now()
	}
	dirty := e.dirty || st.Requests > 0 || st.Blocks > 0
	e.mu.Unlock()
	if !dirty {
		return nil
	}
	if err := p.store.SaveEgress(context.WithoutCancel(ctx), st); err != nil {
		return err
	}
	e.mu.Lock()
	e.savedReqs += st.Requests
	e.blocks -= st.Blocks
	e.dirty = false
	e.savedAt = p.now()
	e.mu.Unlock()
	return nil
}

// flush saves every egress's counts.
func (p *pool) flush(ctx context.Context) error {
	var first error
	for _, e := range p.all {
		if err := p.save(ctx, e); err != nil && first == nil {
			first = err
		}
	}
	return first
}
