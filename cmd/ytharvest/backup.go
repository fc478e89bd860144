package main

import (
	"context"
	"fmt"

	"github.com/harvestdev/ytharvest/db"
)

const backupSummary = `Usage: ytharvest backup [flags] FILE

Writes a consistent, compacted copy of the database to FILE (which must
not exist), while crawls go on reading and writing it. Use it rather than
cp, which can copy the file between a write and a checkpoint.`

func (a *app) backup(ctx context.Context, args []string) error {
	fs := a.newFlagSet("backup", backupSummary, "  ytharvest backup --db news.db backup/news-$(date +%F).db\n")
	dbPath := a.dbFlag(fs)
	pos, err := a.parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("backup takes one FILE to write")
	}
	if err := db.Backup(ctx, *dbPath, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s copied to %s\n", *dbPath, pos[0])
	return nil
}
