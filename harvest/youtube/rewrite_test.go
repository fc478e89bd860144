package youtube

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// seen records the requests that reach it and refuses every host but
// fake.test, as a test transport must.
type seen struct {
	reqs []*http.Request
}

var errRefused = errors.New("test transport: refused")

func (s *seen) RoundTrip(req *http.Request) (*http.Response, error) {
	s.reqs = append(s.reqs, req)
	if req.URL.Host != "fake.test:8080" {
		return nil, errRefused
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

func TestRewrite(t *testing.T) {
	for _, tc := range []struct {
		base, in, want string
	}{
		{"http://fake.test:8080", "https://www.youtube.com/watch?v=H7xQm2Lp9sA", "http://fake.test:8080/watch?v=H7xQm2Lp9sA"},
		{"http://fake.test:8080/yt", "https://www.youtube.com/watch?v=H7xQm2Lp9sA", "http://fake.test:8080/yt/watch?v=H7xQm2Lp9sA"},
		{"http://fake.test:8080/yt/", "https://www.youtube.com/youtubei/v1/player?key=", "http://fake.test:8080/yt/youtubei/v1/player?key="},
		{"http://fake.test:8080/yt", "https://www.youtube.com", "http://fake.test:8080/yt/"},
		{"http://fake.test:8080", "https://www.youtube.com", "http://fake.test:8080/"},
		{"http://fake.test:8080", "https://youtube.com/api/timedtext?v=x&lang=en", "http://fake.test:8080/api/timedtext?v=x&lang=en"},
		{"http://fake.test:8080", "https://m.youtube.com/watch?v=x", "http://fake.test:8080/watch?v=x"},
		{"http://fake.test:8080", "https://WWW.YouTube.com./watch?v=x", "http://fake.test:8080/watch?v=x"},
		{"http://fake.test:8080", "https://www.youtube-nocookie.com/embed/x", "http://fake.test:8080/embed/x"},
		{"http://fake.test:8080/yt", "https://www.youtube.com/a%2Fb", "http://fake.test:8080/yt/a%2Fb"},
	} {
		base, err := url.Parse(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		next := &seen{}
		rt := NewRewrite(base, next)
		req, err := http.NewRequest(http.MethodGet, tc.in, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "www.youtube.com"
		before := req.URL.String()
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Errorf("RoundTrip(%s) via %s: %v", tc.in, tc.base, err)
			continue
		}
		resp.Body.Close()
		got := next.reqs[0]
		if got.URL.String() != tc.want || got.Host != "" {
			t.Errorf("rewrite(%s, %s) = %s (Host %q), want %s", tc.base, tc.in, got.URL, got.Host, tc.want)
		}
		if req.URL.String() != before || req.Host != "www.youtube.com" {
			t.Errorf("rewrite(%s) modified the caller's request: %s, Host %q", tc.in, req.URL, req.Host)
		}
	}
}

// TestRewriteOtherHosts: requests for other hosts pass through untouched
// (and the test transport refuses them).
func TestRewriteOtherHosts(t *testing.T) {
	base, _ := url.Parse("http://fake.test:8080/yt")
	for _, in := range []string{
		"https://example.org/watch?v=H7xQm2Lp9sA",
		"https://consent.youtube.com/ml?continue=x",
		"https://i.ytimg.com/vi/H7xQm2Lp9sA/hqdefault.jpg",
		"https://www.youtube.com.evil.test/watch?v=x",
		"https://notyoutube.com/watch?v=x",
	} {
		next := &seen{}
		req, _ := http.NewRequest(http.MethodGet, in, nil)
		_, err := NewRewrite(base, next).RoundTrip(req)
		if !errors.Is(err, errRefused) {
			t.Errorf("RoundTrip(%s) error = %v, want the test transport's refusal", in, err)
		}
		if len(next.reqs) != 1 || next.reqs[0] != req {
			t.Errorf("RoundTrip(%s): the request did not pass through untouched", in)
		}
	}
}
