package youtube_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// memStore is a youtube.Store in memory.
type memStore struct {
	mu       sync.Mutex
	egresses map[string]harvest.EgressState
	quota    map[string]int
	known    map[string]bool
}

func newMemStore() *memStore {
	return &memStore{egresses: map[string]harvest.EgressState{}, quota: map[string]int{}, known: map[string]bool{}}
}

func (m *memStore) LoadEgresses(_ context.Context, labels []string) (map[string]harvest.EgressState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]harvest.EgressState{}
	for _, l := range labels {
		if st, ok := m.egresses[l]; ok {
			out[l] = st
		}
	}
	return out, nil
}

func (m *memStore) SaveEgress(_ context.Context, s harvest.EgressState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.egresses[s.Label]
	s.Requests += old.Requests
	s.Blocks += old.Blocks
	if s.LastBlock == "" {
		s.LastBlock = old.LastBlock
	}
	m.egresses[s.Label] = s
	return nil
}

func (m *memStore) SpendQuota(_ context.Context, day string, units int) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.quota[day] += units
	return m.quota[day], nil
}

func (m *memStore) HasMetadata(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.known[id], nil
}

func (m *memStore) egress(label string) harvest.EgressState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.egresses[label]
}

// proxies starts fake forward proxies, one per entry of blockAfter.
func proxies(t *testing.T, blockAfter ...int) ([]*testserver.Proxy, []string) {
	t.Helper()
	var ps []*testserver.Proxy
	var urls []string
	for i, n := range blockAfter {
		p := &testserver.Proxy{Name: "p" + string(rune('1'+i)), BlockAfter: n}
		srv := httptest.NewServer(p)
		t.Cleanup(srv.Close)
		ps = append(ps, p)
		urls = append(urls, srv.URL)
	}
	return ps, urls
}

var okVideos = []string{"H7xQm2Lp9sA", "k3Rt_vB8nQw", "Zp4-eYc1UoM", "qW9xL2mN5bE"}

// Three proxies, one of which YouTube blocks after a few requests: every
// video is still fetched, through the other two; the blocked proxy is
// benched in the store, and a second Source on the same store (the next
// cron run) sends nothing through it.
func TestEgressBench(t *testing.T) {
	yt, srv := fakeYouTube(t)
	ps, urls := proxies(t, 0, 3, 0)
	store := newMemStore()
	opts := func(o *youtube.Options) {
		o.Proxies, o.Store, o.Transport = urls, store, nil
	}
	s := newSource(t, srv, opts)
	for i := range 12 {
		id := okVideos[i%len(okVideos)]
		if v := fetch(t, s, id); v.Status != harvest.VideoOK {
			t.Fatalf("Video(%s) = %s %q, want ok through the other proxies", id, v.Status, v.StatusReason)
		}
	}
	for i, p := range ps {
		served, blocked, _ := p.Counts()
		t.Logf("proxy %d: served %d, blocked %d", i+1, served, blocked)
		if served == 0 {
			t.Errorf("proxy %d served nothing: the work is not spread", i+1)
		}
	}
	if _, blocked, _ := ps[1].Counts(); blocked != 1 {
		t.Errorf("the blocking proxy answered %d blocks, want 1: it was not benched at once", blocked)
	}
	label := strings.Replace(urls[1], "http://", "http://", 1)
	st := store.egress(label)
	if st.Strikes != 1 || st.Blocks != 1 || !st.BenchedUntil.Equal(fixedNow().Add(15*time.Minute)) || !strings.Contains(st.LastBlock, "429") {
		t.Errorf("stored state of %s = %+v, want benched 15 minutes after one 429", label, st)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := store.egress(label); st.Requests == 0 {
		t.Errorf("no requests counted for %s", label)
	}

	// The next run.
	served1, blocked1, _ := ps[1].Counts()
	yt.Reset()
	s2 := newSource(t, srv, opts)
	for _, id := range okVideos {
		if v := fetch(t, s2, id); v.Status != harvest.VideoOK {
			t.Errorf("next run: Video(%s) = %s %q", id, v.Status, v.StatusReason)
		}
	}
	if served, blocked, _ := ps[1].Counts(); served != served1 || blocked != blocked1 {
		t.Errorf("the benched proxy got %d more requests in the next run", served+blocked-served1-blocked1)
	}
	for _, r := range yt.Requests() {
		if r.Via == "p2" {
			t.Errorf("request %s %s came through the benched proxy", r.Method, r.Path)
		}
	}
}

// Every egress blocked: the video whose request met the last block is
// blocked, the next ones are not asked (pending); oEmbed, blocked as well
// at the proxies, trips its own breaker after one request.
func TestEveryEgressBlocked(t *testing.T) {
	_, srv := fakeYouTube(t)
	ps, urls := proxies(t, 1, 1)
	s := newSource(t, srv, func(o *youtube.Options) { o.Proxies, o.Transport = urls, nil })
	var got []string
	for _, id := range okVideos {
		v := fetch(t, s, id)
		got = append(got, string(v.Status))
		if v.Status != harvest.VideoBlocked && v.Status != harvest.VideoPending {
			t.Errorf("Video(%s) = %s %q, want blocked or pending", id, v.Status, v.StatusReason)
		}
	}
	if got[0] != "blocked" || got[len(got)-1] != "pending" {
		t.Errorf("statuses %v: want the first blocked, the rest pending (not asked)", got)
	}
	total := 0
	for _, p := range ps {
		served, blocked, _ := p.Counts()
		total += served + blocked
	}
	if total > 5 {
		t.Errorf("%d requests went out: want two per proxy (the visitor id, the block) and one to oEmbed", total)
	}
	if s.HasFallback() {
		t.Error("HasFallback with oEmbed blocked and no Data API")
	}
}

// While the player is blocked on every egress, oEmbed says what the
// videos that have no metadata are; their status stays pending.
func TestOEmbedWhileBlocked(t *testing.T) {
	yt, srv := fakeYouTube(t)
	botCheck := &testserver.FakeResponse{Body: []byte(`{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Sign in to confirm you’re not a bot"}}`)}
	for _, id := range append(okVideos, "T1gH6jKd0sF") {
		yt.Set(id, testserver.FakeAnswer{Player: botCheck})
	}
	store := newMemStore()
	store.known["Zp4-eYc1UoM"] = true
	s := newSource(t, srv, func(o *youtube.Options) { o.Store = store })
	first := fetch(t, s, "H7xQm2Lp9sA")
	if first.Status != harvest.VideoBlocked || first.Title != "State visit: the arrival ceremony in full" ||
		first.ChannelTitle != "Example News" || first.ChannelHandle != "@examplenews" || first.MetadataSource != harvest.MetadataOEmbed ||
		first.ThumbnailURL != "https://i.ytimg.com/vi/H7xQm2Lp9sA/hqdefault.jpg" {
		t.Errorf("first video = %+v, want blocked with oEmbed's title, channel and thumbnail", first)
	}
	if v := fetch(t, s, "k3Rt_vB8nQw"); v.Status != harvest.VideoPending || v.Title != "How the new flood barrier works" {
		t.Errorf("second video = %s %q %q, want pending with oEmbed's title", v.Status, v.StatusReason, v.Title)
	}
	if v := fetch(t, s, "T1gH6jKd0sF"); v.Status != harvest.VideoPending || v.Title != "" {
		t.Errorf("private video = %s %q, want pending and nothing said (oEmbed's 401 decides nothing)", v.Status, v.Title)
	}
	fetch(t, s, "Zp4-eYc1UoM") // has metadata: oEmbed is not asked
	var asked []string
	for _, r := range yt.Requests() {
		if r.Path == "/oembed" {
			asked = append(asked, r.VideoID)
		}
	}
	if want := "H7xQm2Lp9sA k3Rt_vB8nQw T1gH6jKd0sF"; strings.Join(asked, " ") != want {
		t.Errorf("oEmbed asked about %q, want %q", asked, want)
	}
	if !s.HasFallback() {
		t.Error("HasFallback = false while oEmbed answers")
	}
}

// YouTube refuses the first client identity: the Source moves to the
// next for the rest of the run, warns once, records it, and every status
// is right; when every identity is refused it stops with
// harvest.ErrNoClient.
func TestClientRefused(t *testing.T) {
	yt, srv := fakeYouTube(t)
	yt.RefuseClient("VISIONOS", "", nil)
	yt.RefuseClient("ANDROID", "", &testserver.FakeResponse{Body: []byte(testserver.RefusedNewerAndroid)})
	var logs bytes.Buffer
	clients, err := youtube.ChooseClients("visionos,android,ios", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newSource(t, srv, func(o *youtube.Options) {
		o.Clients = clients
		o.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	want := map[string]harvest.VideoStatus{"H7xQm2Lp9sA": harvest.VideoOK, "T1gH6jKd0sF": harvest.VideoPrivate,
		"mB3nV7cX2zA": harvest.VideoRemoved, "uY8iO4pE6rT": harvest.VideoAgeRestricted, "Ne0Wq3Rt7Yu": harvest.VideoLiveUpcoming}
	for _, id := range []string{"H7xQm2Lp9sA", "T1gH6jKd0sF", "mB3nV7cX2zA", "uY8iO4pE6rT", "Ne0Wq3Rt7Yu"} {
		if v := fetch(t, s, id); v.Status != want[id] {
			t.Errorf("Video(%s) = %s %q, want %s", id, v.Status, v.StatusReason, want[id])
		}
	}
	got := playerRequests(yt)
	wantReqs := []string{"H7xQm2Lp9sA VISIONOS", "H7xQm2Lp9sA ANDROID", "H7xQm2Lp9sA IOS",
		"T1gH6jKd0sF IOS", "mB3nV7cX2zA IOS", "uY8iO4pE6rT IOS", "Ne0Wq3Rt7Yu IOS"}
	if strings.Join(got, ",") != strings.Join(wantReqs, ",") {
		t.Errorf("player requests = %q, want %q", got, wantReqs)
	}
	refused := s.Refused()
	if len(refused) != 2 || !strings.HasPrefix(refused[0], "VISIONOS 1.02: HTTP 400 FAILED_PRECONDITION") ||
		!strings.Contains(refused[1], "newer versions of Android") {
		t.Errorf("Refused = %q", refused)
	}
	if n := strings.Count(logs.String(), "YouTube refused this client identity"); n != 2 {
		t.Errorf("%d warnings for 2 refused identities:\n%s", n, &logs)
	}

	yt.RefuseClient("IOS", "", nil)
	v, err := s.Video(context.Background(), "k3Rt_vB8nQw")
	if v != nil || err == nil || !strings.Contains(err.Error(), harvest.ErrNoClient.Error()) || !s.AllRefused() {
		t.Errorf("every identity refused: Video = %+v, %v; want harvest.ErrNoClient", v, err)
	}
}

// An override reaches the request body and the headers.
func TestClientOverride(t *testing.T) {
	yt, srv := fakeYouTube(t)
	o1, _ := youtube.ParseClientOverride("android.version=21.99.1")
	o2, _ := youtube.ParseClientOverride("android.user-agent=com.google.android.youtube/21.99.1 (Linux; U; Android 15) gzip")
	clients, err := youtube.ChooseClients("android", []youtube.ClientOverride{o1, o2})
	if err != nil {
		t.Fatal(err)
	}
	s := newSource(t, srv, func(o *youtube.Options) { o.Clients = clients })
	fetch(t, s, "H7xQm2Lp9sA")
	for _, r := range yt.Requests() {
		if r.Path == "/youtubei/v1/player" && (r.ClientName != "ANDROID" || r.ClientVersion != "21.99.1" ||
			r.UserAgent != "com.google.android.youtube/21.99.1 (Linux; U; Android 15) gzip") {
			t.Errorf("player request as %s %s, %q", r.ClientName, r.ClientVersion, r.UserAgent)
		}
	}
	for _, bad := range []string{"android.version", "androidx.version=1", "android.colour=red", "android.version="} {
		if _, err := youtube.ParseClientOverride(bad); err == nil {
			t.Errorf("ParseClientOverride(%q) succeeded", bad)
		}
	}
	if _, err := youtube.ChooseClients("android,nokia", nil); err == nil {
		t.Error("ChooseClients with an unknown client succeeded")
	}
}

// --youtube-rate is per egress: at 4 requests a second, the same videos
// take about half as long through two egresses as through one (the same
// total through a rate shared by the Source would take as long). This
// measures the wall clock: synctest's fake clock cannot advance while
// the transport's connections wait on loopback sockets, so the rate is
// kept low enough (250 ms a slot) that a busy machine's latency is small
// beside it.
func TestRatePerEgress(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for rate slots: about 4 s")
	}
	const rate = 4 // requests a second through each egress
	ids := []string{"H7xQm2Lp9sA", "k3Rt_vB8nQw", "Zp4-eYc1UoM", "qW9xL2mN5bE", "T1gH6jKd0sF",
		"mB3nV7cX2zA", "Xc1Vb4Nm8Qa", "uY8iO4pE6rT", "Lk5Jh2Gf9Ds", "Ne0Wq3Rt7Yu"}
	run := func(egresses int) (time.Duration, int) {
		t.Helper()
		yt, srv := fakeYouTube(t)
		_, urls := proxies(t, make([]int, egresses)...)
		s := newSource(t, srv, func(o *youtube.Options) { o.Proxies, o.Transport, o.Rate = urls, nil, rate })
		work := make(chan string, len(ids))
		for _, id := range ids {
			work <- id
		}
		close(work)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		start := time.Now()
		var wg sync.WaitGroup
		for range 4 { // as many workers as callers of a harvest might be
			wg.Go(func() {
				for id := range work {
					if v, err := s.Video(ctx, id); err != nil || v.Status == harvest.VideoBlocked || v.Status == harvest.VideoError {
						t.Errorf("Video(%s) = %v, %v", id, v, err)
					}
				}
			})
		}
		wg.Wait()
		took := time.Since(start)
		n := len(yt.Requests())
		t.Logf("%d egress(es): %d requests in %v", egresses, n, took)
		return took, n
	}
	one, n1 := run(1)
	two, n2 := run(2)
	// n requests through one egress need n-1 gaps of at least 1/rate.
	if floor := time.Duration(n1-1) * time.Second / rate; one < floor {
		t.Errorf("%d requests through one egress took %v, less than the %v the rate allows", n1, one, floor)
	}
	// Two egresses send one more visitor-id request; a shared rate would
	// make them take at least as long as one, per-egress rates half.
	if n2 > n1+1 || two >= one*3/4 {
		t.Errorf("through two egresses: %d requests in %v; through one: %d in %v; want under 3/4 of the time (each egress has its own rate)",
			n2, two, n1, one)
	}
}

// An egress's request counts are saved while a run goes on, at most a
// minute apart, not only by Flush at its end: a run that is killed loses
// at most the last minute of them.
func TestEgressCountsSavedWhileRunning(t *testing.T) {
	_, srv := fakeYouTube(t)
	store := newMemStore()
	var mu sync.Mutex
	now := fixedNow()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	s := newSource(t, srv, func(o *youtube.Options) { o.Store, o.Now = store, clock })
	fetch(t, s, okVideos[0])
	first := store.egress("direct").Requests
	if first == 0 {
		t.Fatal("nothing saved after the first answer")
	}
	fetch(t, s, okVideos[1])
	if got := store.egress("direct").Requests; got != first {
		t.Errorf("%d requests saved within the minute, want still %d", got, first)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	fetch(t, s, okVideos[2])
	if got := store.egress("direct").Requests; got <= first {
		t.Errorf("%d requests saved a minute later, want more than %d (without Flush)", got, first)
	}
}
