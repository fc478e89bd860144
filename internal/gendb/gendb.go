// Package gendb generates large ytharvest databases with SQL, for the
// benchmarks of the web UI and the report: 100,000 videos and 1,000,000
// links take seconds to write this way, where crawling them would take
// hours.
package gendb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // the driver ytharvest uses

	"github.com/harvestdev/ytharvest/db"
)

// Options sizes a generated database.
type Options struct {
	Videos   int // videos (default 100,000)
	Links    int // links from pages to videos (default 1,000,000)
	Pages    int // pages (default Links/5)
	Hosts    int // sites (default 50)
	Channels int // channels (default Videos/50)
	// Transcripts is how many videos get a transcript of 20 segments
	// (default Videos/20).
	Transcripts int
	Days        int       // first-seen times spread over this many days (default 120)
	End         time.Time // the latest first-seen time (default 2026-12-01)
}

func (o *Options) defaults() {
	if o.Videos == 0 {
		o.Videos = 100_000
	}
	if o.Links == 0 {
		o.Links = 1_000_000
	}
	if o.Pages == 0 {
		o.Pages = max(o.Links/5, 1)
	}
	if o.Hosts == 0 {
		o.Hosts = 50
	}
	if o.Channels == 0 {
		o.Channels = max(o.Videos/50, 1)
	}
	if o.Transcripts == 0 {
		o.Transcripts = o.Videos / 20
	}
	if o.Days == 0 {
		o.Days = 120
	}
	if o.End.IsZero() {
		o.End = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	}
}

// Generate creates a ytharvest database at path (which must not exist)
// holding o's rows: pages spread over o.Hosts sites (the first sites
// larger), videos of o.Channels channels with titles and descriptions,
// mostly ok and some private, removed, unplayable or pending, o.Links
// references from pages to videos (popular videos referenced more), a
// transcript for o.Transcripts videos, runs, and status histories in
// which one ok video in a hundred vanished. The triggers of schema 9 keep
// the channels and the per-site counts as the rows go in.
func Generate(ctx context.Context, path string, o Options) error {
	o.defaults()
	d, err := db.Open(ctx, path)
	if err != nil {
		return err
	}
	d.Close()
	s, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(0)&_pragma=synchronous(OFF)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-200000)")
	if err != nil {
		return err
	}
	defer s.Close()
	s.SetMaxOpenConns(1)
	tx, err := s.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	end := o.End.UTC().Format(db.TimeFormat)
	// Each statement sees its parameters as ?1.. in this order.
	args := []any{o.Videos, o.Links, o.Pages, o.Hosts, o.Channels, o.Transcripts, o.Days, end}
	for _, q := range statements {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("generate: %w\n%s", err, q)
		}
	}
	return tx.Commit()
}
