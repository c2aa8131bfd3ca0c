package procurement_test

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tenderdesk/internal/procurement"
	"tenderdesk/internal/procurement/proctest"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Issue 4 benchmark: a high-level failure over a module of 1,000,000
// procedures, 100,000 of them with deadlines inside the failure window.
// Plan (dry run, streamed from the database) ≤ 3 s and apply (one
// transaction) ≤ 20 s on SQLite, peak memory ≤ 512 MB. One op is the whole
// module once — apply is idempotent, so repeating it would measure nothing:
//
//	go test ./internal/procurement -run '^$' -bench ApplyHighModule -benchtime 1x
//
// (with TENDERDESK_TEST_POSTGRES set for the PostgreSQL half). The data are
// generated inside the database (recursive CTE / generate_series), which is
// the "fast bulk load"; that time is reported as load-s and not counted.
func BenchmarkApplyHighModule(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("TENDERDESK_BENCH_PROCEDURES")); err == nil && v > 0 {
		n = v // smaller runs while profiling
	}
	b.Run("sqlite", func(b *testing.B) { benchApply(b, storetest.SQLite(b), n) })
	b.Run("postgres", func(b *testing.B) { benchApply(b, storetest.Postgres(b), n) })
}

// The failure: 2026-04-14 09:00–12:30 Astana (UTC+5), module "m". Procedure
// i has bids_end, opening_protocol (+30 min), contract_signing (+1 h) and
// complaints_end (+72 h) from a base time: every 10th at 09:10–12:29 (inside),
// the others 24–523 h later. Methods rotate tender/auction/price_request;
// two bidders each from a pool of 50,000 suppliers.
const benchStartUnix = 1776139200 // 2026-04-14T04:00:00Z

func benchApply(b *testing.B, db *store.DB, n int) {
	ctx := context.Background()
	t0 := time.Now()
	if err := proctest.LoadMirror(ctx, db, n, time.Unix(benchStartUnix, 0)); err != nil {
		b.Fatal(err)
	}
	load := time.Since(t0)
	e := newEnvTB(b, db)
	def := procurement.New(db, nil, nil, nil, "")
	e.svc.Chunk, e.svc.ImportBatch, e.svc.InsertBatch = def.Chunk, def.ImportBatch, def.InsertBatch // not the tests' tiny sizes
	inc := e.confirmedAt(b, "m", "09:00", "12:30")
	runtime.GC()

	b.ResetTimer()
	var sum procurement.Summary
	planS, planCPU, planRSS, planHeap := measure(func() {
		var err error
		sum, err = e.svc.Plan(ctx, inc, procurement.PlanRequest{}, nil)
		if err != nil {
			b.Fatal(err)
		}
	})
	var res procurement.Applied
	applyS, applyCPU, applyRSS, applyHeap := measure(func() {
		var err error
		res, err = e.svc.Apply(ctx, inc, procurement.PlanRequest{PlanHash: sum.PlanHash}, operator)
		if err != nil {
			b.Fatal(err)
		}
	})
	// Issue 14: the revert restores every deadline and tells each bidder
	// once (ExtensionsWithdrawn), in one transaction.
	var rec procurement.PlanRecord
	revertS, revertCPU, revertRSS, _ := measure(func() {
		var err error
		if rec, err = e.svc.Revert(ctx, res.PlanID, "bench", admin); err != nil {
			b.Fatal(err)
		}
	})
	b.StopTimer()
	if rec.Notifications != res.Notifications {
		b.Fatalf("revert told %d bidders, apply %d", rec.Notifications, res.Notifications)
	}
	if res.Procedures < n/10 || res.Procedures != sum.Procedures {
		b.Fatalf("changed %d procedures (plan said %d), want ≥ %d", res.Procedures, sum.Procedures, n/10)
	}
	b.ReportMetric(load.Seconds(), "load-s")
	b.ReportMetric(planS, "plan-s")
	b.ReportMetric(applyS, "apply-s")
	b.ReportMetric(planCPU, "plan-cpu-s")
	b.ReportMetric(applyCPU, "apply-cpu-s")
	b.ReportMetric(planRSS, "plan-peak-RSS-MB")
	b.ReportMetric(applyRSS, "apply-peak-RSS-MB")
	b.ReportMetric(max(planHeap, applyHeap), "peak-heap-MB")
	b.ReportMetric(float64(sum.Scanned), "scanned")
	b.ReportMetric(float64(res.Procedures), "changed")
	b.ReportMetric(float64(res.Changes), "changes")
	b.ReportMetric(float64(res.Notifications), "notifications")
	b.ReportMetric(revertS, "revert-s")
	b.ReportMetric(revertCPU, "revert-cpu-s")
	b.ReportMetric(revertRSS, "revert-peak-RSS-MB")
}

// measure runs fn and returns its seconds, the process CPU seconds (user +
// system: the machine is shared, so wall time alone can mislead), the peak RSS during it (VmHWM,
// reset before it through /proc/self/clear_refs) and the peak Go heap in use
// (live heap objects, sampled every 10 ms), both in MB.
func measure(fn func()) (secs, cpu, rssMB, heapMB float64) {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	var peak uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		// runtime/metrics, not ReadMemStats: no stop-the-world every tick.
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	c0 := cpuTime()
	t0 := time.Now()
	fn()
	secs = time.Since(t0).Seconds()
	cpu = (cpuTime() - c0).Seconds()
	close(stop)
	wg.Wait()
	return secs, cpu, vmHWM(), float64(peak) / (1 << 20)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func vmHWM() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return -1
}
