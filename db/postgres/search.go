package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/db"
)

// Full-text search in PostgreSQL: the query, in the search command's
// syntax (SQLite FTS5's: words, "a phrase", AND, OR, NOT, prefix*,
// NEAR(a b, N); and -word), is made a tsquery (tsquery.go) and matched
// against to_tsvector('simple', …) of each segment and of each
// video's title (weight A) and description (weight B), which GIN indexes
// hold (videos_fts, transcript_segments_fts). The 'simple' configuration
// does no stemming and keeps every word, as SQLite's unicode61 tokenizer
// does; unlike it, it keeps diacritics (café does not match cafe).

const headlineOpts = `StartSel=[, StopSel=], MaxWords=16, MinWords=6, ShortWord=0, MaxFragments=1, FragmentDelimiter=" … "`

// Search runs q over the transcript segments and the videos' titles and
// descriptions, best matches first (ts_rank; a title match weighs as much
// as a few transcript matches), with the same hits and deep links as the
// SQLite store's.
func (s *Store) Search(ctx context.Context, q db.SearchQuery) ([]db.Hit, error) {
	if strings.TrimSpace(q.Text) == "" {
		return nil, fmt.Errorf("%w: it is empty", db.ErrBadQuery)
	}
	if q.Limit <= 0 {
		q.Limit = 20
	}
	var since any
	if !q.Since.IsZero() {
		since = q.Since.UTC()
	}
	// $1 channel, $2 since, $3 limit, $4 headline options, $5… the query's
	// words (tsQuery).
	tsq, words, err := tsQuery(q.Text, 5)
	if err != nil {
		return nil, err
	}
	args := append([]any{q.Channel, since, q.Limit, headlineOpts}, words...)
	const filter = ` AND ($1 = '' OR v.channel_id = $1 OR v.channel_handle = $1)
		AND ($2::timestamptz IS NULL OR coalesce(v.published_at, v.first_seen_at) >= $2)`
	var hits []rankedHit
	err = s.readTx(ctx, func(tx pgx.Tx) error {
		segs, err := searchRows(ctx, tx, `
			WITH q AS (SELECT `+tsq+` AS q),
			top AS (
			  SELECT s.id, ts_rank(to_tsvector('simple', s.text), q.q) AS rank
			  FROM transcript_segments s CROSS JOIN q JOIN videos v ON v.id = s.video_id
			  WHERE to_tsvector('simple', s.text) @@ q.q`+filter+`
			  ORDER BY rank DESC, s.id LIMIT $3)
			SELECT v.id, coalesce(v.title, ''), coalesce(v.channel_title, ''), coalesce(v.channel_id, ''),
			       'transcript', s.language, s.start_ms / 1000, ts_headline('simple', s.text, q.q, $4), top.rank
			FROM top JOIN transcript_segments s ON s.id = top.id JOIN videos v ON v.id = s.video_id CROSS JOIN q
			ORDER BY top.rank DESC, s.id`,
			args...)
		if err != nil {
			return err
		}
		vids, err := searchRows(ctx, tx, `
			WITH q AS (SELECT `+tsq+` AS q),
			top AS (
			  SELECT v.id, ts_rank(setweight(to_tsvector('simple', coalesce(v.title, '')), 'A') ||
			                       setweight(to_tsvector('simple', coalesce(v.description, '')), 'B'), q.q) * 3 AS rank
			  FROM videos v CROSS JOIN q
			  WHERE (setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
			         setweight(to_tsvector('simple', coalesce(description, '')), 'B')) @@ q.q`+filter+`
			  ORDER BY rank DESC, v.id LIMIT $3)
			SELECT v.id, coalesce(v.title, ''), coalesce(v.channel_title, ''), coalesce(v.channel_id, ''),
			       CASE WHEN to_tsvector('simple', coalesce(v.title, '')) @@ q.q THEN 'title' ELSE 'description' END, '', 0,
			       CASE WHEN to_tsvector('simple', coalesce(v.title, '')) @@ q.q
			            THEN ts_headline('simple', coalesce(v.title, ''), q.q, $4)
			            ELSE ts_headline('simple', coalesce(v.description, ''), q.q, $4) END, top.rank
			FROM top JOIN videos v ON v.id = top.id CROSS JOIN q
			ORDER BY top.rank DESC, v.id`,
			args...)
		if err != nil {
			return err
		}
		hits = append(segs, vids...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Higher ranks are better matches; ties in the order found.
	slices.SortStableFunc(hits, func(a, b rankedHit) int { return cmp.Compare(b.rank, a.rank) })
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	out := make([]db.Hit, len(hits))
	for i, h := range hits {
		out[i] = h.Hit
		out[i].Link = "https://www.youtube.com/watch?v=" + h.VideoID
		if h.StartSeconds > 0 {
			out[i].Link += fmt.Sprintf("&t=%ds", h.StartSeconds)
		}
		if err := s.pool.QueryRow(ctx, `SELECT count(DISTINCT page_id) FROM links WHERE video_id = $1`,
			h.VideoID).Scan(&out[i].Pages); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rankedHit is a hit and its rank.
type rankedHit struct {
	db.Hit
	rank float64
}

func searchRows(ctx context.Context, tx pgx.Tx, query string, args ...any) ([]rankedHit, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (h rankedHit, err error) {
		err = row.Scan(&h.VideoID, &h.Title, &h.Channel, &h.ChannelID, &h.Field, &h.Language, &h.StartSeconds, &h.Snippet, &h.rank)
		return h, err
	})
}
