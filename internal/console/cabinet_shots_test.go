package console_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
)

// Every cabinet page at 1280 px and 375 px in ru, kk and en: a screenshot
// (TENDERDESK_SCREENSHOTS or /tmp/shots, prefix cabinet-), no horizontal
// overflow, and no serious or critical axe-core violation.
func TestCabinetScreenshotsAccessibility(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir(), withClock(morning()), bootOpt{Cfg: func(c *config.Config) { c.Clamd = "off" }})
	d.user("olga", auth.RoleOperator)
	d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
	b := d.browser()
	b.signIn("alfa", "password-of-alfa")
	number, code := report(t, b, "Не подписывается договор ЭЦП: ошибка подписи при отправке заявки на лот", map[string][]byte{"снимок-экрана.png": []byte("png")})
	staff := d.browser()
	staff.signIn("olga", "password-of-olga")
	if s, body := staff.api("POST", "/api/v1/appeals/"+number+"/messages", map[string]any{"text": "Здравствуйте! Проверяем подпись, ответим до конца дня."}); s != 201 {
		t.Fatalf("staff reply: %d %v", s, body)
	}
	dir := shotsDir(t)
	signed, anon, fresh := tab(t, actx), tab(t, actx), tab(t, actx)
	signInCabinet(t, signed, d.Base, "alfa", "password-of-alfa")
	// an account the administrator registered: the consent form first (E6)
	if _, err := d.App.Auth.CreateUser(t.Context(), audit.System, auth.NewUser{Login: "dana", Password: "password-of-dana",
		Role: string(auth.RoleApplicant), BIN: "123456789013", Organization: "ТОО «Дана»"}); err != nil {
		t.Fatal(err)
	}
	signInCabinet(t, fresh, d.Base, "dana", "password-of-dana")
	type shot struct {
		name, path string
		anon       bool
		submit     string // a form to send first (the page after it is shot)
		fresh      bool   // as the account that has not consented yet
	}
	pages := []shot{
		{"cabinet", "/cabinet", false, "", false}, {"cabinet-report", "/cabinet/report", false, "", false},
		{"cabinet-reported", "/cabinet/report", false, "form[action='/cabinet/report']", false},
		{"cabinet-appeal", "/cabinet/appeals/" + number, false, "", false}, {"cabinet-notifications", "/cabinet/notifications", false, "", false},
		{"cabinet-track", "/track", true, "", false}, {"cabinet-tracked", "/track?number=" + number + "&code=" + code, true, "", false},
		{"cabinet-consent", "/consent", false, "", true},
	}
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			for _, pg := range pages {
				ctx := signed
				if pg.anon {
					ctx = anon
				}
				if pg.fresh {
					ctx = fresh
				}
				name := fmt.Sprintf("%s-%s-%d", pg.name, lang, w.width)
				sep := "?"
				if pg.path != "/cabinet/report" && len(pg.path) > 6 && pg.path[:6] == "/track" && pg.path != "/track" {
					sep = "&"
				}
				do(t, ctx, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+pg.path+sep+"lang="+lang),
					chromedp.WaitReady("main"))
				if pg.submit != "" {
					do(t, ctx, name+" submit", chromedp.SendKeys("#description", "Портал не открывается"),
						chromedp.Click(pg.submit+" button[type=submit]"), chromedp.WaitVisible("#reg-number"))
				}
				checkShot(t, ctx, name, w.width, dir, axe)
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}
