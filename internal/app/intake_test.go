package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"tenderdesk/internal/auth"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "intake", "monitor", "testdata", "alertmanager", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var intakeMap = map[string]any{"entries": []map[string]string{{"label": "job", "value": "portal-auction", "module": "Аукционы"},
	{"label": "job", "value": "portal-contracts", "module": "Договоры"}}}

// Q27 end to end over real HTTP: the portal's Alertmanager (a `portal`
// token) posts its webhook, the probe checks a failing test server, a log
// shipper posts JSON lines; each opens or attaches to the module's
// incident, which is in the Journal with the analysis clock (Q31) running
// like a user's; others are refused naming the field or the permission.
func TestQ27IntakeOverHTTP(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		portal := d.user("portal-am", auth.RolePortal, "", "")
		op := d.user("op-intake", auth.RoleOperator, "", "")
		d.must(d.req("PUT", "/api/v1/intake/module-map", op, intakeMap), http.StatusForbidden)
		d.must(d.req("PUT", "/api/v1/intake/module-map", d.Admin, intakeMap), http.StatusOK)
		d.must(d.req("PUT", "/api/v1/intake/module-map", d.Admin, map[string]any{"entries": []map[string]string{{"label": "job", "value": "x"}}}),
			http.StatusBadRequest)

		// Alertmanager: permission, then the fixture, then refusals naming fields.
		d.must(d.req("POST", "/api/v1/intake/alertmanager", "", fixture(t, "firing.json")), http.StatusUnauthorized)
		d.must(d.req("POST", "/api/v1/intake/alertmanager", op, fixture(t, "firing.json")), http.StatusForbidden)
		r := d.must(d.req("POST", "/api/v1/intake/alertmanager", portal, fixture(t, "firing.json")), http.StatusOK)
		if r.JSON["accepted"] != 2.0 {
			t.Fatalf("accepted: %s", r)
		}
		d.must(d.req("POST", "/api/v1/intake/alertmanager", portal, fixture(t, "repeated.json")), http.StatusOK)
		bad := d.must(d.req("POST", "/api/v1/intake/alertmanager", portal, strings.Replace(fixture(t, "firing.json"), `"status": "firing",
      "labels"`, `"status": "on fire",
      "labels"`, 1)), http.StatusBadRequest)
		if bad.errField("alerts[0].status") == "" {
			t.Fatalf("bad status: %s", bad)
		}
		bad = d.must(d.req("POST", "/api/v1/intake/alertmanager", portal, strings.ReplaceAll(fixture(t, "firing.json"), "portal-auction", "portal-unknown")),
			http.StatusBadRequest)
		if bad.errField("alerts[1].labels.module") == "" {
			t.Fatalf("unmapped: %s", bad)
		}
		d.must(d.req("POST", "/api/v1/intake/alertmanager", portal, `{"alerts": [`), http.StatusBadRequest)

		// a webhook's 200 means stored; the apply follows (issue 14)
		settle := func() {
			t.Helper()
			if err := d.App.Monitor.Settle(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		settle()
		sig := d.must(d.req("GET", "/api/v1/intake/signals", op, nil), http.StatusOK)
		sigs := sig.JSON["signals"].([]any)
		if len(sigs) != 1 {
			t.Fatalf("signals: %s", sig)
		}
		s0 := sigs[0].(map[string]any)
		if s0["count"] != 4.0 || s0["module"] != "Аукционы" || s0["failure_started_at"] != "2026-11-20T04:10:00Z" {
			t.Fatalf("signal: %v", s0)
		}
		incID := int64(s0["incident_id"].(float64))
		inc := d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", incID), op, nil), http.StatusOK)
		appeals := inc.JSON["appeals"].([]any)
		if len(appeals) != 1 || appeals[0].(map[string]any)["channel"] != "monitoring" {
			t.Fatalf("incident: %s", inc)
		}
		// the same lifecycle and clocks as a user's: analysis (Q31) starts
		// on analyse, counted from the appeal's receipt
		d.must(d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/analyse", incID), op, map[string]any{}), http.StatusOK)
		clocks := d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d/clocks", incID), op, nil), http.StatusOK)
		if !strings.Contains(string(clocks.Raw), `"analysis"`) {
			t.Fatalf("a machine-opened incident has no analysis clock (Q31): %s", clocks)
		}
		d.must(d.req("POST", fmt.Sprintf("/api/v1/intake/signals/%d/confirm-fix", int64(s0["id"].(float64))), op,
			map[string]any{"decision": "перезапуск"}), http.StatusConflict)

		// Log rules and JSON lines.
		d.must(d.req("POST", "/api/v1/intake/log-rules", d.Admin, map[string]any{"module": "Подписание ЭЦП", "severity": "loud", "pattern": "x"}),
			http.StatusBadRequest)
		rule := d.must(d.req("POST", "/api/v1/intake/log-rules", d.Admin, map[string]any{"module": "Подписание ЭЦП", "severity": "err",
			"pattern": "(?i)ncalayer"}), http.StatusCreated)
		lines := `{"message":"NCALayer недоступен","severity":"err","app":"portal-eds"}` + "\n" +
			`{"message":"NCALayer недоступен","severity":"loud"}` + "\n"
		bad = d.must(d.req("POST", "/api/v1/intake/logs", portal, lines), http.StatusBadRequest)
		if bad.errField("lines[2].severity") == "" {
			t.Fatalf("bad line: %s", bad)
		}
		lines = strings.Repeat(`{"message":"NCALayer недоступен","severity":"err","app":"portal-eds"}`+"\n", 50) +
			`{"message":"всё хорошо","severity":"info"}` + "\n"
		r = d.must(d.req("POST", "/api/v1/intake/logs", portal, lines), http.StatusOK)
		if r.JSON["lines"] != 51.0 || r.JSON["matched"] != 50.0 {
			t.Fatalf("logs: %s", r)
		}
		rules := d.must(d.req("GET", "/api/v1/intake/log-rules", op, nil), http.StatusOK)
		if len(rules.JSON["rules"].([]any)) != 1 {
			t.Fatalf("rules: %s", rules)
		}
		d.must(d.req("DELETE", fmt.Sprintf("/api/v1/intake/log-rules/%d", int64(rule.JSON["id"].(float64))), d.Admin, nil), http.StatusNoContent)
		d.must(d.req("DELETE", "/api/v1/intake/log-rules/999", d.Admin, nil), http.StatusNotFound)

		// A probe against a failing server, checked on demand.
		var broken atomic.Bool
		broken.Store(true)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if broken.Load() {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			w.Write([]byte("ok"))
		}))
		defer srv.Close()
		d.must(d.req("POST", "/api/v1/intake/probes", d.Admin, map[string]any{"module": "Договоры", "url": "gopher://x"}), http.StatusBadRequest)
		pr := d.must(d.req("POST", "/api/v1/intake/probes", d.Admin, map[string]any{"module": "Договоры", "url": srv.URL, "threshold": 1,
			"interval_ms": 3600000}), http.StatusCreated)
		pid := int64(pr.JSON["id"].(float64))
		d.must(d.req("PUT", fmt.Sprintf("/api/v1/intake/probes/%d", pid), d.Admin, map[string]any{"module": "Договоры", "url": srv.URL,
			"threshold": 1, "interval_ms": 3600000, "expect_body": "ok"}), http.StatusOK)
		d.must(d.req("POST", fmt.Sprintf("/api/v1/intake/probes/%d/check", pid), d.Admin, nil), http.StatusOK)
		broken.Store(false)
		d.must(d.req("POST", fmt.Sprintf("/api/v1/intake/probes/%d/check", pid), d.Admin, nil), http.StatusOK)
		res := d.must(d.req("GET", fmt.Sprintf("/api/v1/intake/probes/%d/results", pid), op, nil), http.StatusOK)
		if len(res.JSON["results"].([]any)) < 2 || res.JSON["uptime"] == 1.0 {
			t.Fatalf("results: %s", res)
		}
		d.must(d.req("GET", "/api/v1/intake/probes/999/results", op, nil), http.StatusNotFound)
		d.must(d.req("GET", "/api/v1/intake/probes", op, nil), http.StatusOK)
		d.must(d.req("GET", "/api/v1/intake/module-map", op, nil), http.StatusOK)
		d.must(d.req("GET", "/api/v1/intake/signals?limit=0", op, nil), http.StatusBadRequest)

		settle()
		st := d.must(d.req("GET", "/api/v1/intake/status", op, nil), http.StatusOK)
		got := map[string][2]float64{}
		for _, x := range st.JSON["totals"].([]any) {
			m := x.(map[string]any)
			got[m["source"].(string)] = [2]float64{m["alerts"].(float64), m["applied"].(float64)}
		}
		if got["alertmanager"] != [2]float64{4, 4} || got["syslog"][0] != 50 || got["probe"] != [2]float64{2, 2} {
			t.Fatalf("status: %s", st)
		}
		sig = d.must(d.req("GET", "/api/v1/intake/signals", op, nil), http.StatusOK)
		modules := map[string]string{}
		for _, x := range sig.JSON["signals"].([]any) {
			m := x.(map[string]any)
			modules[m["source"].(string)+"/"+m["module"].(string)] = m["incident_number"].(string)
		}
		if len(modules) != 3 || modules["probe/Договоры"] == modules["alertmanager/Аукционы"] {
			t.Fatalf("signals by source and module: %v", modules)
		}
		d.verifyAudit()
	})
}

// Issue 14: SIGKILL while the portal's Alertmanager posts; after the
// restart every alert answered 200 is in the intake, applied, and counted
// on its module's one incident.
func TestCrashKeepsAcceptedAlerts(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, dsn string) {
		p := serve(t, dsn)
		p.must(p.req("POST", "/api/v1/users", p.Admin, map[string]any{"login": "portal-crash", "role": "portal", "password": "portal-password-1",
			"full_name": "Alertmanager"}), http.StatusCreated)
		tok := p.must(p.req("POST", "/api/v1/users/portal-crash/tokens", p.Admin, nil), http.StatusCreated).str("token")
		const clients, enoughAcks = 8, 200
		var acked atomic.Int64
		var killed atomic.Bool
		enough := make(chan struct{})
		var once sync.Once
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					body := fmt.Sprintf(`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"module":"m%d","i":"%d"},
						"startsAt":"2026-01-01T00:00:00Z","fingerprint":"c%d-%d"}]}`, c%4, i, c, i)
					r, err := p.send("POST", "/api/v1/intake/alertmanager", tok, body)
					if err == nil && r.Status == http.StatusOK {
						if acked.Add(1) >= enoughAcks {
							once.Do(func() { close(enough) })
						}
						continue
					}
					if !killed.Load() {
						t.Errorf("before the kill: %v %s", err, r)
						once.Do(func() { close(enough) })
					}
					return
				}
			}()
		}
		<-enough
		killed.Store(true)
		p.stop(syscall.SIGKILL)
		wg.Wait()
		if t.Failed() {
			return
		}
		q := serve(t, dsn)
		q.eventually("every stored alert applied after the restart", func() bool {
			st := q.must(q.req("GET", "/api/v1/intake/status", q.Admin, nil), http.StatusOK)
			for _, x := range st.JSON["totals"].([]any) {
				m := x.(map[string]any)
				if m["source"] == "alertmanager" {
					return m["events"] == m["applied"] && m["events"].(float64) >= float64(acked.Load())
				}
			}
			return false
		})
		sig := q.must(q.req("GET", "/api/v1/intake/signals?limit=1000", q.Admin, nil), http.StatusOK)
		var counted float64
		incidents := map[float64]bool{}
		for _, x := range sig.JSON["signals"].([]any) {
			m := x.(map[string]any)
			counted += m["count"].(float64)
			incidents[m["incident_id"].(float64)] = true
		}
		if counted < float64(acked.Load()) || len(incidents) != 4 {
			t.Fatalf("%v alerts counted on %d incidents; %d acknowledged before the kill, 4 modules", counted, len(incidents), acked.Load())
		}
		t.Logf("%d alerts acknowledged before SIGKILL, %v counted after the restart", acked.Load(), counted)
	})
}
