package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/harvest"
)

// SaveTranscripts records what came of looking for a video's transcript,
// and each transcript fetched with its segments, replacing an earlier
// copy of the same language and kind. A blocked or error outcome never
// overwrites an ok one.
func (s *Store) SaveTranscripts(ctx context.Context, videoID string, status harvest.TranscriptStatus, reason string, ts []harvest.Transcript) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.saveTranscriptStatus(ctx, tx, videoID, status, reason); err != nil {
			return err
		}
		for _, t := range ts {
			if err := s.saveTranscript(ctx, tx, videoID, t); err != nil {
				return fmt.Errorf("save transcript %s %s: %w", videoID, t.Language, err)
			}
		}
		return nil
	})
}

// saveTranscriptStatus records what came of looking for the transcript;
// a failure never overwrites an ok.
func (s *Store) saveTranscriptStatus(ctx context.Context, tx pgx.Tx, videoID string, status harvest.TranscriptStatus, reason string) error {
	now := s.now()
	_, err := tx.Exec(ctx, `
		UPDATE videos SET transcript_status = $1, transcript_reason = $2, transcript_checked_at = $3
		WHERE id = $4 AND NOT (coalesce(transcript_status, '') = 'ok' AND $1 IN ('blocked', 'error'))`,
		string(status), nullString(reason), now, videoID)
	return err
}

// saveTranscript stores one transcript and its segments, replacing an
// earlier copy of the same language and kind.
func (s *Store) saveTranscript(ctx context.Context, tx pgx.Tx, videoID string, t harvest.Transcript) error {
	fetched := t.FetchedAt.UTC()
	if t.FetchedAt.IsZero() {
		fetched = s.now()
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO transcripts (video_id, language, is_generated, name, source, fetched_at, text, translated_from)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (video_id, language, is_generated) DO UPDATE SET name = excluded.name,
		  source = excluded.source, fetched_at = excluded.fetched_at, text = excluded.text,
		  translated_from = excluded.translated_from
		RETURNING id`,
		videoID, t.Language, t.Generated, nullString(t.Name), t.Source, fetched, t.Text(),
		nullString(t.TranslatedFrom)).Scan(&id)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM transcript_segments WHERE transcript_id = $1`, id); err != nil {
		return err
	}
	starts, durs, texts := make([]int64, len(t.Segments)), make([]int64, len(t.Segments)), make([]string, len(t.Segments))
	for i, sg := range t.Segments {
		starts[i], durs[i], texts[i] = sg.StartMs, sg.DurationMs, sg.Text
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO transcript_segments (transcript_id, video_id, language, start_ms, duration_ms, text)
		SELECT $1, $2, $3, st, du, tx FROM unnest($4::bigint[], $5::bigint[], $6::text[]) WITH ORDINALITY AS x(st, du, tx, n)
		ORDER BY n`, id, videoID, t.Language, starts, durs, texts)
	return err
}

// sortClaims orders claims by first-seen time, then ID.
func sortClaims[T any](cs []T, key func(T) (time.Time, string)) {
	slices.SortFunc(cs, func(a, b T) int {
		ta, ia := key(a)
		tb, ib := key(b)
		if c := ta.Compare(tb); c != 0 {
			return c
		}
		return strings.Compare(ia, ib)
	})
}
