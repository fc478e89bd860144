package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The read API of the web UI and the report (package web): plain structs,
// each filled by fixed SQL over the tables and the counts that
// 0010_web.sql's and 0011_webperf.sql's triggers keep, so that every page is a few indexed
// lookups whatever the database's size. Nothing here takes SQL from its
// caller: filters are values, sort orders are names from a fixed list.

// ErrNotFound means the video, channel or site asked for is not in the
// database.
var ErrNotFound = errors.New("not found")

// SiteDay is how many videos one site referenced for the first time on
// one day (UTC).
type SiteDay struct {
	Day    string // YYYY-MM-DD
	Host   string
	Videos int
}

// Overview is what the overview page shows.
type Overview struct {
	Videos      []Count // by status, largest first
	Pages       []Count // by state, largest first
	VideoLinks  int     // references from pages to videos
	Sites       int     // hosts whose pages reference a video
	Channels    int
	Transcripts int
	Vanished    int // videos that were ok and became removed, private or unplayable
	Runs        []RunSummary
	// Days are the new videos per day per site over the last days that
	// end with the latest day any site referenced a new video (so that a
	// database harvested a while ago still shows its last weeks), by day
	// then host. FirstDay and LastDay bound them (YYYY-MM-DD; "" when no
	// video was referenced yet).
	Days              []SiteDay
	FirstDay, LastDay string
}

// Overview reads the overview: counts, the last runs (at most runs), and
// the new videos per day per site over days days. It reads in one
// transaction, so the numbers agree while a crawl writes.
func (db *DB) Overview(ctx context.Context, days, runs int) (*Overview, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	o := &Overview{}
	if o.Videos, err = queryCounts(ctx, tx, `SELECT status, videos FROM video_statuses WHERE videos > 0 ORDER BY 2 DESC, 1`); err != nil {
		return nil, err
	}
	if o.Pages, err = queryCounts(ctx, tx, `SELECT state, pages FROM page_states WHERE pages > 0 ORDER BY 2 DESC, 1`); err != nil {
		return nil, err
	}
	for _, q := range []struct {
		dst   *int
		query string
	}{
		{&o.VideoLinks, `SELECT coalesce(sum(links), 0) FROM sites`},
		{&o.Sites, `SELECT count(*) FROM sites WHERE videos > 0`},
		{&o.Channels, `SELECT count(*) FROM channels`},
		{&o.Transcripts, `SELECT count(*) FROM transcripts`},
		// Through the index of the vanished: for DISTINCT, the planner
		// preferred the index by video, and read every change (25 ms).
		{&o.Vanished, `SELECT count(DISTINCT video_id) FROM video_status_changes INDEXED BY video_status_changes_vanished
			WHERE old_status = 'ok' AND (status = 'removed' OR status = 'private' OR status = 'unplayable')`},
	} {
		if err := tx.QueryRowContext(ctx, q.query).Scan(q.dst); err != nil {
			return nil, mapError(err)
		}
	}
	if o.Runs, err = lastRuns(ctx, tx, runs); err != nil {
		return nil, err
	}
	var last sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT max(day) FROM site_days`).Scan(&last); err != nil {
		return nil, mapError(err)
	}
	if !last.Valid || days <= 0 {
		return o, nil
	}
	end, err := time.Parse("2006-01-02", last.String)
	if err != nil {
		return nil, fmt.Errorf("site_days: %w", err)
	}
	o.LastDay, o.FirstDay = last.String, end.AddDate(0, 0, 1-days).Format("2006-01-02")
	rows, err := tx.QueryContext(ctx, `SELECT day, host, videos FROM site_days WHERE day >= ? AND videos > 0 ORDER BY day, host`,
		o.FirstDay)
	if err != nil {
		return nil, mapError(err)
	}
	o.Days, err = scanAll(rows, func(rows *sql.Rows) (d SiteDay, err error) {
		return d, rows.Scan(&d.Day, &d.Host, &d.Videos)
	})
	return o, err
}

func lastRuns(ctx context.Context, tx *sql.Tx, n int) ([]RunSummary, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT id, command, started_at, finished_at, status, pages_fetched, pages_failed, new_videos,
		       videos_fetched, videos_failed, coalesce(error, '')
		FROM runs ORDER BY id DESC LIMIT ?`, n)
	if err != nil {
		return nil, mapError(err)
	}
	return scanAll(rows, func(rows *sql.Rows) (r RunSummary, err error) {
		var started, finished sql.NullString
		err = rows.Scan(&r.ID, &r.Command, &started, &finished, &r.Status, &r.PagesFetched, &r.PagesFailed,
			&r.NewVideos, &r.VideosFetched, &r.VideosFailed, &r.Error)
		r.StartedAt, r.FinishedAt = parseTime(started), parseTime(finished)
		return r, err
	})
}

// VideoSorts are the orders Videos knows, by name.
var VideoSorts = []string{"first_seen", "published", "views"}

// videoSortColumns maps a sort name to its column; each has an index.
var videoSortColumns = map[string]string{
	"first_seen": "v.first_seen_at",
	"published":  "v.published_at",
	"views":      "v.view_count",
}

// VideoFilter selects and orders videos. Zero values select everything.
type VideoFilter struct {
	Status  string    // a videos.status
	Channel string    // a channel ID (UC…)
	Site    string    // a host whose pages reference the video
	Since   time.Time // first seen at or after
	Until   time.Time // first seen before
	Sort    string    // one of VideoSorts; "" is first_seen
	Asc     bool      // oldest, smallest first (default: newest, largest)
	Limit   int       // default 50
	Offset  int
}

// VideoRow is one video in a list.
type VideoRow struct {
	ID           string
	Status       string
	Title        string
	ChannelID    string
	ChannelTitle string
	Duration     int64 // seconds; -1 when unknown
	Views        int64 // -1 when unknown
	PublishedAt  time.Time
	FirstSeenAt  time.Time
	Pages        int // pages that reference it
}

// VideoList is a page of videos and how many match in all.
type VideoList struct {
	Videos []VideoRow
	// Total is how many videos match, counted up to MaxCount; More
	// says there are more than that.
	Total int
	More  bool
}

// MaxCount bounds the counting of a filtered list: beyond it, a list says
// "more than".
const MaxCount = 10_000

// ErrBadFilter means a filter names a sort order Videos does not know.
var ErrBadFilter = errors.New("bad filter")

// Videos returns the videos f selects, in f's order.
//
// The query is put together from fixed pieces, and its plan chosen here
// rather than left to the planner, which has no statistics (planVideos;
// TestVideosPlans checks the plans).
func (db *DB) Videos(ctx context.Context, f VideoFilter) (*VideoList, error) {
	if f.Sort == "" {
		f.Sort = "first_seen"
	}
	if _, ok := videoSortColumns[f.Sort]; !ok {
		return nil, fmt.Errorf("%w: sort %q (want one of %s)", ErrBadFilter, f.Sort, strings.Join(VideoSorts, ", "))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	p, err := planVideos(ctx, tx, f)
	if err != nil {
		return nil, err
	}
	l := &VideoList{Total: p.total}
	if l.Total > MaxCount {
		l.Total, l.More = MaxCount, true
	}
	if l.Videos, err = p.read(ctx, tx); err != nil {
		return nil, err
	}
	// Counted for the page's rows only: in the list's SELECT, SQLite
	// would count for every match before sorting them.
	for i := range l.Videos {
		if err := tx.QueryRowContext(ctx, sqlVideoPages, l.Videos[i].ID).Scan(&l.Videos[i].Pages); err != nil {
			return nil, mapError(err)
		}
	}
	return l, nil
}

// sqlVideoPages counts the pages that reference a video, from the index
// links_by_video (video_id, page_id) alone.
const sqlVideoPages = `SELECT count(DISTINCT page_id) FROM links WHERE video_id = ?`

// A videoPlan is how Videos reads a list. There are three ways:
//
//   - walk: read the sort column's index in order, checking each row
//     against the filters, until Offset+Limit match. It reads about
//     (Offset+Limit) × all videos / matches rows, if the matches are
//     spread through the order, and sorts nothing.
//   - window: the same, but reading at most window rows of the index;
//     when fewer than the page's rows match among them (the matches
//     bunch at the other end of the order: a site whose videos are all
//     old, sorted newest first), the list is driven instead.
//   - drive: read every match through the index of the filter that
//     selects the fewest, then sort them.
//
// A list of more than MaxCount matches is walked: they are dense. Fewer
// are walked in a window when the window is at most twice the rows the
// driver would read, and driven otherwise: a walk reads a row for a fifth
// of what a drive pays, which reads it through a second index, looks it
// up and sorts it (0.85 against 4 µs), so a window that falls short costs
// at most 40% more than driving at once. The status "removed", 4,334 of
// 100,000 videos, took 17 ms driven and 3 ms walked; a site with 9,846,
// sorted by views, 42 ms driven and under 1 ms walked.
type videoPlan struct {
	f      VideoFilter
	driver int   // the filter whose index a drive reads through; bySort: walk
	rows   int64 // how many videos the driver's index selects
	total  int   // matches, counted up to MaxCount+1
	window int   // > 0: walk at most this many rows first
}

// Drivers: the filter whose index a list is read through.
const (
	bySort    = iota // the sort column's: a walk
	bySite           // site_videos
	byChannel        // videos_by_channel
	byStatus         // videos_by_status
	byDate           // videos_by_first_seen, for a date range
	byWindow         // the sort column's, a window of it; every filter checked row by row
)

// planVideos counts f's matches and chooses how to read them. The counts
// of a site, a channel, a status and of all videos are kept in tables
// (sites, channels, video_statuses), so a list with one filter is
// counted for nothing; more filters are counted through the driver's
// index, up to MaxCount+1.
func planVideos(ctx context.Context, tx *sql.Tx, f VideoFilter) (*videoPlan, error) {
	p := &videoPlan{f: f}
	all, err := p.chooseDriver(ctx, tx)
	if err != nil {
		return nil, err
	}
	date := !f.Since.IsZero() || !f.Until.IsZero()
	filters := 0
	for _, on := range []bool{f.Site != "", f.Channel != "", f.Status != "", date} {
		if on {
			filters++
		}
	}
	switch {
	case filters == 0:
		p.total = int(min(all, MaxCount+1))
	case filters == 1 && !date:
		p.total = int(min(p.rows, MaxCount+1))
	default:
		from, where, args := videoWhere(f, p.driver)
		if err := tx.QueryRowContext(ctx, videoCountQuery(from, where), append(args, MaxCount+1)...).Scan(&p.total); err != nil {
			return nil, mapError(err)
		}
	}
	if p.driver == byDate {
		p.rows = int64(p.total)
	}
	if p.total > MaxCount || p.driver == bySort || p.driver == byDate && f.Sort == "first_seen" {
		p.driver = bySort // a date range sorted by first seen is itself in order
		return p, nil
	}
	// Rows a walk reads if the matches are spread evenly, three times
	// over, and a page more.
	window := 3*int64(f.Offset+f.Limit)*all/max(int64(p.total), 1) + int64(f.Limit)
	if window <= 2*p.rows {
		p.window = int(window)
	}
	return p, nil
}

// chooseDriver sets p's driver to the filter that selects the fewest
// videos, from the kept counts; a date range drives when nothing else
// does. It returns how many videos there are.
func (p *videoPlan) chooseDriver(ctx context.Context, tx *sql.Tx) (int64, error) {
	var all int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(videos), 0) FROM video_statuses`).Scan(&all); err != nil {
		return 0, mapError(err)
	}
	p.driver, p.rows = bySort, all
	for _, c := range []struct {
		driver int
		value  string
		query  string
	}{
		{bySite, p.f.Site, `SELECT videos FROM sites WHERE host = ?`},
		{byChannel, p.f.Channel, `SELECT videos FROM channels WHERE id = ?`},
		{byStatus, p.f.Status, `SELECT videos FROM video_statuses WHERE status = ?`},
	} {
		if c.value == "" {
			continue
		}
		var n int64
		if err := tx.QueryRowContext(ctx, c.query, c.value).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, mapError(err)
		}
		if p.driver == bySort || n < p.rows {
			p.driver, p.rows = c.driver, n
		}
	}
	if p.driver == bySort && (!p.f.Since.IsZero() || !p.f.Until.IsZero()) {
		p.driver = byDate
	}
	return all, nil
}

// read reads the page of the list p plans.
func (p *videoPlan) read(ctx context.Context, tx *sql.Tx) ([]VideoRow, error) {
	want := min(p.f.Limit, max(p.total-p.f.Offset, 0))
	if want == 0 && p.total <= MaxCount {
		return nil, nil
	}
	if p.window > 0 {
		query, args := p.windowQuery()
		vs, err := readVideoRows(ctx, tx, query, args)
		if err != nil || len(vs) == want {
			return vs, err
		}
	}
	from, where, args := videoWhere(p.f, p.driver)
	return readVideoRows(ctx, tx, videoListQuery(from, where, videoSortColumns[p.f.Sort], p.driver, p.f.Asc),
		append(args, p.f.Limit, p.f.Offset))
}

// windowQuery is the list read from the first p.window rows of the sort
// column's index (and of the date range, sorted by first seen).
func (p *videoPlan) windowQuery() (string, []any) {
	col, dir := videoSortColumns[p.f.Sort], " DESC"
	if p.f.Asc {
		dir = " ASC"
	}
	inner, args := `SELECT v.rowid AS r FROM videos v WHERE 1`, []any{}
	if p.f.Sort == "first_seen" && !p.f.Since.IsZero() {
		inner += ` AND v.first_seen_at >= ?`
		args = append(args, formatTime(p.f.Since))
	}
	if p.f.Sort == "first_seen" && !p.f.Until.IsZero() {
		inner += ` AND v.first_seen_at < ?`
		args = append(args, formatTime(p.f.Until))
	}
	inner += ` ORDER BY ` + col + dir + `, v.id` + dir + ` LIMIT ?`
	_, where, wargs := videoWhere(p.f, byWindow)
	from := `(` + inner + `) w CROSS JOIN videos v ON v.rowid = w.r`
	args = append(append(args, p.window), wargs...)
	return videoListQuery(from, where, col, byWindow, p.f.Asc), append(args, p.f.Limit, p.f.Offset)
}

func readVideoRows(ctx context.Context, tx *sql.Tx, query string, args []any) ([]VideoRow, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapError(err)
	}
	return scanAll(rows, func(rows *sql.Rows) (r VideoRow, err error) {
		var published, seen sql.NullString
		err = rows.Scan(&r.ID, &r.Status, &r.Title, &r.ChannelID, &r.ChannelTitle, &r.Duration, &r.Views,
			&published, &seen)
		r.PublishedAt, r.FirstSeenAt = parseTime(published), parseTime(seen)
		return r, err
	})
}

func videoCountQuery(from, where string) string {
	return `SELECT count(*) FROM (SELECT 1 FROM ` + from + where + ` LIMIT ?)`
}

func videoListQuery(from, where, col string, driver int, asc bool) string {
	order := col
	if driver != bySort {
		order = "+" + col // sort the few matches; the sort index would walk them all
	}
	dir := " DESC"
	if asc {
		dir = " ASC"
	}
	return `
		SELECT v.id, v.status, coalesce(v.title, ''), coalesce(v.channel_id, ''), coalesce(v.channel_title, ''),
		       coalesce(v.duration_seconds, -1), coalesce(v.view_count, -1), v.published_at, v.first_seen_at
		FROM ` + from + where + `
		ORDER BY ` + order + dir + `, v.id` + dir + ` LIMIT ? OFFSET ?`
}

// videoWhere returns the FROM and WHERE of a video list read through
// driver's index: the other filters are checked row by row (a unary +
// keeps the planner off their indexes, EXISTS looks a site up per row).
// A site drives through site_videos, hence CROSS JOIN.
func videoWhere(f VideoFilter, driver int) (from, where string, args []any) {
	from = "videos v"
	var conds []string
	plus := func(d int) string {
		if d == driver {
			return ""
		}
		return "+"
	}
	if f.Site != "" {
		if driver == bySite {
			from = "site_videos s CROSS JOIN videos v ON v.id = s.video_id"
			conds = append(conds, "s.host = ?")
		} else {
			conds = append(conds, "EXISTS (SELECT 1 FROM site_videos s WHERE s.host = ? AND s.video_id = v.id)")
		}
		args = append(args, f.Site)
	}
	if f.Status != "" {
		conds = append(conds, plus(byStatus)+"v.status = ?")
		args = append(args, f.Status)
	}
	if f.Channel != "" {
		conds = append(conds, plus(byChannel)+"v.channel_id = ?")
		args = append(args, f.Channel)
	}
	// The date range rides the first-seen index when that drives, or
	// when the list is sorted by it.
	date := plus(byDate)
	if driver == bySort && f.Sort == "first_seen" {
		date = ""
	}
	if !f.Since.IsZero() {
		conds = append(conds, date+"v.first_seen_at >= ?")
		args = append(args, formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		conds = append(conds, date+"v.first_seen_at < ?")
		args = append(args, formatTime(f.Until))
	}
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	return from, where, args
}
