package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// VideoDetail is everything the database knows of one video.
type VideoDetail struct {
	ID               string
	Status           string
	StatusReason     string
	Title            string
	Description      string
	ChannelID        string
	ChannelTitle     string
	ChannelHandle    string
	Duration         int64 // seconds; -1 when unknown
	Views            int64 // -1 when unknown
	PublishedAt      time.Time
	ThumbnailURL     string
	IsLive           bool
	IsUpcoming       bool
	Category         string
	Keywords         []string
	FirstSeenAt      time.Time
	FetchedAt        time.Time
	TranscriptStatus string
	// FormerTitle is the title it had before its last status change,
	// when it has none now (a removed or private video's answer has none).
	FormerTitle string

	History     []StatusChange
	Refs        []VideoRef // the pages that reference it, latest seen first, at most MaxRefs
	RefsTotal   int        // how many there are in all
	Transcripts []TranscriptText
}

// StatusChange is one row of a video's status history.
type StatusChange struct {
	OldStatus  string // "" for the first
	Status     string
	Reason     string
	OldTitle   string // the title before the change
	ChangedAt  time.Time
	Backfilled bool // seeded by the migration: the status at the last fetch before history was kept
}

// VideoRef is one reference from a page to the video.
type VideoRef struct {
	PageID       int64
	PageURL      string
	PageTitle    string
	Host         string
	Kind         string
	Context      string
	InBody       bool
	StartSeconds int64
	FirstSeenAt  time.Time
	LastSeenAt   time.Time
}

// TranscriptText is one transcript with its timed segments.
type TranscriptText struct {
	Language  string
	Generated bool
	Name      string
	Segments  []TimedText
}

// TimedText is one transcript segment.
type TimedText struct {
	StartMs int64
	Text    string
}

// MaxRefs bounds the references VideoDetail lists.
const MaxRefs = 500

// Video returns what the database knows of the video id, or an error
// wrapping ErrNotFound.
func (db *DB) Video(ctx context.Context, id string) (*VideoDetail, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	v, err := videoMetadata(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if v.History, err = statusHistory(ctx, tx, id); err != nil {
		return nil, err
	}
	for _, c := range v.History {
		if v.Title == "" && c.OldTitle != "" {
			v.FormerTitle = c.OldTitle
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM links WHERE video_id = ?`, id).Scan(&v.RefsTotal); err != nil {
		return nil, mapError(err)
	}
	if v.Refs, err = videoRefs(ctx, tx, id); err != nil {
		return nil, err
	}
	if v.Transcripts, err = videoTranscripts(ctx, tx, id); err != nil {
		return nil, err
	}
	return v, nil
}

// videoMetadata reads the video's row, or returns ErrNotFound.
func videoMetadata(ctx context.Context, tx *sql.Tx, id string) (*VideoDetail, error) {
	v := &VideoDetail{ID: id}
	var reason, title, desc, chID, chTitle, chHandle, published, thumb, category, keywords, seen, fetched, ts sql.NullString
	err := tx.QueryRowContext(ctx, `
		SELECT status, status_reason, title, description, channel_id, channel_title, channel_handle,
		       coalesce(duration_seconds, -1), coalesce(view_count, -1), published_at, thumbnail_url, is_live, is_upcoming,
		       category, keywords, first_seen_at, fetched_at, transcript_status
		FROM videos WHERE id = ?`, id).Scan(&v.Status, &reason, &title, &desc, &chID, &chTitle, &chHandle,
		&v.Duration, &v.Views, &published, &thumb, &v.IsLive, &v.IsUpcoming, &category, &keywords, &seen, &fetched, &ts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, mapError(err)
	}
	v.StatusReason, v.Title, v.Description = reason.String, title.String, desc.String
	v.ChannelID, v.ChannelTitle, v.ChannelHandle = chID.String, chTitle.String, chHandle.String
	v.PublishedAt, v.ThumbnailURL, v.Category = parseTime(published), thumb.String, category.String
	v.FirstSeenAt, v.FetchedAt, v.TranscriptStatus = parseTime(seen), parseTime(fetched), ts.String
	if keywords.Valid {
		json.Unmarshal([]byte(keywords.String), &v.Keywords) // a damaged list shows as none
	}
	return v, nil
}

// statusHistory reads the video's status changes, oldest first.
func statusHistory(ctx context.Context, tx *sql.Tx, id string) ([]StatusChange, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT coalesce(old_status, ''), status, coalesce(status_reason, ''), coalesce(old_title, ''), changed_at, backfilled
		FROM video_status_changes WHERE video_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, mapError(err)
	}
	return scanAll(rows, func(rows *sql.Rows) (c StatusChange, err error) {
		var at sql.NullString
		err = rows.Scan(&c.OldStatus, &c.Status, &c.Reason, &c.OldTitle, &at, &c.Backfilled)
		c.ChangedAt = parseTime(at)
		return c, err
	})
}

// videoRefs reads the pages that reference the video, latest seen first,
// at most MaxRefs.
func videoRefs(ctx context.Context, tx *sql.Tx, id string) ([]VideoRef, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT p.id, p.url, coalesce(p.title, ''), p.host, l.kind, coalesce(l.context, ''), l.in_body,
		       coalesce(l.start_seconds, 0), l.first_seen_at, l.last_seen_at
		FROM links l JOIN pages p ON p.id = l.page_id
		WHERE l.video_id = ?
		ORDER BY l.last_seen_at DESC, p.url, l.kind LIMIT ?`, id, MaxRefs)
	if err != nil {
		return nil, mapError(err)
	}
	return scanAll(rows, func(rows *sql.Rows) (r VideoRef, err error) {
		var first, last sql.NullString
		err = rows.Scan(&r.PageID, &r.PageURL, &r.PageTitle, &r.Host, &r.Kind, &r.Context, &r.InBody,
			&r.StartSeconds, &first, &last)
		r.FirstSeenAt, r.LastSeenAt = parseTime(first), parseTime(last)
		return r, err
	})
}

// videoTranscripts reads the video's transcripts with their segments,
// made by hand before those generated, by language.
func videoTranscripts(ctx context.Context, tx *sql.Tx, id string) ([]TranscriptText, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT t.language, t.is_generated, coalesce(t.name, ''), s.start_ms, s.text
		FROM transcripts t JOIN transcript_segments s ON s.transcript_id = t.id
		WHERE t.video_id = ?
		ORDER BY t.is_generated, t.language, s.start_ms, s.id`, id)
	if err != nil {
		return nil, mapError(err)
	}
	type seg struct {
		lang, name string
		gen        bool
		TimedText
	}
	segs, err := scanAll(rows, func(rows *sql.Rows) (s seg, err error) {
		return s, rows.Scan(&s.lang, &s.gen, &s.name, &s.StartMs, &s.Text)
	})
	if err != nil {
		return nil, err
	}
	var ts []TranscriptText
	for _, s := range segs {
		n := len(ts)
		if n == 0 || ts[n-1].Language != s.lang || ts[n-1].Generated != s.gen {
			ts = append(ts, TranscriptText{Language: s.lang, Generated: s.gen, Name: s.name})
			n++
		}
		ts[n-1].Segments = append(ts[n-1].Segments, s.TimedText)
	}
	return ts, nil
}
