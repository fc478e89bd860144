package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// hostSite is one host of the many-hosts benchmark: a front page linking
// its other pages, and those pages, each answered after latency; no
// robots.txt (404, after latency too).
type hostSite struct {
	pages   int
	latency time.Duration
}

func (h hostSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	if k == 0 {
		for i := 1; i < h.pages; i++ {
			fmt.Fprintf(&b, `<p><a href="/p/%d">story %d</a></p>`, i, i)
		}
	}
	b.WriteString(`</article></main></body></html>`)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(b.String()))
}

// manyHosts crawls hosts sites of pages pages each, every host on a
// loopback address of its own (127.0.X.Y) answering after latency, with
// ytharvest's default politeness (--delay 1s, one request at a time per
// host) and default concurrency, and compares the time with the
// politeness bound: the busiest host's requests, robots.txt included,
// times the delay.
func manyHosts(bin string, hosts, pages int, latency time.Duration, runs int) error {
	var seeds []string
	for i := range hosts {
		ip := fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250)
		ln, err := net.Listen("tcp", ip+":0")
		if err != nil {
			return fmt.Errorf("listen on %s: %w", ip, err)
		}
		srv := &http.Server{Handler: hostSite{pages: pages, latency: latency}}
		go srv.Serve(ln)
		defer srv.Close()
		seeds = append(seeds, "http://"+ln.Addr().String()+"/")
	}
	const delay = time.Second // ytharvest's default
	bound := time.Duration(pages+1) * delay
	fmt.Printf("%d hosts of %d pages on their own loopback addresses, each answer after %v; default politeness (--delay %v, one request at a time per host), default concurrency\n",
		hosts, pages, latency, delay)
	fmt.Printf("politeness bound: %d requests to the busiest host (robots.txt and %d pages) x %v = %v\n\n", pages+1, pages, delay, bound)
	fmt.Printf("%-4s %8s %9s %9s %9s\n", "run", "pages", "seconds", "x bound", "peak RSS")
	var worst float64
	for i := range runs {
		r, err := crawlHosts(bin, seeds)
		if err != nil {
			return err
		}
		ratio := r.Seconds / bound.Seconds()
		worst = max(worst, ratio)
		fmt.Printf("%-4d %8d %9.2f %8.2fx %7.0f MB\n", i+1, r.Pages, r.Seconds, ratio, r.PeakMB)
	}
	fmt.Printf("\nslowest run: %.2fx the politeness bound\n", worst)
	return nil
}

// crawlHosts crawls the seeds with the ytharvest binary into a new
// database and counts the pages it stored.
func crawlHosts(bin string, seeds []string) (result, error) {
	dir, err := os.MkdirTemp("", "ytharvest-bench")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	list := filepath.Join(dir, "seeds.txt")
	if err := os.WriteFile(list, []byte(strings.Join(seeds, "\n")), 0o644); err != nil {
		return result{}, err
	}
	db := filepath.Join(dir, "hosts.db")
	r, err := measure("ytharvest", exec.Command(bin, "crawl", "--db", db, "--seeds-file", list,
		"--youtube-url", "http://127.0.0.1:1", "-q"))
	if err != nil {
		return result{}, err
	}
	out, err := exec.Command(bin, "sql", "--db", db, "SELECT count(*) FROM pages WHERE state = 'fetched'").Output()
	if err != nil {
		return result{}, fmt.Errorf("count pages: %w", err)
	}
	fmt.Sscanf(string(out), "count(*)\n%d", &r.Pages)
	return r, nil
}
