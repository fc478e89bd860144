package db_test

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/harvest"

	_ "modernc.org/sqlite"
)

var update = flag.Bool("update", false, "rewrite testdata/schema.golden")

// MustOpenDB opens a fresh database in a temporary directory.
func MustOpenDB(tb testing.TB) (*db.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "test.db")
	d, err := db.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d, path
}

func schema(t *testing.T, d *db.DB) string {
	t.Helper()
	rows, err := d.SQL().Query(`SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, sql string
		if err := rows.Scan(&typ, &name, &sql); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "-- %s %s\n%s;\n\n", typ, name, sql)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var version, appID int
	d.SQL().QueryRow("PRAGMA user_version").Scan(&version)
	d.SQL().QueryRow("PRAGMA application_id").Scan(&appID)
	fmt.Fprintf(&b, "-- user_version %d, application_id %#x\n", version, appID)
	return b.String()
}

func TestSchemaGolden(t *testing.T) {
	d, _ := MustOpenDB(t)
	got := schema(t, d)
	golden := filepath.Join("..", "testdata", "schema.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./db -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("schema differs from %s (run go test ./db -update if the change is intended):\n%s", golden, lineDiff(string(want), got))
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

func TestReopenIsNoop(t *testing.T) {
	d, path := MustOpenDB(t)
	before := schema(t, d)
	d.Close()
	d2, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if after := schema(t, d2); after != before {
		t.Errorf("reopening changed the schema:\n%s", lineDiff(before, after))
	}
}

func TestPragmasOnEveryConnection(t *testing.T) {
	_, path := MustOpenDB(t)
	ctx := context.Background()
	for _, open := range []struct {
		name  string
		open  func(context.Context, string) (*db.DB, error)
		cache int // KiB
	}{
		{"OpenReadOnly", db.OpenReadOnly, 2000}, // SQLite's default
		{"OpenReadOnlyCached", db.OpenReadOnlyCached, db.ServingCache},
	} {
		ro, err := open.open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		// Hold several connections at once so the pool has to open new ones.
		var conns []*sql.Conn
		for range 4 {
			c, err := ro.SQL().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			var timeout, queryOnly, cache int
			if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, "PRAGMA query_only").Scan(&queryOnly); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
				t.Fatal(err)
			}
			if timeout == 0 || queryOnly != 1 || cache != -open.cache {
				t.Errorf("%s connection %d: busy_timeout=%d query_only=%d cache_size=%d", open.name, i, timeout, queryOnly, cache)
			}
			c.Close()
		}
	}

	rw, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	var fk, timeout int
	var mode string
	rw.SQL().QueryRow("PRAGMA foreign_keys").Scan(&fk)
	rw.SQL().QueryRow("PRAGMA busy_timeout").Scan(&timeout)
	rw.SQL().QueryRow("PRAGMA journal_mode").Scan(&mode)
	if fk != 1 || timeout == 0 || mode != "wal" {
		t.Errorf("writer: foreign_keys=%d busy_timeout=%d journal_mode=%s", fk, timeout, mode)
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	_, path := MustOpenDB(t)
	ro, err := db.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.SQL().Exec(`DELETE FROM pages`); err == nil {
		t.Error("DELETE on a read-only database succeeded")
	}
}

func TestRefusesForeignAndNewerFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mk := func(name string, stmts ...string) string {
		p := filepath.Join(dir, name)
		s, err := sql.Open("sqlite", "file:"+p)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, q := range stmts {
			if _, err := s.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	notSQLite := filepath.Join(dir, "notes.txt")
	os.WriteFile(notSQLite, []byte(strings.Repeat("not a database\n", 100)), 0o644)

	tests := []struct {
		name string
		path string
		want error
	}{
		{"other application", mk("other.db", "CREATE TABLE t(x)", "PRAGMA application_id = 42"), db.ErrForeign},
		{"plain sqlite with tables", mk("plain.db", "CREATE TABLE customers(name)"), db.ErrForeign},
		{"not sqlite", notSQLite, db.ErrForeign},
		{"newer schema", mk("newer.db", "CREATE TABLE t(x)", fmt.Sprintf("PRAGMA application_id = %d", db.ApplicationID), "PRAGMA user_version = 9999"), db.ErrTooNew},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(tc.path)
			d, err := db.Open(ctx, tc.path)
			if err == nil {
				d.Close()
				t.Fatalf("Open(%s) succeeded, want %v", tc.name, tc.want)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("Open(%s) = %v, want %v", tc.name, err, tc.want)
			}
			if after, _ := os.ReadFile(tc.path); string(after) != string(before) {
				t.Errorf("Open(%s) modified the file", tc.name)
			}
		})
	}
	if _, err := db.OpenReadOnly(ctx, filepath.Join(dir, "missing.db")); !errors.Is(err, db.ErrNotExist) {
		t.Errorf("OpenReadOnly(missing) = %v, want ErrNotExist", err)
	}
}

func TestRunsAndStats(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	r := &harvest.Run{StartedAt: time.Now(), Status: harvest.RunRunning, Options: `{"depth":1}`, Version: "test"}
	if err := d.StartRun(ctx, r); err != nil || r.ID == 0 {
		t.Fatalf("StartRun = %v, id %d", err, r.ID)
	}
	r.Status, r.FinishedAt, r.PagesFetched, r.Error = harvest.RunBlocked, time.Now(), 3, "video x: HTTP 429"
	if err := d.FinishRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	s, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 1 || s.Runs[0].Status != "blocked" || s.Runs[0].PagesFetched != 3 || s.Runs[0].Error == "" {
		t.Errorf("Stats runs = %+v", s.Runs)
	}
	if s.SchemaVersion != db.SchemaVersion() {
		t.Errorf("SchemaVersion = %d, want %d", s.SchemaVersion, db.SchemaVersion())
	}
}

// Readers are not held up by a writer in the middle of a transaction
// (WAL), and a long reader does not stop the writer.
func TestReadWhileWriting(t *testing.T) {
	ctx := context.Background()
	d, path := MustOpenDB(t)
	d.AddSeeds(ctx, []string{"https://news.example/"})
	tx, err := d.SQL().BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE pages SET title = 'being written'`); err != nil {
		t.Fatal(err)
	}
	ro, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	done := make(chan error, 1)
	go func() {
		_, err := ro.Stats(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Stats while a write transaction is open: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stats waited for the writer")
	}
	// A reader holding a read transaction does not block the commit.
	rtx, err := ro.SQL().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	rtx.QueryRow(`SELECT count(*) FROM pages`).Scan(&n)
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit with a reader open: %v", err)
	}
	var title sql.NullString
	rtx.QueryRow(`SELECT title FROM pages`).Scan(&title)
	if title.Valid {
		t.Errorf("the reader's snapshot saw %q, a write made after it began", title.String)
	}
	rtx.Rollback()
}

// A killed run of an earlier ytharvest left the pages it held "fetching";
// the next run's AddSeeds queues them again.
func TestAddSeedsRequeuesFetching(t *testing.T) {
	ctx := context.Background()
	d, _ := MustOpenDB(t)
	if _, err := d.SQL().Exec(`INSERT INTO pages (url, host, depth, state, first_seen_at) VALUES ('https://news.example/a', 'news.example', 1, 'fetching', '2026-11-01T00:00:00.000Z')`); err != nil {
		t.Fatal(err)
	}
	if err := d.AddSeeds(ctx, []string{"https://news.example/"}); err != nil {
		t.Fatal(err)
	}
	if n, err := d.CountQueued(ctx, 1); err != nil || n != 2 {
		t.Errorf("CountQueued = %d, %v; want 2 (the seed and the page left fetching)", n, err)
	}
}
