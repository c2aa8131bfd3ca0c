package console_test

import (
	"context"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/notify"
)

// registerPhone registers an appeal through the console's form (signed in
// as b) and returns its number.
func registerPhone(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	b.get("/appeals/new")
	f := url.Values{"channel": {"phone"}, "received_at": {nowLocal(time.Now().Add(-10 * time.Minute))}, "organization": {"ТОО «Альфа»"},
		"description": {"Не подписывается договор"}, "module": {"Договоры"}, "decided": {"1"}}
	for k, v := range form {
		f[k] = v
	}
	p := b.post("/appeals/new", f)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/appeals/") {
		t.Fatalf("register: %d %s\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	return strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/appeals/")
}

// reporter adds a portal user of an organization in a language.
func (d *desk) reporter(login, bin, mail, lang string) {
	d.t.Helper()
	if _, err := d.App.Auth.CreateUser(context.Background(), audit.System, auth.NewUser{Login: login, Password: "password-of-" + login,
		Role: string(auth.RoleApplicant), BIN: bin, Organization: "ТОО «Альфа»", Email: mail, Language: lang}); err != nil {
		d.t.Fatal(err)
	}
	d.consented(login)
}

// textBox is the reply box's content on an appeal page.
var textBoxRe = regexp.MustCompile(`(?s)<textarea id="reply-text" name="text"[^>]*>(.*?)</textarea>`)

func textBox(t *testing.T, body string) string {
	t.Helper()
	m := textBoxRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no reply box on the page:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

func auditActions(t *testing.T, d *desk, typ, id string) string {
	t.Helper()
	recs, err := audit.ForObject(t.Context(), d.App.DB, typ, id)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, r := range recs {
		acts = append(acts, r.Action)
	}
	return strings.Join(acts, ",")
}

// Issue 10, text modules: administrators create, edit and delete them
// (audited; other roles are refused); a placeholder the desk cannot fill
// is a 400 naming it, in every language; on the appeal page a module is
// inserted into the reply box filled from the appeal — without a script,
// by the select and the button — in the reporter's language by default.
func TestTextModules(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("olga", auth.RoleOperator)
		d.reporter("aigul", "123456789013", "aigul@example.kz", "kk")
		admin := d.browser()
		admin.signIn("admin", adminPassword)

		for _, lang := range []string{"ru", "kk", "en"} {
			admin.get("/admin/text-modules?lang=" + lang)
			p := admin.post("/admin/text-modules", url.Values{"name": {"Плановое устранение"},
				"body_ru": {"Сбой {incident_number} устраним к {plannd_fix}."}, "body_kk": {"{incident_number}"}, "body_en": {""}})
			if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `<code translate="no">{plannd_fix}</code>`) {
				t.Fatalf("unknown placeholder [%s]: %d\n%s", lang, p.Status, p.Body)
			}
			if strings.Count(p.Body, `class="field bad"`) != 2 { // body_ru (unknown) and body_en (empty)
				t.Errorf("bad module [%s]: %d fields marked, want 2", lang, strings.Count(p.Body, `class="field bad"`))
			}
			checkPage(t, "bad text module", lang, p.Body)
		}
		body := url.Values{"name": {"Плановое устранение"},
			"body_ru": {"По обращению № {appeal_number} (сбой {incident_number}): устраним к {planned_fix_at}. {operator}"},
			"body_kk": {"№ {appeal_number} өтініш бойынша: жоюдың жоспарлы уақыты: {planned_fix_at}."},
			"body_en": {"Appeal {appeal_number}: planned fix {planned_fix_at}."}}
		admin.get("/admin/text-modules")
		if p := admin.post("/admin/text-modules", body); p.Status != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", p.Status, p.Body)
		}
		list := admin.get("/admin/text-modules?edit=1")
		if !strings.Contains(list.Body, "Плановое устранение") || !strings.Contains(list.Body, `action="/admin/text-modules/1"`) {
			t.Fatalf("module not listed or not editable:\n%s", list.Body)
		}
		body.Set("name", "Плановое время устранения")
		if p := admin.post("/admin/text-modules/1", body); p.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d\n%s", p.Status, p.Body)
		}
		admin.get("/admin/text-modules")
		if p := admin.post("/admin/text-modules", url.Values{"name": {"Лишний"}, "body_ru": {"а"}, "body_kk": {"ә"}, "body_en": {"a"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("second: %d", p.Status)
		}
		admin.get("/admin/text-modules")
		if p := admin.post("/admin/text-modules/2/delete", url.Values{}); p.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", p.Status)
		}
		if got := auditActions(t, d, "text_module", "1"); got != "text_module.create,text_module.update" {
			t.Errorf("audit of module 1: %s", got)
		}
		if got := auditActions(t, d, "text_module", "2"); got != "text_module.create,text_module.delete" {
			t.Errorf("audit of module 2: %s", got)
		}

		// An operator uses them and may not keep them.
		op := d.browser()
		op.signIn("olga", "password-of-olga")
		if p := op.get("/admin/text-modules"); p.Status != http.StatusForbidden {
			t.Errorf("operator on the modules page: %d", p.Status)
		}
		if p := op.post("/admin/text-modules", body); p.Status != http.StatusForbidden {
			t.Errorf("operator saving a module: %d", p.Status)
		}
		number := registerPhone(t, op, url.Values{"bin": {"123456789013"}, "contact_email": {"aigul@example.kz"}})
		a, err := d.App.Journal.Appeal(t.Context(), number)
		if err != nil {
			t.Fatal(err)
		}
		page := op.get("/appeals/" + number + "?lang=ru")
		if !strings.Contains(page.Body, `<option value="kk" lang="kk" selected>`) || !strings.Contains(page.Body, `Язык заявителя: <span lang="kk">Қазақша</span>`) {
			t.Errorf("the module's language is not the reporter's (kk) by default")
		}
		if strings.Contains(page.Body, "Лишний") || !strings.Contains(page.Body, "Плановое время устранения") {
			t.Errorf("the page offers the wrong modules")
		}
		// Without the script: the select and the button post the draft; it comes back with the module after it.
		p := op.post("/appeals/"+number+"/reply", url.Values{"text": {"Здравствуйте."}, "text_module": {"1"}, "module_lang": {"ru"}, "insert": {"1"}})
		want := "Здравствуйте.\n\nПо обращению № " + number + " (сбой " + a.IncidentNumber + "): устраним к еще не назначено. olga"
		if p.Status != http.StatusOK || textBox(t, p.Body) != want {
			t.Fatalf("insert: %d\n got %q\nwant %q", p.Status, textBox(t, p.Body), want)
		}
		p = op.post("/appeals/"+number+"/reply", url.Values{"text": {""}, "text_module": {"1"}, "module_lang": {"kk"}, "insert": {"1"}})
		if got := textBox(t, p.Body); got != "№ "+number+" өтініш бойынша: жоюдың жоспарлы уақыты: әлі белгіленбеген." {
			t.Errorf("insert in kk: %q", got)
		}
		if p := op.post("/appeals/"+number+"/reply", url.Values{"text_module": {"2"}, "module_lang": {"ru"}, "insert": {"1"}}); p.Status != http.StatusBadRequest {
			t.Errorf("a deleted module: %d", p.Status)
		}
		if n := d.App.Console.Missing(); n != 0 {
			t.Errorf("%d look-ups of missing messages", n)
		}
	})
}

// deliverMail gives the desk an email from a sender with one attachment,
// as its SMTP listener would.
func deliverMail(t *testing.T, d *desk, from, subject, text, attachment string) {
	t.Helper()
	raw := "From: " + from + "\r\nTo: desk@example.kz\r\nSubject: " + subject + "\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.kz>\r\nDate: Wed, 02 Dec 2026 10:00:00 +0500\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(text)) + "\r\n--b1\r\n" +
		"Content-Type: image/png\r\nContent-Disposition: attachment; filename=\"" + attachment + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte("\x89PNG not really")) + "\r\n--b1--\r\n"
	if err := d.App.MailIn.Deliver(t.Context(), email.Envelope{From: from, To: []string{"desk@example.kz"}, ReceivedAt: time.Now()},
		email.NewRaw([]byte(raw))); err != nil {
		t.Fatal(err)
	}
}

var deliveryRe = regexp.MustCompile(`(?s)<ul class="delivery">(.*?)</ul>`)

// Issue 10, the conversation: the appeal page shows the reporter's email
// with its attachment (a download link), replies and notes; a reply from
// the page goes by email in the reporter's language and to the
// organization's cabinet, is audited, and shows what became of its email —
// waiting, then failed with the relay's words and a retry. An empty reply
// comes back with the field marked.
func TestAppealThreadAndReply(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("olga", auth.RoleOperator)
		d.reporter("aigul", "123456789013", "aigul@example.kz", "kk")
		op := d.browser()
		op.signIn("olga", "password-of-olga")
		number := registerPhone(t, op, url.Values{"bin": {"123456789013"}, "contact_email": {"aigul@example.kz"}})

		// The reporter writes by email, naming the appeal, with a screenshot.
		deliverMail(t, d, "aigul@example.kz", "Re: обращение "+number, "Ошибка повторяется, скриншот во вложении.", "screen.png")
		page := op.get("/appeals/" + number + "?lang=ru")
		if !strings.Contains(page.Body, "Ошибка повторяется, скриншот во вложении.") || !regexp.MustCompile(`href="/api/v1/appeals/`+number+`/messages/\d+/attachments/0" download translate="no">screen.png<`).MatchString(page.Body) {
			t.Fatalf("the reporter's mail and its attachment are not on the page:\n%s", page.Body)
		}
		if strings.Count(page.Body, "Ошибка повторяется") != 1 {
			t.Errorf("the reporter's mail is shown %d times (once as mail, not again as a message)", strings.Count(page.Body, "Ошибка повторяется"))
		}

		// An empty reply: the form again, the field marked.
		p := op.post("/appeals/"+number+"/reply", url.Values{"text": {"  "}})
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="field bad"`) || !strings.Contains(p.Body, "Напишите текст ответа") {
			t.Fatalf("empty reply: %d", p.Status)
		}
		// A note stays inside; a reply goes out.
		op.get("/appeals/" + number)
		if p := op.post("/appeals/"+number+"/reply", url.Values{"text": {"Проверить журнал ЭЦП"}, "internal": {"1"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("note: %d\n%s", p.Status, p.Body)
		}
		op.get("/appeals/" + number)
		p = op.post("/appeals/"+number+"/reply", url.Values{"text": {"Сбой устраняется, сообщим."}})
		if p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Header.Get("Location"), "?done=replied#thread") {
			t.Fatalf("reply: %d %s\n%s", p.Status, p.Header.Get("Location"), p.Body)
		}
		rows, err := notify.List(t.Context(), d.App.DB.R, notify.Filter{EventPrefix: "appeal.reply:" + number + ":", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var emailRow *notify.Row
		cabinet := 0
		for i, r := range rows {
			switch r.Channel {
			case "email":
				emailRow = &rows[i]
			case "cabinet":
				cabinet++
			}
		}
		if emailRow == nil || emailRow.To != "aigul@example.kz" || emailRow.Lang != "kk" || cabinet != 1 {
			t.Fatalf("the reply's notices: %+v", rows)
		}
		page = op.get("/appeals/" + number + "?lang=ru&done=replied")
		for _, want := range []string{"Ответ отправлен", "Проверить журнал ЭЦП", "Внутренняя заметка", "Сбой устраняется, сообщим."} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		m := deliveryRe.FindStringSubmatch(page.Body)
		if m == nil || !strings.Contains(m[1], "aigul@example.kz") || !strings.Contains(m[1], "в очереди на отправку") || !strings.Contains(m[1], "В личном кабинете") {
			t.Fatalf("the reply's delivery is not shown: %v", m)
		}
		if got := auditActions(t, d, "appeal", number); !strings.Contains(got, "appeal.message,appeal.message") {
			t.Errorf("the note and the reply are not audited: %s", got)
		}
		// The relay gives up on the email: the thread says so and offers a retry.
		if _, err := d.App.DB.W.Exec(`UPDATE outbox SET status = 'failed', last_error = '550 5.1.1 no such mailbox' WHERE id = $1`, emailRow.ID); err != nil {
			t.Fatal(err)
		}
		page = op.get("/appeals/" + number + "?lang=ru")
		m = deliveryRe.FindStringSubmatch(page.Body)
		if m == nil || !strings.Contains(m[1], "не доставлено") || !strings.Contains(m[1], "550 5.1.1 no such mailbox") ||
			!strings.Contains(m[1], `action="/admin/notifications/`) {
			t.Fatalf("the failed email is not shown with a retry: %v", m)
		}
		for _, lang := range []string{"ru", "kk", "en"} {
			checkPage(t, "appeal with thread", lang, op.get("/appeals/"+number+"?lang="+lang).Body)
		}
		// The reporter sees the reply in the cabinet, not the note.
		rep := d.browser()
		rep.signIn("aigul", "password-of-aigul")
		cab := rep.get("/cabinet/appeals/" + number)
		if !strings.Contains(cab.Body, "Сбой устраняется, сообщим.") || strings.Contains(cab.Body, "Проверить журнал ЭЦП") {
			t.Errorf("the cabinet shows the wrong messages (%d)", cab.Status)
		}
		if p := rep.post("/appeals/"+number+"/reply", url.Values{"text": {"x"}}); p.Status != http.StatusForbidden {
			t.Errorf("a reporter on the staff reply: %d", p.Status)
		}
		if n := d.App.Console.Missing(); n != 0 {
			t.Errorf("%d look-ups of missing messages", n)
		}
	})
}

// Issue 10: a person's language is kept in the profile: choosing it saves
// it (audited), signing in elsewhere applies it, and ?lang= still picks
// the language of a request.
func TestLanguageInProfile(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("olga", auth.RoleOperator)
		b := d.browser()
		b.signIn("olga", "password-of-olga")
		if p := b.get("/account"); !strings.Contains(p.Body, `<html lang="ru">`) {
			t.Fatalf("a new user's console is not Russian")
		}
		if p := b.post("/account/language", url.Values{"lang": {"de"}}); p.Status != http.StatusBadRequest {
			t.Errorf("an unknown language: %d", p.Status)
		}
		b.get("/account")
		p := b.post("/account/language", url.Values{"lang": {"kk"}, "next": {"/?state=registered"}})
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/?state=registered" {
			t.Fatalf("choose kk: %d %s", p.Status, p.Header.Get("Location"))
		}
		u, err := d.App.Auth.ByLogin(t.Context(), "olga")
		if err != nil || u.Language != "kk" {
			t.Fatalf("profile language: %q %v", u.Language, err)
		}
		if got := auditActions(t, d, "user", "olga"); !strings.HasSuffix(got, "user.update") {
			t.Errorf("the change is not audited: %s", got)
		}
		// Another browser, no cookie of its own: signing in applies the profile.
		other := d.browser()
		other.get("/login?lang=en")
		other.post("/login", url.Values{"login": {"olga"}, "password": {"password-of-olga"}})
		if p := other.get("/account"); !strings.Contains(p.Body, `<html lang="kk">`) {
			t.Errorf("sign-in did not apply the profile's language")
		}
		if p := other.get("/account?lang=en"); !strings.Contains(p.Body, `<html lang="en">`) {
			t.Errorf("?lang= does not override")
		}
		// The header's switcher, signed in, saves too (a form, not a link).
		if p := other.get("/"); !strings.Contains(p.Body, `<button type="submit" name="lang" value="ru"`) {
			t.Errorf("no language form in the header")
		}
		other.post("/account/language", url.Values{"lang": {"ru"}, "next": {"/"}})
		if u, _ := d.App.Auth.ByLogin(t.Context(), "olga"); u.Language != "ru" {
			t.Errorf("the header's choice was not saved: %q", u.Language)
		}
	})
}

// Issue 10 and E9: an administrator reactivates a suspended account from
// the users page, with a reason (audited); the person signs in again.
// Other roles may not; an active account is not "reactivated".
func TestReactivateUser(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("olga", auth.RoleOperator)
		d.user("ivan", auth.RoleSpecialist)
		admin := d.browser()
		admin.signIn("admin", adminPassword)
		admin.get("/admin/users")
		if p := admin.post("/admin/users/olga/suspend", url.Values{"reason": {"отпуск"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("suspend: %d", p.Status)
		}
		page := admin.get("/admin/users?lang=ru")
		if !strings.Contains(page.Body, `action="/admin/users/olga/reactivate"`) {
			t.Fatalf("no reactivation offered for the suspended account")
		}
		if strings.Contains(page.Body, `action="/admin/users/ivan/reactivate"`) {
			t.Errorf("reactivation offered for an active account")
		}
		if p := admin.post("/admin/users/olga/reactivate", url.Values{"reason": {""}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="field bad"`) {
			t.Errorf("reactivate without a reason: %d", p.Status)
		}
		spec := d.browser()
		spec.signIn("ivan", "password-of-ivan")
		spec.get("/")
		if p := spec.post("/admin/users/olga/reactivate", url.Values{"reason": {"вернулась"}}); p.Status != http.StatusForbidden {
			t.Errorf("a specialist reactivating: %d", p.Status)
		}
		admin.get("/admin/users")
		if p := admin.post("/admin/users/olga/reactivate", url.Values{"reason": {"вернулась из отпуска"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("reactivate: %d\n%s", p.Status, p.Body)
		}
		admin.get("/admin/users")
		if p := admin.post("/admin/users/olga/reactivate", url.Values{"reason": {"еще раз"}}); p.Status != http.StatusConflict {
			t.Errorf("reactivating an active account: %d", p.Status)
		}
		if got := auditActions(t, d, "user", "olga"); got != "user.create,user.suspend,user.reactivate" {
			t.Errorf("audit: %s", got)
		}
		d.browser().signIn("olga", "password-of-olga")
	})
}
