package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrUnknownTable means Export was asked for a table it does not export.
var ErrUnknownTable = errors.New("unknown table")

// exportQuery is the SQL that exports one table: all its rows, or those
// changed or seen since ?1. Both are fixed strings: a table name from the
// user only selects one of them.
//
// Every query selects * (plus page_url for links), so the export has every
// column in table order, and a column a later migration adds appears at the
// end without a change here. Every query reads in the order of the rowid or
// of an index, so SQLite streams the rows without a sorter
// (TestExportQueryPlans holds this): memory stays constant at any size.
type exportQuery struct {
	all, since string
}

// exportQueries are the tables Export knows, by the name users give.
var exportQueries = map[string]exportQuery{
	// A video row changes when it is first seen, fetched, attempted (the
	// status and attempt count) and when its transcript is looked for.
	"videos": {
		all: `SELECT * FROM videos ORDER BY id`,
		since: `SELECT * FROM videos
			WHERE first_seen_at >= ?1 OR fetched_at >= ?1 OR attempted_at >= ?1 OR transcript_checked_at >= ?1
			ORDER BY id`,
	},
	// A LEFT JOIN so that a link is exported even in a file whose foreign
	// keys were not enforced. Every crawl that sees a link moves its
	// last_seen_at, and first_seen_at is never later.
	"links": {
		all: `SELECT l.*, p.url AS page_url FROM links l LEFT JOIN pages p ON p.id = l.page_id ORDER BY l.id`,
		since: `SELECT l.*, p.url AS page_url FROM links l LEFT JOIN pages p ON p.id = l.page_id
			WHERE l.last_seen_at >= ?1 ORDER BY l.id`,
	},
	"pages": {
		all:   `SELECT * FROM pages ORDER BY id`,
		since: `SELECT * FROM pages WHERE first_seen_at >= ?1 OR fetched_at >= ?1 ORDER BY id`,
	},
	// A transcript fetched again replaces its row's text and fetched_at.
	"transcripts": {
		all:   `SELECT * FROM transcripts ORDER BY id`,
		since: `SELECT * FROM transcripts WHERE fetched_at >= ?1 ORDER BY id`,
	},
	// Segments are replaced with their transcript, so its fetched_at dates
	// them. CROSS JOIN makes SQLite keep the segments as the outer loop, in
	// rowid order, and look each transcript up by its key; left to itself
	// the planner may walk transcript_segments_by_transcript instead and
	// sort every matching segment by id before the first one comes out.
	"segments": {
		all: `SELECT * FROM transcript_segments ORDER BY id`,
		since: `SELECT s.* FROM transcript_segments s CROSS JOIN transcripts t ON t.id = s.transcript_id
			WHERE t.fetched_at >= ?1 ORDER BY s.id`,
	},
	// The tracks a video offers are replaced when it is fetched again
	// (ok): seen_at dates them.
	"caption_tracks": {
		all:   `SELECT * FROM caption_tracks ORDER BY rowid`,
		since: `SELECT * FROM caption_tracks WHERE seen_at >= ?1 ORDER BY rowid`,
	},
	// A run's row changes when it starts and when it finishes.
	"runs": {
		all:   `SELECT * FROM runs ORDER BY id`,
		since: `SELECT * FROM runs WHERE started_at >= ?1 OR finished_at >= ?1 ORDER BY id`,
	},
}

// ExportTables returns the names Export accepts, in the order the help
// lists them. segments is the transcript_segments table.
func ExportTables() []string {
	return []string{"videos", "links", "pages", "transcripts", "segments", "caption_tracks", "runs"}
}

// Export streams the rows of one table to fn, ordered by id, and returns
// the first error. It holds no more than one row in memory, so exporting a
// table of any size takes constant memory.
//
// The table is one of ExportTables; any other name returns an error
// wrapping ErrUnknownTable. A zero since exports every row; otherwise only
// the rows changed or seen at or after since (the columns compared are
// those of exportQueries, documented in `ytharvest help export`).
//
// fn is called once with a nil row before any row, so that a header can be
// written even when no row matches, then once per row. cols is the same
// slice on every call; row holds nil, int64, float64 or string values and
// is reused, so fn must not keep either. An error from fn stops the export
// and is returned unwrapped, so that the caller recognises its own errors.
//
// The rows come from one SELECT, so they are one consistent snapshot even
// while a crawl writes; a long export keeps the WAL from being
// checkpointed past that snapshot until it ends.
func (db *DB) Export(ctx context.Context, table string, since time.Time, fn func(cols []string, row []any) error) error {
	q, ok := exportQueries[table]
	if !ok {
		return fmt.Errorf("%w %q (want one of %s)", ErrUnknownTable, table, strings.Join(ExportTables(), ", "))
	}
	query, args := q.all, []any(nil)
	if !since.IsZero() {
		// Stored times have millisecond precision, and formatTime cuts the
		// bound to the same: a row stamped in since's millisecond is in.
		// Both are fixed-width UTC text, so text order is time order.
		query, args = q.since, []any{formatTime(since)}
	}
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("export %s: %w", table, mapError(err))
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("export %s: %w", table, mapError(err))
	}
	if err := fn(cols, nil); err != nil {
		return err
	}
	row := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range row {
		ptrs[i] = &row[i]
	}
	for rows.Next() {
		// database/sql and the driver notice a cancelled context only
		// eventually (a goroutine closes the rows); checking here stops the
		// export at the next row.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("export %s: %w", table, err)
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("export %s: %w", table, mapError(err))
		}
		for i, v := range row {
			// Scanning into *any copies a BLOB into a fresh []byte; no
			// exported table has one, but keep the promise of the doc.
			if b, ok := v.([]byte); ok {
				row[i] = string(b)
			}
		}
		if err := fn(cols, row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", table, mapError(err))
	}
	return nil
}
