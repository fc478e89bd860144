package db_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
)

// BenchmarkSavePage measures the writer's hot path: one transaction that
// updates a page, stores 5 references (new video stubs included) and
// queues 50 out-links.
func BenchmarkSavePage(b *testing.B) {
	ctx := context.Background()
	d, _ := MustOpenDB(b)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		u := fmt.Sprintf("https://news.example/p%d", i)
		if err := d.AddSeeds(ctx, []string{u}); err != nil {
			b.Fatal(err)
		}
		ps, err := d.NextPages(ctx, 1, 0, nil, nil)
		if err != nil || len(ps) != 1 {
			b.Fatalf("claim: %v %v", ps, err)
		}
		p := ps[0]
		p.State, p.HTTPStatus, p.Title = harvest.PageFetched, 200, "a page"
		var refs []harvest.Reference
		for j := range 5 {
			refs = append(refs, harvest.Reference{Type: harvest.RefVideo, ID: fmt.Sprintf("%06d%05d", i, j), Kind: harvest.KindIframe, InBody: true})
		}
		var out []harvest.Page
		for j := range 50 {
			out = append(out, harvest.Page{URL: fmt.Sprintf("https://news.example/p%d/l%d", i, j), Depth: 1})
		}
		st, err := d.SavePage(ctx, &p, refs, out)
		if err != nil || st.NewVideos != 5 || st.NewLinks != 5 || st.NewPages != 50 {
			b.Fatalf("SavePage = %+v, %v", st, err)
		}
	}
}

// BenchmarkCrawlWriter replays, without the network, what the crawl
// benchmark's writer does (bench/, a generated site of 10,000 pages on
// one host): pages taken from the frontier a window at a time, and
// stored in batches of 128, each page fetched with its canonical URL,
// two references (an embedded video and a linked one, of 100 videos)
// and the out-links not yet handed to the frontier this run. One op is
// one whole crawl into a new database.
func BenchmarkCrawlWriter(b *testing.B) {
	const pages, window, batch = 10_000, 256, 128
	ctx := context.Background()
	b.ReportAllocs()
	var cpu time.Duration // the process's CPU time in the crawls: steadier than wall time on a shared machine
	for b.Loop() {
		b.StopTimer()
		d, _ := MustOpenDB(b)
		b.StartTimer()
		start := cpuTime()
		w := crawlReplay{db: d, pages: pages, seen: make(map[string]bool)}
		if err := w.run(ctx, window, batch); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - start
		b.StopTimer()
		var fetched, links int
		d.SQL().QueryRow(`SELECT count(*) FROM pages WHERE state = 'fetched'`).Scan(&fetched)
		d.SQL().QueryRow(`SELECT count(*) FROM links`).Scan(&links)
		if w.saved != pages || fetched != pages || links != 2*pages {
			b.Fatalf("saved %d pages: %d fetched, %d links; want %d, %d", w.saved, fetched, links, pages, 2*pages)
		}
		d.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*pages), "µs/page")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*pages), "cpu-µs/page")
	}
}

// crawlReplay is the crawl of BenchmarkCrawlWriter.
type crawlReplay struct {
	db    *db.DB
	pages int
	seen  map[string]bool // URLs handed to the frontier, as the crawler keeps
	saved int
}

const replaySite = "http://127.0.0.1:40917"

func (w *crawlReplay) run(ctx context.Context, window, batch int) error {
	if err := w.db.AddSeeds(ctx, []string{replaySite + "/"}); err != nil {
		return err
	}
	w.seen[replaySite+"/"] = true
	var held []harvest.Page
	for more := true; more || len(held) > 0; {
		if more && len(held) <= window/2 {
			ids := make([]int64, len(held))
			for i, p := range held {
				ids[i] = p.ID
			}
			ps, err := w.db.NextPages(ctx, window-len(held), 100, nil, ids)
			if err != nil {
				return err
			}
			held = append(held, ps...)
			more = len(ps) == window-len(ids)
		}
		n := min(batch, len(held))
		saves := make([]harvest.PageSave, n)
		for i := range n {
			saves[i] = w.fetched(held[i])
		}
		held = held[n:]
		stats, err := w.db.SavePages(ctx, saves)
		if err != nil {
			return err
		}
		w.saved += n
		for _, st := range stats {
			more = more || st.NewPages > 0
		}
	}
	return nil
}

// fetched is page p as the crawler hands it to the store, fetched.
func (w *crawlReplay) fetched(p harvest.Page) harvest.PageSave {
	k := 0
	fmt.Sscanf(strings.TrimPrefix(p.URL, replaySite+"/p/"), "%d", &k)
	now := time.Now().UTC()
	p.State, p.HTTPStatus, p.Kind = harvest.PageFetched, 200, harvest.DocHTML
	p.FetchedAt, p.NextFetchAt = now, now.Add(7*24*time.Hour)
	p.FinalURL, p.CanonicalURL = p.URL, p.URL
	p.ContentType, p.BodyBytes, p.Language = "text/html; charset=utf-8", 2059, "en"
	p.ContentHash = fmt.Sprintf("%064x", k)
	p.Title = fmt.Sprintf("Story %d | The Generated Times", k)
	video := func(i int) string { return fmt.Sprintf("v%010d", i%100) }
	refs := []harvest.Reference{
		{Type: harvest.RefVideo, ID: video(k), Kind: harvest.KindIframe, InBody: true,
			URL: "https://www.youtube.com/embed/" + video(k)},
		{Type: harvest.RefVideo, ID: video(k + 1), Kind: harvest.KindAnchor, Context: "video",
			URL: "https://www.youtube.com/watch?v=" + video(k+1)},
	}
	links := []int{0, 1, 2}
	for c := 3*k + 1; c <= 3*k+3 && c < w.pages; c++ {
		links = append(links, c)
	}
	for i := 1; i <= 5; i++ {
		links = append(links, (k*7+i*13)%(w.pages-1)+1)
	}
	var out []harvest.Page
	for _, l := range links {
		u := replaySite + "/"
		if l > 0 {
			u += "p/" + strconv.Itoa(l)
		}
		if !w.seen[u] {
			w.seen[u] = true
			out = append(out, harvest.Page{URL: u, Depth: p.Depth + 1})
		}
	}
	return harvest.PageSave{Page: &p, Refs: refs, Out: out}
}
