package postgres

import (
	"context"
	"time"
)

// A crawl's settings (its seeds, scope, depth, politeness) are the
// enqueuer's, and every worker must crawl by them: `ytharvest crawl`
// stores them here and the workers read them, and read them again when
// they change. They are JSON that cmd/ytharvest writes and reads; the
// store keeps one copy, the latest.

// SaveSettings stores the crawl settings, replacing those stored before.
func (s *Store) SaveSettings(ctx context.Context, settings []byte) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO crawl_settings (id, settings, updated_at) VALUES (1, $1::text::json, clock_timestamp())
		ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`, string(settings))
	return err
}

// LoadSettings returns the stored crawl settings and when they were
// stored; nil settings when no crawl stored any yet.
func (s *Store) LoadSettings(ctx context.Context) ([]byte, time.Time, error) {
	var settings string
	var at time.Time
	err := s.pool.QueryRow(ctx, `SELECT settings::text, updated_at FROM crawl_settings WHERE id = 1`).Scan(&settings, &at)
	if isNoRows(err) {
		return nil, time.Time{}, nil
	}
	return []byte(settings), at, err
}
