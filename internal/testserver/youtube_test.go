package testserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const ytTestdata = "../../testdata/youtube"

// kkdaiPlayerResponse is kkdai v2.10.6's pattern for the player JSON in a
// watch page (video.go).
var kkdaiPlayerResponse = regexp.MustCompile(`var ytInitialPlayerResponse\s*=\s*(\{.+?\});`)

func startYouTube(t *testing.T) (*YouTube, *httptest.Server) {
	t.Helper()
	yt := NewYouTube(ytTestdata)
	srv := httptest.NewServer(yt)
	t.Cleanup(srv.Close)
	return yt, srv
}

type ytResult struct {
	status int
	header http.Header
	body   []byte
}

func ytDo(t *testing.T, srv *httptest.Server, method, path, body string) ytResult {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return ytResult{resp.StatusCode, resp.Header, data}
}

func playerBody(id, client string) string {
	return `{"videoId":"` + id + `","context":{"client":{"clientName":"` + client + `","clientVersion":"1.65.10"}},"contentCheckOk":true}`
}

type ytPlayability struct {
	PlayabilityStatus struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"playabilityStatus"`
}

func TestYouTubeHome(t *testing.T) {
	_, srv := startYouTube(t)
	r := ytDo(t, srv, http.MethodGet, "/", "")
	// kkdai cuts the page at "\nytcfg.set(" and decodes the JSON after it.
	_, rest, ok := strings.Cut(string(r.body), "\nytcfg.set(")
	if r.status != http.StatusOK || !ok {
		t.Fatalf("GET / = %d, ytcfg.set found %v", r.status, ok)
	}
	var cfg struct {
		InnertubeContext struct {
			Client struct{ VisitorData string }
		} `json:"INNERTUBE_CONTEXT"`
	}
	if err := json.NewDecoder(strings.NewReader(rest)).Decode(&cfg); err != nil || cfg.InnertubeContext.Client.VisitorData == "" {
		t.Errorf("visitor data = %q, %v", cfg.InnertubeContext.Client.VisitorData, err)
	}
}

func TestYouTubePlayer(t *testing.T) {
	yt, srv := startYouTube(t)
	for _, tc := range []struct {
		id, status, reason string
		code               int
	}{
		{"H7xQm2Lp9sA", "OK", "", 200},
		{"T1gH6jKd0sF", "LOGIN_REQUIRED", "This video is private.", 200},
		{"Xc1Vb4Nm8Qa", "ERROR", "Video unavailable", 200},
		{"../../etc/pa", "ERROR", "Video unavailable", 200},
	} {
		r := ytDo(t, srv, http.MethodPost, "/youtubei/v1/player?key=", playerBody(tc.id, "ANDROID_VR"))
		var p ytPlayability
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Errorf("player %s: %v", tc.id, err)
		}
		if r.status != tc.code || p.PlayabilityStatus.Status != tc.status || p.PlayabilityStatus.Reason != tc.reason {
			t.Errorf("player %s = %d %s %q, want %d %s %q", tc.id, r.status,
				p.PlayabilityStatus.Status, p.PlayabilityStatus.Reason, tc.code, tc.status, tc.reason)
		}
	}
	reqs := yt.Requests()
	if len(reqs) != 4 || reqs[0] != (YouTubeRequest{Method: "POST", Path: "/youtubei/v1/player", Query: "key=", VideoID: "H7xQm2Lp9sA",
		ClientName: "ANDROID_VR", ClientVersion: "1.65.10", UserAgent: "Go-http-client/1.1"}) {
		t.Errorf("Requests() = %+v", reqs)
	}
	yt.Reset()
	if n := len(yt.Requests()); n != 0 {
		t.Errorf("after Reset, %d requests logged", n)
	}
}

func TestYouTubeRawAnswer(t *testing.T) {
	_, srv := startYouTube(t)
	for _, path := range []string{"/youtubei/v1/player", "/watch?v=Rr4Tt8Yy2Uu"} {
		method, body := http.MethodGet, ""
		if !strings.HasPrefix(path, "/watch") {
			method, body = http.MethodPost, playerBody("Rr4Tt8Yy2Uu", "ANDROID_VR")
		}
		r := ytDo(t, srv, method, path, body)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "3600" ||
			!bytes.Contains(r.body, []byte("g-recaptcha")) || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s %s = %d %v %.60q, want the 429 captcha page", method, path, r.status, r.header, r.body)
		}
	}
}

// TestYouTubeWatch: kkdai must find the player JSON in every watch page.
func TestYouTubeWatch(t *testing.T) {
	_, srv := startYouTube(t)
	files, err := filepath.Glob(filepath.Join(ytTestdata, "player", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no player files: %v", err)
	}
	for _, f := range append(files, "Xc1Vb4Nm8Qa.json") {
		id := strings.TrimSuffix(filepath.Base(f), ".json")
		r := ytDo(t, srv, http.MethodGet, "/watch?v="+id+"&bpctr=9999999999&has_verified=1", "")
		m := kkdaiPlayerResponse.FindSubmatch(r.body)
		if r.status != http.StatusOK || m == nil {
			t.Errorf("watch %s = %d, player JSON found %v", id, r.status, m != nil)
			continue
		}
		var fromWatch, fromPlayer ytPlayability
		if err := json.Unmarshal(m[1], &fromWatch); err != nil {
			t.Errorf("watch %s: %v", id, err)
		}
		p := ytDo(t, srv, http.MethodPost, "/youtubei/v1/player", playerBody(id, "ANDROID_VR"))
		json.Unmarshal(p.body, &fromPlayer)
		if fromWatch != fromPlayer {
			t.Errorf("watch %s says %+v, player %+v", id, fromWatch, fromPlayer)
		}
	}
}

func TestYouTubeOverride(t *testing.T) {
	yt, srv := startYouTube(t)
	yt.Set("H7xQm2Lp9sA", FakeAnswer{Player: &FakeResponse{Body: []byte(`{"playabilityStatus":{"status":"ERROR","reason":"Overridden"}}`)}})
	r := ytDo(t, srv, http.MethodGet, "/watch?v=H7xQm2Lp9sA", "")
	if !bytes.Contains(r.body, []byte(`"reason":"Overridden"`)) {
		t.Errorf("watch page does not embed the player override: %.200q", r.body)
	}
	yt.Set("H7xQm2Lp9sA", FakeAnswer{Watch: &FakeResponse{Status: http.StatusServiceUnavailable, Body: []byte("down")}})
	if r := ytDo(t, srv, http.MethodGet, "/watch?v=H7xQm2Lp9sA", ""); r.status != http.StatusServiceUnavailable {
		t.Errorf("watch override: status %d, want 503", r.status)
	}
	yt.SetHome(&FakeResponse{Status: http.StatusTooManyRequests})
	if r := ytDo(t, srv, http.MethodGet, "/", ""); r.status != http.StatusTooManyRequests {
		t.Errorf("home override: status %d, want 429", r.status)
	}
	yt.Reset()
	if r := ytDo(t, srv, http.MethodGet, "/", ""); r.status != http.StatusOK {
		t.Errorf("home after Reset: status %d, want 200", r.status)
	}
	if r := ytDo(t, srv, http.MethodGet, "/watch?v=H7xQm2Lp9sA", ""); r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"status":"OK"`)) {
		t.Errorf("watch after Reset: %d %.100q", r.status, r.body)
	}
}

func TestYouTubeHang(t *testing.T) {
	yt, srv := startYouTube(t)
	yt.Set("H7xQm2Lp9sA", FakeAnswer{Player: &FakeResponse{Hang: true}})
	hc := srv.Client()
	hc.Timeout = 100 * time.Millisecond
	resp, err := hc.Post(srv.URL+"/youtubei/v1/player", "application/json", strings.NewReader(playerBody("H7xQm2Lp9sA", "ANDROID_VR")))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("hanging answer came back: %d", resp.StatusCode)
	}
}

func TestYouTubeTimedtext(t *testing.T) {
	_, srv := startYouTube(t)
	for _, tc := range []struct {
		query string
		code  int
		ctype string
		has   string
	}{
		{"v=H7xQm2Lp9sA&lang=en&fmt=srv3", 200, "text/xml", `<timedtext format="3">`},
		{"v=H7xQm2Lp9sA&lang=en", 200, "text/xml", `<transcript><text start="0" dur="2.5">`},
		{"v=H7xQm2Lp9sA&kind=asr&lang=en&fmt=json3", 200, "application/json", `"tStartMs": 0`},
		{"v=H7xQm2Lp9sA&kind=asr&lang=en&fmt=srv3", 200, "text/xml", `<s t="400" ac="0"> morning</s>`},
		{"v=H7xQm2Lp9sA&lang=de&fmt=srv3", 200, "text/xml", "Staatsbesuch"},
		{"v=H7xQm2Lp9sA&lang=fr&fmt=srv3", 404, "", ""},
		{"v=H7xQm2Lp9sA&lang=en&fmt=srv3&tlang=fr", 404, "", ""},
		{"v=H7xQm2Lp9sA&lang=../x&fmt=srv3", 404, "", ""},
		{"v=k3Rt_vB8nQw&lang=en&fmt=srv3", 404, "", ""},
	} {
		r := ytDo(t, srv, http.MethodGet, "/api/timedtext?"+tc.query, "")
		if r.status != tc.code || !strings.HasPrefix(r.header.Get("Content-Type"), tc.ctype) || !bytes.Contains(r.body, []byte(tc.has)) {
			t.Errorf("timedtext?%s = %d %s %.80q, want %d %s containing %q", tc.query, r.status, r.header.Get("Content-Type"), r.body, tc.code, tc.ctype, tc.has)
		}
	}
}

// TestYouTubeTestdata checks the synthetic answers against what the rest
// of the project relies on: the IDs the demo site links, channel IDs that
// look real, caption URLs that the rewrite sends back to the fake, and
// files small enough to read.
func TestYouTubeTestdata(t *testing.T) {
	_, srv := startYouTube(t)
	files, _ := filepath.Glob(filepath.Join(ytTestdata, "player", "*"))
	var ids []string
	for _, f := range files {
		ids = append(ids, filepath.Base(f))
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 4200 {
			t.Errorf("%s: %d bytes, keep it under ~4 KB", f, len(data))
		}
		if filepath.Ext(f) != ".json" {
			continue
		}
		id := strings.TrimSuffix(filepath.Base(f), ".json")
		var p struct {
			Captions struct {
				Renderer struct {
					Tracks []struct {
						BaseURL string `json:"baseUrl"`
						Name    struct {
							Runs []struct{ Text string } `json:"runs"`
						} `json:"name"`
					} `json:"captionTracks"`
				} `json:"playerCaptionsTracklistRenderer"`
			} `json:"captions"`
			VideoDetails *struct {
				VideoID   string `json:"videoId"`
				ChannelID string `json:"channelId"`
			} `json:"videoDetails"`
		}
		if err := json.Unmarshal(data, &p); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if d := p.VideoDetails; d != nil && (d.VideoID != id || len(d.ChannelID) != 24 || !strings.HasPrefix(d.ChannelID, "UC")) {
			t.Errorf("%s: videoId %q, channelId %q", f, d.VideoID, d.ChannelID)
		}
		for _, tr := range p.Captions.Renderer.Tracks {
			u, err := url.Parse(tr.BaseURL)
			if err != nil || u.Host != "www.youtube.com" || u.Path != "/api/timedtext" || u.Query().Get("v") != id || len(tr.Name.Runs) == 0 {
				t.Errorf("%s: caption track %q (%v)", f, tr.BaseURL, err)
				continue
			}
			if r := ytDo(t, srv, http.MethodGet, u.RequestURI(), ""); r.status != http.StatusOK || len(r.body) == 0 {
				t.Errorf("%s: caption track %s answers %d", f, tr.BaseURL, r.status)
			}
		}
	}
	want := []string{
		"Bk9Zx7Cv5Np.json", "H7xQm2Lp9sA.json", "Lk5Jh2Gf9Ds.json", "Ne0Wq3Rt7Yu.json", "Rr4Tt8Yy2Uu.http",
		"T1gH6jKd0sF.json", "Zp4-eYc1UoM.json", "k3Rt_vB8nQw.json", "mB3nV7cX2zA.json", "qW9xL2mN5bE.json", "uY8iO4pE6rT.json",
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("player files = %q, want %q", ids, want)
	}
}

// kkdaiTranscriptParams builds get_transcript's params as kkdai v2.10.6
// does (transcriptVideoID in its client.go).
func kkdaiTranscriptParams(id, lang string) string {
	inner := url.QueryEscape(base64.StdEncoding.EncodeToString([]byte("\n\x03asr\x12\x02" + lang + "\x1a\x00")))
	return base64.RawStdEncoding.EncodeToString([]byte("\n\x0b" + id + "\x12\x12" + inner + "\x18\x01"))
}

func TestYouTubeTranscript(t *testing.T) {
	yt, srv := startYouTube(t)
	body := func(params string) string {
		return `{"context":{"client":{"clientName":"ANDROID_VR","clientVersion":"1.65.10"}},"params":"` + params + `"}`
	}
	for _, tc := range []struct {
		name, params string
		status       int
		want         string // in the body
	}{
		{"file", kkdaiTranscriptParams("k3Rt_vB8nQw", "en"), 200, "The new flood barrier"},
		{"no file", kkdaiTranscriptParams("H7xQm2Lp9sA", "en"), 200, `"actions":[]`},
		{"no file in that language", kkdaiTranscriptParams("k3Rt_vB8nQw", "de"), 200, `"actions":[]`},
		{"not base64", "%%%", 400, "INVALID_ARGUMENT"},
		{"empty", "", 400, "INVALID_ARGUMENT"},
		{"bad ID", kkdaiTranscriptParams("../../etc/p", "en"), 400, "INVALID_ARGUMENT"},
		{"cut short", kkdaiTranscriptParams("k3Rt_vB8nQw", "en")[:20], 400, "INVALID_ARGUMENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ytDo(t, srv, http.MethodPost, "/youtubei/v1/get_transcript?key=x", body(tc.params))
			if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
				t.Errorf("%d %.80s; want %d with %q", r.status, r.body, tc.status, tc.want)
			}
		})
	}
	reqs := yt.Requests()
	if got := reqs[0]; got.VideoID != "k3Rt_vB8nQw" || got.ClientName != "ANDROID_VR" || got.ClientVersion != "1.65.10" {
		t.Errorf("logged %+v", got)
	}

	yt.Set("k3Rt_vB8nQw", FakeAnswer{Transcript: &FakeResponse{Status: 500}})
	if r := ytDo(t, srv, http.MethodPost, "/youtubei/v1/get_transcript", body(kkdaiTranscriptParams("k3Rt_vB8nQw", "en"))); r.status != 500 {
		t.Errorf("override: %d", r.status)
	}
	yt.RefuseClient("ANDROID_VR", "", &FakeResponse{Status: 400, Body: []byte(`{"error":{"status":"FAILED_PRECONDITION"}}`)})
	if r := ytDo(t, srv, http.MethodPost, "/youtubei/v1/get_transcript", body(kkdaiTranscriptParams("k3Rt_vB8nQw", "en"))); r.status != 400 {
		t.Errorf("refused client: %d", r.status)
	}
	if r := ytDo(t, srv, http.MethodPost, "/youtubei/v1/get_transcript", "{"); r.status != 400 || !strings.Contains(string(r.body), "Invalid JSON") {
		t.Errorf("bad JSON: %d %s", r.status, r.body)
	}
}

func FuzzTranscriptParams(f *testing.F) {
	f.Add(kkdaiTranscriptParams("k3Rt_vB8nQw", "en"))
	f.Add("")
	f.Add("CgtrM1J0X3ZCOG5Rdx")
	f.Fuzz(func(t *testing.T, params string) {
		id, lang, ok := transcriptParams(params)
		if ok && (!ytVideoID.MatchString(id) || !ytLang.MatchString(lang)) {
			t.Errorf("transcriptParams(%q) = %q, %q, true", params, id, lang)
		}
	})
}
