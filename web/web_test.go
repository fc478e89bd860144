package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/web"
)

// Hostile strings, as a page or YouTube may supply them.
const (
	evilScript = `<script>alert(1)</script>`
	evilImg    = `"><img src=x onerror=alert(1)>`
	evilStyle  = `</style><style>body{display:none}</style>`
)

// harvestDB stores a small harvest through the store's own methods: two
// sites, a video whose title, description, channel, page context and
// transcript are hostile, and one that vanishes.
func harvestDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "web.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return now }
	for _, u := range []string{"https://news.example/evil", "https://other.example/"} {
		if err := d.AddSeeds(ctx, []string{u}); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := d.NextPages(ctx, 10, 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		p.State, p.HTTPStatus, p.Title = harvest.PageFetched, 200, evilScript+evilImg
		refs := []harvest.Reference{
			{Type: harvest.RefVideo, ID: "xssScript01", Kind: harvest.KindAnchor, Context: evilScript + " " + evilImg, InBody: true},
			{Type: harvest.RefVideo, ID: "H7xQm2Lp9sA", Kind: harvest.KindIframe, InBody: p.URL == "https://other.example/"},
			{Type: harvest.RefChannel, ID: "@" + "evil", Kind: harvest.KindAnchor},
		}
		if _, err := d.SavePages(ctx, []harvest.PageSave{{Page: &p, Refs: refs}}); err != nil {
			t.Fatal(err)
		}
	}
	evil := &harvest.Video{ID: "xssScript01", Status: harvest.VideoOK, Title: evilScript, Description: evilImg + "\n" + evilStyle,
		ChannelID: "UCevilChannel0000000000x", ChannelTitle: evilImg, ChannelHandle: "@evil", Keywords: []string{evilScript}, FetchedAt: now}
	state := &harvest.Video{ID: "H7xQm2Lp9sA", Status: harvest.VideoOK, Title: "State visit", ChannelID: "UCexampleNewsChannel0001",
		ChannelTitle: "Example News", FetchedAt: now}
	for _, v := range []*harvest.Video{evil, state} {
		if err := d.SaveVideo(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	tr := harvest.Transcript{VideoID: evil.ID, Language: "en", Source: "timedtext:json3", Segments: []harvest.Segment{
		{StartMs: 0, DurationMs: 2000, Text: "the guard of honour " + evilScript},
		{StartMs: 65_000, DurationMs: 2000, Text: evilImg + " and the anthem"},
	}}
	if err := d.SaveTranscripts(ctx, evil.ID, harvest.TranscriptOK, "", []harvest.Transcript{tr}); err != nil {
		t.Fatal(err)
	}
	state.Status, state.StatusReason, state.FetchedAt = harvest.VideoRemoved, "This video has been removed", now.Add(24*time.Hour)
	if err := d.SaveVideo(ctx, state); err != nil {
		t.Fatal(err)
	}
	return path
}

func newServer(t *testing.T, opts web.Options) *httptest.Server {
	t.Helper()
	d, err := db.OpenReadOnly(context.Background(), harvestDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	srv := httptest.NewServer(web.New(d, opts))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Every page answers 200 with the security headers, and no hostile
// string survives as markup: each shows escaped, and the only elements
// in any page are the layout's own.
func TestPagesEscapeHostileText(t *testing.T) {
	srv := newServer(t, web.Options{})
	for _, path := range []string{"/", "/videos", "/videos?channel=UCevilChannel0000000000x", "/videos/xssScript01", "/videos/H7xQm2Lp9sA",
		"/channels", "/sites", "/vanished", "/search?q=guard", "/search?q=anthem", "/search?q=alert"} {
		resp, body := get(t, srv, path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", path, resp.Status)
			continue
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
		for _, bad := range []string{"<script", "<img", "</style><style>"} {
			if strings.Contains(strings.ToLower(body), bad) {
				t.Errorf("GET %s: the page holds %q", path, bad)
			}
		}
	}
	_, body := get(t, srv, "/videos/xssScript01")
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
		`href="https://www.youtube.com/watch?v=xssScript01&amp;t=65s"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the video page lacks %q", want)
		}
	}
	_, body = get(t, srv, "/vanished")
	if !strings.Contains(body, "H7xQm2Lp9sA") || !strings.Contains(body, "This video has been removed") {
		t.Errorf("the vanished page does not list the removed video:\n%s", body)
	}
}

// Bad parameters get a 400 page that says what was wrong; unknown pages
// and videos 404; writes 405. None is a 500.
func TestBadRequests(t *testing.T) {
	srv := newServer(t, web.Options{})
	for _, tc := range []struct {
		path string
		code int
		say  string
	}{
		{"/videos?page=0", 400, "page"},
		{"/videos?page=99999999999999999999", 400, "page"},
		{"/videos?page=-1", 400, "page"},
		{"/videos?status=gone", 400, "status"},
		{"/videos?sort=title;DROP%20TABLE%20videos", 400, "query string"},
		{"/videos?sort=title%3BDROP%20TABLE%20videos", 400, "sort"},
		{"/videos?order=sideways", 400, "order"},
		{"/videos?since=yesterday", 400, "since"},
		{"/videos?until=2026-13-45", 400, "until"},
		{"/videos?site=%3Cscript%3E", 400, "site"},
		{"/videos?channel=%27%20OR%201=1--", 400, "channel"},
		{"/videos?status=ok&status=removed", 400, "2 times"},
		{"/videos?evil=1", 400, "unknown parameter"},
		{"/videos?%zz", 400, "query string"},
		{"/videos?site=" + url.QueryEscape(strings.Repeat("a", 400)), 400, "site"},
		{"/videos?channel=%00", 400, "control"},
		{"/videos?channel=%ff", 400, "UTF-8"},
		{"/channels?sort=videos%20DESC", 400, "sort"},
		{"/search?q=%22unclosed", 400, "search query"},
		{"/search?q=" + url.QueryEscape(strings.Repeat("x", 600)), 400, "longer"},
		{"/search?q=NEAR(", 400, "search query"},
		{"/vanished?since=0", 400, "since"},
		{"/?x=1", 400, "unknown parameter"},
		{"/videos/%3Cscript%3E", 400, "not a YouTube video ID"},
		{"/videos/aaaaaaaaaaa", 404, "not in this harvest"},
		{"/videos/xssScript01?q=1", 400, "unknown parameter"},
		{"/nope", 404, "no such page"},
		{"/static/../../etc/passwd", 404, ""},
	} {
		resp, body := get(t, srv, tc.path)
		if resp.StatusCode != tc.code || !strings.Contains(body, tc.say) {
			t.Errorf("GET %s: %s, want %d saying %q\n%s", tc.path, resp.Status, tc.code, tc.say, body)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no Content-Security-Policy", tc.path)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/videos", strings.NewReader("x=1"))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /videos: %s, want 405", resp.Status)
	}
}

func TestBasicAuthAndLoopbackHost(t *testing.T) {
	srv := newServer(t, web.Options{Auth: []web.Credentials{{User: "ana", Password: "s3cret"}}, LoopbackOnly: true})
	do := func(host, user, pass string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		if host != "" {
			req.Host = host
		}
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		host, user, pass string
		want             int
	}{
		{"", "", "", 401},
		{"", "ana", "wrong", 401},
		{"", "bob", "s3cret", 401},
		{"", "ana", "s3cret", 200},
		{"localhost:8080", "ana", "s3cret", 200},
		{"[::1]:8080", "ana", "s3cret", 200},
		{"evil.example:8080", "ana", "s3cret", 421}, // DNS rebinding
		{"127.0.0.1.evil.example", "ana", "s3cret", 421},
	} {
		if got := do(tc.host, tc.user, tc.pass); got != tc.want {
			t.Errorf("GET / Host %q as %q:%q: %d, want %d", tc.host, tc.user, tc.pass, got, tc.want)
		}
	}
}

// The report is one file that loads nothing: no script, no image, no
// stylesheet or font from elsewhere, a policy that forbids them anyway,
// and every section there, hostile text escaped.
func TestReportSelfContained(t *testing.T) {
	ctx := context.Background()
	d, err := db.OpenReadOnly(ctx, harvestDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var b bytes.Buffer
	err = web.WriteReport(ctx, &b, d, web.ReportOptions{Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Source: "web.db"})
	if err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{"<h2>Vanished since 2026-11-01</h2>", "<h2>Top channels</h2>", "<h2>Sites</h2>",
		"<h2>New videos since 2026-11-01</h2>", "<svg class=\"chart\"", `http-equiv="Content-Security-Policy"`,
		"&lt;script&gt;alert(1)&lt;/script&gt;", "H7xQm2Lp9sA"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	loads := regexp.MustCompile(`(?i)<(script|img|link|iframe|object|embed|video|audio|source)\b|<[^>]*\bsrc=|url\(|@import`)
	if m := loads.FindString(html); m != "" {
		t.Errorf("the report loads something: %q", m)
	}
}
