package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pipeline defers the Exec calls of one transaction on PostgreSQL and sends
// them together, as one pgx batch (one round trip, pipeline mode), when a
// query needs an answer or at Flush. The registration writer runs a group
// of appeals with their hooks (clocks, outbox, audit records) this way:
// the hooks keep writing through their *sql.Tx, inside the transaction,
// but their many INSERTs no longer cost a round trip each (issue 15).
//
// A deferred statement's error surfaces at the flush, not at its Exec; its
// Result knows no row count (RowsAffected returns ErrDeferred). A caller
// that must attribute an error to one statement, or needs a row count, runs
// without a pipeline: the writer retries a failed group appeal by appeal,
// unpipelined.
//
// On SQLite (no round trips) a Pipeline is inert: Exec runs at once.
// A Pipeline belongs to one goroutine.
type Pipeline struct {
	conn    *pgx.Conn
	batch   pgx.Batch
	flushes int
	stmts   int
}

// ErrDeferred is RowsAffected of a statement the Pipeline has not sent yet.
var ErrDeferred = errors.New("store: statement deferred by a pipeline: row count unknown")

type pipelineKey struct{}

// WithPipeline makes the Exec calls under ctx deferred into p.
func WithPipeline(ctx context.Context, p *Pipeline) context.Context {
	return context.WithValue(ctx, pipelineKey{}, p)
}

func pipelineOf(ctx context.Context) *Pipeline {
	p, _ := ctx.Value(pipelineKey{}).(*Pipeline)
	return p
}

// Direct sends what ctx's pipeline holds and returns a context whose Execs
// run at once, for a statement whose row count matters (an optimistic
// update). Without a pipeline it returns ctx as it is.
func Direct(ctx context.Context) (context.Context, error) {
	p := pipelineOf(ctx)
	if p == nil {
		return ctx, nil
	}
	if err := p.Flush(ctx); err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, pipelineKey{}, (*Pipeline)(nil)), nil
}

// Pending is the number of statements deferred and not yet sent.
func (p *Pipeline) Pending() int { return p.batch.Len() }

// Stats: round trips made by flushes and statements sent through them.
func (p *Pipeline) Stats() (flushes, stmts int) { return p.flushes, p.stmts }

func (p *Pipeline) queue(c *pgx.Conn, query string, args []any) error {
	if p.conn != nil && p.conn != c {
		return errors.New("store: one pipeline used on two connections")
	}
	p.conn = c
	p.batch.Queue(query, args...)
	return nil
}

// Flush sends the deferred statements and returns the first error among
// them (the transaction is then aborted on the server).
func (p *Pipeline) Flush(ctx context.Context) error {
	n := p.batch.Len()
	if n == 0 {
		return nil
	}
	b := p.batch
	p.batch = pgx.Batch{}
	p.flushes++
	p.stmts += n
	if err := p.conn.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("pipelined statements (%d): %w", n, err)
	}
	return nil
}

// pgConnector opens the pgx stdlib connections, wrapped so that a Pipeline
// in the context can defer their Execs.
type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		return dc, nil
	}
	return &pgConn{Conn: sc}, nil
}

func newPgConnector(dsn string) (driver.Connector, error) {
	dc, ok := stdlib.GetDefaultDriver().(driver.DriverContext)
	if !ok {
		return nil, errors.New("pgx stdlib driver has no connector")
	}
	c, err := dc.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return pgConnector{c}, nil
}

type pgConn struct{ *stdlib.Conn }

type deferredResult struct{}

func (deferredResult) LastInsertId() (int64, error) { return 0, ErrDeferred }
func (deferredResult) RowsAffected() (int64, error) { return 0, ErrDeferred }

func args(nv []driver.NamedValue) []any {
	a := make([]any, len(nv))
	for i, v := range nv {
		a[i] = v.Value
	}
	return a
}

func (c *pgConn) ExecContext(ctx context.Context, query string, nv []driver.NamedValue) (driver.Result, error) {
	if p := pipelineOf(ctx); p != nil {
		if err := p.queue(c.Conn.Conn(), query, args(nv)); err != nil {
			return nil, err
		}
		return deferredResult{}, nil
	}
	return c.Conn.ExecContext(ctx, query, nv)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, nv []driver.NamedValue) (driver.Rows, error) {
	if p := pipelineOf(ctx); p != nil {
		if err := p.Flush(ctx); err != nil {
			return nil, err
		}
	}
	return c.Conn.QueryContext(ctx, query, nv)
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &pgStmt{Stmt: st, c: c, query: query}, nil
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// pgStmt sends a prepared statement's Exec and Query through its pgConn
// (the stdlib's statement runs them by SQL text on the same connection,
// where pgx's statement cache finds the prepared one).
type pgStmt struct {
	driver.Stmt
	c     *pgConn
	query string
}

func (s *pgStmt) ExecContext(ctx context.Context, nv []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, nv)
}

func (s *pgStmt) QueryContext(ctx context.Context, nv []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, nv)
}

// PgxConn is the pgx connection under a database/sql driver connection
// (sql.Conn.Raw): for COPY, which database/sql cannot express. The desk's
// PostgreSQL connections are wrapped (pgConn) for pipelining.
func PgxConn(dc any) (*pgx.Conn, bool) {
	switch c := dc.(type) {
	case *pgConn:
		return c.Conn.Conn(), true
	case *stdlib.Conn:
		return c.Conn(), true
	}
	return nil, false
}
