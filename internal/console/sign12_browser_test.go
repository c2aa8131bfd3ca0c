package console_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/signature"
	"tenderdesk/internal/signature/ncalayerfake"
	"tenderdesk/internal/signature/sigtest"
)

// fixedReport makes a medium failure fixed, so its written report (Q36.10)
// is drafted, complete.
func fixedReport(t *testing.T, d *desk, actor audit.Actor, what string) int64 {
	t.Helper()
	ctx := context.Background()
	recv := d.App.Now().Add(-30 * time.Minute)
	reg, err := d.App.Journal.Register(ctx, journal.Caller{Actor: actor}, journal.NewAppeal{Channel: "phone", ReceivedAt: &recv,
		ContactPhone: "+7 701 000 0000", Description: what, Profile: "kz-quasi"}, "")
	if err != nil {
		t.Fatal(err)
	}
	start := recv.Add(-10 * time.Minute)
	for _, in := range []journal.TransitionInput{{Action: journal.ActAnalyse},
		{Action: journal.ActConfirm, Criticality: "medium", Cause: "operator_staff_error", FailureStartedAt: &start, Modules: []string{"Подача заявок"}},
		{Action: journal.ActStartFix}, {Action: journal.ActFix, Decision: "Откат обновления", Recommendations: "Проверка обновлений на стенде"}} {
		if _, err := d.App.Journal.Transition(ctx, actor, reg.IncidentID, in); err != nil {
			t.Fatal(err)
		}
	}
	return reg.IncidentID
}

// waitPage is waitText across a navigation (a signature taken reloads the
// page): a page between documents has no body yet.
func waitPage(t *testing.T, ctx context.Context, what, want string, within time.Duration) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		if err == nil && strings.Contains(s, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: %q did not appear within %s; page:\n%s", what, want, within, text(t, ctx))
}

// Issue 12 (sign12), in Chromium against the stand-in NCALayer
// (ncalayerfake): the yearly information (Q44), a written report (Q36.10)
// and a role grant to an authorized person (E31) are each signed with
// NCALayer on their page, in one language each, and the stored signature
// re-verifies offline over the stored document; the signed yearly
// information offers the signed extract PDF. Then NCALayer is gone: each
// page says so and opens the .cms upload, and an uploaded signature is
// taken (the yearly information and the report through the page's upload
// form, in the browser). Every page at 1280 and 375 px in ru, kk, en:
// screenshots (prefix sign12-), no overflow, axe 0 serious/critical.
func TestSign12PagesInBrowser_Issue12(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	p := sigtest.NewPKI(t)
	userIIN := sigtest.Complete("90020230012", iin.Validate)
	authBIN := sigtest.Complete("12034050006", iin.Validate)
	// The stand-in holds one key: the responsible person's, who is also the
	// head of the authorized body here (the E31 grant needs that body's BIN).
	cert := p.Inter.Issue(sigtest.NCASubject("ПЕТРОВА", "СВЕТЛАНА", userIIN, "РГУ «Уполномоченный орган»", authBIN), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	key := p12(t, p, cert)
	fake := ncalayerfake.New(key)
	t.Cleanup(fake.Close)
	d := boot(t, t.TempDir(), withClock(morning()), bootOpt{Cfg: func(cfg *config.Config) {
		cfg.Signatures.TrustDir, cfg.Signatures.CRLFiles = p.Dir, []string{p.Inter.CRL(), p.Root.CRL()}
		cfg.Signatures.NCALayerURL = fake.URL
	}})
	d.user("sveta", auth.RoleSpecialist)
	ctx := context.Background()
	if err := d.App.Signatures.SetIIN(ctx, audit.System, "sveta", userIIN); err != nil {
		t.Fatal(err)
	}
	if _, err := d.App.Auth.CreateUser(ctx, audit.System, auth.NewUser{Login: "body1", Password: "password-of-body1", Role: "auditor",
		FullName: "Уәкілетті Айгүл", Organization: "РГУ «Уполномоченный орган»", BIN: authBIN, Basis: "приказ № 12", Responsible: "Руководителев Р."}); err != nil {
		t.Fatal(err)
	}
	actor := audit.Actor{Login: "sveta", Role: "specialist"}
	for _, y := range []string{"2024", "2025"} {
		st, _, err := d.App.Analysis.Generate(ctx, actor, "annual", y)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.App.Analysis.SetNarrative(ctx, actor, y, analysis.Narrative{Causes: "Ошибки обновлений", Actions: "Откаты и исправления",
			Results: "Сбои устранены", Proposals: "Проверка обновлений на стенде"}, st.Version); err != nil {
			t.Fatal(err)
		}
	}
	repA := fixedReport(t, d, actor, "Не подписывается заявка на лот")
	repB := fixedReport(t, d, actor, "Не открывается протокол итогов")

	tb := tab(t, actx)
	signInUI(t, tb, d.Base, "sveta", "password-of-sveta")
	dir := shotsDir(t)
	shots := func(path, prefix string) {
		t.Helper()
		for _, w := range []struct{ width, height int64 }{{1280, 900}, {375, 812}} {
			for _, lang := range []string{"ru", "kk", "en"} {
				name := fmt.Sprintf("sign12-%s-%s-%d", prefix, lang, w.width)
				do(t, tb, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+path+"?lang="+lang),
					chromedp.WaitVisible("#sign"), chromedp.ScrollIntoView("#sign"))
				checkShot(t, tb, name, w.width, dir, axe)
				sectionShot(t, tb, name, dir)
			}
		}
		do(t, tb, "wide", chromedp.EmulateViewport(1280, 900))
	}
	recheck := func(id int64, want []byte) {
		t.Helper()
		rec, err := d.App.Signatures.Get(ctx, id)
		if err != nil || !bytes.Equal(rec.Document, want) || rec.Login == "" {
			t.Fatalf("stored signature %d: %+v %v", id, rec, err)
		}
		if _, err := d.App.Signatures.Verifier.Recheck(ctx, rec); err != nil {
			t.Fatalf("the stored signature does not verify again: %v", err)
		}
	}

	// Q44 with NCALayer, in Russian.
	shots("/analysis/annual/2025", "annual")
	st, _ := d.App.Analysis.Get(ctx, "annual", "2025")
	want, _ := analysis.AnnualDocument(st)
	do(t, tb, "annual sign", chromedp.Navigate(d.Base+"/analysis/annual/2025?lang=ru"), chromedp.WaitVisible("[data-ncalayer-sign]"), chromedp.Click("[data-ncalayer-sign]"))
	waitPage(t, tb, "annual signed", "Подпись проверена и сохранена.", 15*time.Second)
	if st, _ = d.App.Analysis.Get(ctx, "annual", "2025"); st.Status != "signed" || st.SignatureID == 0 {
		t.Fatalf("Q44 not signed: %+v", st)
	}
	recheck(st.SignatureID, want)
	body := text(t, tb)
	for _, s := range []string{"ПЕТРОВА СВЕТЛАНА", userIIN, "SHA-256"} {
		if !strings.Contains(body, s) {
			t.Errorf("the signed yearly information does not show %q", s)
		}
	}
	checkShot(t, tb, "sign12-annual-signed-ru-1280", 1280, dir, axe)
	sectionShot(t, tb, "sign12-annual-signed-ru-1280", dir)

	// A written report with NCALayer, in Kazakh; then it is sent as signed.
	rpath := fmt.Sprintf("/analysis/reports/%d", repA)
	shots(rpath, "report")
	w, _ := d.App.Analysis.WrittenOf(ctx, repA)
	want, _ = analysis.ReportDocument(w)
	do(t, tb, "report sign", chromedp.Navigate(d.Base+rpath+"?lang=kk"), chromedp.WaitVisible("[data-ncalayer-sign]"), chromedp.Click("[data-ncalayer-sign]"))
	waitPage(t, tb, "report signed", "Қолтаңба тексеріліп, сақталды.", 15*time.Second)
	if w, _ = d.App.Analysis.WrittenOf(ctx, repA); w.SignatureID == 0 {
		t.Fatalf("the report is not signed: %+v", w)
	}
	recheck(w.SignatureID, want)
	checkShot(t, tb, "sign12-report-signed-kk-1280", 1280, dir, axe)
	do(t, tb, "report send", chromedp.Click(`button[name=action][value=send]`))
	for start := time.Now(); time.Since(start) < 15*time.Second; time.Sleep(100 * time.Millisecond) {
		if w, _ = d.App.Analysis.WrittenOf(ctx, repA); w.Status == "sent" {
			break
		}
	}
	if w.Status != "sent" || w.SignatureID == 0 {
		t.Fatalf("the signed report is not sent signed: %+v", w)
	}

	// E31 with NCALayer, in English: the administrator's page, the head's key.
	ta := tab(t, actx)
	signInUI(t, ta, d.Base, "admin", adminPassword)
	for _, wd := range []struct{ width, height int64 }{{1280, 900}, {375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			name := fmt.Sprintf("sign12-role-%s-%d", lang, wd.width)
			do(t, ta, name, chromedp.EmulateViewport(wd.width, wd.height), chromedp.Navigate(d.Base+"/registers/roles/change?lang="+lang), chromedp.WaitVisible("[data-ncalayer-sign]"))
			checkShot(t, ta, name, wd.width, dir, axe)
		}
	}
	do(t, ta, "role: no user", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(d.Base+"/registers/roles/change?lang=en"), chromedp.WaitVisible("[data-ncalayer-sign]"),
		chromedp.Click("[data-ncalayer-sign]"))
	waitText(t, ta, "role: fields first", "Choose the user and the new role first", 10*time.Second)
	do(t, ta, "role form", chromedp.SetValue("#rc-login", "body1"), chromedp.SetValue("#rc-role", "authority"),
		chromedp.SendKeys("#rf-basis", "приказ № 77"), chromedp.SendKeys("#rf-responsible", "Руководителев Р."), chromedp.Click("[data-ncalayer-sign]"))
	waitPage(t, ta, "role changed", "The role of body1 is changed", 15*time.Second)
	u, err := d.App.Auth.ByLogin(ctx, "body1")
	if err != nil || u.Role != auth.RoleAuthority {
		t.Fatalf("E31: %+v %v", u, err)
	}
	recs, _ := d.App.Signatures.Of(ctx, "user", "body1")
	grant, _ := registers.RoleGrantDocument("body1", "authority", "приказ № 77", "Руководителев Р.")
	if len(recs) != 1 || recs[0].Action != signature.ActRoleGrant {
		t.Fatalf("E31 signature: %+v", recs)
	}
	recheck(recs[0].ID, grant)
	checkShot(t, ta, "sign12-role-done-en-1280", 1280, dir, axe)
	// Who may read the Journal extract (report:read) gets the signed one.
	do(t, ta, "annual as admin", chromedp.Navigate(d.Base+"/analysis/annual/2025?lang=ru"), chromedp.WaitVisible("#sign"))
	if !strings.Contains(text(t, ta), "Подписанная выписка из Журнала учета (документ для печати с подписью внутри)") {
		t.Errorf("the signed yearly information does not offer the signed extract")
	}

	// NCALayer is gone: each page says so and opens the upload.
	fake.Close()
	for _, c := range []struct {
		ctx        context.Context
		path, want string
	}{
		{tb, "/analysis/annual/2024?lang=ru", "NCALayer не отвечает"},
		{tb, fmt.Sprintf("/analysis/reports/%d?lang=en", repB), "NCALayer does not answer"},
		{ta, "/registers/roles/change?lang=kk&login=body1&role=auditor&basis=b&responsible=r", "NCALayer жауап бермейді"},
	} {
		do(t, c.ctx, "absent "+c.path, chromedp.Navigate(d.Base+c.path), chromedp.WaitVisible("[data-ncalayer-sign]"), chromedp.Click("[data-ncalayer-sign]"))
		waitText(t, c.ctx, "absent "+c.path, c.want, 15*time.Second)
		if !strings.Contains(c.path, "roles") {
			if open, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool]("document.querySelector('.sign-fallback').open")); err != nil || !open {
				t.Errorf("%s: NCALayer absent does not open the .cms upload (%v)", c.path, err)
			}
		}
	}
	do(t, tb, "narrow", chromedp.EmulateViewport(375, 812))
	checkShot(t, tb, "sign12-report-absent-en-375", 375, dir, axe)
	sectionShot(t, tb, "sign12-report-absent-en-375", dir)
	do(t, tb, "wide", chromedp.EmulateViewport(1280, 900))

	// The upload fallback in the browser: a signature made elsewhere.
	upload := func(path, key string, doc []byte, done string) {
		t.Helper()
		f := filepath.Join(t.TempDir(), "signed.cms")
		if err := os.WriteFile(f, sigtest.Sign(t, cert, []string{p.Inter.Cert}, doc, false), 0o644); err != nil {
			t.Fatal(err)
		}
		do(t, tb, "upload "+path, chromedp.Navigate(d.Base+path), chromedp.WaitVisible("#sign"), chromedp.Click(".sign-fallback summary"),
			chromedp.SetUploadFiles(`[id="cms-`+key+`"]`, []string{f}), chromedp.Click(".sign-upload button[type=submit]"))
		waitPage(t, tb, "uploaded "+path, done, 15*time.Second)
	}
	st, _ = d.App.Analysis.Get(ctx, "annual", "2024")
	want, _ = analysis.AnnualDocument(st)
	upload("/analysis/annual/2024?lang=ru", signature.ActJournalExtract, want, "Подпись проверена и сохранена.")
	if st, _ = d.App.Analysis.Get(ctx, "annual", "2024"); st.SignatureID == 0 {
		t.Fatalf("Q44 by upload: %+v", st)
	}
	recheck(st.SignatureID, want)
	w, _ = d.App.Analysis.WrittenOf(ctx, repB)
	want, _ = analysis.ReportDocument(w)
	upload(fmt.Sprintf("/analysis/reports/%d?lang=en", repB), signature.ActAuthorityReport, want, "The signature was verified and stored.")
	if w, _ = d.App.Analysis.WrittenOf(ctx, repB); w.SignatureID == 0 {
		t.Fatalf("report by upload: %+v", w)
	}
	recheck(w.SignatureID, want)
	t.Logf("screenshots in %s", dir)
}
