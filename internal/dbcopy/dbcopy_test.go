package dbcopy

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Seeded is what the PostgreSQL migrations themselves put in a fresh
// database: if a migration starts seeding another table, a fresh target
// would be refused as non-empty, and the copy would collide with the
// source's row; this test names the table to add.
func TestSeededTables(t *testing.T) {
	db := storetest.Postgres(t)
	rows, err := db.R.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
		AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	var seeded []string
	for _, n := range names {
		var any bool
		if err := db.R.QueryRow(`SELECT EXISTS (SELECT 1 FROM "` + n + `")`).Scan(&any); err != nil {
			t.Fatal(err)
		}
		if any {
			seeded = append(seeded, n)
		}
	}
	if !slices.Equal(seeded, Seeded) {
		t.Fatalf("tables the migrations seed: %v; Seeded says %v", seeded, Seeded)
	}
}

// SQLite keeps instants as TEXT (store.Time), booleans as 0/1: each
// arrives in its PostgreSQL type, and a value that does not fit is an
// error naming it, never a silent NULL or zero.
func TestConvert(t *testing.T) {
	at := time.Date(2026, 3, 1, 4, 5, 6, 123456000, time.UTC)
	for _, c := range []struct {
		v      any
		typ    string
		want   any
		reject bool
	}{
		{"2026-03-01T04:05:06.123456Z", "timestamp with time zone", at, false},
		{"2026-03-01T09:05:06.123456+05:00", "timestamp with time zone", at, false},
		{"2026-03-01 04:05:06", "timestamp with time zone", at.Truncate(time.Second), false},
		{"вчера", "timestamp with time zone", nil, true},
		{"", "timestamp with time zone", nil, true},
		{nil, "timestamp with time zone", nil, false},
		{int64(1), "boolean", true, false},
		{int64(0), "boolean", false, false},
		{int64(2), "boolean", nil, true},
		{int64(42), "bigint", int64(42), false},
		{"42", "bigint", int64(42), false},
		{"сорок", "bigint", nil, true},
		{"текст", "text", "текст", false},
		{[]byte("байты"), "text", "байты", false},
		{[]byte{0, 1}, "bytea", []byte{0, 1}, false},
		{"2026-03-01", "date", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), false},
		{"10.0.0.1", "inet", netip.MustParsePrefix("10.0.0.1/32"), false},
		{"10.0.0.0/8", "inet", netip.MustParsePrefix("10.0.0.0/8"), false},
		{`{"a":1}`, "jsonb", json.RawMessage(`{"a":1}`), false},
		{`{"a":`, "jsonb", nil, true},
		{"x", "tsvector", nil, true},
	} {
		got, err := convert(c.v, c.typ)
		if c.reject {
			if err == nil {
				t.Errorf("%v into %s: accepted as %v", c.v, c.typ, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v into %s: %v", c.v, c.typ, err)
			continue
		}
		switch w := c.want.(type) {
		case time.Time:
			if g, ok := got.(time.Time); !ok || !g.Equal(w) {
				t.Errorf("%v into %s: %v, want %v", c.v, c.typ, got, w)
			}
		case []byte:
			if g, ok := got.([]byte); !ok || string(g) != string(w) {
				t.Errorf("%v into %s: %v", c.v, c.typ, got)
			}
		case json.RawMessage:
			if g, ok := got.(json.RawMessage); !ok || string(g) != string(w) {
				t.Errorf("%v into %s: %v", c.v, c.typ, got)
			}
		default:
			if got != c.want {
				t.Errorf("%v into %s: %#v, want %#v", c.v, c.typ, got, c.want)
			}
		}
	}
}

// migratedSQLite is an empty, migrated SQLite desk; extra runs after.
func migratedSQLite(t *testing.T, extra string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		if _, err := db.W.Exec(extra); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A SQLite table or column with no PostgreSQL counterpart would be lost:
// the copy stops before writing a row, naming it.
func TestNoCounterpartFailsLoudly(t *testing.T) {
	for _, c := range []struct{ extra, want string }{
		{"CREATE TABLE stray_notes (id INTEGER PRIMARY KEY, body TEXT)", "SQLite tables with no PostgreSQL counterpart: stray_notes"},
		{"ALTER TABLE appeals ADD COLUMN stray_col TEXT", "table appeals: SQLite columns with no PostgreSQL counterpart: stray_col"},
	} {
		src := migratedSQLite(t, c.extra)
		pg := storetest.PostgresURL(t)
		_, err := Copy(context.Background(), Options{From: src, To: pg, FilesTo: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.extra, err)
		}
	}
}

// What is not a migrated SQLite desk, or not a PostgreSQL URL, is refused
// before the target is touched.
func TestRefusesBadSource(t *testing.T) {
	ctx := context.Background()
	if _, err := Copy(ctx, Options{From: t.TempDir(), To: "postgres://127.0.0.1:1/x"}); err == nil || !strings.Contains(err.Error(), "no SQLite desk") {
		t.Errorf("empty directory: %v", err)
	}
	src := migratedSQLite(t, "DELETE FROM schema_migrations WHERE key = (SELECT MAX(key) FROM schema_migrations)")
	if _, err := Copy(ctx, Options{From: src, To: "postgres://127.0.0.1:1/x"}); err == nil || !strings.Contains(err.Error(), "lacks migration") {
		t.Errorf("unmigrated source: %v", err)
	}
	if _, err := Copy(ctx, Options{From: src, To: filepath.Join(t.TempDir(), "other")}); err == nil || !strings.Contains(err.Error(), "postgres:// URL") {
		t.Errorf("SQLite target: %v", err)
	}
}

// An empty desk copies too (every table done, nothing in it), and the
// desk's own singletons (audit head …) replace the migrations' seed.
func TestCopiesAnEmptyDesk(t *testing.T) {
	src := migratedSQLite(t, "UPDATE public_version SET version = 7")
	pg := storetest.PostgresURL(t)
	res, err := Copy(context.Background(), Options{From: src, To: pg, FilesTo: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v, n int
	if err := db.R.QueryRow("SELECT version, (SELECT COUNT(*) FROM public_version) FROM public_version").Scan(&v, &n); err != nil || v != 7 || n != 1 {
		t.Fatalf("public_version %d ×%d %v", v, n, err)
	}
	if res.AuditRecords != 0 || len(res.Tables) == 0 {
		t.Fatalf("%+v", res)
	}
	if err := Unfinished(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

// A desk still running while it is copied writes after the copy's
// snapshot: the copy fails before it is recorded finished, naming it, and a
// second run of that copy is refused.
func TestSourceChangedWhileCopying(t *testing.T) {
	ctx := context.Background()
	src := migratedSQLite(t, "")
	pg := storetest.PostgresURL(t)
	wrote := false
	_, err := Copy(ctx, Options{From: src, To: pg, FilesTo: t.TempDir(), Progress: func(string, int64, int64) error {
		if wrote {
			return nil
		}
		wrote = true
		db, err := store.Open(ctx, src)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := audit.Append(ctx, tx, db.Dialect, time.Now(), audit.System, audit.Entry{Action: "appeal.register", ObjectType: "appeal", ObjectID: "2026-1"})
			return err
		})
	}})
	if err == nil || !strings.Contains(err.Error(), "the source changed while it was copied") {
		t.Fatalf("copy of a changing source: %v", err)
	}
	if _, err := Copy(ctx, Options{From: src, To: pg, FilesTo: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "another state") {
		t.Fatalf("resuming it: %v", err)
	}
}
