package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/harvest"
)

// linkKey is what makes a link one row.
type linkKey struct {
	page     int64
	typ, ref string
	kind     string
}

// linkRow is one reference to store.
type linkRow struct {
	linkKey
	videoID, playlistID, channelRef *string
	url, context                    *string
	start                           *int32
	inBody                          bool
	batch                           int // the batch index of the page that made it
}

// saveRefs stores the batch's references, with the stub rows of the new
// videos (each queued for a fetch, and counted on the first page that
// names it), and counts what is new per page. A reference seen before on
// its page gets its last_seen_at moved and its details updated.
func (s *Store) saveRefs(ctx context.Context, tx pgx.Tx, batch []harvest.PageSave, owners []int64, stats []harvest.SaveStats) error {
	var rows []linkRow
	seen := make(map[linkKey]bool)
	for i, ps := range batch {
		for _, r := range ps.Refs {
			row, err := newLinkRow(owners[i], r)
			if err != nil {
				return err
			}
			if seen[row.linkKey] {
				continue
			}
			seen[row.linkKey] = true
			row.batch = i
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.stubVideos(ctx, tx, rows, stats); err != nil {
		return fmt.Errorf("save videos: %w", err)
	}
	// One order for every transaction (the unique index is locked row by row).
	slices.SortFunc(rows, func(a, b linkRow) int {
		if a.page != b.page {
			return int(a.page - b.page)
		}
		return strings.Compare(a.typ+" "+a.ref+" "+a.kind, b.typ+" "+b.ref+" "+b.kind)
	})
	var c linkCols
	for _, r := range rows {
		c.add(r)
	}
	now := s.now()
	res, err := tx.Query(ctx, `
		INSERT INTO links AS l (page_id, ref_type, ref_id, video_id, playlist_id, channel_ref, kind, url,
		                        start_seconds, context, in_body, first_seen_at, last_seen_at)
		SELECT p, t, r, v, pl, ch, k, u, st, cx, b, $12, $12
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
		            $8::text[], $9::int[], $10::text[], $11::bool[]) AS x(p, t, r, v, pl, ch, k, u, st, cx, b)
		ON CONFLICT (page_id, ref_type, ref_id, kind) DO UPDATE SET last_seen_at = excluded.last_seen_at,
		  url = excluded.url, start_seconds = excluded.start_seconds, playlist_id = excluded.playlist_id,
		  context = excluded.context, in_body = excluded.in_body
		RETURNING page_id, ref_type, ref_id, kind, (l.xmax = 0)`,
		c.pages, c.types, c.refs, c.videos, c.playlists, c.channels, c.kinds, c.urls, c.starts, c.contexts, c.inBody, now)
	if err != nil {
		return fmt.Errorf("save references: %w", err)
	}
	index := make(map[linkKey]int, len(rows))
	for _, r := range rows {
		index[r.linkKey] = r.batch
	}
	var k linkKey
	var inserted bool
	_, err = pgx.ForEachRow(res, []any{&k.page, &k.typ, &k.ref, &k.kind, &inserted}, func() error {
		if inserted {
			stats[index[k]].NewLinks++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save references: %w", err)
	}
	return nil
}

func newLinkRow(page int64, r harvest.Reference) (linkRow, error) {
	row := linkRow{linkKey: linkKey{page, string(r.Type), r.ID, r.Kind}, inBody: r.InBody}
	id := r.ID
	switch r.Type {
	case harvest.RefVideo:
		row.videoID = &id
		if r.PlaylistID != "" {
			pl := r.PlaylistID
			row.playlistID = &pl
		}
	case harvest.RefPlaylist:
		row.playlistID = &id
	case harvest.RefChannel:
		row.channelRef = &id
	default:
		return row, fmt.Errorf("save reference %s %s: unknown reference type", r.Type, r.ID)
	}
	if r.URL != "" {
		row.url = &r.URL
	}
	if r.Context != "" {
		row.context = &r.Context
	}
	if r.StartSeconds != 0 {
		st := int32(r.StartSeconds)
		row.start = &st
	}
	return row, nil
}

// linkCols are the columns of the links to insert, as arrays for unnest.
type linkCols struct {
	pages                       []int64
	types, refs, kinds          []string
	videos, playlists, channels []*string
	urls, contexts              []*string
	starts                      []*int32
	inBody                      []bool
}

func (c *linkCols) add(r linkRow) {
	c.pages = append(c.pages, r.page)
	c.types = append(c.types, r.typ)
	c.refs = append(c.refs, r.ref)
	c.kinds = append(c.kinds, r.kind)
	c.videos = append(c.videos, r.videoID)
	c.playlists = append(c.playlists, r.playlistID)
	c.channels = append(c.channels, r.channelRef)
	c.urls = append(c.urls, r.url)
	c.contexts = append(c.contexts, r.context)
	c.starts = append(c.starts, r.start)
	c.inBody = append(c.inBody, r.inBody)
}

// stubVideos inserts the stub rows of the videos the references name,
// each new one counted on the first page that names it and queued for a
// fetch.
func (s *Store) stubVideos(ctx context.Context, tx pgx.Tx, rows []linkRow, stats []harvest.SaveStats) error {
	first := make(map[string]int)
	var ids []string
	for _, r := range rows {
		if r.videoID == nil {
			continue
		}
		if _, ok := first[*r.videoID]; !ok {
			first[*r.videoID] = r.batch
			ids = append(ids, *r.videoID)
		}
	}
	newIDs, err := s.insertStubs(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, id := range newIDs {
		stats[first[id]].NewVideos++
	}
	return s.insertVideoJobs(ctx, tx, newIDs)
}

// insertStubs inserts a pending row for each video of ids not known yet,
// and returns those it inserted.
func (s *Store) insertStubs(ctx context.Context, tx pgx.Tx, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	rows, err := tx.Query(ctx, `
		INSERT INTO videos (id, first_seen_at) SELECT id, $2 FROM unnest($1::text[]) AS x(id)
		ON CONFLICT (id) DO NOTHING RETURNING id`, ids, s.now())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
