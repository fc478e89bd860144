package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/db/storetest"
	"github.com/harvestdev/ytharvest/harvest"
)

// The store conformance suite, on SQLite.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) (harvest.Store, storetest.Inspector) {
		d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "store.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		d.Now = now
		return d, inspector{d.SQL()}
	})
}

// inspector reads a SQLite store back for the suite.
type inspector struct{ sql *sql.DB }

func (in inspector) Pages(ctx context.Context) ([]storetest.PageRow, error) {
	rows, err := in.sql.QueryContext(ctx, `
		SELECT p.url, p.host, p.depth, coalesce(f.url, ''), p.is_seed, p.listed, coalesce(p.kind, ''), p.state,
		       coalesce(p.http_status, 0), coalesce(p.title, ''), coalesce(p.error, ''), p.fetch_count, coalesce(p.next_fetch_at, '')
		FROM pages p LEFT JOIN pages f ON f.id = p.found_from ORDER BY p.url`)
	return scan(rows, err, func(rows *sql.Rows) (r storetest.PageRow, err error) {
		var next string
		err = rows.Scan(&r.URL, &r.Host, &r.Depth, &r.FoundFrom, &r.Seed, &r.Listed, &r.Kind, &r.State,
			&r.HTTPStatus, &r.Title, &r.Error, &r.FetchCount, &next)
		r.NextFetchAt, _ = time.Parse(time.RFC3339Nano, next)
		return r, err
	})
}

func (in inspector) Videos(ctx context.Context) ([]storetest.VideoRow, error) {
	rows, err := in.sql.QueryContext(ctx, `
		SELECT id, status, coalesce(status_reason, ''), coalesce(title, ''), coalesce(duration_seconds, 0),
		       coalesce(view_count, 0), coalesce(keywords, ''), fetch_attempts, coalesce(transcript_status, '')
		FROM videos ORDER BY id`)
	return scan(rows, err, func(rows *sql.Rows) (v storetest.VideoRow, err error) {
		return v, rows.Scan(&v.ID, &v.Status, &v.StatusReason, &v.Title, &v.DurationSeconds,
			&v.ViewCount, &v.Keywords, &v.FetchAttempts, &v.TranscriptStatus)
	})
}

func (in inspector) Links(ctx context.Context) ([]storetest.LinkRow, error) {
	rows, err := in.sql.QueryContext(ctx, `
		SELECT p.url, l.ref_type, l.ref_id, l.kind, l.in_body, coalesce(l.context, ''), coalesce(l.start_seconds, 0)
		FROM links l JOIN pages p ON p.id = l.page_id ORDER BY p.url, l.ref_type, l.ref_id, l.kind`)
	return scan(rows, err, func(rows *sql.Rows) (l storetest.LinkRow, err error) {
		return l, rows.Scan(&l.PageURL, &l.Type, &l.Ref, &l.Kind, &l.InBody, &l.Context, &l.StartSeconds)
	})
}

func (in inspector) Transcripts(ctx context.Context) ([]storetest.TranscriptRow, error) {
	rows, err := in.sql.QueryContext(ctx, `
		SELECT t.video_id, t.language, t.is_generated, t.text,
		       (SELECT count(*) FROM transcript_segments s WHERE s.transcript_id = t.id)
		FROM transcripts t ORDER BY t.video_id, t.language, t.is_generated`)
	return scan(rows, err, func(rows *sql.Rows) (r storetest.TranscriptRow, err error) {
		return r, rows.Scan(&r.VideoID, &r.Language, &r.Generated, &r.Text, &r.Segments)
	})
}

func (in inspector) Runs(ctx context.Context) ([]harvest.Run, error) {
	rows, err := in.sql.QueryContext(ctx, `
		SELECT id, command, started_at, coalesce(finished_at, ''), status, pages_fetched, seeds_failed,
		       links_out_of_scope, coalesce(error, ''), coalesce(version, '')
		FROM runs ORDER BY id`)
	return scan(rows, err, func(rows *sql.Rows) (r harvest.Run, err error) {
		var started, finished string
		err = rows.Scan(&r.ID, &r.Command, &started, &finished, &r.Status, &r.PagesFetched, &r.SeedsFailed,
			&r.LinksOutOfScope, &r.Error, &r.Version)
		r.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
		r.FinishedAt, _ = time.Parse(time.RFC3339Nano, finished)
		return r, err
	})
}

func (in inspector) Count(ctx context.Context, table string) (int, error) {
	var n int
	// The table name comes from the suite, never from data.
	err := in.sql.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&n)
	return n, err
}

func (in inspector) DeletePages(ctx context.Context, urls ...string) error {
	for _, u := range urls {
		if _, err := in.sql.ExecContext(ctx, `DELETE FROM pages WHERE url = ?`, u); err != nil {
			return err
		}
	}
	return nil
}

func scan[T any](rows *sql.Rows, err error, one func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := one(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
