package youtube

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// captureServer answers the paths kkdai uses, and redirects player
// requests with ?hop=1 once.
func captureServer(t *testing.T, big []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/youtubei/v1/player" && r.URL.Query().Get("hop") == "1":
			http.Redirect(w, r, "https://www.youtube.com/youtubei/v1/player?hop=2", http.StatusTemporaryRedirect)
		case r.URL.Path == "/youtubei/v1/player":
			w.Write([]byte(`{"playabilityStatus":{"status":"OK"},"ua":"` + r.UserAgent() + `"}`))
		case r.URL.Path == "/watch":
			w.Write(big)
		case r.URL.Path == "/":
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte("slow down"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newCaptureClient(t *testing.T, srv *httptest.Server, ua string) (*http.Client, *recorder) {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	rec := newRecorder(NewRewrite(u, onlyTo{host: u.Host, next: srv.Client().Transport}), ua)
	rec.start()
	return &http.Client{Transport: rec}, rec
}

// onlyTo refuses every host but one, so that nothing reaches the internet.
type onlyTo struct {
	host string
	next http.RoundTripper
}

func (o onlyTo) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != o.host {
		return nil, errRefused
	}
	return o.next.RoundTrip(req)
}

func TestRecorder(t *testing.T) {
	big := bytes.Repeat([]byte("x"), maxCapture+100)
	srv := captureServer(t, big)
	hc, rec := newCaptureClient(t, srv, "ytharvest-test/1")

	post := func(rawURL string) string {
		body := `{"videoId":"H7xQm2Lp9sA","context":{"client":{"clientName":"ANDROID_VR"}}}`
		req, _ := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(body))
		req.Header.Set("User-Agent", "kkdai")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", rawURL, err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return string(data)
	}
	if got := post("https://www.youtube.com/youtubei/v1/player?hop=1"); !strings.Contains(got, `"ua":"ytharvest-test/1"`) {
		t.Errorf("player answer = %s, want it to echo our User-Agent", got)
	}

	resp, err := hc.Get("https://www.youtube.com/watch?v=H7xQm2Lp9sA")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, big) {
		t.Errorf("watch body passed on: %d bytes, want %d", len(got), len(big))
	}

	// kkdai closes a non-200 body unread; the recorder must have it.
	resp, err = hc.Get("https://www.youtube.com")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	a := rec.answer(nil)
	if len(a.Player) != 1 {
		t.Fatalf("captured %d player answers, want 1 (the redirect replaced by its target): %+v", len(a.Player), a.Player)
	}
	if p := a.Player[0]; p.Status != 200 || p.Client != "ANDROID_VR" || !strings.Contains(string(p.Body), `"status":"OK"`) {
		t.Errorf("player exchange = %d %q %s", p.Status, p.Client, p.Body)
	}
	if len(a.Watch) != 1 || !a.Watch[0].Truncated || len(a.Watch[0].Body) != maxCapture {
		t.Errorf("watch exchange: %d answers, truncated %v, %d bytes kept", len(a.Watch), a.Watch[0].Truncated, len(a.Watch[0].Body))
	}
	if len(a.Home) != 1 || a.Home[0].Status != 429 || string(a.Home[0].Body) != "slow down" {
		t.Errorf("home exchange = %+v", a.Home)
	}

	rec.start()
	if a := rec.answer(nil); len(a.Player)+len(a.Watch)+len(a.Home) != 0 {
		t.Errorf("start did not forget the last call: %+v", a)
	}
}
