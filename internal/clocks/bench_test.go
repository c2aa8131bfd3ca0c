package clocks_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

const (
	benchClocks = 1_000_000
	benchDue    = 1_000
)

// benchNow is the scan's moment: 1,000 clocks are past their next look,
// the other 999,000 fall due over the following two years (one a minute).
var benchNow = time.Date(2026, 11, 19, 6, 0, 0, 0, time.UTC)

// populate fills clocks with running Q20 answer clocks in one statement.
func populate(b *testing.B, db *store.DB) {
	b.Helper()
	ctx := context.Background()
	if _, err := db.W.ExecContext(ctx, `INSERT INTO incidents (state, profile, first_registered_at, created_at, updated_at)
		VALUES ('registered', 'kz-quasi@2021', '2026-11-01T04:00:00.000000Z', '2026-11-01T04:00:00.000000Z', '2026-11-01T04:00:00.000000Z')`); err != nil {
		b.Fatal(err)
	}
	cols := `incident_id, appeal_number, clock, profile, basis, event_at, start_at, base_deadline, deadline, warn_at, state, next_at, created_at, updated_at`
	var q string
	if db.Dialect == store.SQLite {
		q = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1),
			t(i, at) AS (SELECT i, CASE WHEN i <= $2 THEN strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2026-11-19 06:00:00', '-' || i || ' seconds')
				ELSE strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2026-11-19 06:00:00', '+' || i || ' minutes') END FROM n)
			INSERT INTO clocks (` + cols + `)
			SELECT 1, printf('2026-%07d', i), 'appeal_consideration', 'kz-quasi@2021', 'Q20', '2026-11-01T04:00:00.000000Z',
				'2026-11-01T04:00:00.000000Z', at, at, at, 'running', at, '2026-11-01T04:00:00.000000Z', '2026-11-01T04:00:00.000000Z' FROM t`
	} else {
		q = `INSERT INTO clocks (` + cols + `)
			SELECT 1, '2026-' || lpad(i::text, 7, '0'), 'appeal_consideration', 'kz-quasi@2021', 'Q20', '2026-11-01T04:00:00Z',
				'2026-11-01T04:00:00Z', at, at, at, 'running', at, '2026-11-01T04:00:00Z', '2026-11-01T04:00:00Z'
			FROM (SELECT i, CASE WHEN i <= $2 THEN timestamptz '2026-11-19 06:00:00Z' - i * interval '1 second'
				ELSE timestamptz '2026-11-19 06:00:00Z' + i * interval '1 minute' END AS at
				FROM generate_series(1, $1::int) i) s`
	}
	if _, err := db.W.ExecContext(ctx, q, benchClocks, benchDue); err != nil {
		b.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// plan is the database's plan of the due scan.
func plan(b *testing.B, db *store.DB) string {
	b.Helper()
	q, explain := clocks.Q.DueSQLite, "EXPLAIN QUERY PLAN "
	if db.Dialect == store.Postgres {
		q, explain = clocks.Q.DuePostgres, "EXPLAIN (ANALYZE, BUFFERS) "
	}
	tx, err := db.W.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query(explain+q, store.T(benchNow), benchDue)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(out, "\n")
}

// scan runs the scheduler's due query once, in a transaction (rows locked
// on PostgreSQL), and reads every row.
func scan(b *testing.B, db *store.DB) {
	q := clocks.Q.DueSQLite
	if db.Dialect == store.Postgres {
		q = clocks.Q.DuePostgres
	}
	err := func() error {
		tx, err := db.W.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		rows, err := tx.Query(q, store.T(benchNow), benchDue)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id, inc int64
			var appeal, clock, level, channel, profile, basis, state, pauses, exts string
			var ev, st, base, dl, warn, paused, met, warned, breached, next store.Time
			var version int
			if err := rows.Scan(&id, &inc, &appeal, &clock, &level, &channel, &profile, &basis, &ev, &st, &base, &dl, &warn,
				&state, &paused, &pauses, &exts, &met, &warned, &breached, &next, &version); err != nil {
				return err
			}
			n++
		}
		if n != benchDue {
			return fmt.Errorf("%d due, want %d", n, benchDue)
		}
		return rows.Err()
	}()
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDueScan is the due-clock scan over 1,000,000 running clocks of
// which 1,000 are due, on each backend (PostgreSQL when
// TENDERDESK_TEST_POSTGRES is set); run with -v to see the plans.
func BenchmarkDueScan(b *testing.B) {
	type backend struct {
		name string
		open func() *store.DB
	}
	backends := []backend{{"sqlite", func() *store.DB { return storetest.SQLite(b) }}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		backends = append(backends, backend{"postgres", func() *store.DB { return storetest.Postgres(b) }})
	} else {
		b.Logf("postgres: skipped, set %s", storetest.EnvPostgres)
	}
	for _, be := range backends {
		db := be.open()
		start := time.Now()
		populate(b, db)
		b.Logf("%s: %d clocks inserted in %s; plan of the due scan:\n%s", be.name, benchClocks, time.Since(start).Round(time.Millisecond), plan(b, db))
		b.Run(be.name, func(b *testing.B) {
			for range b.N {
				scan(b, db)
			}
		})
	}
}

// BenchmarkRegister is the cost of the clocks on a registration: the
// journal alone, then with the clocks hook (three clock rows and one audit
// record per appeal in the same group commit), clients in parallel.
func BenchmarkRegister(b *testing.B) {
	for _, withClocks := range []bool{false, true} {
		name := "journal"
		if withClocks {
			name = "journal+clocks"
		}
		b.Run(name, func(b *testing.B) {
			db := storetest.SQLite(b)
			f := &fake{}
			f.Set(at("2026-11-19 10:30"))
			resolve := func(string, time.Time) (string, error) { return "kz-quasi@2021", nil }
			j := journal.New(db, f.Now, almaty, resolve, nil)
			defer j.Close()
			if withClocks {
				c := clocks.New(db, f.Now, nil, clocks.Config{})
				if err := c.Prepare(context.Background()); err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				j.AddHooks(c)
			}
			received := at("2026-11-19 10:15")
			n := journal.NewAppeal{Channel: "email", ReceivedAt: &received, ContactEmail: "user@example.kz", Description: "не подписывается договор"}
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := j.Register(context.Background(), operator, n, ""); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
