package crawl

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

type memRobots struct {
	mu   sync.Mutex
	rows map[string]memRow
}

type memRow struct {
	status int
	body   []byte
	at     time.Time
}

func (m *memRobots) LoadRobots(_ context.Context, host string) (harvest.RobotsFile, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[host]
	return harvest.RobotsFile{Status: r.status, Body: r.body, FetchedAt: r.at}, ok, nil
}

func (m *memRobots) SaveRobots(_ context.Context, host string, f harvest.RobotsFile) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows[host] = memRow{f.Status, f.Body, f.FetchedAt}
	return nil
}

func TestRobotsPolicy(t *testing.T) {
	var fetches atomic.Int32
	status := atomic.Int32{}
	status.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		w.WriteHeader(int(status.Load()))
		w.Write([]byte("User-agent: *\nDisallow: /private\nCrawl-delay: 2\nSitemap: /sitemap.xml\n"))
	}))
	defer srv.Close()
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	store := &memRobots{rows: map[string]memRow{}}
	newPolicy := func() *RobotsPolicy {
		return NewRobotsPolicy(srv.Client(), "ytharvest/1 (+x)", store, func() time.Time { return *clock.Load() })
	}
	ctx := context.Background()

	// Concurrent checks of one host fetch its robots.txt once.
	p := newPolicy()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if ok, d, err := p.Check(ctx, srv.URL+"/public"); !ok || d != 2*time.Second || err != nil {
				t.Errorf("Check(/public) = %v %v %v", ok, d, err)
			}
		})
	}
	wg.Wait()
	if ok, _, _ := p.Check(ctx, srv.URL+"/private/x?y"); ok {
		t.Error("a disallowed path was allowed")
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d robots.txt fetches, want 1", n)
	}
	maps, err := p.Sitemaps(ctx, srv.URL+"/")
	if err != nil || len(maps) != 1 || maps[0] != srv.URL+"/sitemap.xml" {
		t.Errorf("Sitemaps = %v, %v", maps, err)
	}

	// The next run within a day reads the stored copy.
	newPolicy().Check(ctx, srv.URL+"/")
	if n := fetches.Load(); n != 1 {
		t.Errorf("a second run within a day fetched robots.txt again (%d fetches)", n)
	}
	// A day later it is fetched again; a 503 then keeps the good old copy.
	later := now.Add(25 * time.Hour)
	clock.Store(&later)
	status.Store(503)
	if ok, _, err := newPolicy().Check(ctx, srv.URL+"/private"); ok || err != nil {
		t.Errorf("with a 503 and a good old copy: %v, %v; want the old rules", ok, err)
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}

	// Without an old copy a 503 postpones the host, and is not trusted next time.
	store.rows = map[string]memRow{}
	if _, _, err := newPolicy().Check(ctx, srv.URL+"/"); !errors.Is(err, harvest.ErrUnreachable) {
		t.Errorf("503 without an old copy: %v, want ErrUnreachable", err)
	}
	status.Store(404)
	if ok, _, err := newPolicy().Check(ctx, srv.URL+"/private"); !ok || err != nil {
		t.Errorf("after the 503 a 404 was not fetched: %v %v", ok, err)
	}

	// No answer at all: robots.txt does not stand in the way; the page
	// fetch will report the failure.
	srv.Close()
	store.rows = map[string]memRow{}
	if ok, _, err := newPolicy().Check(ctx, srv.URL+"/"); !ok || err != nil {
		t.Errorf("unreachable server: %v %v; want allowed", ok, err)
	}
}

// failingRobots is a store whose loads wait for release and then fail.
type failingRobots struct {
	memRobots
	loads   atomic.Int32
	release chan struct{}
}

func (f *failingRobots) LoadRobots(ctx context.Context, host string) (harvest.RobotsFile, bool, error) {
	f.loads.Add(1)
	<-f.release
	return harvest.RobotsFile{}, false, errors.New("disk I/O error")
}

// When the load of a host's robots.txt fails, the callers that were
// waiting for it get the error too, never a nil policy that allows
// everything; a later caller tries again.
func TestRobotsPolicyLoadFailureReachesWaiters(t *testing.T) {
	store := &failingRobots{memRobots: memRobots{rows: map[string]memRow{}}, release: make(chan struct{})}
	p := NewRobotsPolicy(http.DefaultClient, "ytharvest/1", store, nil)
	ctx := context.Background()
	type answer struct {
		allowed bool
		err     error
	}
	answers := make(chan answer, 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			ok, _, err := p.Check(ctx, "http://site.test/private")
			answers <- answer{ok, err}
		})
	}
	for store.loads.Load() == 0 { // the first caller is loading; let the others queue behind it
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(store.release)
	wg.Wait()
	close(answers)
	for a := range answers {
		if a.err == nil || a.allowed {
			t.Errorf("Check during a failed load = %v, %v; want the error, not allowed", a.allowed, a.err)
		}
	}
	before := store.loads.Load()
	if _, _, err := p.Check(ctx, "http://site.test/private"); err == nil || store.loads.Load() != before+1 {
		t.Errorf("a later Check did not try again: %v, loads %d -> %d", err, before, store.loads.Load())
	}
}
