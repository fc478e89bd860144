// Command demo runs ytharvest end to end, offline: it serves the fake news
// site in testdata/site and the fake YouTube in testdata/youtube on
// loopback, crawls them into a fresh database with the ytharvest binary,
// shows stats, example queries, a search and the extract of one page, and
// stops everything it started, saying how to browse the result with
// `ytharvest serve`. `make demo` runs it.
//
// With --serve it then keeps the fake site and the fake YouTube running,
// and prints their URLs and commands to try by hand, until Ctrl-C:
//
//	go run ./internal/demo --serve
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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

func main() {
	bin := flag.String("bin", "bin/ytharvest", "the ytharvest binary")
	dbPath := flag.String("db", "demo.db", "database to create (removed first)")
	site := flag.String("site", "testdata/site", "fake news site directory")
	yt := flag.String("youtube", "testdata/youtube", "fake YouTube directory")
	keep := flag.Bool("serve", false, "after the demo, keep the fake site and YouTube running and print commands to try")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *bin, *dbPath, *site, *yt, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run runs the demo, writing what it does to out.
func run(ctx context.Context, out io.Writer, bin, dbPath, siteDir, ytDir string, keep bool) error {
	for _, dir := range []string{siteDir, ytDir} {
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("run from the repository root: %w", err)
		}
	}
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(out, "# building %s\n", bin)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ytharvest")
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", bin, err)
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
	fmt.Fprintf(out, "# fake news site on %s, fake YouTube on %s\n\n", siteURL, ytURL)

	// The fakes are ours and on loopback, so the demo turns politeness off:
	// by default ytharvest waits 1s between two requests to one host and
	// asks YouTube at most once a second.
	crawl := []string{"crawl", "--db", dbPath, "--depth", "1", "--delay", "0s", "--host-concurrency", "4",
		"--youtube-url", ytURL, "--youtube-rate", "0", siteURL + "/"}
	steps := []struct {
		note string
		args []string
	}{
		{"", crawl},
		{"", []string{"stats", "--db", dbPath}},
		{"# the videos each page references, and how", []string{"sql", "--db", dbPath, videosPerPage}},
		{"# the fake YouTube answers from canned recordings (testdata/youtube): the private,\n" +
			"# removed, age_restricted, live_upcoming and unplayable statuses below are its\n" +
			"# answers, played back to show each status, not the state of real videos", []string{"sql", "--db", dbPath, videoStatuses}},
		{"# what was said, and where: a link that starts each video at the moment", []string{"search", "--db", dbPath, `"guard of honour"`}},
		{"# what one page references, without a database", []string{"extract", siteURL + "/articles/state-visit"}},
	}
	for _, st := range steps {
		args := st.args
		if st.note != "" {
			fmt.Fprintln(out, st.note)
		}
		fmt.Fprintf(out, "$ ytharvest %s\n", quote(args))
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("ytharvest %s: %w", args[0], err)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "# done: the database is %s; try: %s sql --db %s \"SELECT * FROM video_pages\"\n", dbPath, bin, dbPath)
	fmt.Fprintf(out, "# to browse it, run:  %s serve --db %s   and open http://localhost:8080/\n", bin, dbPath)
	fmt.Fprintf(out, "# (read-only, on loopback; Ctrl-C stops it), or write one file to email:  %s report --db %s -o report.html\n", bin, dbPath)
	if !keep {
		return nil
	}
	fmt.Fprintf(out, `
# --serve: the fake news site is on %[1]s and the fake YouTube on %[2]s
# until Ctrl-C. Every command works against them; for example:
#
#   %[3]s crawl --db try.db --delay 0s --youtube-url %[2]s %[1]s/
#   %[3]s crawl --db try.db --youtube-url %[2]s %[1]s/feed.xml %[1]s/sitemap-index.xml
#   %[3]s video --db try.db --youtube-url %[2]s H7xQm2Lp9sA
#   %[3]s refresh --db try.db --youtube-url %[2]s --refresh-after 0s
#   %[3]s extract --json %[1]s/articles/festival
#   %[3]s search --db try.db budget
#   %[3]s export --db try.db --table videos --format csv
#   %[3]s stats --db try.db
#
# (the fakes are on loopback: --delay 0s turns politeness off for them;
# YTHARVEST_YOUTUBE_URL=%[2]s saves typing --youtube-url)
`, siteURL, ytURL, bin)
	<-ctx.Done()
	fmt.Fprintln(out, "\n# stopped")
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
		switch {
		case strings.Contains(a, `"`):
			// A search phrase: no single quotes in it.
			a = "'" + a + "'"
		case strings.ContainsAny(a, " \n\t'*()"):
			// The queries hold single quotes and no double quotes, $ or `.
			a = `"` + strings.Join(strings.Fields(a), " ") + `"`
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
