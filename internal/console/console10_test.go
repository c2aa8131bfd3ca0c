package console_test

import (
	"bytes"
	"maps"
	"slices"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/files/clamdtest"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/notify/notifytest"
	"tenderdesk/internal/store/storetest"
)

var attachmentIDRe = regexp.MustCompile(`<input type="hidden" name="attachments" value="(\d+)">`)

// Issue 10, a staff reply with attachments (Q26, Q8): files sent with the
// appeal page's reply form are scanned by the real clamd and stored; EICAR
// is refused with the field marked and nothing sent; a reply refused for
// its text keeps its stored files in the form (nothing uploaded twice,
// nothing lost); the reply goes out with its files — in the cabinet the
// reporter downloads them, and the email (a real SMTP conversation, in the
// reporter's Kazakh) carries the files that fit its limit as attachments
// (the bytes as uploaded, Cyrillic names per RFC 2231) and names a file too
// large for it with the link to the appeal in the cabinet. Both backends.
func TestStaffReplyWithAttachments(t *testing.T) {
	clamd := withClamd(t)
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, clamd)
		d.user("olga", auth.RoleOperator)
		d.reporter("aigul", "123456789013", "aigul@example.kz", "kk")
		op := d.browser()
		op.signIn("olga", "password-of-olga")
		number := registerPhone(t, op, url.Values{"bin": {"123456789013"}, "contact_email": {"aigul@example.kz"}})
		path := "/appeals/" + number + "/reply"

		page := op.get("/appeals/" + number + "?lang=ru")
		if !strings.Contains(page.Body, `action="/appeals/`+number+`/reply#thread" enctype="multipart/form-data"`) ||
			!strings.Contains(page.Body, `id="file" name="file" type="file" multiple`) {
			t.Fatalf("the reply form takes files:\n%s", page.Body)
		}

		// EICAR: refused (Q26), the field marked, the text kept, nothing sent.
		p := op.postFiles(path, url.Values{"text": {"Смотрите вложение"}}, map[string][]byte{"eicar.com": []byte(clamdtest.EICAR)})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Файл заблокирован") ||
			!strings.Contains(p.Body, `class="field bad" data-tus`) || !strings.Contains(p.Body, "Смотрите вложение") {
			t.Fatalf("Q26: EICAR with a staff reply: %d\n%s", p.Status, p.Body)
		}
		if rows := replyRows(t, d, number); len(rows) != 0 {
			t.Fatalf("Q26: a reply with an infected file is not sent: %+v", rows)
		}

		// A clean file with an empty text: the text marked, the file stored
		// and carried by the form as its id.
		log := []byte("2026-12-04 10:00 ERROR сертификат отозван\n")
		op.get("/appeals/" + number)
		p = op.postFiles(path, url.Values{"text": {" "}}, map[string][]byte{"журнал.txt": log})
		m := attachmentIDRe.FindStringSubmatch(p.Body)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Напишите текст ответа") || m == nil {
			t.Fatalf("an empty reply with a file: %d, the file's id kept: %v\n%s", p.Status, m, p.Body)
		}
		// Sent again with the text, the stored file and one more by the form.
		// One more small file and one over the mail's limit (notify.MaxAttachmentSize)
		// by the form: the small ones go with the email, the large one as a link.
		big := bytes.Repeat([]byte("архив журнала "), notify.MaxAttachmentSize/len("архив журнала ")+1)
		p = op.postFiles(path, url.Values{"text": {"Исправленный журнал во вложении."}, "attachments": {m[1]}},
			map[string][]byte{"схема.pdf": []byte("%PDF-1.4 схема\n"), "большой-архив.txt": big})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("reply with files: %d\n%s", p.Status, p.Body)
		}
		st, conv := op.api("GET", "/api/v1/appeals/"+number+"/conversation", nil)
		ms, _ := conv["messages"].([]any)
		if st != 200 || len(ms) != 1 {
			t.Fatalf("conversation: %d %v", st, conv)
		}
		fs, _ := ms[0].(map[string]any)["files"].([]any)
		var names []string
		for _, f := range fs {
			names = append(names, f.(map[string]any)["filename"].(string))
		}
		if strings.Join(names, ",") != "журнал.txt,большой-архив.txt,схема.pdf" && strings.Join(names, ",") != "журнал.txt,схема.pdf,большой-архив.txt" {
			t.Fatalf("the reply carries both files once: %v", names)
		}
		if page := op.get("/appeals/" + number + "?lang=ru"); strings.Count(page.Body, `download translate="no">журнал.txt<`) != 1 {
			t.Errorf("the appeal page links the reply's file once")
		}

		// The email: in Kazakh, naming the files, linking the cabinet.
		sink := notifytest.Start(t)
		s, err := mail.NewSender(mail.Config{RelayURL: sink.URL(), From: "desk@tenderdesk.kz", Now: d.App.Now})
		if err != nil {
			t.Fatal(err)
		}
		notifytest.Drain(t, &notify.Worker{DB: d.App.DB, Sender: s, Now: d.App.Now, Open: d.App.Secrets.Open, OpenFile: d.App.Files.Open,
			PublicURL: "https://desk.example.kz"})
		var reply *notifytest.Message
		in, _ := sink.Inbox("aigul@example.kz")
		for i := range in {
			if strings.Contains(in[i].Subject, "Өтініш бойынша жауап") {
				reply = &in[i]
			}
		}
		if reply == nil {
			t.Fatalf("no reply mail to the reporter: %+v", in)
		}
		for _, want := range []string{"Исправленный журнал во вложении.", "Хатқа қоса берілген файлдар:\n- журнал.txt\n- схема.pdf\n",
			"Бұл файлдар хат үшін тым үлкен, оларды жеке кабинеттен жүктеп алуға болады: https://desk.example.kz/cabinet/appeals/" + number + ".\n- большой-архив.txt\n"} {
			if !strings.Contains(strings.ReplaceAll(reply.Text, "\r\n", "\n"), want) {
				t.Errorf("the reply mail lacks %q:\n%s", want, reply.Text)
			}
		}
		// The files themselves, byte for byte, their Cyrillic names per RFC
		// 2231; the large one is not attached.
		got := map[string][]byte{}
		for _, a := range reply.Attachments {
			got[a.Name] = a.Data
			if !strings.Contains(a.Header["Content-Disposition"], "filename*=utf-8''") {
				t.Errorf("attachment %q: no RFC 2231 name: %q", a.Name, a.Header["Content-Disposition"])
			}
		}
		if len(got) != 2 || !bytes.Equal(got["журнал.txt"], log) || !bytes.Equal(got["схема.pdf"], []byte("%PDF-1.4 схема\n")) {
			t.Errorf("the reply mail carries the two small files as uploaded, not the large one: %d attachments, names %v", len(reply.Attachments), attachedNames(got))
		}
		if !strings.Contains(string(reply.Raw), "filename*=utf-8''%D0%B6%D1%83%D1%80%D0%BD%D0%B0%D0%BB.txt") {
			t.Errorf("the Cyrillic name is not sent per RFC 2231 on the wire")
		}

		// The cabinet: the reporter sees the reply and downloads its files.
		rep := d.browser()
		signInTo(rep, "aigul", "password-of-aigul", "/cabinet")
		cp := rep.get("/cabinet/appeals/" + number)
		link := regexp.MustCompile(`<a href="(/api/v1/files/\d+)" download translate="no">журнал.txt</a>`).FindStringSubmatch(cp.Body)
		if cp.Status != http.StatusOK || link == nil || !strings.Contains(cp.Body, "Исправленный журнал во вложении.") {
			t.Fatalf("the cabinet shows the reply with its file: %d\n%s", cp.Status, cp.Body)
		}
		resp, err := rep.hc.Get(d.Base + link[1])
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != string(log) {
			t.Fatalf("the reporter downloads the file: %d %q", resp.StatusCode, body)
		}

		// A reporter with no cabinet account (a phone appeal's contact
		// address only) gets the file by mail, and no cabinet link.
		other := registerPhone(t, op, url.Values{"bin": {"120340500066"}, "organization": {"ТОО «Бета»"}, "contact_email": {"beta@example.kz"}})
		op.get("/appeals/" + other)
		scan := []byte("%PDF-1.4 скан письма\n")
		if p := op.postFiles("/appeals/"+other+"/reply", url.Values{"text": {"Ответ во вложении."}}, map[string][]byte{"ответ.pdf": scan}); p.Status != http.StatusSeeOther {
			t.Fatalf("reply to the appeal without an account: %d\n%s", p.Status, p.Body)
		}
		notifytest.Drain(t, &notify.Worker{DB: d.App.DB, Sender: s, Now: d.App.Now, Open: d.App.Secrets.Open, OpenFile: d.App.Files.Open,
			PublicURL: "https://desk.example.kz"})
		in, _ = sink.Inbox("beta@example.kz")
		var got2 *notifytest.Message
		for i := range in {
			if strings.Contains(in[i].Subject, "Ответ по обращению") {
				got2 = &in[i]
			}
		}
		if got2 == nil || len(got2.Attachments) != 1 || got2.Attachments[0].Name != "ответ.pdf" || !bytes.Equal(got2.Attachments[0].Data, scan) ||
			strings.Contains(got2.Text, "/cabinet/") || !strings.Contains(got2.Text, "К письму приложены файлы:") {
			t.Fatalf("the reporter without an account gets the file by mail: %+v", got2)
		}
	})
}

func replyRows(t *testing.T, d *desk, number string) []notify.Row {
	t.Helper()
	rows, err := notify.List(t.Context(), d.App.DB.R, notify.Filter{EventPrefix: "appeal.reply:" + number + ":", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Issue 10 in a real browser (both backends): the operator attaches files
// to a reply on the appeal page — the page's script sends them by tus and
// the real clamd scans them (Q26): EICAR is refused with the reason in
// Russian and not attached, a clean file is attached — and sends the reply
// by keyboard; the thread shows the file with its link. Screenshots of the
// form with both outcomes at 1280 and 375 px in ru, kk and en, checked for
// overflow and by axe.
func TestStaffReplyFilesInBrowser(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	clamd := withClamd(t)
	dir := t.TempDir()
	clean, eicar := filepath.Join(dir, "журнал-подписи.txt"), filepath.Join(dir, "eicar.com")
	if err := os.WriteFile(clean, []byte("2026-12-04 10:00 ERROR сертификат отозван\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(eicar, []byte(clamdtest.EICAR), 0o644); err != nil {
		t.Fatal(err)
	}
	shots := shotsDir(t)
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, clamd)
		d.user("olga", auth.RoleOperator)
		d.reporter("aigul", "123456789013", "aigul@example.kz", "kk")
		op := d.browser()
		op.signIn("olga", "password-of-olga")
		number := registerPhone(t, op, url.Values{"bin": {"123456789013"}, "contact_email": {"aigul@example.kz"}})
		ctx := tab(t, actx)
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		signInUI(t, ctx, d.Base, "olga", "password-of-olga")
		do(t, ctx, "appeal page", chromedp.Navigate(d.Base+"/appeals/"+number+"?lang=ru"), chromedp.WaitVisible("#reply-text"),
			chromedp.SetUploadFiles("#file", []string{eicar}))
		settle(t, ctx, "EICAR refused", "eicar.com: не приложен — Файл заблокирован: антивирус обнаружил угрозу", 30*time.Second)
		do(t, ctx, "clean file", chromedp.SetUploadFiles("#file", []string{clean}))
		settle(t, ctx, "clean file attached", "журнал-подписи.txt: проверен антивирусом и приложен", 30*time.Second)
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#reply input[name=attachments]").length`))
		if err != nil || n != 1 {
			t.Fatalf("only the clean file is attached: %d %v", n, err)
		}
		if !strings.Contains(dsn, "://") { // screenshots once, on SQLite
			for _, w := range []struct {
				name          string
				width, height int64
			}{{"desktop", 1280, 900}, {"phone", 375, 812}} {
				for _, lang := range []string{"ru", "kk", "en"} {
					// The form as the operator sees it after both files, in each language.
					name := fmt.Sprintf("reply-files-%s-%d", lang, w.width)
					do(t, ctx, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+"/appeals/"+number+"?lang="+lang),
						chromedp.WaitVisible("#reply-text"), chromedp.SetUploadFiles("#file", []string{eicar, clean}))
					settle(t, ctx, name, "журнал-подписи.txt", 30*time.Second)
					for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(50 * time.Millisecond) {
						if busy, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("reply").dataset.uploading || ""`)); busy == "0" {
							break
						}
					}
					do(t, ctx, "scroll", chromedp.ScrollIntoView("#reply"))
					checkShot(t, ctx, name, w.width, shots, axe)
				}
			}
			do(t, ctx, "back", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(d.Base+"/appeals/"+number+"?lang=ru"),
				chromedp.WaitVisible("#reply-text"), chromedp.SetUploadFiles("#file", []string{clean}))
			settle(t, ctx, "clean file attached", "журнал-подписи.txt: проверен антивирусом и приложен", 30*time.Second)
		}
		// Type the reply, then by keyboard: Tab to the files, the note box, send.
		do(t, ctx, "send by keyboard", chromedp.Focus("#reply-text"), chromedp.KeyEvent("Журнал подписи во вложении."),
			chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(".delivery"))
		settle(t, ctx, "the reply with its file", "Журнал подписи во вложении.")
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){var a=[...document.querySelectorAll(".msg-staff_reply .files a")];return a.map(x=>x.textContent+" "+x.getAttribute("href")).join("|")})()`))
		if err != nil || !regexp.MustCompile(`^журнал-подписи\.txt /api/v1/files/\d+$`).MatchString(href) {
			t.Fatalf("the thread links the reply's one clean file: %q %v", href, err)
		}
		if n := d.App.Console.Missing(); n != 0 {
			t.Errorf("%d look-ups of missing messages", n)
		}
	})
	t.Logf("screenshots in %s", shots)
}

// Issue 10 with issue 15: two desk processes on one PostgreSQL. A plan
// applied through process A shows its progress on a console served by
// process B (the page and the script's JSON), moving and then with its
// result; B does not start the same apply again while it runs on A; an
// apply whose process went silent is shown as interrupted, nothing applied.
func TestApplyProgressAcrossProcesses(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	a, b := boot(t, dsn), boot(t, dsn)
	const procs = 5
	f := newIncidentFixture(t, a, procs)
	f.confirm(t, "high")
	hold := a.App.Console.HoldApplies()
	var once sync.Once
	release := func() { once.Do(hold) }
	defer release()
	a.App.Console.SetApplyWait(0)
	f.admin.get(f.path)
	p := f.admin.post(f.path+"/plan", url.Values{})
	hash := regexp.MustCompile(`name="plan_hash" value="([^"]+)"`).FindStringSubmatch(p.Body)
	if hash == nil {
		t.Fatalf("no plan:\n%s", p.Body)
	}
	if p = f.admin.post(f.path+"/apply", url.Values{"plan_hash": {hash[1]}, "confirm": {"1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("apply on A: %d %s", p.Status, p.Body)
	}
	onB := &browser{d: b, hc: f.admin.hc} // the same session, served by B
	var s progressJSON
	poll(t, "B sees the first procedure done", 200, func() (bool, string) {
		s = onB.progress(t, f.path)
		return s.Done == 1, fmt.Sprint(s)
	})
	if !s.Running || s.Total != procs {
		t.Fatalf("B: progress while A holds: %+v", s)
	}
	pg := onB.get(f.path + "?lang=ru").Body
	if sec := section(t, pg, "apply"); !strings.Contains(sec, fmt.Sprintf("Обработано процедур: 1 из %d", procs)) || !strings.Contains(sec, "<progress") ||
		!strings.Contains(sec, `data-apply-running="true"`) {
		t.Errorf("B's page does not show A's running apply:\n%s", sec)
	}
	// Applying again through B while A runs it: not started twice.
	onB.get(f.path)
	if p := onB.post(f.path+"/apply", url.Values{"plan_hash": {hash[1]}, "confirm": {"1"}}); p.Status != http.StatusSeeOther || p.Header.Get("Location") != f.path+"#apply" {
		t.Fatalf("apply on B while A runs: %d %s", p.Status, p.Header.Get("Location"))
	}
	if b.App.Console.ApplyJobs() != 0 {
		t.Fatalf("B started an apply of its own while A's runs")
	}
	release()
	poll(t, "B sees the end", 400, func() (bool, string) {
		s = onB.progress(t, f.path)
		return !s.Running, fmt.Sprint(s)
	})
	if s.Procedures != procs || s.Done != procs {
		t.Fatalf("B: the result: %+v", s)
	}
	if sec := section(t, onB.get(f.path+"?lang=ru").Body, "apply"); !strings.Contains(sec, fmt.Sprintf("изменены сроки %d процедур", procs)) {
		t.Errorf("B's page does not show the result:\n%s", sec)
	}
	plans, err := b.App.Procurement.PlansOf(t.Context(), f.inc)
	if err != nil || len(plans) != 1 {
		t.Fatalf("one plan applied: %v %+v", err, plans)
	}
	// A process that went silent mid-apply (B has no job of its own): shown
	// as interrupted, not running.
	if _, err := a.App.DB.W.Exec(`UPDATE apply_progress SET state = 'running', ended_at = NULL, started_at = $2, updated_at = $2 WHERE incident_id = $1`,
		f.inc, time.Now().Add(-time.Hour).UTC()); err != nil {
		t.Fatal(err)
	}
	sec := section(t, onB.get(f.path+"?lang=ru").Body, "apply")
	if !strings.Contains(sec, "процесс, применявший план, остановился") || strings.Contains(sec, `data-apply-running="true"`) {
		t.Errorf("B: an apply whose process died is not shown as interrupted:\n%s", sec)
	}
	if s = onB.progress(t, f.path); s.Running {
		t.Errorf("B: an interrupted apply is not running: %+v", s)
	}
}

func attachedNames(m map[string][]byte) []string { return slices.Sorted(maps.Keys(m)) }
