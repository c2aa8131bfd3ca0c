package journal_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// seedJournal fills db with n appeals on n/5 incidents in one statement per
// table: 90% of the incidents closed, the rest spread over the open states
// (so n=1,000,000 gives 100,000 open appeals), 1,000 organizations, four
// channels, three levels, one appeal a minute from 2025-01-01.
func seedJournal(tb testing.TB, db *store.DB, n int) {
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
			'Не подписывается договор, модуль ' || (g %% 97) || CASE WHEN g %% 1000 = 7 THEN ' редкостный' ELSE '' END,
			'kz-quasi@2021', i.state, i.criticality
			FROM generate_series(1, %d) g JOIN incidents i ON i.id = (g - 1) / 5 + 1`, n),
			`ANALYZE appeals`, `ANALYZE incidents`,
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
			'Не подписывается договор, модуль ' || (x %% 97) || CASE WHEN x %% 1000 = 7 THEN ' редкостный' ELSE '' END,
			'kz-quasi@2021', i.state, COALESCE(i.criticality, '')
			FROM g JOIN incidents i ON i.id = (x - 1) / 5 + 1`, n),
			`INSERT INTO appeals_fts (rowid, description, organization) SELECT id, description, organization FROM appeals`,
			`ANALYZE`,
		}
	}
	for _, q := range stmts {
		if _, err := db.W.ExecContext(ctx, q); err != nil {
			tb.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

// TestListingAtScale is the issue-10 measurement of the listing the queue
// stands on: TENDERDESK_BENCH_APPEALS=1000000 go test -run TestListingAtScale
// -v ./internal/journal/ prints p50/p99 per filter on both backends. It
// asserts what each filter returns, never how fast.
func TestListingAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("TENDERDESK_BENCH_APPEALS"))
	if n <= 0 {
		t.Skip("set TENDERDESK_BENCH_APPEALS=1000000 to measure the listing over that many appeals")
	}
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		start := time.Now()
		seedJournal(t, db, n)
		t.Logf("seeded %d appeals in %s", n, time.Since(start).Round(time.Second))
		s, _ := newService(t, db, time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC))
		ctx := context.Background()
		deep := func() string { // the cursor 1,000 rows into the open queue
			p, err := s.List(ctx, journal.Filter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			p, err = s.List(ctx, journal.Filter{Limit: 500, After: p.Next})
			if err != nil {
				t.Fatal(err)
			}
			return p.Next
		}()
		cases := []struct {
			name string
			f    journal.Filter
		}{
			{"first page", journal.Filter{}},
			{"1,000 rows deep", journal.Filter{After: deep}},
			{"state=analysing (rare)", journal.Filter{State: "analysing"}},
			{"state=closed (common)", journal.Filter{State: "closed"}},
			{"state=fixing 1,000 deep", journal.Filter{State: "fixing", After: deep}},
			{"criticality=high", journal.Filter{Criticality: "high"}},
			{"channel=phone", journal.Filter{Channel: "phone"}},
			{"organization=", journal.Filter{Organization: "ТОО «Организация 17»"}},
			{"bin=", journal.Filter{BIN: "000000000017"}},
			{"period, no match", journal.Filter{From: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)}},
			{"period, three days", journal.Filter{From: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC)}},
			{"full text, rare word", journal.Filter{Query: "редкостный"}},
			{"full text, common word", journal.Filter{Query: "договор"}},
		}
		for _, c := range cases {
			var took []time.Duration
			var rows int
			for range 30 {
				t0 := time.Now()
				p, err := s.List(ctx, c.f)
				took = append(took, time.Since(t0))
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				rows = len(p.Rows)
			}
			slices.Sort(took)
			if c.name != "period, no match" && rows == 0 {
				t.Errorf("%s: no rows", c.name)
			}
			t.Logf("%-26s rows %3d  p50 %8s  p99 %8s", c.name, rows, took[len(took)/2].Round(10*time.Microsecond), took[len(took)*99/100].Round(10*time.Microsecond))
		}
	})
}
