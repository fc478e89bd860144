package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/db"
)

var videoSortColumns = map[string]string{
	"first_seen": "v.first_seen_at",
	"published":  "v.published_at",
	"views":      "v.view_count",
}

// Videos returns the videos f selects, in f's order; see db.DB.Videos.
// PostgreSQL's planner has statistics, so the query is one, with the
// filters as conditions.
func (s *Store) Videos(ctx context.Context, f db.VideoFilter) (*db.VideoList, error) {
	if f.Sort == "" {
		f.Sort = "first_seen"
	}
	col, ok := videoSortColumns[f.Sort]
	if !ok {
		return nil, fmt.Errorf("%w: sort %q (want one of %s)", db.ErrBadFilter, f.Sort, strings.Join(db.VideoSorts, ", "))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var conds []string
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Site != "" {
		arg(`EXISTS (SELECT 1 FROM links l JOIN pages p ON p.id = l.page_id WHERE l.video_id = v.id AND p.host = ?)`, f.Site)
	}
	if f.Status != "" {
		arg(`v.status = ?`, f.Status)
	}
	if f.Channel != "" {
		arg(`v.channel_id = ?`, f.Channel)
	}
	if !f.Since.IsZero() {
		arg(`v.first_seen_at >= ?`, f.Since.UTC())
	}
	if !f.Until.IsZero() {
		arg(`v.first_seen_at < ?`, f.Until.UTC())
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	dir := " DESC NULLS LAST"
	if f.Asc {
		dir = " ASC NULLS FIRST"
	}
	l := &db.VideoList{}
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		n := len(args)
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM videos v`+where+fmt.Sprintf(` LIMIT $%d) x`, n+1),
			append(args, db.MaxCount+1)...).Scan(&l.Total); err != nil {
			return err
		}
		if l.Total > db.MaxCount {
			l.Total, l.More = db.MaxCount, true
		}
		rows, err := tx.Query(ctx, `
			SELECT v.id, v.status, coalesce(v.title, ''), coalesce(v.channel_id, ''), coalesce(v.channel_title, ''),
			       coalesce(v.duration_seconds, -1), coalesce(v.view_count, -1), v.published_at, v.first_seen_at,
			       (SELECT count(DISTINCT page_id) FROM links WHERE video_id = v.id)
			FROM videos v`+where+` ORDER BY `+col+dir+`, v.id`+dir+fmt.Sprintf(` LIMIT $%d OFFSET $%d`, n+1, n+2),
			append(args, f.Limit, f.Offset)...)
		if err != nil {
			return err
		}
		l.Videos, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (r db.VideoRow, err error) {
			var published, seen *time.Time
			err = row.Scan(&r.ID, &r.Status, &r.Title, &r.ChannelID, &r.ChannelTitle, &r.Duration, &r.Views,
				&published, &seen, &r.Pages)
			r.PublishedAt, r.FirstSeenAt = timeOf(published), timeOf(seen)
			return r, err
		})
		return err
	})
	return l, err
}

// Video returns what the harvest knows of one video, or an error
// wrapping db.ErrNotFound; see db.DB.Video.
func (s *Store) Video(ctx context.Context, id string) (*db.VideoDetail, error) {
	v := &db.VideoDetail{ID: id}
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		var reason, title, desc, chID, chTitle, chHandle, thumb, category, keywords, ts *string
		var published, seen, fetched *time.Time
		err := tx.QueryRow(ctx, `
			SELECT status, status_reason, title, description, channel_id, channel_title, channel_handle,
			       coalesce(duration_seconds, -1), coalesce(view_count, -1), published_at, thumbnail_url, is_live, is_upcoming,
			       category, keywords::text, first_seen_at, fetched_at, transcript_status
			FROM videos WHERE id = $1`, id).Scan(&v.Status, &reason, &title, &desc, &chID, &chTitle, &chHandle,
			&v.Duration, &v.Views, &published, &thumb, &v.IsLive, &v.IsUpcoming, &category, &keywords, &seen, &fetched, &ts)
		if isNoRows(err) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		v.StatusReason, v.Title, v.Description = str(reason), str(title), str(desc)
		v.ChannelID, v.ChannelTitle, v.ChannelHandle = str(chID), str(chTitle), str(chHandle)
		v.PublishedAt, v.ThumbnailURL, v.Category = timeOf(published), str(thumb), str(category)
		v.FirstSeenAt, v.FetchedAt, v.TranscriptStatus = timeOf(seen), timeOf(fetched), str(ts)
		if keywords != nil {
			json.Unmarshal([]byte(*keywords), &v.Keywords) // a damaged list shows as none
		}
		if err := videoHistory(ctx, tx, v); err != nil {
			return err
		}
		if err := videoRefs(ctx, tx, v); err != nil {
			return err
		}
		return videoTranscripts(ctx, tx, v)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func videoHistory(ctx context.Context, tx pgx.Tx, v *db.VideoDetail) error {
	rows, err := tx.Query(ctx, `
		SELECT coalesce(old_status, ''), status, coalesce(status_reason, ''), coalesce(old_title, ''), changed_at, backfilled
		FROM video_status_changes WHERE video_id = $1 ORDER BY id`, v.ID)
	if err != nil {
		return err
	}
	v.History, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (c db.StatusChange, err error) {
		err = row.Scan(&c.OldStatus, &c.Status, &c.Reason, &c.OldTitle, &c.ChangedAt, &c.Backfilled)
		c.ChangedAt = c.ChangedAt.UTC()
		return c, err
	})
	for _, c := range v.History {
		if v.Title == "" && c.OldTitle != "" {
			v.FormerTitle = c.OldTitle
		}
	}
	return err
}

func videoRefs(ctx context.Context, tx pgx.Tx, v *db.VideoDetail) error {
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM links WHERE video_id = $1`, v.ID).Scan(&v.RefsTotal); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `
		SELECT p.id, p.url, coalesce(p.title, ''), p.host, l.kind, coalesce(l.context, ''), l.in_body,
		       coalesce(l.start_seconds, 0), l.first_seen_at, l.last_seen_at
		FROM links l JOIN pages p ON p.id = l.page_id
		WHERE l.video_id = $1
		ORDER BY l.last_seen_at DESC, p.url, l.kind LIMIT $2`, v.ID, db.MaxRefs)
	if err != nil {
		return err
	}
	v.Refs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (r db.VideoRef, err error) {
		err = row.Scan(&r.PageID, &r.PageURL, &r.PageTitle, &r.Host, &r.Kind, &r.Context, &r.InBody,
			&r.StartSeconds, &r.FirstSeenAt, &r.LastSeenAt)
		r.FirstSeenAt, r.LastSeenAt = r.FirstSeenAt.UTC(), r.LastSeenAt.UTC()
		return r, err
	})
	return err
}

func videoTranscripts(ctx context.Context, tx pgx.Tx, v *db.VideoDetail) error {
	rows, err := tx.Query(ctx, `
		SELECT t.language, t.is_generated, coalesce(t.name, ''), s.start_ms, s.text
		FROM transcripts t JOIN transcript_segments s ON s.transcript_id = t.id
		WHERE t.video_id = $1
		ORDER BY t.is_generated, t.language, s.start_ms, s.id`, v.ID)
	if err != nil {
		return err
	}
	var lang, name string
	var gen bool
	var seg db.TimedText
	_, err = pgx.ForEachRow(rows, []any{&lang, &gen, &name, &seg.StartMs, &seg.Text}, func() error {
		n := len(v.Transcripts)
		if n == 0 || v.Transcripts[n-1].Language != lang || v.Transcripts[n-1].Generated != gen {
			v.Transcripts = append(v.Transcripts, db.TranscriptText{Language: lang, Generated: gen, Name: name})
			n++
		}
		v.Transcripts[n-1].Segments = append(v.Transcripts[n-1].Segments, seg)
		return nil
	})
	return err
}
