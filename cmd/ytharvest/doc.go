// Command ytharvest harvests the YouTube videos that web pages embed or
// link, with their metadata, into one SQLite file — or, for a harvest spread
// over several machines, into PostgreSQL (--db postgres://…).
//
//	ytharvest crawl [flags] SEED...   crawl seed pages, record videos and links
//	ytharvest stats [flags]           what the database holds; recent runs
//	ytharvest sql [flags] QUERY       run a read-only SQL query and print the rows
//	ytharvest search [flags] QUERY    full-text search of transcripts and titles
//	ytharvest export [flags]          stream a table as CSV or JSON lines
//	ytharvest video [flags] ID|URL... fetch these videos now
//	ytharvest refresh [flags]         fetch the videos that are due
//	ytharvest extract [flags] URL|FILE|-   the YouTube references of one page
//	ytharvest backup [flags] FILE     copy the database safely while crawls run
//	ytharvest doctor [flags]          check the database, YouTube, proxies, client identities, the Data API
//	ytharvest serve [flags]           browse the harvest in a web browser (read-only, loopback)
//	ytharvest report -o FILE [flags]  write a one-file HTML report of the harvest
//	ytharvest worker [flags]          work a PostgreSQL harvest's queue beside other workers
//	ytharvest import --from FILE      copy a SQLite harvest into PostgreSQL
//	ytharvest version                 print the version
//	ytharvest help [COMMAND]          show help
//
// Run `ytharvest help` for the flags, environment and exit codes; the
// README has a crontab example, docs/schema.md the tables and
// docs/scale-out.md the set-up of many workers on PostgreSQL.
package main
