package db

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// ClaimVideos returns up to q.Limit videos due for a fetch and marks them
// attempted now; see harvest.Store.
func (db *DB) ClaimVideos(ctx context.Context, q harvest.VideoQuery) ([]harvest.VideoClaim, error) {
	rows, err := db.sql.QueryContext(ctx, `
		UPDATE videos SET attempted_at = ?1, fetch_attempts = fetch_attempts + 1
		WHERE id IN (
		  SELECT id FROM videos
		  WHERE (attempted_at IS NULL OR attempted_at < ?2)
		    AND (status IN ('pending','blocked','error') OR fetched_at IS NULL OR fetched_at < ?3
		         OR ?5 AND status = 'ok' AND (transcript_status IS NULL OR transcript_status IN ('blocked','error')
		                                      OR ?6 AND (transcript_checked_at IS NULL OR transcript_checked_at < ?2)))
		  ORDER BY first_seen_at, id LIMIT ?4)
		RETURNING id, first_seen_at,
		  ?5 AND (transcript_status IS NULL OR transcript_status IN ('blocked','error')
		          OR ?6 AND (transcript_checked_at IS NULL OR transcript_checked_at < ?2))`,
		formatTime(db.now()), formatTime(q.NotSince), formatTime(q.StaleBefore), q.Limit,
		q.Transcripts, q.RefetchTranscripts)
	if err != nil {
		return nil, mapError(err)
	}
	type claimed struct {
		harvest.VideoClaim
		seen string
	}
	cs, err := scanAll(rows, func(rows *sql.Rows) (c claimed, err error) {
		return c, rows.Scan(&c.ID, &c.seen, &c.NeedTranscript)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(cs, func(a, b claimed) int {
		return cmp.Or(cmp.Compare(a.seen, b.seen), cmp.Compare(a.ID, b.ID))
	})
	out := make([]harvest.VideoClaim, len(cs))
	for i, c := range cs {
		out[i] = c.VideoClaim
	}
	return out, nil
}

// The video writer's statements, prepared once per database (hotQueries):
// a video's UPDATE compiles every trigger on videos (the full-text index,
// the status counts and history, the channels), and preparing it again for
// each video cost about as much as running it.
const (
	sqlVideoAnswered = `
		UPDATE videos SET status = ?, status_reason = ?
		WHERE id = ? AND status IN ('pending','blocked','error') AND ? <> 'pending'`
	sqlVideoMetadata = `
		UPDATE videos SET status = ?, status_reason = ?, title = ?, description = ?, channel_id = ?,
		  channel_title = ?, channel_handle = coalesce(?, channel_handle), duration_seconds = ?, view_count = ?,
		  published_at = coalesce(?, published_at), thumbnail_url = ?, is_live = ?, is_upcoming = ?,
		  category = coalesce(?, category), keywords = ?, fetched_at = ?, metadata_source = ?
		WHERE id = ?`
	sqlVideoViews = `
		INSERT INTO video_views (video_id, fetched_at, view_count) VALUES (?, ?, ?)
		ON CONFLICT DO UPDATE SET view_count = excluded.view_count`
	sqlDeleteCaptionTracks = `DELETE FROM caption_tracks WHERE video_id = ?`
)

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
	if err := db.insertRows(ctx, tx, insertVideoStubs, []any{v.ID, now}, nil); err != nil {
		return err
	}
	if !v.Status.Definitive() {
		// Pending: YouTube was not asked (every egress benched); the
		// status stays what it was.
		_, err := db.exec(ctx, tx, sqlVideoAnswered,
			string(v.Status), nullString(v.StatusReason), v.ID, string(v.Status))
		if err != nil {
			return mapError(err)
		}
		if err := saveOEmbed(ctx, tx, v); err != nil { // what oEmbed said while the player was blocked
			return err
		}
		return mapError(tx.Commit())
	}
	fetchedAt := formatTime(v.FetchedAt)
	if fetchedAt == nil {
		fetchedAt = now
	}
	if err := db.saveMetadata(ctx, tx, v, fetchedAt); err != nil {
		return err
	}
	if v.Status == harvest.VideoOK {
		if err := db.savePlayable(ctx, tx, v, fetchedAt); err != nil {
			return err
		}
	}
	return mapError(tx.Commit())
}

// saveMetadata replaces a video's status and metadata with a definitive
// answer's.
func (db *DB) saveMetadata(ctx context.Context, tx *sql.Tx, v *harvest.Video, fetchedAt any) error {
	var keywords any
	if len(v.Keywords) > 0 {
		b, err := json.Marshal(v.Keywords)
		if err != nil {
			return err
		}
		keywords = string(b)
	}
	_, err := db.exec(ctx, tx, sqlVideoMetadata,
		string(v.Status), nullString(v.StatusReason), nullString(v.Title), nullString(v.Description),
		nullString(v.ChannelID), nullString(v.ChannelTitle), nullString(v.ChannelHandle),
		nullSeconds(v.Duration, v.Status), nullViews(v), formatTime(v.PublishedAt),
		nullString(v.ThumbnailURL), boolInt(v.IsLive), boolInt(v.IsUpcoming), nullString(v.Category),
		keywords, fetchedAt, metadataSource(v), v.ID)
	return mapError(err)
}

// savePlayable records what only a playable video has: a view-count
// snapshot, and the caption tracks offered now, which replace those
// offered before.
func (db *DB) savePlayable(ctx context.Context, tx *sql.Tx, v *harvest.Video, fetchedAt any) error {
	_, err := db.exec(ctx, tx, sqlVideoViews,
		v.ID, fetchedAt, v.ViewCount)
	if err != nil {
		return mapError(err)
	}
	// The tracks offered now replace those offered before (unless the
	// answer, the Data API's, does not say which it offers).
	if v.CaptionTracksUnknown {
		return nil
	}
	if _, err := db.exec(ctx, tx, sqlDeleteCaptionTracks, v.ID); err != nil {
		return mapError(err)
	}
	var args []any
	for _, t := range v.CaptionTracks {
		args = append(args, v.ID, t.Language, boolInt(t.Generated), nullString(t.Name), boolInt(t.Translatable), fetchedAt)
	}
	if err := db.insertRows(ctx, tx, insertCaptionTracks, args, nil); err != nil {
		return fmt.Errorf("save caption tracks: %w", err)
	}
	return nil
}

// AttemptVideos records video IDs as known and attempted now; see
// harvest.Store.
func (db *DB) AttemptVideos(ctx context.Context, ids []string) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO videos (id, first_seen_at, attempted_at, fetch_attempts) VALUES (?1, ?2, ?2, 1)
			ON CONFLICT DO UPDATE SET attempted_at = ?2, fetch_attempts = fetch_attempts + 1`, id, now); err != nil {
			return fmt.Errorf("add video %q: %w", id, mapError(err))
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

// videoKnown reports whether the video's row is known to exist, and
// remembers it from now on. Pages repeat the same videos (sidebars, most
// watched); the set saves their stub inserts. Videos are never deleted, so
// a remembered ID stays true; the set is bounded and starts over when full.
// A transaction that rolls back could leave an ID remembered whose insert
// was undone, so SavePages forgets the set on failure.
func (db *DB) videoKnown(id string) bool {
	db.vmu.Lock()
	defer db.vmu.Unlock()
	if _, ok := db.videos[id]; ok {
		return true
	}
	if db.videos == nil || len(db.videos) >= 200_000 {
		db.videos = make(map[string]struct{})
	}
	db.videos[id] = struct{}{}
	return false
}

func (db *DB) forgetVideos() {
	db.vmu.Lock()
	defer db.vmu.Unlock()
	db.videos = nil
}

// VideoSummary is what a video's row says of it, in short.
type VideoSummary struct {
	ID               string
	Status           harvest.VideoStatus
	Title            string
	Reason           string // status_reason
	TranscriptStatus harvest.TranscriptStatus
}

// VideoSummaries returns the summary of each video of ids, in that order;
// a video not in the database is an error.
func (db *DB) VideoSummaries(ctx context.Context, ids []string) ([]VideoSummary, error) {
	out := make([]VideoSummary, 0, len(ids))
	for _, id := range ids {
		v := VideoSummary{ID: id}
		err := db.sql.QueryRowContext(ctx, `
			SELECT status, coalesce(title, ''), coalesce(status_reason, ''), coalesce(transcript_status, '')
			FROM videos WHERE id = ?`, id).Scan(&v.Status, &v.Title, &v.Reason, &v.TranscriptStatus)
		if err != nil {
			return nil, fmt.Errorf("read video %s: %w", id, mapError(err))
		}
		out = append(out, v)
	}
	return out, nil
}
