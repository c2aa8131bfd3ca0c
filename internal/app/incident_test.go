package app_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"tenderdesk/internal/auth"
)

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
