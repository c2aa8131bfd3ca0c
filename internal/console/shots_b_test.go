package console_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/app"
)

// The pages of console-b at 1280 and 375 px in ru, kk and en: the incident
// page with its notifications (one failed), applied plan and notice
// preview; the procedure look-up; the calendar month with an override; the
// profile versions. No horizontal overflow, a screenshot each, and axe
// reports no serious or critical violation.
func TestConsoleBScreenshots(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	m := &flakyMailer{}
	m.broken.Store(true)
	d := boot(t, t.TempDir(), bootOpt{App: func(a *app.App) { a.Outbox.Sender, a.Outbox.MaxAttempts = m, 1 }})
	f := newIncidentFixture(t, d, 3)
	f.confirm(t, "high")
	f.admin.get(f.path)
	p := f.admin.post(f.path+"/plan", url.Values{})
	hash := ""
	if m := regexp.MustCompile(`name="plan_hash" value="([^"]+)"`).FindStringSubmatch(p.Body); m != nil {
		hash = m[1]
	}
	f.admin.post(f.path+"/apply", url.Values{"plan_hash": {hash}, "confirm": {"1"}})
	poll(t, "the apply ends", 400, func() (bool, string) {
		s := f.admin.progress(t, f.path)
		return !s.Running, fmt.Sprint(s)
	})
	f.admin.get("/admin/calendar?profile=kz-quasi@2021&month=2026-03")
	f.admin.post("/admin/calendar/overrides", url.Values{"profile": {"kz-quasi@2021"}, "month": {"2026-03"}, "kind": {"hours"}, "scope": {"kz-quasi"},
		"from": {"2026-03-10"}, "to": {"2026-03-12"}, "intervals": {"00:00-24:00"}, "all_days": {"1"}, "reason": {"Круглосуточная поддержка"}, "source": {"Соглашение № 7"}})
	dir := shotsDir(t)
	pages := []struct{ name, path string }{
		{"b-incident", f.path}, {"b-procedures", "/procedures?announcement=" + url.QueryEscape(f.ann)},
		{"b-calendar", "/admin/calendar?profile=kz-quasi@2021&month=2026-03"}, {"b-profiles", "/admin/profiles"},
	}
	ctx := tab(t, actx)
	signInUI(t, ctx, d.Base, "admin", adminPassword)
	for _, w := range []struct{ width, height int64 }{{1280, 900}, {375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			for _, pg := range pages {
				name := fmt.Sprintf("%s-%s-%d", pg.name, lang, w.width)
				sep := "?"
				if strings.Contains(pg.path, "?") {
					sep = "&"
				}
				do(t, ctx, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+pg.path+sep+"lang="+lang),
					chromedp.WaitReady("main"))
				checkShot(t, ctx, name, w.width, dir, axe)
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}
