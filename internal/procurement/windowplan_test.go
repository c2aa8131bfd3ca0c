package procurement_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/impact"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// scenarioAll is every procedure of the mirror as a scenario file has it.
func scenarioAll(t *testing.T) []impact.Procedure {
	var procs []impact.Procedure
	for _, l := range strings.Split(strings.TrimSpace(mirror()), "\n") {
		procs = append(procs, scenarioProc(t, l))
	}
	return procs
}

// finalOf is each deadline's value after a scenario plan's actions.
func finalOf(procs []impact.Procedure, acts []impact.Action) map[string]time.Time {
	out := map[string]time.Time{}
	for _, p := range procs {
		for _, d := range p.Deadlines {
			out[p.ID+"/"+string(d.Kind)] = d.At.UTC()
		}
	}
	for _, a := range acts {
		if a.Action == impact.Extend || a.Action == impact.Hold {
			out[a.Procedure+"/"+string(a.Deadline)] = a.New.UTC()
		}
	}
	return out
}

func (e *env) bidderMessages(t *testing.T, planID int64) map[string]string {
	t.Helper()
	rows, err := e.db.R.Query("SELECT to_address, kind FROM outbox WHERE event = $1", "impact.extensions:plan:"+itoa(planID))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var to, kind string
		if err := rows.Scan(&to, &kind); err != nil {
			t.Fatal(err)
		}
		out[to] = kind
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A maintenance window's own plan (ext14b, Q41): with no incident at all,
// the window of the status page moves every deadline of the portal on its
// date of works (whole portal: P1, P3, P4 on 14 April; not P2, days later)
// exactly as `impact plan --scenario` plans the same window over the same
// procedures. It applies atomically (an applied plan with no incident and
// the window, plan_windows, the feed naming the window, one
// maintenance_extensions message per bidder), applying again changes
// nothing, and the revert restores every deadline and tells the bidders.
func TestWindowOwnPlanEqualsScenarioQ41(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.svc.DefaultProfile = "kz-quasi"
		e.importAll(t, mirror())
		orig := e.deadlines(t)
		pn := &publicnotice.Service{DB: db, Now: e.clk.Now, NoticeBy: func(s time.Time) (time.Time, error) { return s.Add(-48 * time.Hour), nil }}
		start, end := at("12:00"), at("14:00")
		w, err := pn.Announce(ctx, admin, publicnotice.NewMaintenance{Title: statuspage.Text{"ru": "Обновление платформы"}, Start: &start, End: &end,
			Unplanned: true, Agreement: "письмо № 12-3/456"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		sum, err := e.svc.PlanWindow(ctx, w.ID, procurement.PlanRequest{}, func(a procurement.PlannedAction) error {
			got = append(got, planned(a))
			if a.Rule != "Q41" || a.Event != procurement.WindowEvent(w.ID) || a.Procedure == "P2" {
				t.Errorf("window plan action %+v", a)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if sum.Maintenance != w.ID || sum.Incident != 0 || len(got) == 0 {
			t.Fatalf("summary %+v, actions %v", sum, got)
		}

		id, cal, err := impact.ResolveProfile("kz-quasi", start)
		if err != nil {
			t.Fatal(err)
		}
		procs := scenarioAll(t)
		pl, err := impact.NewPlanner(impact.Input{Profile: id, Maintenance: []impact.Maintenance{{ID: procurement.WindowEvent(w.ID), Start: start, End: end}}},
			cal, impact.Options{})
		if err != nil {
			t.Fatal(err)
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
			t.Fatalf("window plan from the database\n  %s\nfrom the scenario planner\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}

		e.clk.Set(at("10:00").UTC())
		res, err := e.svc.ApplyWindow(ctx, w.ID, procurement.PlanRequest{PlanHash: sum.PlanHash}, operator)
		if err != nil || res.PlanID == 0 || res.Maintenance != w.ID {
			t.Fatalf("apply %+v %v", res, err)
		}
		// P1's acceptance 10:00 on the date of 2 h of works + 2 h = 12:00,
		// the works' start: never inside them, so after them, 14:00 (Q41).
		d := e.deadlines(t)
		if w := at("14:00").UTC(); !d["P1/bids_end"].Equal(w) {
			t.Errorf("P1 bids_end %s, want %s", d["P1/bids_end"].In(almaty), w.In(almaty))
		}
		for k, v := range finalOf(procs, acts) {
			if !d[k].Equal(v) {
				t.Errorf("after the window's plan %s = %s, scenario %s", k, d[k].In(almaty), v.In(almaty))
			}
		}
		if n := e.count(t, "SELECT count(*) FROM applied_plans WHERE id = $1 AND incident_id IS NULL AND maintenance_id = $2", res.PlanID, w.ID); n != 1 {
			t.Error("the applied plan does not name the window alone")
		}
		if n := e.count(t, "SELECT count(*) FROM plan_windows WHERE plan_id = $1 AND maintenance_id = $2", res.PlanID, w.ID); n != 1 {
			t.Error("plan_windows lacks the window")
		}
		msgs := e.bidderMessages(t, res.PlanID)
		if len(msgs) != 2 || msgs[s1+"@example.kz"] != string(templates.MaintenanceExtensions) || msgs[s2+"@example.kz"] != string(templates.MaintenanceExtensions) {
			t.Errorf("bidder messages %v", msgs)
		}
		feed, err := e.svc.Feed(ctx, 0, 100)
		if err != nil || len(feed.Changes) == 0 || feed.Changes[0].Maintenance != w.ID || feed.Changes[0].Incident != 0 {
			t.Fatalf("feed %+v %v", feed, err)
		}
		rec, err := e.svc.PlanByID(ctx, res.PlanID)
		if err != nil || rec.Maintenance != w.ID || rec.Incident != 0 {
			t.Fatalf("plan record %+v %v", rec, err)
		}
		if ps, err := e.svc.PlansOfWindow(ctx, w.ID); err != nil || len(ps) != 1 || ps[0].ID != res.PlanID {
			t.Fatalf("plans of the window %+v %v", ps, err)
		}
		again, err := e.svc.ApplyWindow(ctx, w.ID, procurement.PlanRequest{}, operator)
		if err != nil || again.PlanID != 0 {
			t.Fatalf("applying twice: %+v %v", again, err)
		}
		if _, err := e.svc.PlanWindow(ctx, w.ID, procurement.PlanRequest{Procedures: []string{"P1"}}, nil); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("a window's plan with an incident's field: %v", err)
		}

		rv, err := e.svc.Revert(ctx, res.PlanID, "работы отменены", admin)
		if err != nil || rv.Notifications != 2 {
			t.Fatalf("revert %+v %v", rv, err)
		}
		for k, v := range e.deadlines(t) {
			if !v.Equal(orig[k]) {
				t.Errorf("after revert %s = %s, want %s", k, v.In(almaty), orig[k].In(almaty))
			}
		}
		_, wd := e.withdrawn(t, res.PlanID)
		if x := wd[s1+"@example.kz"]; x.Number != procurement.WindowNumber(w.ID) || len(x.Extensions) == 0 {
			t.Errorf("withdrawal notice %+v", x)
		}
		// ext14c: the withdrawal of a window's plan names the works and
		// their dates (maintenance_withdrawn), never a technical failure.
		for to, x := range wd {
			if !x.Started.Equal(start) || !x.Ended.Equal(end) || x.Reason != "работы отменены" {
				t.Errorf("%s: withdrawal of the window's plan: works %s–%s, reason %q", to, x.Started, x.Ended, x.Reason)
			}
			for lang, want := range map[string][2]string{
				"ru": {"технических и профилактических работ", "техническим сбоем"},
				"kk": {"Техникалық және профилактикалық жұмыстар", "техникалық іркіліс"},
				"en": {"technical and preventive works", "technical failure"},
			} {
				subj, text, _, err := templates.Render(templates.MaintenanceWithdrawn, lang, x)
				if err != nil || !strings.Contains(text, want[0]) || strings.Contains(text, want[1]) || !strings.Contains(subj, x.Number) {
					t.Errorf("%s/%s: %v\n%s\n%s", to, lang, err, subj, text)
				}
			}
		}
	})
}

// Applying a window's plan takes every incident touching those procedures
// (Q41 composition): an incident of module m1 applied first moved P1 and P4
// (by itself and by the window it overlaps); the window's own plan then
// moves what only the window reaches (P3, module m2) and nothing twice, so
// the deadlines end where one scenario with the incident and the window
// puts them. Reverting the window's plan gives back P3 alone.
func TestWindowPlanComposesWithAppliedIncidentQ41(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.svc.DefaultProfile = "kz-quasi"
		e.importAll(t, mirror())
		pn := &publicnotice.Service{DB: db, Now: e.clk.Now, NoticeBy: func(s time.Time) (time.Time, error) { return s.Add(-48 * time.Hour), nil }}
		start, end := at("12:00"), at("14:00")
		w, err := pn.Announce(ctx, admin, publicnotice.NewMaintenance{Title: statuspage.Text{"ru": "Обновление"}, Start: &start, End: &end,
			Unplanned: true, Agreement: "письмо № 1"})
		if err != nil {
			t.Fatal(err)
		}
		inc := e.confirmed(t)
		e.clk.Set(at("09:40").UTC())
		ri, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator)
		if err != nil || ri.PlanID == 0 {
			t.Fatalf("incident apply %+v %v", ri, err)
		}
		afterInc := e.deadlines(t)
		rw, err := e.svc.ApplyWindow(ctx, w.ID, procurement.PlanRequest{}, operator)
		if err != nil || rw.PlanID == 0 {
			t.Fatalf("window apply %+v %v", rw, err)
		}
		var input string
		if err := db.R.QueryRow("SELECT input FROM applied_plans WHERE id = $1", ri.PlanID).Scan(&input); err != nil {
			t.Fatal(err)
		}
		var engineInc impact.Incident
		if err := json.Unmarshal([]byte(input), &engineInc); err != nil {
			t.Fatal(err)
		}
		id, cal, _ := impact.ResolveProfile("kz-quasi", at("09:05"))
		procs := scenarioAll(t)
		pl, err := impact.NewPlanner(impact.Input{Profile: id, Incidents: []impact.Incident{engineInc},
			Maintenance: []impact.Maintenance{{ID: procurement.WindowEvent(w.ID), Start: start, End: end}}}, cal, impact.Options{})
		if err != nil {
			t.Fatal(err)
		}
		acts, err := pl.PlanAll(procs)
		if err != nil {
			t.Fatal(err)
		}
		d := e.deadlines(t)
		for k, v := range finalOf(procs, acts) {
			if !d[k].Equal(v) {
				t.Errorf("after both plans %s = %s, scenario with both %s", k, d[k].In(almaty), v.In(almaty))
			}
		}
		if d["P3/bids_end"].Equal(afterInc["P3/bids_end"]) {
			t.Error("the window's plan did not move P3 (module m2, on the date of works)")
		}
		if n := e.count(t, "SELECT count(*) FROM plan_changes c JOIN procedures p ON p.id = c.procedure_id WHERE c.plan_id = $1 AND p.external_id IN ('P1', 'P4')", rw.PlanID); n != 0 {
			t.Errorf("the window's plan moved the incident's procedures again (%d changes)", n)
		}
		if _, err := e.svc.Revert(ctx, rw.PlanID, "проверка", admin); err != nil {
			t.Fatal(err)
		}
		for k, v := range e.deadlines(t) {
			if !v.Equal(afterInc[k]) {
				t.Errorf("after reverting the window's plan %s = %s, want %s", k, v.In(almaty), afterInc[k].In(almaty))
			}
		}
	})
}

// Q41-open (docs/impact.md): a window announced with no end has no plan —
// Q41 moves a deadline by the length of the works, unknown until the end
// is entered — so its plan is refused (409 naming ends_at) and no incident
// plan composes with it. Once the end is entered the plan is computed; a
// later end then re-plans by the difference only (one more hour), never
// moving anything twice.
func TestOpenEndedWindowPlannedOnceEndEnteredQ41Open(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.svc.DefaultProfile = "kz-quasi"
		e.importAll(t, mirror())
		e.clk.Set(at("12:30").UTC())
		pn := &publicnotice.Service{DB: db, Now: e.clk.Now, NoticeBy: func(s time.Time) (time.Time, error) { return s.Add(-48 * time.Hour), nil }}
		start := at("12:00")
		w, err := pn.Announce(ctx, admin, publicnotice.NewMaintenance{Title: statuspage.Text{"ru": "Авария"}, Start: &start, Unplanned: true, Agreement: "звонок"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.PlanWindow(ctx, w.ID, procurement.PlanRequest{}, nil)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict || ae.Fields["ends_at"] == "" {
			t.Fatalf("open-ended window planned: %v", err)
		}
		if _, err := e.svc.ApplyWindow(ctx, w.ID, procurement.PlanRequest{}, operator); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("open-ended window applied: %v", err)
		}
		if _, err := pn.SetEnd(ctx, admin, w.ID, nil); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("no end: %v", err)
		}
		early := at("11:00")
		if _, err := pn.SetEnd(ctx, admin, w.ID, &early); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("end before start: %v", err)
		}
		end := at("14:00")
		if _, err := pn.SetEnd(ctx, admin, w.ID, &end); err != nil {
			t.Fatal(err)
		}
		r1, err := e.svc.ApplyWindow(ctx, w.ID, procurement.PlanRequest{}, operator)
		if err != nil || r1.PlanID == 0 {
			t.Fatalf("apply once the end is known: %+v %v", r1, err)
		}
		if got, want := e.deadlines(t)["P1/bids_end"], at("14:00").UTC(); !got.Equal(want) {
			t.Errorf("P1 bids_end %s, want %s (10:00 + 2 h of works lands at their start: after them)", got.In(almaty), want.In(almaty))
		}
		later := at("15:00")
		if _, err := pn.SetEnd(ctx, admin, w.ID, &later); err != nil {
			t.Fatal(err)
		}
		r2, err := e.svc.ApplyWindow(ctx, w.ID, procurement.PlanRequest{}, operator)
		if err != nil || r2.PlanID == 0 {
			t.Fatalf("apply after a later end: %+v %v", r2, err)
		}
		// 10:00 + 3 h = 13:00, inside 12:00–15:00: after them with the hour
		// it had, 16:00; the second plan is one step 14:00 → 16:00.
		if got, want := e.deadlines(t)["P1/bids_end"], at("16:00").UTC(); !got.Equal(want) {
			t.Errorf("P1 bids_end %s, want %s (3 h of works)", got.In(almaty), want.In(almaty))
		}
		var old, nw store.Time
		if err := db.R.QueryRow("SELECT c.old_at, c.new_at FROM plan_changes c JOIN procedures p ON p.id = c.procedure_id WHERE c.plan_id = $1 AND p.external_id = 'P1' AND c.kind = 'bids_end'",
			r2.PlanID).Scan(&old, &nw); err != nil {
			t.Fatal(err)
		}
		if !old.Time.Equal(at("14:00")) || !nw.Time.Equal(at("16:00")) {
			t.Errorf("the re-plan's step %s → %s, want the difference 14:00 → 16:00", old.Time.In(almaty), nw.Time.In(almaty))
		}
		if n := e.count(t, "SELECT count(*) FROM audit_log WHERE action = 'maintenance.end' AND object_id = $1", itoa(w.ID)); n != 2 {
			t.Errorf("%d audit records of the end, want 2", n)
		}
	})
}
