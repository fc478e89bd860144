package harvest

import "time"

// scheduler holds the pages claimed from the frontier until their host may
// be asked again: at most perHost requests in flight per host, and at
// least delay between the starts of two requests to one host. It hands
// out pages round-robin over the hosts that are ready, so one slow or
// delayed host does not hold up the others. It is not safe for concurrent
// use; the crawl loop owns it.
type scheduler struct {
	delay   time.Duration
	perHost int
	delays  map[string]time.Duration // hosts that asked for a longer delay (Crawl-delay)
	hosts   map[string]*hostSlot
	order   []string // hosts in round-robin order
	turn    int      // index in order where the next search starts
	held    int      // pages held, over all hosts
}

type hostSlot struct {
	pages    []Page
	inflight int
	next     time.Time // earliest start of the next request
}

func newScheduler(delay time.Duration, perHost int) *scheduler {
	return &scheduler{delay: delay, perHost: max(perHost, 1), hosts: make(map[string]*hostSlot),
		delays: make(map[string]time.Duration)}
}

// add holds p until its host is ready.
func (s *scheduler) add(p Page) {
	h, ok := s.hosts[p.Host]
	if !ok {
		h = &hostSlot{}
		s.hosts[p.Host] = h
		s.order = append(s.order, p.Host)
	}
	h.pages = append(h.pages, p)
	s.held++
}

// next returns a held page whose host is ready at now, and counts it in
// flight.
func (s *scheduler) next(now time.Time) (Page, bool) {
	for i := range s.order {
		name := s.order[(s.turn+i)%len(s.order)]
		h := s.hosts[name]
		if len(h.pages) == 0 || h.inflight >= s.perHost || now.Before(h.next) {
			continue
		}
		p := h.pages[0]
		h.pages = h.pages[1:]
		h.inflight++
		h.next = now.Add(max(s.delay, s.delays[name]))
		s.held--
		s.turn = (s.turn + i + 1) % len(s.order)
		return p, true
	}
	return Page{}, false
}

// done records the end of a request to host. A wait (from Retry-After or
// a crawl delay) pushes the host's next start back.
func (s *scheduler) done(host string, now time.Time, wait time.Duration) {
	h, ok := s.hosts[host]
	if !ok {
		return
	}
	h.inflight--
	if t := now.Add(wait); wait > 0 && t.After(h.next) {
		h.next = t
	}
	if len(h.pages) == 0 && h.inflight == 0 && !now.Before(h.next) {
		s.forget(host)
	}
}

// setDelay makes host's requests at least d apart, when that is longer
// than the scheduler's delay (a robots.txt Crawl-delay). It lasts for the
// run, even while the host is idle.
func (s *scheduler) setDelay(host string, d time.Duration) {
	if d <= s.delay || d <= s.delays[host] {
		return
	}
	s.delays[host] = d
	if h, ok := s.hosts[host]; ok && h.inflight > 0 {
		// The request in flight started at most now; space the next from it.
		h.next = h.next.Add(d - s.delay)
	}
}

// forget drops an idle host, so the map does not grow with every host the
// run ever saw.
func (s *scheduler) forget(host string) {
	delete(s.hosts, host)
	for i, name := range s.order {
		if name == host {
			s.order = append(s.order[:i], s.order[i+1:]...)
			if s.turn > i {
				s.turn--
			}
			break
		}
	}
	if len(s.order) == 0 {
		s.turn = 0
	} else {
		s.turn %= len(s.order)
	}
}

// wakeAt returns the earliest time a held page's host becomes ready, when
// that depends only on time (not on a request finishing).
func (s *scheduler) wakeAt() (time.Time, bool) {
	var at time.Time
	found := false
	for _, h := range s.hosts {
		if len(h.pages) == 0 || h.inflight >= s.perHost {
			continue
		}
		if !found || h.next.Before(at) {
			at, found = h.next, true
		}
	}
	return at, found
}

// drop forgets the pages held for host, whose turn is put off to a later
// run (they are still queued in the database).
func (s *scheduler) drop(host string) {
	h, ok := s.hosts[host]
	if !ok {
		return
	}
	s.held -= len(h.pages)
	h.pages = nil
	if h.inflight == 0 {
		s.forget(host)
	}
}
