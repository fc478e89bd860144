package db

import (
	"context"
	"database/sql"
	"encoding/json"
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
	stats, err := db.savePages(ctx, batch)
	if err == nil {
		return stats, nil
	}
	// A user's own SQL may have deleted pages the run took (pruning a site
	// while cron's crawl runs): their references and out-links then fail
	// a foreign key. Looked for only when the batch failed, which costs a
	// crawl nothing otherwise.
	return harvest.SaveWithout(ctx, batch, err, db.missingPages, db.savePages)
}

// missingPages returns the page IDs of ids that are no longer stored.
func (db *DB) missingPages(ctx context.Context, ids []int64) ([]int64, error) {
	list, _ := json.Marshal(ids)
	rows, err := db.sql.QueryContext(ctx, `SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM pages)`, string(list))
	if err != nil {
		return nil, mapError(err)
	}
	return scanAll(rows, func(rows *sql.Rows) (id int64, err error) { return id, rows.Scan(&id) })
}

// savePages stores batch in one transaction (SavePages).
func (db *DB) savePages(ctx context.Context, batch []harvest.PageSave) ([]harvest.SaveStats, error) {
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
	if err := db.savePageRows(ctx, tx, batch, owners, now); err != nil {
		return fail(err)
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

// savePageRows records the outcome of fetching each page of the batch,
// and sets owners[i] to the page the references of batch[i] belong to:
// the page itself, or the first fetched page with the same canonical URL
// (the page is then a duplicate, and marked skipped).
//
// The duplicates are looked up for the whole batch in one query, and the
// fetched pages written in one multi-row UPDATE: a statement a page had
// been a third of the writer's time. When pages of the batch may be
// duplicates of one another (or one page is there twice), the answer
// depends on the order the pages are written in, and they are looked up
// and written one by one, in order, as before.
func (db *DB) savePageRows(ctx context.Context, tx *sql.Tx, batch []harvest.PageSave, owners []int64, now any) error {
	dupOf := make([]string, len(batch)) // the URL of the page each page duplicates
	together, err := db.findOwners(ctx, tx, batch, owners, dupOf)
	if err != nil {
		return err
	}
	var rows []any
	for i, s := range batch {
		p := s.Page
		if !together {
			if owners[i], dupOf[i], err = db.findOwner(ctx, tx, p); err != nil {
				return fmt.Errorf("save %s: %w", p.URL, err)
			}
		}
		if owners[i] != p.ID {
			p.State, p.Error = harvest.PageSkipped, "duplicate of "+dupOf[i]+" (same canonical URL)"
		}
		if together && !p.NotModified && (p.State == harvest.PageFetched || owners[i] != p.ID) {
			rows = append(rows, p.ID)
			rows = append(rows, fetchedArgs(p, now)...)
			continue
		}
		if err := db.updatePage(ctx, tx, p, owners[i], now); err != nil {
			return fmt.Errorf("save %s: %w", p.URL, err)
		}
	}
	if err := db.insertRows(ctx, tx, updateFetchedPages, rows, nil); err != nil {
		return fmt.Errorf("save pages: %w", mapError(err))
	}
	return nil
}

// The duplicates of a batch's pages: for each page ([id, canonical URL],
// by its index in the JSON array), the other pages whose URL is its
// canonical URL, or whose canonical URL is (and not their own URL:
// pages_by_canonical holds only those, the URL index finds the others).
const sqlFindCanonicals = `
	SELECT c.key, p.id, p.url, p.state FROM json_each(?1) AS c JOIN pages AS p
	  ON p.url = c.value ->> 1 AND p.id <> c.value ->> 0
	UNION ALL
	SELECT c.key, p.id, p.url, p.state FROM json_each(?1) AS c JOIN pages AS p
	  ON p.canonical_url = c.value ->> 1 AND p.canonical_url <> p.url AND p.id <> c.value ->> 0`

// findOwners looks up, in one query, the page each page of the batch is a
// duplicate of, and sets owners and dupOf (that page's URL). It reports
// false when the batch holds a page twice, two pages with the same
// canonical URL, or a page that another's canonical URL names: their
// answers depend on the order they are written in.
func (db *DB) findOwners(ctx context.Context, tx *sql.Tx, batch []harvest.PageSave, owners []int64, dupOf []string) (bool, error) {
	ids := make(map[int64]bool, len(batch)) // the pages of the batch
	canonical := make(map[string]bool)
	var pairs []any // [id, canonical URL] of the pages to look up
	var which []int // their batch indexes
	for i, s := range batch {
		p := s.Page
		if ids[p.ID] {
			return false, nil
		}
		ids[p.ID] = true
		if lookupCanonical(p) {
			if canonical[p.CanonicalURL] {
				return false, nil
			}
			canonical[p.CanonicalURL] = true
			pairs = append(pairs, []any{p.ID, p.CanonicalURL})
			which = append(which, i)
		}
	}
	for i, s := range batch {
		owners[i] = s.Page.ID
	}
	if len(pairs) == 0 {
		return true, nil
	}
	arg, err := json.Marshal(pairs)
	if err != nil {
		return false, err
	}
	rows, err := db.query(ctx, tx, sqlFindCanonicals, string(arg))
	if err != nil {
		return false, fmt.Errorf("look up canonical URLs: %w", mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var k int
		var id int64
		var u, state string
		if err := rows.Scan(&k, &id, &u, &state); err != nil {
			return false, fmt.Errorf("look up canonical URLs: %w", mapError(err))
		}
		if ids[id] {
			return false, nil // a page of this batch: it may change before the other is written
		}
		i := which[k]
		if state == string(harvest.PageFetched) && (owners[i] == batch[i].Page.ID || id < owners[i]) {
			owners[i], dupOf[i] = id, u
		}
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("look up canonical URLs: %w", mapError(err))
	}
	return true, nil
}

// lookupCanonical reports whether p may be a duplicate: a page fetched
// just now that declares a canonical URL.
func lookupCanonical(p *harvest.Page) bool {
	return p.State == harvest.PageFetched && !p.NotModified && p.CanonicalURL != ""
}

// findOwner returns the page p's references belong to, looked up by
// itself: the first fetched page with p's canonical URL, and its URL; or
// p.
func (db *DB) findOwner(ctx context.Context, tx *sql.Tx, p *harvest.Page) (int64, string, error) {
	if !lookupCanonical(p) {
		return p.ID, "", nil
	}
	var id int64
	var u string
	err := db.queryRow(ctx, tx, sqlFindCanonical, p.ID, p.CanonicalURL).Scan(&id, &u)
	switch {
	case err == nil:
		return id, u, nil
	case errors.Is(err, sql.ErrNoRows):
		return p.ID, "", nil
	}
	return 0, "", fmt.Errorf("look up canonical URL: %w", mapError(err))
}

// updateFetchedPages writes fetched pages, and duplicates: the page's ID,
// then fetchedArgs.
var updateFetchedPages = multiRow{
	head: `UPDATE pages SET state = v.column2, http_status = v.column3, error = v.column4, fetched_at = v.column5,
		kind = v.column6, fetch_count = fetch_count + 1, final_url = v.column7, canonical_url = v.column8,
		content_type = v.column9, etag = v.column10, last_modified = v.column11, content_hash = v.column12,
		body_bytes = v.column13, truncated = v.column14, title = v.column15, published_at = v.column16,
		language = v.column17, next_fetch_at = v.column18
		FROM (VALUES`,
	cols: 18,
	tail: `) AS v WHERE pages.id = v.column1`,
}

// fetchedArgs are the values sqlPageFetched and updateFetchedPages write
// of a page fetched (or found a duplicate), before its ID.
func fetchedArgs(p *harvest.Page, now any) []any {
	return []any{string(p.State), nullInt(p.HTTPStatus), nullString(p.Error), fetchedAt(p, now), nullString(string(p.Kind)),
		nullString(p.FinalURL), nullString(p.CanonicalURL), nullString(p.ContentType),
		nullString(p.ETag), nullString(p.LastModified), nullString(p.ContentHash),
		p.BodyBytes, boolInt(p.Truncated), nullString(p.Title), formatTime(p.PublishedAt),
		nullString(p.Language), formatTime(p.NextFetchAt)}
}

// fetchedAt is when p was fetched, or now.
func fetchedAt(p *harvest.Page, now any) any {
	if t := formatTime(p.FetchedAt); t != nil {
		return t
	}
	return now
}

// updatePage records the outcome of fetching p, one statement a page; its
// references belong to owner. A failed re-fetch keeps what the last good
// fetch learnt: only the state, status and error change. So does a 304,
// which also says the page's links are all still there.
func (db *DB) updatePage(ctx context.Context, tx *sql.Tx, p *harvest.Page, owner int64, now any) error {
	var err error
	switch {
	case p.NotModified:
		_, err = db.exec(ctx, tx, sqlPageNotModified, fetchedAt(p, now), formatTime(p.NextFetchAt), p.ID)
		if err == nil {
			_, err = db.exec(ctx, tx, sqlLinksSeen, now, p.ID)
		}
	case p.State == harvest.PageFetched || owner != p.ID:
		_, err = db.exec(ctx, tx, sqlPageFetched, append(fetchedArgs(p, now), p.ID)...)
	default:
		_, err = db.exec(ctx, tx, sqlPageFailed,
			string(p.State), nullInt(p.HTTPStatus), nullString(p.Error), fetchedAt(p, now),
			formatTime(p.NextFetchAt), p.ID)
	}
	if err != nil {
		return fmt.Errorf("update page: %w", mapError(err))
	}
	return nil
}
