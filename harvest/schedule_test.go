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
	if at, ok := s.wakeAt(); !ok || !at.Equal(t0.Add(time.Second)) {
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
