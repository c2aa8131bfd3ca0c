// Package store opens the database (embedded SQLite by default, PostgreSQL on
// request), applies the embedded migrations of its dialect, and offers the
// few helpers every domain package shares: a time type that sorts the same on
// both backends, named queries loaded from .sql files and checked at boot.
//
// DML is shared between the dialects ($N placeholders work in both); DDL is
// per dialect in migrations/<dialect>/.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // driver "sqlite"
)

type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB holds a write pool and a read pool. On SQLite the write pool has one
// connection: SQLite has one writer anyway, and queueing in Go is cheaper and
// fairer than busy-waiting in the driver. Reads go to a separate pool so they
// never wait behind a write (WAL). On PostgreSQL both are the same pool.
type DB struct {
	W, R    *sql.DB
	Dialect Dialect
	// DSN as given, without password, for logs.
	Where string
	dsn   string        // as given: internal/cluster opens its own connections with it
	ckpt  *checkpointer // SQLite only: WAL checkpoints off the writer
}

// DSN is the connection string as given (with its password): for the
// dedicated connections of internal/cluster, never for logs.
func (db *DB) DSN() string { return db.dsn }

// Open opens dsn: a postgres:// or postgresql:// URL, or a directory (or a
// file ending in .db/.sqlite) for SQLite. The directory is created.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	dsn = withConnectTimeout(dsn)
	conn, err := newPgConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres unreachable: %w", err)
	}
	return &DB{W: db, R: db, Dialect: Postgres, Where: redact(dsn), dsn: dsn}, nil
}

// withConnectTimeout adds connect_timeout (ConnectTimeout) to a PostgreSQL
// URL that has none, so a request meeting a dead server answers 503 within
// seconds instead of hanging on the dial (issue 15). A URL that states one
// keeps it; one that does not parse is left to the driver to refuse.
func withConnectTimeout(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Get("connect_timeout") != "" {
		return dsn
	}
	q.Set("connect_timeout", strconv.Itoa(int(ConnectTimeout/time.Second)))
	u.RawQuery = q.Encode()
	return u.String()
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		path = "tenderdesk-data"
	}
	file := path
	if !strings.HasSuffix(path, ".db") && !strings.HasSuffix(path, ".sqlite") {
		if err := os.MkdirAll(path, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		file = filepath.Join(path, "tenderdesk.db")
	} else if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// synchronous(FULL): a 201 means the appeal is in the fsynced WAL.
	// temp_store(memory): savepoint sub-journals (one per appeal in a group
	// commit) stay in memory instead of costing a pwrite per page touched.
	common := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=temp_store(memory)"
	w, err := sql.Open(sqliteDriver, "file:"+file+"?"+common+"&_txlock=immediate&_pragma=wal_autocheckpoint("+strconv.Itoa(writerAutoCheckpoint)+")")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", file, err)
	}
	r, err := sql.Open(sqliteDriver, "file:"+file+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	c, err := sql.Open(sqliteDriver, "file:"+file+"?"+common)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	return &DB{W: w, R: r, Dialect: SQLite, Where: file, ckpt: startCheckpointer(c)}, nil
}

func (db *DB) Close() error {
	var err error
	if db.ckpt != nil {
		err = db.ckpt.close()
	}
	err = errors.Join(err, db.W.Close())
	if db.R != db.W {
		err = errors.Join(err, db.R.Close())
	}
	return err
}

// Ping checks the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Tx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either backend.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

func redact(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 {
		if j := strings.Index(dsn, "://"); j > 0 && j < i {
			return dsn[:j+3] + "…" + dsn[i:]
		}
	}
	return dsn
}
