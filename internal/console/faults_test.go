package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/store/storetest"
)

// Issue 15: with PostgreSQL cut off (a TCP proxy in front of the real
// server), a console page is the console's own 503 page with Retry-After,
// in ru, kk and en, at 1280 and 375 px, no wider than the screen and with
// no serious or critical axe violation; a form sent meanwhile gets the same
// page, not a sign-in redirect; and once the database is back the same
// process shows the queue again.
func TestDatabaseUnavailablePage(t *testing.T) {
	via, _, proxy := storetest.ProxiedPostgres(t) // skips without TENDERDESK_TEST_POSTGRES
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, via)
	op := d.browser()
	op.signIn("admin", adminPassword)
	op.get("/appeals/new") // the form's CSRF token, for the post below
	signed := tab(t, actx)
	signInUI(t, signed, d.Base, "admin", adminPassword)

	proxy.Cut()
	titles := map[string]string{"ru": "База данных недоступна", "kk": "Дерекқор қолжетімсіз", "en": "The database is unavailable"}
	for lang, title := range titles {
		p := op.get("/?lang=" + lang)
		if p.Status != http.StatusServiceUnavailable || p.Header.Get("Retry-After") != "5" || !strings.Contains(p.Body, title) {
			t.Errorf("%s: want 503 with Retry-After 5 and %q, got %d (Retry-After %q): %.400s", lang, title, p.Status, p.Header.Get("Retry-After"), p.Body)
		}
	}
	sent := op.post("/appeals/new", url.Values{"channel": {"phone"}, "description": {"Портал не открывается"}})
	// in the language the last ?lang= above left (the loop's order is a map's)
	if sent.Status != http.StatusServiceUnavailable || !strings.Contains(sent.Body, titles["en"]) && !strings.Contains(sent.Body, titles["ru"]) && !strings.Contains(sent.Body, titles["kk"]) {
		t.Errorf("a form sent during the outage: %d %.300s", sent.Status, sent.Body)
	}
	dir := shotsDir(t)
	for _, w := range []struct{ width, height int64 }{{1280, 900}, {375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			name := fmt.Sprintf("unavailable-%s-%d", lang, w.width)
			do(t, signed, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+"/?lang="+lang), chromedp.WaitReady("main"))
			if got := text(t, signed); !strings.Contains(got, titles[lang]) {
				t.Errorf("%s: the page does not say %q:\n%s", name, titles[lang], got)
			}
			checkShot(t, signed, name, w.width, dir, axe)
		}
	}
	t.Logf("screenshots in %s", dir)

	proxy.Restore()
	start := time.Now()
	for {
		if p := op.get("/?lang=ru"); p.Status == http.StatusOK {
			break
		} else if time.Since(start) > 10*time.Second {
			t.Fatalf("the console did not recover: %d %.300s", p.Status, p.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("console back %v after the database", time.Since(start).Round(time.Millisecond))
	do(t, signed, "back", chromedp.Navigate(d.Base+"/?lang=ru"), chromedp.WaitVisible("#queue"))
}
