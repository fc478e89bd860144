package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/db"
	"github.com/harvestdev/ytharvest/internal/dbcheck"
)

// sql is read-only by construction: every kind of write is refused with
// exit 2 and "sql is read-only", before anything runs; ATTACH and VACUUM
// INTO create no file; the database is unchanged; reads, recursive CTEs
// and reading PRAGMAs run.
func TestSQLReadOnly(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl: exit %d", code)
	}
	dbcheck.Tidy(t, e.dbPath)
	dir := t.TempDir()
	before := dbcheck.Snapshot(t, e.dbPath)
	for _, tc := range []struct{ query, refused string }{
		{"DELETE FROM pages", "DELETE FROM pages"},
		{"UPDATE videos SET title = 'x'", "UPDATE videos"},
		{"INSERT INTO runs (started_at) VALUES ('x')", "INSERT INTO runs"},
		{"WITH x AS (SELECT 1) DELETE FROM links", "DELETE FROM links"},
		{"CREATE TABLE t (x)", "CREATE is not allowed"},
		{"DROP TABLE links", "DROP is not allowed"},
		{"CREATE TEMP VIEW v AS SELECT 1", "CREATE is not allowed"},
		{"PRAGMA journal_mode = DELETE", "PRAGMA journal_mode = DELETE"},
		{"PRAGMA query_only = 0", "PRAGMA query_only = 0"},
		{"PRAGMA wal_checkpoint", "PRAGMA wal_checkpoint"},
		{"PRAGMA optimize", "PRAGMA optimize"},
		{"ATTACH '" + filepath.Join(dir, "a.db") + "' AS a", "ATTACH"},
		{"VACUUM INTO '" + filepath.Join(dir, "v.db") + "'", "ATTACH (or VACUUM INTO)"},
		{"VACUUM", "VACUUM is not allowed"},
		{"BEGIN", "BEGIN"},
		{"ANALYZE", "is not allowed"},
		{"REINDEX", "REINDEX"},
	} {
		code := e.run("sql", tc.query)
		msg := strings.TrimSpace(e.stderr.String())
		if code != exitUsage || !strings.HasPrefix(msg, "ytharvest: sql is read-only: ") || !strings.Contains(msg, tc.refused) || strings.Contains(msg, "\n") {
			t.Errorf("sql %q: exit %d, stderr %q; want exit 2 and one line \"sql is read-only: …%s…\"", tc.query, code, msg, tc.refused)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("ATTACH or VACUUM INTO created %s", entries[0].Name())
	}
	dbcheck.Kept(t, e.dbPath, before)
	dbcheck.Check(t, e.dbPath)

	for _, tc := range []struct{ query, want string }{
		{"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT sum(i) AS s FROM n", "s\n6\n"},
		{"VALUES (1, 'a;b')", "1        a;b\n"},
		{"PRAGMA table_info(runs)", "seeds_failed"},
		{"SELECT * FROM pragma_table_info('videos') WHERE name = 'title'", "title"},
		{"PRAGMA user_version", strconv.Itoa(db.SchemaVersion())},
		{"PRAGMA integrity_check", "ok"},
		{"EXPLAIN QUERY PLAN SELECT * FROM videos WHERE id = 'x'", "videos"},
		{"SELECT 1; -- a comment", "1"},
	} {
		if code := e.run("sql", tc.query); code != exitOK || !strings.Contains(e.stdout.String(), tc.want) {
			t.Errorf("sql %q: exit %d, stdout %q; want %q", tc.query, code, e.stdout, tc.want)
		}
	}
}

// Several statements, an empty query: usage errors, nothing run.
func TestSQLStatements(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl: exit %d", code)
	}
	for _, tc := range []struct{ query, msg string }{
		{"", "sql: the query is empty"},
		{"  \n ", "sql: the query is empty"},
		{"/* only a comment */", "sql runs one statement: the query is empty"},
		{"SELECT 1; SELECT 2", "sql runs one statement; this text holds 2"},
		{"SELECT 1; DELETE FROM pages", "sql runs one statement; this text holds 2"},
		{"SELECT ';' AS a; SELECT 2", "this text holds 2"},
	} {
		code := e.run("sql", tc.query)
		if msg := e.stderr.String(); code != exitUsage || !strings.Contains(msg, tc.msg) {
			t.Errorf("sql %q: exit %d, stderr %q; want exit 2 and %q", tc.query, code, msg, tc.msg)
		}
	}
	if code := e.run("sql", "SELECT ';' AS a, '/* x */' AS b, \"pages\".id FROM \"pages\" LIMIT 1"); code != exitOK {
		t.Errorf("semicolons and comment marks in strings: exit %d", code)
	}
}

// --json keeps the query's column order; the table says when it cut a
// value short.
func TestSQLOutput(t *testing.T) {
	e := newEnv(t, nil)
	if code := e.crawl(); code != exitOK {
		t.Fatalf("crawl: exit %d", code)
	}
	code := e.run("sql", "--json", "SELECT 'z' AS zeta, 2 AS alpha, NULL AS mid, 1.5 AS real, x'6869' AS blob")
	if want := `{"zeta":"z","alpha":2,"mid":null,"real":1.5,"blob":"hi"}`; code != exitOK || strings.TrimSpace(e.stdout.String()) != want {
		t.Errorf("sql --json: exit %d, %q; want %q", code, e.stdout, want)
	}
	long := strings.Repeat("word ", 30)
	if code := e.run("sql", "SELECT '"+long+"' AS t"); code != exitOK || !strings.Contains(e.stdout.String(), "…") ||
		!strings.Contains(e.stderr.String(), "values longer than 80 characters are cut short") {
		t.Errorf("a long value: exit %d\n%s%s", code, e.stdout, e.stderr)
	}
	if e.run("sql", "SELECT 'short' AS t"); strings.Contains(e.stderr.String(), "cut short") {
		t.Errorf("a short value is said to be cut:\n%s", e.stderr)
	}
}
