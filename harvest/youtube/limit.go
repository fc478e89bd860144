package youtube

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// jitter is the largest random share of the interval added to each gap
// between requests, so that our requests do not tick like a metronome.
const jitter = 0.2

// limiter spaces requests at least 1/rate apart, plus up to 20% jitter,
// across every request through one egress of a Source. Each request reserves the next free
// slot and waits for it, so requests go out in the order they arrived.
// (golang.org/x/time/rate would do, but a slot schedule is a few lines
// and keeps go.mod unchanged.)
type limiter struct {
	interval time.Duration
	now      func() time.Time
	rand     func() float64 // in [0, 1)

	mu   sync.Mutex
	next time.Time // the earliest time the next request may go
}

func newLimiter(rate float64, now func() time.Time) *limiter {
	return &limiter{
		interval: time.Duration(float64(time.Second) / rate),
		now:      now,
		rand:     rand.Float64,
	}
}

// reserve returns how long the caller must wait for its slot.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	slot := l.next
	if slot.Before(now) {
		slot = now
	}
	gap := l.interval + time.Duration(jitter*l.rand()*float64(l.interval))
	l.next = slot.Add(gap)
	return slot.Sub(now)
}

// nextSlot is when a request asked for now would go out.
func (l *limiter) nextSlot(now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.next.Before(now) {
		return now
	}
	return l.next
}

// wait blocks until the caller's slot comes or ctx ends. A slot given up
// on is not handed back: the pause it leaves errs on the side of fewer
// requests.
func (l *limiter) wait(ctx context.Context) error {
	d := l.reserve()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxWait bounds how long a request can wait for its slot when at most n
// requests compete (each kkdai Client has one request in flight at most).
func (l *limiter) maxWait(n int) time.Duration {
	return time.Duration(float64(n) * (1 + jitter) * float64(l.interval))
}

// limitTransport waits for a limiter slot before each request.
type limitTransport struct {
	lim  *limiter
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.lim.wait(req.Context()); err != nil {
		closeBody(req)
		return nil, err
	}
	return t.next.RoundTrip(req)
}

// deadlineTransport bounds each HTTP exchange, from the time it leaves the
// limiter until its body is closed. kkdai's visitor-id request carries no
// context, so this (and http.Client.Timeout) is what stops it hanging. It
// sits after the limiter so that waiting for a rate slot does not count
// against the request's time.
type deadlineTransport struct {
	timeout time.Duration
	next    http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *deadlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody releases a request's context when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// closeBody closes a request body a RoundTripper will not send, as the
// RoundTripper contract asks.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
