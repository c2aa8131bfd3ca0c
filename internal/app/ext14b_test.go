package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/notify/templates"
)

// Force majeure reaches the bidders (Q17, Q37.10; ext14b): once the days
// agreed with the authorized body are entered and the incident's plan is
// applied, every bidder whose deadline moves gets one message, of the
// force-majeure kind, telling the force majeure's start, expected end and
// the agreed days beside the moved deadlines (the outbox rows say so, and
// the message renders in ru, kk and en). The authorized body is kept
// informed: the operator records each phone call (time, with whom, what
// was said) on the force-majeure record — refused naming the field when
// incomplete, audited, listed in its history.
func TestForceMajeureBiddersToldAndCallsRecordedQ17Q37_10(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, func(c *config.Config) {
			c.AuthorityEmail = config.Mailbox{Address: "body@authority.kz", Domain: "authority.kz"}
		})
		portal := d.user("portalfb", auth.RolePortal, "", "")
		op := d.user("opfb", auth.RoleOperator, "", "")
		now := time.Now().UTC().Truncate(time.Minute)
		ts := func(x time.Duration) string { return now.Add(x).Format(time.RFC3339) }
		proc := map[string]any{"external_id": "PFB", "announcement": "A-FB", "lots": []string{"1"}, "method": "tender", "customer": "990140000123",
			"module": "mfb", "participants": []map[string]string{{"supplier": "123456789013", "email": "alfa@example.kz", "language": "kk"}},
			"deadlines": []map[string]string{{"kind": "bids_end", "lot": "1", "at": ts(-2 * time.Hour)}, {"kind": "decryption", "lot": "1", "at": ts(-30 * time.Minute)}}}
		line, _ := json.Marshal(proc)
		d.must(d.req("POST", "/api/v1/procedures/import", portal, string(line)+"\n", "Content-Type", "application/x-ndjson"), http.StatusOK)
		_, inc := d.register(d.Admin, map[string]any{"module": "mfb"})
		path := fmt.Sprintf("/api/v1/incidents/%d/", inc)
		d.must(d.req("POST", path+"analyse", op, map[string]any{}), http.StatusOK)
		d.must(d.req("POST", path+"confirm", op, map[string]any{"criticality": "high", "cause": "operator_staff_error",
			"failure_started_at": ts(-time.Hour), "planned_fix_at": ts(time.Hour), "modules": []string{"mfb"}}), http.StatusOK)
		fm := path + "force-majeure"

		// A call before anything is recorded has nothing to attach to.
		d.must(d.req("POST", fm+"/calls", op, map[string]any{"called_at": ts(-time.Minute), "person": "x", "summary": "y"}), http.StatusNotFound)
		d.must(d.req("PUT", fm, op, map[string]any{"started_at": ts(-time.Hour), "expected_hours": 48, "evidence": "Справка ДЧС № 5",
			"agreed_days": 10}), http.StatusOK)

		applied := d.must(d.req("POST", path+"apply", op, map[string]any{"decryption_impossible": true}), http.StatusCreated)
		planID := int64(applied.JSON["plan_id"].(float64))
		rows, err := d.App.DB.R.Query("SELECT to_address, kind, data FROM outbox WHERE event = $1", fmt.Sprintf("impact.extensions:plan:%d", planID))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]templates.Data{}
		for rows.Next() {
			var to, kind, raw string
			if err := rows.Scan(&to, &kind, &raw); err != nil {
				t.Fatal(err)
			}
			if kind != string(templates.ForceMajeureExtensions) {
				t.Errorf("%s: kind %s, want %s", to, kind, templates.ForceMajeureExtensions)
			}
			var dt templates.Data
			if err := json.Unmarshal([]byte(raw), &dt); err != nil {
				t.Fatal(err)
			}
			got[to] = dt
		}
		rows.Close()
		b, ok := got["alfa@example.kz"]
		if len(got) != 1 || !ok || !b.Received.Equal(now.Add(-time.Hour)) || !b.ExpectedEnd.Equal(now.Add(47*time.Hour)) || b.AgreedDays != 10 ||
			len(b.Extensions) == 0 {
			t.Fatalf("bidder messages: %+v", got)
		}
		q3710 := false
		for _, x := range b.Extensions {
			q3710 = q3710 || x.Rule == "Q37.10"
		}
		if !q3710 {
			t.Errorf("no Q37.10 extension told: %+v", b.Extensions)
		}
		for lang, want := range map[string][]string{"ru": {"обстоятельствами непреодолимой силы", "10 календарных дней"},
			"kk": {"еңсерілмейтін күш мән-жайлары", "күнтізбелік күн: 10"}, "en": {"force majeure", "10 calendar days"}} {
			_, text, _, err := templates.Render(templates.ForceMajeureExtensions, lang, b)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range append(want, "A-FB") {
				if !strings.Contains(text, w) {
					t.Errorf("%s message lacks %q:\n%s", lang, w, text)
				}
			}
		}

		// Calls to the authorized body.
		bad := d.must(d.req("POST", fm+"/calls", op, map[string]any{}), http.StatusBadRequest)
		for _, f := range []string{"called_at", "person", "summary"} {
			if bad.errField(f) == "" {
				t.Errorf("empty call: no problem named for %s: %s", f, bad)
			}
		}
		bad = d.must(d.req("POST", fm+"/calls", op, map[string]any{"called_at": ts(time.Hour), "person": "x", "summary": "y"}), http.StatusBadRequest)
		if bad.errField("called_at") == "" {
			t.Errorf("a call in the future: %s", bad)
		}
		bad = d.must(d.req("POST", fm+"/calls", op, map[string]any{"called_at": ts(-2 * time.Hour), "person": "x", "summary": "y"}), http.StatusBadRequest)
		if bad.errField("called_at") == "" {
			t.Errorf("a call before the force majeure: %s", bad)
		}
		d.must(d.req("POST", fm+"/calls", portal, map[string]any{}), http.StatusForbidden)
		c1 := d.must(d.req("POST", fm+"/calls", op, map[string]any{"called_at": ts(-10 * time.Minute), "person": "Ахметов Б., департамент госзакупок",
			"summary": "Сообщено о ходе восстановления; ожидаемое окончание без изменений"}), http.StatusCreated)
		d.must(d.req("POST", fm+"/calls", op, map[string]any{"called_at": ts(-40 * time.Minute), "person": "Дежурный", "summary": "Первое сообщение"}), http.StatusCreated)
		if c1.JSON["recorded_by"] != "opfb" {
			t.Errorf("call: %s", c1)
		}
		rec := d.must(d.req("GET", fm, op, nil), http.StatusOK)
		calls, _ := rec.JSON["calls"].([]any)
		if len(calls) != 2 || calls[0].(map[string]any)["person"] != "Дежурный" {
			t.Fatalf("history: %s", rec)
		}
		var n int
		if err := d.App.DB.R.QueryRow("SELECT count(*) FROM audit_log WHERE action = 'incident.force_majeure.call' AND object_id = $1",
			fmt.Sprint(inc)).Scan(&n); err != nil || n != 2 {
			t.Errorf("%d audited calls (%v), want 2", n, err)
		}
	})
}

// A maintenance window's own plan over HTTP (ext14b, Q41, Q41-open): an
// open-ended window's plan is refused naming ends_at; once the end is put
// the preview names the window, the apply moves the deadline on the date
// of works and is listed under the window, the feed names the window, and
// the revert restores. Every answer is checked against the OpenAPI
// description by the harness.
func TestMaintenanceWindowPlanOverHTTPQ41(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, func(c *config.Config) {})
		portal := d.user("portalmw", auth.RolePortal, "", "")
		op := d.user("opmw", auth.RoleOperator, "", "")
		now := time.Now().UTC().Truncate(time.Minute)
		ts := func(x time.Duration) string { return now.Add(x).Format(time.RFC3339) }
		proc := map[string]any{"external_id": "PMW", "announcement": "A-MW", "lots": []string{"1"}, "method": "tender", "customer": "990140000123",
			"module": "mmw", "participants": []map[string]string{{"supplier": "123456789013", "email": "alfa@example.kz", "language": "ru"}},
			"deadlines": []map[string]string{{"kind": "bids_end", "lot": "1", "at": ts(time.Minute)}}}
		line, _ := json.Marshal(proc)
		d.must(d.req("POST", "/api/v1/procedures/import", portal, string(line)+"\n", "Content-Type", "application/x-ndjson"), http.StatusOK)
		m := d.must(d.req("POST", "/api/v1/maintenance", d.Admin, map[string]any{"title": map[string]string{"ru": "Авария"}, "start": ts(-time.Hour),
			"unplanned": true, "agreement": "телефонограмма № 5"}), http.StatusCreated)
		id := int64(m.JSON["id"].(float64))
		base := fmt.Sprintf("/api/v1/maintenance/%d/", id)
		open := d.must(d.req("POST", base+"plan", op, nil), http.StatusConflict)
		if open.errField("ends_at") == "" {
			t.Fatalf("open-ended window: %s", open)
		}
		d.must(d.req("POST", base+"apply", op, nil), http.StatusConflict)
		bad := d.must(d.req("PUT", base+"end", d.Admin, map[string]any{}), http.StatusBadRequest)
		if bad.errField("end") == "" {
			t.Errorf("no end: %s", bad)
		}
		d.must(d.req("PUT", base+"end", portal, map[string]any{"end": ts(time.Hour)}), http.StatusForbidden)
		d.must(d.req("PUT", base+"end", op, map[string]any{"end": ts(time.Hour)}), http.StatusOK)
		pv := d.must(d.req("POST", base+"plan", op, nil), http.StatusOK)
		sum, _ := pv.JSON["summary"].(map[string]any)
		if sum["maintenance"] != float64(id) || sum["actions"] == float64(0) {
			t.Fatalf("preview: %s", pv)
		}
		d.must(d.req("POST", base+"plan", op, map[string]any{"procedures": []string{"PMW"}}), http.StatusBadRequest)
		ap := d.must(d.req("POST", base+"apply", op, map[string]any{"plan_hash": sum["plan_hash"]}), http.StatusCreated)
		if ap.JSON["maintenance"] != float64(id) {
			t.Fatalf("apply: %s", ap)
		}
		planID := int64(ap.JSON["plan_id"].(float64))
		d.must(d.req("POST", base+"apply", op, nil), http.StatusOK)
		ps := d.must(d.req("GET", base+"plans", op, nil), http.StatusOK)
		if list, _ := ps.JSON["plans"].([]any); len(list) != 1 {
			t.Fatalf("plans: %s", ps)
		}
		moved := d.must(d.req("GET", "/api/v1/procedures/PMW", op, nil), http.StatusOK)
		if dl := moved.JSON["deadlines"].([]any)[0].(map[string]any)["at"]; dl == ts(time.Minute) {
			t.Errorf("the deadline on the date of works did not move: %v", dl)
		}
		feed := d.must(d.req("GET", "/api/v1/feed", portal, nil), http.StatusOK)
		if ch, _ := feed.JSON["changes"].([]any); len(ch) == 0 || ch[0].(map[string]any)["maintenance"] != float64(id) {
			t.Errorf("feed: %s", feed)
		}
		d.must(d.req("POST", fmt.Sprintf("/api/v1/applied-plans/%d/revert", planID), d.Admin, map[string]any{"reason": "ошибка"}), http.StatusOK)
		back := d.must(d.req("GET", "/api/v1/procedures/PMW", op, nil), http.StatusOK)
		if dl := back.JSON["deadlines"].([]any)[0].(map[string]any)["at"]; dl != ts(time.Minute) {
			t.Errorf("after revert the deadline is %v, want %s", dl, ts(time.Minute))
		}
	})
}
