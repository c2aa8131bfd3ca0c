package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/auth"
)

// Malformed and refused requests: each gets its exact 4xx, the error
// envelope names the bad field or the problem, and nothing is ever a 500.
func TestBadInput(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		tokens := map[string]string{
			"admin":     d.Admin,
			"none":      "",
			"auditor":   d.user("auditor2", auth.RoleAuditor, "", ""),
			"applicant": d.user("gamma", auth.RoleApplicant, "000000000010", "ТОО «Гамма»"),
		}
		tokens["suspended"] = d.user("gone", auth.RoleSpecialist, "", "")
		d.must(d.req("POST", "/api/v1/users/gone/suspend", d.Admin, map[string]any{"reason": "E9"}), http.StatusNoContent)
		number, incident := d.register(d.Admin, nil)
		valid := func(set map[string]any) map[string]any { return appeal(set) }
		inc := fmt.Sprintf("/api/v1/incidents/%d", incident)
		huge := `{"channel":"cabinet","description":"` + strings.Repeat("я", 600_000) + `"}` // 1.2 MB

		for _, c := range []struct {
			name         string
			method, path string
			who          string // key of tokens, or "bad" for a made-up token
			body         any
			hdr          []string
			status       int
			field        string // must be named in error.fields
			msg          string // must be in error.message
		}{
			{"malformed JSON", "POST", "/api/v1/appeals", "admin", `{"channel": "cabinet" "bin": 1}`, nil, 400, "", "malformed JSON"},
			{"JSON cut short", "POST", "/api/v1/appeals", "admin", `{"channel": "cabinet",`, nil, 400, "", "malformed JSON"},
			{"lots is a string", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"lots": "1"}), nil, 400, "lots", "wrong type"},
			{"incident_id is a string", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"incident_id": "x"}), nil, 400, "incident_id", "wrong type"},
			{"received_at is a number", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"received_at": 1732000000}), nil, 400, "received_at", "wrong type"},
			{"array instead of object", "POST", "/api/v1/appeals", "admin", `[1, 2]`, nil, 400, "(body)", "wrong type"},
			{"bad BIN checksum", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"bin": "123456789012"}), nil, 400, "bin", "validation failed"},
			{"11-digit BIN", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"bin": "12345678901"}), nil, 400, "bin", "validation failed"},
			{"unknown channel", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"channel": "telegram"}), nil, 400, "channel", "validation failed"},
			{"received_at without offset", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"received_at": "2026-11-20T10:15:00"}), nil, 400, "received_at", "validation failed"},
			{"received_at in the future", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"received_at": time.Now().Add(time.Hour).Format(time.RFC3339)}), nil, 400, "received_at", "validation failed"},
			{"detected after received", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"detected_at": time.Now().Format(time.RFC3339)}), nil, 400, "detected_at", "validation failed"},
			{"no description", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"description": " "}), nil, 400, "description", "validation failed"},
			{"bad email", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"contact_email": "alfa at example"}), nil, 400, "contact_email", "validation failed"},
			{"unknown profile", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"profile": "no-such-profile"}), nil, 400, "profile", "validation failed"},
			{"unknown field", "POST", "/api/v1/appeals", "admin", valid(map[string]any{"colour": "red"}), nil, 400, "colour", "unknown field"},
			{"body over 1 MiB", "POST", "/api/v1/appeals", "admin", huge, nil, 413, "", "larger than 1048576 bytes"},
			{"empty body", "POST", "/api/v1/appeals", "admin", nil, nil, 400, "", "body is empty"},
			{"trailing garbage", "POST", "/api/v1/appeals", "admin", `{"channel": "cabinet"} {"x": 1}`, nil, 400, "", "nothing after it"},
			{"wrong Content-Type", "POST", "/api/v1/appeals", "admin", valid(nil), []string{"Content-Type", "text/plain"}, 415, "", "Content-Type must be application/json"},
			{"Idempotency-Key too long", "POST", "/api/v1/appeals", "admin", valid(nil), []string{"Idempotency-Key", strings.Repeat("k", 201)}, 400, "", "Idempotency-Key longer than 200"},
			{"no credentials", "POST", "/api/v1/appeals", "none", valid(nil), nil, 401, "", "sign in"},
			{"bad token", "POST", "/api/v1/appeals", "bad", valid(nil), nil, 401, "", "invalid, expired or revoked"},
			{"not a bearer token", "GET", "/api/v1/journal", "none", nil, []string{"Authorization", "Basic YWRtaW46YWRtaW4="}, 401, "", "Bearer"},
			{"wrong role: auditor registers", "POST", "/api/v1/appeals", "auditor", valid(nil), nil, 403, "", "lacks permission appeal:create"},
			{"wrong role: applicant transitions", "POST", inc + "/analyse", "applicant", nil, nil, 403, "", "lacks permission incident:transition"},
			{"wrong role: auditor manages users", "GET", "/api/v1/users", "auditor", nil, nil, 403, "", "lacks permission user:manage"},
			{"suspended user", "GET", "/api/v1/journal", "suspended", nil, nil, 403, "", `account "gone" is suspended`},
			{"suspended user logs in", "POST", "/api/v1/login", "none", map[string]any{"login": "gone", "password": "password-of-gone"}, nil, 403, "", "suspended"},
			{"wrong password", "POST", "/api/v1/login", "none", map[string]any{"login": "admin", "password": "not-the-password"}, nil, 401, "", "wrong login or password"},
			{"unknown appeal", "GET", "/api/v1/appeals/2000-999999", "admin", nil, nil, 404, "", "no appeal 2000-999999"},
			{"another organization's appeal", "GET", "/api/v1/appeals/" + number, "applicant", nil, nil, 404, "", "no such appeal"},
			{"unknown incident", "GET", "/api/v1/incidents/999999", "admin", nil, nil, 404, "", "no incident 999999"},
			{"non-numeric incident id", "GET", "/api/v1/incidents/abc", "admin", nil, nil, 400, "", `not "abc"`},
			{"negative incident id", "POST", "/api/v1/incidents/-1/analyse", "admin", nil, nil, 400, "", "positive integer"},
			{"unknown action", "POST", inc + "/explode", "admin", nil, nil, 404, "", `unknown action "explode"`},
			{"transition field of wrong type", "POST", inc + "/analyse", "admin", `{"note": 5}`, nil, 400, "note", "wrong type"},
			{"transition body is null", "POST", inc + "/analyse", "admin", "null", nil, 400, "", "not null"},
			{"token: unknown field", "POST", "/api/v1/users/admin/tokens", "admin", `{"lable": "ci"}`, nil, 400, "lable", "unknown field"},
			{"confirm before analysis", "POST", inc + "/confirm", "admin", map[string]any{}, nil, 409, "", "cannot confirm an incident that is registered"},
			{"merge with incident_id of wrong type", "POST", "/api/v1/appeals/" + number + "/merge", "admin", `{"incident_id": "x"}`, nil, 400, "incident_id", "wrong type"},
			{"merge without incident_id", "POST", "/api/v1/appeals/" + number + "/merge", "admin", map[string]any{}, nil, 400, "incident_id", "validation failed"},
			{"merge into unknown incident", "POST", "/api/v1/appeals/" + number + "/merge", "admin", map[string]any{"incident_id": 999999}, nil, 404, "", "no incident 999999"},
			{"journal: unknown state", "GET", "/api/v1/journal?state=bogus", "admin", nil, nil, 400, "state", "validation failed"},
			{"journal: unknown filter", "GET", "/api/v1/journal?colour=red", "admin", nil, nil, 400, "colour", "validation failed"},
			{"journal: bad date", "GET", "/api/v1/journal?from=yesterday", "admin", nil, nil, 400, "from", "validation failed"},
			{"journal: limit not a number", "GET", "/api/v1/journal?limit=ten", "admin", nil, nil, 400, "limit", "validation failed"},
			{"journal: limit 0 (defect 8: was the default)", "GET", "/api/v1/journal?limit=0", "admin", nil, nil, 400, "limit", "validation failed"},
			{"journal: limit empty", "GET", "/api/v1/journal?limit=", "admin", nil, nil, 400, "limit", "validation failed"},
			{"journal: limit negative", "GET", "/api/v1/journal?limit=-1", "admin", nil, nil, 400, "limit", "validation failed"},
			{"journal: limit too large", "GET", "/api/v1/journal?limit=100000", "admin", nil, nil, 400, "limit", "validation failed"},
			{"journal: bad cursor", "GET", "/api/v1/journal?after=abc", "admin", nil, nil, 400, "after", "validation failed"},
			{"journal: to before from", "GET", "/api/v1/journal?from=2026-02-01&to=2026-01-01", "admin", nil, nil, 400, "to", "validation failed"},
			{"journal: another organization's BIN", "GET", "/api/v1/journal?bin=123456789013", "applicant", nil, nil, 403, "", "only your organization"},
			{"unknown endpoint", "GET", "/api/v1/nothing-here", "admin", nil, nil, 404, "", "no such endpoint"},
		} {
			t.Run(c.name, func(t *testing.T) {
				tok := tokens[c.who]
				if c.who == "bad" {
					tok = "tdk_not-a-real-token"
				}
				r := d.req(c.method, c.path, tok, c.body, c.hdr...)
				if r.Status != c.status {
					t.Fatalf("status %d, want %d: %.300s", r.Status, c.status, r.Raw)
				}
				if r.JSON["error"] == nil {
					t.Fatalf("no error envelope: %.300s", r.Raw)
				}
				if c.field != "" && r.errField(c.field) == "" {
					t.Errorf("error does not name field %q: %.300s", c.field, r.Raw)
				}
				if !strings.Contains(r.errField(""), c.msg) {
					t.Errorf("message %q does not say %q", r.errField(""), c.msg)
				}
			})
		}
		// The same requests never produced a 500: the metrics count them by status.
		m := d.must(d.req("GET", "/metrics", "", nil), http.StatusOK)
		if strings.Contains(string(m.Raw), `code="500"`) {
			t.Errorf("a request was answered 500:\n%s", m.Raw)
		}
		// Nothing refused was registered: only the one valid appeal is in the Journal.
		if got := d.listJournal(d.Admin, nil, 50); len(got) != 1 || got[0] != number {
			t.Errorf("journal after refused requests: %v", got)
		}
		d.verifyAudit()
	})
}
