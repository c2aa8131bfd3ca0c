package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"tenderdesk/internal/vocab"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
)

var (
	tagRe    = regexp.MustCompile(`(?s)<(/?)([!a-zA-Z0-9]+)([^>]*)>`)
	attrRe   = regexp.MustCompile(`([a-zA-Z-]+)="([^"]*)"`)
	latinRe  = regexp.MustCompile(`[A-Za-z]{2,}`)
	voidTags = map[string]bool{"!doctype": true, "input": true, "meta": true, "link": true, "br": true, "img": true, "hr": true}
	// shownAttrs are attributes people read or hear (screen readers).
	shownAttrs = map[string]bool{"aria-label": true, "title": true, "placeholder": true, "data-label": true, "alt": true}
)

// humanText is what a person reads or hears on a page in its language:
// text and labelling attributes, leaving out scripts, styles, data marked
// translate="no" (numbers, names, logins) and parts in another language
// (the language switcher).
func humanText(doc, lang string) []string {
	type open struct {
		tag  string
		skip bool
	}
	var stack []open
	skipping := func() bool { return len(stack) > 0 && stack[len(stack)-1].skip }
	var out []string
	pos := 0
	for _, m := range tagRe.FindAllStringSubmatchIndex(doc, -1) {
		if !skipping() {
			if t := strings.TrimSpace(html_unescape(doc[pos:m[0]])); t != "" {
				out = append(out, t)
			}
		}
		pos = m[1]
		closing, tag, attrs := doc[m[2]:m[3]] == "/", strings.ToLower(doc[m[4]:m[5]]), doc[m[6]:m[7]]
		if closing {
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].tag == tag {
					stack = stack[:i]
					break
				}
			}
			continue
		}
		skip := skipping() || tag == "script" || tag == "style"
		for _, a := range attrRe.FindAllStringSubmatch(attrs, -1) {
			switch {
			case a[1] == "translate" && a[2] == "no", a[1] == "lang" && a[2] != lang && tag != "html":
				skip = true
			}
		}
		if !skip {
			for _, a := range attrRe.FindAllStringSubmatch(attrs, -1) {
				if shownAttrs[a[1]] && strings.TrimSpace(a[2]) != "" {
					out = append(out, html_unescape(a[2]))
				}
			}
		}
		if !voidTags[tag] && !strings.HasSuffix(attrs, "/") {
			stack = append(stack, open{tag, skip})
		}
	}
	return out
}

func html_unescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}

// allowedLatin are Latin-script tokens a Russian or Kazakh page may show:
// the UTC offset of times (GLOSSARY E) and key names.
var allowedLatin = map[string]bool{"UTC": true, "Enter": true}

// checkPage fails on a missing translation (⟦key⟧) anywhere, and in
// Russian and Kazakh on an English word in what people read.
func checkPage(t *testing.T, name, lang, body string) {
	t.Helper()
	if i := strings.Index(body, "⟦"); i >= 0 {
		t.Errorf("%s [%s]: missing translation %s", name, lang, body[i:min(len(body), i+60)])
	}
	if lang == "en" {
		return
	}
	for _, s := range humanText(body, lang) {
		for _, w := range latinRe.FindAllString(s, -1) {
			if !allowedLatin[w] {
				t.Errorf("%s [%s]: Latin word %q in %q", name, lang, w, s)
			}
		}
	}
}

// Every console page in Russian and Kazakh (and English) with real data:
// no missing message key, and no English word in a Russian or Kazakh page.
// Bad form input comes back as the form with each bad field marked (4xx).
func TestEveryPageTranslated(t *testing.T) {
	d := boot(t, t.TempDir())
	op := d.browser()
	op.signIn("admin", adminPassword)
	// An appeal through the console's own form.
	p := op.get("/appeals/new")
	if p.Status != http.StatusOK {
		t.Fatalf("form: %d", p.Status)
	}
	p = op.post("/appeals/new", url.Values{"channel": {"phone"}, "received_at": {nowLocal(time.Now().Add(-10 * time.Minute))},
		"bin": {"123456789013"}, "organization": {"ТОО «Альфа»"}, "contact_phone": {"+7 701 000 0000"},
		"description": {"Не подписывается договор"}, "module": {"Договоры"}, "announcements": {"2026-ЗЦП-1, 2026-ЗЦП-2"}, "lots": {"Л-1"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/appeals/") {
		t.Fatalf("register: %d %s\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	number := strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/appeals/")
	a, err := d.App.Journal.Appeal(t.Context(), number)
	if err != nil {
		t.Fatal(err)
	}
	inc := fmt.Sprint(a.IncidentID)

	// A second appeal of the same module: the form offers the open incident first.
	op.get("/appeals/new")
	second := url.Values{"channel": {"letter"}, "received_at": {nowLocal(time.Now())}, "contact_email": {"b@example.kz"},
		"description": {"Тоже не подписывается"}, "module": {"Договоры"}}
	p = op.post("/appeals/new", second)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="`+inc+`"`) {
		t.Fatalf("similar incident not offered: %d\n%s", p.Status, p.Body)
	}

	pages := []struct {
		name, path string
		code       int
	}{
		{"queue", "/", 200}, {"queue filtered", "/?state=registered&channel=phone&q=договор", 200},
		{"new appeal", "/appeals/new", 200}, {"appeal", "/appeals/" + number, 200}, {"incident", "/incidents/" + inc, 200},
		{"account", "/account", 200}, {"not found", "/no/such/page", 404}, {"no appeal", "/appeals/2026-999999", 404},
		{"bad filter", "/?state=nonsense&within=x", 400},
		{"users", "/admin/users", 200}, {"notifications", "/admin/notifications", 200},
		{"audit", "/audit?object_type=appeal&object_id=" + number, 200}, {"maintenance", "/maintenance", 200},
	}
	for _, lang := range []string{"ru", "kk", "en"} {
		for _, pg := range pages {
			sep := "?"
			if strings.Contains(pg.path, "?") {
				sep = "&"
			}
			p := op.get(pg.path + sep + "lang=" + lang)
			if p.Status != pg.code {
				t.Errorf("%s [%s]: status %d, want %d", pg.name, lang, p.Status, pg.code)
			}
			if !strings.Contains(p.Body, `<html lang="`+lang+`">`) {
				t.Errorf("%s [%s]: page not in %s", pg.name, lang, lang)
			}
			checkPage(t, pg.name, lang, p.Body)
		}
		// The bad-input form: every bad field marked, in the page's language.
		op.get("/appeals/new?lang=" + lang)
		p := op.post("/appeals/new", url.Values{"channel": {"phone"}, "received_at": {"вчера"}, "bin": {"123456789012"}, "description": {""}})
		if p.Status != http.StatusBadRequest {
			t.Errorf("bad form [%s]: status %d", lang, p.Status)
		}
		for _, f := range []string{"received_at", "bin", "description", "contact_email"} {
			if !regexp.MustCompile(`class="field bad"[^<]*\s*<label for="` + f + `"`).MatchString(p.Body) {
				t.Errorf("bad form [%s]: field %s not marked", lang, f)
			}
		}
		checkPage(t, "bad appeal form", lang, p.Body)
		// The login page, signed out.
		anon := d.browser()
		checkPage(t, "login", lang, anon.get("/login?lang="+lang).Body)
		lp := anon.post("/login", url.Values{"login": {"admin"}, "password": {"wrong-password"}})
		if lp.Status != http.StatusUnauthorized {
			t.Errorf("wrong password [%s]: %d", lang, lp.Status)
		}
		checkPage(t, "login wrong", lang, lp.Body)
	}
	// The admin forms with bad input, and the verified chain.
	for _, lang := range []string{"ru", "kk"} {
		op.get("/admin/users?lang=" + lang)
		p := op.post("/admin/users", url.Values{"login": {"Х"}, "password": {"коротко"}, "role": {"nobody"}})
		if p.Status != http.StatusBadRequest || strings.Count(p.Body, `class="field bad"`) < 3 {
			t.Errorf("bad user form [%s]: %d, %d fields marked", lang, p.Status, strings.Count(p.Body, `class="field bad"`))
		}
		checkPage(t, "bad user form", lang, p.Body)
		op.get("/maintenance?lang=" + lang)
		p = op.post("/maintenance", url.Values{"start": {nowLocal(time.Now().Add(time.Hour))}})
		if p.Status != http.StatusBadRequest {
			t.Errorf("maintenance too soon [%s]: %d", lang, p.Status)
		}
		checkPage(t, "bad maintenance form", lang, p.Body)
		op.get("/audit?lang=" + lang)
		p = op.post("/audit/verify", url.Values{})
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "✔") {
			t.Errorf("verify [%s]: %d", lang, p.Status)
		}
		checkPage(t, "audit verified", lang, p.Body)
	}
	op.get("/maintenance")
	start := time.Now().Add(5 * 24 * time.Hour)
	if p := op.post("/maintenance", url.Values{"title_ru": {"Обновление платформы"}, "start": {start.In(zone()).Format("2006-01-02T15:04")},
		"end": {start.Add(2 * time.Hour).In(zone()).Format("2006-01-02T15:04")}}); p.Status != http.StatusSeeOther {
		t.Errorf("announce maintenance: %d %s", p.Status, p.Body)
	}
	if p := op.get("/maintenance?lang=ru"); !strings.Contains(p.Body, "Обновление платформы") {
		t.Errorf("the announced works are not listed")
	} else {
		checkPage(t, "maintenance listed", "ru", p.Body)
	}
	if n := d.App.Console.Missing(); n != 0 {
		t.Errorf("%d look-ups of missing messages", n)
	}
}

// Sign-in rules of issue 10: / without a session goes to /login; the form
// signs in with the API's session cookie; wrong password and a suspended
// account say so on the form; sign-out ends the session.
func TestSignInAndOut(t *testing.T) {
	d := boot(t, t.TempDir())
	b := d.browser()
	p := b.get("/")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Fatalf("GET / signed out: %d %s", p.Status, p.Header.Get("Location"))
	}
	b.get("/login?lang=ru")
	p = b.post("/login", url.Values{"login": {"admin"}, "password": {"nope-nope-nope"}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Неверный логин или пароль") {
		t.Fatalf("wrong password: %d\n%s", p.Status, p.Body)
	}
	d.user("olga", auth.RoleOperator)
	if err := d.App.Auth.Suspend(t.Context(), audit.System, "olga", "уволена"); err != nil {
		t.Fatal(err)
	}
	p = b.post("/login", url.Values{"login": {"olga"}, "password": {"password-of-olga"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "приостановлена") {
		t.Fatalf("suspended: %d\n%s", p.Status, p.Body)
	}
	b.signIn("admin", adminPassword)
	// The console's session is the API's.
	resp, err := b.hc.Get(d.Base + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("API with the console's session: %d", resp.StatusCode)
	}
	if p := b.get("/"); p.Status != http.StatusOK {
		t.Fatalf("queue signed in: %d", p.Status)
	}
	if p := b.post("/logout", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.Status)
	}
	if p := b.get("/"); p.Status != http.StatusSeeOther {
		t.Fatalf("queue after logout: %d", p.Status)
	}
}

// HTML security of issue 10: CSP without inline scripts, never framed,
// Referrer-Policy; a form without its CSRF token or from another origin is
// refused; assets are fingerprinted and cached forever.
func TestSecurityHeadersAndCSRF(t *testing.T) {
	d := boot(t, t.TempDir())
	b := d.browser()
	p := b.get("/login")
	csp := p.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline: %q", csp)
	}
	if p.Header.Get("Referrer-Policy") == "" || p.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", p.Header)
	}
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]+</script>|\son[a-z]+="`).MatchString(p.Body) {
		t.Errorf("inline script or handler in the page")
	}
	// No token: refused.
	if p := b.post("/login", url.Values{"login": {"admin"}, "password": {adminPassword}, "csrf": {"forged"}}); p.Status != http.StatusForbidden {
		t.Errorf("forged CSRF token: %d", p.Status)
	}
	// Right token, other origin: refused.
	b.get("/login")
	tok := csrfRe.FindStringSubmatch(b.last)[1]
	req, _ := http.NewRequest("POST", d.Base+"/login", strings.NewReader(url.Values{"login": {"admin"}, "password": {adminPassword}, "csrf": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := b.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin form: %d", resp.StatusCode)
	}
	b.signIn("admin", adminPassword)
	css := regexp.MustCompile(`href="(/assets/[0-9a-f]{12}-app\.css)"`).FindStringSubmatch(b.get("/").Body)
	if css == nil {
		t.Fatalf("no fingerprinted stylesheet in the queue page")
	}
	a := b.get(css[1])
	if a.Status != 200 || !strings.Contains(a.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("asset: %d %q", a.Status, a.Header.Get("Cache-Control"))
	}
}

// A role sees only its actions; an action not allowed now is not offered,
// and forced, it is refused with the reason (issue 10).
func TestActionsOfferedAndRefused(t *testing.T) {
	d := boot(t, t.TempDir())
	d.user("aud", auth.RoleAuditor)
	op := d.browser()
	op.signIn("admin", adminPassword)
	op.get("/appeals/new")
	p := op.post("/appeals/new", url.Values{"channel": {"phone"}, "received_at": {nowLocal(time.Now())}, "contact_phone": {"+7 701 000 0000"},
		"description": {"Не открывается портал"}})
	number := strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/appeals/")
	a, err := d.App.Journal.Appeal(t.Context(), number)
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/incidents/%d", a.IncidentID)
	p = op.get(path + "?lang=ru")
	if !strings.Contains(p.Body, "/act/analyse") || strings.Contains(p.Body, "/act/confirm") {
		t.Fatalf("a registered incident must offer analyse and not confirm")
	}
	p = op.post(path+"/act/confirm", url.Values{"criticality": {"high"}, "cause": {"cyber_attack"}})
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "недоступно") || !strings.Contains(p.Body, vocab.Registered.Label("ru")) {
		t.Fatalf("forced confirm: %d\n%s", p.Status, p.Body)
	}
	if p := op.post(path+"/act/analyse", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("analyse: %d %s", p.Status, p.Body)
	}
	op.get(path)
	// Confirm without criticality: the form comes back with the field marked.
	p = op.post(path+"/act/confirm", url.Values{"cause": {"cyber_attack"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="field bad"><label for="c-crit"`) {
		t.Fatalf("confirm without criticality: %d\n%s", p.Status, p.Body)
	}
	p = op.post(path+"/act/confirm", url.Values{"criticality": {"medium"}, "cause": {"cyber_attack"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", p.Status, p.Body)
	}
	// Take it: audited, in "mine", out of "unassigned".
	op.get(path)
	if p := op.post(path+"/assign", url.Values{"assignee": {"me"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("take: %d %s", p.Status, p.Body)
	}
	if p := op.get("/?who=mine"); !strings.Contains(p.Body, number) {
		t.Errorf("the taken appeal is not in mine")
	}
	if p := op.get("/?who=unassigned"); strings.Contains(p.Body, number) {
		t.Errorf("the taken appeal is still unassigned")
	}
	recs, err := audit.ForObject(t.Context(), d.App.DB, "incident", fmt.Sprint(a.IncidentID))
	if err != nil || !strings.Contains(fmt.Sprint(recs), "incident.assign") {
		t.Errorf("take not audited: %v %v", err, recs)
	}
	// Handing over to an auditor is refused, naming the field.
	op.get(path + "?lang=ru")
	if p := op.post(path+"/assign", url.Values{"assignee": {"aud"}}); p.Status != http.StatusBadRequest {
		t.Errorf("hand over to an auditor: %d", p.Status)
	}
	// The auditor reads and is offered nothing; forcing is refused by role.
	aud := d.browser()
	aud.signIn("aud", "password-of-aud")
	p = aud.get(path)
	if p.Status != http.StatusOK || strings.Contains(p.Body, "/act/") || strings.Contains(p.Body, "/appeals/new") {
		t.Fatalf("auditor page offers actions: %d", p.Status)
	}
	if p := aud.post(path+"/act/start_fix", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("auditor forcing start_fix: %d", p.Status)
	}
	if p := aud.post(path+"/assign", url.Values{"assignee": {"me"}}); p.Status != http.StatusForbidden {
		t.Fatalf("auditor taking: %d", p.Status)
	}
}

// Collision (issue 10): an incident page shows who else has it open, and
// the heartbeat tells who is typing a reply.
func TestPresence(t *testing.T) {
	d := boot(t, t.TempDir())
	d.user("olga", auth.RoleOperator)
	d.user("ivan", auth.RoleOperator)
	op := d.browser()
	op.signIn("admin", adminPassword)
	op.get("/appeals/new")
	p := op.post("/appeals/new", url.Values{"channel": {"phone"}, "received_at": {nowLocal(time.Now())}, "contact_phone": {"+7 701 000 0000"},
		"description": {"Не открывается портал"}})
	a, err := d.App.Journal.Appeal(t.Context(), strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/appeals/"))
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/incidents/%d", a.IncidentID)
	olga, ivan := d.browser(), d.browser()
	olga.signIn("olga", "password-of-olga")
	ivan.signIn("ivan", "password-of-ivan")
	olga.get(path + "?lang=ru")
	p = ivan.get(path + "?lang=ru")
	if !regexp.MustCompile(`data-presence="incident:\d+"[^>]*>Сейчас открыто также у: <span translate="no">olga</span>`).MatchString(p.Body) {
		t.Fatalf("ivan's page does not say olga has it open:\n%s", p.Body)
	}
	key := fmt.Sprintf("incident:%d", a.IncidentID)
	ivan.post("/presence", url.Values{"key": {key}, "typing": {"1"}})
	olga.get(path)
	r := olga.post("/presence", url.Values{"key": {key}, "typing": {"0"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `{"login":"ivan","typing":true}`) {
		t.Fatalf("olga is not told ivan is typing: %d %s", r.Status, r.Body)
	}
}
