package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/vocab"
)

var sysActor = audit.Actor{Login: "admin", Role: "admin"}

// analysisData: on Monday 30.11.2026 a high failure reported twice (by
// phone and by the authorized body), fixed at 14:00 (its Q37.13 report
// drafted, due Tuesday 14:00); a medium one by a third party, still open; a
// refuted one. On Tuesday morning the daily analysis of Monday (Q43) and the
// annual information of 2025 (Q44) are made.
func analysisData(t *testing.T, d *desk, clk *fakeNow) (incident int64, day, year string) {
	t.Helper()
	ctx := context.Background()
	reg := func(channel, module, text string, attach int64) journal.Registration {
		at := clk.Now().Add(-5 * time.Minute)
		r, err := d.App.Journal.Register(ctx, journal.Caller{Actor: sysActor}, journal.NewAppeal{Channel: channel, ReceivedAt: &at,
			Organization: "ТОО «Әлем Құрылыс»", BIN: "123456789013", ContactPhone: "+7 701 000 0000", ContactEmail: "user@alem.kz",
			Description: text, Module: module, IncidentID: attach}, "")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	act := func(id int64, ins ...journal.TransitionInput) {
		for _, in := range ins {
			if _, err := d.App.Journal.Transition(ctx, sysActor, id, in); err != nil {
				t.Fatalf("%s: %v", in.Action, err)
			}
		}
	}
	high := reg("phone", "Аукционы", "Аукцион модулі ашылмайды — не открывается модуль аукционов", 0)
	clk.Add(20 * time.Minute)
	reg("authority", "Аукционы", "Письмо уполномоченного органа о сбое аукционов", high.IncidentID)
	started := clk.Now().Add(-time.Hour)
	act(high.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse},
		journal.TransitionInput{Action: journal.ActConfirm, Criticality: vocab.High, Cause: "operator_staff_error", FailureStartedAt: &started, Modules: []string{"Аукционы"}},
		journal.TransitionInput{Action: journal.ActStartFix})
	clk.Add(30 * time.Minute)
	medium := reg("email", "Договоры", "Шартқа қол қойылмайды", 0)
	act(medium.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse},
		journal.TransitionInput{Action: journal.ActConfirm, Criticality: vocab.Medium, Cause: "third_party_outage", Modules: []string{"Договоры"}})
	clk.Add(30 * time.Minute)
	refuted := reg("letter", "Тендеры", "Не вижу объявление", 0)
	act(refuted.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse},
		journal.TransitionInput{Action: journal.ActRefute, Note: "Объявление снято заказчиком"})
	clk.Add(90 * time.Minute) // 14:00
	act(high.IncidentID, journal.TransitionInput{Action: journal.ActFix, Decision: "Откат обновления модуля", Recommendations: "Проверять обновления на стенде"})
	clk.Add(20 * time.Hour) // Tuesday 10:00
	day, year = "2026-11-30", "2025"
	for _, k := range [][2]string{{"daily", day}, {"annual", year}} {
		if _, _, err := d.App.Analysis.Generate(ctx, sysActor, k[0], k[1]); err != nil {
			t.Fatal(err)
		}
	}
	return high.IncidentID, day, year
}

// analysisDesk is a desk on Monday 30.11.2026 11:00 in Astana time.
func analysisDesk(t *testing.T) (*desk, *fakeNow) {
	clk := &fakeNow{t: time.Date(2026, 11, 30, 11, 0, 0, 0, zone())}
	return boot(t, t.TempDir(), withClock(clk)), clk
}

// The authority's view and the staff's work (issue 13) in ru, kk and en: no
// missing key, no English word in a Russian or Kazakh page; the authority
// reads (no forms, a POST refused), staff send the Q37.13 report, which
// needs every part (422 with the fields marked); the download is the
// document in the asked language.
func TestAnalysisPagesTranslated(t *testing.T) {
	d, clk := analysisDesk(t)
	inc, day, year := analysisData(t, d, clk)
	d.user("body", auth.RoleAuthority)
	body := d.browser()
	body.signIn("body", "password-of-body")
	op := d.browser()
	op.signIn("admin", adminPassword)
	paths := []string{"/analysis", "/analysis/daily/" + day, "/analysis/annual/" + year, fmt.Sprintf("/analysis/reports/%d", inc)}
	for _, b := range []*browser{body, op} {
		for _, lang := range []string{"ru", "kk", "en"} {
			for _, p := range paths {
				pg := b.get(p + "?lang=" + lang)
				if pg.Status != http.StatusOK {
					t.Fatalf("%s [%s]: %d\n%s", p, lang, pg.Status, pg.Body)
				}
				checkPage(t, p, lang, pg.Body)
			}
		}
	}
	pg := body.get(fmt.Sprintf("/analysis/reports/%d?lang=ru", inc))
	if strings.Contains(pg.Body, `action="/analysis/reports/`) || !strings.Contains(pg.Body, "Откат обновления модуля") {
		t.Errorf("the authority reads the draft without a form")
	}
	if p := body.post(fmt.Sprintf("/analysis/reports/%d", inc), url.Values{"action": {"send"}}); p.Status != http.StatusForbidden {
		t.Errorf("the authority sends nothing: %d", p.Status)
	}
	if !strings.Contains(body.get("/analysis?lang=ru").Body, `href="/analysis"`) {
		t.Error("the authority has the nav link")
	}
	// Staff: the report needs the result written (the draft says "fixed", cleared here).
	pg = op.get(fmt.Sprintf("/analysis/reports/%d?lang=ru", inc))
	version := regexpFind(t, pg.Body, `name="version" value="(\d+)"`)
	p := op.post(fmt.Sprintf("/analysis/reports/%d", inc), url.Values{"action": {"send"}, "version": {version}, "cause": {"Ошибка специалиста"},
		"actions": {"Откат"}, "result": {""}, "proposals": {"Стенд"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Заполните это поле") {
		t.Fatalf("Q37.13 send without the result: %d\n%s", p.Status, p.Body)
	}
	checkPage(t, "report-422", "ru", p.Body)
	p = op.post(fmt.Sprintf("/analysis/reports/%d", inc), url.Values{"action": {"send"}, "version": {version}, "cause": {"Ошибка специалиста"},
		"actions": {"Откат"}, "result": {"Восстановлено"}, "proposals": {"Стенд"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("Q37.13 send: %d\n%s", p.Status, p.Body)
	}
	if pg := body.get(fmt.Sprintf("/analysis/reports/%d?lang=kk", inc)); !strings.Contains(pg.Body, "жіберілді") || !strings.Contains(pg.Body, "Восстановлено") {
		t.Errorf("the authority sees it sent")
	}
	// The download, in Kazakh, through the API with the console's session.
	resp, err := body.hc.Get(d.Base + "/api/v1/analysis/daily/" + day + "?format=text&lang=kk")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
		!strings.Contains(string(raw), "Алдыңғы күннің техникалық іркілістерін күнделікті талдау") || !strings.Contains(resp.Header.Get("Content-Disposition"), "kk") {
		t.Errorf("download kk: %d %s\n%s", resp.StatusCode, resp.Header, raw)
	}
	// Bad input: a day that is not a date comes back as the form, marked.
	op.get("/analysis")
	if p := op.post("/analysis/daily", url.Values{"date": {"31.02.2026"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Укажите прошедший день") {
		t.Errorf("bad date: %d", p.Status)
	}
	if p := op.get("/analysis/daily/2001-01-01"); p.Status != http.StatusNotFound {
		t.Errorf("no such analysis: %d", p.Status)
	}
}

// The pages in a real browser: 1280 and 375 px, ru/kk/en, screenshots, no
// overflow, axe; by keyboard the authority moves from the list to an
// analysis, staff type a day and make its analysis with Enter.
func TestAnalysisPagesInBrowser(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d, clk := analysisDesk(t)
	inc, day, year := analysisData(t, d, clk)
	d.user("body", auth.RoleAuthority)
	dir := shotsDir(t)
	staff, body := tab(t, actx), tab(t, actx)
	signInUI(t, staff, d.Base, "admin", adminPassword)
	signInUI(t, body, d.Base, "body", "password-of-body")
	// Keyboard (within a minute, not forever): the authority tabs to the first daily analysis link and opens it.
	kctx, cancel := context.WithTimeout(body, time.Minute)
	defer cancel()
	sctx, cancelS := context.WithTimeout(staff, time.Minute)
	defer cancelS()
	do(t, kctx, "authority list", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(d.Base+"/analysis?lang=ru"), chromedp.WaitReady("main"))
	for i := 0; i < 40; i++ {
		href, err := chromedp.Run(kctx, chromedp.Evaluate[string](`document.activeElement && document.activeElement.getAttribute("href") || ""`))
		if err != nil {
			t.Fatal(err)
		}
		if href == "/analysis/daily/"+day {
			break
		}
		do(t, kctx, "tab", chromedp.KeyEvent(kb.Tab))
	}
	do(t, kctx, "open by Enter", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("dl.facts"))
	settle(t, kctx, "daily page", "Ежедневный анализ технических сбоев предыдущего дня: 30.11.2026")
	// Staff: type a past day in the form and press Enter.
	past := time.Date(2026, 11, 25, 12, 0, 0, 0, zone())
	do(t, sctx, "make by keyboard", chromedp.Navigate(d.Base+"/analysis?lang=ru"), chromedp.WaitVisible("#an-date"), chromedp.Focus("#an-date"),
		chromedp.KeyEvent(past.Format("02.01.2006")), chromedp.KeyEvent(kb.Enter))
	settle(t, sctx, "made", "Ежедневный анализ технических сбоев предыдущего дня: "+past.Format("02.01.2006"))
	pages := []struct{ name, path string }{{"analysis", "/analysis"}, {"analysis-daily", "/analysis/daily/" + day},
		{"analysis-annual", "/analysis/annual/" + year}, {"analysis-report", fmt.Sprintf("/analysis/reports/%d", inc)}}
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"staff", staff}, {"authority", body}} {
		for _, w := range []struct{ width, height int64 }{{1280, 900}, {375, 812}} {
			for _, lang := range []string{"ru", "kk", "en"} {
				for _, pg := range pages {
					name := fmt.Sprintf("%s-%s-%s-%d", pg.name, who.name, lang, w.width)
					do(t, who.ctx, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+pg.path+"?lang="+lang), chromedp.WaitReady("main"))
					checkShot(t, who.ctx, name, w.width, dir, axe)
				}
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}

func regexpFind(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s not in the page", re)
	}
	return m[1]
}
