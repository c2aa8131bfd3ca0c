package procurement_test

import (
	"context"
	"testing"
	"time"

	"tenderdesk/internal/procurement"
	"tenderdesk/internal/procurement/proctest"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Issue 15: a plan of a few thousand changes, written in many pieces (one
// change per INSERT on SQLite, 128 per COPY on PostgreSQL, read ahead on a
// second connection on both), leaves every moved deadline at the last
// value the preview planned for it and one feed entry per change — the
// order of the changes holds across the pieces.
func TestApplyInManyPiecesMatchesThePreview(t *testing.T) {
	defer procurement.SetRangeSize(50)() // the bulk updates over many ranges too
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := proctest.LoadMirror(ctx, db, 3000, time.Unix(benchStartUnix, 0)); err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, db)
		e.svc.InsertBatch = 1
		inc := e.confirmedAt(t, "m", "09:00", "12:30")
		type key struct{ proc, kind, lot, sup string }
		want := map[key]time.Time{}
		changes := 0
		sum, err := e.svc.Plan(ctx, inc, procurement.PlanRequest{}, func(a procurement.PlannedAction) error {
			if a.Action == "extend" || a.Action == "hold" {
				want[key{a.Procedure, a.Deadline, a.Lot, a.Supplier}] = *a.New
			}
			if a.Action != "notify" {
				changes++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Procedures < 300 || len(want) < 700 {
			t.Fatalf("plan changes %d procedures, %d deadlines: want ≥ 300, ≥ 700", sum.Procedures, len(want))
		}
		res, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{PlanHash: sum.PlanHash}, operator)
		if err != nil {
			t.Fatal(err)
		}
		if res.Procedures != sum.Procedures {
			t.Fatalf("applied %d procedures, previewed %d", res.Procedures, sum.Procedures)
		}
		for k, at := range want {
			p, err := e.svc.Get(ctx, k.proc)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, d := range p.Deadlines {
				if d.Kind == k.kind && d.Lot == k.lot && d.Supplier == k.sup {
					found = true
					if !d.At.Equal(at) {
						t.Fatalf("%s %s: %s after the apply, the preview planned %s", k.proc, k.kind, d.At, at)
					}
				}
			}
			if !found {
				t.Fatalf("%s has no deadline %s", k.proc, k.kind)
			}
		}
		var feed int
		if err := db.R.QueryRowContext(ctx, "SELECT count(*) FROM procurement_feed WHERE plan_id = $1", res.PlanID).Scan(&feed); err != nil {
			t.Fatal(err)
		}
		if feed != changes {
			t.Fatalf("%d feed entries, the preview has %d changes", feed, changes)
		}
	})
}
