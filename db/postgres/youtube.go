package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
)

// The YouTube source's memory (youtube.Store). Egresses are keyed by
// machine and label: "direct" on two machines is two ways out, with two
// IPs, and a block one of them meets must not bench the other.

// LoadEgresses returns the stored state of this machine's egresses with
// these labels.
func (s *Store) LoadEgresses(ctx context.Context, labels []string) (map[string]harvest.EgressState, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT label, requests, blocks, strikes, benched_until, last_block_at, coalesce(last_block_reason, '')
		FROM egresses WHERE machine = $1 AND label = ANY($2)`, s.Machine, labels)
	if err != nil {
		return nil, err
	}
	out := make(map[string]harvest.EgressState)
	var st harvest.EgressState
	var until, at *time.Time
	_, err = pgx.ForEachRow(rows, []any{&st.Label, &st.Requests, &st.Blocks, &st.Strikes, &until, &at, &st.LastBlock}, func() error {
		st.BenchedUntil, st.LastBlockAt = timeOf(until), timeOf(at)
		out[st.Label] = st
		return nil
	})
	return out, err
}

// SaveEgress records an egress's strikes and bench and adds s.Requests
// and s.Blocks to its counts.
func (s *Store) SaveEgress(ctx context.Context, e harvest.EgressState) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO egresses (machine, label, requests, blocks, strikes, benched_until, last_block_at, last_block_reason, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (machine, label) DO UPDATE SET requests = egresses.requests + $3, blocks = egresses.blocks + $4,
		  strikes = $5, benched_until = $6, last_block_at = coalesce($7, egresses.last_block_at),
		  last_block_reason = coalesce($8, egresses.last_block_reason), updated_at = $9`,
		s.Machine, e.Label, e.Requests, e.Blocks, e.Strikes, nullTime(e.BenchedUntil), nullTime(e.LastBlockAt),
		nullString(e.LastBlock), s.now())
	return err
}

// SpendQuota adds units to the Data API units spent on day and returns
// the day's total; units 0 only reads it. The quota is the API key's,
// shared by every machine.
func (s *Store) SpendQuota(ctx context.Context, day string, units int) (int, error) {
	var n int
	if units == 0 {
		err := s.pool.QueryRow(ctx, `SELECT coalesce((SELECT units FROM youtube_api_quota WHERE day = $1), 0)`, day).Scan(&n)
		return n, err
	}
	err := s.pool.QueryRow(ctx, `
		INSERT INTO youtube_api_quota (day, units) VALUES ($1, $2)
		ON CONFLICT (day) DO UPDATE SET units = youtube_api_quota.units + $2
		RETURNING units`, day, units).Scan(&n)
	return n, err
}

// HasMetadata reports whether the video has a title stored.
func (s *Store) HasMetadata(ctx context.Context, id string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM videos WHERE id = $1 AND title IS NOT NULL)`, id).Scan(&ok)
	return ok, err
}

// Egresses lists every egress of every machine, as machine/label.
func (s *Store) Egresses(ctx context.Context) ([]db.EgressStat, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT CASE WHEN machine = '' THEN label ELSE label || '@' || machine END, requests, blocks, benched_until,
		       coalesce(last_block_reason, '')
		FROM egresses ORDER BY machine, label`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (e db.EgressStat, err error) {
		var until *time.Time
		err = row.Scan(&e.Label, &e.Requests, &e.Blocks, &until, &e.LastBlock)
		e.BenchedUntil = timeOf(until)
		return e, err
	})
}

// CheckWritable makes sure a write could be committed: it writes a row in
// a transaction it then rolls back. For `ytharvest doctor`.
func (s *Store) CheckWritable(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `INSERT INTO youtube_api_quota (day, units) VALUES ('doctor', 0)
		ON CONFLICT (day) DO UPDATE SET units = youtube_api_quota.units`)
	return err
}
