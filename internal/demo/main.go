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

// demo is one run of the demo: where things are and what it writes to.
type demo struct {
	out     io.Writer
	bin     string // the ytharvest binary, built when missing
	dbPath  string // removed first
	siteDir string // the fake news site's files
	ytDir   string // the fake YouTube's answers
	keep    bool   // --serve: keep the fakes running until ctx ends
}

func main() {
	d := demo{out: os.Stdout}
	flag.StringVar(&d.bin, "bin", "bin/ytharvest", "the ytharvest binary")
	flag.StringVar(&d.dbPath, "db", "demo.db", "database to create (removed first)")
	flag.StringVar(&d.siteDir, "site", "testdata/site", "fake news site directory")
	flag.StringVar(&d.ytDir, "youtube", "testdata/youtube", "fake YouTube directory")
	flag.BoolVar(&d.keep, "serve", false, "after the demo, keep the fake site and YouTube running and print commands to try")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := d.run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run runs the demo, writing what it does to d.out.
func (d demo) run(ctx context.Context) error {
	if err := d.prepare(ctx); err != nil {
		return err
	}
	siteURL, stopSite, err := serve(testserver.NewSite(d.siteDir))
	if err != nil {
		return err
	}
	defer stopSite()
	ytURL, stopYT, err := serve(testserver.NewYouTube(d.ytDir))
	if err != nil {
		return err
	}
	defer stopYT()
	fmt.Fprintf(d.out, "# fake news site on %s, fake YouTube on %s\n\n", siteURL, ytURL)
	for _, st := range d.steps(siteURL, ytURL) {
		if st.note != "" {
			fmt.Fprintln(d.out, st.note)
		}
		fmt.Fprintf(d.out, "$ ytharvest %s\n", quote(st.args))
		cmd := exec.CommandContext(ctx, d.bin, st.args...)
		cmd.Stdout, cmd.Stderr = d.out, d.out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("ytharvest %s: %w", st.args[0], err)
		}
		fmt.Fprintln(d.out)
	}
	fmt.Fprintf(d.out, "# done: the database is %s; try: %s sql --db %s \"SELECT * FROM video_pages\"\n", d.dbPath, d.bin, d.dbPath)
	fmt.Fprintf(d.out, "# to browse it, run:  %s serve --db %s   and open http://localhost:8080/\n", d.bin, d.dbPath)
	fmt.Fprintf(d.out, "# (read-only, on loopback; Ctrl-C stops it), or write one file to email:  %s report --db %s -o report.html\n", d.bin, d.dbPath)
	if !d.keep {
		return nil
	}
	fmt.Fprintf(d.out, serveHelp, siteURL, ytURL, d.bin)
	<-ctx.Done()
	fmt.Fprintln(d.out, "\n# stopped")
	return nil
}

// prepare checks the demo runs from the repository root, builds the
// binary when it is missing, and removes the database of a last run.
func (d demo) prepare(ctx context.Context) error {
	for _, dir := range []string{d.siteDir, d.ytDir} {
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("run from the repository root: %w", err)
		}
	}
	if _, err := os.Stat(d.bin); err != nil {
		fmt.Fprintf(d.out, "# building %s\n", d.bin)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", d.bin, "./cmd/ytharvest")
		cmd.Stdout, cmd.Stderr = d.out, d.out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", d.bin, err)
		}
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(d.dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// step is a command the demo runs, with a note printed before it.
type step struct {
	note string
	args []string
}

// steps are the demo's commands. The fakes are ours and on loopback, so
// the demo turns politeness off: by default ytharvest waits 1s between two
// requests to one host and asks YouTube at most once a second.
func (d demo) steps(siteURL, ytURL string) []step {
	return []step{
		{"", []string{"crawl", "--db", d.dbPath, "--depth", "1", "--delay", "0s", "--host-concurrency", "4",
			"--youtube-url", ytURL, "--youtube-rate", "0", siteURL + "/"}},
		{"", []string{"stats", "--db", d.dbPath}},
		{"# the videos each page references, and how", []string{"sql", "--db", d.dbPath, videosPerPage}},
		{"# the fake YouTube answers from canned recordings (testdata/youtube): the private,\n" +
			"# removed, age_restricted, live_upcoming and unplayable statuses below are its\n" +
			"# answers, played back to show each status, not the state of real videos", []string{"sql", "--db", d.dbPath, videoStatuses}},
		{"# what was said, and where: a link that starts each video at the moment", []string{"search", "--db", d.dbPath, `"guard of honour"`}},
		{"# what one page references, without a database", []string{"extract", siteURL + "/articles/state-visit"}},
	}
}

// serveHelp is what --serve prints: the fakes' addresses (1, 2) and
// commands to try with the binary (3).
const serveHelp = `
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
#   %[3]s serve --db try.db
#
# (the fakes are on loopback: --delay 0s turns politeness off for them;
# YTHARVEST_YOUTUBE_URL=%[2]s saves typing --youtube-url)
`

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
