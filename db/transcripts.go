package db

import (
	"context"
	"fmt"

	"github.com/harvestdev/ytharvest/harvest"
)

// The transcript writer's statements, prepared once per database
// (hotQueries).
const (
	sqlTranscriptStatus = `
		UPDATE videos SET transcript_status = ?, transcript_reason = ?, transcript_checked_at = ?
		WHERE id = ? AND NOT (coalesce(transcript_status, '') = 'ok' AND ? IN ('blocked', 'error'))`
	sqlUpsertTranscript = `
		INSERT INTO transcripts (video_id, language, is_generated, name, source, fetched_at, text, translated_from)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (video_id, language, is_generated) DO UPDATE SET name = excluded.name,
		  source = excluded.source, fetched_at = excluded.fetched_at, text = excluded.text,
		  translated_from = excluded.translated_from
		RETURNING id`
	sqlDeleteSegments = `DELETE FROM transcript_segments WHERE transcript_id = ?`
)

// SaveTranscripts records what came of looking for a video's transcript:
// its status (and reason) on the video, and each transcript fetched with
// its segments, replacing an earlier copy of the same language and kind.
func (db *DB) SaveTranscripts(ctx context.Context, videoID string, status harvest.TranscriptStatus, reason string, ts []harvest.Transcript) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := formatTime(db.now())
	// A failure to fetch never overwrites a transcript we have.
	_, err = db.exec(ctx, tx, sqlTranscriptStatus,
		string(status), nullString(reason), now, videoID, string(status))
	if err != nil {
		return mapError(err)
	}
	for _, t := range ts {
		fetched := formatTime(t.FetchedAt)
		if fetched == nil {
			fetched = now
		}
		var id int64
		err := db.queryRow(ctx, tx, sqlUpsertTranscript,
			videoID, t.Language, boolInt(t.Generated), nullString(t.Name), t.Source, fetched, t.Text(),
			nullString(t.TranslatedFrom)).Scan(&id)
		if err != nil {
			return fmt.Errorf("save transcript %s %s: %w", videoID, t.Language, mapError(err))
		}
		if _, err := db.exec(ctx, tx, sqlDeleteSegments, id); err != nil {
			return mapError(err)
		}
		args := make([]any, 0, 6*len(t.Segments))
		for _, sg := range t.Segments {
			args = append(args, id, videoID, t.Language, sg.StartMs, sg.DurationMs, sg.Text)
		}
		err = db.insertRows(ctx, tx, insertSegments, args, nil)
		if err != nil {
			return fmt.Errorf("save transcript %s %s: %w", videoID, t.Language, err)
		}
	}
	return mapError(tx.Commit())
}
