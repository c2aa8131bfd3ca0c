package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"reflect"

	"modernc.org/sqlite"
)

// The SQLite driver parses a statement again each time it is run by text
// (db.Exec, tx.QueryRow…), and parsing was a fifth of the registration
// writer's time, more once features added their statements to the same
// transaction. cachingDriver keeps, per connection, the statements it has
// run, by SQL text, and runs them again without parsing. PostgreSQL needs
// none of this: pgx caches prepared statements per connection itself.
const sqliteDriver = "tenderdesk-sqlite"

func init() { sql.Register(sqliteDriver, cachingDriver{&sqlite.Driver{}}) }

// maxCachedStmts bounds a connection's cache; statements past it (dynamic
// filters in many combinations) simply run uncached.
const maxCachedStmts = 512

type cachingDriver struct{ base driver.Driver }

// sqliteConn is what the SQLite driver's connection implements and
// database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

func (d cachingDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.base.Open(dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := c.(sqliteConn)
	if !ok {
		return c, nil // a driver version with other interfaces: no cache
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
}

// cachedStmt is busy while its rows are open (database/sql may run another
// statement on the same connection meanwhile, e.g. in a transaction).
type cachedStmt struct {
	st   driver.Stmt
	busy bool
}

type stmtExecQuery interface {
	driver.StmtExecContext
	driver.StmtQueryContext
}

// stmt returns the cached statement for query, preparing it on first use;
// nil when it is busy or the cache is full (the caller then runs the query
// uncached).
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := st.(stmtExecQuery); !ok {
		st.Close()
		return nil, nil
	}
	s := &cachedStmt{st: st}
	c.stmts[query] = s
	return s, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return s.st.(stmtExecQuery).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.st.(stmtExecQuery).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, s: s}, nil
}

func (c *cachingConn) Close() error {
	for _, s := range c.stmts {
		s.st.Close()
	}
	c.stmts = nil
	return c.sqliteConn.Close()
}

// cachedRows frees its statement for reuse when closed.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
