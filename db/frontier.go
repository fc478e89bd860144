package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// The frontier's statements. sqlNextPages is prepared when the database
// is opened (hotQueries).
const (
	sqlNextPages = `
		SELECT id, url, host, depth, coalesce(found_from, 0), is_seed, listed, etag, last_modified
		FROM pages WHERE state = 'queued' AND depth <= ?
		  AND host NOT IN (SELECT value FROM json_each(?))
		  AND id NOT IN (SELECT value FROM json_each(?))
		ORDER BY depth, host_seq, id LIMIT ?`
	sqlHostSeq = `
		INSERT INTO hosts (host) VALUES (?)
		ON CONFLICT (host) DO UPDATE SET host = host
		RETURNING pages_seen`
	sqlHostSeen = `
		UPDATE hosts SET pages_seen = ? WHERE host = ? AND pages_seen < ?`
)

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

// CountQueued reports how many pages no deeper than maxDepth are queued.
func (db *DB) CountQueued(ctx context.Context, maxDepth int) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx,
		`SELECT count(*) FROM pages WHERE state = 'queued' AND depth <= ?`, maxDepth).Scan(&n)
	return n, mapError(err)
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
	err := db.insertRows(ctx, tx, insertPages, args, func(rows *sql.Rows) error {
		var u string
		if err := rows.Scan(&u); err != nil {
			return err
		}
		stats[from[u]].NewPages++
		return nil
	})
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

// jsonList encodes a list of strings as a JSON array, for json_each.
func jsonList(ss []string) string {
	if len(ss) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ss)
	return string(b)
}

// hostOf returns the host[:port] of a normalised URL, lower-cased.
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Host)
}
