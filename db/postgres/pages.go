package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/harvest"
)

// SavePages stores a batch of pages in one transaction: each page's
// outcome, its references (queueing a fetch of each new video) and its
// out-links (queueing a host slice for each host with new pages); a page
// is all in or all out. A page whose canonical URL another fetched page
// has is a duplicate: skipped, its references filed under that page. See
// harvest.Frontier.
func (s *Store) SavePages(ctx context.Context, batch []harvest.PageSave) ([]harvest.SaveStats, error) {
	stats, err := s.savePages(ctx, batch)
	if err == nil {
		return stats, nil
	}
	// A user's own SQL may have deleted pages the run took: their
	// references and out-links then fail a foreign key (as in SQLite).
	return harvest.SaveWithout(ctx, batch, err, s.missingPages, s.savePages)
}

// savePages stores batch in one transaction (SavePages).
func (s *Store) savePages(ctx context.Context, batch []harvest.PageSave) ([]harvest.SaveStats, error) {
	var stats []harvest.SaveStats
	err := pgx.BeginFunc(context.WithoutCancel(ctx), s.pool, func(tx pgx.Tx) error {
		var err error
		stats, err = s.savePagesTx(ctx, tx, batch)
		return err
	})
	if err != nil {
		return nil, err
	}
	return stats, nil
}

// missingPages returns the page IDs of ids that are no longer stored.
func (s *Store) missingPages(ctx context.Context, ids []int64) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM unnest($1::bigint[]) AS b(id) WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE p.id = b.id)`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func (s *Store) savePagesTx(ctx context.Context, tx pgx.Tx, batch []harvest.PageSave) ([]harvest.SaveStats, error) {
	ctx = context.WithoutCancel(ctx) // a batch is not interrupted once begun
	stats := make([]harvest.SaveStats, len(batch))
	owners := make([]int64, len(batch))
	for i, ps := range batch {
		var err error
		if owners[i], err = s.updatePage(ctx, tx, ps.Page); err != nil {
			return nil, fmt.Errorf("save %s: %w", ps.Page.URL, err)
		}
	}
	if err := s.saveRefs(ctx, tx, batch, owners, stats); err != nil {
		return nil, err
	}
	if err := s.queueOut(ctx, tx, batch, stats); err != nil {
		return nil, err
	}
	return stats, nil
}

// updatePage records the outcome of fetching p and returns the page its
// references belong to: p itself, or the first fetched page with the same
// canonical URL (p is then a duplicate, and marked skipped).
func (s *Store) updatePage(ctx context.Context, tx pgx.Tx, p *harvest.Page) (int64, error) {
	now := s.now()
	fetchedAt := p.FetchedAt.UTC()
	if p.FetchedAt.IsZero() {
		fetchedAt = now
	}
	owner := p.ID
	if p.State == harvest.PageFetched && !p.NotModified && p.CanonicalURL != "" {
		var id int64
		var u string
		err := tx.QueryRow(ctx, `
			SELECT id, url FROM pages
			WHERE (url = $2 OR canonical_url = $2) AND id <> $1 AND state = 'fetched'
			ORDER BY id LIMIT 1`, p.ID, p.CanonicalURL).Scan(&id, &u)
		switch {
		case err == nil:
			owner = id
			p.State, p.Error = harvest.PageSkipped, "duplicate of "+u+" (same canonical URL)"
		case !isNoRows(err):
			return 0, fmt.Errorf("look up canonical URL: %w", err)
		}
	}
	var err error
	switch {
	case p.NotModified:
		_, err = tx.Exec(ctx, `
			UPDATE pages SET state = 'fetched', http_status = 304, error = NULL, fetched_at = $1,
			next_fetch_at = $2, fetch_count = fetch_count + 1 WHERE id = $3`,
			fetchedAt, nullTime(p.NextFetchAt), p.ID)
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE links SET last_seen_at = $1 WHERE page_id = $2`, now, p.ID)
		}
	case p.State == harvest.PageFetched || owner != p.ID:
		_, err = tx.Exec(ctx, `
			UPDATE pages SET state = $1, http_status = $2, error = $3, fetched_at = $4, kind = $5,
			fetch_count = fetch_count + 1, final_url = $6, canonical_url = $7, content_type = $8,
			etag = $9, last_modified = $10, content_hash = $11, body_bytes = $12, truncated = $13,
			title = $14, published_at = $15, language = $16, next_fetch_at = $17
			WHERE id = $18`,
			string(p.State), nullInt(p.HTTPStatus), nullString(p.Error), fetchedAt, nullString(string(p.Kind)),
			nullString(p.FinalURL), nullString(p.CanonicalURL), nullString(p.ContentType),
			nullString(p.ETag), nullString(p.LastModified), nullString(p.ContentHash),
			p.BodyBytes, p.Truncated, nullString(p.Title), nullTime(p.PublishedAt),
			nullString(p.Language), nullTime(p.NextFetchAt), p.ID)
	default:
		_, err = tx.Exec(ctx, `
			UPDATE pages SET state = $1, http_status = $2, error = $3, fetched_at = $4,
			next_fetch_at = $5, fetch_count = fetch_count + 1 WHERE id = $6`,
			string(p.State), nullInt(p.HTTPStatus), nullString(p.Error), fetchedAt,
			nullTime(p.NextFetchAt), p.ID)
	}
	if err != nil {
		return 0, fmt.Errorf("update page: %w", err)
	}
	return owner, nil
}
