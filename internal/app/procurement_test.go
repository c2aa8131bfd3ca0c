package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/auth"
)

// Issue 4 over real HTTP on both backends: the portal imports a body larger
// than the 1 MiB every other route accepts, operators preview and apply an
// incident's plan (twice = once), the portal reads the feed, and only the
// administrator reverts, with a reason; the audit chain stays intact.
func TestProcurementOverHTTP(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		portal := d.user("portal", auth.RolePortal, "", "")
		op := d.user("op", auth.RoleOperator, "", "")
		now := time.Now().Truncate(time.Minute)

		// 4000 procedures of module m1, ~1.4 MB; only P0 ends inside the failure.
		var b strings.Builder
		for i := range 4000 {
			at := now.Add(30 * 24 * time.Hour)
			if i == 0 {
				at = now.Add(-30 * time.Minute)
			}
			fmt.Fprintf(&b, `{"external_id":"P%d","announcement":"A-%d","lots":["1"],"method":"tender","customer":"990140000123","module":"m1",`+
				`"participants":[{"supplier":"123456789013","email":"alfa@example.kz","language":"kk"}],`+
				`"deadlines":[{"kind":"bids_end","lot":"1","at":%q},{"kind":"complaints_end","lot":"1","at":%q}]}`+"\n",
				i, i, at.Format(time.RFC3339), at.Add(48*time.Hour).Format(time.RFC3339))
		}
		body := b.String()
		if len(body) <= 1<<20 {
			t.Fatalf("body of %d bytes does not exceed the default limit", len(body))
		}
		nd := []string{"Content-Type", "application/x-ndjson"}
		d.must(d.req("POST", "/api/v1/procedures/import", portal, body), http.StatusUnsupportedMediaType)
		d.must(d.req("POST", "/api/v1/procedures/import", op, body, nd...), http.StatusForbidden)
		r := d.must(d.req("POST", "/api/v1/procedures/import", portal, body, nd...), http.StatusOK)
		if r.JSON["inserted"] != float64(4000) || r.JSON["failed"] != float64(0) {
			t.Fatalf("import: %s", r)
		}
		d.must(d.req("GET", "/api/v1/procedures/P0", portal, nil), http.StatusOK)
		d.must(d.req("GET", "/api/v1/procedures/nope", portal, nil), http.StatusNotFound)

		_, inc := d.register(d.Admin, map[string]any{"module": "m1"})
		path := fmt.Sprintf("/api/v1/incidents/%d/", inc)
		d.must(d.req("POST", path+"analyse", op, map[string]any{}), http.StatusOK)
		d.must(d.req("POST", path+"confirm", op, map[string]any{"criticality": "high", "cause": "operator_staff_error",
			"failure_started_at": now.Add(-time.Hour).Format(time.RFC3339), "planned_fix_at": now.Add(time.Hour).Format(time.RFC3339),
			"modules": []string{"m1"}}), http.StatusOK)

		d.must(d.req("POST", path+"plan", portal, nil), http.StatusForbidden)
		r = d.must(d.req("POST", path+"plan", op, nil), http.StatusOK)
		sum, _ := r.JSON["summary"].(map[string]any)
		if sum["procedures_changed"] != float64(1) || sum["plan_hash"] == "" {
			t.Fatalf("plan: %s", r)
		}
		nl := d.must(d.req("POST", path+"plan?format=ndjson", op, nil), http.StatusOK)
		if lines := strings.Split(strings.TrimSpace(string(nl.Raw)), "\n"); !strings.HasPrefix(lines[len(lines)-1], `{"summary":`) {
			t.Fatalf("ndjson plan does not end with the summary: %s", nl.Raw)
		}
		r = d.must(d.req("POST", path+"apply", op, map[string]any{"plan_hash": sum["plan_hash"]}), http.StatusCreated)
		planID := int64(r.JSON["plan_id"].(float64))
		r = d.must(d.req("POST", path+"apply", op, nil), http.StatusOK)
		if r.JSON["plan_id"] != float64(0) {
			t.Fatalf("second apply: %s", r)
		}
		feed := d.must(d.req("GET", "/api/v1/feed?limit=100", portal, nil), http.StatusOK)
		changes, _ := feed.JSON["changes"].([]any)
		if len(changes) == 0 {
			t.Fatalf("feed: %s", feed)
		}
		d.must(d.req("GET", "/api/v1/feed?after=x", portal, nil), http.StatusBadRequest)

		rv := fmt.Sprintf("/api/v1/applied-plans/%d/revert", planID)
		d.must(d.req("POST", rv, op, map[string]any{"reason": "ошибка"}), http.StatusForbidden)
		d.must(d.req("POST", rv, d.Admin, map[string]any{}), http.StatusBadRequest)
		r = d.must(d.req("POST", rv, d.Admin, map[string]any{"reason": "подтверждение отозвано"}), http.StatusOK)
		if r.str("status") != "reverted" {
			t.Fatalf("revert: %s", r)
		}
		p := d.must(d.req("GET", "/api/v1/procedures/P0", portal, nil), http.StatusOK)
		dl := p.JSON["deadlines"].([]any)[0].(map[string]any)
		if got, _ := time.Parse(time.RFC3339, dl["at"].(string)); !got.Equal(now.Add(-30 * time.Minute)) {
			t.Fatalf("after revert P0 bids_end = %v, want %v", dl["at"], now.Add(-30*time.Minute))
		}
		d.must(d.req("GET", "/api/v1/feed/webhook", d.Admin, nil), http.StatusOK)
		d.verifyAudit()
	})
}
