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
	"tenderdesk/internal/config"
	"tenderdesk/internal/forcemajeure"
	"tenderdesk/internal/notify/templates"
)

// Force majeure (Q17, Q37.10; issue 14), minimal but end to end: staff
// record its start, expected duration and evidence on a confirmed failure
// and the authorized body is told at once (both its addresses, due now,
// in the same transaction); the end and the days agreed with the body are
// entered later — a new version, told again — and the incident's plan from
// the database takes the agreed days for Q37.10 (decryption impossible,
// acceptance already over) exactly as a plan request naming them would.
// Bad input is refused naming the field.
func TestForceMajeureRecordedNotifiedAndPlannedQ17Q37_10(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, func(c *config.Config) {
			c.AuthorityEmail = config.Mailbox{Address: "body@authority.kz", Domain: "authority.kz"}
			c.AuthoritySecurityEmail = config.Mailbox{Address: "infosec@authority.kz", Domain: "authority.kz"}
		})
		portal := d.user("portalfm", auth.RolePortal, "", "")
		op := d.user("opfm", auth.RoleOperator, "", "")
		now := time.Now().UTC().Truncate(time.Minute)
		ts := func(x time.Duration) string { return now.Add(x).Format(time.RFC3339) }
		proc := map[string]any{"external_id": "PFM", "announcement": "A-FM", "lots": []string{"1"}, "method": "tender", "customer": "990140000123",
			"module": "mfm", "participants": []map[string]string{{"supplier": "123456789013", "email": "alfa@example.kz", "language": "ru"}},
			"deadlines": []map[string]string{{"kind": "bids_end", "lot": "1", "at": ts(-2 * time.Hour)}, {"kind": "decryption", "lot": "1", "at": ts(-30 * time.Minute)}}}
		line, _ := json.Marshal(proc)
		d.must(d.req("POST", "/api/v1/procedures/import", portal, string(line)+"\n", "Content-Type", "application/x-ndjson"), http.StatusOK)
		_, inc := d.register(d.Admin, map[string]any{"module": "mfm"})
		path := fmt.Sprintf("/api/v1/incidents/%d/", inc)
		d.must(d.req("POST", path+"analyse", op, map[string]any{}), http.StatusOK)
		d.must(d.req("POST", path+"confirm", op, map[string]any{"criticality": "high", "cause": "operator_staff_error",
			"failure_started_at": ts(-time.Hour), "planned_fix_at": ts(time.Hour), "modules": []string{"mfm"}}), http.StatusOK)
		fm := path + "force-majeure"

		d.must(d.req("GET", fm, op, nil), http.StatusNotFound)
		bad := d.must(d.req("PUT", fm, op, map[string]any{}), http.StatusBadRequest)
		for _, f := range []string{"started_at", "expected_hours", "evidence"} {
			if bad.errField(f) == "" {
				t.Errorf("empty record: no problem named for %s: %s", f, bad)
			}
		}
		bad = d.must(d.req("PUT", fm, op, map[string]any{"started_at": ts(time.Hour), "expected_hours": 48, "evidence": "справка"}), http.StatusBadRequest)
		if bad.errField("started_at") == "" {
			t.Errorf("a start in the future: %s", bad)
		}
		d.must(d.req("PUT", "/api/v1/incidents/999999/force-majeure", op, map[string]any{"started_at": ts(-time.Hour), "expected_hours": 48,
			"evidence": "справка"}), http.StatusNotFound)
		d.must(d.req("PUT", fm, portal, map[string]any{}), http.StatusForbidden)

		ev := "Справка территориального подразделения ДЧС № 12-05/781: паводок, отключение электроснабжения центра обработки данных"
		v1 := d.must(d.req("PUT", fm, op, map[string]any{"started_at": ts(-time.Hour), "expected_hours": 48, "evidence": ev}), http.StatusOK)
		if v1.JSON["version"] != float64(1) || v1.JSON["notified"] != float64(2) || v1.JSON["expected_end"] != ts(47*time.Hour) {
			t.Fatalf("first record: %s", v1)
		}
		outbox := func(event string) map[string]templates.Data {
			t.Helper()
			rows, err := d.App.DB.R.Query("SELECT to_address, kind, data, due_by FROM outbox WHERE event = $1", event)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[string]templates.Data{}
			for rows.Next() {
				var to, kind, raw string
				var due any
				if err := rows.Scan(&to, &kind, &raw, &due); err != nil {
					t.Fatal(err)
				}
				var dt templates.Data
				if err := json.Unmarshal([]byte(raw), &dt); err != nil {
					t.Fatal(err)
				}
				if kind != string(templates.ForceMajeure) || due == nil {
					t.Errorf("%s: kind %s, due %v (want force_majeure, due at once)", to, kind, due)
				}
				out[to] = dt
			}
			return out
		}
		first := outbox(forcemajeure.Event(inc, 1))
		if len(first) != 2 || first["body@authority.kz"].Evidence != ev || !first["infosec@authority.kz"].ExpectedEnd.Equal(now.Add(47*time.Hour)) {
			t.Fatalf("v1 notices: %+v", first)
		}

		// Q17: users are told too — the public notice shows it, with evidence.
		d.eventually("the public notice shows the force majeure", func() bool {
			_, feed := d.public("/status/feed.json?lang=ru")
			return strings.Contains(feed, `"force_majeure"`) && strings.Contains(feed, `"expected_end": "`+ts(47*time.Hour)+`"`) &&
				strings.Contains(feed, "паводок")
		})
		if _, page := d.public("/status?lang=ru"); !strings.Contains(page, "Обстоятельства непреодолимой силы") {
			t.Error("/status does not show the force majeure")
		}

		planned := func(body map[string]any) []string {
			t.Helper()
			return d.planLines(path, body)
		}
		q3710 := func(ls []string) string {
			for _, l := range ls {
				if strings.Contains(l, " bids_end ") && strings.Contains(l, " extend Q37.10 ") {
					return l
				}
			}
			return ""
		}
		noDays := planned(map[string]any{"decryption_impossible": true})
		if q3710(noDays) == "" {
			t.Fatalf("no Q37.10 extension: %v", noDays)
		}

		v2 := d.must(d.req("PUT", fm, op, map[string]any{"ended_at": ts(-5 * time.Minute), "agreed_days": 10}), http.StatusOK)
		if v2.JSON["version"] != float64(2) || v2.JSON["agreed_days"] != float64(10) || v2.JSON["evidence"] != ev || v2.JSON["notified"] != float64(2) {
			t.Fatalf("second record: %s", v2)
		}
		second := outbox(forcemajeure.Event(inc, 2))
		if b := second["body@authority.kz"]; b.AgreedDays != 10 || !b.Ended.Equal(now.Add(-5*time.Minute)) || !b.Changed {
			t.Fatalf("v2 notice: %+v", b)
		}
		_, text, _, err := templates.Render(templates.ForceMajeure, "ru", second["body@authority.kz"])
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"Уточнены сведения об обстоятельствах непреодолимой силы", "Согласованный срок продления приема заявок: 10 календарных дней",
			"Окончание:", ev} {
			if !strings.Contains(text, w) {
				t.Errorf("ru notice lacks %q:\n%s", w, text)
			}
		}
		fromRecord := planned(map[string]any{"decryption_impossible": true})
		fromRequest := planned(map[string]any{"decryption_impossible": true, "force_majeure_days": 10})
		if !slices.Equal(fromRecord, fromRequest) || q3710(fromRecord) == q3710(noDays) {
			t.Fatalf("Q37.10 with the recorded 10 agreed days\n  %s\nwith force_majeure_days 10\n  %s\nwithout\n  %s", strings.Join(fromRecord, "\n  "),
				strings.Join(fromRequest, "\n  "), strings.Join(noDays, "\n  "))
		}
		// The same facts again are not a new version: nothing more is sent.
		if again := d.must(d.req("PUT", fm, op, map[string]any{"agreed_days": 10}), http.StatusOK); again.JSON["version"] != float64(2) ||
			len(outbox(forcemajeure.Event(inc, 3))) != 0 {
			t.Errorf("an unchanged record made a new version: %s", again)
		}
		bad = d.must(d.req("PUT", fm, op, map[string]any{"agreed_days": 0}), http.StatusBadRequest)
		if bad.errField("agreed_days") == "" {
			t.Errorf("zero agreed days: %s", bad)
		}
		got := d.must(d.req("GET", fm, op, nil), http.StatusOK)
		if got.JSON["version"] != float64(2) || got.JSON["ended_at"] == nil {
			t.Errorf("GET: %s", got)
		}
		t.Logf("Q37.10 without agreed days: %s; with 10: %s", q3710(noDays), q3710(fromRecord))
	})
}
