package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/harvestdev/ytharvest/db/postgres"
)

// exportSQLite is `export --format sqlite -o FILE`: the whole harvest of
// a PostgreSQL database as a new SQLite file.
func (a *app) exportSQLite(ctx context.Context, dsn, table, since, out string) error {
	switch {
	case !postgres.IsDSN(dsn):
		return usageError("--format sqlite copies a PostgreSQL harvest (--db postgres://…); a SQLite one is copied with ytharvest backup")
	case table != "" || since != "":
		return usageError("--format sqlite writes the whole harvest: drop --table and --since")
	case out == "" || out == "-":
		return usageError("--format sqlite needs -o FILE (a new file)")
	}
	s, err := postgres.OpenReadOnly(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.WriteSQLite(ctx, out); err != nil {
		if ctx.Err() != nil {
			return &codeError{code: exitInterrupted, err: fmt.Errorf("export: interrupted; %s was not written", out)}
		}
		return err
	}
	fmt.Fprintf(a.stderr, "harvest of %s written to %s\n", postgres.Redact(dsn), out)
	return nil
}

const importSummary = `Usage: ytharvest import --from FILE --db postgres://… [flags]

Copies a SQLite harvest (FILE, as crawl writes it) into an empty
PostgreSQL database, in one transaction: every page, video, link,
transcript, run, host and egress (which become this machine's), with their
ids. The pages left queued and the videos without a definitive answer are
queued for the workers. The SQLite file is only read. See docs/scale-out.md.`

func (a *app) importSQLite(ctx context.Context, args []string) error {
	fs := a.newFlagSet("import", importSummary, "  ytharvest import --from news.db --db postgres://ytharvest@db.example/news\n")
	dbPath := a.dbFlag(fs)
	from := fs.String("from", "", "the SQLite harvest `FILE` to copy (required)")
	pos, err := a.parseLogged(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageError("import takes no arguments (got %q); the file goes after --from", pos[0])
	case *from == "":
		return usageError("import needs --from FILE, a SQLite harvest")
	case !postgres.IsDSN(*dbPath):
		return usageError("import needs --db postgres://… (or $YTHARVEST_DB): the database to copy into")
	}
	s, closeStore, err := a.openPostgres(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer closeStore()
	counts, err := s.ImportSQLite(ctx, *from)
	if err != nil {
		return fmt.Errorf("import %s: %w", *from, err)
	}
	var tables []string
	for t := range counts {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		fmt.Fprintf(a.stdout, "%-22s %d\n", t, counts[t])
	}
	a.log.Info("imported", "from", *from, "db", postgres.Redact(*dbPath), "pages", counts["pages"], "videos", counts["videos"])
	return nil
}

// displayDB is --db as messages show it: a PostgreSQL URL without its
// password.
func displayDB(path string) string {
	if postgres.IsDSN(path) {
		return postgres.Redact(path)
	}
	return path
}
