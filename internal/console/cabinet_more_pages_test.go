package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	keys "github.com/chromedp/chromedp/kb"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/kb"
	"tenderdesk/internal/notify/notifytest"
	"tenderdesk/internal/procurement"
)

// rich is a desk of the Russian profile with every later cabinet part in
// use: a late request (R-escalation), an appeal whose failure extended
// our procedures (registered by staff under kz-quasi), approved answers
// (Q21) and an open invitation (E6).
type rich struct {
	d                   *desk
	clock               *fakeNow
	late, extended      string // appeal numbers
	article             int64
	invitePath          string
	alfa, staff, anonym *browser
}

func richDesk(t *testing.T, dsn string) *rich {
	t.Helper()
	clock := morning()
	d := boot(t, dsn, withClock(clock), noClamd(), bootOpt{Cfg: func(c *config.Config) {
		c.DefaultProfile = "ru-khmao-goszakaz"
		c.EscalationEmail = config.MustMailbox("metod@depgz.admhmao.ru")
	}})
	r := &rich{d: d, clock: clock}
	d.user("olga", auth.RoleOperator)
	d.user("aruzhan", auth.RoleAuthority)
	d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
	art := draftApproved(t, d, kb.Text{"ru": "Почему не подписывается договор ЭЦП?", "kk": "Неліктен шарт ЭЦҚ-мен қол қойылмайды?", "en": "Why does the contract not sign with the EDS?"},
		kb.Text{"ru": "Проверьте срок действия ключа ЭЦП и переустановите программу подписи.", "kk": "ЭЦҚ кілтінің мерзімін тексеріп, қол қою бағдарламасын қайта орнатыңыз.", "en": "Check the EDS key's validity and reinstall the signing program."})
	r.article = art.ID
	b := d.browser()
	signInTo(b, "alfa", "password-of-alfa", "/cabinet")
	b.get("/cabinet/report")
	p := b.post("/cabinet/report", url.Values{"description": {"Не формируется извещение о закупке"}, "module": {"Определение поставщика"}, "contact_email": {"a@example.kz"}})
	m := numberRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("report: %d\n%s", p.Status, p.Body)
	}
	r.late = m[1]
	// an appeal of a Kazakh portal's failure that extended our procedures
	now := clock.Now()
	nd := fmt.Sprintf(`{"external_id":"P1","announcement":"2026-ЗЦП-77","lots":["1"],"method":"tender","customer":"123456789013","module":"m1",`+
		`"participants":[{"supplier":"990340005977","email":"s@example.kz","language":"ru"}],"deadlines":[{"kind":"bids_end","lot":"1","at":%q},{"kind":"contract_signing","lot":"1","at":%q}]}`+"\n",
		now.Add(-20*time.Minute).Format(time.RFC3339), now.Add(-10*time.Minute).Format(time.RFC3339))
	if res, err := d.App.Procurement.Import(t.Context(), strings.NewReader(nd), audit.System); err != nil || res.Failed != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	actor := audit.Actor{Login: "olga", Role: "operator"}
	recv := now.Add(-30 * time.Minute)
	reg, err := d.App.Journal.Register(t.Context(), journal.Caller{Actor: actor}, journal.NewAppeal{Channel: "phone", ReceivedAt: &recv, Organization: "ТОО «alfa»",
		BIN: "123456789013", ContactPhone: "+7 701 000 0000", Description: "Не подается заявка на лот", Module: "m1", Announcements: []string{"2026-ЗЦП-77"}, Profile: "kz-quasi"}, "")
	if err != nil {
		t.Fatalf("%#v", err)
	}
	r.extended = reg.Number
	start, fix := now.Add(-time.Hour), now.Add(time.Hour)
	for _, in := range []journal.TransitionInput{{Action: journal.ActAnalyse},
		{Action: journal.ActConfirm, Criticality: "high", Cause: "operator_staff_error", FailureStartedAt: &start, PlannedFixAt: &fix, Modules: []string{"m1"}}} {
		if _, err := d.App.Journal.Transition(t.Context(), actor, reg.IncidentID, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.App.Procurement.Apply(t.Context(), reg.IncidentID, procurement.PlanRequest{}, actor); err != nil {
		t.Fatal(err)
	}
	b.get("/cabinet/invite")
	if p := b.post("/cabinet/invite", url.Values{"email": {"kolleg@example.kz"}, "language": {"ru"}}); p.Status != http.StatusCreated {
		t.Fatalf("invite: %d", p.Status)
	}
	sink := notifytest.Start(t)
	deliver(t, d, sink, d.App.Secrets.Open)
	in, _ := sink.Inbox("kolleg@example.kz")
	if len(in) != 1 {
		t.Fatal("no invitation mail")
	}
	r.invitePath = "/invite/" + inviteLinkRe.FindStringSubmatch(in[0].Text)[1]
	// four working days on: the first request is late (R6 + R-escalation)
	clock.Add(6 * 24 * time.Hour)
	r.alfa, r.staff, r.anonym = d.browser(), d.browser(), d.browser()
	signInTo(r.alfa, "alfa", "password-of-alfa", "/cabinet")
	r.staff.signIn("olga", "password-of-olga")
	return r
}

// The later cabinet pages in ru, kk and en: no missing key, no English
// word in a Russian or Kazakh page (R2's sections, the escalation of
// R-escalation, the extensions, /help of Q21, the invitation of E6–E7);
// bad input answers 4xx naming the field.
func TestCabinetMorePagesTranslated(t *testing.T) {
	r := richDesk(t, t.TempDir())
	pages := []struct {
		name, path string
		b          *browser
		code       int
	}{
		{"report (R2 sections)", "/cabinet/report", r.alfa, 200}, {"late request", "/cabinet/appeals/" + r.late, r.alfa, 200},
		{"extensions", "/cabinet/appeals/" + r.extended, r.alfa, 200}, {"invite", "/cabinet/invite", r.alfa, 200},
		{"help", "/help", r.anonym, 200}, {"help search", "/help?q=договор", r.anonym, 200}, {"help none", "/help?q=ничего", r.anonym, 200},
		{"help article", fmt.Sprintf("/help/%d", r.article), r.anonym, 200}, {"help missing", "/help/999", r.anonym, 404},
		{"invitation", r.invitePath, r.anonym, 200}, {"invitation gone", "/invite/nonsense", r.anonym, 404},
		{"staff late flag", "/appeals/" + r.late, r.staff, 200},
	}
	for _, lang := range []string{"ru", "kk", "en"} {
		for _, pg := range pages {
			sep := "?"
			if strings.Contains(pg.path, "?") {
				sep = "&"
			}
			p := pg.b.get(pg.path + sep + "lang=" + lang)
			if p.Status != pg.code {
				t.Errorf("%s [%s]: %d, want %d", pg.name, lang, p.Status, pg.code)
			}
			checkPage(t, pg.name, lang, p.Body)
		}
		r.alfa.get("/cabinet/report?lang=" + lang)
		p := r.alfa.post("/cabinet/report", url.Values{"description": {"Не подписывается договор ЭЦП"}, "preview": {"1"}})
		if p.Status != 200 || !strings.Contains(p.Body, fmt.Sprintf(`href="/help/%d"`, r.article)) {
			t.Errorf("find answers [%s]: %d", lang, p.Status)
		}
		checkPage(t, "find answers", lang, p.Body)
		r.alfa.get("/cabinet/invite?lang=" + lang)
		if p := r.alfa.post("/cabinet/invite", url.Values{"email": {"нет"}, "language": {"xx"}}); p.Status != 400 ||
			!strings.Contains(p.Body, `class="field bad"`) {
			t.Errorf("bad invitation [%s]: %d", lang, p.Status)
		} else {
			checkPage(t, "bad invitation", lang, p.Body)
		}
		r.anonym.get(r.invitePath + "?lang=" + lang)
		if p := r.anonym.post(r.invitePath, url.Values{"login": {"Я"}, "password": {"x"}, "password2": {"y"}}); p.Status != 400 {
			t.Errorf("bad acceptance [%s]: %d", lang, p.Status)
		} else {
			checkPage(t, "bad acceptance", lang, p.Body)
		}
		r.anonym.get(r.invitePath + "?lang=" + lang)
		if p := r.anonym.post(r.invitePath, url.Values{"login": {"kolleg"}, "password": {"password-of-kolleg"}, "password2": {"password-of-kolleg"}}); p.Status != 400 ||
			!strings.Contains(p.Body, `class="field check bad"`) {
			t.Errorf("no consents [%s]: %d", lang, p.Status)
		} else {
			checkPage(t, "no consents", lang, p.Body)
		}
	}
	if n := r.d.App.Console.Missing(); n != 0 {
		t.Errorf("%d look-ups of missing messages", n)
	}
}

// The later cabinet pages at 1280 and 375 px in ru, kk and en: screenshots
// (prefix cabinet2-), no horizontal overflow, axe-core 0 serious or
// critical.
func TestCabinetMoreScreenshotsAccessibility(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	r := richDesk(t, t.TempDir())
	dir := shotsDir(t)
	signed, staff, anon := tab(t, actx), tab(t, actx), tab(t, actx)
	signInCabinet(t, signed, r.d.Base, "alfa", "password-of-alfa")
	signInUI(t, staff, r.d.Base, "olga", "password-of-olga")
	pages := []struct {
		name, path string
		ctx        context.Context
	}{
		{"cabinet2-report", "/cabinet/report", signed}, {"cabinet2-late", "/cabinet/appeals/" + r.late, signed},
		{"cabinet2-extensions", "/cabinet/appeals/" + r.extended, signed}, {"cabinet2-invite", "/cabinet/invite", signed},
		{"cabinet2-help", "/help", anon}, {"cabinet2-help-article", fmt.Sprintf("/help/%d", r.article), anon},
		{"cabinet2-invitation", r.invitePath, anon}, {"cabinet2-staff-late", "/appeals/" + r.late, staff},
	}
	for _, w := range []struct{ width, height int64 }{{1280, 900}, {375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			for _, pg := range pages {
				name := fmt.Sprintf("%s-%s-%d", pg.name, lang, w.width)
				do(t, pg.ctx, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(r.d.Base+pg.path+"?lang="+lang), chromedp.WaitReady("main"))
				checkShot(t, pg.ctx, name, w.width, dir, axe)
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}

// In Chromium: approved answers (Q21) are suggested under the field while
// the failure is described, before any submit; the invitation (E6) is
// accepted by keyboard only, its two consents ticked with the space bar.
func TestCabinetMoreInBrowser(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	r := richDesk(t, t.TempDir())
	dir := shotsDir(t)
	signed, anon := tab(t, actx), tab(t, actx)
	signInCabinet(t, signed, r.d.Base, "alfa", "password-of-alfa")
	// Q21 while typing: the suggestion appears under the field without a submit.
	do(t, signed, "typing", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(r.d.Base+"/cabinet/report?lang=ru"), chromedp.WaitReady("#description"),
		chromedp.SendKeys("#description", "Не подписывается договор ЭЦП"),
		chromedp.WaitVisible(fmt.Sprintf(`#kb-live a[href="/help/%d"]`, r.article)))
	checkShot(t, signed, "cabinet2-report-typed-ru-1280", 1280, dir, axe)
	// E6 by keyboard: Tab through the fields and the two consents, Enter.
	do(t, anon, "accept by keyboard", chromedp.Navigate(r.d.Base+r.invitePath+"?lang=ru"), chromedp.WaitReady("#full_name"),
		chromedp.Focus("#full_name"), chromedp.KeyEvent("Әйгерім Сәрсенбаева"),
		chromedp.KeyEvent(keys.Tab), chromedp.KeyEvent("kolleg"),
		chromedp.KeyEvent(keys.Tab), chromedp.KeyEvent("password-of-kolleg"),
		chromedp.KeyEvent(keys.Tab), chromedp.KeyEvent("password-of-kolleg"),
		chromedp.KeyEvent(keys.Tab), chromedp.KeyEvent(" "), chromedp.KeyEvent(keys.Tab), chromedp.KeyEvent(" "),
		chromedp.KeyEvent(keys.Tab), chromedp.KeyEvent(keys.Enter), chromedp.WaitVisible(`main a.button[href="/login"]`))
	if p := text(t, anon); !strings.Contains(p, "Учетная запись kolleg создана") {
		t.Fatalf("registered by keyboard:\n%s", p)
	}
	if g, err := r.d.App.Auth.ByLogin(t.Context(), "kolleg"); err != nil || g.BIN != "123456789013" {
		t.Fatalf("accepted by keyboard: %+v %v", g, err)
	}
}
