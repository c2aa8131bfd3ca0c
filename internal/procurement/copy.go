package procurement

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"

	"tenderdesk/internal/store"
)

// changeWriter receives the plan's change rows (the placeholders of
// insert-change, in order) and writes them in the apply's transaction.
type changeWriter interface {
	add(ctx context.Context, row ...any) error
	flush(ctx context.Context) error
	close()
}

// applyTx runs fn in one write transaction, as DB.Tx. On PostgreSQL the
// transaction is begun on a dedicated connection that fn also gets, so the
// plan's changes can be sent with COPY on it (issue 15); on SQLite conn is
// nil.
func (s *Service) applyTx(ctx context.Context, fn func(tx *sql.Tx, conn *sql.Conn) error) error {
	if s.DB.Dialect != store.Postgres {
		return s.DB.Tx(ctx, func(tx *sql.Tx) error { return fn(tx, nil) })
	}
	conn, err := s.DB.W.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx, conn); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// newChangeWriter is COPY of 128·n rows at a time on PostgreSQL (conn
// given; 8192 with the default InsertBatch), multi-row INSERTs of n rows
// otherwise.
func newChangeWriter(ctx context.Context, tx *sql.Tx, conn *sql.Conn, n int) (changeWriter, error) {
	if conn != nil {
		return &copyInsert{conn: conn, per: copyPerInsert * n}, nil
	}
	return newBatchInsert(ctx, tx, Q.InsertChange, changeCols, n)
}

// copyPerInsert: one COPY sends this many times the rows of one
// multi-row INSERT.
const copyPerInsert = 128

// copyColumns are the columns of insert-change, in its order.
var copyColumns = []string{"plan_id", "procedure_id", "lot", "kind", "supplier", "action", "rule", "event", "old_at", "new_at", "recipients", "reason_id"}

// copyInsert sends the plan's changes to plan_changes with COPY, in the
// transaction open on conn: one statement and no per-row parsing for
// thousands of rows (the 1M-procedure apply writes 265,000).
type copyInsert struct {
	conn *sql.Conn
	per  int
	rows [][]any
}

func (ci *copyInsert) add(ctx context.Context, row ...any) error {
	if len(row) != len(copyColumns) {
		return fmt.Errorf("copy plan change: %d values for %d columns", len(row), len(copyColumns))
	}
	r := make([]any, len(row))
	for i, v := range row {
		if t, ok := v.(store.Time); ok { // COPY is binary: a time, or NULL for none
			if t.IsZero() {
				r[i] = nil
			} else {
				r[i] = t.Time.UTC()
			}
			continue
		}
		r[i] = v
	}
	ci.rows = append(ci.rows, r)
	if len(ci.rows) >= ci.per {
		return ci.flush(ctx)
	}
	return nil
}

func (ci *copyInsert) flush(ctx context.Context) error {
	if len(ci.rows) == 0 {
		return nil
	}
	err := ci.conn.Raw(func(dc any) error {
		c, ok := store.PgxConn(dc)
		if !ok {
			return fmt.Errorf("copy plan changes: driver connection is %T", dc)
		}
		n, err := c.CopyFrom(ctx, pgx.Identifier{"plan_changes"}, copyColumns, pgx.CopyFromRows(ci.rows))
		if err == nil && n != int64(len(ci.rows)) {
			err = fmt.Errorf("copied %d of %d rows", n, len(ci.rows))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("copy plan changes: %w", err)
	}
	ci.rows = ci.rows[:0]
	return nil
}

func (ci *copyInsert) close() {}
