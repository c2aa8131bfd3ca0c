package procurement_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// ext14c, Q41 and Q41-withdraw (docs/impact.md): the deadlines a
// window's own applied plan moved are on the public status page with the
// window (page and JSON feed, from the database); a window whose plan
// stands is not withdrawn (409 naming the plan, field "plan") until the plan
// is reverted, and then is; the reverted plan's extensions leave the page.
func TestWindowExtensionsOnStatusPageAndWithdrawalQ41Withdraw(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.svc.DefaultProfile = "kz-quasi"
		e.importAll(t, mirror())
		pn := &publicnotice.Service{DB: db, Now: e.clk.Now, NoticeBy: func(s time.Time) (time.Time, error) { return s.Add(-48 * time.Hour), nil }}
		start, end := at("12:00"), at("14:00")
		w, err := pn.Announce(ctx, admin, publicnotice.NewMaintenance{Title: statuspage.Text{"ru": "Обновление платформы"}, Start: &start, End: &end,
			Unplanned: true, Agreement: "письмо № 12-3/456"})
		if err != nil {
			t.Fatal(err)
		}
		e.clk.Set(at("10:00").UTC())
		res, err := e.svc.ApplyWindow(ctx, w.ID, procurement.PlanRequest{}, operator)
		if err != nil || res.PlanID == 0 {
			t.Fatalf("apply %+v %v", res, err)
		}
		d := e.deadlines(t)

		snap, err := pn.StatusSnapshot(ctx)
		if err != nil || len(snap.Maintenance) != 1 {
			t.Fatalf("snapshot %+v %v", snap, err)
		}
		exts := snap.Maintenance[0].Extensions
		byKey := map[string]statuspage.Extension{}
		for _, x := range exts {
			byKey[x.Announcement+"/"+x.DeadlineKind] = x
		}
		p1 := byKey["A-P1/bid_acceptance"]
		if p1.Lot != "1" || !p1.Old.Equal(at("10:00")) || !p1.New.Equal(d["P1/bids_end"]) || p1.Rule != "Q41" {
			t.Errorf("P1's extension on the window: %+v (all %+v)", p1, exts)
		}
		if _, ok := byKey["A-P2/bid_acceptance"]; ok {
			t.Errorf("P2 (days later) shown moved: %+v", exts)
		}
		if len(snap.Failures) != 0 {
			t.Errorf("a window's extensions shown as a failure: %+v", snap.Failures)
		}

		h, err := statuspage.New(pn, statuspage.Options{Now: e.clk.Now, Location: almaty, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		get := func(target string) string {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
			if rec.Code != 200 {
				t.Fatalf("%s: %d", target, rec.Code)
			}
			return rec.Body.String()
		}
		for lang, want := range map[string][]string{
			"ru": {"Продленные сроки", "A-P1", "окончание приема заявок", "14.04.2026 10:00 (UTC&#43;5)", "14.04.2026 14:00 (UTC&#43;5)", "п. 41 Правил"},
			"kk": {"Ұзартылған мерзімдер", "A-P1", "14.04.2026 14:00 (UTC&#43;5)"},
			"en": {"Extended deadlines", "A-P1", "2026-04-14 14:00 (UTC&#43;5)"},
		} {
			body := get("/status?lang=" + lang)
			i := strings.Index(body, `id="m-m-`)
			if i < 0 {
				t.Fatalf("%s: no window on the page", lang)
			}
			for _, x := range want {
				if !strings.Contains(body[i:], x) {
					t.Errorf("%s: the window's card lacks %q", lang, x)
				}
			}
		}
		var feed struct {
			Items []struct {
				Ext struct {
					Kind       string           `json:"kind"`
					Extensions []map[string]any `json:"extensions"`
				} `json:"_tenderdesk"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(get("/status/feed.json?lang=kk")), &feed); err != nil {
			t.Fatal(err)
		}
		if len(feed.Items) != 1 || feed.Items[0].Ext.Kind != "maintenance" || len(feed.Items[0].Ext.Extensions) != len(exts) {
			t.Fatalf("feed %+v", feed)
		}
		if !strings.Contains(get("/status/feed.atom?lang=ru"), "A-P1, лот 1: окончание приема заявок 14.04.2026 10:00 (UTC+5) → 14.04.2026 14:00 (UTC+5)") {
			t.Error("atom content lacks the window's extension")
		}

		// Q41-withdraw: refused while the plan stands, naming it.
		_, err = pn.Withdraw(ctx, admin, w.ID, "работы перенесены")
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict || !strings.Contains(ae.Fields["plan"], itoa(res.PlanID)) {
			t.Fatalf("withdrawing a window with an applied plan: %v", err)
		}
		if m, _ := pn.MaintenanceByID(ctx, w.ID); m.WithdrawnAt != nil {
			t.Fatal("the refused withdrawal withdrew the window")
		}
		if n := e.count(t, "SELECT count(*) FROM audit_log WHERE action = 'maintenance.withdraw'"); n != 0 {
			t.Errorf("the refused withdrawal was audited (%d)", n)
		}
		if _, err := e.svc.Revert(ctx, res.PlanID, "работы перенесены", admin); err != nil {
			t.Fatal(err)
		}
		if snap, _ := pn.StatusSnapshot(ctx); len(snap.Maintenance) != 1 || len(snap.Maintenance[0].Extensions) != 0 {
			t.Errorf("the reverted plan's extensions are still on the page: %+v", snap.Maintenance)
		}
		if m, err := pn.Withdraw(ctx, admin, w.ID, "работы перенесены"); err != nil || m.WithdrawnAt == nil {
			t.Fatalf("withdrawing after the revert: %+v %v", m, err)
		}
	})
}
