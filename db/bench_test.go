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

// BenchmarkPruneSite deletes, as a user prunes a site with their own SQL,
// the older half of a site's pages, every one of which links the same
// video (a sidebar's promo), each first seen a minute after the one
// before: every page deleted takes the site's first sighting of the video,
// which links_sites_ad reads again from the references left. The time a
// page deleted should not grow with the site (schema 14; before, 2,000 of
// 20,000 such pages took 11 s).
//
//	go test -run='^$' -bench=PruneSite ./db/
func BenchmarkPruneSite(b *testing.B) {
	ctx := context.Background()
	for _, pages := range []int{2_000, 20_000} {
		b.Run(fmt.Sprint(pages), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				d, _ := MustOpenDB(b)
				sqlDB := d.SQL()
				for _, q := range []string{
					`INSERT INTO videos (id, first_seen_at) VALUES ('dQw4w9WgXcQ', '2026-01-01T00:00:00Z')`,
					`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
					 INSERT INTO pages (url, host, host_seq, depth, kind, first_seen_at, state)
					 SELECT 'http://a.example/p' || i, 'a.example', i, 1, 'html',
					        strftime('%Y-%m-%dT%H:%M:%SZ', '2026-01-01', '+' || i || ' minutes'), 'fetched' FROM n`,
					`INSERT INTO links (page_id, ref_type, ref_id, video_id, kind, in_body, first_seen_at, last_seen_at)
					 SELECT id, 'video', 'dQw4w9WgXcQ', 'dQw4w9WgXcQ', 'anchor', 0, first_seen_at, first_seen_at FROM pages`,
				} {
					if _, err := sqlDB.ExecContext(ctx, q, pages); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if _, err := sqlDB.ExecContext(ctx, `DELETE FROM pages WHERE id IN (SELECT id FROM pages ORDER BY id LIMIT ?)`, pages/2); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				var first string
				var links int
				if err := sqlDB.QueryRowContext(ctx, `SELECT first_seen_at, links FROM site_videos`).Scan(&first, &links); err != nil {
					b.Fatal(err)
				}
				// The oldest page left was first seen pages/2+1 minutes in.
				want := time.Date(2026, 1, 1, 0, pages/2+1, 0, 0, time.UTC).Format("2006-01-02T15:04:05Z")
				if first != want || links != pages-pages/2 {
					b.Fatalf("site_videos after the prune: first seen %s, %d links; want %s, %d", first, links, want, pages-pages/2)
				}
				d.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*(pages/2)), "µs/page-deleted")
		})
	}
}
