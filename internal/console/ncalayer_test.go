package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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

// signDesk is a desk that verifies EDS signatures against a test NCA
// (root, intermediate, CRLs), with the decision and closing required to be
// signed, a specialist "sveta" whose IIN is recorded, her certificate and
// key, and one confirmed incident.
type signDesk struct {
	*desk
	pki      *sigtest.PKI
	cert     sigtest.Cert
	key      *signature.DeskKey
	incident int64
}

// sectionShot saves the sign section alone (name-section.png), to look at
// beside the full page.
func sectionShot(t *testing.T, ctx context.Context, name, dir string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot("#sign"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+"-section.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// newSignDesk boots it; ncalayer (may be nil) starts a stand-in NCALayer
// with the user's key before the desk boots and returns its URL.
func newSignDesk(t *testing.T, dsn string, ncalayer func(*signature.DeskKey) string) *signDesk {
	t.Helper()
	p := sigtest.NewPKI(t)
	userIIN := sigtest.Complete("90020230012", iin.Validate)
	c := p.Inter.Issue(sigtest.NCASubject("ПЕТРОВА", "СВЕТЛАНА", userIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	crls := []string{p.Inter.CRL(), p.Root.CRL()}
	key := p12(t, p, c)
	ncalayerURL := ""
	if ncalayer != nil {
		ncalayerURL = ncalayer(key)
	}
	d := boot(t, dsn, withClock(morning()), bootOpt{Cfg: func(cfg *config.Config) {
		cfg.Signatures.TrustDir, cfg.Signatures.CRLFiles = p.Dir, crls
		cfg.Signatures.Policy = "incident.confirm=required,incident.refute=required,incident.close=required"
		if ncalayerURL != "" {
			cfg.Signatures.NCALayerURL = ncalayerURL
		}
	}})
	d.user("sveta", auth.RoleSpecialist)
	ctx := context.Background()
	if err := d.App.Signatures.SetIIN(ctx, audit.System, "sveta", userIIN); err != nil {
		t.Fatal(err)
	}
	actor := audit.Actor{Login: "sveta", Role: "specialist"}
	recv := morning().Now().Add(-30 * time.Minute)
	reg, err := d.App.Journal.Register(ctx, journal.Caller{Actor: actor}, journal.NewAppeal{Channel: "phone", ReceivedAt: &recv,
		ContactPhone: "+7 701 000 0000", Description: "Не подписывается заявка на лот", Profile: "kz-quasi"}, "")
	if err != nil {
		t.Fatal(err)
	}
	start := recv.Add(-10 * time.Minute)
	for _, in := range []journal.TransitionInput{{Action: journal.ActAnalyse},
		{Action: journal.ActConfirm, Criticality: "medium", Cause: "operator_staff_error", FailureStartedAt: &start, Modules: []string{"Подача заявок"}}} {
		if _, err := d.App.Journal.Transition(ctx, actor, reg.IncidentID, in); err != nil {
			t.Fatal(err)
		}
	}
	return &signDesk{desk: d, pki: p, cert: c, key: key, incident: reg.IncidentID}
}

// p12 packs a certificate and its key into a PKCS#12 file as NCA issues
// them, and opens it.
func p12(t *testing.T, p *sigtest.PKI, c sigtest.Cert) *signature.DeskKey {
	dir := t.TempDir()
	sigtest.Run(t, dir, "pkcs12", "-export", "-in", c.Cert, "-inkey", c.Key, "-certfile", p.Inter.Cert, "-out", dir+"/user.p12", "-passout", "pass:123456")
	k, err := signature.LoadPKCS12(dir+"/user.p12", "123456")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Issue 12, in Chromium: the incident page's "Подписать через NCALayer"
// button, against a stand-in NCALayer (ncalayerfake) that signs with a
// PKCS#12 key. A refusal from NCALayer is shown with its text and opens
// the .cms upload; a signature is posted to POST /api/v1/signatures,
// stored, and re-verifies offline; with NCALayer gone the page says so and
// offers the upload. The sign section at 1280 and 375 px in ru, kk and en:
// screenshots (prefix ncalayer-), no overflow, axe 0 serious/critical. The
// page's CSP lets it connect to the configured NCALayer only.
func TestNCALayerSigningInBrowser_Issue12(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	var fake *ncalayerfake.Server
	sd := newSignDesk(t, t.TempDir(), func(k *signature.DeskKey) string {
		fake = ncalayerfake.New(k)
		t.Cleanup(fake.Close)
		return fake.URL
	})
	d := sd.desk
	ctx := context.Background()
	page := fmt.Sprintf("%s/incidents/%d", d.Base, sd.incident)

	b := d.browser()
	b.signIn("sveta", "password-of-sveta")
	if r := b.get(fmt.Sprintf("/incidents/%d", sd.incident)); !strings.Contains(r.Header.Get("Content-Security-Policy"), "connect-src 'self' "+fake.URL+";") {
		t.Fatalf("CSP: %q", r.Header.Get("Content-Security-Policy"))
	}
	if r := b.get("/"); strings.Contains(r.Header.Get("Content-Security-Policy"), fake.URL) {
		t.Fatalf("another page may connect to NCALayer: %q", r.Header.Get("Content-Security-Policy"))
	}

	tb := tab(t, actx)
	signInUI(t, tb, d.Base, "sveta", "password-of-sveta")
	dir := shotsDir(t)
	for _, w := range []struct{ width, height int64 }{{1280, 900}, {375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			name := fmt.Sprintf("ncalayer-sign-%s-%d", lang, w.width)
			do(t, tb, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(page+"?lang="+lang),
				chromedp.WaitVisible("[data-ncalayer-sign]"), chromedp.ScrollIntoView("#sign"))
			checkShot(t, tb, name, w.width, dir, axe)
			sectionShot(t, tb, name, dir)
		}
	}

	// NCALayer refuses (a wrong password of the key store): its text is shown.
	fake.Refuse("Неверный пароль хранилища ключей")
	do(t, tb, "refused", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(page+"?lang=ru"), chromedp.WaitVisible("[data-ncalayer-sign]"),
		chromedp.Click("[data-ncalayer-sign]"))
	waitText(t, tb, "refusal", "NCALayer отказал: Неверный пароль хранилища ключей", 10*time.Second)
	if open, err := chromedp.Run(tb, chromedp.Evaluate[bool]("document.querySelector('.sign-fallback').open")); err != nil || !open {
		t.Errorf("the refusal does not open the .cms upload: %v %v", open, err)
	}
	checkShot(t, tb, "ncalayer-refused-ru-1280", 1280, dir, axe)
	sectionShot(t, tb, "ncalayer-refused-ru-1280", dir)
	if recs, _ := d.App.Signatures.Of(ctx, "incident", fmt.Sprint(sd.incident)); len(recs) != 0 {
		t.Fatalf("a refusal stored a signature: %+v", recs)
	}

	// The user closes NCALayer's key dialog: cancelled, nothing stored.
	fake.Refuse("")
	fake.Cancel(true)
	do(t, tb, "cancel", chromedp.Navigate(page+"?lang=ru"), chromedp.WaitVisible("[data-ncalayer-sign]"), chromedp.Click("[data-ncalayer-sign]"))
	waitText(t, tb, "cancel", "Подписание отменено в NCALayer.", 10*time.Second)
	fake.Cancel(false)

	// NCALayer signs: the CMS is posted, verified and stored.
	do(t, tb, "sign", chromedp.Navigate(page+"?lang=kk"), chromedp.WaitVisible("[data-ncalayer-sign]"), chromedp.Click("[data-ncalayer-sign]"))
	waitText(t, tb, "signed", "Қолтаңба тексеріліп, сақталды: ПЕТРОВА СВЕТЛАНА", 15*time.Second)
	if shown, err := chromedp.Run(tb, chromedp.Evaluate[bool]("getComputedStyle(document.querySelector('[data-ncalayer-sign]')).display != 'none'")); err != nil || shown {
		t.Errorf("the button is still offered after signing (%v)", err)
	}
	checkShot(t, tb, "ncalayer-signed-kk-1280", 1280, dir, axe)
	sectionShot(t, tb, "ncalayer-signed-kk-1280", dir)
	recs, err := d.App.Signatures.Of(ctx, "incident", fmt.Sprint(sd.incident))
	if err != nil || len(recs) != 1 || recs[0].Action != signature.ActIncidentConfirm || recs[0].Login != "sveta" {
		t.Fatalf("stored: %+v %v", recs, err)
	}
	want, err := registers.IncidentDocument(ctx, d.App.Journal, signature.ActIncidentConfirm, sd.incident)
	if err != nil || !bytes.Equal(recs[0].Document, want) {
		t.Fatalf("the stored document is not the incident's:\n%s\n%s", recs[0].Document, want)
	}
	if _, err := d.App.Signatures.Verifier.Recheck(ctx, recs[0]); err != nil {
		t.Fatalf("the stored signature does not verify again: %v", err)
	}
	reqs := fake.Requests()
	if last := reqs[len(reqs)-1]; last.Args.Locale != "kk" || last.Args.Data != base64.StdEncoding.EncodeToString(want) ||
		last.Args.Format != "cms" || last.Args.SigningParams.Encapsulate {
		t.Errorf("NCALayer was asked %+v", last)
	}
	do(t, tb, "reload", chromedp.Navigate(page+"?lang=ru"), chromedp.WaitVisible("#sign"))
	if body := text(t, tb); !strings.Contains(body, "Подписано: ПЕТРОВА СВЕТЛАНА") {
		t.Errorf("the signature is not listed:\n%s", body)
	}

	// NCALayer is not running: the page says so and offers the upload.
	fake.Close()
	do(t, tb, "absent", chromedp.Click("[data-ncalayer-sign]"))
	waitText(t, tb, "absent", "NCALayer не отвечает", 15*time.Second)
	do(t, tb, "narrow", chromedp.EmulateViewport(375, 812))
	checkShot(t, tb, "ncalayer-absent-ru-375", 375, dir, axe)
	sectionShot(t, tb, "ncalayer-absent-ru-375", dir)
	t.Logf("screenshots in %s", dir)
}

// Issue 12, without JavaScript: the document is downloaded, signed
// elsewhere (openssl cms -sign) and the .cms uploaded on the incident
// page; a signature over another document is refused in the page's
// language, naming why; a file that is missing is named. Both backends.
func TestIncidentSignUploadFallback_Issue12(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) { signUploadFallback(t, dsn) })
}

func signUploadFallback(t *testing.T, dsn string) {
	sd := newSignDesk(t, dsn, nil)
	d := sd.desk
	b := d.browser()
	b.signIn("sveta", "password-of-sveta")
	inc := fmt.Sprintf("/incidents/%d", sd.incident)
	pg := b.get(inc + "?lang=ru")
	if !strings.Contains(pg.Body, "Подписать через NCALayer") || !strings.Contains(pg.Body, "Скачать документ для подписи") || !strings.Contains(pg.Body, `data-socket="wss://127.0.0.1:13579"`) ||
		!strings.Contains(pg.Header.Get("Content-Security-Policy"), "connect-src 'self' wss://127.0.0.1:13579;") {
		t.Fatalf("sign section or CSP missing: %s\n%s", pg.Header.Get("Content-Security-Policy"), pg.Body)
	}
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]+</script>|\son[a-z]+="`).MatchString(pg.Body) {
		t.Errorf("inline script or handler on the incident page")
	}
	doc := b.get(inc + "/sign/document?action=incident.confirm")
	if doc.Status != http.StatusOK || !strings.Contains(doc.Body, `"action":"incident.confirm"`) {
		t.Fatalf("document: %d %s", doc.Status, doc.Body)
	}
	b.get(inc + "?lang=ru")
	upload := func(cms []byte, document string) page {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		m := csrfRe.FindStringSubmatch(b.last)
		for k, v := range map[string]string{"csrf": m[1], "action": "incident.confirm", "document": document} {
			_ = mw.WriteField(k, v)
		}
		if cms != nil {
			fw, _ := mw.CreateFormFile("cms", "decision.cms")
			_, _ = io.Copy(fw, bytes.NewReader(cms))
		}
		mw.Close()
		req, _ := http.NewRequest("POST", d.Base+inc+"/sign?lang=ru", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", d.Base)
		resp, err := b.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return b.read(resp)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(doc.Body))
	if r := upload(nil, b64); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Выберите файл подписи.") {
		t.Fatalf("no file: %d", r.Status)
	}
	b.get(inc + "?lang=ru")
	other := sigtest.Sign(t, sd.cert, []string{sd.pki.Inter.Cert}, []byte(`{"action":"incident.confirm","object_id":"0"}`), true)
	if r := upload(other, b64); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "подписан другой документ.") {
		t.Fatalf("tampered: %d\n%s", r.Status, r.Body)
	}
	b.get(inc + "?lang=ru")
	good := sigtest.Sign(t, sd.cert, []string{sd.pki.Inter.Cert}, []byte(doc.Body), false)
	if r := upload(good, b64); r.Status != http.StatusSeeOther || r.Header.Get("Location") != inc+"?done=signed#sign" {
		t.Fatalf("upload: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if pg := b.get(inc + "?done=signed&lang=ru"); !strings.Contains(pg.Body, "Подпись проверена и сохранена.") || !strings.Contains(pg.Body, "ПЕТРОВА СВЕТЛАНА") {
		t.Fatalf("after upload:\n%s", pg.Body)
	}
	// The policy's hook now lets the decision stand; closing still needs its own signature.
	recs, err := d.App.Signatures.Of(context.Background(), "incident", fmt.Sprint(sd.incident))
	if err != nil || len(recs) != 1 {
		t.Fatalf("%+v %v", recs, err)
	}
}
