package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
)

// The report form's file field speaks the page's language in a real
// Chromium: the browser names its own file button in its UI language
// ("Choose Files" on a Russian page), so the page shows a button of its
// own and lays the real input, transparent, over it — a click on the
// button lands on the input, Tab reaches the input, and its accessible
// name is the field's label.
func TestFileButtonInPageLanguage(t *testing.T) {
	actx := allocator(t)
	d := boot(t, t.TempDir(), withClock(morning()), bootOpt{Cfg: func(c *config.Config) { c.Clamd = "off" }})
	d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
	ctx := tab(t, actx)
	signInCabinet(t, ctx, d.Base, "alfa", "password-of-alfa")
	do(t, ctx, "signed in", chromedp.WaitVisible(`a[href="/cabinet/report"]`))
	eval := func(expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return s
	}
	for lang, want := range map[string][2]string{"ru": {"Выбрать файлы", "Снимки экрана и файлы"}, "kk": {"Файлдарды таңдау", "Экран суреттері мен файлдар"},
		"en": {"Choose files", "Screenshots and files"}} {
		do(t, ctx, "report form "+lang, chromedp.Navigate(d.Base+"/cabinet/report?lang="+lang), chromedp.WaitVisible(".file-button"))
		if shown := strings.TrimSpace(eval(`document.querySelector('.file-button').innerText`)); shown != want[0] {
			t.Errorf("%s: the file button reads %q, want %q", lang, shown, want[0])
		}
		hit := eval(`(() => { const b = document.querySelector('.file-button'); b.scrollIntoView({block: 'center'});
			const r = b.getBoundingClientRect(); const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
			return e ? (e.id || e.tagName + '.' + e.className) : ''; })()`)
		if hit != "file" {
			t.Errorf("%s: a click on the button lands on %q, not the file input", lang, hit)
		}
		if name := strings.TrimSpace(eval(`document.querySelector('#file').labels[0].innerText`)); name != want[1] {
			t.Errorf("%s: the input is labelled %q, want %q", lang, name, want[1])
		}
		do(t, ctx, "focus "+lang, chromedp.Focus("#description"))
		reached := false
		for i := 0; i < 20 && !reached; i++ {
			do(t, ctx, "tab "+lang, chromedp.KeyEvent("\t"))
			reached = eval(`document.activeElement ? document.activeElement.id : ''`) == "file"
		}
		if !reached {
			t.Errorf("%s: Tab from the description never reaches the file input", lang)
		}
	}
}
