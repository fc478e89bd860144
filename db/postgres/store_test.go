package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/harvestdev/ytharvest/db/postgres"
	"github.com/harvestdev/ytharvest/db/storetest"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/internal/pgtest"
)

// openStore opens a store on a new database of the test server.
func openStore(t testing.TB) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The store conformance suite, on PostgreSQL.
func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, now func() time.Time) (harvest.Store, storetest.Inspector) {
		s := openStore(t)
		s.Now = now
		return s, inspector{s.Pool()}
	})
}

// inspector reads a PostgreSQL store back for the suite.
type inspector struct{ pool *pgxpool.Pool }

func (in inspector) Pages(ctx context.Context) ([]storetest.PageRow, error) {
	rows, err := in.pool.Query(ctx, `
		SELECT p.url, p.host, p.depth, coalesce(f.url, ''), p.is_seed, p.listed, coalesce(p.kind, ''), p.state,
		       coalesce(p.http_status, 0), coalesce(p.title, ''), coalesce(p.error, ''), p.fetch_count, p.next_fetch_at
		FROM pages p LEFT JOIN pages f ON f.id = p.found_from ORDER BY p.url`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (r storetest.PageRow, err error) {
		var next *time.Time
		err = row.Scan(&r.URL, &r.Host, &r.Depth, &r.FoundFrom, &r.Seed, &r.Listed, &r.Kind, &r.State,
			&r.HTTPStatus, &r.Title, &r.Error, &r.FetchCount, &next)
		if next != nil {
			r.NextFetchAt = next.UTC()
		}
		return r, err
	})
}

func (in inspector) Videos(ctx context.Context) ([]storetest.VideoRow, error) {
	rows, err := in.pool.Query(ctx, `
		SELECT id, status, coalesce(status_reason, ''), coalesce(title, ''), coalesce(duration_seconds, 0),
		       coalesce(view_count, 0), coalesce(keywords::text, ''), fetch_attempts, coalesce(transcript_status, '')
		FROM videos ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (v storetest.VideoRow, err error) {
		return v, row.Scan(&v.ID, &v.Status, &v.StatusReason, &v.Title, &v.DurationSeconds,
			&v.ViewCount, &v.Keywords, &v.FetchAttempts, &v.TranscriptStatus)
	})
}

func (in inspector) Links(ctx context.Context) ([]storetest.LinkRow, error) {
	rows, err := in.pool.Query(ctx, `
		SELECT p.url, l.ref_type, l.ref_id, l.kind, l.in_body, coalesce(l.context, ''), coalesce(l.start_seconds, 0)
		FROM links l JOIN pages p ON p.id = l.page_id ORDER BY p.url, l.ref_type, l.ref_id, l.kind`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (l storetest.LinkRow, err error) {
		return l, row.Scan(&l.PageURL, &l.Type, &l.Ref, &l.Kind, &l.InBody, &l.Context, &l.StartSeconds)
	})
}

func (in inspector) Transcripts(ctx context.Context) ([]storetest.TranscriptRow, error) {
	rows, err := in.pool.Query(ctx, `
		SELECT t.video_id, t.language, t.is_generated, t.text,
		       (SELECT count(*) FROM transcript_segments s WHERE s.transcript_id = t.id)
		FROM transcripts t ORDER BY t.video_id, t.language, t.is_generated`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (r storetest.TranscriptRow, err error) {
		return r, row.Scan(&r.VideoID, &r.Language, &r.Generated, &r.Text, &r.Segments)
	})
}

func (in inspector) Runs(ctx context.Context) ([]harvest.Run, error) {
	rows, err := in.pool.Query(ctx, `
		SELECT id, command, started_at, finished_at, status, pages_fetched, seeds_failed,
		       links_out_of_scope, coalesce(error, ''), coalesce(version, '')
		FROM runs ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (r harvest.Run, err error) {
		var finished *time.Time
		var status string
		err = row.Scan(&r.ID, &r.Command, &r.StartedAt, &finished, &status, &r.PagesFetched, &r.SeedsFailed,
			&r.LinksOutOfScope, &r.Error, &r.Version)
		r.Status = harvest.RunStatus(status)
		if finished != nil {
			r.FinishedAt = *finished
		}
		return r, err
	})
}

func (in inspector) DeletePages(ctx context.Context, urls ...string) error {
	_, err := in.pool.Exec(ctx, `DELETE FROM pages WHERE url = ANY($1)`, urls)
	return err
}

func (in inspector) Count(ctx context.Context, table string) (int, error) {
	var n int
	// The table name comes from the suite, never from data.
	err := in.pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n)
	return n, err
}
