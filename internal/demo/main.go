// Command demo runs ytharvest end to end, offline: it serves the fake news
// site in testdata/site and the fake YouTube in testdata/youtube on
// loopback, crawls them into a fresh database with the ytharvest binary,
// prints `ytharvest stats` and two example queries, and stops everything
// it started. `make demo` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/internal/testserver"
)

const videosPerPage = `SELECT p.url AS page, count(DISTINCT l.video_id) AS videos, group_concat(DISTINCT l.kind) AS kinds
FROM pages p JOIN links l ON l.page_id = p.id AND l.ref_type = 'video'
GROUP BY p.id ORDER BY videos DESC, p.url`

const videoStatuses = `SELECT v.id, v.status, coalesce(v.title, '') AS title, coalesce(v.channel_title, '') AS channel,
  v.duration_seconds AS secs, group_concat(DISTINCT l.kind) AS found_as
FROM videos v JOIN links l ON l.video_id = v.id
GROUP BY v.id ORDER BY v.status, v.id`

const transcriptHits = `SELECT s.video_id, s.language, s.start_ms / 1000 AS second, s.text
FROM transcript_segments s WHERE s.text LIKE '%guard of honour%' ORDER BY s.video_id, s.start_ms`

func main() {
	bin := flag.String("bin", "bin/ytharvest", "the ytharvest binary")
	dbPath := flag.String("db", "demo.db", "database to create (removed first)")
	site := flag.String("site", "testdata/site", "fake news site directory")
	yt := flag.String("youtube", "testdata/youtube", "fake YouTube directory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *bin, *dbPath, *site, *yt); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin, dbPath, siteDir, ytDir string) error {
	for _, dir := range []string{siteDir, ytDir} {
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("run from the repository root: %w", err)
		}
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	siteURL, stopSite, err := serve(testserver.NewSite(siteDir))
	if err != nil {
		return err
	}
	defer stopSite()
	fake := testserver.NewYouTube(ytDir)
	ytURL, stopYT, err := serve(fake)
	if err != nil {
		return err
	}
	defer stopYT()
	fmt.Printf("# fake news site on %s, fake YouTube on %s\n\n", siteURL, ytURL)

	// The fakes are ours and on loopback, so the demo turns politeness off:
	// by default ytharvest waits 1s between two requests to one host and
	// asks YouTube at most once a second.
	steps := [][]string{
		{"crawl", "--db", dbPath, "--depth", "1", "--delay", "0s", "--host-concurrency", "4",
			"--youtube-url", ytURL, "--youtube-rate", "0", siteURL + "/"},
		{"stats", "--db", dbPath},
		{"sql", "--db", dbPath, videosPerPage},
		{"sql", "--db", dbPath, videoStatuses},
		{"sql", "--db", dbPath, transcriptHits},
	}
	for _, args := range steps {
		fmt.Printf("$ ytharvest %s\n", quote(args))
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("ytharvest %s: %w", args[0], err)
		}
		fmt.Println()
	}
	fmt.Printf("# done: the database is %s; try: bin/ytharvest sql --db %s \"SELECT * FROM video_pages\"\n", dbPath, dbPath)
	return nil
}

// serve starts h on a loopback port and returns its base URL.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// quote renders args the way one would type them in a shell.
func quote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \n\t'\"*()") {
			// The queries hold single quotes and no double quotes, $ or `.
			a = `"` + strings.Join(strings.Fields(a), " ") + `"`
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
