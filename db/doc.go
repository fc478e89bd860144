// Package db is ytharvest's SQLite store: the schema and its embedded
// forward-only migrations, and every SQL statement the tool runs. DB
// implements harvest's stores (RunLog, Frontier, VideoStore);
// db/storetest is the conformance suite every store passes.
//
// The file is opened in WAL mode with foreign keys and a busy timeout set
// on every connection, and marked with PRAGMA application_id so that
// ytharvest refuses to write into a database that is not its own.
//
// The files, one per thing stored:
//
//	db.go           Open, OpenReadOnly, OpenReadOnlyCached, migrations, error mapping
//	file.go         what a path must be before it is opened; who may write it
//	lock.go         the run lock (PATH.lock)
//	runs.go         runs
//	frontier.go     the queue of pages: seeds, due pages, next pages
//	pages.go        a fetched page's outcome, duplicates by canonical URL
//	links.go        references, and the video stubs they need
//	videos.go       videos: claims, attempts, answers, view counts, tracks
//	transcripts.go  transcripts and their segments
//	playlists.go    playlists and their members
//	hosts.go        robots.txt per host
//	rows.go         multi-row statements, prepared statements
//	values.go       how Go values are stored
//	query.go        the sql command's read-only queries
//	searchquery.go  the search query language, both stores': ParseQuery; FTS5's form
//	search.go, stats.go, export.go, backup.go   what the read commands read
package db
