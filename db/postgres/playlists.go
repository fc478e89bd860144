package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/harvest"
)

// ClaimPlaylists returns up to limit playlists the pages reference that
// are due for a fetch, and marks them attempted now.
func (s *Store) ClaimPlaylists(ctx context.Context, staleBefore, notSince time.Time, limit int) ([]string, error) {
	var ids []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `
			INSERT INTO playlists (id, first_seen_at)
			SELECT DISTINCT ref_id, $1::timestamptz FROM links WHERE ref_type = 'playlist'
			ON CONFLICT (id) DO NOTHING`, now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			WITH due AS (SELECT id FROM playlists
			             WHERE (attempted_at IS NULL OR attempted_at < $2)
			               AND (status IN ('pending','blocked','error') OR fetched_at < $3)
			             ORDER BY first_seen_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
			UPDATE playlists p SET attempted_at = $1 FROM due WHERE p.id = due.id
			RETURNING p.id`, now, notSince.UTC(), staleBefore.UTC(), limit)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return ids, err
}

// SavePlaylist records what a playlist fetch learnt; for an ok answer
// each of its videos is linked (kind playlist_member) to every page that
// references the playlist, and new videos are queued for a fetch.
func (s *Store) SavePlaylist(ctx context.Context, p *harvest.Playlist) (newVideos int, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		newVideos, err = s.savePlaylistTx(ctx, tx, p)
		return err
	})
	return newVideos, err
}

func (s *Store) savePlaylistTx(ctx context.Context, tx pgx.Tx, p *harvest.Playlist) (int, error) {
	now := s.now()
	if !p.Status.Definitive() {
		_, err := tx.Exec(ctx, `
			UPDATE playlists SET status = $1, status_reason = $2 WHERE id = $3 AND status IN ('pending','blocked','error')`,
			string(p.Status), nullString(p.StatusReason), p.ID)
		return 0, err
	}
	fetched := p.FetchedAt.UTC()
	if p.FetchedAt.IsZero() {
		fetched = now
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO playlists (id, status, status_reason, title, author, video_count, truncated, first_seen_at, fetched_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, status_reason = excluded.status_reason,
		  title = excluded.title, author = excluded.author, video_count = excluded.video_count,
		  truncated = excluded.truncated, fetched_at = excluded.fetched_at`,
		p.ID, string(p.Status), nullString(p.StatusReason), nullString(p.Title), nullString(p.Author),
		len(p.VideoIDs), p.Truncated, now, fetched)
	if err != nil || p.Status != harvest.VideoOK || len(p.VideoIDs) == 0 {
		return 0, err
	}
	newIDs, err := s.insertStubs(ctx, tx, p.VideoIDs)
	if err != nil {
		return 0, fmt.Errorf("save playlist videos: %w", err)
	}
	if err := s.insertVideoJobs(ctx, tx, newIDs); err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO links (page_id, ref_type, ref_id, video_id, playlist_id, kind, url, context, in_body, first_seen_at, last_seen_at)
		SELECT r.page_id, 'video', v.id, v.id, $2, $3, 'https://www.youtube.com/watch?v=' || v.id || '&list=' || $2,
		       $4, r.in_body, $5, $5
		FROM (SELECT page_id, bool_or(in_body) AS in_body FROM links WHERE ref_type = 'playlist' AND ref_id = $2 GROUP BY page_id) r
		CROSS JOIN (SELECT DISTINCT unnest($1::text[]) AS id) v
		ORDER BY r.page_id, v.id
		ON CONFLICT (page_id, ref_type, ref_id, kind) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
		p.VideoIDs, p.ID, harvest.KindPlaylistMember, nullString(p.Title), now)
	if err != nil {
		return 0, fmt.Errorf("link playlist videos: %w", err)
	}
	return len(newIDs), nil
}
