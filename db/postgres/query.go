package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/harvestdev/ytharvest/db"
)

// Rows are the rows of a Query: values as the SQLite store's sql command
// gives them (times RFC 3339 UTC text, booleans 0 and 1). Close them.
type Rows struct {
	rows pgx.Rows
	tx   pgx.Tx
	ctx  context.Context
}

// Query runs a user's SQL statement (the sql command's) in a read-only
// transaction, on a connection whose transactions are read-only by
// default (OpenReadOnly): PostgreSQL refuses every write, and a text of
// several statements is refused too (one statement at a time, as with
// SQLite). A refused write is db.ErrWrite; several statements
// db.ErrStatements. For a harvest others may read, give the sql users a
// role that may only SELECT.
func (s *Store) Query(ctx context.Context, q string) (*Rows, error) {
	if strings.TrimSpace(strings.Trim(strings.TrimSpace(q), ";")) == "" {
		return nil, fmt.Errorf("%w: the query is empty", db.ErrStatements)
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, q)
	if err != nil {
		tx.Rollback(ctx)
		return nil, queryError(err)
	}
	return &Rows{rows: rows, tx: tx, ctx: ctx}, nil
}

// Columns returns the names of the columns.
func (r *Rows) Columns() ([]string, error) {
	fds := r.rows.FieldDescriptions()
	cols := make([]string, len(fds))
	for i, fd := range fds {
		cols[i] = fd.Name
	}
	return cols, nil
}

// Next advances to the next row.
func (r *Rows) Next() bool { return r.rows.Next() }

// Scan copies the row's values into dest, which are *any.
func (r *Rows) Scan(dest ...any) error {
	vals, err := r.rows.Values()
	if err != nil {
		return err
	}
	if len(vals) != len(dest) {
		return fmt.Errorf("scan: %d values into %d destinations", len(vals), len(dest))
	}
	for i, v := range vals {
		p, ok := dest[i].(*any)
		if !ok {
			return errors.New("scan: destinations must be *any")
		}
		*p = sqliteValue(v)
	}
	return nil
}

// Err is the error of the iteration, with a refused write said as db.ErrWrite.
func (r *Rows) Err() error { return queryError(r.rows.Err()) }

// Close closes the rows and ends the transaction.
func (r *Rows) Close() error {
	r.rows.Close()
	return r.tx.Rollback(context.WithoutCancel(r.ctx))
}

// queryError says a refused write as db.ErrWrite and several statements
// as db.ErrStatements.
func queryError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == "25006": // read_only_sql_transaction
		return fmt.Errorf("%w: %s", db.ErrWrite, pe.Message)
	case pe.Code == "42601" && strings.Contains(pe.Message, "multiple commands"):
		return fmt.Errorf("%w (run them one at a time)", db.ErrStatements)
	}
	return err
}
