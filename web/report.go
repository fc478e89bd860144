package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/harvestdev/ytharvest/db"
)

// ReportOptions say what a report covers.
type ReportOptions struct {
	// Since is where the report's new and vanished videos start (the
	// overview covers everything).
	Since time.Time
	// Now is when the report is written (default time.Now).
	Now time.Time
	// Source names the database, for the heading.
	Source string
	// Limit bounds each list (default 500).
	Limit int
}

type reportPage struct {
	overviewPage
	Source           string
	Since, Generated time.Time
	Vanished         []db.VanishedVideo
	VanishedTotal    int
	Channels         []db.Channel
	ChannelsTotal    int
	Sites            []siteRow
	New              *db.VideoList
	Limit            int
}

// WriteReport writes the report: one HTML file with its stylesheet and
// charts inline, and a Content-Security-Policy that forbids scripts and
// every load, so that it opens the same anywhere, offline, attached to an
// email. It holds the overview, the videos that vanished and the videos
// first seen since o.Since, the top channels and every site.
func WriteReport(ctx context.Context, w io.Writer, store Store, o ReportOptions) error {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Limit <= 0 {
		o.Limit = 500
	}
	ov, err := store.Overview(ctx, chartDays, overviewRun)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r := reportPage{overviewPage: overviewData(ov), Source: o.Source, Since: o.Since, Generated: o.Now.UTC(), Limit: o.Limit}
	if r.Vanished, r.VanishedTotal, err = store.Vanished(ctx, o.Since, o.Limit, 0); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if r.Channels, r.ChannelsTotal, err = store.Channels(ctx, "videos", 25, 0); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	sites, err := store.Sites(ctx, topChannels)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r.Sites = siteRows(sites)
	if r.New, err = store.Videos(ctx, db.VideoFilter{Since: o.Since, Limit: o.Limit}); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var b bytes.Buffer
	if err := templates()["report"].ExecuteTemplate(&b, "layout", view{Page: "report", D: r}); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}
