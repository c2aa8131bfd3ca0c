package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
)

// The report form's file field speaks the page's language in a real
// Chromium: the browser names its own file button in its UI language
// ("Choose Files" on a Russian page), so the page shows a button of its
// own and lays the real input, transparent, over it — a click on the
// button lands on the input, Tab reaches the input, and its accessible
// name is the field's label. The staff's Q46 letter form likewise, and it
// says which file was chosen (the browser's "no file chosen" is hidden).
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
	// Staff pages: the Q46 letter form (an authority user registers a
	// forwarded written appeal with the letter's copy) has the same
	// button, and names the file chosen, in the page's language.
	d.user("body", auth.RoleAuthority)
	staff := tab(t, actx)
	do(t, staff, "staff sign in", chromedp.Navigate(d.Base+"/login?lang=ru"), chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", "body"), chromedp.SendKeys("#password", "password-of-body"), chromedp.Submit("#password"),
		chromedp.WaitVisible("main"))
	seval := func(expr string) string {
		t.Helper()
		s, err := chromedp.Run(staff, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return s
	}
	letter := filepath.Join(t.TempDir(), "письмо-органа.pdf")
	if err := os.WriteFile(letter, []byte("%PDF-1.4 письмо\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][2]string{"ru": {"Выбрать файл", "Копия обращения"}, "kk": {"Файлды таңдау", "Өтініштің көшірмесі"},
		"en": {"Choose file", "Copy of the appeal"}} {
		do(t, staff, "Q46 form "+lang, chromedp.Navigate(d.Base+"/analysis/letters/new?lang="+lang), chromedp.WaitVisible(".file-button"))
		// Every file field of the page is ours: transparent, over our button.
		if bare := seval(`[...document.querySelectorAll('input[type=file]')].filter(f => !f.classList.contains('file-input') ||
			!f.parentElement.classList.contains('file-pick') || !f.nextElementSibling || !f.nextElementSibling.classList.contains('file-button')).map(f => f.id).join(',')`); bare != "" {
			t.Errorf("%s: file fields without the page's button: %s", lang, bare)
		}
		if shown := strings.TrimSpace(seval(`document.querySelector('.file-button').innerText`)); shown != want[0] {
			t.Errorf("%s: the Q46 file button reads %q, want %q", lang, shown, want[0])
		}
		hit := seval(`(() => { const b = document.querySelector('.file-button'); b.scrollIntoView({block: 'center'});
			const r = b.getBoundingClientRect(); const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
			return e ? (e.id || e.tagName + '.' + e.className) : ''; })()`)
		if hit != "l-copy" {
			t.Errorf("%s: a click on the Q46 button lands on %q, not the file input", lang, hit)
		}
		if name := strings.TrimSpace(seval(`document.querySelector('#l-copy').labels[0].innerText`)); name != want[1] {
			t.Errorf("%s: the Q46 input is labelled %q, want %q", lang, name, want[1])
		}
		do(t, staff, "choose "+lang, chromedp.SetUploadFiles("#l-copy", []string{letter}))
		chosen, err := chromedp.Run(staff, chromedp.Poll[string](`document.getElementById('l-copy-name').innerText`, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			t.Fatalf("%s: no chosen file shown: %v", lang, err)
		}
		if chosen != "письмо-органа.pdf" {
			t.Errorf("%s: the chosen file is shown as %q", lang, chosen)
		}
	}
}