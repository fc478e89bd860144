package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/harvestdev/ytharvest/internal/testserver"
)

// The web UI in a real browser (issue 15): Debian's chromium, driven
// through the DevTools protocol by chromedp, over the demo harvest with
// a hostile page and video added and one video vanished. chromedp keeps
// the test in Go, in `go test`, with no Node.js toolchain or npm packages
// for CI to install: chromium is the one thing .ci/run adds.
//
//	go test ./cmd/ytharvest -run TestBrowser -v
//	go test ./cmd/ytharvest -run TestBrowser -screenshots ../../docs/img   # the README's pictures

var screenshotDir = flag.String("screenshots", "", "TestBrowser writes PNG screenshots of the main pages into this `directory`")

// Hostile strings, as titles, descriptions, contexts and transcripts.
const (
	xssScript = `<script>alert(1)</script>`
	xssImg    = `"><img src=x onerror=alert(1)>`
)

// chromiumPath finds Debian's chromium, or skips the test; under CI=true
// a missing browser fails it instead (.ci/run installs it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium); CI needs it for the browser tests")
	}
	t.Skip("chromium is not installed: apt-get install chromium to run the browser tests")
	return ""
}

// browser starts headless chromium with the flags this machine needs (as
// root: no sandbox; no background traffic to Google's hosts, which the
// closed network refuses) and a fresh profile, and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1200, 900))
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// watch records what a tab does that the pages must never do: open a
// dialog (a script ran), or break the Content-Security-Policy (something
// tried to load or run).
type watch struct {
	mu       sync.Mutex
	dialogs  []string
	requests []string
	console  []string
}

func watchTab(t *testing.T, ctx context.Context) *watch {
	t.Helper()
	w := &watch{}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	entries := chromedp.Events(ctx, log.EntryAdded)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			w.mu.Lock()
			w.dialogs = append(w.dialogs, ev.Message)
			w.mu.Unlock()
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			w.mu.Lock()
			w.requests = append(w.requests, ev.Request.URL)
			w.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			w.mu.Lock()
			w.console = append(w.console, ev.Entry.Text)
			w.mu.Unlock()
		}
	}()
	return w
}

// check fails on any dialog, and on any request not to allowed but
// data: URLs, which reach no network (Chromium's own date-picker icon).
func (w *watch) check(t *testing.T, allowed func(string) bool) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // let the events of the last page arrive
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.dialogs) > 0 {
		t.Errorf("a page opened dialogs (a script ran): %q", w.dialogs)
	}
	for _, u := range w.requests {
		if !allowed(u) && !strings.HasPrefix(u, "data:") {
			t.Errorf("a page requested %s", u)
		}
	}
	for _, c := range w.console {
		if strings.Contains(c, "Content Security Policy") || strings.Contains(c, "Refused to") {
			t.Errorf("the browser logged a policy violation: %s", c)
		}
	}
}

// harvestForBrowser crawls the demo site into e's database, with a page
// whose title and links are hostile and two videos whose title,
// description, channel and transcript are; then the state-visit video is
// removed and the front page crawled again, so that it has vanished and
// is still referenced.
func harvestForBrowser(t *testing.T, hostile bool) *env {
	t.Helper()
	site := testserver.NewSite(filepath.Join("..", "..", "testdata", "site"))
	evil := html.EscapeString(xssScript + " " + xssImg)
	hostilePage := `<html><head><title>` + evil + `</title></head><body><article><h1>` + evil + `</h1>
<p>` + evil + ` <a href="https://www.youtube.com/watch?v=xssScript01">` + evil + `</a></p>
<iframe src="https://www.youtube.com/embed/xssImgTag02"></iframe>
<p><a href="https://www.youtube.com/watch?v=H7xQm2Lp9sA">` + html.EscapeString(xssImg) + `</a></p></article></body></html>`
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/articles/hostile" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(hostilePage))
			return
		}
		site.ServeHTTP(w, r)
	}))
	seeds := []string{"http://news.example/"}
	if hostile {
		healthy, _ := faultVideos(t, e.youtube, []string{"xssScript01", "xssImgTag02"}, 0)
		for id, a := range healthy {
			title, _ := json.Marshal("State visit: the arrival ceremony in full")
			evilTitle, _ := json.Marshal(map[string]string{"xssScript01": xssScript, "xssImgTag02": xssImg}[id])
			evilJSON, _ := json.Marshal(xssScript + " " + xssImg)
			body := bytes.ReplaceAll(a.Player.Body, title, evilTitle)
			body = bytes.ReplaceAll(body, []byte(`"Example News"`), evilJSON)
			captions := `{"events":[{"tStartMs":0,"dDurationMs":1500,"segs":[{"utf8":"honour ` + strings.Trim(string(evilJSON), `"`) + `"}]},` +
				`{"tStartMs":61000,"dDurationMs":1500,"segs":[{"utf8":"anthem"}]}]}`
			e.youtube.Set(id, testserver.FakeAnswer{Player: &testserver.FakeResponse{Body: body},
				Captions: &testserver.FakeResponse{Body: []byte(captions), Header: a.Captions.Header}})
		}
		seeds = append(seeds, "http://news.example/articles/hostile")
	}
	if code := e.crawl(seeds...); code != exitOK {
		t.Fatalf("crawl: exit %d\n%s", code, e.stderr)
	}
	removed, err := os.ReadFile(filepath.Join("..", "..", "testdata", "youtube", "player", "mB3nV7cX2zA.json"))
	if err != nil {
		t.Fatal(err)
	}
	e.youtube.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Player: &testserver.FakeResponse{
		Body: bytes.ReplaceAll(removed, []byte("mB3nV7cX2zA"), []byte("H7xQm2Lp9sA"))}})
	if code := e.run("refresh", "--youtube-url", e.ytURL, "--youtube-rate", "0", "--refresh-after", "0s"); code != exitOK {
		t.Fatalf("refresh: exit %d", code)
	}
	if code := e.crawl(seeds...); code != exitOK {
		t.Fatalf("second crawl: exit %d", code)
	}
	return e
}

// serveInProcess runs `ytharvest serve` on a free loopback port until the
// test ends, and returns its URL.
func serveInProcess(t *testing.T, dbPath string) string {
	t.Helper()
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	a := &app{stdout: out, stderr: errOut, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- a.main(ctx, []string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0", "--config="}) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exit %d\n%s", code, errOut)
		}
	})
	re := regexp.MustCompile(`at (http://\S+/) `)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return strings.TrimSuffix(m[1], "/")
		}
		select {
		case code := <-done:
			t.Fatalf("serve ended: exit %d\n%s", code, errOut)
		default:
		}
	}
	t.Fatalf("serve did not say where it listens: %q %q", out, errOut)
	return ""
}

// visit loads url and returns the visible text of its main element.
func visit(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
		t.Fatalf("load %s: %v", url, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return text
}

// styled reports whether the page's inline stylesheet applied (its hash
// in the policy matches) by reading a property it sets.
func styled(t *testing.T, ctx context.Context) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).margin`))
	if err != nil {
		t.Fatal(err)
	}
	return v == "0px"
}

func wantText(t *testing.T, page, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: the visible text lacks %q\n%s", page, w, text)
		}
	}
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs chromium")
	}
	ctx := browser(t)
	e := harvestForBrowser(t, true)
	base := serveInProcess(t, e.dbPath)
	w := watchTab(t, ctx)

	for _, p := range []struct {
		path  string
		wants []string
	}{
		{"/", []string{"The harvest", "New videos per day per site", "news.example (", "Videos by status", "Last runs", "vanished"}},
		{"/videos", []string{"12 videos", "The budget in five minutes", xssScript, xssImg}},
		{"/videos?status=removed&sort=views", []string{"3 videos", "H7xQm2Lp9sA"}},
		{"/videos/H7xQm2Lp9sA", []string{"State visit: the arrival ceremony in full (its title before it became removed)"}},
		{"/videos?site=news.example&channel=UCexampleNewsChannel0001&since=2020-01-01", []string{"Example News", "The budget in five minutes"}},
		{"/channels", []string{"Example News", "City Desk", "@examplenews", "UCexampleNewsChannel0001"}},
		{"/sites", []string{"news.example", "% body", "Example News ("}},
		{"/vanished", []string{"1 video", "State visit: the arrival ceremony in full", "removed", "This video has been removed by the uploader", "http://news.example/"}},
		{"/videos/xssScript01", []string{xssScript, "Status history", "Pages that reference it", "article body", "1:01", "anthem"}},
		{"/videos?page=0", []string{"400", "page"}},
		{"/videos/bad", []string{"400", "not a YouTube video ID"}},
		{"/videos/aaaaaaaaaaa", []string{"404", "not in this harvest"}},
	} {
		text := visit(t, ctx, base+p.path)
		wantText(t, p.path, text, p.wants...)
		if !styled(t, ctx) {
			t.Errorf("%s: the stylesheet did not apply (is its hash in the policy?)", p.path)
		}
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('script, img, iframe, object, embed').length`))
		if err != nil || n != 0 {
			t.Errorf("%s: %d script, img, iframe, object or embed elements (%v)", p.path, n, err)
		}
	}

	// The search box of the header, then a hit's link to the video page,
	// whose transcript links open YouTube at the second.
	visit(t, ctx, base+"/")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`header input[name=q]`), `"guard of honour"`),
		chromedp.Submit(chromedp.CSS(`header input[name=q]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hit`)),
	); err != nil {
		t.Fatalf("search: %v", err)
	}
	text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	wantText(t, "search", text, "H7xQm2Lp9sA", "transcript (en) at 0:02", "guard of honour", "play from 0:02 on YouTube")
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasPrefix(loc, base+"/search?q=") {
		t.Errorf("the search box led to %s", loc)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.hit a[href="/videos/H7xQm2Lp9sA"]`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.transcript`)),
	); err != nil {
		t.Fatalf("follow a hit: %v", err)
	}
	loc, _ = chromedp.Run(ctx, chromedp.Location())
	text, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if loc != base+"/videos/H7xQm2Lp9sA" {
		t.Errorf("the hit led to %s", loc)
	}
	wantText(t, "video", text, "State visit: the arrival ceremony in full", "ok", "removed", "This video has been removed by the uploader",
		"site chrome", "article body", "guard of honour", "0:11")
	href, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelectorAll('ol.transcript a')[1].href`))
	if href != "https://www.youtube.com/watch?v=H7xQm2Lp9sA&t=2s" {
		t.Errorf("the second transcript line links to %q, want YouTube at 2s", href)
	}
	w.check(t, func(u string) bool { return strings.HasPrefix(u, base+"/") || u == "about:blank" })

	t.Run("report offline", func(t *testing.T) { testReportOffline(t, ctx, e) })
}

// TestBrowserScreenshots writes the README's pictures of the main pages,
// over the demo harvest without the hostile page, when -screenshots
// names a directory.
func TestBrowserScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("-screenshots DIR writes the README's screenshots")
	}
	ctx := browser(t)
	e := harvestForBrowser(t, false)
	screenshots(t, ctx, serveInProcess(t, e.dbPath))
}

// The report opens from a file with the network off, whole: every
// section, its charts drawn and its stylesheet applied, no dialog, and no
// request but for the file itself.
func testReportOffline(t *testing.T, ctx context.Context, e *env) {
	out := filepath.Join(t.TempDir(), "report.html")
	if code := e.run("report", "--db", e.dbPath, "-o", out, "--since", "2020-01-01"); code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, e.stderr)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: true, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatalf("network off: %v", err)
	}
	w := watchTab(t, ctx)
	text := visit(t, ctx, "file://"+out)
	wantText(t, "report", text, "Harvest report", "New videos per day per site", "Videos by status", "Vanished since 2020-01-01",
		"This video has been removed by the uploader", "Top channels", "Example News", "Sites", "news.example",
		"New videos since 2020-01-01", "The budget in five minutes", xssScript, xssImg, "Last runs")
	if !styled(t, ctx) {
		t.Error("the report's stylesheet did not apply")
	}
	rects, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.chart rect').length`))
	if err != nil || rects < 5 {
		t.Errorf("the report's charts have %d bars (%v)", rects, err)
	}
	w.check(t, func(u string) bool { return u == "file://"+out })
}

// screenshots writes the main pages as PNG for the README (-screenshots).
func screenshots(t *testing.T, ctx context.Context, base string) {
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1100, 720)); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"overview": "/", "videos": "/videos", "video": "/videos/H7xQm2Lp9sA", "search": "/search?q=%22guard+of+honour%22",
		"sites": "/sites", "channels": "/channels", "vanished": "/vanished",
	} {
		visit(t, ctx, base+path)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(*screenshotDir, name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d KB", file, len(png)/1024)
	}
	fmt.Fprintln(os.Stderr, "screenshots written to", *screenshotDir)
}
