package db

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// The YouTube source's memory between runs (youtube.Store): egresses and
// their benches, the Data API quota, and whether a video has metadata.

// LoadEgresses returns the stored state of the egresses with these
// labels; an egress never seen before has none.
func (db *DB) LoadEgresses(ctx context.Context, labels []string) (map[string]harvest.EgressState, error) {
	out := make(map[string]harvest.EgressState)
	for _, l := range labels {
		var st harvest.EgressState
		var until, at, reason sql.NullString
		err := db.sql.QueryRowContext(ctx, `
			SELECT label, requests, blocks, strikes, benched_until, last_block_at, last_block_reason
			FROM egresses WHERE label = ?`, l).Scan(&st.Label, &st.Requests, &st.Blocks, &st.Strikes, &until, &at, &reason)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, mapError(err)
		}
		st.BenchedUntil, st.LastBlockAt, st.LastBlock = parseTime(until), parseTime(at), reason.String
		out[l] = st
	}
	return out, nil
}

// SaveEgress records an egress's strikes and bench (and its last block,
// when s has one) and adds s.Requests and s.Blocks to its counts.
func (db *DB) SaveEgress(ctx context.Context, s harvest.EgressState) error {
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO egresses (label, requests, blocks, strikes, benched_until, last_block_at, last_block_reason, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
		ON CONFLICT (label) DO UPDATE SET requests = requests + ?2, blocks = blocks + ?3, strikes = ?4,
		  benched_until = ?5, last_block_at = coalesce(?6, last_block_at),
		  last_block_reason = coalesce(?7, last_block_reason), updated_at = ?8`,
		s.Label, s.Requests, s.Blocks, s.Strikes, formatTime(s.BenchedUntil), formatTime(s.LastBlockAt),
		nullString(s.LastBlock), formatTime(db.now()))
	return mapError(err)
}

// SpendQuota adds units to the Data API units spent on day and returns
// the day's total; units 0 only reads it.
func (db *DB) SpendQuota(ctx context.Context, day string, units int) (int, error) {
	if units == 0 {
		var n int
		err := db.sql.QueryRowContext(ctx, `SELECT coalesce((SELECT units FROM youtube_api_quota WHERE day = ?), 0)`, day).Scan(&n)
		return n, mapError(err)
	}
	var n int
	err := db.sql.QueryRowContext(ctx, `
		INSERT INTO youtube_api_quota (day, units) VALUES (?1, ?2)
		ON CONFLICT (day) DO UPDATE SET units = units + ?2
		RETURNING units`, day, units).Scan(&n)
	return n, mapError(err)
}

// HasMetadata reports whether the video has a title stored.
func (db *DB) HasMetadata(ctx context.Context, id string) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM videos WHERE id = ? AND title IS NOT NULL`, id).Scan(&n)
	return n > 0, mapError(err)
}

// SetClientsRefused records on run runID the client identities YouTube
// refused during it.
func (db *DB) SetClientsRefused(ctx context.Context, runID int64, refused []string) error {
	if len(refused) == 0 {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, `UPDATE runs SET clients_refused = ? WHERE id = ?`, strings.Join(refused, "; "), runID)
	return mapError(err)
}

// saveOEmbed records what oEmbed said of a video that has no definitive
// answer: its title, channel and thumbnail, with metadata_source
// 'oembed'. The status stays what it was (SaveVideo's non-definitive
// path), so the video is fetched again in full.
func saveOEmbed(ctx context.Context, tx *sql.Tx, v *harvest.Video) error {
	if v.MetadataSource != harvest.MetadataOEmbed {
		return nil
	}
	_, err := tx.ExecContext(ctx, `
		UPDATE videos SET title = coalesce(?, title), channel_title = coalesce(?, channel_title),
		  channel_handle = coalesce(?, channel_handle), channel_id = coalesce(?, channel_id),
		  thumbnail_url = coalesce(?, thumbnail_url), metadata_source = 'oembed'
		WHERE id = ? AND status IN ('pending','blocked','error') AND coalesce(metadata_source, 'oembed') = 'oembed'`,
		nullString(v.Title), nullString(v.ChannelTitle), nullString(v.ChannelHandle), nullString(v.ChannelID),
		nullString(v.ThumbnailURL), v.ID)
	return mapError(err)
}

// metadataSource is what SaveVideo stores in metadata_source for a
// definitive answer.
func metadataSource(v *harvest.Video) string {
	if v.MetadataSource == "" {
		return harvest.MetadataPlayer
	}
	return v.MetadataSource
}

// EgressStat is one egress as `ytharvest stats` shows it.
type EgressStat struct {
	Label        string    `json:"label"`
	Requests     int64     `json:"requests"`
	Blocks       int64     `json:"blocks"`
	BenchedUntil time.Time `json:"benched_until,omitzero"`
	LastBlock    string    `json:"last_block,omitempty"`
}

// Egresses lists every egress ever used, by label.
func (db *DB) Egresses(ctx context.Context) ([]EgressStat, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT label, requests, blocks, benched_until, coalesce(last_block_reason, '') FROM egresses ORDER BY label`)
	if err != nil {
		return nil, mapError(err)
	}
	return scanAll(rows, func(rows *sql.Rows) (e EgressStat, err error) {
		var until sql.NullString
		err = rows.Scan(&e.Label, &e.Requests, &e.Blocks, &until, &e.LastBlock)
		e.BenchedUntil = parseTime(until)
		return e, err
	})
}
