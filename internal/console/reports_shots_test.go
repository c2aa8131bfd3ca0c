package console_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
)

// The report pages at 1280 px and 375 px in ru, kk and en (screenshots
// reports-*, TENDERDESK_SCREENSHOTS or /tmp/shots): no horizontal
// overflow, no serious or critical axe-core violation; the form is
// reached and sent from the keyboard.
func TestReportScreenshotsAccessibility(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir())
	d.user("ministry", auth.RoleAuthority)
	ctx := context.Background()
	// Ten days of appeals, their clocks met or breached (written as the
	// scheduler would leave them), so the charts have bars.
	now := time.Now()
	for i := range 10 {
		recv := now.Add(-time.Duration(i)*24*time.Hour - time.Hour)
		reg, err := d.App.Journal.Register(ctx, journal.Caller{Actor: audit.System}, journal.NewAppeal{Channel: "email", ReceivedAt: &recv,
			Organization: "ТОО «Әділ Құрылыс»", BIN: "123456789013", ContactEmail: "adil@example.kz", Description: "Өтінім берілмейді"}, "")
		if err != nil {
			t.Fatal(err)
		}
		for j := range i%4 + 2 {
			start := now.Add(-time.Duration(i) * 24 * time.Hour).Add(-time.Duration(j) * time.Hour)
			state, met := "met", start.Add(time.Duration(10+j*7)*time.Minute)
			if j == 3 || (i+j)%5 == 0 {
				state, met = "breached", start.Add(time.Duration(40+j*20)*time.Minute)
			}
			if _, err := d.App.DB.W.Exec(`INSERT INTO clocks (incident_id, appeal_number, clock, level, channel, profile, basis, event_at, start_at,
				base_deadline, deadline, warn_at, state, met_at, created_at, updated_at)
				VALUES ($1, $2, 'high_public_notice', '', 'email', 'kz-quasi@2021', 'Q37.3', $3, $3, $4, $4, $4, $5, $6, $3, $3)`,
				reg.IncidentID, fmt.Sprintf("S-%d-%d", i, j), store.T(start), store.T(start.Add(30*time.Minute)), state, store.T(met)); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir := shotsDir(t)
	win := tab(t, actx)
	do(t, win, "sign in", chromedp.Navigate(d.Base+"/login?lang=ru"), chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", "ministry"), chromedp.SendKeys("#password", "password-of-ministry"), chromedp.Submit("#password"),
		chromedp.WaitVisible(`a[href="/reports"]`))
	from := now.AddDate(0, 0, -12).In(d.App.Cfg.Zone).Format("02.01.2006")
	to := now.In(d.App.Cfg.Zone).Format("02.01.2006")
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			for _, pg := range []struct{ name, path string }{
				{"reports", "/reports?lang=" + lang},
				{"reports-sla", "/reports/sla?lang=" + lang + "&from=" + from + "&to=" + to},
				{"reports-bad", "/reports/journal?lang=" + lang + "&from=32.01.2026&bin=12x"},
			} {
				name := fmt.Sprintf("%s-%s-%d", pg.name, lang, w.width)
				do(t, win, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+pg.path), chromedp.WaitReady("main"))
				checkShot(t, win, name, w.width, dir, axe)
			}
		}
	}
	// The keyboard: the period typed into the first field, Enter sends the
	// form; the compliance button is reached by Tab and pressed by Enter.
	do(t, win, "keyboard", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(d.Base+"/reports?lang=ru"), chromedp.WaitVisible("#r-from"),
		chromedp.Focus("#r-from"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"),
		chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"))
	focused, err := chromedp.Run(win, chromedp.Evaluate[string]("document.activeElement.getAttribute('formaction') || document.activeElement.id"))
	if err != nil || focused != "/reports/sla" {
		t.Fatalf("Tab from the first date reaches %q, want the compliance button", focused)
	}
	do(t, win, "press", chromedp.KeyEvent("\r"), chromedp.WaitVisible("figure.chart svg"))
	t.Logf("screenshots in %s", dir)
}
