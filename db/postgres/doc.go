// Package postgres is ytharvest's PostgreSQL store, for a harvest spread
// over several processes and machines: the tables and columns of the
// SQLite store (package db) in PostgreSQL through pgx v5, and the work —
// host slices of pages, videos, transcripts — as River jobs, inserted in
// the transaction that adds the rows they come from. Store implements
// harvest's stores (RunLog, Frontier, VideoStore), youtube.Store and
// db.Reader, and passes db/storetest; Worker runs the jobs.
//
// The files:
//
//	open.go         Open, OpenReadOnly, migrations (ours embedded, River's via rivermigrate)
//	jobs.go         the job kinds and their uniqueness, inserting jobs
//	runs.go         runs
//	frontier.go     seeds, due pages, the frontier, out-links (and their hosts' jobs)
//	pages.go        a fetched page's outcome, duplicates by canonical URL
//	links.go        references, and the video stubs (and jobs) they need
//	videos.go       videos: claims, attempts, answers, view counts, tracks
//	transcripts.go  transcripts and their segments
//	playlists.go    playlists and their members
//	hosts.go        robots.txt per host
//	youtube.go      egresses per machine, the Data API quota
//	settings.go     the crawl's settings, for the workers
//	worker.go       Worker: River's client, the queues, until idle
//	hostjob.go      a host slice: politeness across workers, completing a host
//	videojob.go     a video, a transcript; blocks go back to the queue
//	stats.go, browse.go, channels.go, search.go, export.go   the read API (db.Reader)
//	tsquery.go      a parsed search query (db.ParseQuery) as a tsquery
//	query.go        the sql command's read-only queries
//	copy.go         the harvest to a SQLite file, a SQLite harvest into PostgreSQL
//	values.go       how Go values are stored
package postgres
