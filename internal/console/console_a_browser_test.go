package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
)

// Issue 10 in a real browser: an operator answers a reporter from the
// appeal page by keyboard only — the text module is chosen and inserted at
// the cursor by the page's script, the reply sent — and sees its delivery
// on the thread. Then the pages of this change at 1280 and 375 px in ru,
// kk and en: screenshots, no horizontal overflow, axe without serious or
// critical violations (the users page with a suspended account, the text
// modules with a bad placeholder marked, the appeal with its thread).
func TestRepliesAndTemplatesInBrowser(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir())
	d.user("olga", auth.RoleOperator)
	d.user("ivan", auth.RoleSpecialist)
	d.reporter("aigul", "123456789013", "aigul@example.kz", "kk")
	if err := d.App.Auth.Suspend(t.Context(), audit.System, "ivan", "отпуск"); err != nil {
		t.Fatal(err)
	}
	admin := d.browser()
	admin.signIn("admin", adminPassword)
	admin.get("/admin/text-modules")
	admin.post("/admin/text-modules", url.Values{"name": {"Сбой принят в работу"},
		"body_ru": {"Сбой {incident_number} по обращению № {appeal_number} принят в работу. Плановое время устранения: {planned_fix_at}."},
		"body_kk": {"№ {appeal_number} өтініш бойынша {incident_number} іркілісі жұмысқа алынды. Жоюдың жоспарлы уақыты: {planned_fix_at}."},
		"body_en": {"Failure {incident_number} of appeal {appeal_number} is being worked on. Planned fix: {planned_fix_at}."}})
	op := d.browser()
	op.signIn("olga", "password-of-olga")
	number := registerPhone(t, op, url.Values{"bin": {"123456789013"}, "contact_email": {"aigul@example.kz"},
		"organization": {"ТОО «Альфа Строй Снабжение Казахстан»"}, "description": {"Не подписывается договор ЭЦП: ошибка подписи при отправке"}})
	a, err := d.App.Journal.Appeal(t.Context(), number)
	if err != nil {
		t.Fatal(err)
	}

	deliverMail(t, d, "aigul@example.kz", "Re: обращение "+number, "Ошибка повторяется при подписании, снимок экрана во вложении.", "снимок-экрана.png")
	ctx := tab(t, actx)
	signInUI(t, ctx, d.Base, "olga", "password-of-olga")
	do(t, ctx, "appeal page", chromedp.Navigate(d.Base+"/appeals/"+number+"?lang=ru"), chromedp.WaitVisible("#reply-text"))
	// Keyboard: a greeting in the reply box, then the template select
	// (Tab order: template, its language, "insert"), Enter on "insert";
	// the text lands at the cursor and focus returns to the box.
	do(t, ctx, "type and insert by keyboard",
		chromedp.Focus("#reply-text"), chromedp.KeyEvent("Здравствуйте! "),
		chromedp.Focus("#tm-pick"), chromedp.KeyEvent(kb.Tab), // the language: kk, the reporter's, already chosen
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("reply-text").value`))
	if err != nil {
		t.Fatal(err)
	}
	want := "Здравствуйте! № " + number + " өтініш бойынша " + a.IncidentNumber + " іркілісі жұмысқа алынды. Жоюдың жоспарлы уақыты: әлі белгіленбеген."
	if got != want {
		t.Fatalf("inserted at the cursor:\n got %q\nwant %q", got, want)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil || focused != "reply-text" {
		t.Errorf("after inserting, focus is on %q, want the reply box", focused)
	}
	// Tab order after the box: its files, "internal note", send.
	do(t, ctx, "send by keyboard", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(".delivery"))
	page := text(t, ctx)
	for _, w := range []string{"Ответ отправлен", "aigul@example.kz", "в очереди на отправку", "В личном кабинете"} {
		if !strings.Contains(page, w) {
			t.Errorf("after sending, the page lacks %q:\n%s", w, page)
		}
	}
	// A note too, so the thread has every kind the console writes.
	op.get("/appeals/" + number)
	op.post("/appeals/"+number+"/reply", url.Values{"text": {"Проверить журнал подписей на стороне портала"}, "internal": {"1"}})

	dir := shotsDir(t)
	adm := tab(t, actx)
	signInUI(t, adm, d.Base, "admin", adminPassword)
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			for _, pg := range []struct{ name, path string }{
				{"textmods", "/admin/text-modules"}, {"textmods-edit", "/admin/text-modules?edit=1"},
				{"appeal-thread", "/appeals/" + number}, {"users-suspended", "/admin/users"}, {"account", "/account"},
			} {
				name := fmt.Sprintf("%s-%s-%d", pg.name, lang, w.width)
				do(t, adm, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+pg.path+"?lang="+lang+"&x=1"),
					chromedp.WaitReady("main"))
				if pg.name == "appeal-thread" {
					do(t, adm, "scroll", chromedp.ScrollIntoView("#thread"))
				}
				checkShot(t, adm, name, w.width, dir, axe)
			}
			// The form with a bad placeholder, as the browser submits it.
			name := fmt.Sprintf("textmods-bad-%s-%d", lang, w.width)
			do(t, adm, name, chromedp.Navigate(d.Base+"/admin/text-modules?lang="+lang), chromedp.WaitVisible("#tm-name"),
				chromedp.SendKeys("#tm-name", "Черновик"), chromedp.SendKeys("#tm-ru", "Срок {plannd_fix}"),
				chromedp.Submit("#tm-name"), chromedp.WaitVisible(".field-error"))
			checkShot(t, adm, name, w.width, dir, axe)
		}
	}
	if n := d.App.Console.Missing(); n != 0 {
		t.Errorf("%d look-ups of missing messages", n)
	}
	t.Logf("screenshots in %s", dir)
}
