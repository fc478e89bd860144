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

// SearchWindow bounds the work of one search: in each full-text index
// (transcript segments; titles and descriptions) Search ranks the newest
// SearchWindow matches, those stored last, that pass the channel and date
// filters, and no others. BM25 costs about a microsecond a match: ranking
// every match of a word in each of 100,000 titles took 0.1 s, a page's
// whole budget (docs/PERFORMANCE.md). The filters are checked as matches
// are read, newest first, so a filtered search reads back until the window
// is full or the matches run out: a channel's older hits are found (half
// a microsecond a match read). Queries with fewer matches are ranked
// exactly as before.
const SearchWindow = 2_000

// Search runs q over the transcript segments and the videos' titles and
// descriptions, best matches first (BM25; a title match weighs as much as
// a few transcript matches), among the newest SearchWindow matches of
// each index.
func (db *DB) Search(ctx context.Context, q SearchQuery) ([]Hit, error) {
	if strings.TrimSpace(q.Text) == "" {
		return nil, fmt.Errorf("%w: it is empty", ErrBadQuery)
	}
	tree, err := ParseQuery(q.Text)
	if err != nil {
		return nil, err
	}
	match := ftsMatch(tree)
	if q.Limit <= 0 {
		q.Limit = 20
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	s := search{tx: tx, q: q, match: match, window: cmp.Or(db.searchWindow, SearchWindow)}
	if !q.Since.IsZero() {
		s.since = formatTime(q.Since)
	}
	var hits []Hit
	for _, ix := range []*ftsIndex{&segmentsIndex, &videosIndex} {
		got, err := s.run(ctx, ix)
		if err != nil {
			return nil, err
		}
		hits = append(hits, got...)
	}
	// BM25 is lower for better matches; ties as run returns them,
	// transcript hits first.
	slices.SortStableFunc(hits, func(a, b Hit) int { return cmp.Compare(a.rank, b.rank) })
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	if err := hitPages(ctx, tx, hits); err != nil {
		return nil, err
	}
	for i := range hits {
		h := &hits[i]
		h.Link = "https://www.youtube.com/watch?v=" + h.VideoID
		if h.StartSeconds > 0 {
			h.Link += fmt.Sprintf("&t=%ds", h.StartSeconds)
		}
	}
	return hits, nil
}

// An ftsIndex is one full-text index Search reads, in two steps: the best
// matches by rank alone, then the details and the snippet of those few.
// snippet() and the joins in one query with ORDER BY ran for every match
// before the sort: 0.2 s for a word in every title of 100,000 videos.
type ftsIndex struct {
	// table is the FTS5 table, score its rank of a match (f.rowid), join
	// what searchFilter needs to check a match (rankQuery).
	table, score, join string
	// details reads the hits whose rowids are in the JSON array ?2, all
	// at or above rowid ?3: FTS5 evaluates the MATCH once (a prefix query
	// materialises its whole doclist each time) over that range only, and
	// the unary + checks the list after it, so snippet() runs for the few.
	details string
	scan    func(*sql.Rows) (Hit, int64, error)
}

// searchFilter is the condition of SearchQuery's Channel (?2) and Since (?3).
const searchFilter = ` AND (?2 = '' OR v.channel_id = ?2 OR v.channel_handle = ?2)
	AND (?3 IS NULL OR coalesce(v.published_at, v.first_seen_at) >= ?3)`

// rankQuery reads the newest ?5 matches of ?1 as rowid, score: FTS5 reads
// them newest first, so it stops there, and evaluates the MATCH once. With
// filtered, the matches are those that pass searchFilter, checked as they
// are read: a channel's or a date's older matches are ranked, not only
// those among the newest ?5 of every channel.
func (ix *ftsIndex) rankQuery(filtered bool) string {
	q := `SELECT f.rowid, ` + ix.score + ` AS score FROM ` + ix.table + ` f`
	if filtered {
		q += ix.join
	}
	q += ` WHERE ` + ix.table + ` MATCH ?1`
	if filtered {
		q += searchFilter
	}
	return q + ` ORDER BY f.rowid DESC LIMIT ?5`
}

var segmentsIndex = ftsIndex{
	table: "transcript_segments_fts",
	score: "bm25(transcript_segments_fts)",
	join:  ` JOIN transcript_segments s ON s.id = f.rowid JOIN videos v ON v.id = s.video_id`,
	details: `
		SELECT f.rowid, v.id, coalesce(v.title, ''), coalesce(v.channel_title, ''), coalesce(v.channel_id, ''),
		       s.language, s.start_ms / 1000, snippet(transcript_segments_fts, 0, '[', ']', '…', 16)
		FROM transcript_segments_fts f
		JOIN transcript_segments s ON s.id = f.rowid
		JOIN videos v ON v.id = s.video_id
		WHERE transcript_segments_fts MATCH ?1 AND f.rowid >= ?3 AND +f.rowid IN (SELECT value FROM json_each(?2))`,
	scan: func(rows *sql.Rows) (h Hit, rowid int64, err error) {
		h.Field = "transcript"
		err = rows.Scan(&rowid, &h.VideoID, &h.Title, &h.Channel, &h.ChannelID, &h.Language, &h.StartSeconds, &h.Snippet)
		return h, rowid, err
	},
}

var videosIndex = ftsIndex{
	table: "videos_fts",
	score: "bm25(videos_fts, 10.0, 1.0) * 3",
	join:  ` JOIN videos v ON v.rowid = f.rowid`,
	details: `
		SELECT f.rowid, v.id, coalesce(v.title, ''), coalesce(v.channel_title, ''), coalesce(v.channel_id, ''),
		       CASE WHEN instr(highlight(videos_fts, 0, char(1), char(2)), char(1)) > 0 THEN 'title' ELSE 'description' END,
		       CASE WHEN instr(highlight(videos_fts, 0, char(1), char(2)), char(1)) > 0
		            THEN snippet(videos_fts, 0, '[', ']', '…', 16)
		            ELSE snippet(videos_fts, 1, '[', ']', '…', 16) END
		FROM videos_fts f
		JOIN videos v ON v.rowid = f.rowid
		WHERE videos_fts MATCH ?1 AND f.rowid >= ?3 AND +f.rowid IN (SELECT value FROM json_each(?2))`,
	scan: func(rows *sql.Rows) (h Hit, rowid int64, err error) {
		err = rows.Scan(&rowid, &h.VideoID, &h.Title, &h.Channel, &h.ChannelID, &h.Field, &h.Snippet)
		return h, rowid, err
	},
}

// search is one Search in its read transaction.
type search struct {
	tx     *sql.Tx
	q      SearchQuery
	match  string // q.Text as an FTS5 MATCH expression (ftsMatch)
	since  any    // q.Since as stored, or nil
	window int
}

type ranked struct {
	rowid int64
	rank  float64
}

// run returns ix's best hits in the window, best first, ties newest first.
func (s *search) run(ctx context.Context, ix *ftsIndex) ([]Hit, error) {
	filtered := s.q.Channel != "" || s.since != nil
	query := `SELECT m.rowid, m.score FROM (` + ix.rankQuery(filtered) + `) m ORDER BY m.score, m.rowid DESC LIMIT ?4`
	rows, err := s.tx.QueryContext(ctx, query, s.match, s.q.Channel, s.since, s.q.Limit, s.window)
	if err != nil {
		return nil, searchError(err)
	}
	top, err := scanAll(rows, func(rows *sql.Rows) (r ranked, err error) { return r, rows.Scan(&r.rowid, &r.rank) })
	if err != nil || len(top) == 0 {
		return nil, searchError(err)
	}
	ids := make([]int64, len(top))
	lowest := top[0].rowid
	for i, r := range top {
		ids[i], lowest = r.rowid, min(lowest, r.rowid)
	}
	list, _ := json.Marshal(ids)
	rows, err = s.tx.QueryContext(ctx, ix.details, s.match, string(list), lowest)
	if err != nil {
		return nil, searchError(err)
	}
	found := make(map[int64]Hit, len(top))
	defer rows.Close()
	for rows.Next() {
		h, rowid, err := ix.scan(rows)
		if err != nil {
			return nil, mapError(err)
		}
		found[rowid] = h
	}
	if err := rows.Err(); err != nil {
		return nil, searchError(err)
	}
	// In rank order: the stable sort of both indexes' hits then keeps
	// each one's order among equal ranks.
	hits := make([]Hit, 0, len(top))
	for _, r := range top {
		if h, ok := found[r.rowid]; ok {
			h.rank = r.rank
			hits = append(hits, h)
		}
	}
	return hits, nil
}

// sqlHitPages counts the pages that reference each video of a JSON array,
// from the index links_by_video alone, as sqlVideoPages does.
const sqlHitPages = `SELECT key, (SELECT count(DISTINCT page_id) FROM links WHERE video_id = value) FROM json_each(?)`

// hitPages counts the pages that reference each hit's video, in one query.
func hitPages(ctx context.Context, tx *sql.Tx, hits []Hit) error {
	if len(hits) == 0 {
		return nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.VideoID
	}
	list, _ := json.Marshal(ids)
	rows, err := tx.QueryContext(ctx, sqlHitPages, string(list))
	if err != nil {
		return mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var i, n int
		if err := rows.Scan(&i, &n); err != nil {
			return mapError(err)
		}
		hits[i].Pages = n
	}
	return mapError(rows.Err())
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
