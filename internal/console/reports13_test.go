package console_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/auth"
)

// Q46 (issue 13): an authority user registers a written appeal forwarded
// to the operator with the copy of the letter through the console form
// (ru, kk, en complete); a form without the letter's reference and copy is
// a 422 with both marked; the registered appeal is on the authority
// channel, its copy kept byte for byte.
func TestQ46LetterForm(t *testing.T) {
	d, _ := analysisDesk(t)
	d.user("body", auth.RoleAuthority)
	body := d.browser()
	body.signIn("body", "password-of-body")
	for _, lang := range []string{"ru", "kk", "en"} {
		pg := body.get("/analysis/letters/new?lang=" + lang)
		if pg.Status != http.StatusOK || !strings.Contains(pg.Body, `enctype="multipart/form-data"`) {
			t.Fatalf("[%s] %d", lang, pg.Status)
		}
		checkPage(t, "letter", lang, pg.Body)
	}
	body.get("/analysis/letters/new?lang=ru")
	bad := body.postFilesAs("/analysis/letters", url.Values{"description": {"Өтінім берілмейді"}}, "copy", nil)
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "Укажите исходящий номер и дату письма") || !strings.Contains(bad.Body, "Приложите копию обращения") {
		t.Fatalf("Q46 without ref and copy: %d\n%s", bad.Status, bad.Body)
	}
	copyBytes := []byte("%PDF-1.4 скан письма заявителя\x00\x01")
	form := url.Values{"letter_ref": {"№ 01-12/345 от 03.12.2026"}, "organization": {"ТОО «Әділ Құрылыс»"}, "bin": {"123456789013"},
		"contact_email": {"adil@example.kz"}, "description": {"Заявка не подаётся: жүйе қате береді"}, "module": {"Аукционы"},
		"received_at": {"30.11.2026 10:30"}}
	ok := body.postFilesAs("/analysis/letters", form, "copy", map[string][]byte{"Письмо заявителя.pdf": copyBytes})
	if ok.Status != http.StatusSeeOther || !strings.HasPrefix(ok.Header.Get("Location"), "/appeals/") {
		t.Fatalf("Q46 registered: %d\n%s", ok.Status, ok.Body)
	}
	if pg := body.get(ok.Header.Get("Location")); pg.Status != http.StatusOK || !strings.Contains(pg.Body, "ТОО «Әділ Құрылыс»") {
		t.Fatalf("Q46 the appeal's page: %d", pg.Status)
	}
	var number, channel string
	if err := d.App.DB.R.QueryRow("SELECT number, channel FROM appeals WHERE organization = $1", "ТОО «Әділ Құрылыс»").Scan(&number, &channel); err != nil || channel != "authority" {
		t.Fatalf("Q46 appeal %s on channel %q (%v), want authority", number, channel, err)
	}
	l, err := d.App.Analysis.LetterOf(t.Context(), number)
	if err != nil || l.Ref != "№ 01-12/345 от 03.12.2026" || l.FileName != "Письмо заявителя.pdf" || l.Size != len(copyBytes) {
		t.Fatalf("Q46 letter %+v %v", l, err)
	}
	// Staff without the permission's holders: an auditor cannot register.
	d.user("audit", auth.RoleAuditor)
	au := d.browser()
	au.signIn("audit", "password-of-audit")
	if pg := au.get("/analysis/letters/new"); pg.Status != http.StatusForbidden {
		t.Errorf("the auditor's form: %d", pg.Status)
	}
}

// Q19 (issue 13): on the appeal page staff open the request for a legal
// assessment (its term shown: 3 working days from the registration), record
// its sending and then the answer; an empty question is a 422 marked on the
// form; the authority sees the section without any form.
func TestQ19LegalFormOnAppealPage(t *testing.T) {
	d, clk := analysisDesk(t)
	inc, _, _ := analysisData(t, d, clk)
	_ = inc
	var number string
	if err := d.App.DB.R.QueryRow("SELECT number FROM appeals WHERE channel = 'phone'").Scan(&number); err != nil {
		t.Fatal(err)
	}
	op := d.browser()
	op.signIn("admin", adminPassword)
	path := "/appeals/" + number
	for _, lang := range []string{"ru", "kk", "en"} {
		pg := op.get(path + "?lang=" + lang)
		if pg.Status != http.StatusOK || !strings.Contains(pg.Body, `id="legal-question"`) {
			t.Fatalf("[%s] %d: no Q19 form", lang, pg.Status)
		}
		checkPage(t, "appeal-legal", lang, pg.Body)
	}
	op.get(path + "?lang=ru")
	if pg := op.post(path+"/legal", url.Values{"action": {"open"}, "question": {"  "}}); pg.Status != http.StatusUnprocessableEntity || !strings.Contains(pg.Body, "Заполните это поле") {
		t.Fatalf("Q19 empty question: %d", pg.Status)
	}
	step := func(form url.Values) page {
		t.Helper()
		if pg := op.post(path+"/legal", form); pg.Status != http.StatusSeeOther {
			t.Fatalf("Q19 %s: %d", form.Get("action"), pg.Status)
		}
		return op.get(path + "?lang=ru")
	}
	pg := step(url.Values{"action": {"open"}, "question": {"Вправе ли заказчик отклонить заявку?"}})
	if pg.Status != http.StatusOK || !strings.Contains(pg.Body, "Вправе ли заказчик отклонить заявку?") || !strings.Contains(pg.Body, `value="sent"`) {
		t.Fatalf("Q19 opened: %d", pg.Status)
	}
	l, err := d.App.Analysis.LegalOf(t.Context(), number)
	if err != nil || l.Addressee != "authority" || l.Due.IsZero() {
		t.Fatalf("Q19 request %+v %v", l, err)
	}
	if !strings.Contains(pg.Body, d.App.Cfg.Zone.String()) && !strings.Contains(pg.Body, l.Due.In(d.App.Cfg.Zone).Format("02.01.2006")) {
		t.Errorf("Q19 term %v not shown", l.Due)
	}
	pg = step(url.Values{"action": {"sent"}})
	if pg.Status != http.StatusOK || !strings.Contains(pg.Body, `id="legal-answer"`) {
		t.Fatalf("Q19 sent: %d", pg.Status)
	}
	pg = step(url.Values{"action": {"answer"}, "answer": {"Письмо № 5-1/77: вправе"}})
	if pg.Status != http.StatusOK || !strings.Contains(pg.Body, "Письмо № 5-1/77: вправе") || strings.Contains(pg.Body, `action="`+path+`/legal"`) {
		t.Fatalf("Q19 answered: %d", pg.Status)
	}
	if l, _ = d.App.Analysis.LegalOf(t.Context(), number); l.SentAt == nil || l.AnsweredAt == nil {
		t.Fatalf("Q19 recorded %+v", l)
	}
	d.user("body", auth.RoleAuthority)
	body := d.browser()
	body.signIn("body", "password-of-body")
	if pg := body.get(path + "?lang=kk"); pg.Status != http.StatusOK || strings.Contains(pg.Body, `/legal"`) || !strings.Contains(pg.Body, "Письмо № 5-1/77: вправе") {
		t.Errorf("the authority's appeal page: %d, forms or no answer", pg.Status)
	}
	if pg := body.post(path+"/legal", url.Values{"action": {"sent"}}); pg.Status != http.StatusForbidden {
		t.Errorf("the authority records nothing: %d", pg.Status)
	}
}

// The Q46 form and the appeal page's Q19 section at 1280 px and 375 px in
// ru, kk and en (screenshots r13-*, TENDERDESK_SCREENSHOTS or /tmp/shots):
// no horizontal overflow, no serious or critical axe-core violation; the
// Q46 form is filled and sent from the keyboard up to its file field.
func TestReports13Screenshots(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d, clk := analysisDesk(t)
	analysisData(t, d, clk)
	d.user("body", auth.RoleAuthority)
	var number string
	if err := d.App.DB.R.QueryRow("SELECT number FROM appeals WHERE channel = 'phone'").Scan(&number); err != nil {
		t.Fatal(err)
	}
	dir := shotsDir(t)
	for _, who := range []struct{ login, password, page, name string }{
		{"body", "password-of-body", "/analysis/letters/new", "r13-letter"},
		{"admin", adminPassword, "/appeals/" + number, "r13-legal"},
	} {
		win := tab(t, actx)
		do(t, win, "sign in "+who.login, chromedp.Navigate(d.Base+"/login?lang=ru"), chromedp.WaitVisible("#login"),
			chromedp.SendKeys("#login", who.login), chromedp.SendKeys("#password", who.password), chromedp.Submit("#password"),
			chromedp.WaitVisible("main"))
		for _, w := range []struct{ width, height int64 }{{1280, 900}, {375, 812}} {
			for _, lang := range []string{"ru", "kk", "en"} {
				name := fmt.Sprintf("%s-%s-%d", who.name, lang, w.width)
				do(t, win, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+who.page+"?lang="+lang), chromedp.WaitReady("main"))
				if who.name == "r13-legal" {
					do(t, win, name+" scroll", chromedp.ScrollIntoView("#legal"))
				}
				checkShot(t, win, name, w.width, dir, axe)
			}
		}
		if who.name == "r13-letter" {
			// The keyboard: the reference field has the focus; Tab goes
			// through the fields in order to the file field.
			do(t, win, "keyboard", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(d.Base+who.page+"?lang=ru"), chromedp.WaitVisible("#l-ref"))
			ids := []string{"l-ref"}
			for range 8 {
				do(t, win, "tab", chromedp.KeyEvent("\t"))
				id, err := chromedp.Run(win, chromedp.Evaluate[string]("document.activeElement.id"))
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			want := []string{"l-ref", "l-received", "l-org", "l-bin", "l-email", "l-phone", "l-module", "l-desc", "l-copy"}
			if strings.Join(ids, ",") != strings.Join(want, ",") {
				t.Errorf("keyboard order %v, want %v", ids, want)
			}
		}
	}
}

// postForms are the actions of a page's POST forms, but the layout's own
// (language, sign out).
func postForms(body string) []string {
	var out []string
	for _, m := range postFormRe.FindAllStringSubmatch(body, -1) {
		// /audit/verify recomputes the audit chain's hashes and changes
		// nothing (pages_admin.go): a check the authority may run.
		if m[1] != "/account/language" && m[1] != "/logout" && m[1] != "/audit/verify" {
			out = append(out, m[1])
		}
	}
	return out
}

var postFormRe = regexp.MustCompile(`<form[^>]*method="post"[^>]*action="([^"]*)"`)

// The authority's read-only view (issue 13): every console page the
// authorized body reaches opens (200) in ru, kk and en and renders no form
// that changes anything — the Journal (the queue with its filters), the
// Journal extract in XLSX, PDF and CSV, the compliance report, the
// analyses and written reports, the incidents with their extensions, the
// appeals, the audit. The one form it has is its own duty: registering a
// forwarded letter (Q46).
func TestAuthorityReadOnlyView(t *testing.T) {
	d, clk := analysisDesk(t)
	inc, day, year := analysisData(t, d, clk)
	d.user("body", auth.RoleAuthority)
	body := d.browser()
	body.signIn("body", "password-of-body")
	var number string
	if err := d.App.DB.R.QueryRow("SELECT number FROM appeals WHERE channel = 'phone'").Scan(&number); err != nil {
		t.Fatal(err)
	}
	period := "from=01.11.2026&to=30.11.2026"
	pages := []string{"/", "/?q=Аукцион", "/reports", "/reports/sla?" + period, "/analysis", "/analysis/daily/" + day, "/analysis/annual/" + year,
		fmt.Sprintf("/analysis/reports/%d", inc), fmt.Sprintf("/incidents/%d", inc), fmt.Sprintf("/incidents/%d/notice", inc),
		"/appeals/" + number, "/intake", "/procedures", "/audit", "/audit/access"}
	for _, lang := range []string{"ru", "kk", "en"} {
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			pg := body.get(p + sep + "lang=" + lang)
			if pg.Status != http.StatusOK {
				t.Errorf("%s [%s]: %d", p, lang, pg.Status)
				continue
			}
			if !strings.HasSuffix(p, "/notice") { // the public notice names its feeds (Atom, JSON Feed) and the TF number
				checkPage(t, p, lang, pg.Body)
			}
			if forms := postForms(pg.Body); len(forms) > 0 {
				t.Errorf("%s [%s]: the authority is shown forms that change things: %v", p, lang, forms)
			}
		}
	}
	if forms := postForms(body.get("/analysis/letters/new").Body); len(forms) != 1 || forms[0] != "/analysis/letters" {
		t.Errorf("the Q46 form: %v", forms)
	}
	for format, ctype := range map[string]string{"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf", "csv": "text/csv"} {
		pg := body.get("/reports/journal?format=" + format + "&" + period)
		if pg.Status != http.StatusOK || !strings.HasPrefix(pg.Header.Get("Content-Type"), ctype) || len(pg.Body) < 100 {
			t.Errorf("the extract as %s: %d %q %d bytes", format, pg.Status, pg.Header.Get("Content-Type"), len(pg.Body))
		}
	}
}

// Long exports show progress (issue 13): a download named with a job token
// counts its rows; GET /reports/progress/{job} says them to its user only,
// done at the end; in Chromium the reports page's status line says the
// extract is ready after the download, in the page's language.
func TestExportProgress(t *testing.T) {
	d, clk := analysisDesk(t)
	analysisData(t, d, clk)
	d.user("body", auth.RoleAuthority)
	body := d.browser()
	body.signIn("body", "password-of-body")
	tok := strings.Repeat("ab", 16)
	if pg := body.get("/reports/progress/" + tok); pg.Status != http.StatusNotFound {
		t.Fatalf("no job yet: %d", pg.Status)
	}
	pg := body.get("/reports/journal?format=csv&from=01.11.2026&to=30.11.2026&job=" + tok)
	if pg.Status != http.StatusOK {
		t.Fatalf("download %d", pg.Status)
	}
	var s struct {
		Rows int    `json:"rows"`
		Done bool   `json:"done"`
		Text string `json:"text"`
	}
	pg = body.get("/reports/progress/" + tok + "?lang=kk")
	if err := json.Unmarshal([]byte(pg.Body), &s); err != nil || pg.Status != http.StatusOK || s.Rows != 4 || !s.Done || !strings.Contains(s.Text, "4") {
		t.Fatalf("progress %d %s (%v)", pg.Status, pg.Body, err)
	}
	op := d.browser()
	op.signIn("admin", adminPassword)
	if pg := op.get("/reports/progress/" + tok); pg.Status != http.StatusNotFound {
		t.Errorf("another user reads the job: %d", pg.Status)
	}

	actx := allocator(t)
	win := tab(t, actx)
	do(t, win, "sign in", chromedp.Navigate(d.Base+"/login?lang=ru"), chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", "body"), chromedp.SendKeys("#password", "password-of-body"), chromedp.Submit("#password"),
		chromedp.WaitVisible("main"))
	do(t, win, "reports", chromedp.Navigate(d.Base+"/reports?lang=ru"), chromedp.WaitVisible("#r-from"),
		chromedp.SetValue("#r-from", "01.11.2026"), chromedp.SetValue("#r-to", "30.11.2026"), chromedp.SetValue("#rj-format", "csv"),
		chromedp.Click(`button.primary`))
	waitText(t, win, "progress", "Выписка сформирована: 4 строк", 15*time.Second)
}
