package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// A run is recorded at its start and its end, with its counts.
func testRuns(t *testing.T, e *env) {
	r := &harvest.Run{Command: "crawl", StartedAt: e.clock, Status: harvest.RunRunning, Options: `{"depth":1}`, Version: "test"}
	if err := e.store.StartRun(e.ctx, r); err != nil || r.ID == 0 {
		t.Fatalf("StartRun = %v, id %d", err, r.ID)
	}
	r2 := &harvest.Run{Command: "refresh", StartedAt: e.tick(time.Minute), Status: harvest.RunRunning}
	if err := e.store.StartRun(e.ctx, r2); err != nil || r2.ID <= r.ID {
		t.Fatalf("second StartRun = %v, id %d after %d", err, r2.ID, r.ID)
	}
	r.Status, r.FinishedAt, r.PagesFetched, r.SeedsFailed, r.LinksOutOfScope, r.Error = harvest.RunBlocked, e.tick(time.Minute), 3, 1, 7, "video x: HTTP 429"
	if err := e.store.FinishRun(e.ctx, r); err != nil {
		t.Fatal(err)
	}
	runs, err := e.inspect.Runs(e.ctx)
	if err != nil || len(runs) != 2 {
		t.Fatalf("Runs = %+v, %v; want 2", runs, err)
	}
	got := runs[0]
	if got.Command != "crawl" || got.Status != harvest.RunBlocked || got.PagesFetched != 3 || got.SeedsFailed != 1 ||
		got.LinksOutOfScope != 7 || got.Error != r.Error || !got.FinishedAt.Equal(r.FinishedAt) || got.Version != "test" {
		t.Errorf("run = %+v, want %+v", got, r)
	}
	if runs[1].Status != harvest.RunRunning || runs[1].Command != "refresh" {
		t.Errorf("second run = %+v, want running refresh", runs[1])
	}
}

// NextPages hands out queued pages shallowest first, the hosts taking
// turns, within the depth, without the excluded hosts and pages, and
// changes nothing: what is not saved is handed out again (a killed run
// loses nothing and leaves nothing to undo).
func testFrontierOrder(t *testing.T, e *env) {
	if err := e.store.AddSeeds(e.ctx, []string{"https://a.example/", "https://b.example/"}); err != nil {
		t.Fatal(err)
	}
	seeds := e.next(10, 5)
	if got := urls(seeds); !slices.Equal(got, []string{"https://a.example/", "https://b.example/"}) || !seeds[0].Seed || seeds[0].Host != "a.example" {
		t.Fatalf("NextPages = %+v; want the two seeds", seeds)
	}
	if again := e.next(10, 5); !slices.Equal(urls(again), urls(seeds)) {
		t.Fatalf("NextPages again = %v; want the same pages (nothing changes until they are saved)", urls(again))
	}
	a := seeds[0]
	a.State, a.HTTPStatus = harvest.PageFetched, 200
	out := []harvest.Page{
		{URL: "https://a.example/1", Depth: 1}, {URL: "https://a.example/2", Depth: 1},
		{URL: "https://c.example/1", Depth: 1, Listed: true}, {URL: "https://a.example/deep", Depth: 2},
	}
	if st := e.save(&a, nil, out); st.NewPages != 4 {
		t.Fatalf("SavePages stats = %+v, want 4 new pages", st)
	}
	// b.example's seed first (depth 0), then the hosts take turns at depth
	// 1: c's first page before a's second (a's first was its seed).
	got := urls(e.next(10, 1))
	if want := []string{"https://b.example/", "https://c.example/1", "https://a.example/1", "https://a.example/2"}; !slices.Equal(got, want) {
		t.Errorf("NextPages(depth 1) = %v, want %v", got, want)
	}
	if n, err := e.store.CountQueued(e.ctx, 1); err != nil || n != 4 {
		t.Errorf("CountQueued(1) = %d, %v; want 4", n, err)
	}
	if n, _ := e.store.CountQueued(e.ctx, 2); n != 5 {
		t.Errorf("CountQueued(2) = %d, want 5", n)
	}
	ps, err := e.store.NextPages(e.ctx, 10, 1, []string{"a.example"}, []int64{seeds[1].ID})
	if err != nil || !slices.Equal(urls(ps), []string{"https://c.example/1"}) {
		t.Errorf("NextPages without a.example and b's seed = %v, %v; want c.example/1", urls(ps), err)
	}
	if ps := e.next(2, 1); len(ps) != 2 {
		t.Errorf("NextPages(limit 2) = %d pages", len(ps))
	}
	rows := e.pages()
	if r := rows["https://c.example/1"]; !r.Listed || r.FoundFrom != "https://a.example/" || r.Depth != 1 || r.State != "queued" {
		t.Errorf("listed page = %+v", r)
	}
}

// SavePages stores a page's outcome, references and out-links, says what
// was new, and adds nothing twice when the same is saved again; a failed
// re-fetch keeps what the good fetch learnt.
func testSavePages(t *testing.T, e *env) {
	e.store.AddSeeds(e.ctx, []string{"https://news.example/"})
	p := e.next(1, 0)[0]
	p.State, p.HTTPStatus, p.Title, p.FetchedAt = harvest.PageFetched, 200, "Front page", e.clock
	refs := []harvest.Reference{
		{Type: harvest.RefVideo, ID: "H7xQm2Lp9sA", Kind: harvest.KindIframe, InBody: true, StartSeconds: 30},
		{Type: harvest.RefVideo, ID: "H7xQm2Lp9sA", Kind: harvest.KindAnchor, Context: "it's \"quoted\"; DROP TABLE pages"},
		{Type: harvest.RefPlaylist, ID: "PLDEBB741B42EDED3D", Kind: harvest.KindIframe},
		{Type: harvest.RefChannel, ID: "@examplenews", Kind: harvest.KindAnchor},
	}
	out := []harvest.Page{{URL: "https://news.example/a", Depth: 1}, {URL: "https://news.example/b", Depth: 1}}
	if st := e.save(&p, refs, out); st != (harvest.SaveStats{NewPages: 2, NewLinks: 4, NewVideos: 1}) {
		t.Fatalf("SavePages = %+v; want 2 pages, 4 links, 1 video", st)
	}
	if st := e.save(&p, refs, out); st != (harvest.SaveStats{}) {
		t.Fatalf("SavePages again = %+v; want nothing new", st)
	}
	if n := e.count("links"); n != 4 {
		t.Errorf("%d links, want 4", n)
	}
	if n := e.count("pages"); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
	links, err := e.inspect.Links(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var quoted bool
	for _, l := range links {
		quoted = quoted || l.Context == refs[1].Context
		if l.Kind == harvest.KindIframe && l.Ref == "H7xQm2Lp9sA" && (!l.InBody || l.StartSeconds != 30) {
			t.Errorf("iframe link = %+v", l)
		}
	}
	if !quoted {
		t.Error("a context with quotes and SQL was not stored verbatim")
	}
	if v := e.videos()["H7xQm2Lp9sA"]; v.Status != "pending" {
		t.Errorf("a referenced video is %+v, want pending", v)
	}

	// A failed re-fetch keeps the title of the good fetch.
	p.State, p.HTTPStatus, p.Error, p.Title = harvest.PageFailed, 503, "HTTP 503", ""
	e.save(&p, nil, nil)
	r := e.pages()["https://news.example/"]
	if r.Title != "Front page" || r.State != "failed" || r.HTTPStatus != 503 || r.FetchCount != 3 {
		t.Errorf("after a failed re-fetch: %+v", r)
	}
	// A 304 keeps everything, and says the links are still there.
	p.State, p.NotModified, p.HTTPStatus, p.Error = harvest.PageFetched, true, 304, ""
	e.save(&p, nil, nil)
	if r := e.pages()["https://news.example/"]; r.State != "fetched" || r.HTTPStatus != 304 || r.Title != "Front page" {
		t.Errorf("after a 304: %+v", r)
	}
}

// A batch is one transaction: when one page of it cannot be stored, none
// is, and the pages stay queued.
func testSavePagesAtomic(t *testing.T, e *env) {
	e.store.AddSeeds(e.ctx, []string{"https://a.example/", "https://b.example/"})
	ps := e.next(2, 0)
	for i := range ps {
		ps[i].State, ps[i].HTTPStatus = harvest.PageFetched, 200
	}
	batch := []harvest.PageSave{
		{Page: &ps[0], Refs: []harvest.Reference{video("aaaaaaaaaaa", harvest.KindIframe)}, Out: []harvest.Page{{URL: "https://a.example/x", Depth: 1}}},
		{Page: &ps[1], Refs: []harvest.Reference{{Type: "bogus", ID: "x", Kind: harvest.KindAnchor}}},
	}
	if _, err := e.store.SavePages(e.ctx, batch); err == nil {
		t.Fatal("SavePages with a bad reference succeeded")
	}
	for u, r := range e.pages() {
		if r.State != "queued" {
			t.Errorf("%s is %s after a failed batch, want queued", u, r.State)
		}
	}
	if n := e.count("links") + e.count("videos"); n != 0 {
		t.Errorf("%d links and videos stored by a failed batch", n)
	}
	// The store goes on: the same pages, saved right, are stored.
	batch[1].Refs = nil
	if st, err := e.store.SavePages(e.ctx, batch); err != nil || st[0].NewVideos != 1 || st[0].NewPages != 1 {
		t.Errorf("SavePages after a failed batch = %+v, %v", st, err)
	}
}

// A user may delete pages a run has taken (pruning a site while cron's
// crawl runs): their outcome is not stored, nothing of them comes back,
// and the rest of the batch is stored.
func testSavePagesDeleted(t *testing.T, e *env) {
	e.store.AddSeeds(e.ctx, []string{"https://a.example/", "https://b.example/", "https://c.example/"})
	ps := e.next(3, 0)
	if len(ps) != 3 {
		t.Fatalf("took %d pages, want 3", len(ps))
	}
	if err := e.inspect.DeletePages(e.ctx, "https://b.example/"); err != nil {
		t.Fatal(err)
	}
	var batch []harvest.PageSave
	for i := range ps {
		ps[i].State, ps[i].HTTPStatus, ps[i].Title = harvest.PageFetched, 200, "Page"
		host := ps[i].Host
		batch = append(batch, harvest.PageSave{Page: &ps[i],
			Refs: []harvest.Reference{video(strings.Repeat(host[:1], 11), harvest.KindIframe),
				{Type: harvest.RefChannel, ID: "@" + host[:1] + "news", Kind: harvest.KindAnchor}},
			Out: []harvest.Page{{URL: "https://" + host + "/story", Depth: 1}}})
	}
	st, err := e.store.SavePages(e.ctx, batch)
	if err != nil {
		t.Fatalf("SavePages with a page deleted meanwhile: %v", err)
	}
	for i, p := range ps {
		want := harvest.SaveStats{NewPages: 1, NewLinks: 2, NewVideos: 1}
		if p.Host == "b.example" {
			want = harvest.SaveStats{Gone: true}
		}
		if st[i] != want {
			t.Errorf("%s: stats %+v, want %+v", p.URL, st[i], want)
		}
	}
	var got []string
	for u, r := range e.pages() {
		got = append(got, u+" "+r.State)
	}
	slices.Sort(got)
	want := []string{"https://a.example/ fetched", "https://a.example/story queued",
		"https://c.example/ fetched", "https://c.example/story queued"}
	if !slices.Equal(got, want) {
		t.Errorf("pages:\n got  %q\n want %q", got, want)
	}
	if n, v := e.count("links"), e.videos(); n != 4 || len(v) != 2 {
		t.Errorf("%d links and videos %v, want 4 and aaaaaaaaaaa, ccccccccccc", n, v)
	}
}

// Seeds are fetched on every run: adding them again queues them again,
// at depth 0, whatever they were.
func testReseed(t *testing.T, e *env) {
	seed := "https://news.example/"
	e.store.AddSeeds(e.ctx, []string{seed})
	p := e.next(1, 0)[0]
	p.State, p.HTTPStatus = harvest.PageFetched, 200
	e.save(&p, nil, []harvest.Page{{URL: "https://news.example/a", Depth: 1}})
	a := e.next(1, 1)[0]
	a.State, a.HTTPStatus = harvest.PageFetched, 200
	e.save(&a, nil, nil)
	// A page found at depth 1 that becomes a seed.
	if err := e.store.AddSeeds(e.ctx, []string{seed, "https://news.example/a"}); err != nil {
		t.Fatal(err)
	}
	rows := e.pages()
	for _, u := range []string{seed, "https://news.example/a"} {
		if r := rows[u]; r.State != "queued" || r.Depth != 0 || !r.Seed {
			t.Errorf("%s after AddSeeds: %+v; want a queued seed at depth 0", u, r)
		}
	}
}

// QueueDue queues again the pages whose next fetch time has come, and
// every sitemap and feed.
func testRecheckDue(t *testing.T, e *env) {
	e.store.AddSeeds(e.ctx, []string{"https://news.example/"})
	p := e.next(1, 0)[0]
	p.State, p.HTTPStatus = harvest.PageFetched, 200
	e.save(&p, nil, []harvest.Page{
		{URL: "https://news.example/soon", Depth: 1}, {URL: "https://news.example/later", Depth: 1},
		{URL: "https://news.example/feed.xml", Depth: 1},
	})
	for _, q := range e.next(10, 1) {
		q.State, q.HTTPStatus, q.FetchedAt = harvest.PageFetched, 200, e.clock
		switch q.URL {
		case "https://news.example/soon":
			q.NextFetchAt = e.clock.Add(time.Hour)
		case "https://news.example/later":
			q.NextFetchAt = e.clock.Add(7 * 24 * time.Hour)
		case "https://news.example/feed.xml":
			q.Kind = harvest.DocFeed
		}
		e.save(&q, nil, nil)
	}
	n, err := e.store.QueueDue(e.ctx, e.clock.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("QueueDue = %d, %v; want 2 (the page due and the feed)", n, err)
	}
	var queued []string
	for u, r := range e.pages() {
		if r.State == "queued" {
			queued = append(queued, strings.TrimPrefix(u, "https://news.example"))
		}
	}
	slices.Sort(queued)
	if !slices.Equal(queued, []string{"/feed.xml", "/soon"}) {
		t.Errorf("queued after QueueDue: %v", queued)
	}
}

// A page that declares the canonical URL of a page already fetched is a
// duplicate: skipped, its references filed under the first page.
func testCanonicalMerge(t *testing.T, e *env) {
	urls := []string{"https://news.example/a", "https://news.example/a?amp=1", "https://news.example/b"}
	e.store.AddSeeds(e.ctx, urls)
	byURL := map[string]harvest.Page{}
	for _, p := range e.next(10, 0) {
		byURL[p.URL] = p
	}
	save := func(u, canonical, id string) *harvest.Page {
		p := byURL[u]
		p.State, p.HTTPStatus, p.CanonicalURL = harvest.PageFetched, 200, canonical
		e.save(&p, []harvest.Reference{video(id, harvest.KindIframe)}, nil)
		return &p
	}
	a := save("https://news.example/a", "https://news.example/a", "aaaaaaaaaaa")
	amp := save("https://news.example/a?amp=1", "https://news.example/a", "bbbbbbbbbbb")
	b := save("https://news.example/b", "https://news.example/b", "ccccccccccc")
	if a.State != harvest.PageFetched || b.State != harvest.PageFetched {
		t.Errorf("a %s, b %s; want both fetched", a.State, b.State)
	}
	if amp.State != harvest.PageSkipped || amp.Error != "duplicate of https://news.example/a (same canonical URL)" {
		t.Errorf("amp page: %s %q; want skipped as a duplicate of /a", amp.State, amp.Error)
	}
	if r := e.pages()["https://news.example/a?amp=1"]; r.State != "skipped" {
		t.Errorf("stored amp page: %+v", r)
	}
	links, err := e.inspect.Links(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range links {
		got = append(got, l.PageURL+" "+l.Ref)
	}
	want := []string{"https://news.example/a aaaaaaaaaaa", "https://news.example/a bbbbbbbbbbb", "https://news.example/b ccccccccccc"}
	if !slices.Equal(got, want) {
		t.Errorf("links = %v, want %v", got, want)
	}
}

// Duplicates found within one batch are what saving its pages one by one,
// in order, finds: a page whose canonical URL is an earlier batch's page,
// one whose canonical URL is a page saved earlier in the same batch (with
// that canonical URL, or with none), and two that declare the same
// canonical URL of a page not crawled. Each case is a batch of its own, so
// that one batch's pages cannot decide how another is saved.
func testCanonicalBatch(t *testing.T, e *env) {
	const site = "https://news.example"
	paths := []string{"/a", "/a?amp=1", "/gone", "/d", "/c", "/c?amp=1", "/e", "/e?amp=1", "/x1", "/x2"}
	var seeds []string
	for _, p := range paths {
		seeds = append(seeds, site+p)
	}
	e.store.AddSeeds(e.ctx, seeds)
	byURL := map[string]harvest.Page{}
	for _, p := range e.next(20, 0) {
		byURL[p.URL] = p
	}
	videoOf := func(path string) string { // a video of its own for each page
		return strings.Repeat(string(rune('a'+slices.Index(paths, path))), 11)
	}
	save := func(path, canonical string) harvest.PageSave {
		p := byURL[site+path]
		p.State, p.HTTPStatus = harvest.PageFetched, 200
		if canonical != "" {
			p.CanonicalURL = site + canonical
		}
		return harvest.PageSave{Page: &p, Refs: []harvest.Reference{video(videoOf(path), harvest.KindIframe)}}
	}
	gone := byURL[site+"/gone"]
	gone.State, gone.HTTPStatus, gone.Error = harvest.PageFailed, 404, "HTTP 404"
	for _, batch := range [][]harvest.PageSave{
		{save("/a", "/a")},
		{save("/a?amp=1", "/a"), {Page: &gone}, save("/d", "")},
		{save("/c", "/c"), save("/c?amp=1", "/c")},
		{save("/e", ""), save("/e?amp=1", "/e")},
		{save("/x1", "/x"), save("/x2", "/x")},
	} {
		if _, err := e.store.SavePages(e.ctx, batch); err != nil {
			t.Fatalf("SavePages: %v", err)
		}
	}
	want := map[string]string{ // path: state, and whose duplicate
		"/a": "fetched", "/a?amp=1": "skipped /a", "/gone": "failed", "/d": "fetched",
		"/c": "fetched", "/c?amp=1": "skipped /c", "/e": "fetched", "/e?amp=1": "skipped /e",
		"/x1": "fetched", "/x2": "skipped /x1",
	}
	rows := e.pages()
	for path, w := range want {
		r := rows[site+path]
		got := r.State
		if dup, ok := strings.CutPrefix(r.Error, "duplicate of "+site); ok {
			got += " " + strings.TrimSuffix(dup, " (same canonical URL)")
		}
		if got != w {
			t.Errorf("%s: %s (%q), want %s", path, r.State, r.Error, w)
		}
	}
	links, err := e.inspect.Links(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	filed := map[string]string{} // video: the page its reference is filed under
	for _, l := range links {
		filed[l.Ref] = strings.TrimPrefix(l.PageURL, site)
	}
	for path, owner := range map[string]string{"/a": "/a", "/a?amp=1": "/a", "/d": "/d", "/c": "/c",
		"/c?amp=1": "/c", "/e": "/e", "/e?amp=1": "/e", "/x1": "/x1", "/x2": "/x1"} {
		if got := filed[videoOf(path)]; got != owner {
			t.Errorf("the video of %s is filed under %q, want %s", path, got, owner)
		}
	}
	if len(links) != 9 {
		t.Errorf("%d links, want 9", len(links))
	}
}
