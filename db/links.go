package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/harvestdev/ytharvest/harvest"
)

// The link writer's statements, prepared once per database (hotQueries).
const (
	sqlLinksSeen = `
		UPDATE links SET last_seen_at = ? WHERE page_id = ?`
	sqlUpdateLink = `
		UPDATE links SET last_seen_at = ?, url = ?, start_seconds = ?, playlist_id = ?, context = ?, in_body = ?
		WHERE page_id = ? AND ref_type = ? AND ref_id = ? AND kind = ?`
)

// refBatch is a batch of pages whose references are being stored: owners
// are the pages the references are filed under (a duplicate's go to its
// first page), stats count what each page added, now is the batch's time.
type refBatch struct {
	pages  []harvest.PageSave
	owners []int64
	stats  []harvest.SaveStats
	now    any
}

// linkKey is what makes a link one row.
type linkKey struct {
	page     int64
	typ, ref string
	kind     string
}

// saveRefs stores the batch's references (and, for videos, the stub rows
// their foreign key needs) and counts what is new per page. A reference
// seen before on its page gets its last_seen_at moved.
func (db *DB) saveRefs(ctx context.Context, tx *sql.Tx, b refBatch) error {
	if err := db.stubVideos(ctx, tx, b); err != nil {
		return fmt.Errorf("save videos: %w", err)
	}
	var args []any
	var keys []linkKey
	index := make(map[linkKey]int) // -> batch index
	for i, s := range b.pages {
		for _, r := range s.Refs {
			row, err := linkRow(b.owners[i], r, b.now)
			if err != nil {
				return err
			}
			k := linkKey{b.owners[i], string(r.Type), r.ID, r.Kind}
			if _, dup := index[k]; !dup {
				index[k] = i
			}
			keys = append(keys, k)
			args = append(args, row...)
		}
	}
	inserted := make(map[linkKey]bool)
	err := db.insertRows(ctx, tx, insertLinks, args, func(rows *sql.Rows) error {
		var k linkKey
		if err := rows.Scan(&k.page, &k.typ, &k.ref, &k.kind); err != nil {
			return err
		}
		inserted[k] = true
		b.stats[index[k]].NewLinks++
		return nil
	})
	if err != nil {
		return fmt.Errorf("save references: %w", err)
	}
	// Seen before: still there, and maybe changed.
	for n, k := range keys {
		if inserted[k] {
			continue
		}
		a := args[n*insertLinks.cols : (n+1)*insertLinks.cols]
		_, err := db.exec(ctx, tx, sqlUpdateLink, b.now, a[7], a[8], a[4], a[9], a[10], k.page, k.typ, k.ref, k.kind)
		if err != nil {
			return fmt.Errorf("save reference %s %s: %w", k.typ, k.ref, mapError(err))
		}
	}
	return nil
}

// linkRow is the row of insertLinks for reference r of page.
func linkRow(page int64, r harvest.Reference, now any) ([]any, error) {
	var videoID, playlistID, channelRef any
	switch r.Type {
	case harvest.RefVideo:
		videoID, playlistID = r.ID, nullString(r.PlaylistID)
	case harvest.RefPlaylist:
		playlistID = r.ID
	case harvest.RefChannel:
		channelRef = r.ID
	default:
		return nil, fmt.Errorf("save reference %s %s: unknown reference type", r.Type, r.ID)
	}
	return []any{page, string(r.Type), r.ID, videoID, playlistID, channelRef, r.Kind,
		nullString(r.URL), nullInt(r.StartSeconds), nullString(r.Context), boolInt(r.InBody), now, now}, nil
}

// stubVideos inserts the stub rows of the videos the batch references,
// each new one counted on the first page that names it.
func (db *DB) stubVideos(ctx context.Context, tx *sql.Tx, b refBatch) error {
	var stubs []any
	firstPage := make(map[string]int)
	for i, s := range b.pages {
		for _, r := range s.Refs {
			if r.Type != harvest.RefVideo {
				continue
			}
			if _, ok := firstPage[r.ID]; ok || db.videoKnown(r.ID) {
				continue
			}
			firstPage[r.ID] = i
			stubs = append(stubs, r.ID, b.now)
		}
	}
	return db.insertRows(ctx, tx, insertVideoStubs, stubs, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		b.stats[firstPage[id]].NewVideos++
		return nil
	})
}
