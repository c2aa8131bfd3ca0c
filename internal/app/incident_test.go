package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"tenderdesk/internal/auth"
)

func modulesOf(r reply) []string {
	var out []string
	for _, m := range r.JSON["modules"].([]any) {
		out = append(out, m.(string))
	}
	return out
}

// Issue 8 defect 6: an incident starts with the modules its appeals name;
// an appeal attached or merged adds its module; operators may edit the list
// (audited).
func TestIncidentModulesFollowItsAppeals(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		op := d.user("op-modules", auth.RoleOperator, "", "")
		auditor := d.user("aud-modules", auth.RoleAuditor, "", "")
		incident := func(id int64) reply {
			return d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", id), op, nil), http.StatusOK)
		}
		want := func(id int64, modules ...string) {
			t.Helper()
			if got := modulesOf(incident(id)); !slices.Equal(got, modules) {
				t.Errorf("incident %d: modules %v, want %v", id, got, modules)
			}
		}
		_, inc := d.register(op, map[string]any{"module": "tenders"})
		want(inc, "tenders")
		d.register(op, map[string]any{"module": "auction", "incident_id": inc})
		d.register(op, map[string]any{"module": " tenders ", "incident_id": inc}) // already named
		d.register(op, map[string]any{"module": nil, "incident_id": inc})
		want(inc, "tenders", "auction")
		_, none := d.register(op, map[string]any{"module": nil})
		want(none)
		n3, other := d.register(op, map[string]any{"module": "contracts"})
		d.must(d.req("POST", "/api/v1/appeals/"+n3+"/merge", op, map[string]any{"incident_id": inc}), http.StatusOK)
		want(inc, "tenders", "auction", "contracts")

		version := int(incident(inc).JSON["version"].(float64))
		r := d.must(d.req("PUT", fmt.Sprintf("/api/v1/incidents/%d/modules", inc), op,
			map[string]any{"modules": []string{"tenders", "eds", "eds"}, "expected_version": version}), http.StatusOK)
		if got := modulesOf(r); !slices.Equal(got, []string{"tenders", "eds"}) {
			t.Errorf("edited modules: %v", got)
		}
		want(inc, "tenders", "eds")
		a := d.must(d.req("GET", fmt.Sprintf("/api/v1/audit?object_type=incident&object_id=%d", inc), d.Admin, nil), http.StatusOK)
		found := false
		for _, rec := range a.JSON["records"].([]any) {
			found = found || rec.(map[string]any)["action"] == "incident.modules"
		}
		if !found {
			t.Errorf("the edit is not in the audit trail: %s", a)
		}
		d.must(d.req("PUT", fmt.Sprintf("/api/v1/incidents/%d/modules", inc), op,
			map[string]any{"modules": []string{"x"}, "expected_version": version}), http.StatusConflict) // stale
		bad := d.must(d.req("PUT", fmt.Sprintf("/api/v1/incidents/%d/modules", inc), op, map[string]any{"modules": []string{" "}}), http.StatusBadRequest)
		if bad.errField("modules") == "" {
			t.Errorf("the 400 does not name modules: %s", bad)
		}
		d.must(d.req("PUT", fmt.Sprintf("/api/v1/incidents/%d/modules", inc), op, map[string]any{}), http.StatusBadRequest)
		d.must(d.req("PUT", fmt.Sprintf("/api/v1/incidents/%d/modules", inc), auditor, map[string]any{"modules": []string{}}), http.StatusForbidden)
		d.must(d.req("PUT", "/api/v1/incidents/999999/modules", op, map[string]any{"modules": []string{}}), http.StatusNotFound)
		r = d.must(d.req("PUT", fmt.Sprintf("/api/v1/incidents/%d/modules", other), op, map[string]any{"modules": []string{"eds"}}), http.StatusConflict)
		if r.errField("") == "" {
			t.Errorf("editing a merged incident: %s", r)
		}
		d.verifyAudit()
	})
}

// Issue 8 defect 7: a failure is not fixed before it started, nor before
// its first registration: 400 naming fixed_at.
func TestFixedAtNotBeforeTheFailure(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		op := d.user("op-fixed", auth.RoleOperator, "", "")
		act := func(id int64, action string, body map[string]any) reply {
			t.Helper()
			return d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/%s", id, action), op, body)
		}
		at := func(d time.Duration) string { return time.Now().Add(d).Format(time.RFC3339) }
		fixing := func(confirm map[string]any) int64 {
			_, inc := d.register(op, nil)
			d.must(act(inc, "analyse", map[string]any{}), http.StatusOK)
			d.must(act(inc, "confirm", confirm), http.StatusOK)
			d.must(act(inc, "start_fix", map[string]any{}), http.StatusOK)
			return inc
		}
		started := fixing(map[string]any{"criticality": "low", "cause": "third_party_outage", "failure_started_at": at(-2 * time.Hour)})
		r := d.must(act(started, "fix", map[string]any{"decision": "перезапуск", "fixed_at": at(-3 * time.Hour)}), http.StatusBadRequest)
		if r.errField("fixed_at") == "" {
			t.Errorf("fixed before the failure started: %s", r)
		}
		unknownStart := fixing(map[string]any{"criticality": "low", "cause": "third_party_outage"})
		r = d.must(act(unknownStart, "fix", map[string]any{"decision": "перезапуск", "fixed_at": at(-time.Hour)}), http.StatusBadRequest)
		if r.errField("fixed_at") == "" {
			t.Errorf("fixed before the first registration: %s", r)
		}
		d.must(act(started, "fix", map[string]any{"decision": "перезапуск"}), http.StatusOK) // now
	})
}
