// Package pgtest gives each test a PostgreSQL database of its own, on the
// server $YTHARVEST_TEST_POSTGRES names (default: the one `make test`
// starts, postgres://ytharvest:ytharvest@127.0.0.1:5432/ytharvest_test).
// Without a server a test skips, saying so; under CI (CI=true) it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harvestdev/ytharvest/internal/dbcheck"
)

// DefaultServer is the test server when $YTHARVEST_TEST_POSTGRES is unset:
// the role and database .ci/postgres.sh makes.
const DefaultServer = "postgres://ytharvest:ytharvest@127.0.0.1:5432/ytharvest_test?sslmode=disable"

// Server returns the DSN of the test server's own database.
func Server() string {
	if s := os.Getenv("YTHARVEST_TEST_POSTGRES"); s != "" {
		return s
	}
	return DefaultServer
}

var (
	once     sync.Once
	reachErr error
)

// NewDatabase creates an empty database for t on the test server and
// returns its DSN; the database is dropped when t ends. Tests that call it
// may run in parallel: each has its own database.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, Server())
	once.Do(func() { reachErr = err })
	if err != nil {
		if reachErr != nil {
			dbcheck.NeedCapability(t, fmt.Sprintf("reach a PostgreSQL server (%v); run `make test`, which starts one, or set $YTHARVEST_TEST_POSTGRES", err))
		}
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "yth_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, Server())
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(Server())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
