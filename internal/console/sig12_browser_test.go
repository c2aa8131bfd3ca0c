package console_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/signature/sigtest"
)

// focused is the id of the element with focus.
func focused(t *testing.T, ctx context.Context) string {
	t.Helper()
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.activeElement ? document.activeElement.id : ''"))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// tabTo presses Tab until the element with id has focus (at most 40 times).
func tabTo(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	for range 40 {
		if focused(t, ctx) == id {
			return
		}
		do(t, ctx, "tab to "+id, chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("Tab never reached #%s (focus on %q)", id, focused(t, ctx))
}

// Issue 12's console pages in Chromium on both backends: the Q25 form, the
// role change (E31) and the dispute card (E20–E21) used by keyboard only
// (Tab, typing, arrows, Enter; the signature file is chosen with the file
// dialog's stand-in), bad input marked and kept; then every page at 1280
// and 375 px in ru, kk and en: a screenshot (prefix registers-), no
// horizontal overflow, no missing message, no serious or critical axe
// violation.
func TestRegisterPagesInBrowser_Q25_E31_E20_E33(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	p := sigtest.NewPKI(t)
	headIIN := sigtest.Complete("90020240023", iin.Validate)
	authBIN := sigtest.Complete("12034050006", iin.Validate)
	personal := p.Inter.Issue(sigtest.NCASubject("ОПЕРАТОРОВ", "ОЛЕГ", sigtest.Complete("85010130012", iin.Validate), "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	head := p.Inter.Issue(sigtest.NCASubject("РУКОВОДИТЕЛЕВ", "РУСЛАН", headIIN, "РГУ «Уполномоченный орган»", authBIN), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	chain := []string{p.Inter.Cert}
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, bootOpt{Cfg: func(c *config.Config) {
			c.Signatures.TrustDir, c.Signatures.CRLFiles, c.Signatures.RequireRevocation = p.Dir, []string{p.Inter.CRL(), p.Root.CRL()}, true
		}})
		d.user("op1", auth.RoleOperator)
		ctx := context.Background()
		if _, err := d.App.Auth.CreateUser(ctx, audit.Actor{Login: "admin", Role: "admin"}, auth.NewUser{Login: "ao1", Password: "password-of-ao1", Role: "auditor",
			FullName: "Уәкілетті Айгүл", Organization: "РГУ «Уполномоченный орган»", BIN: authBIN, Basis: "приказ № 12", Responsible: "Руководителев Р."}); err != nil {
			t.Fatal(err)
		}
		appeal := regAppeal(t, d, "phone", "+7 701 000 0000", "")
		d.attachRecording(t, appeal.Number)
		for _, e := range []registers.Entry{
			{Register: registers.OutsideSpecialist, Person: "ТОО «Аудит-Сервис», Петров Петр", Detail: "анализ журналов сервера приложений", IncidentID: appeal.IncidentID, Agreed: "письмо № 9-12/2026 от 02.12.2026"},
			{Register: registers.OffenceReport, Person: "Ахметов Б. К.", Detail: "признаки подбора паролей; сообщено в уполномоченный орган и ДП г. Астаны", IncidentID: appeal.IncidentID},
		} {
			if _, err := d.App.Registers.Add(ctx, audit.Actor{Login: "op1", Role: "operator"}, e); err != nil {
				t.Fatal(err)
			}
		}
		tb := tab(t, actx)
		signInUI(t, tb, d.Base, "admin", adminPassword)

		// Q25 by keyboard: person, rooms, no agreement, Enter → marked; then the agreement, Enter → listed.
		do(t, tb, "Q25 form", chromedp.Navigate(d.Base+"/registers/server_room/new?lang=ru"), chromedp.WaitVisible("#rf-person"))
		tabTo(t, tb, "rf-person")
		do(t, tb, "type Q25", chromedp.KeyEvent("Иванов Иван Иванович"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("серверная № 2, ЦОД Астана"),
			chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(".field.bad"))
		body := text(t, tb)
		if !strings.Contains(body, "Укажите согласование уполномоченного органа") {
			t.Fatalf("Q25 without the agreement:\n%s", body)
		}
		dir := shotsDir(t)
		shots := !strings.HasPrefix(dsn, "postgres") // the screenshots once (SQLite, always run), the flows on both
		if shots {
			for _, w := range []int64{1280, 375} {
				do(t, tb, "resize", chromedp.EmulateViewport(w, 900))
				checkShot(t, tb, fmt.Sprintf("registers-q25-bad-ru-%d", w), w, dir, axe)
			}
			do(t, tb, "resize", chromedp.EmulateViewport(1280, 900))
		}
		tabTo(t, tb, "rf-agreed")
		do(t, tb, "agreement", chromedp.KeyEvent("письмо № 12-3/45 от 01.12.2026"), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("table.register"))
		if body := text(t, tb); !strings.Contains(body, "Запись внесена") || !strings.Contains(body, "серверная № 2, ЦОД Астана") {
			t.Fatalf("Q25 listed:\n%s", body)
		}

		// E31 by keyboard: the user and the role by arrows, basis, responsible; a personal certificate → refused with its reason.
		sigDir := t.TempDir()
		doc, _ := registers.RoleGrantDocument("ao1", "authority", "письмо № 7-15/2026", "Руководителев Р.")
		bad, good := filepath.Join(sigDir, "personal.cms"), filepath.Join(sigDir, "head.cms")
		if err := os.WriteFile(bad, sigtest.Sign(t, personal, chain, doc, false), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(good, []byte(base64.StdEncoding.EncodeToString(sigtest.Sign(t, head, chain, doc, false))), 0o644); err != nil {
			t.Fatal(err)
		}
		fill := func(lang string) {
			do(t, tb, "role form", chromedp.Navigate(d.Base+"/registers/roles/change?lang="+lang+"&login=ao1&basis="+url.QueryEscape("письмо № 7-15/2026")+"&responsible="+url.QueryEscape("Руководителев Р.")),
				chromedp.WaitVisible("#rc-role"))
			tabTo(t, tb, "rc-role")
			// Roles: —, applicant, customer, operator, specialist, admin, authority.
			for range 6 {
				do(t, tb, "arrow", chromedp.KeyEvent(kb.ArrowDown))
			}
			if v, _ := chromedp.Run(tb, chromedp.Evaluate[string]("document.getElementById('rc-role').value")); v != "authority" {
				t.Fatalf("arrows chose %q", v)
			}
		}
		fill("ru")
		do(t, tb, "personal certificate", chromedp.SetUploadFiles("#rc-cms", []string{bad}))
		tabTo(t, tb, "rc-cms")
		do(t, tb, "submit", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(".field.bad"))
		if body := text(t, tb); !strings.Contains(body, "Подпись отклонена: подписал не тот человек") {
			t.Fatalf("refusal not shown:\n%s", body)
		}
		if shots {
			for _, lang := range []string{"kk", "en"} {
				fill(lang)
				do(t, tb, "personal certificate", chromedp.SetUploadFiles("#rc-cms", []string{bad}), chromedp.Click(`form[action="/registers/roles/change"] button.primary`), chromedp.WaitVisible(".field.bad"))
				for _, w := range []int64{1280, 375} {
					do(t, tb, "resize", chromedp.EmulateViewport(w, 900))
					checkShot(t, tb, fmt.Sprintf("registers-role-refused-%s-%d", lang, w), w, dir, axe)
				}
				do(t, tb, "resize", chromedp.EmulateViewport(1280, 900))
			}
		}
		fill("ru")
		do(t, tb, "head's certificate", chromedp.SetUploadFiles("#rc-cms", []string{good}))
		tabTo(t, tb, "rc-cms")
		do(t, tb, "submit", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(".notice"))
		if body := text(t, tb); !strings.Contains(body, "Роль пользователя ao1 изменена") {
			t.Fatalf("grant:\n%s", body)
		}

		// E20–E21 by keyboard: the reason, Enter on the button.
		do(t, tb, "recordings", chromedp.Navigate(d.Base+"/appeals/"+appeal.Number+"/recordings?lang=ru"), chromedp.WaitVisible("#rf-reason"))
		tabTo(t, tb, "rf-reason")
		do(t, tb, "dispute", chromedp.KeyEvent("жалоба заявителя № 15"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(".notice"))
		if body := text(t, tb); !strings.Contains(body, "Спор открыт: записи хранятся до его разрешения") {
			t.Fatalf("dispute:\n%s", body)
		}
		// A read for the access log.
		do(t, tb, "appeal", chromedp.Navigate(d.Base+"/appeals/"+appeal.Number), chromedp.WaitReady("main"))

		if !shots {
			return
		}
		pages := map[string]string{"index": "/registers", "q25": "/registers/server_room", "q39": "/registers/outside_specialist",
			"q23": "/registers/offence_report", "q39-new": "/registers/outside_specialist/new", "role": "/registers/roles/change",
			"recordings": "/appeals/" + appeal.Number + "/recordings", "access": "/audit/access"}
		for name, path := range pages {
			for _, w := range []struct{ width, height int64 }{{1280, 900}, {375, 812}} {
				for _, lang := range []string{"ru", "kk", "en"} {
					shot := fmt.Sprintf("registers-%s-%s-%d", name, lang, w.width)
					do(t, tb, shot, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+path+"?lang="+lang), chromedp.WaitReady("main"))
					if body := text(t, tb); strings.Contains(body, "⟦") {
						t.Errorf("%s: a message is missing: %s", shot, body[strings.Index(body, "⟦"):min(len(body), strings.Index(body, "⟦")+60)])
					}
					checkShot(t, tb, shot, w.width, dir, axe)
				}
			}
		}
		if n := d.App.Console.Missing(); n != 0 {
			t.Errorf("%d messages missing", n)
		}
		t.Logf("screenshots in %s", dir)
	})
}
