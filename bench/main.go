// Command bench crawls a generated loopback site of N pages twice, side by
// side in one run: with the ytharvest binary (politeness off, everything
// persisted in SQLite) and with colly v2 (the same goquery extraction, kept
// in memory), and reports pages per second and peak RSS of each. Each
// crawler runs in its own process so that its peak RSS is its own.
//
//	cd bench && go run . -bin ../bin/ytharvest -pages 10000
package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/harvestdev/ytharvest/harvest/extract"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

type result struct {
	Name    string  `json:"name"`
	Pages   int     `json:"pages"`
	Seconds float64 `json:"seconds"`
	PeakMB  float64 `json:"peak_mb"`
	// CPU is the crawler process's CPU time (user and system) in seconds:
	// steadier than the wall time on a shared machine, and without the
	// benchmark's site, which serves both crawlers.
	CPU float64 `json:"cpu"`
	// SiteCPU is the CPU time this process (the site, and the fake
	// YouTube) spent while the crawler ran, in seconds.
	SiteCPU float64 `json:"site_cpu"`
}

// cpuPerPage is the crawler's CPU time a page, in microseconds.
func (r result) cpuPerPage() float64 { return r.CPU / float64(r.Pages) * 1e6 }

// siteCPUPerPage is the site's CPU time a page of the crawl, in
// microseconds.
func (r result) siteCPUPerPage() float64 { return r.SiteCPU / float64(r.Pages) * 1e6 }

// selfCPU is this process's CPU time so far, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func (r result) rate() float64 { return float64(r.Pages) / r.Seconds }

func main() {
	bin := flag.String("bin", "../bin/ytharvest", "the ytharvest binary")
	pages := flag.Int("pages", 10000, "pages in the generated site")
	workers := flag.Int("concurrency", 16, "requests in flight, for both crawlers")
	runs := flag.Int("runs", 5, "crawls by each crawler, taking turns; the medians are compared (the machine's load varies from run to run)")
	collyURL := flag.String("colly", "", "internal: crawl this URL with colly and print the result")
	hosts := flag.Int("hosts", 0, "instead: crawl this many hosts of -host-pages pages each, at the default politeness, and compare with the politeness bound")
	hostPages := flag.Int("host-pages", 10, "with -hosts, pages per host")
	latency := flag.Duration("latency", 100*time.Millisecond, "with -hosts, how long each answer takes")
	pg := flag.String("pg", "", "instead: the scale-out benchmark, on the PostgreSQL server of this `URL` (it creates databases ytharvest_bench_N): -hosts hosts of -host-pages pages answering after -latency, 1, 2 and 4 worker processes, then one SQLite crawl")
	perWorker := flag.Int("worker-concurrency", 4, "with -pg, hosts each worker (and the SQLite crawl) fetches at once")
	ytRate := flag.Float64("youtube-rate", 10, "with -pg, YouTube requests per second per worker")
	serveOnly := flag.Bool("serve", false, "serve the generated site and the fake YouTube, print their URLs and wait (to profile a crawl by hand)")
	flag.Parse()
	if *serveOnly {
		site, _, err := serve(testserver.GeneratedSite{Pages: *pages, Videos: 100})
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		yt, _, err := serve(testserver.NewYouTube(filepath.Join("..", "testdata", "youtube")))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Printf("site %s/\nyoutube %s\n", site, yt)
		select {}
	}
	if *pg != "" {
		if err := scaleOut(scaleOpts{bin: *bin, admin: *pg, hosts: max(*hosts, 1), pages: *hostPages, perWorker: *perWorker, latency: *latency, ytRate: *ytRate}); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *hosts > 0 {
		if err := manyHosts(*bin, *hosts, *hostPages, *latency, *runs); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *collyURL != "" {
		r, err := crawlColly(*collyURL, *workers)
		if err != nil {
			fmt.Fprintln(os.Stderr, "colly:", err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	if err := run(*bin, *pages, *workers, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(bin string, pages, workers, runs int) error {
	site, stopSite, err := serve(testserver.GeneratedSite{Pages: pages, Videos: 100})
	if err != nil {
		return err
	}
	defer stopSite()
	yt, stopYT, err := serve(testserver.NewYouTube(filepath.Join("..", "testdata", "youtube")))
	if err != nil {
		return err
	}
	defer stopYT()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	w := fmt.Sprint(workers)
	fmt.Printf("generated site: %d pages on loopback, %d requests in flight, politeness off; %d runs of each, taking turns\n\n", pages, workers, runs)
	fmt.Printf("%-4s %-10s %8s %9s %10s %9s %12s\n", "run", "crawler", "pages", "seconds", "pages/s", "peak RSS", "CPU µs/page")
	var ys, cs []result
	for i := range runs {
		before := selfCPU()
		yh, err := crawlYtharvest(bin, site, yt, w)
		if err != nil {
			return err
		}
		yh.SiteCPU = selfCPU() - before
		var cr result
		before = selfCPU()
		co, err := measure("colly", exec.Command(self, "-colly", site+"/", "-concurrency", w),
			func(stdout []byte) error { return json.Unmarshal(stdout, &cr) })
		if err != nil {
			return err
		}
		co.SiteCPU = selfCPU() - before
		co.Pages = cr.Pages
		for _, r := range []result{yh, co} {
			fmt.Printf("%-4d %-10s %8d %9.2f %10.0f %7.0f MB %12.0f\n", i+1, r.Name, r.Pages, r.Seconds, r.rate(), r.PeakMB, r.cpuPerPage())
		}
		ys, cs = append(ys, yh), append(cs, co)
	}
	y, c := median(ys), median(cs)
	fmt.Printf("\nmedian    ytharvest %6.0f pages/s (peak RSS at most %.0f MB), colly %6.0f pages/s (at most %.0f MB)\n",
		y.rate(), maxRSS(ys), c.rate(), maxRSS(cs))
	fmt.Printf("ytharvest / colly pages/s, medians: %.2fx (target 2x)\n", y.rate()/c.rate())
	yc, cc := medianOf(ys, result.cpuPerPage), medianOf(cs, result.cpuPerPage)
	ysite, csite := medianOf(ys, result.siteCPUPerPage), medianOf(cs, result.siteCPUPerPage)
	fmt.Printf("CPU a page, medians: ytharvest %.0f µs, colly %.0f µs (the crawler processes alone): %.2fx\n", yc, cc, cc/yc)
	// Both crawlers share the machine's cores with the site: with every
	// core busy all the time, a crawl takes (crawler + site CPU) / cores.
	fmt.Printf("the site's CPU a page while each crawled: %.0f µs, %.0f µs; with every core busy all the time, the pages/s ratio would be at most %.2fx\n",
		ysite, csite, (cc+csite)/(yc+ysite))
	return nil
}

// crawlYtharvest crawls site with the ytharvest binary into a new
// database, and counts the pages it stored.
func crawlYtharvest(bin, site, yt, w string) (result, error) {
	dir, err := os.MkdirTemp("", "ytharvest-bench")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "bench.db")
	yh, err := measure("ytharvest", exec.Command(bin, "crawl", "--db", db,
		"--depth", "100", "--delay", "0s", "--concurrency", w, "--host-concurrency", w,
		"--youtube-url", yt, "--youtube-rate", "0", "--youtube-concurrency", "4", "-q", site+"/"))
	if err != nil {
		return result{}, err
	}
	out, err := exec.Command(bin, "sql", "--db", db,
		"SELECT count(*) FROM pages WHERE state IN ('fetched', 'skipped')").Output()
	if err != nil {
		return result{}, fmt.Errorf("count pages: %w", err)
	}
	fmt.Sscanf(string(out), "count(*)\n%d", &yh.Pages)
	return yh, nil
}

// median is the result of median pages/s.
func median(rs []result) result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int { return cmp.Compare(a.rate(), b.rate()) })
	return s[len(s)/2]
}

// medianOf is the median of f over rs.
func medianOf(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func maxRSS(rs []result) float64 {
	m := 0.0
	for _, r := range rs {
		m = max(m, r.PeakMB)
	}
	return m
}

// measure runs cmd and reports its wall time and peak RSS; parse, when
// given, reads its standard output.
func measure(name string, cmd *exec.Cmd, parse ...func([]byte) error) (result, error) {
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	elapsed := time.Since(start)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	for _, p := range parse {
		if err := p(out); err != nil {
			return result{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return result{Name: name, Seconds: elapsed.Seconds(), PeakMB: float64(ru.Maxrss) / 1024, CPU: cpu.Seconds()}, nil
}

// crawlColly crawls like ytharvest does, without a database: the same
// extraction, links followed on the same host, references kept in memory.
func crawlColly(start string, workers int) (result, error) {
	u, err := url.Parse(start)
	if err != nil {
		return result{}, err
	}
	c := colly.NewCollector(colly.Async(true), colly.AllowedDomains(u.Hostname()), colly.MaxDepth(100))
	c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: workers})
	var mu sync.Mutex
	var refs []any
	pages := 0
	c.OnResponse(func(r *colly.Response) {
		x, err := extract.Extract(r.Request.URL, bytes.NewReader(r.Body))
		if err != nil {
			return
		}
		mu.Lock()
		pages++
		for _, ref := range x.Refs {
			refs = append(refs, ref)
		}
		mu.Unlock()
		for _, l := range x.Links {
			r.Request.Visit(l)
		}
	})
	t0 := time.Now()
	if err := c.Visit(start); err != nil {
		return result{}, err
	}
	c.Wait()
	return result{Name: "colly", Pages: pages, Seconds: time.Since(t0).Seconds()}, nil
}

func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
