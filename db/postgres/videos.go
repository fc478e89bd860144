package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"
)

// ClaimVideos returns up to q.Limit videos due for a fetch and marks them
// attempted now; see harvest.VideoStore. Rows another transaction is
// claiming are skipped (FOR UPDATE SKIP LOCKED), so two claimers never
// get the same video.
func (s *Store) ClaimVideos(ctx context.Context, q harvest.VideoQuery) ([]harvest.VideoClaim, error) {
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
		  SELECT id FROM videos
		  WHERE (attempted_at IS NULL OR attempted_at < $2)
		    AND (status IN ('pending','blocked','error') OR fetched_at IS NULL OR fetched_at < $3
		         OR $5 AND status = 'ok' AND (transcript_status IS NULL OR transcript_status IN ('blocked','error')
		                                      OR $6 AND (transcript_checked_at IS NULL OR transcript_checked_at < $2)))
		  ORDER BY first_seen_at, id LIMIT $4
		  FOR UPDATE SKIP LOCKED)
		UPDATE videos v SET attempted_at = $1, fetch_attempts = fetch_attempts + 1
		FROM due WHERE v.id = due.id
		RETURNING v.id, v.first_seen_at,
		  $5 AND (transcript_status IS NULL OR transcript_status IN ('blocked','error')
		          OR $6 AND (transcript_checked_at IS NULL OR transcript_checked_at < $2))`,
		s.now(), q.NotSince.UTC(), q.StaleBefore.UTC(), q.Limit, q.Transcripts, q.RefetchTranscripts)
	if err != nil {
		return nil, err
	}
	type claimed struct {
		harvest.VideoClaim
		seen time.Time
	}
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (c claimed, err error) {
		return c, row.Scan(&c.ID, &c.seen, &c.NeedTranscript)
	})
	if err != nil {
		return nil, err
	}
	sortClaims(cs, func(c claimed) (time.Time, string) { return c.seen, c.ID })
	out := make([]harvest.VideoClaim, len(cs))
	for i, c := range cs {
		out[i] = c.VideoClaim
	}
	return out, nil
}

// SaveVideo stores what was learnt about a video. A definitive answer
// replaces the metadata and adds a view-count snapshot; a blocked or error
// answer only records itself on videos that have no definitive answer yet.
func (s *Store) SaveVideo(ctx context.Context, v *harvest.Video) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return s.saveVideoTx(ctx, tx, v) })
}

func (s *Store) saveVideoTx(ctx context.Context, tx pgx.Tx, v *harvest.Video) error {
	if _, err := s.insertStubs(ctx, tx, []string{v.ID}); err != nil {
		return err
	}
	if !v.Status.Definitive() {
		_, err := tx.Exec(ctx, `
			UPDATE videos SET status = $1, status_reason = $2
			WHERE id = $3 AND status IN ('pending','blocked','error') AND $1 <> 'pending'`,
			string(v.Status), nullString(v.StatusReason), v.ID)
		if err != nil {
			return err
		}
		return saveOEmbed(ctx, tx, v)
	}
	fetchedAt := v.FetchedAt.UTC()
	if v.FetchedAt.IsZero() {
		fetchedAt = s.now()
	}
	if err := saveMetadata(ctx, tx, v, fetchedAt); err != nil {
		return err
	}
	if v.Status == harvest.VideoOK {
		return savePlayable(ctx, tx, v, fetchedAt)
	}
	return nil
}

func saveMetadata(ctx context.Context, tx pgx.Tx, v *harvest.Video, fetchedAt time.Time) error {
	var keywords any
	if len(v.Keywords) > 0 {
		b, err := json.Marshal(v.Keywords)
		if err != nil {
			return err
		}
		keywords = string(b)
	}
	source := v.MetadataSource
	if source == "" {
		source = harvest.MetadataPlayer
	}
	_, err := tx.Exec(ctx, `
		UPDATE videos SET status = $1, status_reason = $2, title = $3, description = $4, channel_id = $5,
		  channel_title = $6, channel_handle = coalesce($7, channel_handle), duration_seconds = $8, view_count = $9,
		  published_at = coalesce($10, published_at), thumbnail_url = $11, is_live = $12, is_upcoming = $13,
		  category = coalesce($14, category), keywords = $15::text::json, fetched_at = $16, metadata_source = $17
		WHERE id = $18`,
		string(v.Status), nullString(v.StatusReason), nullString(v.Title), nullString(v.Description),
		nullString(v.ChannelID), nullString(v.ChannelTitle), nullString(v.ChannelHandle),
		nullSeconds(v.Duration, v.Status), nullViews(v), nullTime(v.PublishedAt),
		nullString(v.ThumbnailURL), v.IsLive, v.IsUpcoming, nullString(v.Category),
		keywords, fetchedAt, source, v.ID)
	return err
}

// savePlayable records a view-count snapshot and the caption tracks
// offered now, which replace those offered before.
func savePlayable(ctx context.Context, tx pgx.Tx, v *harvest.Video, fetchedAt time.Time) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO video_views (video_id, fetched_at, view_count) VALUES ($1, $2, $3)
		ON CONFLICT (video_id, fetched_at) DO UPDATE SET view_count = excluded.view_count`,
		v.ID, fetchedAt, v.ViewCount)
	if err != nil || v.CaptionTracksUnknown {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM caption_tracks WHERE video_id = $1`, v.ID); err != nil {
		return err
	}
	for _, t := range v.CaptionTracks {
		_, err := tx.Exec(ctx, `
			INSERT INTO caption_tracks (video_id, language, is_generated, name, is_translatable, seen_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			v.ID, t.Language, t.Generated, nullString(t.Name), t.Translatable, fetchedAt)
		if err != nil {
			return fmt.Errorf("save caption tracks: %w", err)
		}
	}
	return nil
}

// saveOEmbed records what oEmbed said of a video that has no definitive
// answer (see the SQLite store).
func saveOEmbed(ctx context.Context, tx pgx.Tx, v *harvest.Video) error {
	if v.MetadataSource != harvest.MetadataOEmbed {
		return nil
	}
	_, err := tx.Exec(ctx, `
		UPDATE videos SET title = coalesce($1, title), channel_title = coalesce($2, channel_title),
		  channel_handle = coalesce($3, channel_handle), channel_id = coalesce($4, channel_id),
		  thumbnail_url = coalesce($5, thumbnail_url), metadata_source = 'oembed'
		WHERE id = $6 AND status IN ('pending','blocked','error') AND coalesce(metadata_source, 'oembed') = 'oembed'`,
		nullString(v.Title), nullString(v.ChannelTitle), nullString(v.ChannelHandle), nullString(v.ChannelID),
		nullString(v.ThumbnailURL), v.ID)
	return err
}

// AttemptVideos records video IDs as known and attempted now.
func (s *Store) AttemptVideos(ctx context.Context, ids []string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, id := range ids {
			_, err := tx.Exec(ctx, `
				INSERT INTO videos (id, first_seen_at, attempted_at, fetch_attempts) VALUES ($1, $2, $2, 1)
				ON CONFLICT (id) DO UPDATE SET attempted_at = $2, fetch_attempts = videos.fetch_attempts + 1`, id, s.now())
			if err != nil {
				return fmt.Errorf("add video %q: %w", id, err)
			}
		}
		return nil
	})
}

func nullSeconds(d time.Duration, st harvest.VideoStatus) any {
	if d == 0 && st != harvest.VideoOK {
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

// VideoSummaries returns the summary of each video of ids, in that order;
// a video not in the database is an error.
func (s *Store) VideoSummaries(ctx context.Context, ids []string) ([]db.VideoSummary, error) {
	out := make([]db.VideoSummary, 0, len(ids))
	for _, id := range ids {
		v := db.VideoSummary{ID: id}
		var status, ts string
		err := s.pool.QueryRow(ctx, `
			SELECT status, coalesce(title, ''), coalesce(status_reason, ''), coalesce(transcript_status, '')
			FROM videos WHERE id = $1`, id).Scan(&status, &v.Title, &v.Reason, &ts)
		if err != nil {
			return nil, fmt.Errorf("read video %s: %w", id, err)
		}
		v.Status, v.TranscriptStatus = harvest.VideoStatus(status), harvest.TranscriptStatus(ts)
		out = append(out, v)
	}
	return out, nil
}
