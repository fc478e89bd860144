package postgres_test

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/harvestdev/ytharvest/db"
)

// schemaDifferences are the intended differences between the two stores'
// tables, views and columns (docs/schema.md, "PostgreSQL"): what only one
// of them has, and why. Anything else one store has and the other lacks
// fails TestSchemaParity.
func schemaDifferences() (onlySQLite, onlyPostgres map[string]string) {
	onlySQLite = map[string]string{
		// Full-text search: FTS5 virtual tables in SQLite (their shadow
		// tables, *_fts_data and the like, are not compared at all);
		// PostgreSQL has GIN indexes of the same names over
		// to_tsvector('simple', …) expressions, which are not tables.
		"videos_fts":              "FTS5 table; PostgreSQL: GIN index videos_fts",
		"transcript_segments_fts": "FTS5 table; PostgreSQL: GIN index transcript_segments_fts",
	}
	onlyPostgres = map[string]string{
		// SQLite keeps the schema version in PRAGMA user_version.
		"ytharvest_schema": "schema versions",
		// The settings of the last crawl, which the workers follow;
		// SQLite has no workers.
		"crawl_settings": "the crawl's settings, for the workers",
		// The channel references, resolved, which the channels and
		// channel_sites views read; SQLite keeps those two in tables by
		// triggers and needs no such view.
		"channel_refs": "view under channels and channel_sites",
		// The machine of a run and of an egress: many machines work one
		// PostgreSQL harvest, and each machine's egresses are its own.
		"runs.machine":     "the worker's host name",
		"egresses.machine": "egresses are per machine",
		// The turn of a host, claimed by the request in flight, across
		// workers; SQLite's crawl keeps turns in memory.
		"hosts.claimed_until": "a host's turn, claimed across workers",
	}
	return onlySQLite, onlyPostgres
}

// The two stores have the same tables and views, with the same columns,
// but for the differences schemaDifferences lists: a table or a column
// added to one store only fails here until the other gets it too (or the
// difference is listed, with its reason, and documented).
func TestSchemaParity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lite, err := db.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	liteSchema := sqliteSchema(t, lite)
	pgSchema := postgresSchema(t, openStore(t).Pool())
	if len(liteSchema) == 0 || len(pgSchema) == 0 {
		t.Fatalf("SQLite has %d tables and views, PostgreSQL %d", len(liteSchema), len(pgSchema))
	}

	onlySQLite, onlyPostgres := schemaDifferences()
	check := func(name, store, other string, allowed map[string]string) {
		t.Helper()
		if _, ok := allowed[name]; !ok {
			t.Errorf("%s has %s, %s has not: add it there (a migration), or list it in schemaDifferences and docs/schema.md", store, name, other)
		}
		delete(allowed, name)
	}
	for _, table := range union(liteSchema, pgSchema) {
		lc, inLite := liteSchema[table]
		pc, inPG := pgSchema[table]
		switch {
		case !inPG:
			check(table, "SQLite", "PostgreSQL", onlySQLite)
			continue
		case !inLite:
			check(table, "PostgreSQL", "SQLite", onlyPostgres)
			continue
		}
		for _, col := range union(lc, pc) {
			switch {
			case !pc[col]:
				check(table+"."+col, "SQLite", "PostgreSQL", onlySQLite)
			case !lc[col]:
				check(table+"."+col, "PostgreSQL", "SQLite", onlyPostgres)
			}
		}
	}
	// A listed difference that is no longer one is a stale excuse.
	for _, left := range []map[string]string{onlySQLite, onlyPostgres} {
		for _, name := range slices.Sorted(maps.Keys(left)) {
			t.Errorf("schemaDifferences lists %s (%s), but both stores have it or neither does: drop it from the list", name, left[name])
		}
	}
}

// union returns the keys of a and b, sorted.
func union[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// sqliteSchema returns the tables and views of a SQLite harvest, each
// with its set of columns. SQLite's own tables (sqlite_*) and the shadow
// tables of the FTS5 tables are left out.
func sqliteSchema(t *testing.T, d *db.DB) map[string]map[string]bool {
	t.Helper()
	rows, err := d.SQL().Query(`
		SELECT l.name, c.name
		FROM pragma_table_list AS l JOIN pragma_table_info(l.name) AS c
		WHERE l.schema = 'main' AND l.type IN ('table', 'view', 'virtual') AND l.name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	schema := make(map[string]map[string]bool)
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		if schema[table] == nil {
			schema[table] = make(map[string]bool)
		}
		schema[table][col] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return schema
}

// postgresSchema returns the tables and views of the store's schema, each
// with its set of columns. River's tables (river_*) are left out.
func postgresSchema(t *testing.T, pool *pgxpool.Pool) map[string]map[string]bool {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name NOT LIKE 'river\_%'`)
	if err != nil {
		t.Fatal(err)
	}
	schema := make(map[string]map[string]bool)
	var table, col string
	if _, err := pgx.ForEachRow(rows, []any{&table, &col}, func() error {
		if schema[table] == nil {
			schema[table] = make(map[string]bool)
		}
		schema[table][col] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return schema
}
