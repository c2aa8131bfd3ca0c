package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// TestMeasureApplyDuringIntake (issue 15, "a plan apply must not stop
// intake"): a desk with a mirror of TENDERDESK_BENCH_PROCEDURES procedures
// (default 1,000,000; every 10th with its deadlines inside a high failure of
// 3.5 h, as BenchmarkApplyHighModule) applies the failure's plan while
// TENDERDESK_MEASURE_CLIENTS (default 12) clients register appeals over
// HTTP, and reports the registrations' p50/p99/max during the apply (and in
// the 10 s before it, the peer in the same run) and the apply's time. Run
// with TENDERDESK_MEASURE=1; TENDERDESK_MEASURE_BACKEND=sqlite|postgres runs
// one half. A measurement: no timed assertion; it fails if a registration
// is refused, the plan changes fewer procedures than the failure holds, or
// the audit chain does not verify.
func TestMeasureApplyDuringIntake(t *testing.T) {
	if os.Getenv("TENDERDESK_MEASURE") == "" {
		t.Skip("a measurement: set TENDERDESK_MEASURE=1 to run it")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("TENDERDESK_BENCH_PROCEDURES")); err == nil && v > 0 {
		n = v
	}
	clients := 12
	if v, err := strconv.Atoi(os.Getenv("TENDERDESK_MEASURE_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	only := os.Getenv("TENDERDESK_MEASURE_BACKEND")
	for _, b := range []string{"sqlite", "postgres"} { // one after the other: the machine has two cores
		if only != "" && only != b {
			continue
		}
		t.Run(b, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "data")
			if b == "postgres" {
				dsn = storetest.PostgresURL(t)
			}
			measureApply(t, dsn, n, clients)
		})
	}
}

// applyLoad generates the mirror inside the database: procedure i has
// bids_end, opening_protocol (+30 min), contract_signing (+1 h) and
// complaints_end (+72 h) from a base time, every 10th 10–209 min after the
// failure's start, the others 24–523 h later; two bidders each from 50,000.
var applyLoad = map[store.Dialect][]string{
	store.SQLite: {
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < $1 - 1)
INSERT INTO procedures (id, external_id, announcement, method, customer, module, lots, participants, content_hash, imported_at, updated_at)
SELECT i+1, 'B' || i, 'A' || i, CASE (i/10)%3 WHEN 0 THEN 'tender' WHEN 1 THEN 'auction' ELSE 'price_request' END,
  '990140000123', 'm', '["1"]',
  '[{"supplier":"' || printf('%012d', i % 50000) || '","email":"s' || (i % 50000) || '@example.kz","language":"ru"},' ||
  '{"supplier":"' || printf('%012d', (i*7+3) % 50000) || '","email":"s' || ((i*7+3) % 50000) || '@example.kz","language":"kk"}]',
  'bench', $2, $2 FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < $1 - 1),
b(i, t) AS (SELECT i, $2 + CASE WHEN i % 10 = 0 THEN (10 + i % 200) * 60 ELSE (24 + i % 500) * 3600 END FROM n),
k(kind, off) AS (VALUES ('bids_end', 0), ('opening_protocol', 1800), ('contract_signing', 3600), ('complaints_end', 259200))
INSERT INTO procedure_deadlines (procedure_id, kind, lot, supplier, module, at)
SELECT i+1, kind, '1', '', 'm', strftime('%Y-%m-%dT%H:%M:%S.000000Z', t + off, 'unixepoch') FROM b, k`,
		`ANALYZE`,
	},
	store.Postgres: {
		`INSERT INTO procedures (id, external_id, announcement, method, customer, module, lots, participants, content_hash, imported_at, updated_at)
SELECT i+1, 'B' || i, 'A' || i, CASE (i/10)%3 WHEN 0 THEN 'tender' WHEN 1 THEN 'auction' ELSE 'price_request' END,
  '990140000123', 'm', '["1"]',
  '[{"supplier":"' || lpad((i % 50000)::text, 12, '0') || '","email":"s' || (i % 50000) || '@example.kz","language":"ru"},' ||
  '{"supplier":"' || lpad(((i*7+3) % 50000)::text, 12, '0') || '","email":"s' || ((i*7+3) % 50000) || '@example.kz","language":"kk"}]',
  'bench', $2::timestamptz, $2::timestamptz FROM generate_series(0, $1::bigint - 1) AS i`,
		`INSERT INTO procedure_deadlines (procedure_id, kind, lot, supplier, module, at)
SELECT i+1, k.kind, '1', '', 'm', to_timestamp($2::bigint + CASE WHEN i % 10 = 0 THEN (10 + i % 200) * 60 ELSE (24 + i % 500) * 3600 END + k.off)
FROM generate_series(0, $1::bigint - 1) AS i,
  (VALUES ('bids_end', 0), ('opening_protocol', 1800), ('contract_signing', 3600), ('complaints_end', 259200)) AS k(kind, off)`,
		`ANALYZE procedures`, `ANALYZE procedure_deadlines`,
	},
}

func measureApply(t *testing.T, dsn string, n, clients int) {
	d := boot(t, dsn)
	op := d.user("op", auth.RoleOperator, "", "")
	ctx := context.Background()
	start := time.Now().Add(-2 * time.Hour).Truncate(time.Minute)
	fix := start.Add(210 * time.Minute)

	_, inc := d.register(d.Admin, map[string]any{"module": "m", "received_at": start.Add(5 * time.Minute).Format(time.RFC3339)})
	path := fmt.Sprintf("/api/v1/incidents/%d/", inc)
	d.must(d.req("POST", path+"analyse", op, map[string]any{}), http.StatusOK)
	d.must(d.req("POST", path+"confirm", op, map[string]any{"criticality": "high", "cause": "operator_staff_error",
		"failure_started_at": start.Format(time.RFC3339), "planned_fix_at": fix.Format(time.RFC3339), "modules": []string{"m"}}), http.StatusOK)

	db := d.App.DB
	l0 := time.Now()
	for _, q := range applyLoad[db.Dialect] {
		var args []any
		switch {
		case strings.Contains(q, "INSERT INTO procedures "):
			args = []any{n, store.T(start)}
		case strings.Contains(q, "$1"):
			args = []any{n, start.Unix()}
		}
		if _, err := db.W.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("bulk load: %v", err)
		}
	}
	t.Logf("loaded %d procedures in %s", n, time.Since(l0).Round(time.Millisecond))

	var stop atomic.Bool
	var mu sync.Mutex
	var during []time.Duration
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				t0 := time.Now()
				r, err := d.send("POST", "/api/v1/appeals", op, appeal(map[string]any{"profile": "kz-goszakup", "channel": "phone",
					"description": fmt.Sprintf("Сбой при подаче заявки, клиент %d, попытка %d", c, i)}))
				if err != nil || r.Status != http.StatusCreated {
					t.Errorf("registration during the apply: %v %s", err, r)
					return
				}
				mu.Lock()
				during = append(during, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	pct := func(s []time.Duration, p int) time.Duration {
		return s[(len(s)-1)*p/100].Round(100 * time.Microsecond)
	}
	time.Sleep(10 * time.Second) // the peer: the same clients before the apply
	mu.Lock()
	before := slices.Clone(during)
	during = nil
	mu.Unlock()
	slices.Sort(before)
	t.Logf("before the apply: %d registrations in 10 s, p50 %s, p99 %s, max %s; load %s", len(before), pct(before, 50), pct(before, 99),
		before[len(before)-1].Round(time.Millisecond), loadAvg())

	a0 := time.Now()
	res, err := d.App.Procurement.Apply(ctx, inc, procurement.PlanRequest{}, audit.Actor{Login: "op", Role: "operator", ClientAddr: "127.0.0.1"})
	took := time.Since(a0)
	mu.Lock()
	in := slices.Clone(during)
	mu.Unlock()
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Procedures < n/10 {
		t.Fatalf("the plan changed %d procedures, want ≥ %d", res.Procedures, n/10)
	}
	slices.Sort(in)
	if len(in) == 0 {
		t.Fatalf("apply %s: no registration finished during it", took.Round(time.Millisecond))
	}
	t.Logf("apply: %d procedures changed, %d changes, %d notices in %s; %d registrations by %d clients during it, p50 %s, p99 %s, max %s; load %s",
		res.Procedures, res.Changes, res.Notifications, took.Round(time.Millisecond), len(in), clients,
		pct(in, 50), pct(in, 99), in[len(in)-1].Round(time.Millisecond), loadAvg())
	d.verifyAudit()
}
