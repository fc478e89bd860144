package db

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

var _ harvest.Store = (*DB)(nil)

// The page writer's statements, prepared once per database (hotQueries).
const (
	// Two indexed lookups: an OR over url and canonical_url would scan.
	sqlFindCanonical = `
		SELECT id, url FROM (
			SELECT id, url, state FROM pages WHERE url = ?2
			UNION ALL
			SELECT id, url, state FROM pages WHERE canonical_url = ?2)
		WHERE id <> ?1 AND state = 'fetched'
		ORDER BY id LIMIT 1`
	sqlPageNotModified = `
		UPDATE pages SET state = 'fetched', http_status = 304, error = NULL, fetched_at = ?,
		next_fetch_at = ?, fetch_count = fetch_count + 1
		WHERE id = ?`
	sqlLinksSeen = `
		UPDATE links SET last_seen_at = ? WHERE page_id = ?`
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
	sqlHostSeq = `
		INSERT INTO hosts (host) VALUES (?)
		ON CONFLICT (host) DO UPDATE SET host = host
		RETURNING pages_seen`
	sqlHostSeen = `
		UPDATE hosts SET pages_seen = ? WHERE host = ? AND pages_seen < ?`
	sqlUpdateLink = `
		UPDATE links SET last_seen_at = ?, url = ?, start_seconds = ?, playlist_id = ?, context = ?, in_body = ?
		WHERE page_id = ? AND ref_type = ? AND ref_id = ? AND kind = ?`
	sqlNextPages = `
		SELECT id, url, host, depth, coalesce(found_from, 0), is_seed, listed, etag, last_modified
		FROM pages WHERE state = 'queued' AND depth <= ?
		  AND host NOT IN (SELECT value FROM json_each(?))
		  AND id NOT IN (SELECT value FROM json_each(?))
		ORDER BY depth, host_seq, id LIMIT ?`
	// One statement: atomic without a transaction of its own.
	sqlClaimPages = `
		UPDATE pages SET state = 'fetching'
		WHERE id IN (SELECT id FROM pages WHERE state = 'queued' AND depth <= ?
		               AND host NOT IN (SELECT value FROM json_each(?))
		             ORDER BY depth, host_seq, id LIMIT ?)
		RETURNING id, url, host, depth, coalesce(found_from, 0), is_seed, etag, last_modified, coalesce(host_seq, 0)`
)

// hotQueries are prepared when the database is opened.
var hotQueries = []string{
	sqlFindCanonical,
	sqlPageNotModified,
	sqlLinksSeen,
	sqlPageFetched,
	sqlPageFailed,
	sqlHostSeq,
	sqlHostSeen,
	sqlUpdateLink,
	sqlNextPages,
}

// StartRun records the start of r and sets r.ID.
func (db *DB) StartRun(ctx context.Context, r *harvest.Run) error {
	res, err := db.sql.ExecContext(ctx, `
		INSERT INTO runs (command, started_at, status, options, version) VALUES (coalesce(?, 'crawl'), ?, ?, ?, ?)`,
		nullString(r.Command), formatTime(r.StartedAt), string(r.Status), nullString(r.Options), nullString(r.Version))
	if err != nil {
		return mapError(err)
	}
	r.ID, err = res.LastInsertId()
	return err
}

// FinishRun records how r ended.
func (db *DB) FinishRun(ctx context.Context, r *harvest.Run) error {
	_, err := db.sql.ExecContext(ctx, `
		UPDATE runs SET finished_at = ?, status = ?, seeds = ?, pages_fetched = ?, pages_failed = ?,
		       refs_found = ?, new_links = ?, new_videos = ?, videos_fetched = ?, videos_failed = ?, error = ?,
		       pages_not_modified = ?, pages_skipped = ?, transcripts = ?, seeds_failed = ?, links_out_of_scope = ?
		WHERE id = ?`,
		formatTime(r.FinishedAt), string(r.Status), r.Seeds, r.PagesFetched, r.PagesFailed,
		r.RefsFound, r.NewLinks, r.NewVideos, r.VideosFetched, r.VideosFailed, nullString(r.Error),
		r.PagesNotModified, r.PagesSkipped, r.Transcripts, r.SeedsFailed, r.LinksOutOfScope, r.ID)
	return mapError(err)
}

// AddSeeds puts the seeds in the frontier at depth 0 and queues them again
// if they were fetched before; pages left "fetching" by a killed run are
// queued again too.
func (db *DB) AddSeeds(ctx context.Context, urls []string) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	if _, err := tx.ExecContext(ctx, `UPDATE pages SET state = 'queued' WHERE state = 'fetching'`); err != nil {
		return mapError(err)
	}
	var seeds []harvest.Page
	for _, u := range urls {
		seeds = append(seeds, harvest.Page{URL: u})
	}
	if err := db.queueOut(ctx, tx, []harvest.PageSave{{Page: &harvest.Page{}, Out: seeds}}, make([]harvest.SaveStats, 1), now); err != nil {
		return err
	}
	for _, u := range urls {
		_, err := tx.ExecContext(ctx, `UPDATE pages SET is_seed = 1, depth = 0, state = 'queued' WHERE url = ?`, u)
		if err != nil {
			return fmt.Errorf("add seed %s: %w", u, mapError(err))
		}
	}
	return mapError(tx.Commit())
}

const (
	sqlQueueDue = `
		UPDATE pages SET state = 'queued'
		WHERE next_fetch_at <= ? AND +state IN ('fetched', 'failed', 'skipped')`
	sqlQueueListings = `
		UPDATE pages SET state = 'queued'
		WHERE (kind = 'sitemap' OR kind = 'sitemapindex' OR kind = 'feed') AND +state IN ('fetched', 'failed')`
)

// QueueDue queues again the fetched and failed pages whose next fetch time
// has come, and every sitemap and feed. Each query reads its own partial
// index (the unary + keeps the planner off pages_frontier, which would
// visit every fetched page); TestQueueDuePlans checks it.
func (db *DB) QueueDue(ctx context.Context, now time.Time) (int, error) {
	res, err := db.sql.ExecContext(ctx, sqlQueueDue, formatTime(now))
	if err != nil {
		return 0, mapError(err)
	}
	n, _ := res.RowsAffected()
	// Sitemaps and feeds list new pages all the time: like seeds, they are
	// fetched on every run.
	res, err = db.sql.ExecContext(ctx, sqlQueueListings)
	if err != nil {
		return 0, mapError(err)
	}
	m, _ := res.RowsAffected()
	return int(n + m), nil
}

// NextPages returns up to limit queued pages no deeper than maxDepth, not
// on excludeHosts and not among excludeIDs, in frontier order; see
// harvest.Store.
func (db *DB) NextPages(ctx context.Context, limit, maxDepth int, excludeHosts []string, excludeIDs []int64) ([]harvest.Page, error) {
	if limit <= 0 {
		return nil, nil
	}
	ids, _ := json.Marshal(excludeIDs)
	if excludeIDs == nil {
		ids = []byte("[]")
	}
	rows, err := db.stmts[sqlNextPages].QueryContext(ctx, maxDepth, jsonList(excludeHosts), string(ids), limit)
	if err != nil {
		return nil, mapError(err)
	}
	return scanAll(rows, func(rows *sql.Rows) (harvest.Page, error) {
		p := harvest.Page{State: harvest.PageQueued}
		var etag, lastMod sql.NullString
		err := rows.Scan(&p.ID, &p.URL, &p.Host, &p.Depth, &p.FoundFrom, &p.Seed, &p.Listed, &etag, &lastMod)
		p.ETag, p.LastModified = etag.String, lastMod.String
		return p, err
	})
}

// ClaimPages marks up to limit queued pages no deeper than maxDepth and
// not on excludeHosts as fetching, and returns them in frontier order.
// The crawler takes pages with NextPages; this is for tools and tests that
// hold pages the way earlier versions did.
func (db *DB) ClaimPages(ctx context.Context, limit, maxDepth int, excludeHosts []string) ([]harvest.Page, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.sql.QueryContext(ctx, sqlClaimPages, maxDepth, jsonList(excludeHosts), limit)
	if err != nil {
		return nil, mapError(err)
	}
	type claimed struct {
		harvest.Page
		seq int64
	}
	cs, err := scanAll(rows, func(rows *sql.Rows) (claimed, error) {
		c := claimed{Page: harvest.Page{State: harvest.PageFetching}}
		var etag, lastMod sql.NullString
		err := rows.Scan(&c.ID, &c.URL, &c.Host, &c.Depth, &c.FoundFrom, &c.Seed, &etag, &lastMod, &c.seq)
		c.ETag, c.LastModified = etag.String, lastMod.String
		return c, err
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives no order; keep the frontier's.
	slices.SortFunc(cs, func(a, b claimed) int {
		return cmp.Or(cmp.Compare(a.Depth, b.Depth), cmp.Compare(a.seq, b.seq), cmp.Compare(a.ID, b.ID))
	})
	pages := make([]harvest.Page, len(cs))
	for i, c := range cs {
		pages[i] = c.Page
	}
	return pages, nil
}

// scanAll reads every row of rows with scan, and closes rows.
func scanAll[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}

// CountQueued reports how many pages no deeper than maxDepth are queued.
func (db *DB) CountQueued(ctx context.Context, maxDepth int) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx,
		`SELECT count(*) FROM pages WHERE state = 'queued' AND depth <= ?`, maxDepth).Scan(&n)
	return n, mapError(err)
}

// SavePage stores the outcome of fetching p, its references and the
// out-links to queue, all in one transaction: a page is all in or all out.
// A page whose canonical URL another fetched page has (as its URL or its
// canonical URL) is a duplicate: SavePage marks p skipped and files its
// references under that page.
// It reports what it added.
func (db *DB) SavePage(ctx context.Context, p *harvest.Page, refs []harvest.Reference, out []harvest.Page) (harvest.SaveStats, error) {
	st, err := db.SavePages(ctx, []harvest.PageSave{{Page: p, Refs: refs, Out: out}})
	if err != nil {
		return harvest.SaveStats{}, err
	}
	return st[0], nil
}

// SavePages stores a batch of pages in one transaction; see SavePage. The
// references and out-links of the whole batch go in as multi-row
// statements: per-statement overhead, not row count, is what a crawl's
// writer pays for.
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
	if err := db.saveRefs(ctx, tx, batch, owners, stats, now); err != nil {
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

// saveRefs stores the batch's references (and, for videos, the stub rows
// their foreign key needs) and counts what is new per page. A reference
// seen before on its page gets its last_seen_at moved.
func (db *DB) saveRefs(ctx context.Context, tx *sql.Tx, batch []harvest.PageSave, owners []int64, stats []harvest.SaveStats, now any) error {
	// Video stubs, each attributed to the first page that names it.
	var stubs []any
	firstPage := make(map[string]int)
	for i, s := range batch {
		for _, r := range s.Refs {
			if r.Type != harvest.RefVideo {
				continue
			}
			if _, ok := firstPage[r.ID]; ok || db.videoKnown(r.ID) {
				continue
			}
			firstPage[r.ID] = i
			stubs = append(stubs, r.ID, now)
		}
	}
	err := db.insertRows(ctx, tx, `INSERT INTO videos (id, first_seen_at) VALUES`, 2, stubs,
		`ON CONFLICT (id) DO NOTHING RETURNING id`, func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			stats[firstPage[id]].NewVideos++
			return nil
		})
	if err != nil {
		return fmt.Errorf("save videos: %w", err)
	}

	type key struct {
		page     int64
		typ, ref string
		kind     string
	}
	var args []any
	var keys []key
	index := make(map[key]int) // -> batch index
	for i, s := range batch {
		for _, r := range s.Refs {
			var videoID, playlistID, channelRef any
			switch r.Type {
			case harvest.RefVideo:
				videoID, playlistID = r.ID, nullString(r.PlaylistID)
			case harvest.RefPlaylist:
				playlistID = r.ID
			case harvest.RefChannel:
				channelRef = r.ID
			default:
				return fmt.Errorf("save reference %s %s: unknown reference type", r.Type, r.ID)
			}
			k := key{owners[i], string(r.Type), r.ID, r.Kind}
			if _, dup := index[k]; !dup {
				index[k] = i
			}
			keys = append(keys, k)
			args = append(args, owners[i], string(r.Type), r.ID, videoID, playlistID, channelRef, r.Kind,
				nullString(r.URL), nullInt(r.StartSeconds), nullString(r.Context), boolInt(r.InBody), now, now)
		}
	}
	inserted := make(map[key]bool)
	err = db.insertRows(ctx, tx, `INSERT INTO links (page_id, ref_type, ref_id, video_id, playlist_id, channel_ref,
		kind, url, start_seconds, context, in_body, first_seen_at, last_seen_at) VALUES`, 13, args,
		`ON CONFLICT (page_id, ref_type, ref_id, kind) DO NOTHING RETURNING page_id, ref_type, ref_id, kind`,
		func(rows *sql.Rows) error {
			var k key
			if err := rows.Scan(&k.page, &k.typ, &k.ref, &k.kind); err != nil {
				return err
			}
			inserted[k] = true
			stats[index[k]].NewLinks++
			return nil
		})
	if err != nil {
		return fmt.Errorf("save references: %w", err)
	}
	// Seen before: still there, and maybe changed.
	for n, k := range keys {
		if inserted[k] {
			continue
		}
		a := args[n*13 : n*13+13]
		_, err := db.exec(ctx, tx, sqlUpdateLink, now, a[7], a[8], a[4], a[9], a[10], k.page, k.typ, k.ref, k.kind)
		if err != nil {
			return fmt.Errorf("save reference %s %s: %w", k.typ, k.ref, mapError(err))
		}
	}
	return nil
}

// queueOut adds the batch's out-links to the frontier, counting for each
// page the URLs that were new. Each host's new pages are numbered on from
// hosts.pages_seen (pages.host_seq), which interleaves hosts in the
// frontier order; a URL that turns out to be known leaves a gap in the
// numbering, which only orders pages. A known URL keeps its depth: the
// frontier is worked shallowest first, so a page is found at its least
// depth first.
func (db *DB) queueOut(ctx context.Context, tx *sql.Tx, batch []harvest.PageSave, stats []harvest.SaveStats, now any) error {
	seq := make(map[string]int64) // host -> last host_seq given out
	var args []any
	from := make(map[string]int) // URL -> batch index of the first page linking it
	for i, s := range batch {
		for _, o := range s.Out {
			if _, dup := from[o.URL]; dup {
				continue
			}
			from[o.URL] = i
			host := hostOf(o.URL)
			last, ok := seq[host]
			if !ok {
				if err := db.queryRow(ctx, tx, sqlHostSeq, host).Scan(&last); err != nil {
					return fmt.Errorf("count pages of %s: %w", host, mapError(err))
				}
			}
			seq[host] = last + 1
			args = append(args, o.URL, host, last+1, o.Depth, nullInt64(s.Page.ID), nullString(string(o.Kind)), now, boolInt(o.Listed))
		}
	}
	err := db.insertRows(ctx, tx, `INSERT INTO pages (url, host, host_seq, depth, found_from, kind, first_seen_at, listed, state) VALUES`,
		8, args, `ON CONFLICT (url) DO NOTHING RETURNING url`, func(rows *sql.Rows) error {
			var u string
			if err := rows.Scan(&u); err != nil {
				return err
			}
			stats[from[u]].NewPages++
			return nil
		}, "'queued'")
	if err != nil {
		return fmt.Errorf("queue pages: %w", err)
	}
	for host, last := range seq {
		if _, err := db.exec(ctx, tx, sqlHostSeen, last, host, last); err != nil {
			return fmt.Errorf("count pages of %s: %w", host, mapError(err))
		}
	}
	return nil
}

// maxRowArgs bounds the parameters of one multi-row statement (SQLite
// allows 32,766).
const maxRowArgs = 30_000

// insertRows runs "head (?,…),(?,…) tail" over args, cols values a row, in
// chunks, and hands each row the statement returns to scan (nil: the
// statement returns none). fixed are SQL literals appended to every row
// after its parameters (the literal 'queued' state, say): the statement
// text is ours, never page data.
//
// Chunks have a power of two of rows (13 rows go as 8, 4 and 1), so that
// one form of statement comes in a few sizes, each prepared once
// (db.rowStmt): preparing a statement of a new size for every batch cost
// the crawl a twentieth of its time.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, head string, cols int, args []any, tail string, scan func(*sql.Rows) error, fixed ...string) error {
	row := "(" + strings.Repeat("?,", cols)
	if len(fixed) > 0 {
		row += strings.Join(fixed, ",") + ")"
	} else {
		row = row[:len(row)-1] + ")"
	}
	most := 1
	for most*2*cols <= maxRowArgs {
		most *= 2
	}
	for start, rows := 0, len(args)/cols; start < rows; {
		n := most
		for n > rows-start {
			n /= 2
		}
		chunk := args[start*cols : (start+n)*cols]
		start += n
		var err error
		st := db.rowStmt(head, row, tail, n)
		if st != nil {
			st = tx.StmtContext(ctx, st)
			defer st.Close()
		}
		if scan == nil {
			if st != nil {
				_, err = st.ExecContext(ctx, chunk...)
			} else {
				_, err = tx.ExecContext(ctx, rowsQuery(head, row, tail, n), chunk...)
			}
			if err != nil {
				return mapError(err)
			}
			continue
		}
		var rs *sql.Rows
		if st != nil {
			rs, err = st.QueryContext(ctx, chunk...)
		} else {
			rs, err = tx.QueryContext(ctx, rowsQuery(head, row, tail, n), chunk...)
		}
		if err != nil {
			return mapError(err)
		}
		for rs.Next() {
			if err := scan(rs); err != nil {
				rs.Close()
				return mapError(err)
			}
		}
		if err := rs.Err(); err != nil {
			rs.Close()
			return mapError(err)
		}
		rs.Close()
	}
	return nil
}

// maxCachedRows is the most rows of a multi-row statement kept prepared.
const maxCachedRows = 256

// rowStmt returns the prepared statement of n rows for insertRows, or nil
// when it is not prepared yet: the writer's one connection is taken by the
// transaction, so a new size is noted, run unprepared this once, and
// prepared by prepareRows before the next transaction. Statements of more
// than maxCachedRows rows (long transcripts: rare, and big) are not kept.
func (db *DB) rowStmt(head, row, tail string, n int) *sql.Stmt {
	if n > maxCachedRows {
		return nil
	}
	q := rowsQuery(head, row, tail, n)
	db.rmu.Lock()
	defer db.rmu.Unlock()
	st, ok := db.rowStmts[q]
	if !ok {
		if db.rowStmts == nil {
			db.rowStmts = make(map[string]*sql.Stmt)
		}
		db.rowStmts[q] = nil // wanted
	}
	return st
}

// prepareRows prepares the multi-row statements rowStmt was asked for and
// did not have. It runs outside any transaction; a statement that cannot
// be prepared is left to run unprepared.
func (db *DB) prepareRows(ctx context.Context) {
	// Not under rmu: preparing waits for the writer's connection, which a
	// transaction of the video stage may hold while it asks rowStmt.
	var wanted []string
	db.rmu.Lock()
	for q, st := range db.rowStmts {
		if st == nil {
			wanted = append(wanted, q)
		}
	}
	db.rmu.Unlock()
	for _, q := range wanted {
		st, err := db.sql.PrepareContext(ctx, q)
		db.rmu.Lock()
		switch {
		case err != nil:
			delete(db.rowStmts, q)
		case db.rowStmts[q] != nil: // prepared meanwhile
			st.Close()
		default:
			db.rowStmts[q] = st
		}
		db.rmu.Unlock()
	}
}

// rowsQuery is the text of a multi-row statement of n rows.
func rowsQuery(head, row, tail string, n int) string {
	var q strings.Builder
	q.Grow(len(head) + n*(len(row)+1) + len(tail) + 1)
	q.WriteString(head)
	for i := range n {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(row)
	}
	q.WriteString(" ")
	q.WriteString(tail)
	return q.String()
}

// ClaimVideos returns up to q.Limit videos due for a fetch and marks them
// attempted now; see harvest.Store.
func (db *DB) ClaimVideos(ctx context.Context, q harvest.VideoQuery) ([]harvest.VideoClaim, error) {
	rows, err := db.sql.QueryContext(ctx, `
		UPDATE videos SET attempted_at = ?1, fetch_attempts = fetch_attempts + 1
		WHERE id IN (
		  SELECT id FROM videos
		  WHERE (attempted_at IS NULL OR attempted_at < ?2)
		    AND (status IN ('pending','blocked','error') OR fetched_at IS NULL OR fetched_at < ?3
		         OR ?5 AND status = 'ok' AND (transcript_status IS NULL OR transcript_status IN ('blocked','error')
		                                      OR ?6 AND (transcript_checked_at IS NULL OR transcript_checked_at < ?2)))
		  ORDER BY first_seen_at, id LIMIT ?4)
		RETURNING id, first_seen_at,
		  ?5 AND (transcript_status IS NULL OR transcript_status IN ('blocked','error')
		          OR ?6 AND (transcript_checked_at IS NULL OR transcript_checked_at < ?2))`,
		formatTime(db.now()), formatTime(q.NotSince), formatTime(q.StaleBefore), q.Limit,
		q.Transcripts, q.RefetchTranscripts)
	if err != nil {
		return nil, mapError(err)
	}
	type claimed struct {
		harvest.VideoClaim
		seen string
	}
	cs, err := scanAll(rows, func(rows *sql.Rows) (c claimed, err error) {
		return c, rows.Scan(&c.ID, &c.seen, &c.NeedTranscript)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(cs, func(a, b claimed) int {
		return cmp.Or(cmp.Compare(a.seen, b.seen), cmp.Compare(a.ID, b.ID))
	})
	out := make([]harvest.VideoClaim, len(cs))
	for i, c := range cs {
		out[i] = c.VideoClaim
	}
	return out, nil
}

// SaveVideo stores what was learnt about a video. A definitive answer
// replaces the metadata and adds a view-count snapshot; a blocked or error
// answer only records itself on videos that have no definitive answer yet.
func (db *DB) SaveVideo(ctx context.Context, v *harvest.Video) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	fetchedAt := formatTime(v.FetchedAt)
	if fetchedAt == nil {
		fetchedAt = now
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO videos (id, first_seen_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, v.ID, now); err != nil {
		return mapError(err)
	}
	if !v.Status.Definitive() {
		// Pending: YouTube was not asked (every egress benched); the
		// status stays what it was.
		_, err := tx.ExecContext(ctx, `
			UPDATE videos SET status = ?, status_reason = ?
			WHERE id = ? AND status IN ('pending','blocked','error') AND ? <> 'pending'`,
			string(v.Status), nullString(v.StatusReason), v.ID, string(v.Status))
		if err != nil {
			return mapError(err)
		}
		if err := saveOEmbed(ctx, tx, v); err != nil { // youtube: oEmbed while blocked
			return err
		}
		return mapError(tx.Commit())
	}
	var keywords any
	if len(v.Keywords) > 0 {
		b, err := json.Marshal(v.Keywords)
		if err != nil {
			return err
		}
		keywords = string(b)
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE videos SET status = ?, status_reason = ?, title = ?, description = ?, channel_id = ?,
		  channel_title = ?, channel_handle = coalesce(?, channel_handle), duration_seconds = ?, view_count = ?,
		  published_at = coalesce(?, published_at), thumbnail_url = ?, is_live = ?, is_upcoming = ?,
		  category = coalesce(?, category), keywords = ?, fetched_at = ?, metadata_source = ?
		WHERE id = ?`,
		string(v.Status), nullString(v.StatusReason), nullString(v.Title), nullString(v.Description),
		nullString(v.ChannelID), nullString(v.ChannelTitle), nullString(v.ChannelHandle),
		nullSeconds(v.Duration, v.Status), nullViews(v), formatTime(v.PublishedAt),
		nullString(v.ThumbnailURL), boolInt(v.IsLive), boolInt(v.IsUpcoming), nullString(v.Category),
		keywords, fetchedAt, metadataSource(v), v.ID)
	if err != nil {
		return mapError(err)
	}
	if v.Status == harvest.VideoOK {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO video_views (video_id, fetched_at, view_count) VALUES (?, ?, ?)
			ON CONFLICT DO UPDATE SET view_count = excluded.view_count`,
			v.ID, fetchedAt, v.ViewCount)
		if err != nil {
			return mapError(err)
		}
		// The tracks offered now replace those offered before (unless the
		// answer, the Data API's, does not say which it offers).
		if v.CaptionTracksUnknown {
			return mapError(tx.Commit())
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM caption_tracks WHERE video_id = ?`, v.ID); err != nil {
			return mapError(err)
		}
		var args []any
		for _, t := range v.CaptionTracks {
			args = append(args, v.ID, t.Language, boolInt(t.Generated), nullString(t.Name), boolInt(t.Translatable), fetchedAt)
		}
		err = db.insertRows(ctx, tx, `INSERT INTO caption_tracks (video_id, language, is_generated, name, is_translatable, seen_at) VALUES`,
			6, args, `ON CONFLICT DO NOTHING`, nil)
		if err != nil {
			return fmt.Errorf("save caption tracks: %w", err)
		}
	}
	return mapError(tx.Commit())
}

// AttemptVideos records video IDs as known and attempted now; see
// harvest.Store.
func (db *DB) AttemptVideos(ctx context.Context, ids []string) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO videos (id, first_seen_at, attempted_at, fetch_attempts) VALUES (?1, ?2, ?2, 1)
			ON CONFLICT DO UPDATE SET attempted_at = ?2, fetch_attempts = fetch_attempts + 1`, id, now); err != nil {
			return fmt.Errorf("add video %q: %w", id, mapError(err))
		}
	}
	return mapError(tx.Commit())
}

// SaveTranscripts records what came of looking for a video's transcript:
// its status (and reason) on the video, and each transcript fetched with
// its segments, replacing an earlier copy of the same language and kind.
func (db *DB) SaveTranscripts(ctx context.Context, videoID string, status harvest.TranscriptStatus, reason string, ts []harvest.Transcript) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	// A failure to fetch never overwrites a transcript we have.
	_, err = tx.ExecContext(ctx, `
		UPDATE videos SET transcript_status = ?, transcript_reason = ?, transcript_checked_at = ?
		WHERE id = ? AND NOT (coalesce(transcript_status, '') = 'ok' AND ? IN ('blocked', 'error'))`,
		string(status), nullString(reason), now, videoID, string(status))
	if err != nil {
		return mapError(err)
	}
	for _, t := range ts {
		fetched := formatTime(t.FetchedAt)
		if fetched == nil {
			fetched = now
		}
		var id int64
		err := tx.QueryRowContext(ctx, `
			INSERT INTO transcripts (video_id, language, is_generated, name, source, fetched_at, text, translated_from)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (video_id, language, is_generated) DO UPDATE SET name = excluded.name,
			  source = excluded.source, fetched_at = excluded.fetched_at, text = excluded.text,
			  translated_from = excluded.translated_from
			RETURNING id`,
			videoID, t.Language, boolInt(t.Generated), nullString(t.Name), t.Source, fetched, t.Text(),
			nullString(t.TranslatedFrom)).Scan(&id)
		if err != nil {
			return fmt.Errorf("save transcript %s %s: %w", videoID, t.Language, mapError(err))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM transcript_segments WHERE transcript_id = ?`, id); err != nil {
			return mapError(err)
		}
		args := make([]any, 0, 6*len(t.Segments))
		for _, sg := range t.Segments {
			args = append(args, id, videoID, t.Language, sg.StartMs, sg.DurationMs, sg.Text)
		}
		err = db.insertRows(ctx, tx, `INSERT INTO transcript_segments (transcript_id, video_id, language, start_ms, duration_ms, text) VALUES`,
			6, args, ``, nil)
		if err != nil {
			return fmt.Errorf("save transcript %s %s: %w", videoID, t.Language, err)
		}
	}
	return mapError(tx.Commit())
}

// nullSeconds stores a duration in whole seconds; unknown (zero) stays NULL
// except for videos that played, where 0 is a real answer (a live stream).
func nullSeconds(d time.Duration, s harvest.VideoStatus) any {
	if d == 0 && s != harvest.VideoOK {
		return nil
	}
	return int64(d / time.Second)
}

func nullViews(v *harvest.Video) any {
	if v.ViewCount == 0 && v.Status != harvest.VideoOK {
		return nil
	}
	return v.ViewCount
}

// videoKnown reports whether the video's row is known to exist, and
// remembers it from now on. Pages repeat the same videos (sidebars, most
// watched); the set saves their stub inserts. Videos are never deleted, so
// a remembered ID stays true; the set is bounded and starts over when full.
// A transaction that rolls back could leave an ID remembered whose insert
// was undone, so SavePages forgets the set on failure.
func (db *DB) videoKnown(id string) bool {
	db.vmu.Lock()
	defer db.vmu.Unlock()
	if _, ok := db.videos[id]; ok {
		return true
	}
	if db.videos == nil || len(db.videos) >= 200_000 {
		db.videos = make(map[string]struct{})
	}
	db.videos[id] = struct{}{}
	return false
}

func (db *DB) forgetVideos() {
	db.vmu.Lock()
	defer db.vmu.Unlock()
	db.videos = nil
}

// exec runs query in tx, as a statement prepared once when the database
// was opened if it is one of the writer's hot statements (hotQueries):
// the page writer runs the same few statements thousands of times, and
// preparing each time would cost as much as running it.
func (db *DB) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := db.stmts[query]; st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// queryRow is QueryRowContext with a prepared statement, like exec.
func (db *DB) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := db.stmts[query]; st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// jsonList encodes a list of strings as a JSON array, for json_each.
func jsonList(ss []string) string {
	if len(ss) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ss)
	return string(b)
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullInt64(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// hostOf returns the host[:port] of a normalised URL, lower-cased.
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Host)
}

// LoadRobots returns the stored robots.txt answer of host; see
// crawl.RobotsStore.
func (db *DB) LoadRobots(ctx context.Context, host string) (int, []byte, time.Time, bool, error) {
	var status sql.NullInt64
	var body, fetched sql.NullString
	err := db.sql.QueryRowContext(ctx, `
		SELECT robots_status, robots_txt, robots_fetched_at FROM hosts WHERE host = ?`, host).Scan(&status, &body, &fetched)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !fetched.Valid {
		return 0, nil, time.Time{}, false, nil
	}
	if err != nil {
		return 0, nil, time.Time{}, false, mapError(err)
	}
	return int(status.Int64), []byte(body.String), parseTime(fetched), true, nil
}

// SaveRobots stores the robots.txt answer of host; see crawl.RobotsStore.
func (db *DB) SaveRobots(ctx context.Context, host string, status int, body []byte, fetchedAt time.Time, crawlDelay time.Duration) error {
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO hosts (host, robots_status, robots_txt, robots_fetched_at, crawl_delay_ms)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (host) DO UPDATE SET robots_status = excluded.robots_status,
		  robots_txt = excluded.robots_txt, robots_fetched_at = excluded.robots_fetched_at,
		  crawl_delay_ms = excluded.crawl_delay_ms`,
		host, status, string(body), formatTime(fetchedAt), crawlDelay.Milliseconds())
	return mapError(err)
}

// ClaimPlaylists returns up to limit playlists the pages reference that
// are due for a fetch — never fetched, blocked or failed last time, or
// fetched before staleBefore — and not attempted since notSince, and
// marks them attempted now.
func (db *DB) ClaimPlaylists(ctx context.Context, staleBefore, notSince time.Time, limit int) ([]string, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO playlists (id, first_seen_at)
		SELECT DISTINCT ref_id, ? FROM links WHERE ref_type = 'playlist'
		ON CONFLICT (id) DO NOTHING`, now); err != nil {
		return nil, mapError(err)
	}
	rows, err := tx.QueryContext(ctx, `
		UPDATE playlists SET attempted_at = ?
		WHERE id IN (SELECT id FROM playlists
		             WHERE (attempted_at IS NULL OR attempted_at < ?)
		               AND (status IN ('pending','blocked','error') OR fetched_at < ?)
		             ORDER BY first_seen_at, id LIMIT ?)
		RETURNING id`, now, formatTime(notSince), formatTime(staleBefore), limit)
	if err != nil {
		return nil, mapError(err)
	}
	ids, err := scanAll(rows, func(rows *sql.Rows) (id string, err error) { return id, rows.Scan(&id) })
	if err != nil {
		return nil, err
	}
	return ids, mapError(tx.Commit())
}

// SavePlaylist records what a playlist fetch learnt. For a playlist
// answered ok, each of its videos is linked, with kind playlist_member,
// to every page that references the playlist (in the body if the page's
// reference is). A blocked or error answer never overwrites an ok one.
func (db *DB) SavePlaylist(ctx context.Context, p *harvest.Playlist) (newVideos int, err error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	fetched := formatTime(p.FetchedAt)
	if fetched == nil {
		fetched = now
	}
	if !p.Status.Definitive() {
		_, err := tx.ExecContext(ctx, `
			UPDATE playlists SET status = ?, status_reason = ? WHERE id = ? AND status IN ('pending','blocked','error')`,
			string(p.Status), nullString(p.StatusReason), p.ID)
		if err != nil {
			return 0, mapError(err)
		}
		return 0, mapError(tx.Commit())
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO playlists (id, status, status_reason, title, author, video_count, truncated, first_seen_at, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, status_reason = excluded.status_reason,
		  title = excluded.title, author = excluded.author, video_count = excluded.video_count,
		  truncated = excluded.truncated, fetched_at = excluded.fetched_at`,
		p.ID, string(p.Status), nullString(p.StatusReason), nullString(p.Title), nullString(p.Author),
		len(p.VideoIDs), boolInt(p.Truncated), now, fetched)
	if err != nil {
		return 0, mapError(err)
	}
	if p.Status != harvest.VideoOK || len(p.VideoIDs) == 0 {
		return 0, mapError(tx.Commit())
	}
	var stubs []any
	for _, id := range p.VideoIDs {
		stubs = append(stubs, id, now)
	}
	err = db.insertRows(ctx, tx, `INSERT INTO videos (id, first_seen_at) VALUES`, 2, stubs,
		`ON CONFLICT (id) DO NOTHING RETURNING id`, func(*sql.Rows) error { newVideos++; return nil })
	if err != nil {
		return 0, fmt.Errorf("save playlist videos: %w", err)
	}
	type ref struct {
		page   int64
		inBody int
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT page_id, max(in_body) FROM links WHERE ref_type = 'playlist' AND ref_id = ? GROUP BY page_id`, p.ID)
	if err != nil {
		return 0, mapError(err)
	}
	pages, err := scanAll(rows, func(rows *sql.Rows) (r ref, err error) { return r, rows.Scan(&r.page, &r.inBody) })
	if err != nil {
		return 0, err
	}
	var args []any
	for _, pg := range pages {
		for _, id := range p.VideoIDs {
			args = append(args, pg.page, "video", id, id, p.ID, nil, harvest.KindPlaylistMember,
				"https://www.youtube.com/watch?v="+id+"&list="+p.ID, nil, nullString(p.Title), pg.inBody, now, now)
		}
	}
	err = db.insertRows(ctx, tx, `INSERT INTO links (page_id, ref_type, ref_id, video_id, playlist_id, channel_ref,
		kind, url, start_seconds, context, in_body, first_seen_at, last_seen_at) VALUES`, 13, args,
		`ON CONFLICT (page_id, ref_type, ref_id, kind) DO UPDATE SET last_seen_at = excluded.last_seen_at`, nil)
	if err != nil {
		return 0, fmt.Errorf("link playlist videos: %w", err)
	}
	return newVideos, mapError(tx.Commit())
}
