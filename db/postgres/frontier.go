package postgres

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/harvest"
)

// AddSeeds puts the seeds in the frontier at depth 0, queues them again if
// they were fetched before, and queues a host slice for each seed's host;
// see harvest.Frontier.
func (s *Store) AddSeeds(ctx context.Context, urls []string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE pages SET state = 'queued' WHERE state = 'fetching'`); err != nil {
			return err
		}
		seeds := make([]harvest.Page, 0, len(urls))
		for _, u := range urls {
			seeds = append(seeds, harvest.Page{URL: u})
		}
		if err := s.queueOut(ctx, tx, []harvest.PageSave{{Page: &harvest.Page{}, Out: seeds}}, make([]harvest.SaveStats, 1)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE pages SET is_seed = true, depth = 0, state = 'queued' WHERE url = ANY($1)`, urls); err != nil {
			return fmt.Errorf("add seeds: %w", err)
		}
		hosts := make([]string, 0, len(urls))
		for _, u := range urls {
			hosts = append(hosts, hostOf(u))
		}
		return s.insertHostJobs(ctx, tx, hosts)
	})
}

// QueueDue queues again the fetched and failed pages whose next fetch time
// has come, and every sitemap and feed, and queues a host slice for each
// host that has queued pages.
func (s *Store) QueueDue(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE pages SET state = 'queued'
			WHERE next_fetch_at <= $1 AND state IN ('fetched', 'failed', 'skipped')`, now.UTC())
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `
			UPDATE pages SET state = 'queued'
			WHERE kind IN ('sitemap', 'sitemapindex', 'feed') AND state IN ('fetched', 'failed')`)
		if err != nil {
			return err
		}
		n += tag.RowsAffected()
		return s.queueHosts(ctx, tx)
	})
	return int(n), err
}

// queueHosts queues a host slice for every host with queued pages.
func (s *Store) queueHosts(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT host FROM pages WHERE state = 'queued'`)
	if err != nil {
		return err
	}
	hosts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	return s.insertHostJobs(ctx, tx, hosts)
}

// NextPages returns up to limit queued pages no deeper than maxDepth, not
// on excludeHosts and not among excludeIDs, in frontier order.
func (s *Store) NextPages(ctx context.Context, limit, maxDepth int, excludeHosts []string, excludeIDs []int64) ([]harvest.Page, error) {
	if limit <= 0 {
		return nil, nil
	}
	if excludeHosts == nil {
		excludeHosts = []string{}
	}
	if excludeIDs == nil {
		excludeIDs = []int64{}
	}
	rows, err := s.pool.Query(ctx, `
		SELECT id, url, host, depth, coalesce(found_from, 0), is_seed, listed, coalesce(etag, ''), coalesce(last_modified, '')
		FROM pages WHERE state = 'queued' AND depth <= $1 AND NOT host = ANY($2) AND NOT id = ANY($3)
		ORDER BY depth, host_seq, id LIMIT $4`, maxDepth, excludeHosts, excludeIDs, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanQueued)
}

func scanQueued(row pgx.CollectableRow) (harvest.Page, error) {
	p := harvest.Page{State: harvest.PageQueued}
	err := row.Scan(queuedFields(&p)...)
	return p, err
}

// queuedFields are the scan destinations, in p, of a queued page's
// columns: id, url, host, depth, found_from, is_seed, listed, etag,
// last_modified.
func queuedFields(p *harvest.Page) []any {
	return []any{&p.ID, &p.URL, &p.Host, &p.Depth, &p.FoundFrom, &p.Seed, &p.Listed, &p.ETag, &p.LastModified}
}

// CountQueued reports how many pages no deeper than maxDepth are queued.
func (s *Store) CountQueued(ctx context.Context, maxDepth int) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pages WHERE state = 'queued' AND depth <= $1`, maxDepth).Scan(&n)
	return n, err
}

// queueOut adds the batch's out-links to the frontier, counting for each
// page the URLs that were new, and queues a host slice for each host that
// got a new page. Each host's new pages are numbered on from
// hosts.pages_seen (pages.host_seq), as the SQLite store does. Hosts and
// URLs go in sorted, so that two workers' transactions lock rows in one
// order and never deadlock.
func (s *Store) queueOut(ctx context.Context, tx pgx.Tx, batch []harvest.PageSave, stats []harvest.SaveStats) error {
	from := make(map[string]int) // URL -> batch index of the first page linking it
	var outs []outLink
	for i, ps := range batch {
		for _, o := range ps.Out {
			if _, dup := from[o.URL]; dup {
				continue
			}
			from[o.URL] = i
			outs = append(outs, outLink{Page: o, host: hostOf(o.URL), from: ps.Page.ID})
		}
	}
	if len(outs) == 0 {
		return nil
	}
	slices.SortFunc(outs, func(a, b outLink) int { return strings.Compare(a.URL, b.URL) })
	seq, err := reserveSeqs(ctx, tx, outs)
	if err != nil {
		return err
	}
	cols := newPageCols(len(outs))
	for _, o := range outs {
		seq[o.host]++
		cols.add(o, seq[o.host])
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO pages (url, host, host_seq, depth, found_from, kind, listed, first_seen_at, state)
		SELECT u, h, q, d, f, nullif(k, ''), l, $8, 'queued'
		FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::bigint[], $6::text[], $7::bool[]) AS x(u, h, q, d, f, k, l)
		ON CONFLICT (url) DO NOTHING RETURNING url, host`,
		cols.urls, cols.hosts, cols.seqs, cols.depths, cols.froms, cols.kinds, cols.listed, s.now())
	if err != nil {
		return fmt.Errorf("queue pages: %w", err)
	}
	newHosts := make(map[string]bool)
	var u, h string
	_, err = pgx.ForEachRow(rows, []any{&u, &h}, func() error {
		stats[from[u]].NewPages++
		newHosts[h] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue pages: %w", err)
	}
	hosts := make([]string, 0, len(newHosts))
	for h := range newHosts {
		hosts = append(hosts, h)
	}
	return s.insertHostJobs(ctx, tx, hosts)
}

// outLink is an out-link to queue: the page, its host, and the page that
// links it.
type outLink struct {
	harvest.Page
	host string
	from int64
}

// reserveSeqs takes, for each host of outs, as many host_seq numbers as
// it has out-links, and returns the last number each host had before.
func reserveSeqs(ctx context.Context, tx pgx.Tx, outs []outLink) (map[string]int64, error) {
	count := make(map[string]int64)
	for _, o := range outs {
		count[o.host]++
	}
	hosts := make([]string, 0, len(count))
	for h := range count {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	ns := make([]int64, len(hosts))
	for i, h := range hosts {
		ns[i] = count[h]
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO hosts (host, pages_seen) SELECT * FROM unnest($1::text[], $2::bigint[])
		ON CONFLICT (host) DO UPDATE SET pages_seen = hosts.pages_seen + excluded.pages_seen
		RETURNING host, pages_seen`, hosts, ns)
	if err != nil {
		return nil, fmt.Errorf("count pages of hosts: %w", err)
	}
	seq := make(map[string]int64, len(hosts))
	var h string
	var seen int64
	_, err = pgx.ForEachRow(rows, []any{&h, &seen}, func() error {
		seq[h] = seen - count[h]
		return nil
	})
	return seq, err
}

// pageCols are the columns of the pages to insert, as arrays for unnest.
type pageCols struct {
	urls, hosts, kinds []string
	seqs, froms        []*int64
	depths             []int32
	listed             []bool
}

func newPageCols(n int) *pageCols {
	return &pageCols{urls: make([]string, 0, n), hosts: make([]string, 0, n), kinds: make([]string, 0, n)}
}

func (c *pageCols) add(o outLink, seq int64) {
	c.urls = append(c.urls, o.URL)
	c.hosts = append(c.hosts, o.host)
	c.seqs = append(c.seqs, &seq)
	var from *int64
	if o.from != 0 {
		f := o.from
		from = &f
	}
	c.froms = append(c.froms, from)
	c.kinds = append(c.kinds, string(o.Kind))
	c.depths = append(c.depths, int32(o.Depth))
	c.listed = append(c.listed, o.Listed)
}

// hostOf returns the host[:port] of a normalised URL, lower-cased.
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Host)
}

// QueueDueVideos queues a fetch of every video due one: never fetched
// (or not definitively: pending, blocked, error), fetched before
// staleBefore, or playable with a transcript still wanted (its fetch
// queues the transcript). It reports how many it queued; a video with a
// job already keeps it.
func (s *Store) QueueDueVideos(ctx context.Context, staleBefore time.Time, transcripts bool) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT id FROM videos
			WHERE status IN ('pending', 'blocked', 'error') OR fetched_at IS NULL OR fetched_at < $1
			   OR $2 AND status = 'ok' AND (transcript_status IS NULL OR transcript_status IN ('blocked', 'error'))
			ORDER BY id`, staleBefore.UTC(), transcripts)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		n = len(ids)
		return s.insertVideoJobs(ctx, tx, ids)
	})
	return n, err
}
