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

// ruleCase is one point rule fed from the Journal: the procedure in the
// mirror, the trigger staff record on the appeal, and what the scenario
// file of the same failure says.
type ruleCase struct {
	rule, profile string
	deadlines     []map[string]string
	trigger       map[string]any // POST /api/v1/appeals/{number}/triggers
	// scenario: the incident's fields the trigger stands for in a scenario
	// file, given the appeal's registration time.
	scenario func(appealAt string) map[string]any
}

// Issue 14, "a scenario from the Journal end to end for each rule": each
// trigger kind recorded on an appeal through the API (could_not_participate
// Q49, unreliable_register Q50, discussion_questions Q51, unreliable_list
// E29.6, results_affected E29.5, last_day_acceptance_affected E29.3), the
// failure confirmed, planned from the database — and the plan equals the
// same failure as a scenario file planned by `impact plan --scenario`
// (impact.ParseScenario, impact.PlanScenario). The rule is in the plan only
// once the trigger is recorded.
func TestTriggerRulesFromJournalEqualScenario(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Minute)
	ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	const supplier = "123456789013"
	appealOf := func(a map[string]any) func(string) map[string]any {
		return func(at string) map[string]any {
			a["at"] = at
			return map[string]any{"appeals": []map[string]any{a}}
		}
	}
	cases := []ruleCase{
		{rule: "Q49", profile: "kz-quasi",
			deadlines: []map[string]string{{"kind": "bids_end", "lot": "1", "at": ts(-50 * time.Minute)},
				{"kind": "opening_protocol", "lot": "1", "at": ts(-40 * time.Minute)}, {"kind": "contract_signing", "lot": "1", "at": ts(20 * 24 * time.Hour)}},
			trigger:  map[string]any{"kind": "could_not_participate", "lot": "1"},
			scenario: appealOf(map[string]any{"kind": "could_not_participate", "lot": "1"})},
		{rule: "Q50", profile: "kz-quasi",
			deadlines: []map[string]string{{"kind": "contract_signing", "lot": "1", "at": ts(2 * time.Hour)}},
			trigger: map[string]any{"kind": "unreliable_register", "lot": "1", "supplier": supplier, "excluded_at": ts(-30 * time.Minute),
				"draft_sent_to_second_winner": true},
			scenario: appealOf(map[string]any{"kind": "unreliable_register", "lot": "1", "supplier": supplier, "excluded_at": ts(-30 * time.Minute),
				"draft_sent_to_second_winner": true})},
		{rule: "Q51", profile: "kz-quasi",
			deadlines: []map[string]string{{"kind": "discussion_end", "at": ts(3 * time.Hour)}, {"kind": "bids_end", "lot": "1", "at": ts(10 * 24 * time.Hour)}},
			trigger:   map[string]any{"kind": "discussion_questions"},
			scenario:  appealOf(map[string]any{"kind": "discussion_questions"})},
		{rule: "E29.6", profile: "kz-energy",
			deadlines: []map[string]string{{"kind": "contract_signing", "lot": "1", "at": ts(5 * 24 * time.Hour)}},
			trigger:   map[string]any{"kind": "unreliable_list", "lot": "1", "supplier": supplier, "act_approved_at": ts(-10 * time.Minute)},
			scenario:  appealOf(map[string]any{"kind": "unreliable_list", "lot": "1", "supplier": supplier, "act_approved_at": ts(-10 * time.Minute)})},
		{rule: "E29.5", profile: "kz-energy",
			deadlines: []map[string]string{{"kind": "results_protocol", "lot": "1", "at": ts(-3 * time.Hour)}, {"kind": "contract_signing", "lot": "1", "at": ts(5 * 24 * time.Hour)}},
			trigger:   map[string]any{"kind": "results_affected"},
			scenario:  func(string) map[string]any { return map[string]any{"results_affected": []string{"@"}} }},
		{rule: "E29.3", profile: "kz-energy",
			deadlines: []map[string]string{{"kind": "bids_end", "lot": "1", "at": ts(3 * time.Hour)}},
			trigger:   map[string]any{"kind": "last_day_acceptance_affected"},
			scenario:  func(string) map[string]any { return map[string]any{"last_day_acceptance_affected": true} }},
	}
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		portal := d.user("portalrules", auth.RolePortal, "", "")
		op := d.user("oprules", auth.RoleOperator, "", "")
		for _, c := range cases {
			t.Run(c.rule, func(t *testing.T) {
				id := "P-" + strings.ReplaceAll(c.rule, ".", "-")
				module := "mod-" + id
				participants := []map[string]string{{"supplier": supplier, "email": "alfa@example.kz", "language": "ru"}}
				proc := map[string]any{"external_id": id, "announcement": "A-" + id, "lots": []string{"1"}, "method": "tender", "customer": "990140000123",
					"module": module, "participants": participants, "deadlines": c.deadlines}
				line, _ := json.Marshal(proc)
				d.must(d.req("POST", "/api/v1/procedures/import", portal, string(line)+"\n", "Content-Type", "application/x-ndjson"), http.StatusOK)

				number, inc := d.register(d.Admin, map[string]any{"module": module, "profile": c.profile})
				path := fmt.Sprintf("/api/v1/incidents/%d/", inc)
				d.must(d.req("POST", path+"analyse", op, map[string]any{}), http.StatusOK)
				started, planned := now.Add(-time.Hour), now.Add(time.Hour)
				d.must(d.req("POST", path+"confirm", op, map[string]any{"criticality": "medium", "cause": "operator_staff_error",
					"failure_started_at": started.Format(time.RFC3339), "planned_fix_at": planned.Format(time.RFC3339), "modules": []string{module}}), http.StatusOK)

				before := d.planLines(path)
				tr := map[string]any{"procedure": id}
				for k, v := range c.trigger {
					tr[k] = v
				}
				got := d.must(d.req("POST", "/api/v1/appeals/"+number+"/triggers", op, tr), http.StatusCreated)
				if got.JSON["rule"] != c.rule {
					t.Fatalf("trigger recorded as %v, want %s: %s", got.JSON["rule"], c.rule, got)
				}
				fromJournal := d.planLines(path)
				cites := func(ls []string) bool {
					return slices.ContainsFunc(ls, func(s string) bool { return strings.Contains(s, " "+c.rule+" ") })
				}
				if !cites(fromJournal) || cites(before) {
					t.Fatalf("%s before the trigger %v, after %v", c.rule, before, fromJournal)
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
				incident := map[string]any{"id": fmt.Sprint(inc), "criticality": "medium", "operator_dependent": true, "modules": []string{module},
					"started_at": started.Format(time.RFC3339), "reported_at": v.JSON["first_registered_at"], "confirmed_at": confirmedAt,
					"fixed_at": planned.Format(time.RFC3339)}
				for k, x := range c.scenario(appealAt) {
					if ap, ok := x.([]map[string]any); ok {
						for _, a := range ap {
							a["procedure"] = id
						}
					}
					if l, ok := x.([]string); ok && len(l) == 1 && l[0] == "@" {
						x = []string{id}
					}
					incident[k] = x
				}
				sc := map[string]any{"profile": v.JSON["profile"], "incident": incident,
					"procedures": []map[string]any{{"id": id, "announcement": "A-" + id, "lots": []string{"1"}, "method": "tender",
						"customer": "990140000123", "module": module, "participants": participants, "deadlines": c.deadlines}}}
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
					fromScenario = append(fromScenario, actionLine(a.Procedure, a.Lot, string(a.Deadline), a.Supplier, string(a.Action), a.Rule, a.Old, a.New))
				}
				slices.Sort(fromScenario)
				if !slices.Equal(fromJournal, fromScenario) {
					t.Fatalf("%s: plan from the Journal\n  %s\nfrom the scenario\n  %s\nscenario: %s", c.rule, strings.Join(fromJournal, "\n  "),
						strings.Join(fromScenario, "\n  "), raw)
				}
				t.Logf("%s (%s): %v", c.rule, v.JSON["profile"], fromJournal)
			})
		}
	})
}

func actionLine(proc, lot, deadline, supplier, action, rule string, old, nw time.Time) string {
	f := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	return strings.Join([]string{proc, lot, deadline, supplier, action, rule, f(old), f(nw)}, " ")
}

// planLines is the incident's plan from the database (the API's NDJSON
// preview), one sorted line per action.
func (d *desk) planLines(path string, body ...any) []string {
	d.t.Helper()
	var b any
	if len(body) > 0 {
		b = body[0]
	}
	r := d.must(d.req("POST", path+"plan?format=ndjson", d.Admin, b), http.StatusOK)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(r.Raw)), "\n") {
		if l == "" || strings.HasPrefix(l, `{"summary"`) {
			continue
		}
		var a struct {
			Procedure, Lot, Deadline, Supplier, Action, Rule string
			Old, New                                         *time.Time
		}
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			d.t.Fatalf("%s: %v", l, err)
		}
		var old, nw time.Time
		if a.Old != nil {
			old = *a.Old
		}
		if a.New != nil {
			nw = *a.New
		}
		out = append(out, actionLine(a.Procedure, a.Lot, a.Deadline, a.Supplier, a.Action, a.Rule, old, nw))
	}
	slices.Sort(out)
	return out
}
