package db

import (
	"context"

	"github.com/harvestdev/ytharvest/harvest"
)

// StartRun records the start of r and sets r.ID.
func (db *DB) StartRun(ctx context.Context, r *harvest.Run) error {
	res, err := db.sql.ExecContext(ctx, `
		INSERT INTO runs (command, started_at, status, options, version) VALUES (coalesce(?, 'crawl'), ?, ?, ?, ?)`,
		nullString(r.Command), formatTime(r.StartedAt), string(r.Status), nullString(r.Options), nullString(r.Version))
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
		       refs_found = ?, new_links = ?, new_videos = ?, videos_fetched = ?, videos_failed = ?, error = ?,
		       pages_not_modified = ?, pages_skipped = ?, transcripts = ?, seeds_failed = ?, links_out_of_scope = ?
		WHERE id = ?`,
		formatTime(r.FinishedAt), string(r.Status), r.Seeds, r.PagesFetched, r.PagesFailed,
		r.RefsFound, r.NewLinks, r.NewVideos, r.VideosFetched, r.VideosFailed, nullString(r.Error),
		r.PagesNotModified, r.PagesSkipped, r.Transcripts, r.SeedsFailed, r.LinksOutOfScope, r.ID)
	return mapError(err)
}
