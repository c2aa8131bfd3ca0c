package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"tenderdesk/internal/auth"
)

// The operations no other end-to-end test calls, each called for a success
// and a refusal, so the validating client checks all of the document
// against the server, not only the busy part of it.
func TestLessTravelledOperationsMatchTheDocument(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		op := d.user("op-rare", auth.RoleOperator, "", "")

		// Session sign-in, me, sign-out.
		r := d.must(d.req("POST", "/api/v1/login", "", map[string]any{"login": "op-rare", "password": "password-of-op-rare"}), http.StatusOK)
		cookie := strings.SplitN(r.Header.Get("Set-Cookie"), ";", 2)[0]
		if !strings.HasPrefix(cookie, "td_session=") {
			t.Fatalf("login set no session cookie: %v", r.Header)
		}
		me := d.must(d.req("GET", "/api/v1/me", "", nil, "Cookie", cookie), http.StatusOK)
		if me.JSON["user"].(map[string]any)["login"] != "op-rare" {
			t.Errorf("me: %s", me)
		}
		d.must(d.req("POST", "/api/v1/logout", "", nil, "Cookie", cookie), http.StatusNoContent)
		d.must(d.req("GET", "/api/v1/me", "", nil, "Cookie", cookie), http.StatusUnauthorized)
		d.must(d.req("GET", "/api/v1/me", op, nil), http.StatusOK)

		// Passwords: one's own, and the administrator's reset (Q22).
		d.must(d.req("POST", "/api/v1/me/password", op, map[string]any{"current_password": "wrong-password", "new_password": "a-new-password-1"}), http.StatusForbidden)
		d.must(d.req("POST", "/api/v1/me/password", op, map[string]any{"current_password": "password-of-op-rare", "new_password": "a-new-password-1"}), http.StatusNoContent)
		d.must(d.req("POST", "/api/v1/users/op-rare/password", d.Admin, map[string]any{"new_password": "short"}), http.StatusBadRequest)
		d.must(d.req("POST", "/api/v1/users/op-rare/password", d.Admin, map[string]any{"new_password": "reset-password-2"}), http.StatusNoContent)
		d.must(d.req("POST", "/api/v1/users/nobody/password", d.Admin, map[string]any{"new_password": "reset-password-2"}), http.StatusNotFound)

		// Maintenance announcements (Q18, Q41).
		start := time.Now().Add(5 * 24 * time.Hour).Truncate(time.Minute) // Q41: two calendar days ahead
		m := d.must(d.req("POST", "/api/v1/maintenance", d.Admin, map[string]any{"title": map[string]string{"ru": "Плановые работы", "kk": "Жоспарлы жұмыстар", "en": "Planned works"},
			"start": start.Format(time.RFC3339), "end": start.Add(time.Hour).Format(time.RFC3339)}), http.StatusCreated)
		id := int64(m.JSON["id"].(float64))
		d.must(d.req("GET", "/api/v1/maintenance", op, nil), http.StatusOK)
		d.must(d.req("GET", fmt.Sprintf("/api/v1/maintenance/%d", id), op, nil), http.StatusOK)
		d.must(d.req("GET", "/api/v1/maintenance/999999", op, nil), http.StatusNotFound)

		// The change-feed webhook: off, and a refused secret.
		d.must(d.req("PUT", "/api/v1/feed/webhook", d.Admin, map[string]any{"url": ""}), http.StatusOK)
		d.must(d.req("PUT", "/api/v1/feed/webhook", d.Admin, map[string]any{"url": "http://127.0.0.1:9/hook", "secret": "short"}), http.StatusBadRequest)

		// Applied plans and clock duties on objects that do not exist, and a
		// duty met on a live clock.
		d.must(d.req("GET", "/api/v1/applied-plans/999999", d.Admin, nil), http.StatusNotFound)
		number, inc := d.register(op, nil)
		d.must(d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/clocks/no_such_clock/meet", inc), op, map[string]any{}), http.StatusNotFound)
		d.must(d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/clocks/registration/meet", inc), op, map[string]any{"appeal": number}), http.StatusConflict) // met at registration
		clocks := d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d/clocks", inc), op, nil), http.StatusOK)
		met := false
		for _, c := range clocks.JSON["clocks"].([]any) {
			c := c.(map[string]any)
			if c["met_at"] != nil || c["breached_at"] != nil || met {
				continue
			}
			body := map[string]any{}
			if a, ok := c["appeal"].(string); ok {
				body["appeal"] = a
			}
			d.must(d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/clocks/%s/meet", inc, c["clock"]), op, body), http.StatusOK)
			met = true
		}
		if !met {
			t.Errorf("no open clock to meet: %s", clocks)
		}
	})
}

// Every operation, called without credentials and with a path parameter
// the document's type refuses (a word for an integer id), is refused with a
// 4xx the document lists for it, in the error envelope (the validating
// client checks the answer).
func TestEveryOperationRefusesAsDocumented(t *testing.T) {
	t.Parallel()
	d := boot(t, t.TempDir()+"/data")
	doc := loadOpenAPI(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			public := op.Security != nil && len(*op.Security) == 0
			var body any
			if op.RequestBody != nil {
				body = map[string]any{}
			}
			if !public {
				if r := d.req(method, path, "", body); r.Status != http.StatusUnauthorized {
					t.Errorf("%s %s without credentials: %s", method, path, r)
				}
			}
			bad, typed := path, false
			for _, p := range op.Parameters {
				if p.Value.In == "path" && p.Value.Schema.Value.Type.Is("integer") {
					bad, typed = strings.ReplaceAll(bad, "{"+p.Value.Name+"}", "abc"), true
				}
			}
			if !typed {
				continue
			}
			for _, p := range op.Parameters {
				bad = strings.ReplaceAll(bad, "{"+p.Value.Name+"}", "1") // the other parameters well-formed
			}
			if r := d.req(method, bad, d.Admin, body); r.Status < 400 || r.Status >= 500 {
				t.Errorf("%s %s: %s", method, bad, r)
			}
		}
	}
}

// Every operation, given a query parameter the document's type, range or
// enum refuses, refuses it too with a 400 naming it (and the validating
// client fails a call the document refuses and the server accepts).
func TestEveryQueryParameterIsCheckedAsDocumented(t *testing.T) {
	t.Parallel()
	d := boot(t, t.TempDir()+"/data")
	doc := loadOpenAPI(t)
	number, inc := d.register(d.Admin, nil) // so the objects exist and only the parameter is wrong
	objects := strings.NewReplacer("{id}", fmt.Sprint(inc), "{number}", number)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				s := p.Value.Schema.Value
				if p.Value.In != "query" {
					continue
				}
				var bad []string
				switch {
				case s.Type.Is("integer"):
					bad = append(bad, "abc")
					if s.Min != nil {
						bad = append(bad, fmt.Sprint(*s.Min-1))
					}
				case s.Type.Is("boolean"):
					bad = append(bad, "maybe")
				case len(s.Enum) > 0:
					bad = append(bad, "no-such-value")
				}
				for _, v := range bad {
					u := wellFormedPath(objects.Replace(path), op) + "?" + p.Value.Name + "=" + v
					var body any
					if op.RequestBody != nil {
						body = map[string]any{}
					}
					if r := d.req(method, u, d.Admin, body); r.Status != http.StatusBadRequest || r.errField(p.Value.Name) == "" {
						t.Errorf("%s %s: want a 400 naming %s, got %s", method, u, p.Value.Name, r)
					}
				}
			}
		}
	}
}

// wellFormedPath fills the path parameters that name one of a list (an
// enum, e.g. a report's chart) with the list's first value, so that only the
// query parameter under test is wrong.
func wellFormedPath(path string, op *openapi3.Operation) string {
	for _, p := range op.Parameters {
		if p.Value.In == "path" && p.Value.Schema != nil && len(p.Value.Schema.Value.Enum) > 0 {
			path = strings.ReplaceAll(path, "{"+p.Value.Name+"}", fmt.Sprint(p.Value.Schema.Value.Enum[0]))
		}
	}
	return path
}
