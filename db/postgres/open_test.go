package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/db/postgres"
	"github.com/harvestdev/ytharvest/internal/pgtest"
)

// A read-only open of an empty database says there is no harvest.
// Opening migrates an empty database to this binary's schema (and
// River's), once; opening again changes nothing; a database of a newer
// ytharvest, or one holding tables ytharvest did not make, is refused.
func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	if _, err := postgres.OpenReadOnly(ctx, dsn); !errors.Is(err, db.ErrNotExist) {
		t.Errorf("OpenReadOnly of an empty database: %v, want ErrNotExist", err)
	}
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer s.Close()
	var versions, river int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM ytharvest_schema`).Scan(&versions); err != nil || versions != postgres.SchemaVersion() {
		t.Errorf("ytharvest_schema has %d versions (%v), want %d", versions, err, postgres.SchemaVersion())
	}
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM river_migration`).Scan(&river); err != nil || river == 0 {
		t.Errorf("River's migrations: %d, %v", river, err)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO ytharvest_schema (version) VALUES ($1)`, postgres.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, dsn); !errors.Is(err, db.ErrTooNew) {
		t.Errorf("Open of a newer schema: %v, want ErrTooNew", err)
	}
	if _, err := postgres.OpenReadOnly(ctx, dsn); !errors.Is(err, db.ErrTooNew) {
		t.Errorf("OpenReadOnly of a newer schema: %v, want ErrTooNew", err)
	}

	foreign := pgtest.NewDatabase(t)
	c, err := pgx.Connect(ctx, foreign)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, `CREATE TABLE invoices (id int)`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, foreign); !errors.Is(err, db.ErrForeign) {
		t.Errorf("Open of a database with other tables: %v, want ErrForeign", err)
	}
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the foreign database has %d tables after Open (%v), want its 1", n, err)
	}
}

// A read-only store refuses writes, and the sql command's queries run
// read-only.
func TestReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	w, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	r, err := postgres.OpenReadOnly(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.AddSeeds(ctx, []string{"https://news.example/"}); err == nil {
		t.Error("AddSeeds on a read-only store succeeded")
	}
	for _, q := range []string{
		`DELETE FROM pages`,
		`WITH x AS (INSERT INTO hosts (host) VALUES ('h') RETURNING 1) SELECT * FROM x`,
	} {
		rows, err := r.Query(ctx, q)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if !errors.Is(err, db.ErrWrite) {
			t.Errorf("Query(%q) = %v, want ErrWrite", q, err)
		}
	}
	if _, err := r.Query(ctx, `SELECT 1; SELECT 2`); !errors.Is(err, db.ErrStatements) {
		t.Errorf("two statements: %v, want ErrStatements", err)
	}
}
