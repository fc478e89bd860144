package db

import (
	"context"
	"fmt"
)

// CheckWritable makes sure a write could be committed: it takes the write
// lock and writes a row in a transaction it then rolls back, so nothing
// changes. For `ytharvest doctor`.
func (db *DB) CheckWritable(ctx context.Context) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot take the write lock: %w", mapError(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO youtube_api_quota (day, units) VALUES ('doctor', 0)
		ON CONFLICT (day) DO UPDATE SET units = units`); err != nil {
		return fmt.Errorf("cannot write: %w", mapError(err))
	}
	return nil
}
