package console_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/kb"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/notify/notifytest"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/secret"
	"tenderdesk/internal/vocab"
)

func noClamd() bootOpt { return bootOpt{Cfg: func(c *config.Config) { c.Clamd = "off" }} }

// deliver sends the desk's outbox to an SMTP sink, as the desk's worker
// does (its key opens what the outbox keeps sealed).
func deliver(t *testing.T, d *desk, sink *notifytest.Sink, open func(string) (string, error)) {
	t.Helper()
	s, err := mail.NewSender(mail.Config{RelayURL: sink.URL(), From: "desk@tenderdesk.kz", Now: d.App.Now})
	if err != nil {
		t.Fatal(err)
	}
	notifytest.Drain(t, &notify.Worker{DB: d.App.DB, Sender: s, Now: d.App.Now, Open: open})
}

// R7: the access code of a cabinet appeal is shown once on the page and
// mailed; the outbox never holds it readable — the email row keeps it
// sealed under the desk's key (outside the database), the cabinet rows not
// at all — and the mail rendered at send time carries it. A worker with
// another key sends the registration notice without the code, never fails
// it (Q30: the number must go out).
func TestCabinetAccessCodeNotReadableInTheOutboxR7(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, withClock(morning()), noClamd())
		d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
		d.portalUser("alfa2", auth.RoleApplicant, "123456789013", "")
		b := d.browser()
		signInTo(b, "alfa", "password-of-alfa", "/cabinet")
		number, code := report(t, b, "Не подписывается договор", nil)
		rows, err := d.App.DB.R.Query(`SELECT channel, data FROM outbox WHERE event = $1 ORDER BY id`, "appeal.registered:"+number)
		if err != nil {
			t.Fatal(err)
		}
		var email, cabinets int
		for rows.Next() {
			var ch, data string
			if err := rows.Scan(&ch, &data); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(data, code) {
				t.Errorf("R7: the %s row holds the access code readable: %s", ch, data)
			}
			var m map[string]any
			_ = json.Unmarshal([]byte(data), &m)
			switch ch {
			case "email":
				email++
				if s, _ := m["AccessCode"].(string); !strings.HasPrefix(s, secret.Prefix) {
					t.Errorf("R7: the email row's code is not sealed: %q", s)
				}
			case "cabinet":
				cabinets++
				if _, ok := m["AccessCode"]; ok {
					t.Errorf("R7: a cabinet row carries the code: %s", data)
				}
			}
		}
		rows.Close()
		if email != 1 || cabinets != 2 {
			t.Fatalf("registration notices: %d email, %d cabinet", email, cabinets)
		}
		sink := notifytest.Start(t)
		deliver(t, d, sink, d.App.Secrets.Open)
		in, _ := sink.Inbox("a@example.kz")
		if len(in) != 1 || !strings.Contains(in[0].Text, "Код доступа для проверки состояния по номеру: "+code) {
			t.Fatalf("R7: the mail carries the code shown on the page (%s): %+v", code, in)
		}
		if p := b.get("/track?number=" + number + "&code=" + code); p.Status != http.StatusOK {
			t.Fatalf("the mailed code tracks the appeal: %d", p.Status)
		}
		// another key: the next notice goes without the code, and is sent
		other, err := secret.Load(filepath.Join(t.TempDir(), "other.key"))
		if err != nil {
			t.Fatal(err)
		}
		n2, code2 := report(t, b, "Не открывается лот", nil)
		deliver(t, d, sink, other.Open)
		in, _ = sink.Inbox("a@example.kz")
		if len(in) != 2 || !strings.Contains(in[1].Subject, n2) || strings.Contains(in[1].Text, code2) || strings.Contains(in[1].Text, "sealed:") {
			t.Fatalf("a code the key cannot open is left out, the notice sent: %+v", in)
		}
	})
}

// The extensions the appeal's failure granted to the organization's
// procedures (issue 11, Q37.2, Q37.4): "my appeals" shows each moved
// deadline with its announcement, lot, old and new time and the rule's
// point — of the procedures where the organization is the customer or a
// participant, and nothing of another organization's procedures.
func TestCabinetShowsExtensionsOfOurProcedures(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		clock := morning()
		d := boot(t, dsn, withClock(clock), noClamd())
		d.user("olga", auth.RoleOperator)
		d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
		d.portalUser("beta", auth.RoleCustomer, "990340005977", "beta@example.kz")
		now := clock.Now()
		var nd strings.Builder
		for _, p := range []struct{ id, ann, customer, participant string }{
			{"P1", "2026-ЗЦП-77", "123456789013", "990340005977"}, // alfa is the customer
			{"P2", "2026-ЗЦП-78", "990140000123", "123456789013"}, // alfa takes part
			{"P3", "2026-ЗЦП-79", "990340005977", "990340005977"}, // beta's, alfa has no part
		} {
			fmt.Fprintf(&nd, `{"external_id":%q,"announcement":%q,"lots":["1"],"method":"tender","customer":%q,"module":"m1",`+
				`"participants":[{"supplier":%q,"email":"s@example.kz","language":"ru"}],"deadlines":[{"kind":"bids_end","lot":"1","at":%q}]}`+"\n",
				p.id, p.ann, p.customer, p.participant, now.Add(-20*time.Minute).Format(time.RFC3339))
		}
		if res, err := d.App.Procurement.Import(t.Context(), strings.NewReader(nd.String()), audit.System); err != nil || res.Failed != 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		alfa, beta := d.browser(), d.browser()
		signInTo(alfa, "alfa", "password-of-alfa", "/cabinet")
		signInTo(beta, "beta", "password-of-beta", "/cabinet")
		number, _ := report(t, alfa, "Не подается заявка", nil)
		bnum, _ := report(t, beta, "Не подается заявка", nil)
		if p := alfa.get("/cabinet/appeals/" + number); !strings.Contains(p.Body, "не продлевались") {
			t.Fatalf("before any plan: no extensions\n%s", p.Body)
		}
		a, _ := d.App.Journal.Appeal(t.Context(), number)
		ba, _ := d.App.Journal.Appeal(t.Context(), bnum)
		actor := audit.Actor{Login: "olga", Role: "operator"}
		start, fix := now.Add(-time.Hour), now.Add(time.Hour)
		for _, inc := range []int64{a.IncidentID, ba.IncidentID} {
			for _, in := range []journal.TransitionInput{{Action: journal.ActAnalyse},
				{Action: journal.ActConfirm, Criticality: "high", Cause: "operator_staff_error", FailureStartedAt: &start, PlannedFixAt: &fix, Modules: []string{"m1"}}} {
				if _, err := d.App.Journal.Transition(t.Context(), actor, inc, in); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := d.App.Procurement.Apply(t.Context(), a.IncidentID, procurement.PlanRequest{}, actor); err != nil {
			t.Fatal(err)
		}
		granted, err := d.App.Procurement.GrantedTo(t.Context(), a.IncidentID, "123456789013")
		if err != nil || len(granted) != 2 {
			t.Fatalf("two of our procedures moved: %+v %v", granted, err)
		}
		p := alfa.get("/cabinet/appeals/" + number)
		sec := sectionFrom(p.Body, `id="extensions"`)
		for _, want := range []string{"2026-ЗЦП-77", "2026-ЗЦП-78", vocab.DeadlineKind("bids_end").Label("ru"), vocab.Cite(granted[0].Rule, "ru"),
			now.Add(-20 * time.Minute).In(zone()).Format("02.01.2006 15:04"), granted[0].New.In(zone()).Format("02.01.2006 15:04")} {
			if !strings.Contains(sec, want) {
				t.Errorf("Q37.2: the extensions of our procedures show %q:\n%s", want, sec)
			}
		}
		if strings.Contains(sec, "2026-ЗЦП-79") {
			t.Errorf("another organization's procedure is shown:\n%s", sec)
		}
		// beta's own failure moved no plan of its own: its page shows none,
		// and alfa's failure never shows on beta's pages (404 already tested).
		if p := beta.get("/cabinet/appeals/" + bnum); !strings.Contains(sectionFrom(p.Body, `id="extensions"`), "не продлевались") {
			t.Errorf("beta's appeal shows extensions of alfa's failure:\n%s", p.Body)
		}
	})
}

// sectionFrom is the HTML from the element with attr to the end of its section.
func sectionFrom(body, attr string) string {
	i := strings.Index(body, attr)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// R2 and R-escalation under the Russian profile: the report form offers
// the System sections of 003 p.2 (the appeal's module is the section, a
// section not in the list is a 400 naming the field, none is accepted and
// the desk asks); a request past its term (R6: 3 working days) shows the
// requester where to write, with the number and the address, and is
// flagged to staff on the console's appeal page. Under a Kazakh profile a
// breached term shows no such thing.
func TestCabinetRussianSectionsAndEscalation(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		clock := morning()
		d := boot(t, dsn, withClock(clock), noClamd(), bootOpt{Cfg: func(c *config.Config) {
			c.DefaultProfile = "ru-khmao-goszakaz"
			c.EscalationEmail = config.MustMailbox("metod@depgz.admhmao.ru")
		}})
		d.user("olga", auth.RoleOperator)
		d.portalUser("alfa", auth.RoleCustomer, "123456789013", "alfa@example.kz")
		b := d.browser()
		signInTo(b, "alfa", "password-of-alfa", "/cabinet")
		form := b.get("/cabinet/report")
		for _, s := range []string{"Планирование", "Определение поставщика", "Исполнение обязательств по контрактам", "Отчеты"} {
			if !strings.Contains(form.Body, "<option>"+s+"</option>") {
				t.Errorf("R2: the form lists the section %q", s)
			}
		}
		base := url.Values{"description": {"Не формируется извещение"}, "contact_email": {"a@example.kz"}}
		bad := url.Values{"module": {"Прочее"}}
		for k, v := range base {
			bad[k] = v
		}
		if p := b.post("/cabinet/report", bad); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Выберите раздел из списка") {
			t.Fatalf("R2: a section not in the list: %d\n%s", p.Status, p.Body)
		}
		b.get("/cabinet/report")
		ok := url.Values{"module": {"Определение поставщика"}}
		for k, v := range base {
			ok[k] = v
		}
		p := b.post("/cabinet/report", ok)
		m := numberRe.FindStringSubmatch(p.Body)
		if p.Status != http.StatusCreated || m == nil {
			t.Fatalf("R2: report with a section: %d\n%s", p.Status, p.Body)
		}
		number := m[1]
		a, _ := d.App.Journal.Appeal(t.Context(), number)
		if a.Module != "Определение поставщика" || !strings.HasPrefix(a.Profile, "ru-khmao") {
			t.Fatalf("R2: the section is the appeal's module: %+v", a)
		}
		staff := d.browser()
		staff.signIn("olga", "password-of-olga")
		if p := b.get("/cabinet/appeals/" + number); strings.Contains(p.Body, `id="escalation"`) {
			t.Fatalf("R-escalation: a request in its term shows no escalation")
		}
		if p := staff.get("/appeals/" + number); strings.Contains(p.Body, `id="late-request"`) {
			t.Fatalf("R-escalation: a request in its term is not flagged")
		}
		// R6 and Q38: while the requester is asked for information the term
		// waits; their answer resumes it with the wait added, so a week of
		// waiting is not lateness, and right after the answer it is not late
		actor := audit.Actor{Login: "olga", Role: "operator"}
		transit := func(act journal.Action) {
			t.Helper()
			if _, err := d.App.Journal.Transition(t.Context(), actor, a.IncidentID, journal.TransitionInput{Action: act, Note: "пришлите снимок экрана"}); err != nil {
				t.Fatal(err)
			}
		}
		transit(journal.ActAnalyse)
		transit(journal.ActRequestInfo)
		clock.Add(7 * 24 * time.Hour) // the requester took a week
		transit(journal.ActResume)
		b, staff = d.browser(), d.browser()
		signInTo(b, "alfa", "password-of-alfa", "/cabinet")
		staff.signIn("olga", "password-of-olga")
		if p := b.get("/cabinet/appeals/" + number); strings.Contains(p.Body, `id="escalation"`) {
			t.Fatalf("R6: the requester's week of waiting made the request late")
		}
		if p := staff.get("/appeals/" + number); strings.Contains(p.Body, `id="late-request"`) {
			t.Fatalf("R6: staff see a request late because of the requester's wait")
		}
		clock.Add(7 * 24 * time.Hour) // past R6's 3 working days with the wait added; the sessions have ended
		b, staff = d.browser(), d.browser()
		signInTo(b, "alfa", "password-of-alfa", "/cabinet")
		staff.signIn("olga", "password-of-olga")
		p = b.get("/cabinet/appeals/" + number)
		esc := sectionFrom(p.Body, `id="escalation"`)
		for _, want := range []string{"Департамент государственного заказа", "metod@depgz.admhmao.ru", "№ " + number,
			`href="mailto:metod@depgz.admhmao.ru?subject=`} {
			if !strings.Contains(esc, want) {
				t.Errorf("R-escalation: the late request shows %q:\n%s", want, esc)
			}
		}
		if p := staff.get("/appeals/" + number); !strings.Contains(p.Body, `id="late-request"`) || !strings.Contains(p.Body, "Запрос просрочен.") {
			t.Errorf("R-escalation: staff see the late request flagged:\n%s", p.Body)
		}
	})
	t.Run("kazakh profile", func(t *testing.T) {
		clock := morning()
		d := boot(t, filepath.Join(t.TempDir(), "data"), withClock(clock), noClamd())
		d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
		b := d.browser()
		signInTo(b, "alfa", "password-of-alfa", "/cabinet")
		if p := b.get("/cabinet/report"); strings.Contains(p.Body, "Определение поставщика") {
			t.Fatalf("R2 is the Russian profile's: no section list under kz-quasi")
		}
		number, _ := report(t, b, "Не подписывается договор", nil)
		clock.Add(30 * 24 * time.Hour)
		b = d.browser()
		signInTo(b, "alfa", "password-of-alfa", "/cabinet")
		if p := b.get("/cabinet/appeals/" + number); strings.Contains(p.Body, `id="escalation"`) {
			t.Fatalf("R-escalation is the Russian profile's")
		}
	})
}

// draftApproved adds an approved answer of the knowledge base (Q21).
func draftApproved(t *testing.T, d *desk, q, a kb.Text) kb.Article {
	t.Helper()
	op, _ := d.App.Auth.ByLogin(t.Context(), "olga")
	au, _ := d.App.Auth.ByLogin(t.Context(), "aruzhan")
	art, err := d.App.KB.Draft(t.Context(), auth.Principal{User: op}, "", kb.Input{Question: q, Answer: a})
	if err != nil {
		t.Fatal(err)
	}
	if art, err = d.App.KB.SetStatus(t.Context(), auth.Principal{User: au}, "", art.ID, "approved"); err != nil {
		t.Fatal(err)
	}
	return art
}

// Q21: /help shows the approved answers in ru, kk and en, searchable, and
// nothing of a draft; the report form suggests answers matching what is
// typed — without JavaScript through "find answers" (nothing is
// registered) and on the page after registration.
func TestHelpAndSuggestionsQ21(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, withClock(morning()), noClamd())
		d.user("olga", auth.RoleOperator)
		d.user("aruzhan", auth.RoleAuthority)
		d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
		sig := draftApproved(t, d, kb.Text{"ru": "Почему не подписывается договор ЭЦП?", "kk": "Неліктен шарт ЭЦҚ-мен қол қойылмайды?", "en": "Why does the contract not sign with the EDS?"},
			kb.Text{"ru": "Проверьте срок действия ключа ЭЦП.", "kk": "ЭЦҚ кілтінің мерзімін тексеріңіз.", "en": "Check the EDS key's validity."})
		draftApproved(t, d, kb.Text{"ru": "Как восстановить пароль?", "kk": "Құпиясөзді қалай қалпына келтіруге болады?", "en": "How to restore the password?"},
			kb.Text{"ru": "Через Контакт-центр.", "kk": "Байланыс орталығы арқылы.", "en": "Through the contact center."})
		op, _ := d.App.Auth.ByLogin(t.Context(), "olga")
		draft, err := d.App.KB.Draft(t.Context(), auth.Principal{User: op}, "", kb.Input{Question: kb.Text{"ru": "Черновик про договор"}, Answer: kb.Text{"ru": "Не опубликован"}})
		if err != nil {
			t.Fatal(err)
		}
		anon := d.browser()
		for lang, want := range map[string]string{"ru": "Почему не подписывается договор ЭЦП?", "kk": "Неліктен шарт ЭЦҚ-мен қол қойылмайды?", "en": "Why does the contract not sign with the EDS?"} {
			p := anon.get("/help?lang=" + lang)
			if p.Status != 200 || !strings.Contains(p.Body, want) || strings.Contains(p.Body, "Черновик") {
				t.Errorf("Q21: /help in %s: %d\n%s", lang, p.Status, p.Body)
			}
		}
		if p := anon.get("/help?lang=ru&q=пароль"); !strings.Contains(p.Body, "Как восстановить пароль?") || strings.Contains(p.Body, "ЭЦП?") {
			t.Errorf("Q21: /help search:\n%s", p.Body)
		}
		if p := anon.get(fmt.Sprintf("/help/%d?lang=kk", sig.ID)); p.Status != 200 || !strings.Contains(p.Body, "ЭЦҚ кілтінің мерзімін тексеріңіз.") {
			t.Errorf("Q21: an answer's page: %d\n%s", p.Status, p.Body)
		}
		if p := anon.get(fmt.Sprintf("/help/%d", draft.ID)); p.Status != http.StatusNotFound {
			t.Errorf("Q21: a draft is not public: %d", p.Status)
		}
		if p := anon.get("/help/abc"); p.Status != http.StatusNotFound {
			t.Errorf("/help/abc: %d", p.Status)
		}
		b := d.browser()
		signInTo(b, "alfa", "password-of-alfa", "/cabinet")
		b.get("/cabinet/report")
		link := fmt.Sprintf(`href="/help/%d"`, sig.ID)
		p := b.post("/cabinet/report", url.Values{"description": {"Не подписывается договор, ошибка подписи ЭЦП"}, "preview": {"1"}})
		if p.Status != http.StatusOK || !strings.Contains(p.Body, link) || strings.Contains(p.Body, "восстановить") {
			t.Fatalf("Q21: find answers without JavaScript: %d\n%s", p.Status, p.Body)
		}
		if page, _ := d.App.Journal.List(t.Context(), journal.Filter{BIN: "123456789013"}); len(page.Rows) != 0 {
			t.Fatalf("a preview registers nothing: %d appeals", len(page.Rows))
		}
		p = b.post("/cabinet/report", url.Values{"description": {"Не подписывается договор, ошибка подписи ЭЦП"}, "contact_email": {"a@example.kz"}})
		if p.Status != http.StatusCreated || !strings.Contains(p.Body, link) {
			t.Fatalf("Q21: the registered page suggests the answer: %d\n%s", p.Status, p.Body)
		}
	})
}

var inviteLinkRe = regexp.MustCompile(`https?://\S+/invite/([A-Za-z0-9_-]+)`)

// E5–E7: an applicant invites a colleague of the same organization; the
// mailed link (sealed in the outbox) opens a registration that needs the
// E6 consents — processing of restricted information and true documents —
// recorded with who, when, from where and which text version; the account
// has the inviter's role and BIN and sees only that organization. The link
// works once and expires; an authority user's invitation needs E7.
func TestInvitationsWithConsentsE6E7(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		clock := morning()
		d := boot(t, dsn, withClock(clock), noClamd())
		d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
		d.portalUser("beta", auth.RoleApplicant, "990340005977", "beta@example.kz")
		d.user("aruzhan", auth.RoleAuthority)
		d.user("olga", auth.RoleOperator)
		a := d.browser()
		signInTo(a, "alfa", "password-of-alfa", "/cabinet")
		number, _ := report(t, a, "Не подписывается договор", nil)
		beta := d.browser()
		signInTo(beta, "beta", "password-of-beta", "/cabinet")
		bnum, _ := report(t, beta, "Не открывается лот", nil)

		a.get("/cabinet/invite")
		if p := a.post("/cabinet/invite", url.Values{"email": {"not an address"}, "language": {"ru"}}); p.Status != http.StatusBadRequest ||
			!strings.Contains(p.Body, "Адрес электронной почты") {
			t.Fatalf("a bad address names the field: %d\n%s", p.Status, p.Body)
		}
		p := a.post("/cabinet/invite", url.Values{"email": {"kolleg@example.kz"}, "language": {"kk"}})
		if p.Status != http.StatusCreated || !strings.Contains(p.Body, "kolleg@example.kz") {
			t.Fatalf("invite: %d\n%s", p.Status, p.Body)
		}
		var data string
		if err := d.App.DB.R.QueryRow(`SELECT data FROM outbox WHERE kind = 'invitation'`).Scan(&data); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(data, "/invite/") {
			t.Fatalf("the outbox holds the invitation link readable: %s", data)
		}
		sink := notifytest.Start(t)
		deliver(t, d, sink, d.App.Secrets.Open)
		in, _ := sink.Inbox("kolleg@example.kz")
		if len(in) != 1 || !strings.Contains(in[0].Subject, "Жеке кабинетке шақыру") {
			t.Fatalf("the invitation mail, in the language chosen: %+v", in)
		}
		m := inviteLinkRe.FindStringSubmatch(in[0].Text)
		if m == nil {
			t.Fatalf("no link in the mail:\n%s", in[0].Text)
		}
		path := "/invite/" + m[1]
		k := d.browser()
		form := k.get(path)
		if form.Status != 200 || !strings.Contains(form.Body, `value="e6_processing"`) || !strings.Contains(form.Body, `value="e6_truth"`) ||
			strings.Contains(form.Body, "e7_nondisclosure") || form.Header.Get("Referrer-Policy") != "same-origin" {
			t.Fatalf("E6: the form asks both consents: %d\n%s", form.Status, form.Body)
		}
		reg := url.Values{"login": {"kolleg"}, "password": {"password-of-kolleg"}, "password2": {"password-of-kolleg"}, "full_name": {"Әйгерім Сәрсенбаева"},
			"consent": {"e6_processing"}}
		if p := k.post(path, reg); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Без этого обязательства регистрация невозможна") ||
			!strings.Contains(p.Body, `value="e6_processing" checked`) {
			t.Fatalf("E6: without the duty of true documents: %d\n%s", p.Status, p.Body)
		}
		if _, err := d.App.Auth.ByLogin(t.Context(), "kolleg"); err == nil {
			t.Fatal("an account without the consents")
		}
		reg["consent"] = []string{"e6_processing", "e6_truth"}
		if p := k.post(path, reg); p.Status != http.StatusCreated || !strings.Contains(p.Body, "kolleg") {
			t.Fatalf("E6: registered: %d\n%s", p.Status, p.Body)
		}
		u, err := d.App.Auth.ByLogin(t.Context(), "kolleg")
		if err != nil || u.BIN != "123456789013" || u.Role != auth.RoleApplicant || u.Email != "kolleg@example.kz" || u.Organization != "ТОО «alfa»" {
			t.Fatalf("the account has the inviter's role and organization: %+v %v", u, err)
		}
		given, err := d.App.Invites.ConsentsOf(t.Context(), u.ID)
		if err != nil || len(given) != 2 {
			t.Fatalf("E6: two consents recorded: %+v %v", given, err)
		}
		want := map[string]string{"e6_processing@2026-12-02": "согласие на сбор и обработку информации с ограниченным доступом", "e6_truth@2026-12-02": "достоверные документы"}
		for _, g := range given {
			frag, ok := want[g.Version]
			if g.Rule != "E6" || !ok || g.Lang != "ru" || g.ClientAddr != "127.0.0.1" || !g.AcceptedAt.Equal(clock.Now().UTC()) || g.InvitationID == nil {
				t.Errorf("E6: consent recorded with who, when, where, which text: %+v", g)
			}
			// the hash is of the text the page showed
			if !strings.Contains(form.Body, frag) {
				t.Errorf("the form showed %q", frag)
			}
			var shown string
			for _, c := range regexp.MustCompile(`<label for="c-[a-z0-9_]+">([^<]+)</label>`).FindAllStringSubmatch(form.Body, -1) {
				if sum := sha256.Sum256([]byte(strings.ReplaceAll(c[1], "&laquo;", "«"))); hex.EncodeToString(sum[:]) == g.TextSHA256 {
					shown = c[1]
				}
			}
			if shown == "" {
				t.Errorf("E6: the recorded hash %s is of no text shown", g.TextSHA256)
			}
		}
		if p := k.post(path, reg); p.Status != http.StatusNotFound {
			t.Fatalf("a used link: %d", p.Status)
		}
		// the colleague sees the organization's appeals, not another's
		signInTo(k, "kolleg", "password-of-kolleg", "/cabinet")
		if p := k.get("/cabinet"); !strings.Contains(p.Body, number) || strings.Contains(p.Body, bnum) {
			t.Fatalf("the colleague's cabinet:\n%s", p.Body)
		}
		if p := k.get("/cabinet/appeals/" + bnum); p.Status != http.StatusNotFound {
			t.Fatalf("another organization's appeal: %d", p.Status)
		}
		// beta does not see alfa's invitations
		if p := beta.get("/cabinet/invite"); strings.Contains(p.Body, "kolleg@example.kz") {
			t.Fatalf("another organization's invitations are shown")
		}
		// staff do not invite through the cabinet
		op := d.browser()
		op.signIn("olga", "password-of-olga")
		if p := op.get("/cabinet/invite"); p.Status != http.StatusForbidden {
			t.Fatalf("an operator's invitation page: %d", p.Status)
		}
		// an authority user's colleague takes on non-disclosure (E7)
		au := d.browser()
		au.signIn("aruzhan", "password-of-aruzhan")
		au.get("/cabinet/invite")
		if p := au.post("/cabinet/invite", url.Values{"email": {"kollega@gov.kz"}, "language": {"ru"}}); p.Status != http.StatusCreated {
			t.Fatalf("authority invite: %d\n%s", p.Status, p.Body)
		}
		deliver(t, d, sink, d.App.Secrets.Open)
		in, _ = sink.Inbox("kollega@gov.kz")
		m = inviteLinkRe.FindStringSubmatch(in[0].Text)
		x := d.browser()
		if p := x.get("/invite/" + m[1]); !strings.Contains(p.Body, `value="e7_nondisclosure"`) || strings.Contains(p.Body, "e6_") {
			t.Fatalf("E7: the authority's colleague takes on non-disclosure:\n%s", p.Body)
		}
		// a week later the link has expired
		clock.Add(8 * 24 * time.Hour)
		if p := x.get("/invite/" + m[1]); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "Приглашение не найдено") {
			t.Fatalf("an expired link: %d", p.Status)
		}
		if p := x.get("/invite/nonsense"); p.Status != http.StatusNotFound {
			t.Fatalf("an unknown link: %d", p.Status)
		}
	})
}
