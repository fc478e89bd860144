package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/internal/testserver"
)

// videoHostSite is one host of the scale-out benchmark: a front page
// linking its other pages, every answer after latency, and every fourth
// page embedding a video of its own.
type videoHostSite struct {
	host, pages int
	latency     time.Duration
}

func (h videoHostSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(h.latency)
	k := 0
	if r.URL.Path != "/" {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/p/"))
		if err != nil || n < 1 || n >= h.pages {
			http.NotFound(w, r)
			return
		}
		k = n
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><title>Story %d</title></head><body><main><article><h1>Story %d</h1>`, k, k)
	for i := range 6 {
		fmt.Fprintf(&b, "<p>Paragraph %d of story %d. Officials said on Tuesday that the plan would go ahead as announced.</p>", i, k)
	}
	if k%4 == 1 {
		fmt.Fprintf(&b, `<iframe src="https://www.youtube.com/embed/w%03d%07d"></iframe>`, h.host, k)
	}
	if k == 0 {
		for i := 1; i < h.pages; i++ {
			fmt.Fprintf(&b, `<p><a href="/p/%d">story %d</a></p>`, i, i)
		}
	}
	b.WriteString(`</article></main></body></html>`)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(b.String()))
}

// scaleOpts are the scale-out benchmark's settings.
type scaleOpts struct {
	bin, admin   string // the binary; the PostgreSQL server's URL
	hosts, pages int
	perWorker    int // --concurrency of each worker
	latency      time.Duration
	ytRate       float64 // --youtube-rate of each worker
}

// scaleOut crawls hosts sites of pages pages each (answers after
// latency) into PostgreSQL with 1, 2 and 4 worker processes, each
// --concurrency perWorker hosts at once and its own --youtube-rate, then
// one SQLite crawl of the same settings, and prints pages/s and videos/s.
func scaleOut(o scaleOpts) error {
	bin, admin, hosts, pages, perWorker, latency, ytRate := o.bin, o.admin, o.hosts, o.pages, o.perWorker, o.latency, o.ytRate
	var seeds []string
	for i := range hosts {
		ip := fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250)
		ln, err := net.Listen("tcp", ip+":0")
		if err != nil {
			return fmt.Errorf("listen on %s: %w", ip, err)
		}
		srv := &http.Server{Handler: videoHostSite{host: i, pages: pages, latency: latency}}
		go srv.Serve(ln)
		defer srv.Close()
		seeds = append(seeds, "http://"+ln.Addr().String()+"/")
	}
	yt, stopYT, err := serve(testserver.NewYouTube(filepath.Join("..", "testdata", "youtube")))
	if err != nil {
		return err
	}
	defer stopYT()
	videos := hosts * ((pages + 2) / 4)
	common := []string{"--youtube-url", yt, "--youtube-rate", strconv.FormatFloat(ytRate, 'f', -1, 64),
		"--youtube-concurrency", "4", "--concurrency", strconv.Itoa(perWorker), "-q"}
	fmt.Printf("%d hosts x %d pages (%d videos), each answer after %v, --delay 0s; per worker: --concurrency %d, --youtube-rate %v\n\n",
		hosts, pages, videos, latency, perWorker, ytRate)
	fmt.Printf("%-22s %8s %8s %10s %10s\n", "", "pages", "videos", "pages/s", "videos/s")
	var one float64
	for _, n := range []int{1, 2, 4} {
		r, err := pgCrawl(bin, admin, n, seeds, common)
		if err != nil {
			return err
		}
		if n == 1 {
			one = r.pagesPerSec
		}
		fmt.Printf("%-22s %8d %8d %10.1f %10.1f   (pages %.2fx one worker)\n", fmt.Sprintf("postgres, %d worker(s)", n),
			r.pages, r.videos, r.pagesPerSec, r.videosPerSec, r.pagesPerSec/one)
	}
	dir, err := os.MkdirTemp("", "ytharvest-scaleout")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	args := append([]string{"crawl", "--db", filepath.Join(dir, "h.db"), "--depth", "1", "--delay", "0s", "--host-concurrency", "1"}, common...)
	if out, err := exec.Command(bin, append(args, seeds...)...).CombinedOutput(); err != nil {
		return fmt.Errorf("sqlite crawl: %v\n%s", err, out)
	}
	secs := time.Since(start).Seconds()
	fmt.Printf("%-22s %8d %8d %10.1f %10.1f   (the whole crawl, pages and videos together)\n", "sqlite, 1 process",
		hosts*pages, videos, float64(hosts*pages)/secs, float64(videos)/secs)
	return nil
}

type pgResult struct {
	pages, videos             int
	pagesPerSec, videosPerSec float64
}

// pgCrawl enqueues the seeds in a new database and runs n workers until
// the queue is empty, timing the pages and the videos.
func pgCrawl(bin, admin string, n int, seeds, common []string) (pgResult, error) {
	ctx := context.Background()
	dsn, err := freshDatabase(ctx, admin, fmt.Sprintf("ytharvest_bench_%d", n))
	if err != nil {
		return pgResult{}, err
	}
	enqueue := append([]string{"crawl", "--db", dsn, "--enqueue-only", "--depth", "1", "--delay", "0s", "-q"}, seeds...)
	if out, err := exec.Command(bin, enqueue...).CombinedOutput(); err != nil {
		return pgResult{}, fmt.Errorf("enqueue: %v\n%s", err, out)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return pgResult{}, err
	}
	defer conn.Close(ctx)
	start := time.Now()
	var cmds []*exec.Cmd
	for range n {
		c := exec.Command(bin, append([]string{"worker", "--db", dsn, "--until-idle", "--max-duration", "10m"}, common...)...)
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			return pgResult{}, err
		}
		cmds = append(cmds, c)
	}
	done := make(chan error, 1)
	go func() {
		var err error
		for _, c := range cmds {
			err = firstErr(err, c.Wait())
		}
		done <- err
	}()
	var r pgResult
	var pagesAt, videosAt time.Duration
	for {
		select {
		case err := <-done:
			if err != nil {
				return r, fmt.Errorf("worker: %w", err)
			}
			if pagesAt == 0 || videosAt == 0 {
				return r, fmt.Errorf("the workers stopped with %d pages and %d videos done", r.pages, r.videos)
			}
			r.pagesPerSec, r.videosPerSec = float64(r.pages)/pagesAt.Seconds(), float64(r.videos)/videosAt.Seconds()
			return r, nil
		case <-time.After(100 * time.Millisecond):
		}
		var queued, vPending int
		err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FILTER (WHERE state <> 'queued') FROM pages),
			(SELECT count(*) FILTER (WHERE state = 'queued') FROM pages),
			(SELECT count(*) FILTER (WHERE fetched_at IS NOT NULL) FROM videos),
			(SELECT count(*) FILTER (WHERE fetched_at IS NULL) FROM videos)`).Scan(&r.pages, &queued, &r.videos, &vPending)
		if err != nil {
			return r, err
		}
		if pagesAt == 0 && queued == 0 && r.pages > len(seeds) {
			pagesAt = time.Since(start)
		}
		if pagesAt != 0 && videosAt == 0 && vPending == 0 {
			videosAt = time.Since(start)
		}
	}
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// freshDatabase drops and creates database name on the server of admin
// and returns its URL.
func freshDatabase(ctx context.Context, admin, name string) (string, error) {
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}
