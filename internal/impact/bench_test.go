package impact

import (
	"iter"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

const (
	benchProcedures = 1_000_000
	benchInWindow   = 100_000 // every 10th procedure
)

// synthetic yields n procedures of module "m", reusing one struct as a
// database cursor scanning rows would. Every 10th has its acceptance,
// opening and contract deadlines inside the failure; the others have theirs
// after it (the worst case: they pass the cheap pre-check and are planned).
func synthetic(n int) iter.Seq2[*Procedure, error] {
	return func(yield func(*Procedure, error) bool) {
		start := at("2026-04-14 09:00")
		p := &Procedure{Module: "m", Lots: []string{"1"}, Participants: []Participant{{Supplier: "990140000123"}},
			Deadlines: make([]Deadline, 4)}
		ids := make([]byte, 0, 16)
		for i := range n {
			ids = strconv.AppendInt(ids[:0], int64(i), 10)
			p.ID = string(ids)
			p.Method = Tender
			if i%5 == 0 {
				p.Method = Auction
			}
			base := start.Add(time.Duration(10+i%200) * time.Minute) // 09:10–12:29: inside
			if i%10 != 0 {
				base = start.Add(time.Duration(24+i%500) * time.Hour) // days later: outside
			}
			p.Deadlines[0] = Deadline{Kind: BidsEnd, Lot: "1", At: base}
			p.Deadlines[1] = Deadline{Kind: OpeningProtocol, Lot: "1", At: base.Add(30 * time.Minute)}
			p.Deadlines[2] = Deadline{Kind: ContractSigning, Lot: "1", At: base.Add(time.Hour)}
			p.Deadlines[3] = Deadline{Kind: ComplaintsEnd, Lot: "1", At: base.Add(72 * time.Hour)}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// trackPeak samples HeapInuse every 20 ms until the returned function is
// called, which reports the peak in MB as a metric.
func trackPeak(b *testing.B) func() {
	var peak uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(stop)
		wg.Wait()
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	}
}

func benchPlanner(b *testing.B, inc Incident) *Planner {
	in := Input{Profile: quasi, Incidents: []Incident{inc}}
	pl, err := NewPlanner(in, kz2026, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return pl
}

// BenchmarkPlanHighModule: a high-level failure over a module of 1,000,000
// procedures, 100,000 with deadlines inside the failure, streamed (issue 4:
// ≤ 3 s, ≤ 512 MB). One op = the whole module.
func BenchmarkPlanHighModule(b *testing.B) {
	benchStream(b, high(), benchInWindow)
}

// BenchmarkPlanMediumModule is the stress case for the pre-check: Q36.3
// reaches every later acceptance deadline, so all 1,000,000 procedures are
// planned in full (and every tender outside the failure is extended too).
func BenchmarkPlanMediumModule(b *testing.B) {
	inc := high()
	inc.Criticality = Medium
	benchStream(b, inc, -1)
}

func benchStream(b *testing.B, inc Incident, wantTouched int) {
	pl := benchPlanner(b, inc)
	done := trackPeak(b)
	b.ReportAllocs()
	var actions, touched int
	for b.Loop() {
		actions, touched = 0, 0
		err := pl.PlanEach(synthetic(benchProcedures), func(p *Procedure, acts []Action) error {
			touched++
			actions += len(acts)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	done()
	if wantTouched >= 0 && touched != wantTouched {
		b.Fatalf("touched %d procedures, want %d", touched, wantTouched)
	}
	b.ReportMetric(float64(touched), "procedures-changed/op")
	b.ReportMetric(float64(actions), "actions/op")
}

// BenchmarkPlanHighModuleMaterialized is the peer: the same module loaded
// into a slice first, as a naive caller would. The ratio of peak heaps is
// what streaming buys.
func BenchmarkPlanHighModuleMaterialized(b *testing.B) {
	pl := benchPlanner(b, high())
	done := trackPeak(b)
	b.ReportAllocs()
	var actions int
	for b.Loop() {
		procs := make([]Procedure, 0, benchProcedures)
		for p := range synthetic(benchProcedures) {
			q := *p
			q.Deadlines = append([]Deadline(nil), p.Deadlines...)
			procs = append(procs, q)
		}
		acts, err := pl.PlanAll(procs)
		if err != nil {
			b.Fatal(err)
		}
		actions = len(acts)
	}
	done()
	b.ReportMetric(float64(actions), "actions/op")
}
