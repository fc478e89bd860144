package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/db"
)

const searchSummary = `Usage: ytharvest search [flags] QUERY

Searches the transcripts and the videos' titles and descriptions, best
matches first, and prints for each hit the video, its channel, how many
pages reference it, a link that starts the video at the moment (for a
transcript hit) and the matching words in [brackets].

QUERY: words (all must match), "an exact phrase", prefix*, OR, NOT or
-word, (parentheses), NEAR(a b, 5): SQLite's full-text syntax, read the
same on both stores (NEAR of two terms on PostgreSQL: docs/scale-out.md).
A query that only excludes (-word alone) is refused; one that starts with
- goes after --. --channel and --since choose the videos first; a query
that then matches more than 2,000 transcript lines, or 2,000 titles and
descriptions, is ranked among the newest 2,000 of them: add words to
narrow it. It opens the database read-only, so it works while a crawl is
writing.`

const searchExamples = `  ytharvest search '"state visit"'
  ytharvest search --channel UCexampleNewsChannel0001 --since 2026-11-01 'budget OR tax*'
  ytharvest search --json 'guard NEAR(honour, 3)' | jq -r '.[].link'
  ytharvest search '(budget OR tax) council -draft'
`

func (a *app) search(ctx context.Context, args []string) error {
	fs := a.newFlagSet("search", searchSummary, searchExamples)
	dbPath := a.dbFlag(fs)
	channel := fs.String("channel", "", "only videos of this channel `ID` (UC…) or @handle")
	sinceFlag := fs.String("since", "", "only videos published (or first seen, when the date is unknown) since `DATE` (2026-11-01 or RFC 3339)")
	limit := fs.Int("limit", 20, "at most `N` hits")
	asJSON := fs.Bool("json", false, "print a JSON array of hits")
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		if strings.Contains(err.Error(), "flag provided but not defined") {
			// budget -council: a word that excludes reads as a flag.
			return usageError("%v; a query with -word goes in quotes ('budget -council') or after -- (see 'ytharvest help search')",
				strings.TrimSuffix(err.Error(), " (see 'ytharvest help search')"))
		}
		return err
	}
	if len(pos) == 0 {
		return usageError("search needs a query (see ytharvest help search)")
	}
	q := db.SearchQuery{Text: strings.Join(pos, " "), Channel: *channel, Limit: *limit}
	if *sinceFlag != "" {
		if q.Since, err = parseDate(*sinceFlag); err != nil {
			return usageError("--since: %v", err)
		}
	}
	if *limit < 1 {
		return usageError("--limit must be at least 1")
	}
	d, err := openServingReader(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	hits, err := d.Search(ctx, q)
	if errors.Is(err, db.ErrBadQuery) {
		return usageError("search %q: %v (put phrases in double quotes; operators are AND, OR, NOT, -word, NEAR)", q.Text, err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		if hits == nil {
			hits = []db.Hit{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(hits)
	}
	if len(hits) == 0 {
		fmt.Fprintln(a.stderr, "no match")
		return nil
	}
	for i, h := range hits {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		where := h.Field
		if h.Field == "transcript" {
			where = fmt.Sprintf("transcript (%s) at %s", h.Language, clock(h.StartSeconds))
		}
		pages := "pages"
		if h.Pages == 1 {
			pages = "page"
		}
		fmt.Fprintf(a.stdout, "%s  %s\n  %s · %d %s · %s\n  %s\n  %s\n",
			h.VideoID, h.Title, h.Channel, h.Pages, pages, where, h.Link, h.Snippet)
	}
	return nil
}

// clock renders seconds as 1:02:03 or 2:03.
func clock(s int64) string {
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// parseDate reads 2026-11-01 or an RFC 3339 time.
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date such as 2026-11-01 or 2026-11-01T12:00:00Z", s)
}
