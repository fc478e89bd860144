package harvest

import (
	"sync/atomic"
	"time"
)

// scheduler holds the pages claimed from the frontier until their host may
// be asked again: at most perHost requests in flight per host, and at
// least delay between the starts of two requests to one host. It hands
// out pages round-robin over the hosts that are ready, so one slow or
// delayed host does not hold up the others. A fetch that a redirect takes
// to another host waits for that host's turn too, ahead of its pages
// (wait). It is not safe for concurrent use; the crawl loop owns it.
type scheduler struct {
	delay   time.Duration
	perHost int
	delays  map[string]time.Duration // hosts that asked for a longer delay (Crawl-delay)
	hosts   map[string]*hostSlot
	order   []string // hosts in round-robin order
	turn    int      // index in order where the next search starts
	held    int      // pages held, over all hosts
	waiting int      // redirected fetches waiting, over all hosts
}

type hostSlot struct {
	pages    []Page
	waiters  []*hopWait // redirected fetches waiting for a turn, first come first served
	inflight int
	next     time.Time // earliest start of the next request
}

// hopWait is a fetch that a redirect took to another host, waiting for
// that host's turn. Its state is settled once, by whichever comes first:
// the crawl loop grants or refuses the turn, or the fetch gives up (its
// context ended), and a turn granted to a fetch that gave up is not
// taken.
type hopWait struct {
	state atomic.Int32  // hopWaiting, then one of the others
	ready chan struct{} // closed when the turn is granted or refused
}

const (
	hopWaiting int32 = iota
	hopGranted
	hopRefused // the host is closed for this run (see crawler.pace)
	hopAbandoned
)

func newHopWait() *hopWait { return &hopWait{ready: make(chan struct{})} }

// settle moves w from waiting to state, and reports whether it did (false:
// it was settled before).
func (w *hopWait) settle(state int32) bool {
	if !w.state.CompareAndSwap(hopWaiting, state) {
		return false
	}
	if state != hopAbandoned {
		close(w.ready)
	}
	return true
}

func newScheduler(delay time.Duration, perHost int) *scheduler {
	return &scheduler{delay: delay, perHost: max(perHost, 1), hosts: make(map[string]*hostSlot),
		delays: make(map[string]time.Duration)}
}

// add holds p until its host is ready.
func (s *scheduler) add(p Page) {
	h := s.slot(p.Host)
	h.pages = append(h.pages, p)
	s.held++
}

// slot returns the state of host, made when the host is new.
func (s *scheduler) slot(host string) *hostSlot {
	h, ok := s.hosts[host]
	if !ok {
		h = &hostSlot{}
		s.hosts[host] = h
		s.order = append(s.order, host)
	}
	return h
}

// wait holds w, a fetch redirected to host, until the host is ready: grant
// lets it through ahead of the host's pages.
func (s *scheduler) wait(host string, w *hopWait) {
	h := s.slot(host)
	h.waiters = append(h.waiters, w)
	s.waiting++
}

// grant lets the redirected fetches waiting for a host ready at now
// through, and counts them in flight.
func (s *scheduler) grant(now time.Time) {
	for name, h := range s.hosts {
		for len(h.waiters) > 0 && h.inflight < s.perHost && !now.Before(h.next) {
			w := h.waiters[0]
			h.waiters = h.waiters[1:]
			s.waiting--
			if !w.settle(hopGranted) {
				continue // it gave up waiting
			}
			h.inflight++
			h.next = now.Add(max(s.delay, s.delays[name]))
		}
		if s.idle(h, now) {
			s.forget(name)
		}
	}
}

// idle reports whether host state h holds nothing and waits for nothing.
func (s *scheduler) idle(h *hostSlot, now time.Time) bool {
	return len(h.pages) == 0 && len(h.waiters) == 0 && h.inflight == 0 && !now.Before(h.next)
}

// next returns a held page whose host is ready at now, and counts it in
// flight.
func (s *scheduler) next(now time.Time) (Page, bool) {
	for i := range s.order {
		name := s.order[(s.turn+i)%len(s.order)]
		h := s.hosts[name]
		if len(h.pages) == 0 || len(h.waiters) > 0 || h.inflight >= s.perHost || now.Before(h.next) {
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
	if s.idle(h, now) {
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
// that depends only on time (not on a request finishing); with waiters,
// the earliest a host that redirected fetches wait for does.
func (s *scheduler) wakeAt(waiters bool) (time.Time, bool) {
	var at time.Time
	found := false
	if waiters && s.waiting == 0 {
		return at, false
	}
	for _, h := range s.hosts {
		if waiters && len(h.waiters) == 0 || !waiters && len(h.pages) == 0 || h.inflight >= s.perHost {
			continue
		}
		if !found || h.next.Before(at) {
			at, found = h.next, true
		}
	}
	return at, found
}

// drop forgets the pages held for host, whose turn is put off to a later
// run (they are still queued in the database), and refuses the fetches
// redirected there.
func (s *scheduler) drop(host string) {
	h, ok := s.hosts[host]
	if !ok {
		return
	}
	s.held -= len(h.pages)
	h.pages = nil
	for _, w := range h.waiters {
		w.settle(hopRefused)
	}
	s.waiting -= len(h.waiters)
	h.waiters = nil
	if h.inflight == 0 {
		s.forget(host)
	}
}
