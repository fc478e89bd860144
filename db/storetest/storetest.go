// Package storetest is the conformance suite of ytharvest's stores: one
// set of tests, written against harvest's store interfaces (RunLog,
// Frontier, VideoStore), that every store must pass. db's tests run it
// against SQLite; a store on another engine runs it too.
//
// A store's test calls Run with a function that opens a new, empty store
// whose clock is now, and an Inspector that reads back what the store
// holds (the interfaces have no getters: the crawl never reads back).
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// Opener opens a new, empty store for one test, whose clock is now, and
// an Inspector of it. It closes both when t ends.
type Opener func(t *testing.T, now func() time.Time) (harvest.Store, Inspector)

// Inspector reads back what a store holds, each list in a fixed order.
type Inspector interface {
	// Pages returns every page, by URL.
	Pages(ctx context.Context) ([]PageRow, error)
	// Videos returns every video, by ID.
	Videos(ctx context.Context) ([]VideoRow, error)
	// Links returns every link, by page URL, type, reference and kind.
	Links(ctx context.Context) ([]LinkRow, error)
	// Transcripts returns every transcript, by video, language, generated.
	Transcripts(ctx context.Context) ([]TranscriptRow, error)
	// Runs returns every run, by ID.
	Runs(ctx context.Context) ([]harvest.Run, error)
	// Count returns the number of rows of a table of the schema
	// (video_views, caption_tracks, playlists, transcript_segments...).
	Count(ctx context.Context, table string) (int, error)
	// DeletePages deletes the pages of these URLs with SQL, as a user
	// pruning the harvest does.
	DeletePages(ctx context.Context, urls ...string) error
}

// PageRow is a stored page.
type PageRow struct {
	URL, Host    string
	Depth        int
	FoundFrom    string // the URL of the page that first linked here; "" for seeds
	Seed, Listed bool
	Kind         string
	State        string
	HTTPStatus   int
	Title, Error string
	FetchCount   int
	NextFetchAt  time.Time
}

// VideoRow is a stored video.
type VideoRow struct {
	ID, Status, StatusReason string
	Title                    string
	DurationSeconds          int
	ViewCount                int64
	Keywords                 string // as stored: a JSON array
	FetchAttempts            int
	TranscriptStatus         string
}

// LinkRow is a stored link.
type LinkRow struct {
	PageURL, Type, Ref, Kind string
	InBody                   bool
	Context                  string
	StartSeconds             int
}

// TranscriptRow is a stored transcript.
type TranscriptRow struct {
	VideoID, Language string
	Generated         bool
	Text              string
	Segments          int
}

// Run runs every test of the suite, each on a store of its own.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, e *env)
	}{
		{"Runs", testRuns},
		{"FrontierOrder", testFrontierOrder},
		{"SavePages", testSavePages},
		{"SavePagesAtomic", testSavePagesAtomic},
		{"SavePagesDeleted", testSavePagesDeleted},
		{"Reseed", testReseed},
		{"RecheckDue", testRecheckDue},
		{"CanonicalMerge", testCanonicalMerge},
		{"CanonicalBatch", testCanonicalBatch},
		{"ClaimVideos", testClaimVideos},
		{"AttemptVideos", testAttemptVideos},
		{"Transcripts", testTranscripts},
		{"Playlists", testPlaylists},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &env{t: t, ctx: context.Background(), clock: time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)}
			e.store, e.inspect = open(t, func() time.Time { return e.clock })
			tc.test(t, e)
		})
	}
}

// env is one test's store, its clock and helpers.
type env struct {
	t       *testing.T
	ctx     context.Context
	store   harvest.Store
	inspect Inspector
	clock   time.Time
}

func (e *env) tick(d time.Duration) time.Time {
	e.clock = e.clock.Add(d)
	return e.clock
}

// next returns the queued pages NextPages hands out, up to limit, at
// depth at most depth.
func (e *env) next(limit, depth int) []harvest.Page {
	e.t.Helper()
	ps, err := e.store.NextPages(e.ctx, limit, depth, nil, nil)
	if err != nil {
		e.t.Fatalf("NextPages: %v", err)
	}
	return ps
}

// save stores one page's outcome and returns what it added.
func (e *env) save(p *harvest.Page, refs []harvest.Reference, out []harvest.Page) harvest.SaveStats {
	e.t.Helper()
	st, err := e.store.SavePages(e.ctx, []harvest.PageSave{{Page: p, Refs: refs, Out: out}})
	if err != nil || len(st) != 1 {
		e.t.Fatalf("SavePages(%s) = %v, %v", p.URL, st, err)
	}
	return st[0]
}

func (e *env) pages() map[string]PageRow {
	e.t.Helper()
	rows, err := e.inspect.Pages(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	m := make(map[string]PageRow)
	for _, r := range rows {
		m[r.URL] = r
	}
	return m
}

func (e *env) videos() map[string]VideoRow {
	e.t.Helper()
	rows, err := e.inspect.Videos(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	m := make(map[string]VideoRow)
	for _, r := range rows {
		m[r.ID] = r
	}
	return m
}

func (e *env) count(table string) int {
	e.t.Helper()
	n, err := e.inspect.Count(e.ctx, table)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func urls(ps []harvest.Page) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.URL)
	}
	return out
}

func ids(cs []harvest.VideoClaim) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func video(id string, kind string) harvest.Reference {
	return harvest.Reference{Type: harvest.RefVideo, ID: id, Kind: kind}
}
