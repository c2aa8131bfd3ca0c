// Package journaltest seeds a Journal at scale for the listing and queue
// measurements (issue 10), and caches it: seeding 1,000,000 appeals takes
// minutes, so a seeded database is kept for the next run.
package journaltest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"tenderdesk/internal/store"
)

// clockBase is where the seeded deadlines start (UTC).
const clockBase = "2026-11-19T04:00:00Z"

// Seed fills db with n appeals on n/5 incidents in one statement per
// table: 90% of the incidents closed, the rest spread over the open states
// (so n=1,000,000 gives 100,000 open appeals), 1,000 organizations, four
// channels, three levels, one appeal a minute from 2025-01-01), and two
// clocks (Q30, Q20) per open appeal with deadlines spread over the 139
// days from clockBase, every 97th breached and every 13th warned; the
// clocks' triggers set each appeal's urgency (0015_queue_urgency).
func Seed(tb testing.TB, db *store.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	incidents := n / 5
	// state by incident id: ids ≡ 1..9 (mod 10) closed, ≡ 0 open (cycling the open states)
	var stmts []string
	if db.Dialect == store.Postgres {
		stmts = []string{
			fmt.Sprintf(`INSERT INTO incidents (id, state, profile, first_registered_at, criticality, created_at, updated_at)
			SELECT g, CASE WHEN g %% 10 <> 0 THEN 'closed' ELSE (ARRAY['registered','analysing','info_requested','confirmed','fixing','fixed'])[1 + (g/10) %% 6] END,
			'kz-quasi@2021', '2025-01-01T00:00:00.000000Z', (ARRAY['low','medium','high'])[1 + g %% 3], '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'
			FROM generate_series(1, %d) g`, incidents),
			fmt.Sprintf(`INSERT INTO appeals (id, number, year, seq, incident_id, channel, received_at, registered_at, organization, bin, description, profile, state, criticality)
			SELECT g, '2025-' || lpad(g::text, 7, '0'), 2025, g, (g - 1) / 5 + 1, (ARRAY['email','phone','cabinet','letter'])[1 + g %% 4],
			timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute', timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute',
			'ТОО «Организация ' || (g %% 1000) || '»', lpad((g %% 1000)::text, 12, '0'),
			'Не подписывается договор, модуль ' || (g %% 97) || CASE WHEN g %% 1000 = 7 THEN ' редкостный' WHEN g %% 1000 = 50 THEN ' срочнейший' ELSE '' END,
			'kz-quasi@2021', i.state, i.criticality
			FROM generate_series(1, %d) g JOIN incidents i ON i.id = (g - 1) / 5 + 1`, n),
			fmt.Sprintf(`INSERT INTO clocks (incident_id, appeal_number, clock, profile, basis, event_at, start_at, base_deadline, deadline, warn_at,
			state, warned_at, breached_at, next_at, created_at, updated_at)
			SELECT a.incident_id, a.number, c.clock, 'kz-quasi@2021', c.basis, a.registered_at, a.registered_at, d.at, d.at, d.at - interval '12 minutes',
			CASE WHEN a.id %% 97 = 0 THEN 'breached' ELSE 'running' END, CASE WHEN a.id %% 13 = 0 THEN d.at - interval '12 minutes' END,
			CASE WHEN a.id %% 97 = 0 THEN d.at END, CASE WHEN a.id %% 97 <> 0 THEN d.at END, a.registered_at, a.registered_at
			FROM appeals a CROSS JOIN (VALUES ('incident_id_notice', 'Q30', 0), ('appeal_consideration', 'Q20', 1)) c(clock, basis, k)
			CROSS JOIN LATERAL (SELECT timestamptz '%s' + ((a.id * 7919 + c.k * 60013) %% 200000) * interval '1 minute' AS at) d
			WHERE a.state NOT IN ('closed', 'merged')`, clockBase),
			// the triggers are off for the seed (session_replication_role):
			// the urgency is filled in one statement, as the migration does
			`UPDATE appeals SET (urgent_at, urgent_state) = (SELECT * FROM appeal_urgency(appeals.incident_id, appeals.number))
			WHERE state NOT IN ('closed', 'merged')`,
			`ANALYZE appeals`, `ANALYZE incidents`, `ANALYZE clocks`,
		}
	} else {
		stmts = []string{
			fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d)
			INSERT INTO incidents (id, state, profile, first_registered_at, criticality, created_at, updated_at)
			SELECT x, CASE WHEN x %% 10 <> 0 THEN 'closed' ELSE json_extract('["registered","analysing","info_requested","confirmed","fixing","fixed"]', '$[' || ((x/10) %% 6) || ']') END,
			'kz-quasi@2021', '2025-01-01T00:00:00.000000Z', json_extract('["low","medium","high"]', '$[' || (x %% 3) || ']'), '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z' FROM g`, incidents),
			fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d)
			INSERT INTO appeals (id, number, year, seq, incident_id, channel, received_at, registered_at, organization, bin, description, profile, state, criticality)
			SELECT x, '2025-' || printf('%%07d', x), 2025, x, (x - 1) / 5 + 1, json_extract('["email","phone","cabinet","letter"]', '$[' || (x %% 4) || ']'),
			strftime('%%Y-%%m-%%dT%%H:%%M:%%S.000000Z', '2025-01-01', '+' || x || ' minutes'),
			strftime('%%Y-%%m-%%dT%%H:%%M:%%S.000000Z', '2025-01-01', '+' || x || ' minutes'),
			'ТОО «Организация ' || (x %% 1000) || '»', printf('%%012d', x %% 1000),
			'Не подписывается договор, модуль ' || (x %% 97) || CASE WHEN x %% 1000 = 7 THEN ' редкостный' WHEN x %% 1000 = 50 THEN ' срочнейший' ELSE '' END,
			'kz-quasi@2021', i.state, COALESCE(i.criticality, '')
			FROM g JOIN incidents i ON i.id = (x - 1) / 5 + 1`, n),
			`INSERT INTO appeals_fts (rowid, description, organization) SELECT id, description, organization FROM appeals`,
			fmt.Sprintf(`INSERT INTO clocks (incident_id, appeal_number, clock, profile, basis, event_at, start_at, base_deadline, deadline, warn_at,
			state, warned_at, breached_at, next_at, created_at, updated_at)
			SELECT x.incident_id, x.number, x.clock, 'kz-quasi@2021', x.basis, x.registered_at, x.registered_at, x.at, x.at,
			strftime('%%Y-%%m-%%dT%%H:%%M:%%S.000000Z', x.at, '-12 minutes'),
			CASE WHEN x.id %% 97 = 0 THEN 'breached' ELSE 'running' END,
			CASE WHEN x.id %% 13 = 0 THEN strftime('%%Y-%%m-%%dT%%H:%%M:%%S.000000Z', x.at, '-12 minutes') END,
			CASE WHEN x.id %% 97 = 0 THEN x.at END, CASE WHEN x.id %% 97 <> 0 THEN x.at END, x.registered_at, x.registered_at
			FROM (SELECT a.id, a.incident_id, a.number, a.registered_at, c.clock, c.basis,
				strftime('%%Y-%%m-%%dT%%H:%%M:%%S.000000Z', '%s', '+' || ((a.id * 7919 + c.k * 60013) %% 200000) || ' minutes') AS at
				FROM appeals a CROSS JOIN (SELECT 'incident_id_notice' AS clock, 'Q30' AS basis, 0 AS k UNION ALL SELECT 'appeal_consideration', 'Q20', 1) c
				WHERE a.state NOT IN ('closed', 'merged')) x`, clockBase),
			`ANALYZE`,
		}
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	if db.Dialect == store.Postgres {
		stmts = append([]string{"SET LOCAL session_replication_role = replica"}, stmts...)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tb.Fatalf("seed: %v\n%s", err, q)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// Cached is a migrated database of dialect d ("sqlite" or "postgres")
// holding Seed(n), seeded on first use and kept: SQLite in
// $TENDERDESK_BENCH_CACHE (default the temp dir's tenderdesk-bench), PostgreSQL in the schema
// bench_<n> of $TENDERDESK_TEST_POSTGRES. It returns the DSN to open (the
// app's --db) and the open database; tests must only read what is seeded.
func Cached(tb testing.TB, d store.Dialect, n int) (string, *store.DB) {
	tb.Helper()
	ctx := context.Background()
	var dsn string
	if d == store.Postgres {
		base := os.Getenv("TENDERDESK_TEST_POSTGRES")
		if base == "" {
			tb.Skip("PostgreSQL half skipped: set TENDERDESK_TEST_POSTGRES=postgres://…")
		}
		schema := "bench_" + strconv.Itoa(n)
		admin, err := sql.Open("pgx", base)
		if err != nil {
			tb.Fatal(err)
		}
		_, err = admin.Exec("CREATE SCHEMA IF NOT EXISTS " + schema)
		admin.Close()
		if err != nil {
			tb.Fatal(err)
		}
		u, _ := url.Parse(base)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	} else {
		dir := os.Getenv("TENDERDESK_BENCH_CACHE")
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "tenderdesk-bench")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		dsn = filepath.Join(dir, "journal-"+strconv.Itoa(n))
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	var have int
	if err := db.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM appeals").Scan(&have); err != nil {
		tb.Fatal(err)
	}
	switch have {
	case n:
	case 0:
		Seed(tb, db, n)
	default:
		tb.Fatalf("cached %s holds %d appeals, not %d: remove it", dsn, have, n)
	}
	return dsn, db
}

// Scale reads the size of a scale measurement from the environment:
// TENDERDESK_BENCH_APPEALS (skipped without it) and TENDERDESK_BENCH_RUNS
// (default 30 per case).
func Scale(tb testing.TB) (appeals, runs int) {
	tb.Helper()
	appeals, _ = strconv.Atoi(os.Getenv("TENDERDESK_BENCH_APPEALS"))
	if appeals <= 0 {
		tb.Skip("set TENDERDESK_BENCH_APPEALS=1000000 to measure over that many appeals")
	}
	runs, _ = strconv.Atoi(os.Getenv("TENDERDESK_BENCH_RUNS"))
	if runs <= 0 {
		runs = 30
	}
	return appeals, runs
}
