package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/files/clamdtest"
)

// settle waits until want is on the page; unlike waitText it tolerates a
// page still loading (no body yet) between polls.
func settle(t *testing.T, ctx context.Context, what, want string, within ...time.Duration) {
	t.Helper()
	limit := 20 * time.Second
	if len(within) > 0 {
		limit = within[0]
	}
	var last string
	for start := time.Now(); time.Since(start) < limit; time.Sleep(50 * time.Millisecond) {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err == nil && strings.Contains(s, want) {
			return
		}
		last = s
	}
	t.Fatalf("%s: %q did not appear within %s; page:\n%s", what, want, limit, last)
}

// signInCabinet signs in through the form and lands on the cabinet.
func signInCabinet(t *testing.T, ctx context.Context, base, login, password string) {
	t.Helper()
	do(t, ctx, "sign in "+login, chromedp.Navigate(base+"/login?lang=ru"), chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", login), chromedp.SendKeys("#password", password), chromedp.Submit("#password"),
		chromedp.WaitVisible(".cabinet-appeals, main .card"))
}

// Issue 11 in a real browser on both backends: an applicant reports a
// failure with a 45 MB file, sent by the page in three tus parts of at most
// 20 MB (Q8) and scanned by the real clamd (Q26), and sees the number and
// access code at once; staff request information (API); the applicant
// answers in the cabinet; the paused clock resumes with the paused hour
// added (Q38); the EICAR file is refused with a message in Russian, by the
// script and by the form without it.
func TestCabinetInBrowser(t *testing.T) {
	actx := allocator(t)
	clamd := withClamd(t)
	big := filepath.Join(t.TempDir(), "журнал-ошибок.log")
	content := []byte(strings.Repeat("2026-12-02 09:15 ERROR подпись не принята\n", 45<<20/44+1))[:45<<20]
	if err := os.WriteFile(big, content, 0o644); err != nil {
		t.Fatal(err)
	}
	eicar := filepath.Join(t.TempDir(), "eicar.com")
	if err := os.WriteFile(eicar, []byte(clamdtest.EICAR), 0o644); err != nil {
		t.Fatal(err)
	}
	backends(t, func(t *testing.T, dsn string) {
		clock := morning()
		d := boot(t, dsn, withClock(clock), clamd)
		d.user("olga", auth.RoleOperator)
		d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
		ctx := tab(t, actx)
		ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		signInCabinet(t, ctx, d.Base, "alfa", "password-of-alfa")
		settle(t, ctx, "cabinet home", "Мои обращения", 5*time.Second)

		// Report with the 45 MB file.
		do(t, ctx, "report form", chromedp.Navigate(d.Base+"/cabinet/report?lang=ru"), chromedp.WaitVisible("#description"),
			chromedp.SendKeys("#description", "Не подписывается договор: ошибка ЭЦП"), chromedp.SendKeys("#detected_at", "02.12.2026 09:15"),
			chromedp.SendKeys("#module", "Договоры"), chromedp.SendKeys("#announcements", "2026-ЗЦП-1"))
		start := time.Now()
		do(t, ctx, "choose file", chromedp.SetUploadFiles("#file", []string{big}))
		settle(t, ctx, "45 MB upload", "журнал-ошибок.log: проверен антивирусом и приложен", 2*time.Minute)
		took := time.Since(start)
		do(t, ctx, "send", chromedp.Click("form[action='/cabinet/report'] button[type=submit]"))
		settle(t, ctx, "registered", "Обращение зарегистрировано", 20*time.Second)
		number, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("reg-number").textContent.replace("№ ","")`))
		if err != nil {
			t.Fatal(err)
		}
		code, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".code").textContent`))
		if err != nil || len(code) != 10 {
			t.Fatalf("access code %q: %v", code, err)
		}
		t.Logf("45 MB in three parts, scanned, in %s", took.Round(time.Millisecond))
		staff := d.browser()
		staff.signIn("olga", "password-of-olga")
		st, conv := staff.api("GET", "/api/v1/appeals/"+number+"/conversation", nil)
		ms, _ := conv["messages"].([]any)
		if st != 200 || len(ms) != 1 {
			t.Fatalf("conversation %d %v", st, conv)
		}
		f := ms[0].(map[string]any)["files"].([]any)[0].(map[string]any)
		if f["size"] != float64(45<<20) || f["filename"] != "журнал-ошибок.log" {
			t.Fatalf("the 45 MB file is attached whole: %v", f)
		}
		a, err := d.App.Journal.Appeal(t.Context(), number)
		if err != nil {
			t.Fatal(err)
		}
		ipath := fmt.Sprintf("/api/v1/incidents/%d", a.IncidentID)
		clockOf := func() map[string]any {
			_, body := staff.api("GET", ipath+"/clocks", nil)
			cs, _ := body["clocks"].([]any)
			for _, c := range cs {
				if m := c.(map[string]any); m["clock"] == "analysis" {
					return m
				}
			}
			t.Fatalf("no analysis clock: %v", body)
			return nil
		}
		clock.Add(5 * time.Minute)
		if s, b := staff.api("POST", ipath+"/analyse", nil); s != 200 {
			t.Fatalf("analyse: %d %v", s, b)
		}
		before := clockOf()
		clock.Add(25 * time.Minute)
		question := "Пришлите текст ошибки целиком"
		if s, b := staff.api("POST", ipath+"/request_info", map[string]any{"note": question}); s != 200 {
			t.Fatalf("request_info: %d %v", s, b)
		}
		if c := clockOf(); c["state"] != "paused" {
			t.Fatalf("Q38: the clock pauses: %v", c)
		}
		clock.Add(time.Hour) // the applicant takes one working hour

		do(t, ctx, "open the appeal", chromedp.Navigate(d.Base+"/cabinet/appeals/"+number+"?lang=ru"), chromedp.WaitVisible("#text"))
		settle(t, ctx, "the question", question)
		settle(t, ctx, "the pause", "срок рассмотрения приостановлен")
		do(t, ctx, "answer", chromedp.SendKeys("#text", "Ошибка: «Сертификат отозван»"),
			chromedp.Click("form.reply-form button[type=submit]"))
		settle(t, ctx, "resumed", "рассмотрение возобновлено", 20*time.Second)
		after := clockOf()
		bd, _ := time.Parse(time.RFC3339, before["deadline"].(string))
		ad, _ := time.Parse(time.RFC3339, after["deadline"].(string))
		if after["state"] != "running" || ad.Sub(bd) != time.Hour {
			t.Fatalf("Q38: the term is extended by exactly the paused hour: before %v, after %v", before, after)
		}
		settle(t, ctx, "the answer in the thread", "Ошибка: «Сертификат отозван»")

		// EICAR by the script: refused with the reason, nothing attached.
		do(t, ctx, "report form again", chromedp.Navigate(d.Base+"/cabinet/report?lang=ru"), chromedp.WaitVisible("#file"),
			chromedp.SetUploadFiles("#file", []string{eicar}))
		settle(t, ctx, "EICAR refused", "eicar.com: не приложен — Файл заблокирован: антивирус обнаружил угрозу", 30*time.Second)
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("input[name=attachments]").length`))
		if err != nil || n != 0 {
			t.Fatalf("an infected file must not be attached: %d %v", n, err)
		}
		// …and by the form without the script: the form comes back with the
		// field marked, nothing registered.
		alfa := d.browser()
		alfa.signIn("alfa", "password-of-alfa")
		alfa.get("/cabinet/report?lang=ru")
		p := alfa.postFiles("/cabinet/report", url.Values{"description": {"вирус"}, "contact_email": {"a@example.kz"}},
			map[string][]byte{"eicar.com": []byte(clamdtest.EICAR)})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Файл заблокирован") || !strings.Contains(p.Body, `class="field bad" data-tus`) {
			t.Fatalf("EICAR without JS: %d\n%s", p.Status, p.Body)
		}
	})
}
