package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/impact"
)

// Q49 from the Journal, end to end: a user's appeal recorded as
// could_not_participate on a confirmed incident makes the incident's plan
// annul the protocol formed during the failure and extend bid acceptance
// by a calendar day — and the plan from the database equals the plan of
// the same scenario run through `impact plan --scenario`
// (impact.PlanScenario). Bad triggers are refused naming the field.
func TestQ49TriggerFromJournalEqualsScenario(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		portal := d.user("portal49", auth.RolePortal, "", "")
		op := d.user("op49", auth.RoleOperator, "", "")
		now := time.Now().UTC().Truncate(time.Minute)
		deadlines := []map[string]string{
			{"kind": "bids_end", "lot": "1", "at": now.Add(-50 * time.Minute).Format(time.RFC3339)},
			{"kind": "opening_protocol", "lot": "1", "at": now.Add(-40 * time.Minute).Format(time.RFC3339)},
			{"kind": "contract_signing", "lot": "1", "at": now.Add(20 * 24 * time.Hour).Format(time.RFC3339)},
		}
		participants := []map[string]string{{"supplier": "123456789013", "email": "alfa@example.kz", "language": "ru"}}
		proc := map[string]any{"external_id": "P49", "announcement": "A-49", "lots": []string{"1"}, "method": "tender", "customer": "990140000123",
			"module": "m49", "participants": participants, "deadlines": deadlines}
		line, _ := json.Marshal(proc)
		d.must(d.req("POST", "/api/v1/procedures/import", portal, string(line)+"\n", "Content-Type", "application/x-ndjson"), http.StatusOK)

		number, inc := d.register(d.Admin, map[string]any{"module": "m49"})
		path := fmt.Sprintf("/api/v1/incidents/%d/", inc)
		d.must(d.req("POST", path+"analyse", op, map[string]any{}), http.StatusOK)
		started, planned := now.Add(-time.Hour), now.Add(time.Hour)
		d.must(d.req("POST", path+"confirm", op, map[string]any{"criticality": "medium", "cause": "operator_staff_error",
			"failure_started_at": started.Format(time.RFC3339), "planned_fix_at": planned.Format(time.RFC3339), "modules": []string{"m49"}}), http.StatusOK)

		bad := d.must(d.req("POST", "/api/v1/appeals/"+number+"/triggers", op, map[string]any{"kind": "felt_bad", "procedure": "P49"}), http.StatusBadRequest)
		if bad.errField("kind") == "" {
			t.Fatalf("bad kind: %s", bad)
		}
		bad = d.must(d.req("POST", "/api/v1/appeals/"+number+"/triggers", op, map[string]any{"kind": "unreliable_register", "procedure": "P49"}), http.StatusBadRequest)
		if bad.errField("excluded_at") == "" {
			t.Fatalf("Q50 without excluded_at: %s", bad)
		}
		d.must(d.req("POST", "/api/v1/appeals/2026-999999/triggers", op, map[string]any{"kind": "could_not_participate", "procedure": "P49"}), http.StatusNotFound)
		d.must(d.req("POST", "/api/v1/appeals/"+number+"/triggers", portal, map[string]any{"kind": "could_not_participate", "procedure": "P49"}), http.StatusForbidden)

		plan := func() []string {
			t.Helper()
			r := d.must(d.req("POST", path+"plan?format=ndjson", op, nil), http.StatusOK)
			var out []string
			for _, l := range strings.Split(strings.TrimSpace(string(r.Raw)), "\n") {
				var a struct {
					Procedure, Lot, Deadline, Action, Rule string
					New                                    *time.Time
				}
				if strings.HasPrefix(l, `{"summary"`) {
					continue
				}
				if err := json.Unmarshal([]byte(l), &a); err != nil {
					t.Fatalf("%s: %v", l, err)
				}
				nw := ""
				if a.New != nil {
					nw = a.New.UTC().Format(time.RFC3339)
				}
				out = append(out, strings.Join([]string{a.Procedure, a.Lot, a.Deadline, a.Action, a.Rule, nw}, " "))
			}
			slices.Sort(out)
			return out
		}
		before := plan()
		tr := d.must(d.req("POST", "/api/v1/appeals/"+number+"/triggers", op, map[string]any{"kind": "could_not_participate", "procedure": "P49",
			"lot": "1"}), http.StatusCreated)
		if tr.JSON["rule"] != "Q49" {
			t.Fatalf("trigger: %s", tr)
		}
		list := d.must(d.req("GET", path+"triggers", op, nil), http.StatusOK)
		if len(list.JSON["triggers"].([]any)) != 1 {
			t.Fatalf("triggers: %s", list)
		}
		fromJournal := plan()
		if !slices.ContainsFunc(fromJournal, func(s string) bool { return strings.Contains(s, " Q49") }) ||
			slices.ContainsFunc(before, func(s string) bool { return strings.Contains(s, " Q49") }) {
			t.Fatalf("Q49 before the trigger %v, after %v", before, fromJournal)
		}

		// The same failure as a scenario file.
		v := d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", inc), op, nil), http.StatusOK)
		var confirmedAt string
		for _, x := range v.JSON["transitions"].([]any) {
			if m := x.(map[string]any); m["to"] == "confirmed" {
				confirmedAt = m["at"].(string)
			}
		}
		appealAt := v.JSON["appeals"].([]any)[0].(map[string]any)["registered_at"].(string)
		sc := map[string]any{"profile": v.JSON["profile"], "incident": map[string]any{"id": fmt.Sprint(inc), "criticality": "medium",
			"operator_dependent": true, "modules": []string{"m49"}, "started_at": started.Format(time.RFC3339),
			"reported_at": v.JSON["first_registered_at"], "confirmed_at": confirmedAt, "fixed_at": planned.Format(time.RFC3339),
			"appeals": []map[string]any{{"kind": "could_not_participate", "procedure": "P49", "lot": "1", "at": appealAt}}},
			"procedures": []map[string]any{{"id": "P49", "announcement": "A-49", "lots": []string{"1"}, "method": "tender", "customer": "990140000123",
				"module": "m49", "participants": participants, "deadlines": deadlines}}}
		raw, _ := json.Marshal(sc)
		parsed, err := impact.ParseScenario(raw)
		if err != nil {
			t.Fatalf("scenario: %v\n%s", err, raw)
		}
		acts, _, err := impact.PlanScenario(parsed)
		if err != nil {
			t.Fatal(err)
		}
		var fromScenario []string
		for _, a := range acts {
			nw := ""
			if !a.New.IsZero() {
				nw = a.New.UTC().Format(time.RFC3339)
			}
			fromScenario = append(fromScenario, strings.Join([]string{a.Procedure, a.Lot, string(a.Deadline), string(a.Action), a.Rule, nw}, " "))
		}
		slices.Sort(fromScenario)
		if !slices.Equal(fromJournal, fromScenario) {
			t.Fatalf("plan from the Journal\n  %s\nfrom the scenario\n  %s", strings.Join(fromJournal, "\n  "), strings.Join(fromScenario, "\n  "))
		}
		t.Logf("plan: %v", fromJournal)
	})
}
