package youtube

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestLimiter runs on synctest's fake clock: no real waiting.
func TestLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rate = 10 // 100ms apart, plus up to 20 ms of jitter
		lim := newLimiter(rate, time.Now)
		start := time.Now()
		var (
			mu    sync.Mutex
			times []time.Duration
			wg    sync.WaitGroup
		)
		for range 8 {
			wg.Go(func() {
				if err := lim.wait(context.Background()); err != nil {
					t.Errorf("wait: %v", err)
				}
				mu.Lock()
				times = append(times, time.Since(start))
				mu.Unlock()
			})
		}
		wg.Wait()
		// Goroutines reserve in some order; the slots they get are what
		// must be spaced.
		slices.Sort(times)
		if times[0] != 0 {
			t.Errorf("first request waited %v, want 0", times[0])
		}
		for i := 1; i < len(times); i++ {
			gap := times[i] - times[i-1]
			if gap < 100*time.Millisecond || gap >= 120*time.Millisecond {
				t.Errorf("gap %d = %v, want in [100ms, 120ms)", i, gap)
			}
		}
		if limit := lim.maxWait(8); times[len(times)-1] > limit {
			t.Errorf("last request waited %v, more than maxWait %v", times[len(times)-1], limit)
		}
	})
}

func TestLimiterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := newLimiter(1, time.Now)
		if err := lim.wait(context.Background()); err != nil {
			t.Fatalf("first wait: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := lim.wait(ctx); err != context.DeadlineExceeded {
			t.Errorf("wait = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("cancelled wait took %v, want 100ms", d)
		}
	})
}

type okTransport struct{}

func (okTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("ok")), Request: req}, nil
}

// TestDeadlineTransport: the deadline covers the body, and closing the
// body releases it.
func TestDeadlineTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &deadlineTransport{timeout: time.Second, next: okTransport{}}
		req, _ := http.NewRequest(http.MethodGet, "http://fake.test/", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		ctx := resp.Request.Context()
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) != time.Second {
			t.Errorf("request deadline = %v, %v; want 1s from now", dl, ok)
		}
		resp.Body.Close()
		if ctx.Err() == nil {
			t.Error("closing the body did not release the request's context")
		}
	})
}
