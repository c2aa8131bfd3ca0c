package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/app"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/files/clamdtest"
	"tenderdesk/internal/notify"
)

// fakeNow is the desk's injected clock: tests move it (business time).
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) Now() time.Time      { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeNow) Add(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }

// withClock runs the desk on clock (a working morning, so paused terms
// are business time that counts).
func withClock(clock *fakeNow) bootOpt {
	return bootOpt{Opts: []app.Option{app.WithClock(clock.Now)}}
}

// withClamd scans uploads with the real clamd of TENDERDESK_TEST_CLAMD
// (skips without it, fails under CI).
func withClamd(t *testing.T) bootOpt {
	addr := clamdtest.Addr(t)
	return bootOpt{Cfg: func(c *config.Config) { c.Clamd = addr }}
}

// portalUser adds an applicant (or customer) of an organization.
func (d *desk) portalUser(login string, role auth.Role, bin, email string) {
	d.t.Helper()
	if _, err := d.App.Auth.CreateUser(context.Background(), audit.System, auth.NewUser{Login: login, Password: "password-of-" + login,
		Role: string(role), BIN: bin, Organization: "ТОО «" + login + "»", Email: email, Language: "ru"}); err != nil {
		d.t.Fatal(err)
	}
	d.consented(login)
}

// postFiles submits a multipart form with files, as a browser without
// JavaScript does.
func (b *browser) postFiles(path string, form url.Values, files map[string][]byte) page {
	b.d.t.Helper()
	return b.postFilesAs(path, form, "file", files)
}

// postFilesAs is postFiles with the files in the form field `field`.
func (b *browser) postFilesAs(path string, form url.Values, field string, files map[string][]byte) page {
	b.d.t.Helper()
	if m := csrfRe.FindStringSubmatch(b.last); m != nil && form.Get("csrf") == "" {
		form.Set("csrf", m[1])
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for name, body := range files {
		w, _ := mw.CreateFormFile(field, name)
		_, _ = w.Write(body)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.d.Base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.d.Base)
	resp, err := b.hc.Do(req)
	if err != nil {
		b.d.t.Fatal(err)
	}
	return b.read(resp)
}

// api calls the JSON API with the browser's session cookie.
func (b *browser) api(method, path string, body any) (int, map[string]any) {
	b.d.t.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.d.Base+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", b.d.Base)
	resp, err := b.hc.Do(req)
	if err != nil {
		b.d.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func signInTo(b *browser, login, password, want string) {
	b.d.t.Helper()
	b.get("/login")
	p := b.post("/login", url.Values{"login": {login}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		b.d.t.Fatalf("sign in as %s: %d\n%s", login, p.Status, p.Body)
	}
	if p = b.get("/"); p.Status != http.StatusSeeOther || p.Header.Get("Location") != want {
		b.d.t.Fatalf("%s lands on %q (%d), want %s", login, p.Header.Get("Location"), p.Status, want)
	}
}

var (
	numberRe = regexp.MustCompile(`id="reg-number" translate="no">№ ([0-9-]+)<`)
	codeRe   = regexp.MustCompile(`class="code" translate="no">([A-Z0-9]+)<`)
)

// report files a failure through the cabinet form and returns the number
// and access code the page shows.
func report(t *testing.T, b *browser, description string, files map[string][]byte) (string, string) {
	t.Helper()
	b.get("/cabinet/report")
	p := b.postFiles("/cabinet/report", url.Values{"description": {description}, "detected_at": {"02.12.2026 09:15"},
		"module": {"Договоры"}, "announcements": {"2026-ЗЦП-1"}, "lots": {"Л-1"}, "contact_email": {"a@example.kz"}}, files)
	m, c := numberRe.FindStringSubmatch(p.Body), codeRe.FindStringSubmatch(p.Body)
	if p.Status != http.StatusCreated || m == nil || c == nil {
		t.Fatalf("report: %d\n%s", p.Status, p.Body)
	}
	return m[1], c[1]
}

// A working morning in Astana.
func morning() *fakeNow {
	t, _ := time.Parse(time.RFC3339, "2026-12-02T10:00:00+05:00")
	return &fakeNow{t: t}
}

// Nothing of another organization, ever (issue 11; Q27, R1): its appeal
// page, reply, file, notification and track answer are "not found" for
// another organization's users — the same as for what does not exist —
// and its appeals are not in their list. Both backends.
func TestCabinetNothingOfAnotherOrganization(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, withClock(morning()), bootOpt{Cfg: func(c *config.Config) { c.Clamd = "off" }})
		d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
		d.portalUser("beta", auth.RoleCustomer, "990340005977", "beta@example.kz")
		alfa, beta := d.browser(), d.browser()
		signInTo(alfa, "alfa", "password-of-alfa", "/cabinet")
		signInTo(beta, "beta", "password-of-beta", "/cabinet")
		number, code := report(t, alfa, "Не подписывается договор", map[string][]byte{"скрин.txt": []byte("снимок экрана")})
		bnum, _ := report(t, beta, "Не открывается лот", nil)
		a, err := d.App.Journal.Appeal(t.Context(), number)
		if err != nil || a.BIN != "123456789013" || a.Channel != "cabinet" || a.Organization != "ТОО «alfa»" {
			t.Fatalf("the desk fills the organization and BIN from the account: %+v %v", a, err)
		}
		if a.DetectedAt == nil || !a.DetectedAt.Equal(time.Date(2026, 12, 2, 4, 15, 0, 0, time.UTC)) {
			t.Errorf("detected_at is Astana time: %v", a.DetectedAt)
		}
		_, conv := alfa.api("GET", "/api/v1/appeals/"+number+"/conversation", nil)
		ms, _ := conv["messages"].([]any)
		if len(ms) != 1 {
			t.Fatalf("the file is attached in the thread: %v", conv)
		}
		fid := ms[0].(map[string]any)["files"].([]any)[0].(map[string]any)["id"]
		filePath := fmt.Sprintf("/api/v1/files/%v", fid)
		if p := alfa.get(filePath); p.Status != 200 || p.Body != "снимок экрана" || !strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("own file: %d %q %v", p.Status, p.Body, p.Header)
		}
		// alfa's cabinet notification (registration, E11) for the mark-read row
		items, err := notify.Cabinet(t.Context(), d.App.DB.R, userID(t, d, "alfa"), false, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		note := int64(999999)
		if len(items) > 0 {
			note = items[0].ID
		}
		for _, tc := range []struct {
			name string
			do   func(b *browser) int
			want int
		}{
			{"appeal page", func(b *browser) int { return b.get("/cabinet/appeals/" + number).Status }, 404},
			{"reply", func(b *browser) int {
				b.get("/cabinet")
				return b.post("/cabinet/appeals/"+number+"/reply", url.Values{"text": {"чужое"}}).Status
			}, 404},
			{"console appeal page", func(b *browser) int { return b.get("/appeals/" + number).Status }, 404},
			{"file", func(b *browser) int { return b.get(filePath).Status }, 404},
			{"conversation API", func(b *browser) int { s, _ := b.api("GET", "/api/v1/appeals/"+number+"/conversation", nil); return s }, 404},
			{"message API", func(b *browser) int {
				s, _ := b.api("POST", "/api/v1/appeals/"+number+"/messages", map[string]any{"text": "чужое"})
				return s
			}, 404},
			{"mark alfa's notification read", func(b *browser) int {
				b.get("/cabinet/notifications")
				return b.post(fmt.Sprintf("/cabinet/notifications/%d/read", note), url.Values{}).Status
			}, 404},
		} {
			if got := tc.do(beta); got != tc.want {
				t.Errorf("%s by another organization: %d, want %d", tc.name, got, tc.want)
			}
		}
		if p := beta.get("/cabinet"); strings.Contains(p.Body, number) || !strings.Contains(p.Body, bnum) {
			t.Errorf("beta's list: alfa's %s shown or own %s missing", number, bnum)
		}
		if p := alfa.get("/cabinet"); !strings.Contains(p.Body, number) || strings.Contains(p.Body, bnum) {
			t.Errorf("alfa's list: own %s missing or beta's %s shown", number, bnum)
		}
		// /track: the right code shows the state and nothing else; a wrong
		// code reads exactly as an unknown number (R7).
		anon := d.browser()
		ok := anon.get("/track?number=" + number + "&code=" + code)
		if ok.Status != 200 || !strings.Contains(ok.Body, "TF-") || strings.Contains(ok.Body, "Не подписывается") || strings.Contains(ok.Body, "alfa") {
			t.Errorf("track: %d\n%s", ok.Status, ok.Body)
		}
		wrong := anon.get("/track?number=" + number + "&code=WRONGCODE1")
		unknown := anon.get("/track?number=2026-999999&code=WRONGCODE1")
		strip := func(s string) string {
			return strings.ReplaceAll(strings.ReplaceAll(s, number, "N"), "2026-999999", "N")
		}
		if wrong.Status != 404 || unknown.Status != 404 || strip(csrfRe.ReplaceAllString(wrong.Body, "")) != strip(csrfRe.ReplaceAllString(unknown.Body, "")) {
			t.Errorf("track: a wrong code (%d) and an unknown number (%d) must read the same", wrong.Status, unknown.Status)
		}
		limited := 0
		for range 15 {
			if anon.get("/track?number="+number+"&code=WRONGCODE1").Status == http.StatusTooManyRequests {
				limited++
			}
		}
		if limited == 0 {
			t.Errorf("track attempts are not rate-limited")
		}
	})
}

func userID(t *testing.T, d *desk, login string) int64 {
	t.Helper()
	u, err := d.App.Auth.ByLogin(t.Context(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// Every cabinet page in ru, kk and en: no missing key, no English word in
// Russian or Kazakh; bad input marks the field (4xx).
func TestCabinetPagesTranslated(t *testing.T) {
	d := boot(t, t.TempDir(), withClock(morning()), bootOpt{Cfg: func(c *config.Config) { c.Clamd = "off" }})
	d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
	b := d.browser()
	signInTo(b, "alfa", "password-of-alfa", "/cabinet")
	number, code := report(t, b, "Не подписывается договор", map[string][]byte{"a.txt": []byte("x")})
	pages := []struct {
		name, path string
		code       int
	}{
		{"my appeals", "/cabinet", 200}, {"report", "/cabinet/report", 200}, {"appeal", "/cabinet/appeals/" + number, 200},
		{"notifications", "/cabinet/notifications", 200}, {"no appeal", "/cabinet/appeals/2026-999999", 404},
	}
	anon := d.browser()
	for _, lang := range []string{"ru", "kk", "en"} {
		for _, pg := range pages {
			p := b.get(pg.path + "?lang=" + lang)
			if p.Status != pg.code {
				t.Errorf("%s [%s]: %d, want %d", pg.name, lang, p.Status, pg.code)
			}
			checkPage(t, pg.name, lang, p.Body)
		}
		b.get("/cabinet/report?lang=" + lang)
		p := b.postFiles("/cabinet/report", url.Values{"description": {""}, "detected_at": {"вчера"}, "contact_email": {"нет"}}, nil)
		if p.Status != http.StatusBadRequest {
			t.Errorf("bad report [%s]: %d", lang, p.Status)
		}
		for _, f := range []string{"description", "detected_at", "contact_email"} {
			if !regexp.MustCompile(`class="field bad"[^<]*\s*<label for="` + f + `"`).MatchString(p.Body) {
				t.Errorf("bad report [%s]: field %s not marked", lang, f)
			}
		}
		checkPage(t, "bad report", lang, p.Body)
		b.get("/cabinet/appeals/" + number + "?lang=" + lang)
		p = b.post("/cabinet/appeals/"+number+"/reply", url.Values{"text": {"  "}})
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="field bad"`) {
			t.Errorf("empty reply [%s]: %d", lang, p.Status)
		}
		checkPage(t, "bad reply", lang, p.Body)
		for _, tr := range []struct {
			name, q string
			code    int
		}{{"track", "", 200}, {"tracked", "?number=" + number + "&code=" + code, 200}, {"track wrong", "?number=" + number + "&code=X", 404},
			{"track empty", "?number=&code=", 400}} {
			sep := "?"
			if tr.q != "" {
				sep = "&"
			}
			p := anon.get("/track" + tr.q + sep + "lang=" + lang)
			if p.Status != tr.code {
				t.Errorf("%s [%s]: %d, want %d", tr.name, lang, p.Status, tr.code)
			}
			checkPage(t, tr.name, lang, p.Body)
		}
	}
	if n := d.App.Console.Missing(); n != 0 {
		t.Errorf("%d look-ups of missing messages", n)
	}
}

// The applicant sees the failure by the public number every notice and the
// status page use ("TF-2026-0001"), not the console's internal id (issue 11).
func TestCabinetShowsFailureNumber(t *testing.T) {
	d := boot(t, t.TempDir(), withClock(morning()), bootOpt{Cfg: func(c *config.Config) { c.Clamd = "off" }})
	d.portalUser("alfa", auth.RoleApplicant, "123456789013", "alfa@example.kz")
	b := d.browser()
	signInTo(b, "alfa", "password-of-alfa", "/cabinet")
	number, _ := report(t, b, "Не подписывается договор", nil)
	a, err := d.App.Journal.Appeal(context.Background(), number)
	if err != nil || !regexp.MustCompile(`^TF-2026-\d{4}$`).MatchString(a.IncidentNumber) {
		t.Fatalf("appeal %s: incident number %q, %v", number, a.IncidentNumber, err)
	}
	for _, path := range []string{"/cabinet", "/cabinet/appeals/" + number} {
		p := b.get(path)
		if !strings.Contains(p.Body, `translate="no">`+a.IncidentNumber+`<`) {
			t.Errorf("%s does not show the failure number %s", path, a.IncidentNumber)
		}
		if strings.Contains(p.Body, "INC-") {
			t.Errorf("%s still shows the internal incident id", path)
		}
	}
}
