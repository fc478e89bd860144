package db

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SearchQuery is a full-text search over transcripts and video titles and
// descriptions.
type SearchQuery struct {
	Text    string    // FTS5 query syntax: words, "phrases", AND, OR, NOT, NEAR(), prefix*
	Channel string    // only videos of this channel ID (UC…) or handle (@name); "" = any
	Since   time.Time // only videos published (or, when that is unknown, first seen) since then
	Limit   int       // at most this many hits (default 20)
}

// Hit is one search result: a transcript segment, or a video's title or
// description.
type Hit struct {
	VideoID      string `json:"video_id"`
	Title        string `json:"title"`
	Channel      string `json:"channel"`
	ChannelID    string `json:"channel_id"`
	Pages        int    `json:"pages"` // pages that reference the video
	Field        string `json:"field"` // "transcript", "title" or "description"
	Language     string `json:"language,omitempty"`
	StartSeconds int64  `json:"start_seconds"`
	Link         string `json:"link"`    // https://www.youtube.com/watch?v=ID&t=123s
	Snippet      string `json:"snippet"` // matched words between [ and ]
	rank         float64
}

// ErrBadQuery wraps a search query FTS5 cannot read.
var ErrBadQuery = errors.New("cannot read the search query")

// Search runs q over the transcript segments and the videos' titles and
// descriptions, best matches first (BM25; a title match weighs as much as
// a few transcript matches).
func (db *DB) Search(ctx context.Context, q SearchQuery) ([]Hit, error) {
	if strings.TrimSpace(q.Text) == "" {
		return nil, fmt.Errorf("%w: it is empty", ErrBadQuery)
	}
	if q.Limit <= 0 {
		q.Limit = 20
	}
	var since any
	if !q.Since.IsZero() {
		since = formatTime(q.Since)
	}
	// Two steps: the best matches by rank alone (the filter joins the
	// videos only when there is one), then the details and the snippet
	// of those few. snippet() and the joins in one query with ORDER BY
	// ran for every match before the sort: 0.2 s for a word in every
	// title of 100,000 videos (docs/PERFORMANCE.md).
	filter, join := "", ""
	if q.Channel != "" || since != nil {
		filter = ` AND (?2 = '' OR v.channel_id = ?2 OR v.channel_handle = ?2)
		AND (?3 IS NULL OR coalesce(v.published_at, v.first_seen_at) >= ?3)`
	}
	type ranked struct {
		rowid int64
		rank  float64
	}
	top := func(query string) ([]ranked, error) {
		rows, err := db.sql.QueryContext(ctx, query, q.Text, q.Channel, since, q.Limit)
		if err != nil {
			return nil, searchError(err)
		}
		got, err := scanAll(rows, func(rows *sql.Rows) (r ranked, err error) { return r, rows.Scan(&r.rowid, &r.rank) })
		if err != nil {
			return nil, searchError(err)
		}
		return got, nil
	}
	if filter != "" {
		join = ` JOIN transcript_segments s ON s.id = f.rowid JOIN videos v ON v.id = s.video_id`
	}
	segs, err := top(`SELECT f.rowid, bm25(transcript_segments_fts) FROM transcript_segments_fts f` + join + `
		WHERE transcript_segments_fts MATCH ?1` + filter + ` ORDER BY 2 LIMIT ?4`)
	if err != nil {
		return nil, err
	}
	if filter != "" {
		join = ` JOIN videos v ON v.rowid = f.rowid`
	}
	vids, err := top(`SELECT f.rowid, bm25(videos_fts, 10.0, 1.0) * 3 FROM videos_fts f` + join + `
		WHERE videos_fts MATCH ?1` + filter + ` ORDER BY 2 LIMIT ?4`)
	if err != nil {
		return nil, err
	}
	// The details, in one query per index: FTS5 evaluates the MATCH once
	// (a prefix query materialises its whole doclist each time), and the
	// unary + filters the rows after it, so snippet() runs for the few.
	ids := func(rs []ranked) (string, map[int64]float64) {
		rank := make(map[int64]float64, len(rs))
		list := make([]int64, len(rs))
		for i, r := range rs {
			list[i], rank[r.rowid] = r.rowid, r.rank
		}
		b, _ := json.Marshal(list)
		return string(b), rank
	}
	var hits []Hit
	details := func(query string, rs []ranked, scan func(*sql.Rows) (Hit, int64, error)) error {
		if len(rs) == 0 {
			return nil
		}
		list, rank := ids(rs)
		rows, err := db.sql.QueryContext(ctx, query, q.Text, list)
		if err != nil {
			return searchError(err)
		}
		got, err := scanAll(rows, func(rows *sql.Rows) (Hit, error) {
			h, rowid, err := scan(rows)
			h.rank = rank[rowid]
			return h, err
		})
		if err != nil {
			return searchError(err)
		}
		hits = append(hits, got...)
		return nil
	}
	err = details(`
		SELECT f.rowid, v.id, coalesce(v.title, ''), coalesce(v.channel_title, ''), coalesce(v.channel_id, ''),
		       s.language, s.start_ms / 1000, snippet(transcript_segments_fts, 0, '[', ']', '…', 16)
		FROM transcript_segments_fts f
		JOIN transcript_segments s ON s.id = f.rowid
		JOIN videos v ON v.id = s.video_id
		WHERE transcript_segments_fts MATCH ?1 AND +f.rowid IN (SELECT value FROM json_each(?2))`, segs,
		func(rows *sql.Rows) (h Hit, rowid int64, err error) {
			h.Field = "transcript"
			err = rows.Scan(&rowid, &h.VideoID, &h.Title, &h.Channel, &h.ChannelID, &h.Language, &h.StartSeconds, &h.Snippet)
			return h, rowid, err
		})
	if err != nil {
		return nil, err
	}
	err = details(`
		SELECT f.rowid, v.id, coalesce(v.title, ''), coalesce(v.channel_title, ''), coalesce(v.channel_id, ''),
		       CASE WHEN instr(highlight(videos_fts, 0, char(1), char(2)), char(1)) > 0 THEN 'title' ELSE 'description' END,
		       CASE WHEN instr(highlight(videos_fts, 0, char(1), char(2)), char(1)) > 0
		            THEN snippet(videos_fts, 0, '[', ']', '…', 16)
		            ELSE snippet(videos_fts, 1, '[', ']', '…', 16) END
		FROM videos_fts f
		JOIN videos v ON v.rowid = f.rowid
		WHERE videos_fts MATCH ?1 AND +f.rowid IN (SELECT value FROM json_each(?2))`, vids,
		func(rows *sql.Rows) (h Hit, rowid int64, err error) {
			err = rows.Scan(&rowid, &h.VideoID, &h.Title, &h.Channel, &h.ChannelID, &h.Field, &h.Snippet)
			return h, rowid, err
		})
	if err != nil {
		return nil, err
	}
	// BM25 is lower for better matches; ties in the order found.
	slices.SortStableFunc(hits, func(a, b Hit) int { return cmp.Compare(a.rank, b.rank) })
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	for i := range hits {
		h := &hits[i]
		h.Link = "https://www.youtube.com/watch?v=" + h.VideoID
		if h.StartSeconds > 0 {
			h.Link += fmt.Sprintf("&t=%ds", h.StartSeconds)
		}
		if err := db.sql.QueryRowContext(ctx,
			`SELECT count(DISTINCT page_id) FROM links WHERE video_id = ?`, h.VideoID).Scan(&h.Pages); err != nil {
			return nil, mapError(err)
		}
	}
	return hits, nil
}

// searchError turns FTS5's complaints about the query into ErrBadQuery.
// The statements are fixed, so a plain SQL error from them can only come
// from the MATCH expression the user wrote.
func searchError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_ERROR {
		msg := strings.TrimSuffix(se.Error(), " (1)")
		msg = strings.TrimPrefix(msg, "SQL logic error: ")
		return fmt.Errorf("%w: %s", ErrBadQuery, msg)
	}
	return mapError(err)
}
