package harvest_test

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// memStore is an in-memory RunLog and Frontier with the frontier order of
// the real stores (depth, then each host's pages in the order found, hosts
// taking turns). It records every batch SavePages was given.
type memStore struct {
	mu      sync.Mutex
	pages   map[string]*memPage
	byID    map[int64]*memPage
	hostSeq map[string]int64
	nextID  int64
	runs    []harvest.Run
	batches [][]harvest.PageSave
	failAt  int // SavePages fails on this call (1-based); 0 never
}

type memPage struct {
	harvest.Page
	seq  int64
	refs []harvest.Reference
}

func newMemStore() *memStore {
	return &memStore{pages: map[string]*memPage{}, byID: map[int64]*memPage{}, hostSeq: map[string]int64{}}
}

func (m *memStore) StartRun(_ context.Context, r *harvest.Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.ID = int64(len(m.runs) + 1)
	m.runs = append(m.runs, *r)
	return nil
}

func (m *memStore) FinishRun(_ context.Context, r *harvest.Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs[r.ID-1] = *r
	return nil
}

// add queues u unless known; the caller holds mu.
func (m *memStore) add(p harvest.Page) bool {
	if _, ok := m.pages[p.URL]; ok {
		return false
	}
	u, _ := url.Parse(p.URL)
	p.Host = u.Host
	m.nextID++
	m.hostSeq[p.Host]++
	p.ID, p.State = m.nextID, harvest.PageQueued
	mp := &memPage{Page: p, seq: m.hostSeq[p.Host]}
	m.pages[p.URL], m.byID[p.ID] = mp, mp
	return true
}

func (m *memStore) AddSeeds(_ context.Context, urls []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range urls {
		m.add(harvest.Page{URL: u})
		p := m.pages[u]
		p.Seed, p.Depth, p.State = true, 0, harvest.PageQueued
	}
	return nil
}

func (m *memStore) QueueDue(context.Context, time.Time) (int, error) { return 0, nil }

func (m *memStore) NextPages(_ context.Context, limit, maxDepth int, excludeHosts []string, excludeIDs []int64) ([]harvest.Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ps []*memPage
	for _, p := range m.pages {
		if p.State == harvest.PageQueued && p.Depth <= maxDepth && !slices.Contains(excludeHosts, p.Host) && !slices.Contains(excludeIDs, p.ID) {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b *memPage) int {
		return cmp.Or(cmp.Compare(a.Depth, b.Depth), cmp.Compare(a.seq, b.seq), cmp.Compare(a.ID, b.ID))
	})
	var out []harvest.Page
	for _, p := range ps[:min(limit, len(ps))] {
		out = append(out, p.Page)
	}
	return out, nil
}

func (m *memStore) CountQueued(_ context.Context, maxDepth int) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, p := range m.pages {
		if p.State == harvest.PageQueued && p.Depth <= maxDepth {
			n++
		}
	}
	return n, nil
}

func (m *memStore) SavePages(_ context.Context, batch []harvest.PageSave) ([]harvest.SaveStats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failAt > 0 && len(m.batches)+1 == m.failAt {
		return nil, fmt.Errorf("disk full")
	}
	m.batches = append(m.batches, batch)
	stats := make([]harvest.SaveStats, len(batch))
	for i, s := range batch {
		p := m.byID[s.Page.ID]
		seed, listed, depth, seq := p.Seed, p.Listed, p.Depth, p.seq
		p.Page = *s.Page
		p.Seed, p.Listed, p.Depth, p.seq = seed, listed, depth, seq
		p.refs = append(p.refs, s.Refs...)
		for _, o := range s.Out {
			o.FoundFrom = s.Page.ID
			if m.add(o) {
				stats[i].NewPages++
			}
		}
	}
	return stats, nil
}

// state returns the state of each page, by URL.
func (m *memStore) states() map[string]harvest.PageState {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]harvest.PageState)
	for u, p := range m.pages {
		out[u] = p.State
	}
	return out
}
