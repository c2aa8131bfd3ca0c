package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/forcemajeure"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/statuspage"
)

// ext14b, Q41 and Q41-open on the maintenance page: a window announced
// without an end offers only "enter the end" (its plan cannot be computed
// yet); a bad end comes back marked on that window; once the end is in,
// "apply the plan of these works" moves the deadlines on its dates (P1's
// acceptance today) and lists the applied plan, which an administrator
// reverts with a reason, restoring the deadline.
func TestMaintenanceWindowPlanForm(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		f := newIncidentFixture(t, d, 1)
		// The works span P1's acceptance (20 minutes ago), so it moves on any
		// date, near midnight too.
		start := time.Now().Add(-30 * time.Minute).Truncate(time.Minute)
		w, err := d.App.PublicNotice.Announce(t.Context(), audit.System, publicnotice.NewMaintenance{Title: statuspage.Text{"ru": "Авария в ЦОД"},
			Start: &start, Unplanned: true, Agreement: "телефонограмма № 5"})
		if err != nil {
			t.Fatal(err)
		}
		row := fmt.Sprintf(`id="m-%d"`, w.ID)
		pg := f.admin.get("/maintenance?lang=ru")
		if !strings.Contains(pg.Body, row) || !strings.Contains(pg.Body, "Окончание работ еще не известно") ||
			strings.Contains(pg.Body, fmt.Sprintf(`action="/maintenance/%d/apply"`, w.ID)) {
			t.Fatalf("open-ended window row:\n%s", pg.Body)
		}
		bad := f.admin.post(fmt.Sprintf("/maintenance/%d/end", w.ID), url.Values{"end": {nowLocal(start.Add(-time.Hour))}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, `class="field-error"`) {
			t.Fatalf("end before start: %d\n%s", bad.Status, bad.Body)
		}
		f.admin.get("/maintenance")
		end := start.Add(time.Hour)
		if p := f.admin.post(fmt.Sprintf("/maintenance/%d/end", w.ID), url.Values{"end": {nowLocal(end)}}); p.Status != http.StatusSeeOther {
			t.Fatalf("end: %d\n%s", p.Status, p.Body)
		}
		before, err := d.App.Procurement.Get(t.Context(), "P1")
		if err != nil {
			t.Fatal(err)
		}
		pg = f.admin.get("/maintenance?lang=ru")
		if !strings.Contains(pg.Body, "Предпросмотр плана по этим работам") {
			t.Fatal("no preview button once the end is known")
		}
		// ext14c: applied from the preview, confirmed.
		ap := f.admin.post(fmt.Sprintf("/maintenance/%d/apply", w.ID), url.Values{"confirm": {"1"}})
		if ap.Status != http.StatusSeeOther || !strings.HasPrefix(ap.Header.Get("Location"), "/maintenance?applied=") {
			t.Fatalf("apply: %d %s\n%s", ap.Status, ap.Header.Get("Location"), ap.Body)
		}
		after, _ := d.App.Procurement.Get(t.Context(), "P1")
		if !after.Deadlines[0].At.After(before.Deadlines[0].At) {
			t.Fatalf("P1 %s → %s: not moved by the works on its date", before.Deadlines[0].At, after.Deadlines[0].At)
		}
		plans, err := d.App.Procurement.PlansOfWindow(t.Context(), w.ID)
		if err != nil || len(plans) != 1 {
			t.Fatalf("plans %+v %v", plans, err)
		}
		pg = f.admin.get(ap.Header.Get("Location") + "&lang=ru")
		if !strings.Contains(pg.Body, "Примененные планы по этим работам") || !strings.Contains(pg.Body, fmt.Sprintf("/plans/%d/revert", plans[0].ID)) {
			t.Fatal("the applied plan is not listed with its revert")
		}
		rv := f.admin.post(fmt.Sprintf("/maintenance/%d/plans/%d/revert", w.ID, plans[0].ID), url.Values{"reason": {"окончание указано ошибочно"}})
		if rv.Status != http.StatusSeeOther {
			t.Fatalf("revert: %d\n%s", rv.Status, rv.Body)
		}
		if back, _ := d.App.Procurement.Get(t.Context(), "P1"); !back.Deadlines[0].At.Equal(before.Deadlines[0].At) {
			t.Errorf("after revert P1 %s, want %s", back.Deadlines[0].At, before.Deadlines[0].At)
		}
		if n := d.App.Console.Missing(); n != 0 {
			t.Errorf("%d look-ups of missing messages", n)
		}
	})
}

// ext14b, Q17/Q37.10 "kept informed": the force majeure part of the
// incident page records calls to the authorized body; an empty form comes
// back with the three fields marked; a recorded call is listed.
func TestForceMajeureCallForm(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		f := newIncidentFixture(t, d, 0)
		f.confirm(t, "high")
		if pg := f.admin.get(f.path); strings.Contains(pg.Body, `id="fm-calls"`) {
			t.Error("calls offered before any force majeure is recorded")
		}
		if _, err := d.App.ForceMajeure.Set(t.Context(), audit.System, f.inc, forcemajeure.Input{StartedAt: ptr(time.Now().Add(-2 * time.Hour)),
			ExpectedHours: ptr(72), Evidence: ptr("Справка ДЧС № 12-05/781")}); err != nil {
			t.Fatal(err)
		}
		f.admin.get(f.path)
		bad := f.admin.post(f.path+"/force-majeure/calls", url.Values{})
		if bad.Status != http.StatusBadRequest || strings.Count(bad.Body, `class="field-error"`) < 3 {
			t.Fatalf("empty call: %d, %d fields marked", bad.Status, strings.Count(bad.Body, `class="field-error"`))
		}
		f.admin.get(f.path)
		ok := f.admin.post(f.path+"/force-majeure/calls", url.Values{"called_at": {nowLocal(time.Now().Add(-30 * time.Minute))},
			"person": {"Ахметов Б. Б., департамент госзакупок"}, "summary": {"Сообщено о ходе восстановления"}})
		if ok.Status != http.StatusSeeOther {
			t.Fatalf("call: %d\n%s", ok.Status, ok.Body)
		}
		pg := f.admin.get(f.path + "?lang=ru")
		for _, w := range []string{`id="fm-calls"`, "Звонки в уполномоченный орган", "Ахметов Б. Б., департамент госзакупок", "Сообщено о ходе восстановления"} {
			if !strings.Contains(pg.Body, w) {
				t.Errorf("page lacks %q", w)
			}
		}
		if n := d.App.Console.Missing(); n != 0 {
			t.Errorf("%d look-ups of missing messages", n)
		}
	})
}

// The two parts at 1280 and 375 px in ru, kk and en: screenshots, no
// horizontal overflow, axe without serious or critical violations.
func TestExt14bInBrowser(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir())
	f := newIncidentFixture(t, d, 1)
	f.confirm(t, "high")
	start := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	if _, err := d.App.PublicNotice.Announce(t.Context(), audit.System, publicnotice.NewMaintenance{Title: statuspage.Text{"ru": "Авария в ЦОД", "kk": "ДОО-дағы авария", "en": "Data centre outage"},
		Start: &start, Unplanned: true, Agreement: "телефонограмма № 5"}); err != nil {
		t.Fatal(err)
	}
	end := start.Add(2 * time.Hour)
	w2, err := d.App.PublicNotice.Announce(t.Context(), audit.System, publicnotice.NewMaintenance{Title: statuspage.Text{"ru": "Обновление"},
		Start: &start, End: &end, Unplanned: true, Agreement: "письмо № 7"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.App.Procurement.ApplyWindow(t.Context(), w2.ID, procurementReq(), audit.System); err != nil {
		t.Fatal(err)
	}
	if _, err := d.App.ForceMajeure.Set(t.Context(), audit.System, f.inc, forcemajeure.Input{StartedAt: ptr(time.Now().Add(-2 * time.Hour)),
		ExpectedHours: ptr(72), Evidence: ptr("Справка ДЧС № 12-05/781")}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.App.ForceMajeure.AddCall(t.Context(), audit.System, f.inc, forcemajeure.CallInput{CalledAt: ptr(time.Now().Add(-time.Hour)),
		Person: "Ахметов Б. Б.", Summary: "Сообщено о ходе восстановления; ожидаемое окончание без изменений"}); err != nil {
		t.Fatal(err)
	}
	dir := shotsDir(t)
	adm := tab(t, actx)
	signInUI(t, adm, d.Base, "admin", adminPassword)
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			name := fmt.Sprintf("maintenance-plan-%s-%d", lang, w.width)
			do(t, adm, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+"/maintenance?lang="+lang),
				chromedp.WaitReady(fmt.Sprintf("#m-%d", w2.ID)), chromedp.ScrollIntoView(fmt.Sprintf("#m-%d", w2.ID)))
			checkShot(t, adm, name, w.width, dir, axe)
			name = fmt.Sprintf("incident-fm-calls-%s-%d", lang, w.width)
			do(t, adm, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+f.path+"?lang="+lang),
				chromedp.WaitReady("#fm-calls"), chromedp.ScrollIntoView("#fm-calls"))
			checkShot(t, adm, name, w.width, dir, axe)
		}
	}
	if n := d.App.Console.Missing(); n != 0 {
		t.Errorf("%d look-ups of missing messages", n)
	}
	t.Logf("screenshots in %s", dir)
}

func procurementReq() procurement.PlanRequest { return procurement.PlanRequest{} }
