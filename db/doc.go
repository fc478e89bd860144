// Package db is ytharvest's SQLite store: the schema and its embedded
// forward-only migrations, and every SQL statement the tool runs. DB
// implements harvest.Store.
//
// The file is opened in WAL mode with foreign keys and a busy timeout set
// on every connection, and marked with PRAGMA application_id so that
// ytharvest refuses to write into a database that is not its own.
package db
