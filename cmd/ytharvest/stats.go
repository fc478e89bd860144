package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/db/postgres"
)

const statsSummary = `Usage: ytharvest stats [flags]

Says what the database holds: pages by state, videos by status, links by
kind, the hosts and channels with the most videos, and the last runs. It
opens the database read-only, so it works while a crawl is writing.`

func (a *app) stats(ctx context.Context, args []string) error {
	fs := a.newFlagSet("stats", statsSummary, "  ytharvest stats --db news.db\n  ytharvest stats --json | jq .videos\n")
	dbPath := a.dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("stats takes no arguments (got %q)", pos[0])
	}
	d, err := openReader(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	s, err := d.Stats(ctx)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	var egresses []db.EgressStat
	if s.SchemaVersion >= 9 || postgres.IsDSN(*dbPath) { // SQLite files before v9 have no egresses
		if egresses, err = d.Egresses(ctx); err != nil {
			return fmt.Errorf("stats: %w", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			*db.Stats
			Egresses []db.EgressStat `json:"egresses"`
		}{s, egresses})
	}
	printStats(a.stdout, postgres.Redact(*dbPath), s)
	printEgresses(a.stdout, egresses, time.Now())
	return nil
}

// printEgresses shows each way out to YouTube: requests, blocks, and
// until when it is benched.
func printEgresses(w io.Writer, es []db.EgressStat, now time.Time) {
	if len(es) == 0 {
		return
	}
	fmt.Fprintln(w, "  youtube egresses")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range es {
		state := "up"
		if e.BenchedUntil.After(now) {
			state = "benched until " + e.BenchedUntil.UTC().Format("2006-01-02 15:04Z")
			if e.LastBlock != "" {
				state += " (" + e.LastBlock + ")"
			}
		}
		fmt.Fprintf(tw, "    %s	requests %d	blocks %d	%s\n", e.Label, e.Requests, e.Blocks, state)
	}
	tw.Flush()
}

func printStats(w io.Writer, path string, s *db.Stats) {
	fmt.Fprintf(w, "%s (schema v%d)\n", path, s.SchemaVersion)
	fmt.Fprintf(w, "  pages      %s\n", counts(s.Pages))
	fmt.Fprintf(w, "  videos     %s\n", counts(s.Videos))
	fmt.Fprintf(w, "  links      %s\n", counts(s.Links))
	fmt.Fprintf(w, "  playlists  %d   channels %d   transcripts %d\n", s.Playlists, s.Channels, s.Transcripts)
	if len(s.TopHosts) > 0 {
		fmt.Fprintf(w, "  top hosts     %s\n", top(s.TopHosts, "video", "videos"))
	}
	if len(s.TopChannels) > 0 {
		fmt.Fprintf(w, "  top channels  %s\n", top(s.TopChannels, "video", "videos"))
	}
	if len(s.Runs) == 0 {
		fmt.Fprintln(w, "  no runs yet")
		return
	}
	fmt.Fprintln(w, "  last runs")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range s.Runs {
		took := "still running"
		if !r.FinishedAt.IsZero() {
			took = r.FinishedAt.Sub(r.StartedAt).Round(10 * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "    #%d\t%s\t%s\t%s\t%s\tpages %d (%d failed)\tvideos %d new, %d fetched, %d failed\n",
			r.ID, r.Command, r.StartedAt.Format("2006-01-02 15:04:05Z"), r.Status, took,
			r.PagesFetched+r.PagesFailed, r.PagesFailed, r.NewVideos, r.VideosFetched, r.VideosFailed)
		if r.Error != "" {
			fmt.Fprintf(tw, "    \t%s\n", r.Error)
		}
	}
	tw.Flush()
}

// counts renders "14 (fetched 12, failed 2)".
func counts(cs []db.Count) string {
	total := 0
	var parts []string
	for _, c := range cs {
		total += c.Count
		parts = append(parts, fmt.Sprintf("%s %d", c.Name, c.Count))
	}
	if total == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

func top(cs []db.Count, one, many string) string {
	var parts []string
	for _, c := range cs {
		unit := many
		if c.Count == 1 {
			unit = one
		}
		parts = append(parts, fmt.Sprintf("%s (%d %s)", c.Name, c.Count, unit))
	}
	return strings.Join(parts, ", ")
}
