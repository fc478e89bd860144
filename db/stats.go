package db

import (
	"context"
	"database/sql"
	"time"
)

// Count is a name and how many.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// RunSummary is one row of the runs table.
type RunSummary struct {
	ID            int64     `json:"id"`
	Command       string    `json:"command"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at,omitzero"`
	Status        string    `json:"status"`
	PagesFetched  int       `json:"pages_fetched"`
	PagesFailed   int       `json:"pages_failed"`
	NewVideos     int       `json:"new_videos"`
	VideosFetched int       `json:"videos_fetched"`
	VideosFailed  int       `json:"videos_failed"`
	Error         string    `json:"error,omitempty"`
}

// Stats summarises what a database holds.
type Stats struct {
	SchemaVersion int          `json:"schema_version"`
	Pages         []Count      `json:"pages"`  // by state
	Videos        []Count      `json:"videos"` // by status
	Links         []Count      `json:"links"`  // by kind
	Playlists     int          `json:"playlists"`
	Channels      int          `json:"channels"`
	Transcripts   int          `json:"transcripts"`
	TopHosts      []Count      `json:"top_hosts"`    // hosts whose pages reference the most videos
	TopChannels   []Count      `json:"top_channels"` // channels with the most videos
	Runs          []RunSummary `json:"runs"`         // the last few, newest first
}

// Stats summarises the database. It reads in one transaction, so the
// numbers agree with each other while a crawl is writing.
func (db *DB) Stats(ctx context.Context) (*Stats, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	s := &Stats{}
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&s.SchemaVersion); err != nil {
		return nil, mapError(err)
	}
	counts := []struct {
		dst   *[]Count
		query string
	}{
		{&s.Pages, `SELECT state, pages FROM page_states WHERE pages > 0 ORDER BY 2 DESC, 1`},
		{&s.Videos, `SELECT status, videos FROM video_statuses WHERE videos > 0 ORDER BY 2 DESC, 1`},
		{&s.Links, `SELECT kind, count(*) FROM links GROUP BY kind ORDER BY count(*) DESC, kind`},
		{&s.TopHosts, `SELECT p.host, count(DISTINCT l.video_id) FROM links l JOIN pages p ON p.id = l.page_id
			WHERE l.ref_type = 'video' GROUP BY p.host ORDER BY 2 DESC, 1 LIMIT 5`},
		{&s.TopChannels, `SELECT coalesce(channel_title, channel_id), count(*) FROM videos
			WHERE channel_id IS NOT NULL GROUP BY channel_id ORDER BY 2 DESC, 1 LIMIT 5`},
	}
	for _, c := range counts {
		if *c.dst, err = queryCounts(ctx, tx, c.query); err != nil {
			return nil, err
		}
	}
	for _, q := range []struct {
		dst   *int
		query string
	}{
		{&s.Playlists, `SELECT count(DISTINCT ref_id) FROM links WHERE ref_type = 'playlist'`},
		{&s.Channels, `SELECT count(DISTINCT ref_id) FROM links WHERE ref_type = 'channel'`},
		{&s.Transcripts, `SELECT count(*) FROM transcripts`},
	} {
		if err := tx.QueryRowContext(ctx, q.query).Scan(q.dst); err != nil {
			return nil, mapError(err)
		}
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT id, command, started_at, finished_at, status, pages_fetched, pages_failed, new_videos,
		       videos_fetched, videos_failed, coalesce(error, '')
		FROM runs ORDER BY id DESC LIMIT 5`)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r RunSummary
		var started, finished sql.NullString
		if err := rows.Scan(&r.ID, &r.Command, &started, &finished, &r.Status, &r.PagesFetched, &r.PagesFailed,
			&r.NewVideos, &r.VideosFetched, &r.VideosFailed, &r.Error); err != nil {
			return nil, mapError(err)
		}
		r.StartedAt, r.FinishedAt = parseTime(started), parseTime(finished)
		s.Runs = append(s.Runs, r)
	}
	return s, mapError(rows.Err())
}

func queryCounts(ctx context.Context, tx *sql.Tx, query string) ([]Count, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, mapError(err)
	}
	return scanAll(rows, func(rows *sql.Rows) (c Count, err error) {
		return c, rows.Scan(&c.Name, &c.Count)
	})
}
