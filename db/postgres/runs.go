package postgres

import (
	"context"
	"strings"

	"github.com/harvestdev/ytharvest/harvest"
)

// StartRun records the start of r and sets r.ID.
func (s *Store) StartRun(ctx context.Context, r *harvest.Run) error {
	cmd := r.Command
	if cmd == "" {
		cmd = "crawl"
	}
	return s.pool.QueryRow(ctx, `
		INSERT INTO runs (command, started_at, status, options, version, machine) VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id`,
		cmd, r.StartedAt.UTC(), string(r.Status), nullString(r.Options), nullString(r.Version), nullString(s.Machine)).Scan(&r.ID)
}

// FinishRun records how r ended.
func (s *Store) FinishRun(ctx context.Context, r *harvest.Run) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE runs SET finished_at = $1, status = $2, seeds = $3, pages_fetched = $4, pages_failed = $5,
		       refs_found = $6, new_links = $7, new_videos = $8, videos_fetched = $9, videos_failed = $10, error = $11,
		       pages_not_modified = $12, pages_skipped = $13, transcripts = $14, seeds_failed = $15, links_out_of_scope = $16
		WHERE id = $17`,
		nullTime(r.FinishedAt), string(r.Status), r.Seeds, r.PagesFetched, r.PagesFailed,
		r.RefsFound, r.NewLinks, r.NewVideos, r.VideosFetched, r.VideosFailed, nullString(r.Error),
		r.PagesNotModified, r.PagesSkipped, r.Transcripts, r.SeedsFailed, r.LinksOutOfScope, r.ID)
	return err
}

// SetClientsRefused records on run runID the client identities YouTube
// refused during it.
func (s *Store) SetClientsRefused(ctx context.Context, runID int64, refused []string) error {
	if len(refused) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE runs SET clients_refused = $1 WHERE id = $2`, strings.Join(refused, "; "), runID)
	return err
}
