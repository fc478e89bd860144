package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/internal/testserver"
)

// YouTube from a server, end to end through the built binary: egresses
// (fake forward proxies, one of which YouTube blocks), oEmbed while the
// player is blocked, the Data API, refused client identities, config
// overrides and doctor. The fake YouTube runs in the test; the binary
// reaches it on loopback with --youtube-url, directly or through the
// fake proxies.

// binEnv is a fake YouTube and a database for the binary.
type binEnv struct {
	t      *testing.T
	yt     *testserver.YouTube
	ytURL  string
	db     string
	stdout string
	stderr string
}

func newBinEnv(t *testing.T) *binEnv {
	t.Helper()
	binary(t)
	yt := testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube"))
	srv := httptest.NewServer(yt)
	t.Cleanup(srv.Close)
	return &binEnv{t: t, yt: yt, ytURL: srv.URL, db: filepath.Join(t.TempDir(), "yt.db")}
}

// run runs the binary with args, the database, the fake YouTube and no
// rate limit, and returns its exit code.
func (b *binEnv) run(args ...string) int {
	b.t.Helper()
	full := append([]string{args[0], "--db", b.db}, args[1:]...)
	if args[0] != "stats" {
		full = append([]string{args[0], "--db", b.db, "--youtube-url", b.ytURL, "--youtube-rate", "0"}, args[1:]...)
	}
	cmd := exec.Command(binary(b.t), full...)
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains([]string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "YOUTUBE_API_KEY"}, k) {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		b.t.Fatalf("ytharvest %s did not end within a minute", strings.Join(full, " "))
	}
	b.stdout, b.stderr = out.String(), errOut.String()
	b.t.Logf("ytharvest %s -> exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(full, " "), cmd.ProcessState.ExitCode(), b.stdout, b.stderr)
	return cmd.ProcessState.ExitCode()
}

// query returns the rows of q, columns joined by " | ".
func (b *binEnv) query(q string) []string {
	b.t.Helper()
	d, err := sql.Open("sqlite", "file:"+b.db+"?mode=ro")
	if err != nil {
		b.t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Query(q)
	if err != nil {
		b.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.t.Fatal(err)
		}
		var cells []string
		for _, v := range vals {
			cells = append(cells, map[bool]string{true: v.String, false: "NULL"}[v.Valid])
		}
		out = append(out, strings.Join(cells, " | "))
	}
	return out
}

// count counts the fake's requests to path.
func (b *binEnv) count(path string) int {
	n := 0
	for _, r := range b.yt.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// fakeStatuses is what the fake's files say of each video.
var fakeStatuses = map[string]string{
	"H7xQm2Lp9sA": "ok", "k3Rt_vB8nQw": "ok", "Zp4-eYc1UoM": "ok", "qW9xL2mN5bE": "ok",
	"T1gH6jKd0sF": "private", "mB3nV7cX2zA": "removed", "Xc1Vb4Nm8Qa": "removed",
	"uY8iO4pE6rT": "age_restricted", "Lk5Jh2Gf9Ds": "unplayable", "Ne0Wq3Rt7Yu": "live_upcoming",
}

func fakeIDs() []string {
	var ids []string
	for id := range fakeStatuses {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// checkStatuses fails for a video whose status is neither what the fake
// says nor one of also (pending, blocked...): nothing is mislabelled.
func (b *binEnv) checkStatuses(also ...string) {
	b.t.Helper()
	for _, row := range b.query(`SELECT id, status FROM videos ORDER BY id`) {
		id, status, _ := strings.Cut(row, " | ")
		if status != fakeStatuses[id] && !slices.Contains(also, status) {
			b.t.Errorf("video %s recorded %s; the fake says %s", id, status, fakeStatuses[id])
		}
	}
}

func startProxies(t *testing.T, blockAfter ...int) ([]*testserver.Proxy, []string) {
	t.Helper()
	var ps []*testserver.Proxy
	var args []string
	for i, n := range blockAfter {
		p := &testserver.Proxy{Name: fmt.Sprintf("p%d", i+1), BlockAfter: n, User: "harvester", Pass: fmt.Sprintf("pw-%d-secret", i+1)}
		srv := httptest.NewServer(p)
		t.Cleanup(srv.Close)
		ps = append(ps, p)
		args = append(args, "--youtube-proxy", strings.Replace(srv.URL, "http://", "http://harvester:"+p.Pass+"@", 1))
	}
	return ps, args
}

// Three proxies, one of which YouTube blocks after a few requests: the run
// finishes through the other two with every status right; the proxy is
// benched in the database (without its credentials) and the next run
// skips it; stats shows it.
func TestEgressesEndToEnd(t *testing.T) {
	b := newBinEnv(t)
	ps, proxyArgs := startProxies(t, 0, 3, 0)
	args := append(append([]string{"video", "--youtube-concurrency", "2", "-v"}, proxyArgs...), fakeIDs()...)
	if code := b.run(args...); code != exitOK {
		t.Fatalf("exit %d, want 0: the other proxies carry on", code)
	}
	b.checkStatuses()
	if n := b.query(`SELECT count(*) FROM videos WHERE status = 'ok' AND transcript_status IS NOT NULL`); n[0] != "4" {
		t.Errorf("%s ok videos looked for their transcript, want 4", n[0])
	}
	for i, p := range ps {
		served, blocked, denied := p.Counts()
		t.Logf("proxy %d: served %d, blocked %d, denied %d", i+1, served, blocked, denied)
		if served == 0 || denied != 0 {
			t.Errorf("proxy %d: served %d, denied %d", i+1, served, denied)
		}
	}
	rows := b.query(`SELECT label, blocks > 0, strikes, benched_until > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+14 minutes') FROM egresses ORDER BY label`)
	blockedLabel := ""
	for _, r := range rows {
		if strings.Contains(r, "secret") || strings.Contains(r, "harvester") {
			t.Errorf("an egress row holds credentials: %s", r)
		}
		if strings.HasSuffix(r, " | 1 | 1 | 1") {
			blockedLabel = strings.Split(r, " | ")[0]
		}
	}
	if len(rows) != 3 || blockedLabel == "" {
		t.Fatalf("egresses = %q, want 3, one benched for 15 minutes", rows)
	}
	if strings.Contains(b.stderr+b.stdout, "secret") {
		t.Error("a proxy password was printed")
	}
	if opts := b.query(`SELECT options FROM runs`); strings.Contains(opts[0], "secret") || strings.Contains(opts[0], "harvester") {
		t.Errorf("the run's options hold credentials: %s", opts[0])
	}

	// The next cron run skips the benched proxy.
	_, blocked1, _ := ps[1].Counts()
	served1, _, _ := ps[1].Counts()
	if code := b.run(append([]string{"refresh", "--refresh-after", "0s"}, proxyArgs...)...); code != exitOK {
		t.Fatalf("next run: exit %d", code)
	}
	if served, blocked, _ := ps[1].Counts(); served != served1 || blocked != blocked1 {
		t.Errorf("the benched proxy got %d requests in the next run", served+blocked-served1-blocked1)
	}
	b.checkStatuses()
	if code := b.run("stats"); code != exitOK || !strings.Contains(b.stdout, "youtube egresses") ||
		!strings.Contains(b.stdout, blockedLabel) || !strings.Contains(b.stdout, "benched until") {
		t.Errorf("stats does not show the egresses:\n%s", b.stdout)
	}
}

// --youtube-proxies-file: a file with comments, blank lines and two
// proxies that need user:pass gives two egresses, both used, both sent
// their credentials; the credentials (and a commented-out proxy's) are
// never printed, nor stored in the egresses table or runs.options.
func TestProxiesFileEndToEnd(t *testing.T) {
	b := newBinEnv(t)
	ps, proxyArgs := startProxies(t, 0, 0)
	file := filepath.Join(t.TempDir(), "proxies.txt")
	body := "# residential gateway, two sessions\n\n" +
		"  " + proxyArgs[1] + "  \n" +
		"# http://old:old-secret@127.0.0.1:1 retired\n" +
		"\t\n" +
		proxyArgs[3] + "\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := b.run(append([]string{"video", "--youtube-concurrency", "2", "-v", "--youtube-proxies-file", file}, fakeIDs()...)...); code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	b.checkStatuses()
	for i, p := range ps {
		served, blocked, denied := p.Counts()
		if served == 0 || blocked != 0 || denied != 0 {
			t.Errorf("proxy %d: served %d, blocked %d, denied %d; want some served, each with its credentials", i+1, served, blocked, denied)
		}
	}
	via := map[string]int{}
	for _, r := range b.yt.Requests() {
		via[r.Via]++
	}
	if len(via) != 2 || via["p1"] == 0 || via["p2"] == 0 {
		t.Errorf("YouTube saw requests via %v, want p1 and p2 only", via)
	}
	var labels []string
	for _, a := range []string{proxyArgs[1], proxyArgs[3]} {
		_, hostPort, _ := strings.Cut(a, "@")
		labels = append(labels, "http://"+hostPort)
	}
	slices.Sort(labels)
	rows := b.query(`SELECT label FROM egresses ORDER BY label`)
	if !slices.Equal(rows, labels) {
		t.Errorf("egresses %q, want %q", rows, labels)
	}
	all := b.stdout + b.stderr + strings.Join(b.query(`SELECT * FROM egresses`), "\n") + strings.Join(b.query(`SELECT options FROM runs`), "\n")
	for _, secret := range []string{"harvester", "pw-1-secret", "pw-2-secret", "old-secret"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q was printed or stored", secret)
		}
	}
	if opts := b.query(`SELECT options FROM runs`); !strings.Contains(opts[0], labels[0]) || !strings.Contains(opts[0], labels[1]) {
		t.Errorf("runs.options %s does not name both egresses", opts[0])
	}
}

// Every proxy blocked: exit 3, and nothing mislabelled.
func TestEveryProxyBlockedEndToEnd(t *testing.T) {
	b := newBinEnv(t)
	_, proxyArgs := startProxies(t, 2, 2, 2)
	code := b.run(append(append([]string{"video", "--youtube-concurrency", "1"}, proxyArgs...), fakeIDs()...)...)
	if code != exitPartial || !strings.Contains(b.stderr, "YouTube blocked us") {
		t.Errorf("exit %d, want 3 with a message", code)
	}
	b.checkStatuses("pending", "blocked")
	if n := b.query(`SELECT count(*) FROM egresses WHERE benched_until IS NOT NULL`); n[0] != "3" {
		t.Errorf("%s egresses benched, want 3", n[0])
	}
	if st := b.query(`SELECT status FROM runs`); st[0] != "blocked" {
		t.Errorf("run %s, want blocked", st[0])
	}
}

// The player blocked for everything (the bot check), oEmbed answering:
// titles from oEmbed, statuses unchanged; a video fetched before keeps
// its answer.
func TestOEmbedEndToEnd(t *testing.T) {
	b := newBinEnv(t)
	if code := b.run("video", "Lk5Jh2Gf9Ds"); code != exitOK {
		t.Fatalf("healthy fetch: exit %d", code)
	}
	bot := &testserver.FakeResponse{Body: []byte(`{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Sign in to confirm you’re not a bot"}}`)}
	for _, id := range fakeIDs() {
		b.yt.Set(id, testserver.FakeAnswer{Player: bot})
	}
	if code := b.run(append([]string{"video", "--youtube-concurrency", "1"}, fakeIDs()...)...); code != exitPartial {
		t.Errorf("exit %d, want 3", code)
	}
	b.checkStatuses("pending", "blocked")
	got := b.query(`SELECT id, status, coalesce(title, '-'), coalesce(metadata_source, '-') FROM videos ORDER BY id`)
	for _, row := range got {
		f := strings.Split(row, " | ")
		switch id := f[0]; {
		case id == "Lk5Jh2Gf9Ds":
			if f[1] != "unplayable" || f[3] != "player" {
				t.Errorf("the video fetched before became %s", row)
			}
		case fakeStatuses[id] == "ok" || fakeStatuses[id] == "age_restricted" || fakeStatuses[id] == "live_upcoming":
			if f[2] == "-" || f[3] != "oembed" || (f[1] != "pending" && f[1] != "blocked") {
				t.Errorf("%s: want a title from oEmbed and a status unchanged", row)
			}
		default: // private, removed: oEmbed says nothing
			if f[2] != "-" || f[1] != "pending" && f[1] != "blocked" {
				t.Errorf("%s: want no title, pending or blocked", row)
			}
		}
	}
	t.Logf("videos: %q", got)
}

// With a key: one Data API request for the batch, and player requests
// only where the API cannot tell (videos it does not return); a refresh
// of videos whose transcripts are stored costs one request per 50.
func TestDataAPIEndToEnd(t *testing.T) {
	b := newBinEnv(t)
	api := []string{"--youtube-api-key", "test-key", "--youtube-api-url", b.ytURL}
	if code := b.run(append(append([]string{"video", "--no-transcripts"}, api...), fakeIDs()...)...); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if n, p := b.count("/youtube/v3/videos"), b.count("/youtubei/v1/player"); n != 1 || p != 3 {
		t.Errorf("%d API requests, %d player requests; want 1 and 3 (the private and removed videos the API leaves out)", n, p)
	}
	// The API cannot tell members-only from playable: without a player
	// request for its transcript, it is ok (docs/youtube.md says so).
	if st := b.query(`SELECT status FROM videos WHERE id = 'Lk5Jh2Gf9Ds'`); st[0] != "ok" {
		t.Errorf("the members-only video from the API: %s", st[0])
	}
	b.checkStatuses("ok")
	if src := b.query(`SELECT metadata_source, count(*) FROM videos GROUP BY 1 ORDER BY 1`); !slices.Equal(src, []string{"data_api | 7", "player | 3"}) {
		t.Errorf("metadata sources %q", src)
	}

	// Transcripts stored, then a refresh with the key: one API request.
	ok := []string{"H7xQm2Lp9sA", "Zp4-eYc1UoM", "k3Rt_vB8nQw", "qW9xL2mN5bE"}
	b2 := newBinEnv(t)
	if code := b2.run(append([]string{"video"}, ok...)...); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	b2.yt.Reset()
	if code := b2.run("refresh", "--refresh-after", "0s", "--youtube-api-key", "test-key", "--youtube-api-url", b2.ytURL); code != exitOK {
		t.Fatalf("refresh: exit %d", code)
	}
	var paths []string
	for _, r := range b2.yt.Requests() {
		paths = append(paths, r.Method+" "+r.Path)
	}
	if !slices.Equal(paths, []string{"GET /youtube/v3/videos"}) {
		t.Errorf("refresh of 4 videos with their transcripts: requests %q, want one API request", paths)
	}
	if n := b2.query(`SELECT count(*) FROM caption_tracks`); n[0] == "0" {
		t.Error("the refresh from the API lost the caption tracks")
	}
	if q := b2.query(`SELECT units FROM youtube_api_quota`); !slices.Equal(q, []string{"1"}) {
		t.Errorf("quota spent %q, want 1", q)
	}
}

// The first client identity refused with YouTube's real 400: every status
// right through the next, one warning, recorded in runs; every identity
// refused: exit 6, the videos as they were — new ones left pending after
// one player request as each identity, the run failed with the reason.
func TestClientRefusedEndToEnd(t *testing.T) {
	b := newBinEnv(t)
	b.yt.RefuseClient("VISIONOS", "", nil)
	if code := b.run(append([]string{"video", "--youtube-client", "visionos,android"}, fakeIDs()...)...); code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	b.checkStatuses()
	if n := strings.Count(b.stderr, "level=WARN"); n != 1 || !strings.Contains(b.stderr, "VISIONOS 1.02") {
		t.Errorf("%d warnings, want one naming VISIONOS 1.02", n)
	}
	if r := b.query(`SELECT clients_refused FROM runs`); !strings.HasPrefix(r[0], "VISIONOS 1.02: HTTP 400 FAILED_PRECONDITION") {
		t.Errorf("runs.clients_refused = %q", r)
	}

	b.yt.RefuseClient("ANDROID", "", nil)
	before := b.query(`SELECT id, status FROM videos ORDER BY id`)
	code := b.run("refresh", "--refresh-after", "0s", "--youtube-client", "visionos,android")
	if code != exitRefused || !strings.Contains(b.stderr, "refused: ") || !strings.Contains(b.stderr, "[youtube.client.NAME]") {
		t.Errorf("every client refused: exit %d, want %d with what to do", code, exitRefused)
	}
	if after := b.query(`SELECT id, status FROM videos ORDER BY id`); !slices.Equal(after, before) {
		t.Errorf("statuses changed: %q", after)
	}
	if r := b.query(`SELECT status, clients_refused FROM runs ORDER BY id DESC LIMIT 1`); !strings.HasPrefix(r[0], "failed | VISIONOS") || !strings.Contains(r[0], "ANDROID") {
		t.Errorf("run = %q", r)
	}

	// New videos, never fetched, every identity refused: they stay
	// pending, and YouTube is asked once as each identity, no more.
	fresh := newBinEnv(t)
	fresh.yt.RefuseClient("VISIONOS", "", nil)
	fresh.yt.RefuseClient("ANDROID", "", nil)
	code = fresh.run(append([]string{"video", "--youtube-concurrency", "1", "--youtube-client", "visionos,android"}, fakeIDs()...)...)
	if code != exitRefused || !strings.Contains(fresh.stderr, "[youtube.client.NAME]") {
		t.Errorf("new videos, every client refused: exit %d, want %d with what to do", code, exitRefused)
	}
	if st := fresh.query(`SELECT status, count(*) FROM videos GROUP BY status`); !slices.Equal(st, []string{fmt.Sprintf("pending | %d", len(fakeStatuses))}) {
		t.Errorf("new videos' statuses %q, want all %d pending", st, len(fakeStatuses))
	}
	if r := fresh.query(`SELECT command, status, coalesce(error, '-'), coalesce(clients_refused, '-'), finished_at IS NOT NULL FROM runs`); len(r) != 1 ||
		!regexp.MustCompile(`^video \| failed \| YouTube refused every client identity [^|]*\[youtube\.client\.NAME\][^|]* \| VISIONOS 1\.02: HTTP 400 [^|]*; ANDROID 21\.03\.36: HTTP 400 [^|]* \| 1$`).MatchString(r[0]) {
		t.Errorf("runs = %q, want one video run, failed, its error saying why, both identities in clients_refused", r)
	}
	var asked []string
	for _, r := range fresh.yt.Requests() {
		if r.Path != "/" {
			asked = append(asked, r.Method+" "+r.Path+" "+r.VideoID+" "+r.ClientName)
		}
	}
	if want := []string{"POST /youtubei/v1/player " + fakeIDs()[0] + " VISIONOS", "POST /youtubei/v1/player " + fakeIDs()[0] + " ANDROID"}; !slices.Equal(asked, want) {
		t.Errorf("requests %q, want %q: one player request as each identity, then nothing", asked, want)
	}
}

// [youtube.client.NAME] in the config file reaches the request body.
func TestClientOverrideConfig(t *testing.T) {
	b := newBinEnv(t)
	conf := filepath.Join(t.TempDir(), "y.toml")
	os.WriteFile(conf, []byte(`youtube-client = "android"
[youtube.client.android]
version = "21.99.9"
user-agent = "com.google.android.youtube/21.99.9 (Linux; U; Android 15) gzip"
`), 0o644)
	if code := b.run("video", "--config", conf, "H7xQm2Lp9sA"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, r := range b.yt.Requests() {
		if r.Path == "/youtubei/v1/player" && (r.ClientName != "ANDROID" || r.ClientVersion != "21.99.9" || !strings.Contains(r.UserAgent, "21.99.9")) {
			t.Errorf("player request as %s %s (%s), want the override", r.ClientName, r.ClientVersion, r.UserAgent)
		}
	}
	for _, tc := range []struct{ file, want string }{
		{"[youtube.client.andriod]\nversion = \"1\"\n", `y.toml:1: unknown client [youtube.client.andriod]; did you mean [youtube.client.android]?`},
		{"[youtube.client.android]\nverison = \"1\"\n", `y.toml:2: unknown key "verison" in [youtube.client.android]; did you mean "version"?`},
		{"[youtube.client.android]\nversion = 21\n", `y.toml:2: [youtube.client.android] version: want a string, got integer 21`},
		{"[youtube]\nclients = 1\n", `y.toml:2: unknown key "clients" in [youtube]`},
	} {
		os.WriteFile(conf, []byte(tc.file), 0o644)
		if code := b.run("video", "--config", conf, "H7xQm2Lp9sA"); code != exitUsage || !strings.Contains(b.stderr, tc.want) {
			t.Errorf("config %q: exit %d, stderr %q; want 2 and %q", tc.file, code, b.stderr, tc.want)
		}
	}
}

// doctor passes on a healthy fake, and fails, with a harvest's exit code,
// on a blocked or refusing one.
func TestDoctorEndToEnd(t *testing.T) {
	b := newBinEnv(t)
	api := []string{"--youtube-api-key", "test-key", "--youtube-api-url", b.ytURL, "--video", "H7xQm2Lp9sA"}
	if code := b.run(append([]string{"doctor", "--youtube-client", "android,ios"}, api...)...); code != exitOK {
		t.Errorf("healthy: exit %d", code)
	}
	for _, want := range []string{"database", "client  ", "ANDROID 21.03.36", "egress", "direct", "captions", "cues", "data_api", "units left", "oembed"} {
		if !strings.Contains(b.stdout, want) {
			t.Errorf("doctor's table lacks %q", want)
		}
	}
	if strings.Contains(b.stdout, "FAILED") {
		t.Error("FAILED on a healthy fake")
	}
	if code := b.run(append([]string{"doctor", "--json"}, api...)...); code != exitOK {
		t.Errorf("--json: exit %d", code)
	}
	var report struct {
		OK     bool `json:"ok"`
		Checks []struct{ Check, Status string }
	}
	if err := json.Unmarshal([]byte(b.stdout), &report); err != nil || !report.OK || len(report.Checks) < 5 {
		t.Errorf("--json: %v %+v", err, report)
	}

	// A key the Data API refuses: a harvest warns and asks the player,
	// so doctor exits as that harvest does, with a WARN row that says so.
	bad := []string{"--youtube-api-key", "bad-key", "--youtube-api-url", b.ytURL}
	videoCode := b.run(append([]string{"video"}, append(bad, "H7xQm2Lp9sA")...)...)
	if videoCode != exitOK {
		t.Errorf("video with a refused key: exit %d, want 0 (the player answers)", videoCode)
	}
	if code := b.run(append([]string{"doctor", "--video", "H7xQm2Lp9sA"}, bad...)...); code != videoCode {
		t.Errorf("doctor with a refused key: exit %d, want %d as video", code, videoCode)
	}
	if !regexp.MustCompile(`(?m)^data_api .*WARN +the Data API refused the key \(HTTP 400 .*\): a harvest uses the player instead$`).MatchString(b.stdout) ||
		strings.Contains(b.stdout, "FAILED") || strings.Contains(b.stdout+b.stderr, "bad-key") {
		t.Errorf("doctor with a refused key: want a WARN data_api row saying the player answers, no FAILED row, the key unprinted:\n%s", b.stdout)
	}

	b.yt.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Player: &testserver.FakeResponse{Status: 429, Body: []byte("Too Many Requests")}})
	if code := b.run("doctor", "--video", "H7xQm2Lp9sA"); code != exitPartial || !strings.Contains(b.stdout, "FAILED") {
		t.Errorf("blocked: exit %d, want 3 with FAILED", code)
	}
	b.yt.Reset()
	for _, c := range []string{"VISIONOS", "ANDROID"} {
		b.yt.RefuseClient(c, "", nil)
	}
	code := b.run("doctor", "--video", "H7xQm2Lp9sA", "--youtube-client", "visionos,android")
	if code != exitRefused || !strings.Contains(b.stdout, "[youtube.client.visionos]") {
		t.Errorf("refusing: exit %d, want 6 and what to do", code)
	}
	if code := b.run("doctor", "--video", "H7xQm2Lp9sA", "--youtube-client", "visionos,android,ios"); code != exitOK || !strings.Contains(b.stdout, "WARN") {
		t.Errorf("two of three refused: exit %d, want 0 with WARN lines", code)
	}
	b.yt.Reset()

	// Captions that fail without a block: a harvest records the
	// transcript's status and exits 0, so doctor warns and exits 0.
	b.yt.Set("H7xQm2Lp9sA", testserver.FakeAnswer{Captions: &testserver.FakeResponse{Status: 404, Body: []byte("Not Found")}})
	if code := b.run("doctor", "--video", "H7xQm2Lp9sA"); code != exitOK ||
		!regexp.MustCompile(`(?m)^captions .*WARN +HTTP 404`).MatchString(b.stdout) {
		t.Errorf("captions answering 404: exit %d, want 0 with a WARN captions row:\n%s", code, b.stdout)
	}
	if code := b.run("video", "H7xQm2Lp9sA"); code != exitOK {
		t.Errorf("video with captions answering 404: exit %d, want 0 as doctor", code)
	}
	b.yt.Reset()

	// A bench stored by a blocked run: the next harvest asks nothing and
	// exits 3, though YouTube answers again, and doctor says so.
	b.yt.Set("Zx9Lm3Qp7aB", testserver.FakeAnswer{Player: &testserver.FakeResponse{Status: 429, Body: []byte("Too Many Requests")}})
	if code := b.run("video", "Zx9Lm3Qp7aB"); code != exitPartial {
		t.Fatalf("video blocked: exit %d, want 3", code)
	}
	b.yt.Reset()
	code = b.run("doctor", "--video", "H7xQm2Lp9sA")
	if !regexp.MustCompile(`(?m)^egress +direct +FAILED +benched until \S+ after a block: a harvest skips it until then \(now: .+ answered ok\)$`).MatchString(b.stdout) {
		t.Errorf("doctor after a bench: want a FAILED egress row naming the bench:\n%s", b.stdout)
	}
	videoCode = b.run("video", "H7xQm2Lp9sA")
	if videoCode != exitPartial || code != videoCode {
		t.Errorf("while benched: doctor exit %d, video exit %d; want 3 for both", code, videoCode)
	}
}

// doctor's database check: a file that is not a database, and paths
// where no database can be made (a directory missing, a path under a
// regular file), each give a FAILED database row and
// exit 1 (a harvest could not open it either), with YouTube healthy; the
// corrupt file is left as it was.
func TestDoctorDatabaseEndToEnd(t *testing.T) {
	b := newBinEnv(t)
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	garbage := bytes.Repeat([]byte("this is not an SQLite database\n"), 200)
	if err := os.WriteFile(corrupt, garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "a-file")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, db, reason string
	}{
		{"corrupt file", corrupt, "not a ytharvest database: the file is not a SQLite database"},
		{"directory missing", filepath.Join(dir, "missing", "yt.db"), "does not exist, and " + filepath.Join(dir, "missing") + " cannot be written"},
		{"under a file", filepath.Join(notDir, "yt.db"), "not a directory"},
	} {
		b.db = tc.db
		if code := b.run("doctor", "--video", "H7xQm2Lp9sA"); code != exitError {
			t.Errorf("%s: exit %d, want %d", tc.name, code, exitError)
		}
		var row string
		for _, line := range strings.Split(b.stdout, "\n") {
			if strings.HasPrefix(line, "database ") {
				row = line
			}
		}
		if f := strings.Fields(row); len(f) < 3 || f[2] != "FAILED" || !strings.Contains(row, tc.reason) {
			t.Errorf("%s: database row %q, want FAILED saying %q", tc.name, row, tc.reason)
		}
		if n := strings.Count(b.stdout, "FAILED"); n != 1 {
			t.Errorf("%s: %d FAILED rows, want only the database's:\n%s", tc.name, n, b.stdout)
		}
	}
	if got, _ := os.ReadFile(corrupt); !bytes.Equal(got, garbage) {
		t.Error("doctor changed the corrupt file")
	}
}

// Cookies from a cookies.txt reach YouTube and never the logs; a SOCKS5
// proxy carries the requests.
func TestCookiesAndSOCKS5EndToEnd(t *testing.T) {
	b := newBinEnv(t)
	jar := filepath.Join(t.TempDir(), "cookies.txt")
	os.WriteFile(jar, []byte("# Netscape HTTP Cookie File\n.youtube.com\tTRUE\t/\tTRUE\t0\tSID\tcookie-secret-value\n"), 0o600)
	socks := &testserver.SOCKS5{User: "u", Pass: "socks-secret"}
	addr, err := socks.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer socks.Close()
	if code := b.run("video", "-v", "--youtube-cookies", jar, "--youtube-proxy", "socks5://u:socks-secret@"+addr, "H7xQm2Lp9sA"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, r := range b.yt.Requests() {
		if !strings.Contains(r.Cookie, "SID=cookie-secret-value") {
			t.Errorf("%s %s without the cookie", r.Method, r.Path)
		}
	}
	if socks.Conns() == 0 {
		t.Error("nothing went through the SOCKS5 proxy")
	}
	if strings.Contains(b.stderr+b.stdout, "secret") {
		t.Errorf("a secret was printed:\n%s", b.stderr)
	}
	if r := b.query(`SELECT label FROM egresses`); !slices.Equal(r, []string{"socks5://" + addr}) {
		t.Errorf("egresses %q", r)
	}
}
