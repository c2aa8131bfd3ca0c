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
	"tenderdesk/internal/auth"
	"tenderdesk/internal/forcemajeure"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/vocab"
)

// Issue 14: staff record on the appeal page that the appeal triggers a
// point rule (here Q49: a protocol formed while the user could not take
// part); the incident's plan from the database then cites it. A bad entry
// comes back with the field marked (Q50 without the exclusion time), a role
// without impact:apply sees no form and is refused.
func TestAppealTriggerForm(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		f := newIncidentFixture(t, d, 0)
		now := time.Now().Truncate(time.Minute)
		line := fmt.Sprintf(`{"external_id":"P49","announcement":%q,"lots":["1"],"method":"tender","customer":"990140000123","module":"m1",`+
			`"participants":[{"supplier":"123456789013","email":"alfa@example.kz","language":"ru"}],`+
			`"deadlines":[{"kind":"bids_end","lot":"1","at":%q},{"kind":"opening_protocol","lot":"1","at":%q}]}`+"\n",
			f.ann, now.Add(-50*time.Minute).Format(time.RFC3339), now.Add(-40*time.Minute).Format(time.RFC3339))
		if _, err := d.App.Procurement.Import(t.Context(), strings.NewReader(line), audit.System); err != nil {
			t.Fatal(err)
		}
		f.confirm(t, "high")
		ap := "/appeals/" + f.appeal
		pg := f.admin.get(ap + "?lang=ru")
		for _, w := range []string{`id="triggers"`, "Обращения, влекущие продление по пунктам Правил", vocab.Cite("Q49", "ru"), "По этому обращению ничего не отмечено."} {
			if !strings.Contains(pg.Body, w) {
				t.Errorf("appeal page lacks %q", w)
			}
		}
		bad := f.admin.post(ap+"/triggers", url.Values{"kind": {"unreliable_register"}, "procedure": {"P49"}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "Укажите, когда поставщик исключен из реестра недобросовестных участников закупок") {
			t.Fatalf("Q50 without excluded_at: %d\n%s", bad.Status, bad.Body)
		}
		if !strings.Contains(bad.Body, `value="P49"`) {
			t.Error("the form does not keep what was typed")
		}
		bad = f.admin.post(ap+"/triggers", url.Values{"kind": {"felt_bad"}, "procedure": {"P49"}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "Выберите основание из списка") {
			t.Fatalf("unknown kind: %d", bad.Status)
		}
		f.admin.get(ap)
		ok := f.admin.post(ap+"/triggers", url.Values{"kind": {"could_not_participate"}, "procedure": {"P49"}, "lot": {"1"}})
		if ok.Status != http.StatusSeeOther || ok.Header.Get("Location") != ap+"?done=trigger#triggers" {
			t.Fatalf("record: %d %s\n%s", ok.Status, ok.Header.Get("Location"), ok.Body)
		}
		pg = f.admin.get(ap + "?done=trigger")
		if !strings.Contains(pg.Body, "Отмечено: план продления учтет это обращение.") ||
			!strings.Contains(pg.Body, "протокол сформирован, когда пользователь не мог участвовать") {
			t.Errorf("recorded trigger not shown")
		}
		ts, err := d.App.Triggers.OfIncident(t.Context(), f.inc)
		if err != nil || len(ts) != 1 || ts[0].Rule != "Q49" || ts[0].Procedure != "P49" || ts[0].Lot != "1" {
			t.Fatalf("triggers %+v %v", ts, err)
		}
		rules := map[string]int{}
		if _, err := d.App.Procurement.Plan(t.Context(), f.inc, procurement.PlanRequest{}, func(a procurement.PlannedAction) error {
			rules[a.Rule]++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if rules["Q49"] != 2 { // the protocol annulled, acceptance extended
			t.Errorf("plan rules %v, want Q49 twice", rules)
		}
		// The auditor reads the appeal but records nothing.
		d.user("aud", auth.RoleAuditor)
		aud := d.browser()
		aud.signIn("aud", "password-of-aud")
		if pg := aud.get(ap); pg.Status != http.StatusOK || strings.Contains(pg.Body, `id="triggers"`) {
			t.Errorf("auditor: %d, form shown %v", pg.Status, strings.Contains(pg.Body, `id="triggers"`))
		}
		if p := aud.post(ap+"/triggers", url.Values{"kind": {"could_not_participate"}, "procedure": {"P49"}}); p.Status != http.StatusForbidden {
			t.Errorf("auditor records a trigger: %d", p.Status)
		}
		if n := d.App.Console.Missing(); n != 0 {
			t.Errorf("%d look-ups of missing messages", n)
		}
	})
}

// The appeal page's trigger part at 1280 and 375 px in ru, kk and en, with
// one trigger recorded and then with a field marked: screenshots, no
// horizontal overflow, axe without serious or critical violations.
func TestAppealTriggerFormInBrowser(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir())
	f := newIncidentFixture(t, d, 1)
	f.confirm(t, "high")
	ap := "/appeals/" + f.appeal
	f.admin.get(ap)
	if p := f.admin.post(ap+"/triggers", url.Values{"kind": {"unreliable_register"}, "procedure": {"P1"}, "lot": {"ЛОТ-1"},
		"supplier": {"123456789013"}, "excluded_at": {nowLocal(time.Now().Add(-20 * time.Minute))}, "draft_sent_to_second_winner": {"1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("record: %d\n%s", p.Status, p.Body)
	}
	dir := shotsDir(t)
	adm := tab(t, actx)
	signInUI(t, adm, d.Base, "admin", adminPassword)
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			name := fmt.Sprintf("appeal-triggers-%s-%d", lang, w.width)
			do(t, adm, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+ap+"?lang="+lang),
				chromedp.WaitReady("#triggers"), chromedp.ScrollIntoView("#triggers"))
			checkShot(t, adm, name, w.width, dir, axe)
			name = fmt.Sprintf("appeal-triggers-bad-%s-%d", lang, w.width)
			do(t, adm, name, chromedp.SetValue("#t-kind", "unreliable_list"), chromedp.SetValue("#t-proc", "P1"),
				chromedp.Submit("#t-proc"), chromedp.WaitVisible("#triggers .field-error"), chromedp.ScrollIntoView("#triggers"))
			checkShot(t, adm, name, w.width, dir, axe)
		}
	}
	if n := d.App.Console.Missing(); n != 0 {
		t.Errorf("%d look-ups of missing messages", n)
	}
	t.Logf("screenshots in %s", dir)
}

// Issue 14, "the public notice shows it": after an administrator reverts a
// plan, /status lists the withdrawn extensions (the posted date struck
// out, the restored one, when and why) at 1280 and 375 px in ru, kk and
// en: screenshots, no horizontal overflow, axe without serious or critical
// violations.
func TestStatusWithdrawnInBrowser(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir())
	f := newIncidentFixture(t, d, 2)
	f.confirm(t, "high")
	res, err := d.App.Procurement.Apply(t.Context(), f.inc, procurement.PlanRequest{}, audit.System)
	if err != nil || res.PlanID == 0 {
		t.Fatalf("apply %+v %v", res, err)
	}
	rec, err := d.App.Procurement.Revert(t.Context(), res.PlanID, "время начала сбоя указано ошибочно", audit.System)
	if err != nil || rec.Notifications != 1 {
		t.Fatalf("revert %+v %v (want one bidder told)", rec, err)
	}
	anon := d.browser()
	poll(t, "/status shows the withdrawal", 100, func() (bool, string) {
		p := anon.get("/status?lang=ru")
		return strings.Contains(p.Body, "Отмененные продления сроков") && strings.Contains(p.Body, "время начала сбоя указано ошибочно"), p.Body
	})
	// The incident page's force majeure part, recorded, for the same walk.
	if _, err := d.App.ForceMajeure.Set(t.Context(), audit.System, f.inc, forcemajeure.Input{StartedAt: ptr(time.Now().Add(-2 * time.Hour)),
		ExpectedHours: ptr(72), Evidence: ptr("Справка территориального подразделения ДЧС № 12-05/781: паводок, отключение электроснабжения"),
		AgreedDays: ptr(10)}); err != nil {
		t.Fatal(err)
	}
	dir := shotsDir(t)
	ctx := tab(t, actx)
	adm := tab(t, actx)
	signInUI(t, adm, d.Base, "admin", adminPassword)
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			name := fmt.Sprintf("incident-fm-%s-%d", lang, w.width)
			do(t, adm, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+f.path+"?lang="+lang),
				chromedp.WaitReady("#force-majeure"), chromedp.ScrollIntoView("#force-majeure"))
			checkShot(t, adm, name, w.width, dir, axe)
			name = fmt.Sprintf("status-withdrawn-%s-%d", lang, w.width)
			do(t, ctx, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+"/status?lang="+lang), chromedp.WaitReady("main"))
			checkShot(t, ctx, name, w.width, dir, axe)
		}
	}
	t.Logf("screenshots in %s", dir)
}

// Force majeure on the incident page (issue 14, Q17, Q37.10): recorded
// from the form, then the agreed days entered alone (the rest kept); bad
// input comes back with the fields marked; the auditor sees no form.
func TestIncidentForceMajeureForm(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		f := newIncidentFixture(t, d, 1)
		f.confirm(t, "high")
		pg := f.admin.get(f.path + "?lang=ru")
		if !strings.Contains(pg.Body, `id="force-majeure"`) || !strings.Contains(pg.Body, "Обстоятельства непреодолимой силы") {
			t.Fatal("incident page has no force majeure part")
		}
		bad := f.admin.post(f.path+"/force-majeure", url.Values{"expected_hours": {"сорок"}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "Целое число") {
			t.Fatalf("non-numeric hours: %d", bad.Status)
		}
		f.admin.get(f.path)
		bad = f.admin.post(f.path+"/force-majeure", url.Values{})
		if bad.Status != http.StatusBadRequest || strings.Count(bad.Body, `class="field-error"`) < 3 {
			t.Fatalf("empty form: %d, %d fields marked", bad.Status, strings.Count(bad.Body, `class="field-error"`))
		}
		start := time.Now().Add(-2 * time.Hour)
		f.admin.get(f.path)
		ok := f.admin.post(f.path+"/force-majeure", url.Values{"fm_started_at": {nowLocal(start)}, "expected_hours": {"72"},
			"evidence": {"Справка ДЧС № 12-05/781"}})
		if ok.Status != http.StatusSeeOther {
			t.Fatalf("record: %d\n%s", ok.Status, ok.Body)
		}
		f.admin.get(f.path)
		if p := f.admin.post(f.path+"/force-majeure", url.Values{"agreed_days": {"10"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("agreed days: %d\n%s", p.Status, p.Body)
		}
		r, err := d.App.ForceMajeure.Get(t.Context(), f.inc)
		if err != nil || r.Version != 2 || r.AgreedDays != 10 || r.ExpectedHours != 72 || r.Evidence != "Справка ДЧС № 12-05/781" ||
			r.StartedAt.Format("02.01 15:04") != start.UTC().Truncate(time.Minute).Format("02.01 15:04") {
			t.Fatalf("record %+v %v", r, err)
		}
		pg = f.admin.get(f.path + "?done=force_majeure")
		for _, w := range []string{"Записано; уполномоченному органу направлено сообщение.", `value="10"`, "Справка ДЧС № 12-05/781"} {
			if !strings.Contains(pg.Body, w) {
				t.Errorf("page lacks %q", w)
			}
		}
		// The incident's notifications list what the authorized body was told.
		if _, err := d.App.Auth.CreateUser(t.Context(), audit.System, auth.NewUser{Login: "body", Password: "password-of-body",
			Role: string(auth.RoleAuthority)}); err != nil {
			t.Fatal(err)
		}
		f.admin.get(f.path)
		if p := f.admin.post(f.path+"/force-majeure", url.Values{"ended_at": {nowLocal(time.Now())}}); p.Status != http.StatusSeeOther {
			t.Fatalf("end: %d\n%s", p.Status, p.Body)
		}
		if r, _ := d.App.ForceMajeure.Get(t.Context(), f.inc); r.Version != 3 {
			t.Errorf("v3: %+v", r)
		}
		pg = f.admin.get(f.path)
		if !strings.Contains(pg.Body, `<span class="muted">force_majeure</span>`) {
			t.Error("no force majeure notice among the incident's notifications")
		}
		d.user("aud2", auth.RoleAuditor)
		aud := d.browser()
		aud.signIn("aud2", "password-of-aud2")
		if pg := aud.get(f.path); strings.Contains(pg.Body, `id="force-majeure"`) {
			t.Error("the auditor is offered the form")
		}
		if n := d.App.Console.Missing(); n != 0 {
			t.Errorf("%d look-ups of missing messages", n)
		}
	})
}

func ptr[T any](v T) *T { return &v }
