package monitor

import (
	"context"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

var testMap = []MapEntry{{Label: "job", Value: "portal-auction", Module: "Аукционы"}, {Label: "job", Value: "portal-contracts", Module: "Договоры"}}

// Q27 (monitoring opens an incident), issue 14 de-duplication: the
// Alertmanager fixtures — firing (two instances of one module), the same
// webhook repeated, a group spanning two modules, resolved — give one
// open incident per module, one appeal per module on the monitoring
// channel, every alert counted, the failure's start the first startsAt,
// and on resolution the latest endsAt as the fix-time candidate.
func TestQ27AlertmanagerFixturesOneIncidentPerModule(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, mustTime("2026-11-20T04:15:00Z"))
		ctx := context.Background()
		if err := r.s.SetModuleMap(ctx, admin, testMap); err != nil {
			t.Fatal(err)
		}
		total := r.webhook("firing.json")
		r.clk.Add(time.Minute)
		total += r.webhook("repeated.json")
		if n := r.count("SELECT count(*) FROM incidents"); n != 1 {
			t.Fatalf("after firing + repeat: %d incidents, want 1", n)
		}
		g := r.signals()["alertmanager/Аукционы"]
		if g.Count != 4 || g.Status != Firing || !g.FirstAt.Equal(mustTime("2026-11-20T04:10:00Z")) {
			t.Fatalf("signal after firing + repeat: %+v", g)
		}
		as := r.appealsOf(g.IncidentID)
		if len(as) != 1 || as[0].Channel != "monitoring" || as[0].Module != "Аукционы" || as[0].DetectedAt == nil ||
			!as[0].DetectedAt.Equal(mustTime("2026-11-20T04:10:00Z")) {
			t.Fatalf("appeals: %+v", as)
		}
		if !strings.Contains(as[0].Description, "Модуль аукционов не отвечает") {
			t.Fatalf("description %q", as[0].Description)
		}

		total += r.webhook("grouped.json")
		if n := r.count("SELECT count(*) FROM incidents"); n != 2 {
			t.Fatalf("after the grouped webhook: %d incidents, want 2 (one per module)", n)
		}
		gs := r.signals()
		if gs["alertmanager/Аукционы"].Count != 5 || gs["alertmanager/Договоры"].Count != 2 {
			t.Fatalf("counts: %+v", gs)
		}
		if gs["alertmanager/Аукционы"].IncidentID == gs["alertmanager/Договоры"].IncidentID {
			t.Fatal("two modules share an incident")
		}

		// Every alert accounted for: stored, applied, counted.
		if n := r.count("SELECT count(*) FROM intake_events WHERE processed_at IS NOT NULL"); n != total {
			t.Fatalf("%d events applied, %d accepted", n, total)
		}
		if n := r.count("SELECT COALESCE(sum(count), 0) FROM intake_signals"); n != total {
			t.Fatalf("signals count %d alerts, %d accepted", n, total)
		}

		r.clk.Set(mustTime("2026-11-20T04:50:00Z"))
		r.webhook("resolved.json")
		g = r.signals()["alertmanager/Аукционы"]
		if g.Status != Resolved || g.ResolvedAt == nil || !g.ResolvedAt.Equal(mustTime("2026-11-20T04:43:00Z")) {
			t.Fatalf("after resolved: %+v", g)
		}
		if c := r.signals()["alertmanager/Договоры"]; c.Status != Firing || c.ResolvedAt != nil {
			t.Fatalf("the other module resolved too: %+v", c)
		}
		var out string
		if err := db.R.QueryRow("SELECT outcome FROM intake_events ORDER BY id DESC LIMIT 1").Scan(&out); err != nil || out != OutResolved {
			t.Fatalf("last event outcome %q %v", out, err)
		}
	})
}

// A resolution of one alert of two leaves the signal firing (no fix-time
// candidate while a part of the failure persists); a re-fire after
// resolution clears the candidate.
func TestQ27AlertmanagerPartialResolveAndRefire(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, mustTime("2026-11-20T04:15:00Z"))
		ctx := context.Background()
		if err := r.s.SetModuleMap(ctx, admin, testMap); err != nil {
			t.Fatal(err)
		}
		r.webhook("firing.json")
		r.clk.Set(mustTime("2026-11-20T04:50:00Z"))
		w, err := DecodeWebhook(strings.NewReader(`{"version":"4","status":"resolved","alerts":[{"status":"resolved",
			"labels":{"job":"portal-auction","instance":"auction-1:8080"},"startsAt":"2026-11-20T04:10:00Z",
			"endsAt":"2026-11-20T04:41:00Z","fingerprint":"a1b2c3d4e5f60001"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		evs, err := r.s.AlertmanagerEvents(ctx, w, r.clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := r.s.Accept(ctx, evs); err != nil {
			t.Fatal(err)
		}
		if g := r.signals()["alertmanager/Аукционы"]; g.Status != Firing || g.ResolvedAt != nil {
			t.Fatalf("one of two resolved: %+v", g)
		}
		r.webhook("resolved.json")
		if g := r.signals()["alertmanager/Аукционы"]; g.Status != Resolved {
			t.Fatalf("all resolved: %+v", g)
		}
		r.webhook("firing.json")
		if g := r.signals()["alertmanager/Аукционы"]; g.Status != Firing || g.ResolvedAt != nil {
			t.Fatalf("re-fired: %+v", g)
		}
		if n := r.count("SELECT count(*) FROM incidents"); n != 1 {
			t.Fatalf("%d incidents", n)
		}
	})
}

// Q38 with Q27: a user's appeal about the module came first; the alerts
// attach to its incident (one failure = one open incident) and its first
// registration stays the earliest. Once the incident is fixed, a new
// failure of the module opens a new incident.
func TestQ38MachineAppealsAttachToUsersIncident(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, mustTime("2026-11-20T04:05:00Z"))
		ctx := context.Background()
		if err := r.s.SetModuleMap(ctx, admin, testMap); err != nil {
			t.Fatal(err)
		}
		recv := r.clk.Now()
		user, err := r.j.Register(ctx, journal.Caller{Actor: audit.Actor{Login: "op", Role: "operator"}}, journal.NewAppeal{Channel: "phone",
			ReceivedAt: &recv, Organization: "ТОО «Сауда»", BIN: "123456789013", ContactPhone: "+7 701 123 45 67",
			Description: "Не открывается аукцион", Module: "Аукционы"}, "")
		if err != nil {
			t.Fatal(err)
		}
		first, err := r.j.Incident(ctx, user.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		r.clk.Add(10 * time.Minute)
		r.webhook("firing.json")
		g := r.signals()["alertmanager/Аукционы"]
		if g.IncidentID != user.IncidentID {
			t.Fatalf("alert opened incident %d, the user's is %d", g.IncidentID, user.IncidentID)
		}
		after, _ := r.j.Incident(ctx, user.IncidentID)
		if !after.FirstRegisteredAt.Equal(first.FirstRegisteredAt) || len(after.Appeals) != 2 {
			t.Fatalf("first registration %v → %v, appeals %d", first.FirstRegisteredAt, after.FirstRegisteredAt, len(after.Appeals))
		}
		var out string
		if err := db.R.QueryRow("SELECT outcome FROM intake_events ORDER BY id LIMIT 1").Scan(&out); err != nil || out != OutAttached {
			t.Fatalf("outcome %q %v", out, err)
		}

		by := audit.Actor{Login: "spec", Role: "specialist"}
		yes := true
		start := mustTime("2026-11-20T04:10:00Z")
		for _, in := range []journal.TransitionInput{{Action: journal.ActAnalyse},
			{Action: journal.ActConfirm, Criticality: "high", Cause: "operator_staff_error", OperatorDependent: &yes, FailureStartedAt: &start},
			{Action: journal.ActStartFix}} {
			if _, err := r.j.Transition(ctx, by, user.IncidentID, in); err != nil {
				t.Fatalf("%s: %v", in.Action, err)
			}
		}
		r.clk.Set(mustTime("2026-11-20T04:50:00Z"))
		r.webhook("resolved.json")
		if _, err := r.s.ConfirmFix(ctx, by, g.ID, "", ""); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a fix without the Journal's decision: %v", err)
		}
		inc, err := r.s.ConfirmFix(ctx, by, g.ID, "Перезапущены узлы аукциона", "")
		if err != nil {
			t.Fatal(err)
		}
		if inc.State != journal.Fixed || inc.FixedAt == nil || !inc.FixedAt.Equal(mustTime("2026-11-20T04:43:00Z")) {
			t.Fatalf("confirmed fix: %+v", inc)
		}
		r.clk.Add(time.Hour)
		r.webhook("firing.json")
		if g2 := r.signals()["alertmanager/Аукционы"]; g2.IncidentID == user.IncidentID {
			t.Fatal("a failure after the fix joined the fixed incident")
		}
		if n := r.count("SELECT count(*) FROM incidents"); n != 2 {
			t.Fatalf("%d incidents, want 2", n)
		}
	})
}

// Bad input names the field; nothing of a refused payload is stored.
func TestAlertmanagerRefusalNamesField(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, mustTime("2026-11-20T04:15:00Z"))
		ctx := context.Background()
		for body, field := range map[string]string{
			`{"version":"4","alerts":[{"status":"burning","labels":{"module":"x"},"startsAt":"2026-11-20T04:10:00Z"}]}`: "alerts[0].status",
			`{"version":"4","alerts":[]}`: "alerts",
			`{"version":"3","alerts":[{"status":"firing","labels":{"module":"x"},"startsAt":"2026-11-20T04:10:00Z"}]}`:   "version",
			`{"version":"4","alerts":[{"status":"resolved","labels":{"module":"x"},"startsAt":"2026-11-20T04:10:00Z"}]}`: "alerts[0].endsAt",
			`{"version":"4","alerts":[{"status":"firing","labels":{},"startsAt":"2026-11-20T04:10:00Z"}]}`:               "alerts[0].labels",
			`{"version":"4","alerts":[{"status":"firing","labels":{"module":"x"}}]}`:                                     "alerts[0].startsAt",
			`{"version":"4","alerts":"many"}`: "alerts",
		} {
			_, err := DecodeWebhook(strings.NewReader(body))
			var ae *apperr.Error
			if !asErr(err, &ae) || ae.Code != apperr.Invalid || ae.Fields[field] == "" {
				t.Errorf("%s: %v (fields %v), want a problem with %s", body, err, fieldsOf(ae), field)
			}
		}
		w, err := DecodeWebhook(strings.NewReader(`{"version":"4","alerts":[{"status":"firing","labels":{"module":"a"},"startsAt":"2026-11-20T04:10:00Z"},
			{"status":"firing","labels":{"job":"nobody-maps-me"},"startsAt":"2026-11-20T04:10:00Z"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.s.AlertmanagerEvents(ctx, w, r.clk.Now())
		var ae *apperr.Error
		if !asErr(err, &ae) || ae.Fields["alerts[1].labels.module"] == "" {
			t.Fatalf("unmapped alert: %v", err)
		}
		if n := r.count("SELECT count(*) FROM intake_events"); n != 0 {
			t.Fatalf("%d events stored from refused payloads", n)
		}
	})
}
