package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/harvestdev/ytharvest/harvest"
)

// LoadRobots returns the stored robots.txt answer of host; see
// crawl.RobotsStore.
func (db *DB) LoadRobots(ctx context.Context, host string) (harvest.RobotsFile, bool, error) {
	var status sql.NullInt64
	var body, fetched sql.NullString
	err := db.sql.QueryRowContext(ctx, `
		SELECT robots_status, robots_txt, robots_fetched_at FROM hosts WHERE host = ?`, host).Scan(&status, &body, &fetched)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !fetched.Valid {
		return harvest.RobotsFile{}, false, nil
	}
	if err != nil {
		return harvest.RobotsFile{}, false, mapError(err)
	}
	return harvest.RobotsFile{Status: int(status.Int64), Body: []byte(body.String), FetchedAt: parseTime(fetched)}, true, nil
}

// SaveRobots stores the robots.txt answer of host; see crawl.RobotsStore.
func (db *DB) SaveRobots(ctx context.Context, host string, f harvest.RobotsFile) error {
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO hosts (host, robots_status, robots_txt, robots_fetched_at, crawl_delay_ms)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (host) DO UPDATE SET robots_status = excluded.robots_status,
		  robots_txt = excluded.robots_txt, robots_fetched_at = excluded.robots_fetched_at,
		  crawl_delay_ms = excluded.crawl_delay_ms`,
		host, f.Status, string(f.Body), formatTime(f.FetchedAt), f.CrawlDelay.Milliseconds())
	return mapError(err)
}
