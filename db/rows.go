package db

import (
	"context"
	"database/sql"
	"strings"
)

// multiRow is a statement that inserts many rows at once: head
// (?,…),(?,…) tail, cols parameters a row, and after them, in every row,
// the SQL literals of fixed (the literal 'queued' state, say). Its text is
// ours, never page data.
type multiRow struct {
	head  string
	cols  int
	tail  string
	fixed string
}

// The multi-row statements, each written once.
var (
	// A newly seen video gets a stub row, so that the foreign keys of the
	// links and transcripts naming it hold; RETURNING says which were new.
	insertVideoStubs = multiRow{head: `INSERT INTO videos (id, first_seen_at) VALUES`, cols: 2,
		tail: `ON CONFLICT (id) DO NOTHING RETURNING id`}
	// A reference of a page: new ones are returned, to count them.
	insertLinks = multiRow{head: linksInsert, cols: 13,
		tail: `ON CONFLICT (page_id, ref_type, ref_id, kind) DO NOTHING RETURNING page_id, ref_type, ref_id, kind`}
	// A playlist's videos on the pages that reference it: seen again, they
	// are still there.
	insertPlaylistLinks = multiRow{head: linksInsert, cols: 13,
		tail: `ON CONFLICT (page_id, ref_type, ref_id, kind) DO UPDATE SET last_seen_at = excluded.last_seen_at`}
	insertPages = multiRow{head: `INSERT INTO pages (url, host, host_seq, depth, found_from, kind, first_seen_at, listed, state) VALUES`,
		cols: 8, tail: `ON CONFLICT (url) DO NOTHING RETURNING url`, fixed: `'queued'`}
	insertCaptionTracks = multiRow{head: `INSERT INTO caption_tracks (video_id, language, is_generated, name, is_translatable, seen_at) VALUES`,
		cols: 6, tail: `ON CONFLICT DO NOTHING`}
	insertSegments = multiRow{head: `INSERT INTO transcript_segments (transcript_id, video_id, language, start_ms, duration_ms, text) VALUES`,
		cols: 6}
)

// linksInsert is the head of both statements that insert links.
const linksInsert = `INSERT INTO links (page_id, ref_type, ref_id, video_id, playlist_id, channel_ref,
		kind, url, start_seconds, context, in_body, first_seen_at, last_seen_at) VALUES`

// row is the text of one row of m.
func (m multiRow) row() string {
	row := "(" + strings.Repeat("?,", m.cols)
	if m.fixed != "" {
		return row + m.fixed + ")"
	}
	return row[:len(row)-1] + ")"
}

// query is the text of m with n rows.
func (m multiRow) query(n int) string {
	row := m.row()
	var q strings.Builder
	q.Grow(len(m.head) + n*(len(row)+1) + len(m.tail) + 1)
	q.WriteString(m.head)
	for i := range n {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(row)
	}
	q.WriteString(" ")
	q.WriteString(m.tail)
	return q.String()
}

// maxRowArgs bounds the parameters of one multi-row statement (SQLite
// allows 32,766).
const maxRowArgs = 30_000

// insertRows runs m over args, m.cols values a row, in chunks, and hands
// each row the statement returns to scan (nil: the statement returns
// none, or its rows are not wanted).
//
// Chunks have a power of two of rows (13 rows go as 8, 4 and 1), so that
// one form of statement comes in a few sizes, each prepared once
// (db.rowStmt): preparing a statement of a new size for every batch cost
// the crawl a twentieth of its time.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, m multiRow, args []any, scan func(*sql.Rows) error) error {
	most := 1
	for most*2*m.cols <= maxRowArgs {
		most *= 2
	}
	for start, rows := 0, len(args)/m.cols; start < rows; {
		n := most
		for n > rows-start {
			n /= 2
		}
		chunk := args[start*m.cols : (start+n)*m.cols]
		start += n
		if err := db.insertChunk(ctx, tx, m, chunk, scan); err != nil {
			return err
		}
	}
	return nil
}

// insertChunk runs m with the rows of args.
func (db *DB) insertChunk(ctx context.Context, tx *sql.Tx, m multiRow, args []any, scan func(*sql.Rows) error) error {
	n := len(args) / m.cols
	var err error
	var rs *sql.Rows
	if st := db.rowStmt(m, n); st != nil {
		st = tx.StmtContext(ctx, st)
		defer st.Close()
		if scan == nil {
			_, err = st.ExecContext(ctx, args...)
			return mapError(err)
		}
		rs, err = st.QueryContext(ctx, args...)
	} else {
		if scan == nil {
			_, err = tx.ExecContext(ctx, m.query(n), args...)
			return mapError(err)
		}
		rs, err = tx.QueryContext(ctx, m.query(n), args...)
	}
	if err != nil {
		return mapError(err)
	}
	defer rs.Close()
	for rs.Next() {
		if err := scan(rs); err != nil {
			return mapError(err)
		}
	}
	return mapError(rs.Err())
}

// maxCachedRows is the most rows of a multi-row statement kept prepared.
const maxCachedRows = 256

// rowStmt returns the prepared statement of m with n rows, or nil when it
// is not prepared yet: the writer's one connection is taken by the
// transaction, so a new size is noted, run unprepared this once, and
// prepared by prepareRows before the next transaction. Statements of more
// than maxCachedRows rows (long transcripts: rare, and big) are not kept.
func (db *DB) rowStmt(m multiRow, n int) *sql.Stmt {
	if n > maxCachedRows {
		return nil
	}
	q := m.query(n)
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

// hotQueries are prepared when the database is opened.
var hotQueries = []string{
	sqlFindCanonical,
	sqlFindCanonicals,
	sqlPageNotModified,
	sqlLinksSeen,
	sqlPageFetched,
	sqlPageFailed,
	sqlHostSeq,
	sqlHostSeen,
	sqlUpdateLink,
	sqlNextPages,
	sqlVideoAnswered,
	sqlVideoMetadata,
	sqlVideoViews,
	sqlDeleteCaptionTracks,
	sqlTranscriptStatus,
	sqlUpsertTranscript,
	sqlDeleteSegments,
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

// query is QueryContext with a prepared statement, like exec.
func (db *DB) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := db.stmts[query]; st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// queryRow is QueryRowContext with a prepared statement, like exec.
func (db *DB) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := db.stmts[query]; st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}
