package db

import (
	"context"
	"time"
)

// Reader is the read API of a harvest: what the read commands (stats,
// search, export, doctor) and the web UI (serve, report) read, whichever
// store holds the harvest. *DB (SQLite) implements it, and so does
// postgres.Store; the web UI's Store is a part of it.
type Reader interface {
	Overview(ctx context.Context, days, runs int) (*Overview, error)
	Videos(ctx context.Context, f VideoFilter) (*VideoList, error)
	Video(ctx context.Context, id string) (*VideoDetail, error)
	Channels(ctx context.Context, sort string, limit, offset int) ([]Channel, int, error)
	Channel(ctx context.Context, id string) (*Channel, error)
	Sites(ctx context.Context, top int) ([]Site, error)
	Vanished(ctx context.Context, since time.Time, limit, offset int) ([]VanishedVideo, int, error)
	Search(ctx context.Context, q SearchQuery) ([]Hit, error)
	Stats(ctx context.Context) (*Stats, error)
	Egresses(ctx context.Context) ([]EgressStat, error)
	// Export streams one table's rows (see DB.Export): values are nil,
	// int64, float64 or string, times RFC 3339 UTC text, booleans 0 or 1.
	Export(ctx context.Context, table string, since time.Time, fn func(cols []string, row []any) error) error
	VideoSummaries(ctx context.Context, ids []string) ([]VideoSummary, error)
	Close() error
}

var _ Reader = (*DB)(nil)

// FormatTime formats t as the SQLite store stores times (RFC 3339 UTC,
// milliseconds); nil for the zero time. Other stores use it to export
// and copy times as SQLite holds them.
func FormatTime(t time.Time) any { return formatTime(t) }
