package app_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/backup"
	"tenderdesk/internal/dbcopy"
	"tenderdesk/internal/journal/journaltest"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// TestMeasureDBCopy moves a SQLite desk of TENDERDESK_DBCOPY_APPEALS
// appeals (default 1,000,000; journaltest's seed: incidents, clocks, the
// search index) with an audit chain of one registration record per appeal
// into an empty PostgreSQL schema with db copy, and reports the time, the
// rows per second and the load average; the peer in the same run is
// `tenderdesk backup` of the same desk (VACUUM INTO and the chain check).
// The seeded desk is cached in TENDERDESK_BENCH_CACHE (default the temp
// dir's tenderdesk-dbcopy-bench). A measurement, run with
// TENDERDESK_MEASURE=1 (docs/BENCHMARKS.md); no timed assertion: it fails
// only if the copy does (counts or audit verify).
func TestMeasureDBCopy(t *testing.T) {
	if os.Getenv("TENDERDESK_MEASURE") == "" {
		t.Skip("a measurement: set TENDERDESK_MEASURE=1 to run it")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("TENDERDESK_DBCOPY_APPEALS")); err == nil && v > 0 {
		n = v
	}
	if os.Getenv("TENDERDESK_BENCH_CACHE") == "" {
		t.Setenv("TENDERDESK_BENCH_CACHE", filepath.Join(os.TempDir(), "tenderdesk-dbcopy-bench"))
	}
	ctx := context.Background()
	seed0 := time.Now()
	dir, db := journaltest.Cached(t, store.SQLite, n)
	var records int64
	if err := db.R.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&records); err != nil {
		t.Fatal(err)
	}
	switch records {
	case 0:
		chainAppeals(t, db, n)
	case int64(n):
	default:
		t.Fatalf("cached %s holds %d audit records, not %d: remove it", dir, records, n)
	}
	t.Logf("source desk of %d appeals ready in %s (cached in %s)", n, time.Since(seed0).Round(time.Second), dir)

	// the peer: a backup of the same desk
	t.Logf("load average before the backup: %s", loadAvg())
	b0 := time.Now()
	m, err := backup.Take(ctx, dir, "", filepath.Join(t.TempDir(), "backup"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("peer: backup of the same desk (%d bytes, %d audit records verified) in %s; load %s",
		m.DBBytes, m.AuditRecords, time.Since(b0).Round(time.Millisecond), loadAvg())

	pg := storetest.PostgresURL(t)
	t.Logf("load average before the copy: %s", loadAvg())
	tables := map[string]time.Time{}
	c0 := time.Now()
	prev := c0
	res, err := dbcopy.Copy(ctx, dbcopy.Options{From: dir, To: pg, FilesTo: t.TempDir(), Progress: func(table string, copied, total int64) error {
		if copied == total {
			tables[table] = time.Now()
			if d := time.Since(prev); d > time.Second {
				t.Logf("  %-22s %9d rows in %s (%.0f rows/s); load %s", table, total, d.Round(time.Millisecond), float64(total)/d.Seconds(), loadAvg())
			}
			prev = time.Now()
		}
		return nil
	}})
	took := time.Since(c0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("db copy: %d rows in %d tables (%d appeals, %d audit records verified) in %s, %.0f rows/s; after the last table %s went to sequences, foreign keys, ANALYZE, counts and audit verify; load %s",
		res.Rows(), len(res.Tables), n, res.AuditRecords, took.Round(time.Millisecond), float64(res.Rows())/took.Seconds(),
		time.Since(prev).Round(time.Millisecond), loadAvg())
}

// chainAppeals writes one audit record per seeded appeal (appeal.register,
// as registration writes), chained, and the year's counter the seed leaves
// out.
func chainAppeals(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			c, err := audit.Begin(ctx, tx, db.Dialect, nil)
			if err != nil {
				return err
			}
			for end := min(i+50000, n+1); i < end; i++ {
				if _, err := c.Append(ctx, at.Add(time.Duration(i)*time.Minute), audit.System, audit.Entry{Action: "appeal.register", ObjectType: "appeal",
					ObjectID: "2025-" + strconv.Itoa(i), After: map[string]any{"channel": "email", "incident_id": (i-1)/5 + 1}}); err != nil {
					return err
				}
			}
			return c.Save(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.W.Exec("INSERT INTO appeal_counters (year, last) VALUES (2025, $1) ON CONFLICT (year) DO UPDATE SET last = excluded.last", n); err != nil {
		t.Fatal(err)
	}
}
