package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Channel is one row of the channels table.
type Channel struct {
	ID          string // UC…, or the @handle / c/NAME / user/NAME of a channel known only from references
	Title       string
	Handle      string
	FirstSeenAt time.Time
	LastSeenAt  time.Time
	Videos      int // videos whose channel it is
	Sites       int // hosts that reference it or its videos
}

// ChannelSorts are the orders Channels knows, by name; each has an index.
var ChannelSorts = []string{"videos", "sites", "last_seen"}

var channelOrders = map[string]string{
	"videos":    "videos DESC, id DESC",
	"sites":     "sites DESC, id DESC",
	"last_seen": "last_seen_at DESC, id DESC",
}

// Channels returns a page of channels in the order sort names (one of
// ChannelSorts; "" is videos), and how many channels there are.
func (db *DB) Channels(ctx context.Context, sort string, limit, offset int) ([]Channel, int, error) {
	if sort == "" {
		sort = "videos"
	}
	order, ok := channelOrders[sort]
	if !ok {
		return nil, 0, fmt.Errorf("%w: sort %q (want one of %s)", ErrBadFilter, sort, strings.Join(ChannelSorts, ", "))
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, mapError(err)
	}
	defer tx.Rollback()
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM channels`).Scan(&total); err != nil {
		return nil, 0, mapError(err)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT id, coalesce(title, ''), coalesce(handle, ''), first_seen_at, last_seen_at, videos, sites
		FROM channels ORDER BY `+order+` LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, mapError(err)
	}
	cs, err := scanAll(rows, scanChannel)
	return cs, total, err
}

// Channel returns one channel, or an error wrapping ErrNotFound.
func (db *DB) Channel(ctx context.Context, id string) (*Channel, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id, coalesce(title, ''), coalesce(handle, ''), first_seen_at, last_seen_at, videos, sites
		FROM channels WHERE id = ?`, id)
	if err != nil {
		return nil, mapError(err)
	}
	cs, err := scanAll(rows, scanChannel)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("channel %q: %w", id, ErrNotFound)
	}
	return &cs[0], nil
}

func scanChannel(rows *sql.Rows) (c Channel, err error) {
	var first, last sql.NullString
	err = rows.Scan(&c.ID, &c.Title, &c.Handle, &first, &last, &c.Videos, &c.Sites)
	c.FirstSeenAt, c.LastSeenAt = parseTime(first), parseTime(last)
	return c, err
}

// Site is one host whose pages reference videos.
type Site struct {
	Host        string
	Videos      int // videos its pages reference
	Links       int // references to videos
	BodyLinks   int // of which in article bodies (the rest in site chrome)
	FirstSeenAt time.Time
	LastSeenAt  time.Time // its latest reference to a video it had not referenced before
	TopChannels []ChannelCount
}

// ChannelCount is a channel and how many of its videos a site references.
type ChannelCount struct {
	ID     string
	Title  string
	Videos int
}

// Sites returns every site, most videos first, each with its top
// channels (at most top).
func (db *DB) Sites(ctx context.Context, top int) ([]Site, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
		SELECT host, videos, links, body_links, first_seen_at, last_seen_at
		FROM sites WHERE videos > 0 ORDER BY videos DESC, host`)
	if err != nil {
		return nil, mapError(err)
	}
	sites, err := scanAll(rows, func(rows *sql.Rows) (s Site, err error) {
		var first, last sql.NullString
		err = rows.Scan(&s.Host, &s.Videos, &s.Links, &s.BodyLinks, &first, &last)
		s.FirstSeenAt, s.LastSeenAt = parseTime(first), parseTime(last)
		return s, err
	})
	if err != nil || top <= 0 {
		return sites, err
	}
	for i := range sites {
		rows, err := tx.QueryContext(ctx, `
			SELECT s.channel_id, coalesce(c.title, ''), s.videos
			FROM channel_sites s JOIN channels c ON c.id = s.channel_id
			WHERE s.host = ? AND s.videos > 0
			ORDER BY s.videos DESC, s.channel_id LIMIT ?`, sites[i].Host, top)
		if err != nil {
			return nil, mapError(err)
		}
		sites[i].TopChannels, err = scanAll(rows, func(rows *sql.Rows) (c ChannelCount, err error) {
			return c, rows.Scan(&c.ID, &c.Title, &c.Videos)
		})
		if err != nil {
			return nil, err
		}
	}
	return sites, nil
}

// VanishedVideo is a video that was ok and became removed, private or
// unplayable.
type VanishedVideo struct {
	VideoID      string
	Title        string // its title, or the one it had before it vanished (a removed video's answer has none)
	ChannelID    string
	ChannelTitle string
	Status       string // what it became
	Reason       string
	Current      string // its status now (it may have come back)
	VanishedAt   time.Time
	Pages        int      // pages that reference it
	StillSeen    int      // of which a crawl saw the reference after it vanished
	StillSeenOn  []string // up to three of their URLs
}

// Vanished returns the videos that were ok and became removed, private
// or unplayable at or after since, most recent first, and how many there
// are in all. A video that vanished twice is listed twice.
func (db *DB) Vanished(ctx context.Context, since time.Time, limit, offset int) ([]VanishedVideo, int, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, mapError(err)
	}
	defer tx.Rollback()
	sinceArg := formatTime(since)
	if sinceArg == nil {
		sinceArg = ""
	}
	// The condition of the partial index video_status_changes_vanished.
	const vanished = `c.old_status = 'ok' AND (c.status = 'removed' OR c.status = 'private' OR c.status = 'unplayable')`
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM video_status_changes c WHERE `+vanished+` AND c.changed_at >= ?`,
		sinceArg).Scan(&total); err != nil {
		return nil, 0, mapError(err)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT c.video_id, coalesce(v.title, c.old_title, ''), coalesce(v.channel_id, ''), coalesce(v.channel_title, ''),
		       c.status, coalesce(c.status_reason, ''), v.status, c.changed_at,
		       (SELECT count(DISTINCT page_id) FROM links WHERE video_id = c.video_id),
		       (SELECT count(DISTINCT page_id) FROM links WHERE video_id = c.video_id AND last_seen_at >= c.changed_at)
		FROM video_status_changes c JOIN videos v ON v.id = c.video_id
		WHERE `+vanished+` AND c.changed_at >= ?
		ORDER BY c.changed_at DESC, c.id DESC LIMIT ? OFFSET ?`, sinceArg, limit, offset)
	if err != nil {
		return nil, 0, mapError(err)
	}
	vs, err := scanAll(rows, func(rows *sql.Rows) (v VanishedVideo, err error) {
		var at sql.NullString
		err = rows.Scan(&v.VideoID, &v.Title, &v.ChannelID, &v.ChannelTitle, &v.Status, &v.Reason, &v.Current,
			&at, &v.Pages, &v.StillSeen)
		v.VanishedAt = parseTime(at)
		return v, err
	})
	if err != nil {
		return nil, 0, err
	}
	for i := range vs {
		rows, err := tx.QueryContext(ctx, `
			SELECT DISTINCT p.url FROM links l JOIN pages p ON p.id = l.page_id
			WHERE l.video_id = ? AND l.last_seen_at >= ? ORDER BY p.url LIMIT 3`,
			vs[i].VideoID, formatTime(vs[i].VanishedAt))
		if err != nil {
			return nil, 0, mapError(err)
		}
		if vs[i].StillSeenOn, err = scanAll(rows, func(rows *sql.Rows) (u string, err error) { return u, rows.Scan(&u) }); err != nil {
			return nil, 0, err
		}
	}
	return vs, total, nil
}
