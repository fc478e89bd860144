package harvest

import (
	"testing"
	"time"
)

func TestSchedulerPoliteness(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	s := newScheduler(time.Second, 1)
	for i := range 3 {
		s.add(Page{ID: int64(i + 1), Host: "a.test"})
	}
	s.add(Page{ID: 10, Host: "b.test"})

	// One request per host at a time; hosts take turns.
	p1, ok1 := s.next(t0)
	p2, ok2 := s.next(t0)
	if !ok1 || !ok2 || p1.Host == p2.Host {
		t.Fatalf("first two pages: %v %v, %v %v; want one of each host", p1, ok1, p2, ok2)
	}
	if _, ok := s.next(t0); ok {
		t.Fatal("a third page went out while both hosts had a request in flight")
	}
	// a.test's request ends at once, but its next may start only 1s after the last started.
	s.done("a.test", t0.Add(100*time.Millisecond), 0)
	if _, ok := s.next(t0.Add(500 * time.Millisecond)); ok {
		t.Fatal("a.test was asked again within its delay")
	}
	if at, ok := s.wakeAt(false); !ok || !at.Equal(t0.Add(time.Second)) {
		t.Errorf("wakeAt = %v, %v; want %v", at, ok, t0.Add(time.Second))
	}
	p, ok := s.next(t0.Add(time.Second))
	if !ok || p.Host != "a.test" || p.ID != 2 {
		t.Fatalf("after the delay: %v %v; want a.test page 2", p, ok)
	}
	// Retry-After pushes the host back further than the delay.
	s.done("a.test", t0.Add(1100*time.Millisecond), 30*time.Second)
	if _, ok := s.next(t0.Add(5 * time.Second)); ok {
		t.Fatal("a.test was asked again before its Retry-After")
	}
	if p, ok := s.next(t0.Add(32 * time.Second)); !ok || p.ID != 3 {
		t.Fatalf("after Retry-After: %v %v", p, ok)
	}
	// Idle hosts are forgotten.
	s.done("a.test", t0.Add(40*time.Second), 0)
	s.done("b.test", t0.Add(40*time.Second), 0)
	if len(s.hosts) != 0 || len(s.order) != 0 || s.held != 0 {
		t.Errorf("after all done: hosts %v order %v held %d", s.hosts, s.order, s.held)
	}
}

func TestSchedulerNoDelayManyPerHost(t *testing.T) {
	t0 := time.Now()
	s := newScheduler(0, 3)
	for i := range 5 {
		s.add(Page{ID: int64(i), Host: "a.test"})
	}
	n := 0
	for {
		if _, ok := s.next(t0); !ok {
			break
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d pages went out at once, want 3 (host concurrency)", n)
	}
	if s.held != 2 {
		t.Errorf("%d pages held, want 2", s.held)
	}
}

// A fetch redirected to another host waits for that host's turn, ahead of
// the host's own pages; one that gave up takes no turn; a dropped host
// refuses its waiters.
func TestSchedulerRedirectWaits(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	s := newScheduler(time.Second, 1)
	s.add(Page{ID: 1, Host: "b.test"})
	s.add(Page{ID: 2, Host: "b.test"})
	if p, ok := s.next(t0); !ok || p.ID != 1 {
		t.Fatalf("first page: %v %v", p, ok)
	}
	gaveUp, w := newHopWait(), newHopWait()
	s.wait("b.test", gaveUp)
	s.wait("b.test", w)
	if !gaveUp.settle(hopAbandoned) {
		t.Fatal("a waiting fetch could not give up")
	}
	s.done("b.test", t0.Add(200*time.Millisecond), 0)
	s.grant(t0.Add(500 * time.Millisecond))
	if w.state.Load() != hopWaiting {
		t.Fatal("a redirect was let through within the host's delay")
	}
	if at, ok := s.wakeAt(true); !ok || !at.Equal(t0.Add(time.Second)) {
		t.Errorf("wakeAt(waiters) = %v, %v; want %v", at, ok, t0.Add(time.Second))
	}
	if _, ok := s.next(t0.Add(time.Second)); ok {
		t.Fatal("a page of the host went out ahead of the redirect waiting for it")
	}
	s.grant(t0.Add(time.Second))
	select {
	case <-w.ready:
	default:
		t.Fatal("the redirect was not let through when the host was ready")
	}
	if w.state.Load() != hopGranted || gaveUp.state.Load() != hopAbandoned {
		t.Fatalf("states: %d %d", w.state.Load(), gaveUp.state.Load())
	}
	if _, ok := s.next(t0.Add(1500 * time.Millisecond)); ok {
		t.Fatal("the host's page went out while the redirected fetch held its turn")
	}
	s.done("b.test", t0.Add(1200*time.Millisecond), 0)
	if p, ok := s.next(t0.Add(2 * time.Second)); !ok || p.ID != 2 {
		t.Fatalf("after the redirect: %v %v; want page 2", p, ok)
	}

	// Dropping a host refuses the fetches that wait for it.
	refused := newHopWait()
	s.wait("b.test", refused)
	s.drop("b.test")
	if refused.state.Load() != hopRefused || s.waiting != 0 {
		t.Errorf("after drop: state %d, %d waiting", refused.state.Load(), s.waiting)
	}
	s.done("b.test", t0.Add(3*time.Second), 0)
	if len(s.hosts) != 0 || s.held != 0 {
		t.Errorf("hosts %v held %d after all done", s.hosts, s.held)
	}
}
