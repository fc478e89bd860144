package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/db/postgres"
	"github.com/harvestdev/ytharvest/harvest"
	"github.com/harvestdev/ytharvest/harvest/youtube"
)

const doctorSummary = `Usage: ytharvest doctor [flags]

Checks, for a cron operator, what a harvest needs: that the database opens
and can be written, that each client identity (--youtube-client) and each
egress (direct, --youtube-proxy) reaches YouTube (one player request each
for a known public video, --video), that a caption track can be fetched,
that the Data API key works and how much of today's quota is left (a
refused key is a WARN: a harvest asks the player instead), and that
oEmbed answers. It prints a table — OK, WARN (a harvest goes on) or
FAILED, with the reason and what to do — and exits with the code a harvest
would exit with: 0 when nothing FAILED, 1 for the database, 3 when YouTube
blocks every egress or an earlier run's block benches them all (until the
time it names), 6 when it refuses every client, 5 otherwise. It
benches nothing and writes no row (an older database's schema is brought
up to date, as a harvest would).`

// doctorExamples are shown by ytharvest help doctor.
const doctorExamples = `  ytharvest doctor --config /srv/news/ytharvest.toml
  ytharvest doctor --video dQw4w9WgXcQ --json | jq '.checks[] | select(.status != "OK")'
`

func (a *app) doctor(ctx context.Context, args []string) error {
	fs := a.newFlagSet("doctor", doctorSummary, doctorExamples)
	dbPath := a.dbFlag(fs)
	var yt youtubeFlags
	yt.register(fs, a.getenv)
	video := fs.String("video", youtube.DefaultDoctorVideo, "a public video `ID` (or URL) to ask for")
	asJSON := fs.Bool("json", false, "print JSON, for monitoring")
	pos, err := a.parseLogged(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("doctor takes no arguments (got %q; the video goes in --video)", pos[0])
	}
	if err := yt.validate(); err != nil {
		return err
	}
	id, err := videoID(*video)
	if err != nil {
		return usageError("--video: %v", err)
	}

	checks := []youtube.Check{a.doctorDatabase(ctx, *dbPath)}
	var store youtube.Store
	if postgres.IsDSN(*dbPath) {
		if s, err := postgres.OpenReadOnly(ctx, *dbPath); err == nil {
			defer s.Close()
			store = readOnlyStore{s}
		}
	} else if d, err := db.OpenReadOnly(ctx, *dbPath); err == nil {
		defer d.Close()
		if s, err := d.Stats(ctx); err == nil && s.SchemaVersion >= 9 {
			store = readOnlyStore{d}
		}
	}
	src, err := yt.source(a, store)
	if err != nil {
		return err
	}
	checks = append(checks, src.Doctor(ctx, id)...)
	if ctx.Err() != nil {
		return &codeError{code: exitInterrupted, err: errors.New("interrupted")}
	}
	code := doctorCode(checks)
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"ok": code == exitOK, "exit_code": code, "video": id, "checks": checks}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CHECK\tTARGET\tSTATUS\tREASON")
		for _, c := range checks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Check, c.Target, c.Status, c.Reason)
			if c.Fix != "" && c.Status != "OK" {
				fmt.Fprintf(tw, "\t\t\t-> %s\n", c.Fix)
			}
		}
		tw.Flush()
	}
	if code != exitOK {
		return &codeError{code: code, err: fmt.Errorf("doctor: a harvest would fail (exit %d); see the FAILED lines", code)}
	}
	return nil
}

// doctorCode is the exit code a harvest would end with, given the checks.
func doctorCode(checks []youtube.Check) int {
	code := exitOK
	failed := map[string]bool{}
	for _, c := range checks {
		if c.Status != "FAILED" {
			continue
		}
		if c.Check == "database" {
			return exitError
		}
		failed[c.Kind] = true
		code = exitFailed
	}
	switch {
	case failed["refused"]:
		return exitRefused
	case failed["blocked"]:
		return exitPartial
	}
	return code
}

// doctorDatabase checks that the database opens and can be written, or
// that it can be made: without changing it, and without waiting for a
// run that holds it.
func (a *app) doctorDatabase(ctx context.Context, path string) youtube.Check {
	c := youtube.Check{Check: "database", Target: displayDB(path), Status: "OK"}
	fail := func(reason, fix string) youtube.Check {
		c.Status, c.Reason, c.Fix = "FAILED", reason, fix
		return c
	}
	if postgres.IsDSN(path) {
		s, err := postgres.Open(ctx, path)
		if err != nil {
			return fail(err.Error(), "check the URL, the server, and the role's rights (docs/scale-out.md)")
		}
		defer s.Close()
		if err := s.CheckWritable(ctx); err != nil {
			return fail(err.Error(), "the role needs INSERT and UPDATE on ytharvest's tables")
		}
		c.Reason = "connects, and can be written"
		return c
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		dir := filepath.Dir(path)
		f, err := os.CreateTemp(dir, ".ytharvest-doctor-*")
		if err != nil {
			return fail(fmt.Sprintf("does not exist, and %s cannot be written: %v", dir, err), "create the directory, or point --db elsewhere")
		}
		name := f.Name()
		f.Close()
		os.Remove(name)
		c.Reason = "does not exist yet; the first harvest makes it"
		return c
	}
	lock, err := db.Acquire(ctx, path, false)
	if errors.Is(err, db.ErrLocked) {
		c.Status, c.Reason = "WARN", err.Error()+": a run is going on; checked no further"
		return c
	}
	if err != nil {
		return fail(err.Error(), "see docs/reliability.md")
	}
	defer lock.Release()
	d, err := db.Open(ctx, path)
	if err != nil {
		return fail(err.Error(), "see docs/reliability.md (Process and disk)")
	}
	defer d.Close()
	if err := d.CheckWritable(ctx); err != nil {
		return fail(err.Error(), "make the file and its directory writable by the cron user, and free some disk")
	}
	c.Reason = "opens, and can be written"
	return c
}

// readOnlyStore lets doctor read the egresses' benches and the quota
// without writing: a check benches nothing, and the Data API units it
// spends are counted only by YouTube (a handful a day).
type readOnlyStore struct{ d youtube.Store }

func (r readOnlyStore) LoadEgresses(ctx context.Context, labels []string) (map[string]harvest.EgressState, error) {
	return r.d.LoadEgresses(ctx, labels)
}
func (readOnlyStore) SaveEgress(context.Context, harvest.EgressState) error { return nil }
func (r readOnlyStore) SpendQuota(ctx context.Context, day string, _ int) (int, error) {
	return r.d.SpendQuota(ctx, day, 0)
}
func (r readOnlyStore) HasMetadata(ctx context.Context, id string) (bool, error) {
	return r.d.HasMetadata(ctx, id)
}
