package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/db"
)

// exportQueries are the tables Export knows, as db.DB's: all rows, or
// those changed or seen since $1, in id order. Columns are SQLite's, in
// its order; runs has one more at the end (machine).
var exportQueries = map[string][2]string{
	"videos": {`SELECT * FROM videos ORDER BY id`,
		`SELECT * FROM videos WHERE first_seen_at >= $1 OR fetched_at >= $1 OR attempted_at >= $1 OR transcript_checked_at >= $1 ORDER BY id`},
	"links": {`SELECT l.*, p.url AS page_url FROM links l LEFT JOIN pages p ON p.id = l.page_id ORDER BY l.id`,
		`SELECT l.*, p.url AS page_url FROM links l LEFT JOIN pages p ON p.id = l.page_id WHERE l.last_seen_at >= $1 ORDER BY l.id`},
	"pages": {`SELECT * FROM pages ORDER BY id`,
		`SELECT * FROM pages WHERE first_seen_at >= $1 OR fetched_at >= $1 ORDER BY id`},
	"transcripts": {`SELECT * FROM transcripts ORDER BY id`,
		`SELECT * FROM transcripts WHERE fetched_at >= $1 ORDER BY id`},
	"segments": {`SELECT * FROM transcript_segments ORDER BY id`,
		`SELECT s.* FROM transcript_segments s JOIN transcripts t ON t.id = s.transcript_id WHERE t.fetched_at >= $1 ORDER BY s.id`},
	"caption_tracks": {`SELECT * FROM caption_tracks ORDER BY video_id, language, is_generated`,
		`SELECT * FROM caption_tracks WHERE seen_at >= $1 ORDER BY video_id, language, is_generated`},
	"runs": {`SELECT * FROM runs ORDER BY id`,
		`SELECT * FROM runs WHERE started_at >= $1 OR finished_at >= $1 ORDER BY id`},
}

// Export streams the rows of one table to fn, as db.DB.Export does, with
// values as SQLite's export has them: times RFC 3339 UTC text, booleans 0
// or 1, integers int64. The rows come from one query: one snapshot.
func (s *Store) Export(ctx context.Context, table string, since time.Time, fn func(cols []string, row []any) error) error {
	q, ok := exportQueries[table]
	if !ok {
		return fmt.Errorf("%w %q (want one of %s)", db.ErrUnknownTable, table, strings.Join(db.ExportTables(), ", "))
	}
	query, args := q[0], []any(nil)
	if !since.IsZero() {
		query, args = q[1], []any{since.UTC().Truncate(time.Millisecond)}
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("export %s: %w", table, err)
	}
	defer rows.Close()
	fds := rows.FieldDescriptions()
	cols := make([]string, len(fds))
	for i, fd := range fds {
		cols[i] = fd.Name
	}
	if err := fn(cols, nil); err != nil {
		return err
	}
	row := make([]any, len(cols))
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return fmt.Errorf("export %s: %w", table, err)
		}
		for i, v := range vals {
			row[i] = sqliteValue(v)
		}
		if err := fn(cols, row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", table, err)
	}
	return nil
}

// sqliteValue is v as the SQLite store holds it: times as RFC 3339 UTC
// text with milliseconds, booleans as 0 and 1, integers as int64, JSON as
// its text.
func sqliteValue(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case time.Time:
		return db.FormatTime(v)
	case bool:
		if v {
			return int64(1)
		}
		return int64(0)
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case int64, float64, string:
		return v
	case float32:
		return float64(v)
	case []byte:
		return string(v)
	}
	b, err := json.Marshal(v) // json columns (keywords) come back decoded
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
