package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db/postgres"
	"github.com/harvestdev/ytharvest/harvest"
)

// jobs lists the store's River jobs as "kind key state", sorted; the key
// is a host slice's host or a video's ID.
func jobs(t *testing.T, s *postgres.Store) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `
		SELECT kind || ' ' || coalesce(args->>'host', args->>'id', '?') || ' ' || state FROM river_job`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var j string
		if err := rows.Scan(&j); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// seedPage adds url as a seed and returns its page, to be saved as fetched.
func seedPage(t *testing.T, s *postgres.Store, url string) *harvest.Page {
	t.Helper()
	if err := s.AddSeeds(context.Background(), []string{url}); err != nil {
		t.Fatal(err)
	}
	p := &harvest.Page{URL: url, State: harvest.PageFetched, HTTPStatus: 200, Kind: harvest.DocHTML}
	if err := s.Pool().QueryRow(context.Background(), `SELECT id FROM pages WHERE url = $1`, url).Scan(&p.ID); err != nil {
		t.Fatal(err)
	}
	return p
}

// Jobs go in with the rows that make them (InsertManyTx, in the
// transaction of the save): a batch of pages whose save fails leaves no
// job behind, not even the new video's fetch, queued (links.go) before the
// statement that failed (the out-links' INSERT, frontier.go, refusing an
// unknown kind). The same batch without the bad link commits that job,
// and a host slice for its out-link's new host.
func TestJobsInTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	page := seedPage(t, s, "https://news.example/")
	seeded := []string{"ytharvest_host news.example available"}
	if got := jobs(t, s); !slices.Equal(got, seeded) {
		t.Fatalf("after AddSeeds, jobs %q, want %q", got, seeded)
	}

	batch := func(out ...harvest.Page) []harvest.PageSave {
		p := *page
		return []harvest.PageSave{{
			Page: &p,
			Refs: []harvest.Reference{{Type: harvest.RefVideo, ID: "dQw4w9WgXcQ", Kind: harvest.KindIframe, InBody: true}},
			Out:  out,
		}}
	}
	good := harvest.Page{URL: "https://other.example/a", Depth: 1}
	// pages.kind has a CHECK that refuses this kind: the INSERT of the
	// out-links fails after saveRefs queued the new video's fetch.
	bad := harvest.Page{URL: "https://news.example/b", Depth: 1, Kind: "no-such-kind"}
	if _, err := s.SavePages(ctx, batch(good, bad)); err == nil {
		t.Fatal("SavePages with an out-link of an unknown kind succeeded")
	}
	if got := jobs(t, s); !slices.Equal(got, seeded) {
		t.Errorf("after a failed SavePages, jobs %q, want only the seed's %q", got, seeded)
	}
	var videos int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM videos`).Scan(&videos); err != nil || videos != 0 {
		t.Errorf("after a failed SavePages, %d videos (%v), want none", videos, err)
	}

	if _, err := s.SavePages(ctx, batch(good)); err != nil {
		t.Fatalf("SavePages: %v", err)
	}
	want := []string{
		"ytharvest_host news.example available",
		"ytharvest_host other.example available",
		"ytharvest_video dQw4w9WgXcQ available",
	}
	if got := jobs(t, s); !slices.Equal(got, want) {
		t.Errorf("after SavePages, jobs %q, want %q", got, want)
	}
}

// A host or a video has one job at a time: queueing it again, in another
// transaction, while its job waits adds none; once its job is done, it
// can be queued again.
func TestJobsUnique(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	for _, seed := range []string{"https://news.example/", "https://news.example/other", "https://news.example/"} {
		if err := s.AddSeeds(ctx, []string{seed}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.QueueDue(ctx, time.Now()); err != nil { // queues a slice for every host with queued pages
		t.Fatal(err)
	}
	ids := []string{"dQw4w9WgXcQ", "H7xQm2Lp9sA"}
	if err := s.AttemptVideos(ctx, ids); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if n, err := s.QueueDueVideos(ctx, time.Now(), true); err != nil || n != 2 {
			t.Fatalf("QueueDueVideos = %d, %v; want the 2 videos", n, err)
		}
	}
	want := []string{
		"ytharvest_host news.example available",
		"ytharvest_video H7xQm2Lp9sA available",
		"ytharvest_video dQw4w9WgXcQ available",
	}
	if got := jobs(t, s); !slices.Equal(got, want) {
		t.Errorf("after queueing each host and video again, jobs %q, want one each: %q", got, want)
	}

	// The host's job is done (as a worker completes it): the next seed on
	// the host queues a new one.
	if _, err := s.Pool().Exec(ctx, `
		UPDATE river_job SET state = 'completed', finalized_at = now() WHERE kind = 'ytharvest_host'`); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSeeds(ctx, []string{"https://news.example/later"}); err != nil {
		t.Fatal(err)
	}
	want = []string{
		"ytharvest_host news.example available",
		"ytharvest_host news.example completed",
		"ytharvest_video H7xQm2Lp9sA available",
		"ytharvest_video dQw4w9WgXcQ available",
	}
	if got := jobs(t, s); !slices.Equal(got, want) {
		t.Errorf("after the host's job completed and a new seed, jobs %q, want %q", got, want)
	}
}

// failingSource answers every video with an error: no usable answer.
type failingSource struct{ fakeSource }

func (f *failingSource) Video(ctx context.Context, id string) (*harvest.Video, error) {
	f.asked.Add(1)
	return &harvest.Video{ID: id, Status: harvest.VideoError, StatusReason: "HTTP 500"}, nil
}

// A video job whose fetch fails is retried with River's backoff, which
// grows: after its first attempt the job waits, the error recorded, for
// about a second (attempt⁴ seconds, ±10%); its second attempt comes no
// sooner, fails too, and leaves it retryable for about 16 s.
//
// River leaves a job whose retry is due sooner than its scheduler's
// interval (5 s) "available" with scheduled_at in the future rather than
// "retryable": no fetch takes it before then, and the scheduler's round
// would be too late to make it available. So the first wait is seen as
// an available job not yet due, the second as a retryable one.
func TestJobRetryBackoff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	const id = "dQw4w9WgXcQ"
	if err := s.AttemptVideos(ctx, []string{id}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.QueueDueVideos(ctx, time.Now(), false); err != nil {
		t.Fatal(err)
	}
	src := &failingSource{}
	h := &harvest.Harvester{Videos: src}
	w, err := s.NewWorker(postgres.WorkerOptions{Harvester: func() *harvest.Harvester { return h }})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Work(wctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Work: %v", err)
		}
	}()

	first := waitFailed(t, s, 1)
	if first.state != "available" && first.state != "retryable" {
		t.Errorf("after the first failure the job is %s, want waiting for its retry", first.state)
	}
	if first.attempt != 1 || first.lastError != "video "+id+": HTTP 500" {
		t.Errorf("after the first failure: attempt %d, last error %q; want attempt 1 and its error", first.attempt, first.lastError)
	}
	if !first.due.After(first.seen) || first.backoff < 800*time.Millisecond || first.backoff > 5*time.Second {
		t.Errorf("after the first failure the retry is due %v after it (%v from now), want about a second", first.backoff, first.due.Sub(first.seen))
	}

	second := waitFailed(t, s, 2)
	if second.state != "retryable" || second.attempt != 2 {
		t.Errorf("after the second failure: %s, attempt %d; want retryable, attempt 2", second.state, second.attempt)
	}
	if second.attempted.Before(first.due) {
		t.Errorf("the second attempt came at %v, before its retry was due at %v", second.attempted, first.due)
	}
	if !second.due.After(second.seen) || second.backoff < 10*time.Second {
		t.Errorf("after the second failure the retry is due %v after it, want about 16 s", second.backoff)
	}
	if n := src.asked.Load(); n != 2 {
		t.Errorf("the video was asked for %d times, want 2", n)
	}
	var status string
	if err := s.Pool().QueryRow(ctx, `SELECT status FROM videos WHERE id = $1`, id).Scan(&status); err != nil || status != "error" {
		t.Errorf("video %s: status %q (%v), want error", id, status, err)
	}
}

// failedJob is the video job as seen after a failed attempt.
type failedJob struct {
	state          string
	attempt        int
	lastError      string
	attempted, due time.Time     // the attempt's start; scheduled_at: when the retry is due
	seen           time.Time     // the database's now() when it was read
	backoff        time.Duration // from the error to the retry's due time
}

// waitFailed watches the (one) video job until it has recorded n errors
// and is not running, and returns it then. A job finished (completed,
// cancelled, discarded) fails the test: it would never be retried.
func waitFailed(t *testing.T, s *postgres.Store, n int) failedJob {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no failed attempt %d of the video job after 30 s", n)
		}
		var j failedJob
		var errors int
		var backoffMs float64
		err := s.Pool().QueryRow(context.Background(), `
			SELECT state, attempt, coalesce(array_length(errors, 1), 0),
			       coalesce(errors[array_length(errors, 1)]->>'error', ''), coalesce(attempted_at, now()), scheduled_at, now(),
			       coalesce(extract(epoch FROM scheduled_at - (errors[array_length(errors, 1)]->>'at')::timestamptz) * 1000, 0)
			FROM river_job WHERE kind = 'ytharvest_video'`).Scan(&j.state, &j.attempt, &errors,
			&j.lastError, &j.attempted, &j.due, &j.seen, &backoffMs)
		if err != nil {
			t.Fatal(err)
		}
		j.backoff = time.Duration(backoffMs * float64(time.Millisecond))
		switch {
		case j.state == "completed" || j.state == "cancelled" || j.state == "discarded":
			t.Fatalf("the failing video's job is %s after %d errors, want it waiting for a retry", j.state, errors)
		case errors > n:
			t.Fatalf("the video job has %d errors, missed the moment it had %d", errors, n)
		case errors == n && j.state != "running":
			return j
		}
	}
}
