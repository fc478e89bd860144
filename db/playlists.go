package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// ClaimPlaylists returns up to limit playlists the pages reference that
// are due for a fetch — never fetched, blocked or failed last time, or
// fetched before staleBefore — and not attempted since notSince, and
// marks them attempted now.
func (db *DB) ClaimPlaylists(ctx context.Context, staleBefore, notSince time.Time, limit int) ([]string, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO playlists (id, first_seen_at)
		SELECT DISTINCT ref_id, ? FROM links WHERE ref_type = 'playlist'
		ON CONFLICT (id) DO NOTHING`, now); err != nil {
		return nil, mapError(err)
	}
	rows, err := tx.QueryContext(ctx, `
		UPDATE playlists SET attempted_at = ?
		WHERE id IN (SELECT id FROM playlists
		             WHERE (attempted_at IS NULL OR attempted_at < ?)
		               AND (status IN ('pending','blocked','error') OR fetched_at < ?)
		             ORDER BY first_seen_at, id LIMIT ?)
		RETURNING id`, now, formatTime(notSince), formatTime(staleBefore), limit)
	if err != nil {
		return nil, mapError(err)
	}
	ids, err := scanAll(rows, func(rows *sql.Rows) (id string, err error) { return id, rows.Scan(&id) })
	if err != nil {
		return nil, err
	}
	return ids, mapError(tx.Commit())
}

// SavePlaylist records what a playlist fetch learnt. For a playlist
// answered ok, each of its videos is linked, with kind playlist_member,
// to every page that references the playlist (in the body if the page's
// reference is). A blocked or error answer never overwrites an ok one.
func (db *DB) SavePlaylist(ctx context.Context, p *harvest.Playlist) (newVideos int, err error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	fetched := formatTime(p.FetchedAt)
	if fetched == nil {
		fetched = now
	}
	if !p.Status.Definitive() {
		_, err := tx.ExecContext(ctx, `
			UPDATE playlists SET status = ?, status_reason = ? WHERE id = ? AND status IN ('pending','blocked','error')`,
			string(p.Status), nullString(p.StatusReason), p.ID)
		if err != nil {
			return 0, mapError(err)
		}
		return 0, mapError(tx.Commit())
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO playlists (id, status, status_reason, title, author, video_count, truncated, first_seen_at, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, status_reason = excluded.status_reason,
		  title = excluded.title, author = excluded.author, video_count = excluded.video_count,
		  truncated = excluded.truncated, fetched_at = excluded.fetched_at`,
		p.ID, string(p.Status), nullString(p.StatusReason), nullString(p.Title), nullString(p.Author),
		len(p.VideoIDs), boolInt(p.Truncated), now, fetched)
	if err != nil {
		return 0, mapError(err)
	}
	if p.Status != harvest.VideoOK || len(p.VideoIDs) == 0 {
		return 0, mapError(tx.Commit())
	}
	var stubs []any
	for _, id := range p.VideoIDs {
		stubs = append(stubs, id, now)
	}
	err = db.insertRows(ctx, tx, insertVideoStubs, stubs, func(*sql.Rows) error { newVideos++; return nil })
	if err != nil {
		return 0, fmt.Errorf("save playlist videos: %w", err)
	}
	type ref struct {
		page   int64
		inBody int
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT page_id, max(in_body) FROM links WHERE ref_type = 'playlist' AND ref_id = ? GROUP BY page_id`, p.ID)
	if err != nil {
		return 0, mapError(err)
	}
	pages, err := scanAll(rows, func(rows *sql.Rows) (r ref, err error) { return r, rows.Scan(&r.page, &r.inBody) })
	if err != nil {
		return 0, err
	}
	var args []any
	for _, pg := range pages {
		for _, id := range p.VideoIDs {
			args = append(args, pg.page, "video", id, id, p.ID, nil, harvest.KindPlaylistMember,
				"https://www.youtube.com/watch?v="+id+"&list="+p.ID, nil, nullString(p.Title), pg.inBody, now, now)
		}
	}
	err = db.insertRows(ctx, tx, insertPlaylistLinks, args, nil)
	if err != nil {
		return 0, fmt.Errorf("link playlist videos: %w", err)
	}
	return newVideos, mapError(tx.Commit())
}
