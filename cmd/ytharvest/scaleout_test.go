package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/internal/pgtest"
	"github.com/harvestdev/ytharvest/internal/testserver"
)

// timedSites are the hosts of TestThreeWorkers, served by a process of
// their own (this test binary, run as TestHelperTimedSites), which notes
// when each request arrived: in the test's own process, a pause of its
// race-instrumented runtime would hold back the noting of one request
// and make the next look early.
type timedSites struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
	urls  []string
}

// timedRequest is a request one of the sites noted: which host, what, when.
type timedRequest struct {
	host int
	path string
	at   time.Time
}

func startTimedSites(t *testing.T, hosts, pages, videos int) *timedSites {
	t.Helper()
	// The sites note arrival times, and a late noting makes the next
	// request look early: the process runs at the highest priority the
	// test may give it (nice -20 as root; as it is otherwise), so that it
	// runs at once when a request comes.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperTimedSites$")
	if nice, err := exec.LookPath("nice"); err == nil && os.Geteuid() == 0 {
		cmd = exec.Command(nice, "-n", "-20", os.Args[0], "-test.run=^TestHelperTimedSites$")
	}
	cmd.Env = append(os.Environ(), fmt.Sprintf("YTHARVEST_TIMED_SITES=%d,%d,%d", hosts, pages, videos))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &timedSites{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	for len(s.urls) < hosts && s.out.Scan() {
		s.urls = append(s.urls, s.out.Text())
	}
	if len(s.urls) < hosts {
		t.Fatalf("the sites process started %d sites, want %d", len(s.urls), hosts)
	}
	return s
}

// requests stops the sites and returns what they noted, by host.
func (s *timedSites) requests(t *testing.T) [][]timedRequest {
	t.Helper()
	s.stdin.Close()
	byHost := make([][]timedRequest, len(s.urls))
	for s.out.Scan() {
		var r timedRequest
		var nanos int64
		if _, err := fmt.Sscan(s.out.Text(), &r.host, &r.path, &nanos); err != nil {
			continue // the test framework's own lines
		}
		r.at = time.Unix(0, nanos)
		byHost[r.host] = append(byHost[r.host], r)
	}
	s.cmd.Wait()
	return byHost
}

// TestHelperTimedSites is not a test: run by startTimedSites, it serves
// the sites, prints their URLs, and when its standard input closes
// prints every request as "host path unixnano" and ends.
func TestHelperTimedSites(t *testing.T) {
	spec := os.Getenv("YTHARVEST_TIMED_SITES")
	if spec == "" {
		t.Skip("runs only as TestThreeWorkers' sites process")
	}
	var hosts, pages, videos int
	fmt.Sscanf(spec, "%d,%d,%d", &hosts, &pages, &videos)
	var mu sync.Mutex
	var lines []string
	for i := range hosts {
		site := testserver.GeneratedSite{Pages: pages, Videos: videos}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			now := time.Now().UnixNano()
			mu.Lock()
			lines = append(lines, fmt.Sprintf("%d %s %d", i, r.URL.Path, now))
			mu.Unlock()
			site.ServeHTTP(w, r)
		}))
		defer srv.Close()
		fmt.Println(srv.URL + "/")
	}
	io.Copy(io.Discard, os.Stdin)
	mu.Lock()
	defer mu.Unlock()
	fmt.Println(strings.Join(lines, "\n"))
}

// Three `ytharvest worker` processes share one PostgreSQL harvest of a
// 2,000-page site spread over 5 hosts, and one of them is SIGKILLed in
// the middle of a host slice: River's rescuer rescues the jobs it held
// (and no other) after --rescue-after, and the others complete them. In
// the end every page is fetched and stored once, no row is there twice,
// every video is fetched, robots.txt was fetched once per host, and no
// two requests to one host came closer than --delay, whichever workers
// made them. River's rescuer looks every 30 s (not configurable in River
// v0.51.2), so the test takes about 45 s.
//
// It measures (request times), so it runs in make test's second pass,
// without -race.
func TestThreeWorkers(t *testing.T) {
	if raceEnabled {
		t.Skip("measures request times: make test runs it without -race, alone (MEASURING)")
	}
	bin := binary(t)
	dsn := pgtest.NewDatabase(t)
	const (
		hosts, perHost = 5, 400
		videos         = 60
		delay          = 25 * time.Millisecond
	)
	sites := startTimedSites(t, hosts, perHost, videos)
	seeds := sites.urls
	yt := testserver.NewYouTube(filepath.Join("..", "..", "testdata", "youtube"))
	ytSrv := httptest.NewServer(yt)
	defer ytSrv.Close()

	enqueue := exec.Command(bin, append([]string{"crawl", "--db", dsn, "--enqueue-only", "--depth", "20",
		"--delay", delay.String(), "-q"}, seeds...)...)
	if out, err := enqueue.CombinedOutput(); err != nil {
		t.Fatalf("crawl --enqueue-only: %v\n%s", err, out)
	}
	var workers []*exec.Cmd
	var logs []*strings.Builder
	for i := range 3 {
		// Each worker's sessions are named, so that the test can tell
		// when PostgreSQL has ended them all after its death.
		w := exec.Command(bin, "worker", "--db", withAppName(t, dsn, workerApp(i)), "--until-idle", "--slice", "1s",
			"--timeout", "3s", "--rescue-after", "10s", "--max-duration", "3m", "--youtube-url", ytSrv.URL,
			"--youtube-rate", "0", "--youtube-concurrency", "4", "-v", "--log-format", "json")
		log := new(strings.Builder)
		w.Stdout, w.Stderr = log, log
		w.Env = append(os.Environ(), fmt.Sprintf("YTHARVEST_WORKER=%d", i))
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		workers = append(workers, w)
		logs = append(logs, log)
	}
	conn := pgConn(t, dsn)
	// Once a fifth of the site is stored, kill a worker at a moment it
	// holds a host slice it took up less than 300 ms ago: the slice
	// (--slice 1s) is still running when the worker dies. Which worker
	// holds the slices is River's choice (one may hold them all); River
	// names a worker's process in attempted_by (pidN).
	victim := -1
	deadline := time.Now().Add(2 * time.Minute)
	for victim < 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes, %d pages stored, and no worker holds a slice it just took up",
				queryInt(t, conn, `SELECT count(*) FROM pages WHERE state <> 'queued'`))
		}
		time.Sleep(20 * time.Millisecond)
		if queryInt(t, conn, `SELECT count(*) FROM pages WHERE state <> 'queued'`) < hosts*perHost/5 {
			continue
		}
		var by string
		err := conn.QueryRow(t.Context(), `
			SELECT attempted_by[cardinality(attempted_by)] FROM river_job
			WHERE state = 'running' AND kind = 'ytharvest_host' AND attempted_at > clock_timestamp() - interval '300 ms'
			ORDER BY attempted_at DESC LIMIT 1`).Scan(&by)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		for i, w := range workers {
			if strings.Contains(by, fmt.Sprintf("_pid%d_", w.Process.Pid)) {
				victim = i
			}
		}
	}
	if err := workers[victim].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	workers[victim].Wait()
	// Until PostgreSQL has ended the dead worker's sessions, a commit it
	// sent (a job completed) may still land.
	for queryInt(t, conn, `SELECT count(*) FROM pg_stat_activity WHERE application_name = '`+workerApp(victim)+`'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the killed worker's sessions are still open")
		}
		time.Sleep(20 * time.Millisecond)
	}
	holder := heldBy(workers[victim].Process.Pid)
	held := queryAll[int64](t, conn, `SELECT id FROM river_job WHERE state = 'running' AND `+holder+` ORDER BY id`)
	if len(held) == 0 {
		t.Fatalf("worker %d held no running job when it was killed: there is nothing for River to rescue", victim+1)
	}
	t.Logf("worker %d killed; it held jobs %v", victim+1, held)
	for i, w := range workers {
		if i == victim {
			continue
		}
		if err := w.Wait(); err != nil {
			t.Errorf("worker %d: %v\n%s", i+1, err, logs[i])
		}
	}
	checkRescued(t, conn, held, holder)
	checkThreeWorkers(t, conn, sites.requests(t), delay)
	checkWritten(t, logs, delay, len(held))
	asked := map[string]bool{}
	for _, r := range yt.Requests() {
		asked[r.VideoID] = true
	}
	for i := range videos {
		if id := (testserver.GeneratedSite{}).VideoID(i); !asked[id] {
			t.Errorf("video %s was never asked of YouTube", id)
		}
	}
}

// workerApp is the application_name of the sessions of TestThreeWorkers'
// worker i.
func workerApp(i int) string { return fmt.Sprintf("ytharvest-worker-%d", i+1) }

// withAppName returns dsn with its sessions' application_name set to name.
func withAppName(t *testing.T, dsn, name string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// checkRescued checks that River's rescuer rescued the jobs the killed
// worker held (its error list says so), that another worker then did
// each (a second attempt, completed), and that no other job was rescued:
// a live worker's job taken for a dead one's would be done twice.
func checkRescued(t *testing.T, conn *pgx.Conn, held []int64, holder string) {
	t.Helper()
	rows, err := conn.Query(t.Context(), `
		SELECT id, kind, state, attempt, `+holder+`,
		       EXISTS (SELECT 1 FROM unnest(errors) e WHERE e->>'error' = 'Stuck job rescued by JobRescuer')
		FROM river_job
		WHERE id = ANY($1) OR EXISTS (SELECT 1 FROM unnest(errors) e WHERE e->>'error' = 'Stuck job rescued by JobRescuer')
		ORDER BY id`, held)
	if err != nil {
		t.Fatal(err)
	}
	type job struct {
		id               int64
		kind, state      string
		attempt          int
		byKilled, rescue bool
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (job, error) {
		var j job
		return j, r.Scan(&j.id, &j.kind, &j.state, &j.attempt, &j.byKilled, &j.rescue)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		switch {
		case !slices.Contains(held, j.id):
			t.Errorf("job %d (%s) was rescued, but the killed worker did not hold it", j.id, j.kind)
		case !j.rescue:
			t.Errorf("job %d (%s), held by the killed worker, was not rescued by River: %s, attempt %d", j.id, j.kind, j.state, j.attempt)
		case j.state != "completed" || j.attempt < 2 || j.byKilled:
			t.Errorf("job %d (%s), rescued: %s, attempt %d, last by the killed worker %v; want completed by another, at attempt 2 or more",
				j.id, j.kind, j.state, j.attempt, j.byKilled)
		}
	}
}

// queryAll returns the one column of the rows of q.
func queryAll[T any](t *testing.T, conn *pgx.Conn, q string) []T {
	t.Helper()
	rows, err := conn.Query(t.Context(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[T])
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return all
}

// heldBy is the condition that a River job was last taken up by the
// worker process pid (a worker's River ID names its pid: _pidN_).
func heldBy(pid int) string {
	return fmt.Sprintf(`attempted_by[cardinality(attempted_by)] LIKE '%%\_pid%d\_%%'`, pid)
}

// sqlVideosNotFetched counts the videos a harvest has not fetched yet.
const sqlVideosNotFetched = `SELECT count(*) FROM videos WHERE fetched_at IS NULL OR status IN ('pending', 'blocked', 'error')`

// checkThreeWorkers checks the harvest and the requests of
// TestThreeWorkers.
func checkThreeWorkers(t *testing.T, conn *pgx.Conn, sites [][]timedRequest, delay time.Duration) {
	t.Helper()
	want := len(sites) * 400
	for _, c := range []struct {
		what  string
		query string
		want  int
	}{
		{"pages", `SELECT count(*) FROM pages`, want},
		{"pages fetched once", `SELECT count(*) FROM pages WHERE state = 'fetched' AND http_status = 200 AND fetch_count = 1`, want},
		{"links twice", `SELECT count(*) FROM (SELECT 1 FROM links GROUP BY page_id, ref_type, ref_id, kind HAVING count(*) > 1) x`, 0},
		{"videos", `SELECT count(*) FROM videos`, 60},
		{"videos not fetched", sqlVideosNotFetched, 0},
		{"jobs left", `SELECT count(*) FROM river_job WHERE state NOT IN ('completed')`, 0},
	} {
		if got := queryInt(t, conn, c.query); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	minGap := time.Hour
	for i, reqs := range sites {
		robots, pages := 0, map[string]int{}
		for j, r := range reqs {
			if r.path == "/robots.txt" {
				robots++
			} else {
				pages[r.path]++
			}
			if j > 0 {
				gap := r.at.Sub(reqs[j-1].at)
				minGap = min(minGap, gap)
				if gap < delay {
					t.Errorf("host %d: %s came %v after %s (--delay %v)", i, r.path, gap, reqs[j-1].path, delay)
				}
			}
		}
		twice := 0
		for _, n := range pages {
			if n > 1 {
				twice++
			}
		}
		if robots != 1 || len(pages) != 400 || twice > 1 {
			t.Errorf("host %d: robots.txt asked %d times, %d pages asked, %d of them twice (want 1, 400, at most the one in flight at the kill)",
				i, robots, len(pages), twice)
		}
	}
	t.Logf("closest two requests to one host: %v (--delay %v)", minGap, delay)
}

// checkWritten checks, from the workers' logs, that no two requests to a
// host went out closer than delay as the workers noted them (from when
// the host began to answer), whichever workers sent them (one machine:
// one clock). The killed worker logs a page after storing it, so it may
// have stored a page of each job it ran and died before the line: killed
// is the jobs running at the kill. Its request in flight shows in what
// the sites noted.
func checkWritten(t *testing.T, logs []*strings.Builder, delay time.Duration, killed int) {
	t.Helper()
	sent := map[string][]int64{} // host -> when its requests were written
	for _, l := range logs {
		for _, line := range strings.Split(l.String(), "\n") {
			var e struct {
				Msg  string `json:"msg"`
				URL  string `json:"url"`
				Sent int64  `json:"sent"`
			}
			if json.Unmarshal([]byte(line), &e) != nil || e.Msg != "page" || e.Sent == 0 {
				continue
			}
			u, _ := url.Parse(e.URL)
			sent[u.Host] = append(sent[u.Host], e.Sent)
		}
	}
	n, closest := 0, time.Hour
	for host, ts := range sent {
		slices.Sort(ts)
		n += len(ts)
		for i := 1; i < len(ts); i++ {
			gap := time.Duration(ts[i] - ts[i-1])
			closest = min(closest, gap)
			if gap < delay {
				t.Errorf("%s: two requests %v apart as the workers noted them (--delay %v)", host, gap, delay)
			}
		}
	}
	if n < 2000-killed {
		t.Errorf("the workers logged %d pages, want 2,000 at least (less the %d jobs the killed worker ran)", n, killed)
	}
	t.Logf("closest two requests to one host as the workers noted them: %v", closest)
}

func pgConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, conn *pgx.Conn, q string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
