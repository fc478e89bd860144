package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/db"
)

var channelOrders = map[string]string{
	"videos":    "videos DESC, id DESC",
	"sites":     "sites DESC, id DESC",
	"last_seen": "last_seen_at DESC, id DESC",
}

// Channels returns a page of channels in the order sort names, and how
// many there are; see db.DB.Channels.
func (s *Store) Channels(ctx context.Context, sort string, limit, offset int) ([]db.Channel, int, error) {
	if sort == "" {
		sort = "videos"
	}
	order, ok := channelOrders[sort]
	if !ok {
		return nil, 0, fmt.Errorf("%w: sort %q (want one of %s)", db.ErrBadFilter, sort, strings.Join(db.ChannelSorts, ", "))
	}
	var cs []db.Channel
	var total int
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM channels`).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT id, coalesce(title, ''), coalesce(handle, ''), first_seen_at, last_seen_at, videos, sites
			FROM channels ORDER BY `+order+` LIMIT $1 OFFSET $2`, limit, offset)
		if err != nil {
			return err
		}
		cs, err = pgx.CollectRows(rows, scanChannel)
		return err
	})
	return cs, total, err
}

// Channel returns one channel, or an error wrapping db.ErrNotFound.
func (s *Store) Channel(ctx context.Context, id string) (*db.Channel, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, coalesce(title, ''), coalesce(handle, ''), first_seen_at, last_seen_at, videos, sites
		FROM channels WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	cs, err := pgx.CollectRows(rows, scanChannel)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("channel %q: %w", id, db.ErrNotFound)
	}
	return &cs[0], nil
}

func scanChannel(row pgx.CollectableRow) (c db.Channel, err error) {
	var first, last *time.Time
	err = row.Scan(&c.ID, &c.Title, &c.Handle, &first, &last, &c.Videos, &c.Sites)
	c.FirstSeenAt, c.LastSeenAt = timeOf(first), timeOf(last)
	return c, err
}

// Sites returns every site, most videos first, each with its top
// channels (at most top).
func (s *Store) Sites(ctx context.Context, top int) ([]db.Site, error) {
	var sites []db.Site
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT host, videos, links, body_links, first_seen_at, last_seen_at
			FROM sites WHERE videos > 0 ORDER BY videos DESC, host`)
		if err != nil {
			return err
		}
		sites, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (s db.Site, err error) {
			err = row.Scan(&s.Host, &s.Videos, &s.Links, &s.BodyLinks, &s.FirstSeenAt, &s.LastSeenAt)
			s.FirstSeenAt, s.LastSeenAt = s.FirstSeenAt.UTC(), s.LastSeenAt.UTC()
			return s, err
		})
		if err != nil || top <= 0 {
			return err
		}
		for i := range sites {
			rows, err := tx.Query(ctx, `
				SELECT v.channel_id, coalesce(max(v.channel_title), ''), count(*)
				FROM site_videos s JOIN videos v ON v.id = s.video_id
				WHERE s.host = $1 AND v.channel_id IS NOT NULL
				GROUP BY v.channel_id ORDER BY 3 DESC, 1 LIMIT $2`, sites[i].Host, top)
			if err != nil {
				return err
			}
			sites[i].TopChannels, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (c db.ChannelCount, err error) {
				return c, row.Scan(&c.ID, &c.Title, &c.Videos)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return sites, err
}

// Vanished returns the videos that were ok and became removed, private or
// unplayable at or after since, most recent first, and how many in all.
func (s *Store) Vanished(ctx context.Context, since time.Time, limit, offset int) ([]db.VanishedVideo, int, error) {
	const vanished = `c.old_status = 'ok' AND c.status IN ('removed', 'private', 'unplayable')`
	var vs []db.VanishedVideo
	var total int
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM video_status_changes c WHERE `+vanished+` AND c.changed_at >= $1`,
			since.UTC()).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT c.video_id, coalesce(v.title, c.old_title, ''), coalesce(v.channel_id, ''), coalesce(v.channel_title, ''),
			       c.status, coalesce(c.status_reason, ''), v.status, c.changed_at,
			       (SELECT count(DISTINCT page_id) FROM links WHERE video_id = c.video_id),
			       (SELECT count(DISTINCT page_id) FROM links WHERE video_id = c.video_id AND last_seen_at >= c.changed_at),
			       ARRAY(SELECT DISTINCT p.url FROM links l JOIN pages p ON p.id = l.page_id
			             WHERE l.video_id = c.video_id AND l.last_seen_at >= c.changed_at ORDER BY p.url LIMIT 3)
			FROM video_status_changes c JOIN videos v ON v.id = c.video_id
			WHERE `+vanished+` AND c.changed_at >= $1
			ORDER BY c.changed_at DESC, c.id DESC LIMIT $2 OFFSET $3`, since.UTC(), limit, offset)
		if err != nil {
			return err
		}
		vs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (v db.VanishedVideo, err error) {
			err = row.Scan(&v.VideoID, &v.Title, &v.ChannelID, &v.ChannelTitle, &v.Status, &v.Reason, &v.Current,
				&v.VanishedAt, &v.Pages, &v.StillSeen, &v.StillSeenOn)
			v.VanishedAt = v.VanishedAt.UTC()
			if len(v.StillSeenOn) == 0 {
				v.StillSeenOn = nil
			}
			return v, err
		})
		return err
	})
	return vs, total, err
}
