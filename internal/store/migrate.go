package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one file NNNN_name.sql. Its key is the whole stem
// ("0004_clocks"): features built in parallel may take the same number, and
// files apply in name order.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

func (m Migration) Key() string { return fmt.Sprintf("%04d_%s", m.Version, m.Name) }

// Migrations returns the ordered migrations of a dialect.
func Migrations(d Dialect) ([]Migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Key() < ms[j].Key() })
	return ms, nil
}

// Migrate applies the pending migrations, each in its own transaction and
// recorded in schema_migrations. On PostgreSQL an advisory lock keeps two
// nodes starting at once from applying the same migration twice. It returns
// the keys applied.
func (db *DB) Migrate(ctx context.Context) ([]string, error) { return db.MigrateTo(ctx, "") }

// MigrateTo is Migrate up to and including the migration of key last
// ("" = all): a migration's test applies the ones before it, writes rows,
// then the rest.
func (db *DB) MigrateTo(ctx context.Context, last string) ([]string, error) {
	ms, err := Migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	if last != "" {
		ms = slices.DeleteFunc(ms, func(m Migration) bool { return m.Key() > last })
	}
	conn, err := db.W.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if db.Dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7140925)"); err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7140925)")
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		key TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("schema_migrations: %w", err)
	}
	applied := map[string]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT key FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		applied[v] = true
	}
	rows.Close()
	var done []string
	for _, m := range ms {
		if applied[m.Key()] {
			continue
		}
		err := func() error {
			fkOff := db.Dialect == SQLite && strings.HasPrefix(m.SQL, ForeignKeysOff)
			if fkOff {
				// A table rebuild (SQLite's twelve steps): foreign keys can
				// only be switched outside a transaction, and back on after.
				if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
					return err
				}
				defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
			}
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			if err := execScript(ctx, tx, db.Dialect, m.SQL); err != nil {
				return err
			}
			if fkOff {
				if err := foreignKeyCheck(ctx, tx); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (key, applied_at) VALUES ($1, $2)",
				m.Key(), time.Now().UTC().Format(time.RFC3339)); err != nil {
				return err
			}
			return tx.Commit()
		}()
		if err != nil {
			return done, fmt.Errorf("migration %s (%s): %w", m.Key(), db.Dialect, err)
		}
		done = append(done, m.Key())
	}
	return done, nil
}

// ForeignKeysOff, as the first line of a SQLite migration, runs it with
// foreign keys off (a table rebuild: create the new table, copy, drop,
// rename); PRAGMA foreign_key_check must find nothing before it commits.
const ForeignKeysOff = "-- tenderdesk:foreign-keys-off\n"

func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("foreign key check: %s row %d refers to a missing %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// execScript runs a multi-statement script. PostgreSQL (simple protocol)
// and modernc SQLite both accept several statements in one Exec.
func execScript(ctx context.Context, tx *sql.Tx, _ Dialect, script string) error {
	_, err := tx.ExecContext(ctx, script)
	return err
}
