package procurement_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/impact"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Q41 from the database (issue 14): a maintenance window announced on the
// status page composes with an incident that overlaps it. The incident's
// plan moves the deadlines it reaches by the incident and by the window
// (a deadline on a date of works moves by their length that day and never
// lands inside them), exactly as the same incident and window planned from
// a scenario; procedures the incident does not reach are left to their own
// plan. The plan records the window, so after the window is withdrawn a
// re-plan still composes with it (nothing changes, no error), and the
// revert restores everything.
func TestMaintenanceWindowComposesWithIncidentQ41(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.importAll(t, mirror())
		orig := e.deadlines(t)
		pn := &publicnotice.Service{DB: db, Now: e.clk.Now, NoticeBy: func(s time.Time) (time.Time, error) { return s.Add(-48 * time.Hour), nil }}
		start, end := at("12:00"), at("14:00")
		w, err := pn.Announce(ctx, admin, publicnotice.NewMaintenance{Title: statuspage.Text{"ru": "Обновление платформы"}, Start: &start, End: &end,
			Unplanned: true, Agreement: "письмо № 12-3/456"})
		if err != nil {
			t.Fatal(err)
		}
		inc := e.confirmed(t) // 09:00–12:00, high, module m1
		e.clk.Set(at("09:40").UTC())

		var got []string
		rules := map[string]int{}
		if _, err := e.svc.Plan(ctx, inc, procurement.PlanRequest{}, func(a procurement.PlannedAction) error {
			got = append(got, planned(a))
			rules[a.Rule]++
			if a.Procedure == "P3" || a.Procedure == "P2" {
				t.Errorf("the incident's plan touches %s (another module / days later): %+v", a.Procedure, a)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if rules["Q41"] == 0 {
			t.Fatalf("no Q41 action in the incident's plan with an overlapping window: %v", got)
		}

		// The same incident and window through the scenario planner.
		res, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator)
		if err != nil || res.PlanID == 0 {
			t.Fatalf("apply %+v %v", res, err)
		}
		var input string
		if err := db.R.QueryRow("SELECT input FROM applied_plans WHERE id = $1", res.PlanID).Scan(&input); err != nil {
			t.Fatal(err)
		}
		var engineInc impact.Incident
		if err := json.Unmarshal([]byte(input), &engineInc); err != nil {
			t.Fatal(err)
		}
		id, cal, err := impact.ResolveProfile("kz-quasi", at("09:05"))
		if err != nil {
			t.Fatal(err)
		}
		pl, err := impact.NewPlanner(impact.Input{Profile: id, Incidents: []impact.Incident{engineInc},
			Maintenance: []impact.Maintenance{{ID: procurement.WindowEvent(w.ID), Start: start, End: end}}}, cal, impact.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var procs []impact.Procedure
		for _, l := range strings.Split(strings.TrimSpace(mirror()), "\n") {
			if strings.Contains(l, `"P1"`) || strings.Contains(l, `"P4"`) {
				procs = append(procs, scenarioProc(t, l))
			}
		}
		acts, err := pl.PlanAll(procs)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, a := range acts {
			want = append(want, planned(procurement.PlannedAction{Procedure: a.Procedure, Lot: a.Lot, Deadline: string(a.Deadline),
				Supplier: a.Supplier, Action: string(a.Action), Rule: a.Rule, Event: a.Event, Old: tpp(a.Old), New: tpp(a.New)}))
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("plan from the database\n  %s\nfrom the scenario planner\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		d := e.deadlines(t)
		// P1's acceptance: 10:00 + 3 h of the failure = 13:00, inside the
		// works 12:00–14:00 → after them with the hour it had: 15:00.
		if w := at("15:00").UTC(); !d["P1/bids_end"].Equal(w) {
			t.Errorf("P1 bids_end %s, want %s (Q37.4 then Q41)", d["P1/bids_end"].In(almaty), w.In(almaty))
		}
		if n := e.count(t, "SELECT count(*) FROM plan_windows WHERE plan_id = $1 AND maintenance_id = $2", res.PlanID, w.ID); n != 1 {
			t.Errorf("the plan does not record the window it moved by (%d)", n)
		}

		// Withdrawn later, the window stays composed with what it moved.
		if _, err := pn.Withdraw(ctx, admin, w.ID, "работы перенесены"); err != nil {
			t.Fatal(err)
		}
		again, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator)
		if err != nil || again.PlanID != 0 {
			t.Fatalf("re-plan after the window was withdrawn: %+v %v", again, err)
		}
		if _, err := e.svc.Revert(ctx, res.PlanID, "проверка", admin); err != nil {
			t.Fatal(err)
		}
		for k, v := range e.deadlines(t) {
			if !v.Equal(orig[k]) {
				t.Errorf("after revert %s = %s, want %s", k, v.In(almaty), orig[k].In(almaty))
			}
		}
		t.Logf("plan: %v", got)
	})
}

func tpp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func planned(a procurement.PlannedAction) string {
	f := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.In(almaty).Format("01-02 15:04")
	}
	return strings.Join([]string{a.Procedure, a.Lot, a.Deadline, a.Supplier, a.Action, a.Rule, a.Event, f(a.Old), f(a.New)}, " ")
}

// scenarioProc reads one line of the mirror as a scenario file's procedure.
func scenarioProc(t *testing.T, line string) impact.Procedure {
	t.Helper()
	line = strings.Replace(line, `"external_id"`, `"id"`, 1)
	sc, err := impact.ParseScenario([]byte(`{"profile":"kz-quasi","procedures":[` + line + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	return sc.Procedures[0]
}
