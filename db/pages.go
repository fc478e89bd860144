package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/harvestdev/ytharvest/harvest"
)

// The page writer's statements, prepared once per database (hotQueries).
const (
	// Two indexed lookups: an OR over url and canonical_url would scan.
	// pages_by_canonical holds only the canonical URLs that are not the
	// page's own URL (the URL index finds those): the second lookup names
	// its condition.
	sqlFindCanonical = `
		SELECT id, url FROM (
			SELECT id, url, state FROM pages WHERE url = ?2
			UNION ALL
			SELECT id, url, state FROM pages WHERE canonical_url = ?2 AND canonical_url <> url)
		WHERE id <> ?1 AND state = 'fetched'
		ORDER BY id LIMIT 1`
	sqlPageNotModified = `
		UPDATE pages SET state = 'fetched', http_status = 304, error = NULL, fetched_at = ?,
		next_fetch_at = ?, fetch_count = fetch_count + 1
		WHERE id = ?`
	sqlPageFetched = `
		UPDATE pages SET state = ?, http_status = ?, error = ?, fetched_at = ?, kind = ?,
		fetch_count = fetch_count + 1, final_url = ?, canonical_url = ?, content_type = ?,
		etag = ?, last_modified = ?, content_hash = ?, body_bytes = ?, truncated = ?,
		title = ?, published_at = ?, language = ?, next_fetch_at = ?
		WHERE id = ?`
	sqlPageFailed = `
		UPDATE pages SET state = ?, http_status = ?, error = ?, fetched_at = ?,
		next_fetch_at = ?, fetch_count = fetch_count + 1
		WHERE id = ?`
)

// SavePages stores a batch of pages in one transaction: each page's
// outcome, its references and its out-links to queue; a page is all in or
// all out. A page whose canonical URL another fetched page has (as its URL
// or its canonical URL) is a duplicate: it is marked skipped and its
// references are filed under that page. The references and out-links of
// the whole batch go in as multi-row statements: per-statement overhead,
// not row count, is what a crawl's writer pays for. See harvest.Frontier.
func (db *DB) SavePages(ctx context.Context, batch []harvest.PageSave) ([]harvest.SaveStats, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A batch takes milliseconds: it is not interrupted once begun. With a
	// context that cannot be cancelled the driver also spares itself a
	// goroutine per statement that would watch for the cancellation.
	ctx = context.WithoutCancel(ctx)
	db.prepareRows(ctx)
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	stats := make([]harvest.SaveStats, len(batch))
	owners := make([]int64, len(batch))
	fail := func(err error) ([]harvest.SaveStats, error) {
		db.forgetVideos()
		return nil, err
	}
	for i, s := range batch {
		if owners[i], err = db.updatePage(ctx, tx, s.Page, now); err != nil {
			return fail(fmt.Errorf("save %s: %w", s.Page.URL, err))
		}
	}
	if err := db.saveRefs(ctx, tx, refBatch{batch, owners, stats, now}); err != nil {
		return fail(err)
	}
	if err := db.queueOut(ctx, tx, batch, stats, now); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(mapError(err))
	}
	return stats, nil
}

// updatePage records the outcome of fetching p and returns the page its
// references belong to: p itself, or the first fetched page with the same
// canonical URL (p is then a duplicate, and marked skipped).
func (db *DB) updatePage(ctx context.Context, tx *sql.Tx, p *harvest.Page, now any) (int64, error) {
	fetchedAt := formatTime(p.FetchedAt)
	if fetchedAt == nil {
		fetchedAt = now
	}
	owner := p.ID
	if p.State == harvest.PageFetched && !p.NotModified && p.CanonicalURL != "" {
		var id int64
		var u string
		err := db.queryRow(ctx, tx, sqlFindCanonical, p.ID, p.CanonicalURL).Scan(&id, &u)
		switch {
		case err == nil:
			owner = id
			p.State, p.Error = harvest.PageSkipped, "duplicate of "+u+" (same canonical URL)"
		case !errors.Is(err, sql.ErrNoRows):
			return 0, fmt.Errorf("look up canonical URL: %w", mapError(err))
		}
	}
	// A failed re-fetch keeps what the last good fetch learnt: only the
	// state, status and error change. So does a 304, which also says the
	// page's links are all still there.
	var err error
	switch {
	case p.NotModified:
		_, err = db.exec(ctx, tx, sqlPageNotModified, fetchedAt, formatTime(p.NextFetchAt), p.ID)
		if err == nil {
			_, err = db.exec(ctx, tx, sqlLinksSeen, now, p.ID)
		}
	case p.State == harvest.PageFetched || owner != p.ID:
		_, err = db.exec(ctx, tx, sqlPageFetched,
			string(p.State), nullInt(p.HTTPStatus), nullString(p.Error), fetchedAt, nullString(string(p.Kind)),
			nullString(p.FinalURL), nullString(p.CanonicalURL), nullString(p.ContentType),
			nullString(p.ETag), nullString(p.LastModified), nullString(p.ContentHash),
			p.BodyBytes, boolInt(p.Truncated), nullString(p.Title), formatTime(p.PublishedAt),
			nullString(p.Language), formatTime(p.NextFetchAt), p.ID)
	default:
		_, err = db.exec(ctx, tx, sqlPageFailed,
			string(p.State), nullInt(p.HTTPStatus), nullString(p.Error), fetchedAt,
			formatTime(p.NextFetchAt), p.ID)
	}
	if err != nil {
		return 0, fmt.Errorf("update page: %w", mapError(err))
	}
	return owner, nil
}
