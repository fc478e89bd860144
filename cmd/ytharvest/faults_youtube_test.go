package main

// Faults of YouTube: blocks, malformed and cut answers, hangs.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/dbcheck"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// faultVideos makes the fake answer for each of ids as it does for
// H7xQm2Lp9sA (playable; caption tracks en, en auto-generated, de; the
// English captions for every caption request), every answer held back by
// delay. It returns the answers it set, by ID, and the number of cues of
// those captions.
func faultVideos(t *testing.T, yt *testserver.YouTube, ids []string, delay time.Duration) (map[string]testserver.FakeAnswer, int) {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "youtube")
	player, err := os.ReadFile(filepath.Join(dir, "player", "H7xQm2Lp9sA.json"))
	if err != nil {
		t.Fatal(err)
	}
	captions, err := os.ReadFile(filepath.Join(dir, "timedtext", "H7xQm2Lp9sA.en.json3"))
	if err != nil {
		t.Fatal(err)
	}
	_, segs, err := youtube.ParseTimedText(captions)
	if err != nil || len(segs) == 0 {
		t.Fatalf("the fixture's captions: %d cues, %v", len(segs), err)
	}
	// The fake builds the watch page from the player answer; fetch it
	// once to serve it as such (with the delay, and whatever the player
	// answer becomes).
	srv := httptest.NewServer(yt)
	defer srv.Close()
	answers := make(map[string]testserver.FakeAnswer)
	for _, id := range ids {
		body := bytes.ReplaceAll(player, []byte("H7xQm2Lp9sA"), []byte(id))
		a := testserver.FakeAnswer{
			Player:   &testserver.FakeResponse{Body: body, Delay: delay},
			Captions: &testserver.FakeResponse{Body: captions, Delay: delay, Header: http.Header{"Content-Type": {"application/json; charset=UTF-8"}}},
		}
		yt.Set(id, testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: body}})
		resp, err := http.Get(srv.URL + "/watch?v=" + id)
		if err != nil {
			t.Fatal(err)
		}
		watch, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a.Watch = &testserver.FakeResponse{Body: watch, Delay: delay}
		yt.Set(id, a)
		answers[id] = a
	}
	return answers, len(segs)
}

// Block pages YouTube answers instead of what was asked (after those in
// harvest/youtube's tests, from recorded ones).
const (
	faultCaptchaPage = `<!DOCTYPE html><html><head><title>YouTube</title></head><body><div id="captcha-page">
<p>Our systems have detected unusual traffic from your computer network.</p>
<form action="/das_captcha?fw=1" method="POST"><div class="g-recaptcha" data-sitekey="x"></div></form></div></body></html>`
	faultConsentPage = `<!DOCTYPE html><html lang="de"><head><title>Bevor Sie zu YouTube weitergehen</title></head><body>
<form action="https://consent.youtube.com/s" method="POST" style="display:inline;"><input type="hidden" name="gl" value="DE">
<input type="hidden" name="v" value="cb.20210328-17-p0.de+FX+119"><button>Ich stimme zu</button></form></body></html>`
)

// YouTube's faults, end to end through `ytharvest video` and `refresh`:
// for each, the status recorded for a video never fetched before, the
// exit code, a video fetched before keeps its definitive answer and its
// transcript, no video is recorded removed, private or age-restricted
// because of a fault, and the next run against a healthy YouTube
// completes.
func TestFaultYouTube(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "youtube")
	botCheck, err := os.ReadFile(filepath.Join(dir, "player", "Bk9Zx7Cv5Np.json"))
	if err != nil {
		t.Fatal(err)
	}
	const fresh, known = "faultnew001", "faultold001"
	// Each case turns a healthy answer into a faulty one.
	type edit func(id string, a testserver.FakeAnswer) testserver.FakeAnswer
	cut := func(b []byte) []byte { return b[:len(b)/2] }
	tests := []struct {
		name    string
		fault   edit
		status  string // of the fresh video
		tstatus string // its transcript_status; "-" for none
		reason  string // in its status_reason or transcript_reason
		code    int
	}{
		{"429 on the player", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Status: http.StatusTooManyRequests, Body: []byte(faultCaptchaPage), Header: http.Header{"Content-Type": {"text/html"}}}
			return a
		}, "blocked", "-", "HTTP 429", exitPartial},
		{"bot check", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: bytes.ReplaceAll(botCheck, []byte("Bk9Zx7Cv5Np"), []byte(id))}
			return a
		}, "blocked", "-", "not a bot", exitPartial},
		{"consent page", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: []byte(faultConsentPage), Header: http.Header{"Content-Type": {"text/html"}}}
			return a
		}, "blocked", "-", "consent page", exitPartial},
		{"captcha page", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: []byte(faultCaptchaPage), Header: http.Header{"Content-Type": {"text/html"}}}
			return a
		}, "blocked", "-", "captcha page", exitPartial},
		{"malformed JSON", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: []byte(`{"playabilityStatus": {"status": "OK", ]`)}
			return a
		}, "error", "-", "malformed player answer", exitFailed},
		{"player body cut mid-JSON", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: cut(a.Player.Body)}
			return a
		}, "error", "-", "malformed player answer", exitFailed},
		{"player body shorter than its Content-Length", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: cut(a.Player.Body), Header: http.Header{"Content-Length": {fmt.Sprint(len(a.Player.Body))}}}
			return a
		}, "error", "-", "player", exitFailed},
		{"429 on the captions", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Captions = &testserver.FakeResponse{Status: http.StatusTooManyRequests, Body: []byte("Too Many Requests")}
			return a
		}, "ok", "blocked", "HTTP 429", exitPartial},
		{"empty caption body", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Captions = &testserver.FakeResponse{Header: http.Header{"Content-Type": {"application/json"}}}
			return a
		}, "ok", "blocked", "empty answer", exitPartial},
		{"captcha instead of captions", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Captions = &testserver.FakeResponse{Body: []byte(faultCaptchaPage), Header: http.Header{"Content-Type": {"text/html"}}}
			return a
		}, "ok", "blocked", "captcha page", exitPartial},
		{"captions cut mid-JSON", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			c := *a.Captions
			c.Body = cut(c.Body)
			a.Captions = &c
			return a
		}, "ok", "error", "captions (en)", exitOK},
		{"captions shorter than their Content-Length", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			c := *a.Captions
			c.Header = http.Header{"Content-Length": {fmt.Sprint(len(c.Body))}}
			c.Body = cut(c.Body)
			a.Captions = &c
			return a
		}, "ok", "error", "captions (en)", exitOK},
		{"caption URL with exp=xpe", func(id string, a testserver.FakeAnswer) testserver.FakeAnswer {
			a.Player = &testserver.FakeResponse{Body: bytes.ReplaceAll(a.Player.Body, []byte("/api/timedtext?"), []byte("/api/timedtext?exp=xpe&"))}
			return a
		}, "ok", "po_token_required", "proof-of-origin token", exitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			healthy, _ := faultVideos(t, e.youtube, []string{fresh, known}, 0)
			yt := []string{"--youtube-url", e.ytURL, "--youtube-rate", "0", "--youtube-concurrency", "1"}
			if code := e.run(append([]string{"video", known}, yt...)...); code != exitOK {
				t.Fatalf("healthy fetch: exit %d", code)
			}
			before := dbcheck.Snapshot(t, e.dbPath)
			for _, id := range []string{fresh, known} {
				e.youtube.Set(id, tc.fault(id, healthy[id]))
			}

			// A video never fetched before gets the fault's status.
			if code := e.run(append([]string{"video", fresh}, yt...)...); code != tc.code {
				t.Errorf("video %s: exit %d, want %d", fresh, code, tc.code)
			}
			got := e.query(`SELECT status, coalesce(transcript_status, '-'), coalesce(status_reason, '') || ' ' || coalesce(transcript_reason, '') FROM videos WHERE id = '` + fresh + `'`)
			t.Logf("recorded: %v", got)
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.status+" | "+tc.tstatus+" | ") || !strings.Contains(got[0], tc.reason) {
				t.Errorf("after the fault: %v; want %s | %s, with %q", got, tc.status, tc.tstatus, tc.reason)
			}
			if tc.code == exitPartial && !strings.Contains(e.stderr.String(), "YouTube blocked us") {
				t.Errorf("a block, and stderr does not say so:\n%s", e.stderr)
			}

			// A video fetched before keeps its answer and transcript.
			code := e.run(append([]string{"video", known}, yt...)...)
			t.Logf("the known video met the fault: exit %d", code)
			if code != tc.code {
				t.Errorf("video %s: exit %d, want %d", known, code, tc.code)
			}
			if got := e.query(`SELECT status, title FROM videos WHERE id = '` + known + `'`); !slices.Equal(got, []string{"ok | State visit: the arrival ceremony in full"}) {
				t.Errorf("the known video became %v", got)
			}
			if tc.tstatus == "blocked" || tc.tstatus == "error" {
				if got := e.query(`SELECT transcript_status FROM videos WHERE id = '` + known + `'`); !slices.Equal(got, []string{"ok"}) {
					t.Errorf("the known video's transcript became %v", got)
				}
			}
			dbcheck.Kept(t, e.dbPath, before)
			if n := e.count("videos WHERE status IN ('removed', 'private', 'age_restricted', 'unplayable', 'live_upcoming')"); n != 0 {
				t.Errorf("%d videos recorded as gone or restricted because of a fault", n)
			}
			dbcheck.Check(t, e.dbPath)

			// YouTube is healthy again: the next refresh, once a bench is
			// over, completes.
			for _, id := range []string{fresh, known} {
				e.youtube.Set(id, healthy[id])
			}
			e.coolDown()
			if code := e.run(append([]string{"refresh"}, yt...)...); code != exitOK {
				t.Fatalf("refresh against a healthy YouTube: exit %d", code)
			}
			want := []string{fresh + " | ok | ok", known + " | ok | ok"}
			if tc.tstatus == "po_token_required" {
				// Not a passing failure: asked again after --refresh-after
				// (or with --refetch-transcripts), not on the next run.
				want = []string{fresh + " | ok | po_token_required", known + " | ok | po_token_required"}
			}
			diffRows(t, "after a healthy refresh", e.query(`SELECT id, status, transcript_status FROM videos ORDER BY id`), want)
			dbcheck.Check(t, e.dbPath)
			dbcheck.Kept(t, e.dbPath, before)
		})
	}
}

// A YouTube answer that never comes: --youtube-timeout (30s by default)
// ends each request, tested on youtube.Source with Options.Timeout for
// each kind of request, and end to end through the flag (the video is
// recorded error, and the next run fetches it); the run's own deadline
// (SIGINT, SIGTERM) ends the wait too, leaving the video pending rather
// than recorded as anything; the next run completes.
func TestFaultYouTubeHang(t *testing.T) {
	const id = "faulthang01"
	t.Run("Source", func(t *testing.T) {
		yt := testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube"))
		healthy, _ := faultVideos(t, yt, []string{id}, 0)
		srv := httptest.NewServer(yt)
		defer srv.Close()
		u, _ := url.Parse(srv.URL)
		s, err := youtube.New(youtube.Options{BaseURL: srv.URL, Transport: hostMap{u.Host: u},
			Timeout: 300 * time.Millisecond, Captions: youtube.Choice{Langs: []string{"en"}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for _, where := range []string{"player", "captions"} {
			a := healthy[id]
			switch where {
			case "player":
				a.Player = &testserver.FakeResponse{Hang: true}
			case "captions":
				a.Captions = &testserver.FakeResponse{Hang: true}
			}
			yt.Set(id, a)
			start := time.Now()
			v, err := s.Video(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got := string(v.Status) + " " + v.StatusReason
			if v.Status == harvest.VideoOK {
				_, ts, reason, err := s.Transcripts(ctx, v)
				if err != nil {
					t.Fatal(err)
				}
				got += " / " + string(ts) + " " + reason
			}
			elapsed := time.Since(start)
			t.Logf("hanging %s: %s, after %v", where, got, elapsed.Round(time.Millisecond))
			want := map[string]string{
				"player":   "error player: timed out",
				"captions": "ok  / error captions (en): timed out",
			}[where]
			if got != want {
				t.Errorf("hanging %s: %q, want %q", where, got, want)
			}
			if elapsed > 3*time.Second {
				t.Errorf("hanging %s: %v, want about the 300ms timeout", where, elapsed)
			}
		}
	})
	t.Run("--youtube-timeout", func(t *testing.T) {
		e := newEnv(t, nil)
		healthy, _ := faultVideos(t, e.youtube, []string{id}, 0)
		a := healthy[id]
		a.Player = &testserver.FakeResponse{Hang: true}
		e.youtube.Set(id, a)
		yt := []string{"--youtube-url", e.ytURL, "--youtube-rate", "0"}
		start := time.Now()
		code := e.run(append([]string{"video", "--youtube-timeout", "300ms", id}, yt...)...)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("took %v, want about --youtube-timeout 300ms", took)
		}
		if code != exitFailed {
			t.Errorf("exit %d, want 5: the video named could not be fetched", code)
		}
		diffRows(t, "video", e.query(`SELECT id, status, coalesce(status_reason, '') FROM videos`), []string{id + " | error | player: timed out"})
		dbcheck.Check(t, e.dbPath)
		e.youtube.Set(id, healthy[id])
		if code := e.run(append([]string{"refresh"}, yt...)...); code != exitOK {
			t.Fatalf("refresh: exit %d", code)
		}
		diffRows(t, "video after a healthy refresh", e.query(`SELECT id, status, transcript_status FROM videos`), []string{id + " | ok | ok"})
	})
	t.Run("end to end", func(t *testing.T) {
		e := newEnv(t, nil)
		healthy, _ := faultVideos(t, e.youtube, []string{id}, 0)
		a := healthy[id]
		a.Player = &testserver.FakeResponse{Hang: true}
		e.youtube.Set(id, a)
		yt := []string{"--youtube-url", e.ytURL, "--youtube-rate", "0"}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		code := e.app.main(ctx, append([]string{"video", "--db", e.dbPath, id}, yt...))
		t.Logf("video with a hanging player answer, cut by the run's deadline: exit %d after %v\nstderr:\n%s", code, time.Since(start).Round(time.Millisecond), e.stderr)
		if code != exitInterrupted {
			t.Errorf("exit %d, want %d (interrupted)", code, exitInterrupted)
		}
		diffRows(t, "video", e.query(`SELECT id, status, coalesce(status_reason, '') FROM videos`), []string{id + " | pending | "})
		diffRows(t, "run", e.query(`SELECT command, status FROM runs`), []string{"video | interrupted"})
		dbcheck.Check(t, e.dbPath)

		e.youtube.Set(id, healthy[id])
		if code := e.run(append([]string{"refresh"}, yt...)...); code != exitOK {
			t.Fatalf("refresh: exit %d", code)
		}
		diffRows(t, "video after a healthy refresh", e.query(`SELECT id, status, transcript_status FROM videos`), []string{id + " | ok | ok"})
	})
}
