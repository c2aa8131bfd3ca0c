package publicnotice

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// The source on both backends: what is posted (medium/high, confirmed to
// fixed, Q36.1/Q37.3), with which announcement and lot numbers, which
// extensions from applied plans (not reverted ones, not a supplier's own
// deadline), the fix time (Q36.9/Q37.12), and a version that moves with
// every change shown and with nothing else.
func TestSourceSnapshot(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var clk atomic.Int64
		t0 := time.Date(2026, 2, 2, 5, 0, 0, 0, time.UTC)
		clk.Store(t0.UnixNano())
		now := func() time.Time { return time.Unix(0, clk.Load()).UTC() }
		almaty, _ := time.LoadLocation("Asia/Almaty")
		j := journal.New(db, now, almaty, func(string, time.Time) (string, error) { return "kz-quasi@2021", nil }, nil)
		t.Cleanup(j.Close)
		j.AddHooks(Hooks{})
		src := &Service{DB: db, Now: now}
		version := func() uint64 {
			v, err := src.StatusVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		by := audit.Actor{Login: "op", Role: "operator"}
		reg := func(n journal.NewAppeal) journal.Registration {
			r, err := j.Register(ctx, journal.Caller{Actor: by}, n, "")
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		at := t0.Add(-time.Minute)
		a1 := reg(journal.NewAppeal{Channel: "phone", ReceivedAt: &at, ContactPhone: "+7 701 000 0000", Description: "сбой",
			Announcements: []string{"100-1"}, Lots: []string{"1", "2"}})
		v0 := version()
		reg(journal.NewAppeal{Channel: "phone", ReceivedAt: &at, ContactPhone: "+7 701 000 0001", Description: "тот же сбой",
			Announcements: []string{"200-1", "300-1"}, Lots: []string{"7"}, IncidentID: a1.IncidentID})
		// Several announcements: lots go to the announcement their number starts with.
		reg(journal.NewAppeal{Channel: "phone", ReceivedAt: &at, ContactPhone: "+7 701 000 0003", Description: "и здесь",
			Announcements: []string{"400-1", "500-1"}, Lots: []string{"400-ЗЦП1", "500-ЗЦП2", "500-ЗЦП3"}, IncidentID: a1.IncidentID})
		reg(journal.NewAppeal{Channel: "phone", ReceivedAt: &at, ContactPhone: "+7 701 000 0002", Description: "другой сбой"})
		v1 := version()
		if v1 == v0 {
			t.Error("an appeal attached to the incident did not move the version")
		}
		snap, err := src.StatusSnapshot(ctx)
		if err != nil || len(snap.Failures) != 0 || snap.Version != v1 {
			t.Fatalf("before confirmation: %+v %v", snap, err)
		}
		step := func(a journal.Action, in journal.TransitionInput) {
			t.Helper()
			clk.Add(int64(time.Minute))
			in.Action = a
			if _, err := j.Transition(ctx, by, a1.IncidentID, in); err != nil {
				t.Fatal(err)
			}
		}
		dep := true
		planned := t0.Add(3 * time.Hour)
		step(journal.ActAnalyse, journal.TransitionInput{})
		step(journal.ActConfirm, journal.TransitionInput{Criticality: "medium", OperatorDependent: &dep, PlannedFixAt: &planned,
			Modules: []string{"Тендеры"}})

		// A plan applied through the procurement mirror (issue 4).
		proc := procurement.New(db, now, j, nil, "tenderdesk.local")
		line := `{"external_id":"p1","announcement":"100-1","lots":["1"],"method":"tender","module":"Тендеры",` +
			`"participants":[{"supplier":"123456789013","email":"a@b.kz"}],` +
			`"deadlines":[{"kind":"bids_end","lot":"1","at":"` + t0.Add(time.Hour).Format(time.RFC3339) + `"}]}` + "\n"
		if res, err := proc.Import(ctx, strings.NewReader(line), by); err != nil || len(res.Errors) != 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		v2 := version()
		applied, err := proc.Apply(ctx, a1.IncidentID, procurement.PlanRequest{Procedures: []string{"p1"}}, by)
		if err != nil || applied.PlanID == 0 {
			t.Fatalf("apply: %+v %v", applied, err)
		}
		if version() == v2 {
			t.Error("an applied plan (procurement feed) did not move the version")
		}

		snap, err = src.StatusSnapshot(ctx)
		if err != nil || len(snap.Failures) != 1 {
			t.Fatalf("after confirmation: %+v %v", snap, err)
		}
		f := snap.Failures[0]
		var aff []string
		for _, p := range f.Affected {
			aff = append(aff, p.Announcement+":"+strings.Join(p.Lots, "+"))
		}
		if f.Level != "medium" || f.State != "confirmed" || !f.PlannedFix.Equal(planned) || f.Confirmed.IsZero() ||
			strings.Join(aff, " ") != "100-1:1+2 200-1: 300-1: 400-1:400-ЗЦП1 500-1:500-ЗЦП2+500-ЗЦП3" || f.Modules.In("ru") != "Тендеры" {
			t.Errorf("posted failure: %+v affected %v", f, aff)
		}
		if len(f.Extensions) != 1 || f.Extensions[0].Lot != "1" || !strings.HasPrefix(f.Extensions[0].Rule, "Q36") ||
			f.Extensions[0].Announcement != "100-1" || f.Extensions[0].DeadlineKind != "bid_acceptance" ||
			!f.Extensions[0].New.After(f.Extensions[0].Old) {
			t.Errorf("extensions: %+v", f.Extensions)
		}
		v4 := version()
		if _, err := proc.Revert(ctx, applied.PlanID, "applied by mistake", by); err != nil {
			t.Fatal(err)
		}
		if snap, _ = src.StatusSnapshot(ctx); snap.Version == v4 || len(snap.Failures[0].Extensions) != 0 {
			t.Errorf("a reverted plan's extensions are still posted: %+v", snap.Failures[0].Extensions)
		}
		// Issue 14: the notice shows the withdrawal instead: the posted date,
		// the restored one, when and why.
		if w := snap.Failures[0].Withdrawn; len(w) != 1 || w[0].Announcement != "100-1" || w[0].Lot != "1" ||
			w[0].DeadlineKind != "bid_acceptance" || !w[0].Told.Equal(f.Extensions[0].New) || !w[0].Restored.Equal(f.Extensions[0].Old) ||
			w[0].Reason != "applied by mistake" || w[0].At.IsZero() {
			t.Errorf("withdrawn: %+v, the extension was %+v", w, f.Extensions)
		}

		// The operator's public text, then hiding the notice (audited, versioned).
		v5 := version()
		if _, err := src.SetNotice(ctx, by, a1.IncidentID, Notice{Title: statuspage.Text{"kk": "Өтінім беру істемейді"}}); err != nil {
			t.Fatal(err)
		}
		if snap, _ = src.StatusSnapshot(ctx); snap.Version == v5 || snap.Failures[0].Title.In("ru") != "Өтінім беру істемейді" {
			t.Errorf("public text: %+v", snap.Failures[0].Title)
		}
		if _, err := src.SetNotice(ctx, by, a1.IncidentID, Notice{Hidden: true}); err != nil {
			t.Fatal(err)
		}
		if snap, _ = src.StatusSnapshot(ctx); len(snap.Failures) != 0 {
			t.Errorf("a hidden notice is posted")
		}
		if _, err := src.SetNotice(ctx, by, a1.IncidentID, Notice{}); err != nil {
			t.Fatal(err)
		}
		if _, err := src.SetNotice(ctx, by, 999, Notice{}); err == nil {
			t.Errorf("a notice for a missing incident was accepted")
		}

		// Fixed: posted with the actual fix time for 7 days, then gone.
		step(journal.ActStartFix, journal.TransitionInput{})
		step(journal.ActFix, journal.TransitionInput{Decision: "исправлено"})
		snap, _ = src.StatusSnapshot(ctx)
		if len(snap.Failures) != 1 || snap.Failures[0].State != "fixed" || snap.Failures[0].ActualFix.IsZero() {
			t.Fatalf("fixed: %+v", snap.Failures)
		}
		v3 := version()
		clk.Add(int64(8 * 24 * time.Hour))
		if version() == v3 {
			t.Error("the version did not move with the days (fixed failures age out)")
		}
		if snap, _ = src.StatusSnapshot(ctx); len(snap.Failures) != 0 {
			t.Errorf("a failure fixed 8 days ago is still posted")
		}
	})
}
