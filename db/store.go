package db

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

var _ harvest.Store = (*DB)(nil)

// StartRun records the start of r and sets r.ID.
func (db *DB) StartRun(ctx context.Context, r *harvest.Run) error {
	res, err := db.sql.ExecContext(ctx, `
		INSERT INTO runs (started_at, status, options, version) VALUES (?, ?, ?, ?)`,
		formatTime(r.StartedAt), string(r.Status), nullString(r.Options), nullString(r.Version))
	if err != nil {
		return mapError(err)
	}
	r.ID, err = res.LastInsertId()
	return err
}

// FinishRun records how r ended.
func (db *DB) FinishRun(ctx context.Context, r *harvest.Run) error {
	_, err := db.sql.ExecContext(ctx, `
		UPDATE runs SET finished_at = ?, status = ?, seeds = ?, pages_fetched = ?, pages_failed = ?,
		       refs_found = ?, new_videos = ?, videos_fetched = ?, videos_failed = ?, error = ?
		WHERE id = ?`,
		formatTime(r.FinishedAt), string(r.Status), r.Seeds, r.PagesFetched, r.PagesFailed,
		r.RefsFound, r.NewVideos, r.VideosFetched, r.VideosFailed, nullString(r.Error), r.ID)
	return mapError(err)
}

// AddSeeds puts the seeds in the frontier at depth 0 and queues them again
// if they were fetched before; pages left "fetching" by a killed run are
// queued again too.
func (db *DB) AddSeeds(ctx context.Context, urls []string) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	if _, err := tx.ExecContext(ctx, `UPDATE pages SET state = 'queued' WHERE state = 'fetching'`); err != nil {
		return mapError(err)
	}
	for _, u := range urls {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO pages (url, host, depth, is_seed, state, first_seen_at)
			VALUES (?, ?, 0, 1, 'queued', ?)
			ON CONFLICT (url) DO UPDATE SET is_seed = 1, depth = 0, state = 'queued'`,
			u, hostOf(u), now)
		if err != nil {
			return fmt.Errorf("add seed %s: %w", u, mapError(err))
		}
	}
	return mapError(tx.Commit())
}

// ClaimPages marks up to limit queued pages no deeper than maxDepth as
// fetching and returns them, shallowest and oldest first.
func (db *DB) ClaimPages(ctx context.Context, limit, maxDepth int) ([]harvest.Page, error) {
	if limit <= 0 {
		return nil, nil
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
		UPDATE pages SET state = 'fetching'
		WHERE id IN (SELECT id FROM pages WHERE state = 'queued' AND depth <= ?
		             ORDER BY depth, id LIMIT ?)
		RETURNING id, url, host, depth, coalesce(found_from, 0), is_seed, etag, last_modified`,
		maxDepth, limit)
	if err != nil {
		return nil, mapError(err)
	}
	var pages []harvest.Page
	for rows.Next() {
		var p harvest.Page
		var etag, lastMod sql.NullString
		if err := rows.Scan(&p.ID, &p.URL, &p.Host, &p.Depth, &p.FoundFrom, &p.Seed, &etag, &lastMod); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		p.State = harvest.PageFetching
		p.ETag, p.LastModified = etag.String, lastMod.String
		pages = append(pages, p)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		return nil, mapError(err)
	}
	// RETURNING gives no order; keep the frontier's.
	slices.SortFunc(pages, func(a, b harvest.Page) int {
		return cmp.Or(cmp.Compare(a.Depth, b.Depth), cmp.Compare(a.ID, b.ID))
	})
	return pages, nil
}

// ReleasePages puts claimed pages back in the queue.
func (db *DB) ReleasePages(ctx context.Context, ids []int64) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET state = 'queued' WHERE id = ? AND state = 'fetching'`, id); err != nil {
			return mapError(err)
		}
	}
	return mapError(tx.Commit())
}

// CountQueued reports how many pages no deeper than maxDepth are queued.
func (db *DB) CountQueued(ctx context.Context, maxDepth int) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx,
		`SELECT count(*) FROM pages WHERE state = 'queued' AND depth <= ?`, maxDepth).Scan(&n)
	return n, mapError(err)
}

// SavePage stores the outcome of fetching p, its references and the
// out-links to queue, all in one transaction: a page is all in or all out.
// It reports how many videos were seen for the first time.
func (db *DB) SavePage(ctx context.Context, p *harvest.Page, refs []harvest.Reference, out []harvest.Page) (int, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	fetchedAt := formatTime(p.FetchedAt)
	if fetchedAt == nil {
		fetchedAt = now
	}
	// A failed re-fetch keeps what the last good fetch learnt: only the
	// state, status and error change.
	if p.State == harvest.PageFetched {
		_, err = tx.ExecContext(ctx, `
			UPDATE pages SET state = ?, http_status = ?, error = ?, fetched_at = ?,
			  fetch_count = fetch_count + 1, final_url = ?, canonical_url = ?, content_type = ?,
			  etag = ?, last_modified = ?, content_hash = ?, body_bytes = ?, truncated = ?,
			  title = ?, published_at = ?, language = ?
			WHERE id = ?`,
			string(p.State), nullInt(p.HTTPStatus), nullString(p.Error), fetchedAt,
			nullString(p.FinalURL), nullString(p.CanonicalURL), nullString(p.ContentType),
			nullString(p.ETag), nullString(p.LastModified), nullString(p.ContentHash),
			p.BodyBytes, boolInt(p.Truncated), nullString(p.Title), formatTime(p.PublishedAt),
			nullString(p.Language), p.ID)
	} else {
		_, err = tx.ExecContext(ctx, `
			UPDATE pages SET state = ?, http_status = ?, error = ?, fetched_at = ?,
			  fetch_count = fetch_count + 1
			WHERE id = ?`,
			string(p.State), nullInt(p.HTTPStatus), nullString(p.Error), fetchedAt, p.ID)
	}
	if err != nil {
		return 0, fmt.Errorf("update page: %w", mapError(err))
	}
	newVideos := 0
	for _, r := range refs {
		n, err := saveRef(ctx, tx, p.ID, r, now)
		if err != nil {
			return 0, fmt.Errorf("save reference %s %s: %w", r.Type, r.ID, err)
		}
		newVideos += n
	}
	for _, o := range out {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO pages (url, host, depth, found_from, state, first_seen_at)
			VALUES (?, ?, ?, ?, 'queued', ?)
			ON CONFLICT (url) DO UPDATE SET depth = excluded.depth
			WHERE state = 'queued' AND excluded.depth < depth`,
			o.URL, hostOf(o.URL), o.Depth, nullInt64(p.ID), now)
		if err != nil {
			return 0, fmt.Errorf("queue %s: %w", o.URL, mapError(err))
		}
	}
	return newVideos, mapError(tx.Commit())
}

// saveRef upserts one reference (and, for a video, its stub row so that
// the foreign key holds). It reports 1 when the video is new.
func saveRef(ctx context.Context, tx *sql.Tx, pageID int64, r harvest.Reference, now any) (int, error) {
	var videoID, playlistID, channelRef any
	newVideo := 0
	switch r.Type {
	case harvest.RefVideo:
		videoID = r.ID
		res, err := tx.ExecContext(ctx, `
			INSERT INTO videos (id, first_seen_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, r.ID, now)
		if err != nil {
			return 0, mapError(err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			newVideo = 1
		}
		playlistID = nullString(r.PlaylistID)
	case harvest.RefPlaylist:
		playlistID = r.ID
	case harvest.RefChannel:
		channelRef = r.ID
	default:
		return 0, fmt.Errorf("unknown reference type %q", r.Type)
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO links (page_id, ref_type, ref_id, video_id, playlist_id, channel_ref, kind, url,
		                   start_seconds, context, in_body, first_seen_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (page_id, ref_type, ref_id, kind) DO UPDATE SET
		  last_seen_at = excluded.last_seen_at, url = excluded.url,
		  start_seconds = excluded.start_seconds, playlist_id = excluded.playlist_id,
		  context = excluded.context, in_body = excluded.in_body`,
		pageID, string(r.Type), r.ID, videoID, playlistID, channelRef, r.Kind, nullString(r.URL),
		nullInt(r.StartSeconds), nullString(r.Context), boolInt(r.InBody), now, now)
	return newVideo, mapError(err)
}

// ClaimVideos returns up to limit IDs of videos due for a fetch and marks
// them attempted now; see harvest.Store.
func (db *DB) ClaimVideos(ctx context.Context, staleBefore, notSince time.Time, limit int) ([]string, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
		UPDATE videos SET attempted_at = ?, fetch_attempts = fetch_attempts + 1
		WHERE id IN (
		  SELECT id FROM videos
		  WHERE (attempted_at IS NULL OR attempted_at < ?)
		    AND (status IN ('pending','blocked','error') OR fetched_at IS NULL OR fetched_at < ?)
		  ORDER BY first_seen_at, id LIMIT ?)
		RETURNING id, first_seen_at`,
		formatTime(db.now()), formatTime(notSince), formatTime(staleBefore), limit)
	if err != nil {
		return nil, mapError(err)
	}
	type claimed struct{ id, seen string }
	var cs []claimed
	for rows.Next() {
		var c claimed
		if err := rows.Scan(&c.id, &c.seen); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		return nil, mapError(err)
	}
	slices.SortFunc(cs, func(a, b claimed) int {
		return cmp.Or(cmp.Compare(a.seen, b.seen), cmp.Compare(a.id, b.id))
	})
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.id
	}
	return ids, nil
}

// SaveVideo stores what was learnt about a video. A definitive answer
// replaces the metadata and adds a view-count snapshot; a blocked or error
// answer only records itself on videos that have no definitive answer yet.
func (db *DB) SaveVideo(ctx context.Context, v *harvest.Video) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	fetchedAt := formatTime(v.FetchedAt)
	if fetchedAt == nil {
		fetchedAt = now
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO videos (id, first_seen_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, v.ID, now); err != nil {
		return mapError(err)
	}
	if !v.Status.Definitive() {
		_, err := tx.ExecContext(ctx, `
			UPDATE videos SET status = ?, status_reason = ?
			WHERE id = ? AND status IN ('pending','blocked','error')`,
			string(v.Status), nullString(v.StatusReason), v.ID)
		if err != nil {
			return mapError(err)
		}
		return mapError(tx.Commit())
	}
	var keywords any
	if len(v.Keywords) > 0 {
		b, err := json.Marshal(v.Keywords)
		if err != nil {
			return err
		}
		keywords = string(b)
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE videos SET status = ?, status_reason = ?, title = ?, description = ?, channel_id = ?,
		  channel_title = ?, channel_handle = ?, duration_seconds = ?, view_count = ?, published_at = ?,
		  thumbnail_url = ?, is_live = ?, is_upcoming = ?, category = ?, keywords = ?, fetched_at = ?
		WHERE id = ?`,
		string(v.Status), nullString(v.StatusReason), nullString(v.Title), nullString(v.Description),
		nullString(v.ChannelID), nullString(v.ChannelTitle), nullString(v.ChannelHandle),
		nullSeconds(v.Duration, v.Status), nullViews(v), formatTime(v.PublishedAt),
		nullString(v.ThumbnailURL), boolInt(v.IsLive), boolInt(v.IsUpcoming), nullString(v.Category),
		keywords, fetchedAt, v.ID)
	if err != nil {
		return mapError(err)
	}
	if v.Status == harvest.VideoOK {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO video_views (video_id, fetched_at, view_count) VALUES (?, ?, ?)
			ON CONFLICT DO UPDATE SET view_count = excluded.view_count`,
			v.ID, fetchedAt, v.ViewCount)
		if err != nil {
			return mapError(err)
		}
	}
	return mapError(tx.Commit())
}

// nullSeconds stores a duration in whole seconds; unknown (zero) stays NULL
// except for videos that played, where 0 is a real answer (a live stream).
func nullSeconds(d time.Duration, s harvest.VideoStatus) any {
	if d == 0 && s != harvest.VideoOK {
		return nil
	}
	return int64(d / time.Second)
}

func nullViews(v *harvest.Video) any {
	if v.ViewCount == 0 && v.Status != harvest.VideoOK {
		return nil
	}
	return v.ViewCount
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullInt64(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// hostOf returns the host[:port] of a normalised URL, lower-cased.
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Host)
}
