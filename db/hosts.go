package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// LoadRobots returns the stored robots.txt answer of host; see
// crawl.RobotsStore.
func (db *DB) LoadRobots(ctx context.Context, host string) (int, []byte, time.Time, bool, error) {
	var status sql.NullInt64
	var body, fetched sql.NullString
	err := db.sql.QueryRowContext(ctx, `
		SELECT robots_status, robots_txt, robots_fetched_at FROM hosts WHERE host = ?`, host).Scan(&status, &body, &fetched)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !fetched.Valid {
		return 0, nil, time.Time{}, false, nil
	}
	if err != nil {
		return 0, nil, time.Time{}, false, mapError(err)
	}
	return int(status.Int64), []byte(body.String), parseTime(fetched), true, nil
}

// SaveRobots stores the robots.txt answer of host; see crawl.RobotsStore.
func (db *DB) SaveRobots(ctx context.Context, host string, status int, body []byte, fetchedAt time.Time, crawlDelay time.Duration) error {
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO hosts (host, robots_status, robots_txt, robots_fetched_at, crawl_delay_ms)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (host) DO UPDATE SET robots_status = excluded.robots_status,
		  robots_txt = excluded.robots_txt, robots_fetched_at = excluded.robots_fetched_at,
		  crawl_delay_ms = excluded.crawl_delay_ms`,
		host, status, string(body), formatTime(fetchedAt), crawlDelay.Milliseconds())
	return mapError(err)
}
