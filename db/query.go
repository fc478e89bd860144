package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrWrite means a query given to Query would change something: the
// database, a file, or the connection's read-only setting.
var ErrWrite = errors.New("sql is read-only")

// ErrStatements means a query given to Query holds no statement, or more
// than one.
var ErrStatements = errors.New("sql runs one statement")

// Rows are the rows of a Query; Close them.
type Rows struct {
	*sql.Rows
	conn   *sql.Conn
	denied *string
}

// Close closes the rows and gives the connection back.
func (r *Rows) Close() error {
	err := r.Rows.Close()
	r.conn.Raw(func(dc any) error { // the pool may hand the connection to ytharvest's own queries
		return dc.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(nil)
	})
	if cerr := r.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// Err is the error of the iteration, with a refused write said as ErrWrite.
func (r *Rows) Err() error { return queryError(r.Rows.Err(), *r.denied) }

// Query runs a user's SQL statement (the sql command's) on a database
// opened with OpenReadOnly, read-only by construction: SQLite's authorizer
// lets a statement read tables and call functions, and refuses, before it
// runs, anything that writes — INSERT, UPDATE, DELETE, DDL, ATTACH (and so
// VACUUM INTO, which would create a file), transactions, and every PRAGMA
// but those that only read. The connection is read-only and query_only
// besides. A refusal is ErrWrite; a text of several statements is
// ErrStatements.
func (db *DB) Query(ctx context.Context, q string) (*Rows, error) {
	switch n := countStatements(q); {
	case n == 0:
		return nil, fmt.Errorf("%w: the query is empty", ErrStatements)
	case n > 1:
		return nil, fmt.Errorf("%w; this text holds %d (run them one at a time)", ErrStatements, n)
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, mapError(err)
	}
	denied := new(string)
	err = conn.Raw(func(dc any) error {
		ar, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return errors.New("the SQLite driver has no authorizer")
		}
		return ar.RegisterAuthorizer(func(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
			if readAction(action, arg1, arg2) {
				return sqlite.AuthorizerOK
			}
			if *denied == "" {
				*denied = describeAction(action, arg1, arg2)
			}
			return sqlite.AuthorizerDeny
		})
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, q)
	r := &Rows{Rows: rows, conn: conn, denied: denied}
	if err != nil {
		r.Rows = nil
		conn.Raw(func(dc any) error { return dc.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(nil) })
		conn.Close()
		return nil, queryError(err, *denied)
	}
	return r, nil
}

// queryError says a refused or failed write as ErrWrite.
func queryError(err error, denied string) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_AUTH:
			return fmt.Errorf("%w: %s is not allowed (it runs SELECT, WITH, VALUES, EXPLAIN and PRAGMAs that read)", ErrWrite, denied)
		case sqlite3.SQLITE_READONLY:
			return fmt.Errorf("%w: the statement would write to the database", ErrWrite)
		}
	}
	return err
}

// readAction reports whether the authorizer may let an action through: a
// read of a table, a function call, a recursive CTE, or a PRAGMA that only
// reports.
func readAction(action sqlite.AuthorizerActionCode, arg1, arg2 string) bool {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthFunction, sqlite.AuthRecursive:
		return true
	case sqlite.AuthPragma:
		name := strings.ToLower(arg1)
		return infoPragmas[name] || arg2 == "" && settingPragmas[name]
	}
	return false
}

// infoPragmas report on the schema or the file, whatever their argument.
var infoPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true, "index_info": true, "index_xinfo": true,
	"index_list": true, "foreign_key_list": true, "foreign_key_check": true, "integrity_check": true,
	"quick_check": true, "function_list": true, "pragma_list": true, "collation_list": true,
	"module_list": true, "database_list": true, "compile_options": true,
}

// settingPragmas may be read (never set: they take no argument here).
var settingPragmas = map[string]bool{
	"application_id": true, "user_version": true, "schema_version": true, "data_version": true,
	"page_size": true, "page_count": true, "max_page_count": true, "freelist_count": true,
	"journal_mode": true, "encoding": true, "foreign_keys": true, "auto_vacuum": true,
	"cache_size": true, "busy_timeout": true, "query_only": true, "synchronous": true,
	"temp_store": true, "wal_autocheckpoint": true, "mmap_size": true,
}

// describeAction names what the authorizer refused, for the error.
func describeAction(action sqlite.AuthorizerActionCode, arg1, arg2 string) string {
	if t := strings.ToLower(arg1); t == "sqlite_master" || t == "sqlite_temp_master" || t == "sqlite_schema" {
		// SQLite asks about its schema table before the statement that
		// changes it, and stops at the first refusal.
		switch action {
		case sqlite.AuthInsert:
			return "CREATE"
		case sqlite.AuthDelete:
			return "DROP"
		}
		return "a schema change"
	}
	switch action {
	case sqlite.AuthInsert:
		return "INSERT INTO " + arg1
	case sqlite.AuthUpdate:
		return "UPDATE " + arg1
	case sqlite.AuthDelete:
		return "DELETE FROM " + arg1
	case sqlite.AuthAttach:
		if arg1 == "" {
			return "VACUUM" // it attaches a temporary database
		}
		return "ATTACH (or VACUUM INTO) " + arg1
	case sqlite.AuthDetach:
		return "DETACH " + arg1
	case sqlite.AuthTransaction:
		return arg1 // BEGIN, COMMIT, ROLLBACK
	case sqlite.AuthSavepoint:
		return "SAVEPOINT " + arg2
	case sqlite.AuthPragma:
		if arg2 != "" {
			return fmt.Sprintf("PRAGMA %s = %s", arg1, arg2)
		}
		return "PRAGMA " + arg1
	case sqlite.AuthAlterTable:
		return "ALTER TABLE " + arg2
	case sqlite.AuthAnalyze:
		return "ANALYZE"
	case sqlite.AuthReindex:
		return "REINDEX"
	}
	if arg1 != "" {
		return "a schema change (" + arg1 + ")"
	}
	return "a statement that writes"
}

// countStatements counts the SQL statements of q: the pieces between
// semicolons that hold more than blanks and comments. Quoted strings and
// names ('…', "…", `…`, […]) and comments (-- and /* */) are skipped, so a
// semicolon inside them splits nothing.
func countStatements(q string) int {
	n, content := 0, false
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case ';':
			if content {
				n++
			}
			content = false
		case ' ', '\t', '\n', '\r', '\f':
		case '-':
			if i+1 < len(q) && q[i+1] == '-' {
				for i < len(q) && q[i] != '\n' {
					i++
				}
				continue
			}
			content = true
		case '/':
			if i+1 < len(q) && q[i+1] == '*' {
				end := strings.Index(q[i+2:], "*/")
				if end < 0 {
					i = len(q)
				} else {
					i += 2 + end + 1
				}
				continue
			}
			content = true
		case '\'', '"', '`', '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			end := strings.IndexByte(q[i+1:], closer)
			if end < 0 {
				i = len(q)
			} else {
				i += 1 + end // a doubled quote is two strings in a row: still one statement
			}
			content = true
		default:
			content = true
		}
	}
	if content {
		n++
	}
	return n
}
