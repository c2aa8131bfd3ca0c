package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/procurement/proctest"
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

	l0 := time.Now()
	if err := proctest.LoadMirror(ctx, d.App.DB, n, start); err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d procedures in %s", n, time.Since(l0).Round(time.Millisecond))

	// Each registration's start and duration: one blocked by the apply and
	// answered just after it still counts as during it.
	type sample struct {
		start time.Time
		took  time.Duration
	}
	var stop atomic.Bool
	var mu sync.Mutex
	var samples []sample
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
				samples = append(samples, sample{t0, time.Since(t0)})
				mu.Unlock()
			}
		}()
	}
	// between returns the durations of the registrations that were under
	// way at some moment of [from, to), sorted.
	between := func(from, to time.Time) []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		var out []time.Duration
		for _, s := range samples {
			if s.start.Before(to) && s.start.Add(s.took).After(from) {
				out = append(out, s.took)
			}
		}
		slices.Sort(out)
		return out
	}
	pct := func(s []time.Duration, p int) time.Duration {
		return s[(len(s)-1)*p/100].Round(100 * time.Microsecond)
	}
	time.Sleep(time.Second) // warm up
	b0 := time.Now()
	time.Sleep(10 * time.Second) // the peer: the same clients before the apply
	before := between(b0, time.Now())
	t.Logf("before the apply: %d registrations in 10 s, p50 %s, p99 %s, max %s; load %s", len(before), pct(before, 50), pct(before, 99),
		before[len(before)-1].Round(time.Millisecond), loadAvg())

	a0 := time.Now()
	res, err := d.App.Procurement.Apply(ctx, inc, procurement.PlanRequest{}, audit.Actor{Login: "op", Role: "operator", ClientAddr: "127.0.0.1"})
	a1 := time.Now()
	took := a1.Sub(a0)
	load := loadAvg()
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Procedures < n/10 {
		t.Fatalf("the plan changed %d procedures, want ≥ %d", res.Procedures, n/10)
	}
	in := between(a0, a1)
	if len(in) == 0 {
		t.Fatalf("apply %s: no registration under way during it", took.Round(time.Millisecond))
	}
	t.Logf("apply: %d procedures changed, %d changes, %d notices in %s; %d registrations by %d clients under way during it, p50 %s, p99 %s, max %s; load %s",
		res.Procedures, res.Changes, res.Notifications, took.Round(time.Millisecond), len(in), clients,
		pct(in, 50), pct(in, 99), in[len(in)-1].Round(time.Millisecond), load)
	d.verifyAudit()
}
