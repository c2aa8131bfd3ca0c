package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/auth"
)

// listJournal reads every page of the Journal for query q (limit per page),
// failing on a row seen twice, and returns the numbers in listing order.
func (d *desk) listJournal(token string, q url.Values, limit int) []string {
	d.t.Helper()
	q = cloneValues(q)
	q.Set("limit", fmt.Sprint(limit))
	var numbers []string
	seen := map[string]bool{}
	for page := 0; ; page++ {
		r := d.must(d.req("GET", "/api/v1/journal?"+q.Encode(), token, nil), http.StatusOK)
		rows, _ := r.JSON["rows"].([]any)
		if len(rows) > limit {
			d.t.Fatalf("page %d has %d rows, limit %d", page, len(rows), limit)
		}
		for _, row := range rows {
			n := row.(map[string]any)["number"].(string)
			if seen[n] {
				d.t.Fatalf("%s listed twice (page %d of %s)", n, page, q.Encode())
			}
			seen[n] = true
			numbers = append(numbers, n)
		}
		next := r.str("next")
		if next == "" {
			return numbers
		}
		q.Set("after", next)
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// journalIs asserts that the Journal filtered by pairs (key, value…) holds
// exactly want (any order).
func (d *desk) journalIs(token string, want []string, pairs ...string) {
	d.t.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		q.Set(pairs[i], pairs[i+1])
	}
	got := d.listJournal(token, q, 2)
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		d.t.Errorf("journal %s: got %v, want %v", q.Encode(), got, want)
	}
}

// The whole issue-2 path over real HTTP: health and readiness, registration,
// reading, the Journal with every filter and keyset paging, the incident
// lifecycle with its pause, merging (Q38), roles, suspension (E9),
// idempotency, the audit, and the metrics of it all.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		r := d.must(d.req("GET", "/healthz", "", nil), http.StatusOK)
		if r.str("status") != "ok" {
			t.Errorf("healthz: %s", r)
		}
		r = d.must(d.req("GET", "/readyz", "", nil), http.StatusOK)
		if r.str("status") != "ready" || r.str("database") != string(d.App.DB.Dialect) {
			t.Errorf("readyz: %s", r)
		}
		op := d.user("operator1", auth.RoleSpecialist, "", "")

		// Registration and reading back: the appeal and the state of its
		// incident by its registration number (R7).
		n1, inc1 := d.register(op, map[string]any{"description": "Не удаётся подписать заявку ЭЦП на лоте"})
		if !strings.HasPrefix(n1, fmt.Sprint(time.Now().In(d.App.Journal.Zone).Year())+"-") || len(n1) != 11 {
			t.Fatalf("number %q is not YYYY-NNNNNN", n1)
		}
		r = d.must(d.req("GET", "/api/v1/appeals/"+n1, op, nil), http.StatusOK)
		a := r.JSON["appeal"].(map[string]any)
		if a["number"] != n1 || a["bin"] != "123456789013" || a["description"] != "Не удаётся подписать заявку ЭЦП на лоте" ||
			a["channel"] != "cabinet" || fmt.Sprint(a["lots"]) != "[1 2]" || a["profile"] == "" {
			t.Errorf("appeal read back: %s", r)
		}
		if r.JSON["incident"].(map[string]any)["state"] != "registered" {
			t.Errorf("new incident: %s", r)
		}

		// Appeals for the filters: channel, organization, BIN, Kazakh text.
		periodStart := time.Now().UTC()
		n2, inc2 := d.register(op, map[string]any{"description": "Қолтаңба қойылмайды: ӘКІМДІК порталы жауап бермейді",
			"channel": "phone", "organization": "ТОО «Бета»", "bin": "000000000010", "contact_email": nil})
		n3, _ := d.register(op, map[string]any{"description": "Портал сохраняет ценовое предложение с ошибкой", "channel": "email"})
		n4, inc4 := d.register(op, map[string]any{"description": "Повторное обращение: подпись не ставится", "organization": "ТОО «Бета»", "bin": "000000000010"})
		all := []string{n1, n2, n3, n4}

		d.journalIs(op, all)
		d.journalIs(op, []string{n2, n3, n4}, "from", periodStart.Format(time.RFC3339Nano))
		d.journalIs(op, []string{n1}, "to", periodStart.Format(time.RFC3339Nano))
		today := time.Now().In(d.App.Journal.Zone).Format("2006-01-02")
		d.journalIs(op, all, "from", today, "to", today)
		d.journalIs(op, nil, "from", time.Now().In(d.App.Journal.Zone).AddDate(0, 0, 1).Format("2006-01-02"))
		d.journalIs(op, []string{n2}, "channel", "phone")
		d.journalIs(op, []string{n3}, "channel", "email")
		d.journalIs(op, []string{n2, n4}, "organization", "ТОО «Бета»")
		d.journalIs(op, []string{n2, n4}, "bin", "000000000010")
		d.journalIs(op, []string{n1, n3}, "bin", "123456789013")
		// Full text: Russian, Kazakh, case folding of Kazakh letters, prefixes, AND.
		d.journalIs(op, []string{n1}, "q", "подписать")
		d.journalIs(op, []string{n1, n4}, "q", "подпис")
		d.journalIs(op, []string{n1}, "q", "ЗАЯВКУ эцп")
		d.journalIs(op, []string{n2}, "q", "қолтаңба")
		d.journalIs(op, []string{n2}, "q", "ҚОЛТАҢБА")
		d.journalIs(op, []string{n2}, "q", "әкімдік")
		d.journalIs(op, []string{n2}, "q", "Әкім")
		d.journalIs(op, []string{n2, n3}, "q", "портал")
		d.journalIs(op, []string{n3}, "q", "портал ценов")
		d.journalIs(op, nil, "q", "несуществующее")
		d.journalIs(op, []string{n2, n4}, "q", "бета") // organization is searched too
		d.journalIs(op, []string{n4}, "q", "подпись", "bin", "000000000010")

		// The lifecycle of incident 1, with the info_requested pause.
		act := func(id int64, action string, body map[string]any) reply {
			t.Helper()
			if body == nil {
				return d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/%s", id, action), op, nil) // no body, not "null"
			}
			return d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/%s", id, action), op, body)
		}
		d.must(act(inc1, "analyse", nil), http.StatusOK)
		r = d.must(act(inc1, "request_info", map[string]any{"note": "пришлите снимок экрана"}), http.StatusOK)
		if r.str("state") != "info_requested" || r.str("paused_from") != "analysing" {
			t.Errorf("request_info: %s", r)
		}
		r = d.must(act(inc1, "confirm", map[string]any{"criticality": "high", "cause": "operator_staff_error"}), http.StatusConflict)
		if !strings.Contains(r.errField(""), "info_requested") {
			t.Errorf("confirm while paused: the message should say why: %s", r)
		}
		r = d.must(act(inc1, "resume", nil), http.StatusOK)
		if r.str("state") != "analysing" {
			t.Errorf("resume: back to analysing, got %s", r)
		}
		r = d.must(act(inc1, "confirm", map[string]any{"criticality": "high", "cause": "operator_staff_error",
			"failure_started_at": time.Now().Add(-2 * time.Hour).Format(time.RFC3339)}), http.StatusOK)
		if r.str("state") != "confirmed" || r.str("criticality") != "high" || r.JSON["operator_dependent"] != true {
			t.Errorf("confirm: %s", r)
		}
		d.must(act(inc1, "start_fix", nil), http.StatusOK)
		d.must(act(inc1, "request_info", map[string]any{"note": "уточните номер лота"}), http.StatusOK)
		r = d.must(act(inc1, "resume", nil), http.StatusOK)
		if r.str("state") != "fixing" {
			t.Errorf("resume from a pause while fixing: %s", r)
		}
		r = d.must(act(inc1, "fix", map[string]any{"decision": "исправлена проверка подписи"}), http.StatusOK)
		if r.str("state") != "fixed" || r.JSON["fixed_at"] == nil {
			t.Errorf("fix: %s", r)
		}
		d.must(act(inc1, "close", nil), http.StatusOK)
		r = d.must(act(inc1, "analyse", nil), http.StatusConflict)
		if !strings.Contains(r.errField(""), "cannot analyse an incident that is closed") {
			t.Errorf("illegal transition message: %s", r)
		}
		r = d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", inc1), op, nil), http.StatusOK)
		var path []string
		for _, tr := range r.JSON["transitions"].([]any) {
			m := tr.(map[string]any)
			if m["actor"] != "operator1" || m["at"] == nil {
				t.Errorf("transition without who and when: %v", m)
			}
			path = append(path, fmt.Sprint(m["to"]))
		}
		if got := strings.Join(path, ">"); got != "analysing>info_requested>analysing>confirmed>fixing>info_requested>fixing>fixed>closed" {
			t.Errorf("recorded transitions: %s", got)
		}
		d.journalIs(op, []string{n1}, "state", "closed")
		d.journalIs(op, []string{n1}, "criticality", "high")
		d.journalIs(op, []string{n2, n3, n4}, "state", "registered")

		// Merge: the later report n4 joins n2's incident, which keeps the
		// first registration time (Q38); n4's own incident becomes merged.
		before := d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", inc2), op, nil), http.StatusOK).str("first_registered_at")
		r = d.must(d.req("POST", "/api/v1/appeals/"+n4+"/merge", op, map[string]any{"incident_id": inc2}), http.StatusOK)
		if r.str("first_registered_at") != before {
			t.Errorf("merge moved the first registration from %s to %s", before, r.str("first_registered_at"))
		}
		r = d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", inc2), op, nil), http.StatusOK)
		var attached []string
		for _, a := range r.JSON["appeals"].([]any) {
			attached = append(attached, a.(map[string]any)["number"].(string))
		}
		if !slices.Equal(attached, []string{n2, n4}) {
			t.Errorf("incident %d appeals: %v", inc2, attached)
		}
		r = d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", inc4), op, nil), http.StatusOK)
		if r.str("state") != "merged" || r.JSON["merged_into"] != float64(inc2) {
			t.Errorf("the emptied incident: %s", r)
		}
		// Merging the earlier appeal into a later incident moves that
		// incident's first registration back to the earlier time.
		n5, inc5 := d.register(op, map[string]any{"description": "Третье сообщение о подписи"})
		r = d.must(d.req("POST", "/api/v1/appeals/"+n2+"/merge", op, map[string]any{"incident_id": inc5}), http.StatusOK)
		if r.str("first_registered_at") != before {
			t.Errorf("merge of the earlier %s into %d: first_registered_at %s, want %s", n2, inc5, r.str("first_registered_at"), before)
		}
		d.must(d.req("POST", "/api/v1/appeals/"+n5+"/merge", op, map[string]any{"incident_id": inc1}), http.StatusConflict) // closed
		all = append(all, n5)

		// Roles. An applicant of organization 000000000010 sees its own
		// appeals only.
		app := d.user("beta-applicant", auth.RoleApplicant, "000000000010", "ТОО «Бета»")
		d.must(d.req("GET", "/api/v1/appeals/"+n2, app, nil), http.StatusOK)
		r = d.must(d.req("GET", "/api/v1/appeals/"+n1, app, nil), http.StatusNotFound)
		d.journalIs(app, []string{n2, n4})
		d.journalIs(app, []string{n2}, "q", "қолтаңба")
		d.must(d.req("GET", "/api/v1/journal?bin=123456789013", app, nil), http.StatusForbidden)
		own, _ := d.register(app, map[string]any{"bin": nil, "organization": nil, "description": "Кабинет не открывается"})
		r = d.must(d.req("GET", "/api/v1/appeals/"+own, op, nil), http.StatusOK)
		if a := r.JSON["appeal"].(map[string]any); a["bin"] != "000000000010" || a["organization"] != "ТОО «Бета»" {
			t.Errorf("an applicant's appeal takes its organization: %s", r)
		}
		r = d.must(d.req("POST", "/api/v1/appeals", app, appeal(nil)), http.StatusForbidden) // another org's BIN
		if !strings.Contains(r.errField(""), "own organization") {
			t.Errorf("applicant registering for another BIN: %s", r)
		}
		d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", inc2), app, nil), http.StatusForbidden)
		all = append(all, own)

		auditor := d.user("auditor1", auth.RoleAuditor, "", "")
		d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", inc2), auditor, nil), http.StatusOK)
		r = d.must(d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/analyse", inc2), auditor, nil), http.StatusForbidden)
		if !strings.Contains(r.errField(""), "incident:transition") {
			t.Errorf("auditor transition: %s", r)
		}
		d.must(d.req("POST", "/api/v1/appeals", auditor, appeal(nil)), http.StatusForbidden)
		d.journalIs(auditor, all)

		// Suspension (E9): the account stays, its token is refused at once.
		d.must(d.req("POST", "/api/v1/users/auditor1/suspend", d.Admin, map[string]any{"reason": "уволен"}), http.StatusNoContent)
		r = d.must(d.req("GET", "/api/v1/journal", auditor, nil), http.StatusForbidden)
		if !strings.Contains(r.errField(""), "suspended") {
			t.Errorf("a suspended user's token should be refused saying so: %s", r)
		}
		r = d.must(d.req("POST", "/api/v1/login", "", map[string]any{"login": "auditor1", "password": "password-of-auditor1"}), http.StatusForbidden)
		if !strings.Contains(r.errField(""), "suspended") {
			t.Errorf("a suspended user's login: %s", r)
		}
		r = d.must(d.req("GET", "/api/v1/users", d.Admin, nil), http.StatusOK)
		if !strings.Contains(string(r.Raw), `"login":"auditor1"`) || !strings.Contains(string(r.Raw), `"status":"suspended"`) {
			t.Errorf("the suspended account must stay listed: %s", r)
		}

		// Idempotency-Key: the retry answers 200 with the same body; another
		// body under the same key is refused.
		body := appeal(map[string]any{"description": "Идемпотентный повтор"})
		first := d.must(d.req("POST", "/api/v1/appeals", op, body, "Idempotency-Key", "retry-1"), http.StatusCreated)
		again := d.must(d.req("POST", "/api/v1/appeals", op, body, "Idempotency-Key", "retry-1"), http.StatusOK)
		if string(again.Raw) != string(first.Raw) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: first %s, again %s", first, again)
		}
		r = d.must(d.req("POST", "/api/v1/appeals", op, appeal(map[string]any{"description": "Другое"}), "Idempotency-Key", "retry-1"), http.StatusUnprocessableEntity)
		if !strings.Contains(r.errField(""), "retry-1") {
			t.Errorf("reused key: %s", r)
		}
		// The key is per user: another user's same key is a new appeal.
		other := d.must(d.req("POST", "/api/v1/appeals", d.Admin, body, "Idempotency-Key", "retry-1"), http.StatusCreated)
		if other.str("number") == first.str("number") {
			t.Errorf("another user's key returned %s", other.str("number"))
		}
		all = append(all, first.str("number"), other.str("number"))

		// Keyset paging over everything: no row twice, none missing, newest first.
		for _, limit := range []int{1, 3, 500} {
			got := d.listJournal(op, url.Values{}, limit)
			want := slices.Clone(all)
			slices.Sort(want)
			slices.Reverse(want)
			if !slices.Equal(got, want) {
				t.Errorf("paging by %d: %v, want %v", limit, got, want)
			}
		}

		d.verifyAudit()
		r = d.must(d.req("GET", "/api/v1/audit?object_type=appeal&object_id="+n4, d.Admin, nil), http.StatusOK)
		var actions []string
		for _, rec := range r.JSON["records"].([]any) {
			actions = append(actions, rec.(map[string]any)["action"].(string))
		}
		if !slices.Equal(actions, []string{"appeal.register", "appeal.merge"}) {
			t.Errorf("audit of %s: %v", n4, actions)
		}
		r = d.must(d.req("GET", "/metrics", "", nil), http.StatusOK)
		for _, want := range []string{fmt.Sprintf("tenderdesk_appeals_registered_total %d", len(all)),
			`tenderdesk_http_request_duration_seconds_count{code="201",route="POST /api/v1/appeals"}`,
			`tenderdesk_incident_transitions_total{action="resume"} 2`} {
			if !strings.Contains(string(r.Raw), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}
