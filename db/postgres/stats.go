package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/db"
)

// readTx runs fn in a read-only, repeatable-read transaction: the numbers
// of one answer agree with each other while workers write.
func (s *Store) readTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, fn)
}

// Stats summarises the harvest; see db.DB.Stats.
func (s *Store) Stats(ctx context.Context) (*db.Stats, error) {
	st := &db.Stats{}
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+schemaTable).Scan(&st.SchemaVersion); err != nil {
			return err
		}
		for _, c := range []struct {
			dst   *[]db.Count
			query string
		}{
			{&st.Pages, `SELECT state, count(*) FROM pages GROUP BY state ORDER BY count(*) DESC, state`},
			{&st.Videos, `SELECT status, count(*) FROM videos GROUP BY status ORDER BY count(*) DESC, status`},
			{&st.Links, `SELECT kind, count(*) FROM links GROUP BY kind ORDER BY count(*) DESC, kind`},
			{&st.TopHosts, `SELECT p.host, count(DISTINCT l.video_id) FROM links l JOIN pages p ON p.id = l.page_id
				WHERE l.ref_type = 'video' GROUP BY p.host ORDER BY 2 DESC, 1 LIMIT 5`},
			{&st.TopChannels, `SELECT coalesce(max(channel_title), channel_id), count(*) FROM videos
				WHERE channel_id IS NOT NULL GROUP BY channel_id ORDER BY 2 DESC, 1 LIMIT 5`},
		} {
			var err error
			if *c.dst, err = queryCounts(ctx, tx, c.query); err != nil {
				return err
			}
		}
		for _, q := range []struct {
			dst   *int
			query string
		}{
			{&st.Playlists, `SELECT count(DISTINCT ref_id) FROM links WHERE ref_type = 'playlist'`},
			{&st.Channels, `SELECT count(DISTINCT ref_id) FROM links WHERE ref_type = 'channel'`},
			{&st.Transcripts, `SELECT count(*) FROM transcripts`},
		} {
			if err := tx.QueryRow(ctx, q.query).Scan(q.dst); err != nil {
				return err
			}
		}
		var err error
		st.Runs, err = lastRuns(ctx, tx, 5)
		return err
	})
	return st, err
}

func queryCounts(ctx context.Context, tx pgx.Tx, query string) ([]db.Count, error) {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (c db.Count, err error) {
		return c, row.Scan(&c.Name, &c.Count)
	})
}

func lastRuns(ctx context.Context, tx pgx.Tx, n int) ([]db.RunSummary, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, command, started_at, finished_at, status, pages_fetched, pages_failed, new_videos,
		       videos_fetched, videos_failed, coalesce(error, '')
		FROM runs ORDER BY id DESC LIMIT $1`, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (r db.RunSummary, err error) {
		var finished *time.Time
		err = row.Scan(&r.ID, &r.Command, &r.StartedAt, &finished, &r.Status, &r.PagesFetched, &r.PagesFailed,
			&r.NewVideos, &r.VideosFetched, &r.VideosFailed, &r.Error)
		r.StartedAt, r.FinishedAt = r.StartedAt.UTC(), timeOf(finished)
		return r, err
	})
}

// Overview reads the web UI's overview; see db.DB.Overview.
func (s *Store) Overview(ctx context.Context, days, runs int) (*db.Overview, error) {
	o := &db.Overview{}
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		if o.Videos, err = queryCounts(ctx, tx, `SELECT status, count(*) FROM videos GROUP BY status ORDER BY 2 DESC, 1`); err != nil {
			return err
		}
		if o.Pages, err = queryCounts(ctx, tx, `SELECT state, count(*) FROM pages GROUP BY state ORDER BY 2 DESC, 1`); err != nil {
			return err
		}
		for _, q := range []struct {
			dst   *int
			query string
		}{
			{&o.VideoLinks, `SELECT count(*) FROM links WHERE video_id IS NOT NULL`},
			{&o.Sites, `SELECT count(DISTINCT p.host) FROM links l JOIN pages p ON p.id = l.page_id WHERE l.video_id IS NOT NULL`},
			{&o.Channels, `SELECT count(*) FROM channels`},
			{&o.Transcripts, `SELECT count(*) FROM transcripts`},
			{&o.Vanished, `SELECT count(DISTINCT video_id) FROM video_status_changes
				WHERE old_status = 'ok' AND status IN ('removed', 'private', 'unplayable')`},
		} {
			if err := tx.QueryRow(ctx, q.query).Scan(q.dst); err != nil {
				return err
			}
		}
		if o.Runs, err = lastRuns(ctx, tx, runs); err != nil {
			return err
		}
		return overviewDays(ctx, tx, o, days)
	})
	return o, err
}

// overviewDays fills the new videos per day per site over the last days
// that end with the latest such day.
func overviewDays(ctx context.Context, tx pgx.Tx, o *db.Overview, days int) error {
	var last *string
	if err := tx.QueryRow(ctx, `SELECT max(day) FROM site_days`).Scan(&last); err != nil {
		return err
	}
	if last == nil || days <= 0 {
		return nil
	}
	end, err := time.Parse("2006-01-02", *last)
	if err != nil {
		return err
	}
	o.LastDay, o.FirstDay = *last, end.AddDate(0, 0, 1-days).Format("2006-01-02")
	rows, err := tx.Query(ctx, `SELECT day, host, videos FROM site_days WHERE day >= $1 AND videos > 0 ORDER BY day, host`, o.FirstDay)
	if err != nil {
		return err
	}
	o.Days, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (d db.SiteDay, err error) {
		return d, row.Scan(&d.Day, &d.Host, &d.Videos)
	})
	return err
}
