package app_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
)

// Issue 9.2: wrong passwords over the API end in 429 + Retry-After (also
// for the right password), the lockout is in the audit trail, and an
// administrator's unlock lets the right password in again.
func TestLoginLockout(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("op1", auth.RoleOperator, "", "")
		login := func(pw string) reply {
			return d.req("POST", "/api/v1/login", "", map[string]any{"login": "op1", "password": pw})
		}
		var last reply
		for i := 0; i < 10 && last.Status != http.StatusTooManyRequests; i++ {
			last = login("wrong-password")
			if last.Status != http.StatusUnauthorized && last.Status != http.StatusTooManyRequests {
				t.Fatalf("wrong password %d: %s", i+1, last)
			}
		}
		r := login("password-of-op1")
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Fatalf("after repeated failures the right password: %s (Retry-After %q), want 429 with Retry-After", r, r.Header.Get("Retry-After"))
		}
		a := d.must(d.req("GET", "/api/v1/audit?object_type=throttle&object_id=login:op1", d.Admin, nil), http.StatusOK)
		if recs := a.JSON["records"].([]any); len(recs) == 0 || recs[0].(map[string]any)["action"] != "session.lockout" {
			t.Fatalf("lockout not in the audit trail: %s", a)
		}
		d.must(d.req("POST", "/api/v1/users/nobody/unlock", d.Admin, nil), http.StatusNotFound)
		d.must(d.req("POST", "/api/v1/users/op1/unlock", d.Admin, map[string]any{"address": "not-an-ip"}), http.StatusBadRequest)
		d.must(d.req("POST", "/api/v1/users/op1/unlock", d.Admin, map[string]any{"address": "127.0.0.1"}), http.StatusNoContent)
		d.must(login("password-of-op1"), http.StatusOK)
	})
}

// Issue 9.3: naming an incident is a merge; an applicant gets 403 naming
// the field, an operator may.
func TestNamingAnIncidentNeedsMerge(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		victim := d.user("victim", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		_, inc := d.register(victim, map[string]any{"bin": nil})
		other := d.user("other", auth.RoleApplicant, "990340005977", "ТОО «Бета»")
		r := d.req("POST", "/api/v1/appeals", other, appeal(map[string]any{"bin": nil, "incident_id": inc}))
		if r.Status != http.StatusForbidden || r.errField("incident_id") == "" {
			t.Fatalf("an applicant naming another organization's incident: %s, want 403 naming incident_id", r)
		}
		op := d.user("op1", auth.RoleOperator, "", "")
		if _, got := d.register(op, map[string]any{"channel": "phone", "incident_id": inc}); got != inc {
			t.Fatalf("operator's appeal attached to %d, want %d", got, inc)
		}
	})
}

// Issue 9.5: a self-service appeal's received_at is the desk's clock and its
// contact the account's; staff channels keep a stated past time and refuse
// a future one, naming the field.
func TestSelfServiceReceivedAt(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		ctx := t.Context()
		if _, err := d.App.Auth.CreateUser(ctx, audit.System, auth.NewUser{Login: "supplier", Password: "password-of-supplier",
			Role: "applicant", BIN: "123456789013", Organization: "ТОО «Альфа»", Email: "supplier@alfa.kz"}); err != nil {
			t.Fatal(err)
		}
		tok, err := d.App.Auth.CreateToken(ctx, audit.System, "supplier", "e2e")
		if err != nil {
			t.Fatal(err)
		}
		monthAgo := time.Now().AddDate(0, -1, 0).Format(time.RFC3339)
		before := time.Now().Add(-time.Second)
		n, _ := d.register(tok, map[string]any{"bin": nil, "received_at": monthAgo})
		a := d.must(d.req("GET", "/api/v1/appeals/"+n, d.Admin, nil), http.StatusOK).JSON["appeal"].(map[string]any)
		if got, _ := time.Parse(time.RFC3339Nano, a["received_at"].(string)); got.Before(before) {
			t.Fatalf("self-service appeal: received_at %v (stated %s); want the desk's time", got, monthAgo)
		}
		n, _ = d.register(tok, map[string]any{"bin": nil, "received_at": nil, "contact_email": nil, "contact_phone": nil})
		a = d.must(d.req("GET", "/api/v1/appeals/"+n, d.Admin, nil), http.StatusOK).JSON["appeal"].(map[string]any)
		if a["contact_email"] != "supplier@alfa.kz" {
			t.Fatalf("self-service appeal without a contact: %v; want the account's address", a["contact_email"])
		}
		n, _ = d.register(d.Admin, map[string]any{"channel": "letter", "received_at": monthAgo})
		a = d.must(d.req("GET", "/api/v1/appeals/"+n, d.Admin, nil), http.StatusOK).JSON["appeal"].(map[string]any)
		if got, _ := time.Parse(time.RFC3339, a["received_at"].(string)); got.Format(time.RFC3339) != mustTime(t, monthAgo).UTC().Format(time.RFC3339) {
			t.Fatalf("a letter keeps its stated received_at: got %v, want %s", a["received_at"], monthAgo)
		}
		r := d.req("POST", "/api/v1/appeals", d.Admin, appeal(map[string]any{"channel": "phone", "received_at": time.Now().Add(time.Hour).Format(time.RFC3339)}))
		if r.Status != http.StatusBadRequest || r.errField("received_at") == "" {
			t.Fatalf("a future received_at: %s", r)
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Issue 9.6: a user's email that is no address, or smuggles a header, is a
// 400 naming email.
func TestUserEmailRefused(t *testing.T) {
	d := boot(t, t.TempDir()+"/data")
	for _, bad := range []string{"not-an-email", "x@y.kz\r\nBcc: all@evil.kz", "Иван <ivan@y.kz>"} {
		r := d.req("POST", "/api/v1/users", d.Admin, map[string]any{"login": "u1", "password": "long-enough-1", "role": "operator", "email": bad})
		if r.Status != http.StatusBadRequest || r.errField("email") == "" {
			t.Errorf("email %q: %s, want 400 naming email", bad, r)
		}
	}
	d.must(d.req("POST", "/api/v1/users", d.Admin, map[string]any{"login": "u1", "password": "long-enough-1", "role": "operator",
		"email": "u1@desk.kz"}), http.StatusCreated)
	r := d.req("PATCH", "/api/v1/users/u1", d.Admin, map[string]any{"email": "u1@desk.kz\nBcc: all@evil.kz"})
	if r.Status != http.StatusBadRequest || r.errField("email") == "" {
		t.Errorf("changing the email to one with a header break: %s", r)
	}
	if r = d.must(d.req("PATCH", "/api/v1/users/u1", d.Admin, map[string]any{"email": "u1.new@desk.kz", "language": "kk"}), http.StatusOK); r.str("email") != "u1.new@desk.kz" || r.str("language") != "kk" {
		t.Errorf("change: %s", r)
	}
}

// Issue 9.7: with an https public URL the session cookie is Secure behind a
// proxy, HSTS is sent; HTML pages carry a CSP that forbids framing and a
// referrer policy; API answers are not stored; a cross-origin logout is
// refused like every other state change.
func TestCookiesAndHeaders(t *testing.T) {
	d := boot(t, t.TempDir()+"/data", func(c *config.Config) { c.PublicURL, _ = url.Parse("https://desk.example.kz") })
	rq, _ := http.NewRequest("POST", d.Base+"/api/v1/login", strings.NewReader(`{"login":"admin","password":"`+adminPassword+`"}`))
	rq.Header.Set("Content-Type", "application/json")
	resp, err := d.hc.Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "td_session" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusOK || session == nil || !session.Secure || !session.HttpOnly {
		t.Fatalf("login behind a TLS proxy: %d, cookie %+v; want a Secure HttpOnly session cookie", resp.StatusCode, session)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("Cache-Control") != "no-store" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("API headers: %v", resp.Header)
	}
	page := d.req("GET", "/status", "", nil)
	csp := page.Header.Get("Content-Security-Policy")
	if page.Status != http.StatusOK || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") ||
		page.Header.Get("Referrer-Policy") == "" {
		t.Errorf("status page headers: %d %v", page.Status, page.Header)
	}
	me := d.req("GET", "/api/v1/me", "", nil, "Cookie", "td_session="+session.Value)
	if me.Status != http.StatusOK || me.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("me with the session: %s %v", me, me.Header)
	}
	d.must(d.req("POST", "/api/v1/logout", "", nil, "Cookie", "td_session="+session.Value, "Origin", "https://evil.example"), http.StatusForbidden)
	d.must(d.req("GET", "/api/v1/me", "", nil, "Cookie", "td_session="+session.Value), http.StatusOK)
	d.must(d.req("POST", "/api/v1/logout", "", nil, "Cookie", "td_session="+session.Value, "Origin", d.Base), http.StatusNoContent)
	d.must(d.req("GET", "/api/v1/me", "", nil, "Cookie", "td_session="+session.Value), http.StatusUnauthorized)
}

// Issue 9.8: an administrator cannot suspend the last active administrator
// (409 with a message); a suspended account is reactivated and signs in.
// /metrics follows its access setting.
func TestAccounts(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		r := d.req("POST", "/api/v1/users/admin/suspend", d.Admin, map[string]any{"reason": "by mistake"})
		if r.Status != http.StatusConflict || !strings.Contains(r.errField(""), "last active administrator") {
			t.Fatalf("suspending the last administrator: %s", r)
		}
		d.user("op1", auth.RoleOperator, "", "")
		d.must(d.req("POST", "/api/v1/users/op1/suspend", d.Admin, map[string]any{"reason": "left"}), http.StatusNoContent)
		d.must(d.req("POST", "/api/v1/login", "", map[string]any{"login": "op1", "password": "password-of-op1"}), http.StatusForbidden)
		d.must(d.req("POST", "/api/v1/users/op1/reactivate", d.Admin, map[string]any{}), http.StatusBadRequest)
		d.must(d.req("POST", "/api/v1/users/op1/reactivate", d.Admin, map[string]any{"reason": "back"}), http.StatusNoContent)
		d.must(d.req("POST", "/api/v1/users/op1/reactivate", d.Admin, map[string]any{"reason": "again"}), http.StatusConflict)
		d.must(d.req("POST", "/api/v1/login", "", map[string]any{"login": "op1", "password": "password-of-op1"}), http.StatusOK)
		a := d.must(d.req("GET", "/api/v1/audit?object_type=user&object_id=op1", d.Admin, nil), http.StatusOK)
		if !strings.Contains(string(a.Raw), `"user.reactivate"`) {
			t.Fatalf("reactivation not audited: %s", a)
		}
	})
	d := boot(t, t.TempDir()+"/data", func(c *config.Config) { c.MetricsAccess, c.MetricsToken = "token", "metrics-token-0123456789" })
	d.must(d.req("GET", "/metrics", "", nil), http.StatusUnauthorized)
	d.must(d.req("GET", "/metrics", "wrong-token-0123456789", nil), http.StatusUnauthorized)
	d.must(d.req("GET", "/metrics", "metrics-token-0123456789", nil), http.StatusOK)
}

// Issue 9.1, the bounded load test: 64 concurrent wrong logins against the
// real binary at the full argon2id cost (64 MiB each) answer 401 or 429
// only, the process grows by less than 256 MB at its peak, and gives the
// memory back afterwards. Figures are logged (docs/BENCHMARKS.md).
func TestLoginMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: 64 full-cost sign-ins; skipped with -short")
	}
	p := serve(t, t.TempDir()+"/data")
	pid := p.cmd.Process.Pid
	// The administrator's password was hashed at start; let that memory go
	// back (the gate returns it once idle) before measuring.
	base := settled(t, pid)
	const n = 64
	codes := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := p.send("POST", "/api/v1/login", "", map[string]any{"login": fmt.Sprintf("guess%02d", i), "password": "wrong-password"})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				codes[-1]++
				return
			}
			codes[r.Status]++
		}()
	}
	wg.Wait()
	took := time.Since(start)
	peak := procMem(t, pid)
	if codes[http.StatusUnauthorized]+codes[http.StatusTooManyRequests] != n || codes[http.StatusUnauthorized] == 0 {
		t.Fatalf("answers %v: want only 401 and 429, some 401", codes)
	}
	growth := peak["VmHWM"] - base["VmRSS"]
	after := settled(t, pid) // the gate returns memory 200 ms after a burst
	t.Logf("64 concurrent wrong logins in %v: answers %v; RSS before %d MB, peak %d MB (growth %d MB), after %d MB",
		took.Round(time.Millisecond), codes, base["VmRSS"]>>10, peak["VmHWM"]>>10, growth>>10, after["VmRSS"]>>10)
	if growth >= 256<<10 {
		t.Fatalf("peak RSS grew by %d MB, want < 256 MB", growth>>10)
	}
	if after["VmRSS"]-base["VmRSS"] >= 64<<10 {
		t.Errorf("memory not returned: RSS %d MB after the burst, %d MB before", after["VmRSS"]>>10, base["VmRSS"]>>10)
	}
}

// settled waits (up to 10 s) until the process's RSS stops falling for
// half a second and returns it.
func settled(t *testing.T, pid int) map[string]int64 {
	t.Helper()
	m := procMem(t, pid)
	for i, still := 0, 0; i < 100 && still < 5; i++ {
		time.Sleep(100 * time.Millisecond)
		n := procMem(t, pid)
		if n["VmRSS"] < m["VmRSS"]-1024 {
			still = 0
		} else {
			still++
		}
		m = n
	}
	return m
}

// procMem reads VmRSS and VmHWM (KiB) of a process.
func procMem(t *testing.T, pid int) map[string]int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && (k == "VmRSS" || k == "VmHWM") {
			out[k], _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return out
}

// Issue 9.4, over a real SMTP conversation: a stranger's reply naming
// another organization's appeal in its subject opens an appeal of its own
// that names the first for the operator (possible_thread_of), and never
// shows in that appeal's thread; the appeal's contact, and a user of its
// organization, still thread by the subject.
func TestMailThreadingNeedsTheSender(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d, addr := bootMail(t, dsn)
		if _, err := d.App.Auth.CreateUser(t.Context(), audit.System, auth.NewUser{Login: "colleague", Password: "password-of-colleague",
			Role: "applicant", BIN: "123456789013", Email: "Colleague@Alfa.kz"}); err != nil {
			t.Fatal(err)
		}
		number, _ := d.register(d.Admin, map[string]any{"channel": "phone", "contact_email": "ivan@alfa.kz"})
		send := func(from, msgID, subject string) {
			t.Helper()
			if err := sendMail(addr, from, "support@portal.kz", eml(from, "support@portal.kz", msgID, subject, "текст")); err != nil {
				t.Fatalf("SMTP: %v", err)
			}
		}
		send("attacker@evil.kz", "x1@evil.kz", "Re: ["+number+"] token-X1")
		send("ivan@alfa.kz", "x2@alfa.kz", "Re: ["+number+"] token-X2")
		send("colleague@alfa.kz", "x3@alfa.kz", "Re: ["+number+"] token-X3")
		msgs := d.thread(number)
		if len(msgs) != 2 {
			t.Fatalf("thread of %s: %d messages, want the contact's and the colleague's: %v", number, len(msgs), msgs)
		}
		for _, m := range msgs {
			if strings.Contains(fmt.Sprint(m), "evil.kz") {
				t.Fatalf("the stranger's message is in the thread: %v", m)
			}
		}
		rows := d.emailAppeals("token-X1")
		if len(rows) != 1 {
			t.Fatalf("the stranger's message opened %d appeals, want 1", len(rows))
		}
		a := d.must(d.req("GET", "/api/v1/appeals/"+rows[0]["number"].(string), d.Admin, nil), http.StatusOK).JSON["appeal"].(map[string]any)
		if a["possible_thread_of"] != number || a["bin"] != "" {
			t.Fatalf("the stranger's appeal: %v, want possible_thread_of %s and no organization", a, number)
		}
		if n := len(d.emailAppeals("token-X2")) + len(d.emailAppeals("token-X3")); n != 0 {
			t.Fatalf("the contact's or colleague's reply opened %d appeals", n)
		}

		// Knowing a Message-ID is no credential either: the contact's own
		// message, or the desk's registration notice to the contact.
		var deskMID string
		if err := d.App.DB.R.QueryRowContext(t.Context(), "SELECT message_id FROM outbox WHERE to_address = 'ivan@alfa.kz' ORDER BY id LIMIT 1").Scan(&deskMID); err != nil {
			t.Fatalf("the desk's notice to the contact: %v", err)
		}
		for i, irt := range []string{"<x2@alfa.kz>", deskMID} {
			token := fmt.Sprintf("token-Y%d", i)
			if err := sendMail(addr, "attacker@evil.kz", "support@portal.kz", eml("attacker@evil.kz", "support@portal.kz", "", "дополнение "+token, "текст",
				"In-Reply-To: "+irt)); err != nil {
				t.Fatal(err)
			}
			rows := d.emailAppeals(token)
			if len(rows) != 1 {
				t.Fatalf("a stranger's reply to %s opened %d appeals, want 1", irt, len(rows))
			}
			a := d.must(d.req("GET", "/api/v1/appeals/"+rows[0]["number"].(string), d.Admin, nil), http.StatusOK).JSON["appeal"].(map[string]any)
			if a["possible_thread_of"] != number {
				t.Errorf("a stranger's reply to %s: possible_thread_of %v, want %s", irt, a["possible_thread_of"], number)
			}
		}
		if n := len(d.thread(number)); n != 2 {
			t.Fatalf("thread of %s after the strangers' replies: %d messages, want 2", number, n)
		}
		// The contact answering the desk's notice threads by it.
		if err := sendMail(addr, "ivan@alfa.kz", "support@portal.kz", eml("ivan@alfa.kz", "support@portal.kz", "", "ответ token-Y9", "текст",
			"In-Reply-To: "+deskMID)); err != nil {
			t.Fatal(err)
		}
		if n := len(d.thread(number)); n != 3 || len(d.emailAppeals("token-Y9")) != 0 {
			t.Fatalf("the contact's answer to the desk's notice did not thread (%d messages)", n)
		}
	})
}

// Issue 9.9: announcement and lot numbers must look like the portal's (400
// naming the field); staff see what a notice will publish before it is
// confirmed, edit the numbers (the formats apply to them too), and the page
// shows the edit once confirmed.
func TestPublicTextFromApplicants(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		for field, bad := range map[string][]string{"announcements": {"<script>alert(1)</script>"}, "lots": {"позвоните 8-701-000"}} {
			r := d.req("POST", "/api/v1/appeals", d.Admin, appeal(map[string]any{field: bad}))
			if r.Status != http.StatusBadRequest || r.errField(field) == "" {
				t.Errorf("%s %q: %s, want 400 naming the field", field, bad, r)
			}
		}
		_, inc := d.register(d.Admin, map[string]any{"announcements": []string{"1234567-1"}, "lots": []string{"1234567-ЗЦП1"}})
		path := fmt.Sprintf("/api/v1/incidents/%d/public-notice", inc)
		p := d.must(d.req("GET", path, d.Admin, nil), http.StatusOK)
		if p.JSON["published"] != false || p.str("why_not") == "" || !strings.Contains(string(p.Raw), `"1234567-ЗЦП1"`) {
			t.Fatalf("preview before confirmation: %s", p)
		}
		applicant := d.user("supplier", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		d.must(d.req("GET", path, applicant, nil), http.StatusForbidden)
		r := d.req("PUT", path, d.Admin, map[string]any{"procurements": []map[string]any{{"announcement": "javascript:x", "lots": []string{}}}})
		if r.Status != http.StatusBadRequest || r.errField("procurements") == "" {
			t.Fatalf("an edit with a bad number: %s", r)
		}
		d.must(d.req("PUT", path, d.Admin, map[string]any{"procurements": []map[string]any{{"announcement": "7654321-1", "lots": []string{}}}}), http.StatusOK)
		p = d.must(d.req("GET", path, d.Admin, nil), http.StatusOK)
		if p.JSON["edited"] != true || !strings.Contains(string(p.Raw), `"7654321-1"`) || strings.Contains(string(p.Raw), "1234567") {
			t.Fatalf("preview after the edit: %s", p)
		}
		d.must(d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/analyse", inc), d.Admin, map[string]any{}), http.StatusOK)
		d.must(d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/confirm", inc), d.Admin, map[string]any{"criticality": "high",
			"cause": "operator_staff_error", "modules": []string{"Тендеры"}}), http.StatusOK)
		if p = d.must(d.req("GET", path, d.Admin, nil), http.StatusOK); p.JSON["published"] != true {
			t.Fatalf("preview after confirmation: %s", p)
		}
		label := d.incidentNumber(inc)
		d.eventually("the confirmed failure is posted", func() bool { return d.feedItem("urn:tenderdesk:failure:"+label) != nil })
		if _, page := d.public("/status?lang=ru"); !strings.Contains(page, "7654321-1") || strings.Contains(page, "1234567") {
			t.Fatalf("the page does not show staff's numbers")
		}
	})
}
