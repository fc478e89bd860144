package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/harvestdev/ytharvest/web"
)

const reportSummary = `Usage: ytharvest report -o FILE [flags]

Writes a report of the harvest as one HTML file, its stylesheet and
charts inline, that loads nothing and runs no script: something to
attach to an email. It holds the overview (counts, new videos per day per
site, statuses, last runs), the videos that vanished and those first seen
since --since (7 days ago by default), the top channels and every site.`

const reportExamples = `  ytharvest report --db news.db -o report.html
  ytharvest report -o week.html --since 2026-11-23
  ytharvest report -o - | gzip > report.html.gz
`

func (a *app) report(ctx context.Context, args []string) error {
	fs := a.newFlagSet("report", reportSummary, reportExamples)
	dbPath := a.dbFlag(fs)
	out := fs.String("o", "", "write the report to `FILE` (- for standard output)")
	sinceFlag := fs.String("since", "", "new and vanished videos since `DATE` (2026-11-01 or RFC 3339; default 7 days ago)")
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("report takes no arguments (got %q); the file goes after -o", pos[0])
	}
	if *out == "" {
		return usageError("report needs -o FILE (- for standard output)")
	}
	now := time.Now()
	since := now.AddDate(0, 0, -7)
	if *sinceFlag != "" {
		if since, err = parseDate(*sinceFlag); err != nil {
			return usageError("--since: %v", err)
		}
	}
	d, err := openServingReader(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	var b bytes.Buffer
	if err := web.WriteReport(ctx, &b, d, web.ReportOptions{Since: since, Now: now, Source: filepath.Base(*dbPath)}); err != nil {
		return err
	}
	if *out == "-" {
		_, err := a.stdout.Write(b.Bytes())
		return err
	}
	// Written beside the target and renamed, so that a reader never sees
	// half a report.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".report-*.html")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("report: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(a.stderr, "report of %s written to %s (%d KB)\n", displayDB(*dbPath), *out, (b.Len()+1023)/1024)
	return nil
}
