package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// E6–E7 for accounts an administrator registers: the invitation form
// records the consents of a role, but an account the administrator creates
// on /admin/users has given none. Its first signed-in page is the consent
// form; every page and form waits until the person gives the consents of
// their role (E6's two for an applicant, E7's one for the authorized
// body's staff); what they gave is recorded with the text's version, its
// SHA-256, the language and the address, with an audit record. Staff of
// the operator give none and never see the form.
func TestConsentAtFirstSignIn_E6E7(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn, noClamd())
		admin := d.browser()
		admin.signIn("admin", adminPassword)
		for _, u := range []url.Values{
			{"login": {"dana"}, "password": {"password-of-dana"}, "role": {"applicant"}, "organization": {"ТОО «Дана»"}, "bin": {"123456789013"}, "email": {"dana@example.kz"}, "language": {"kk"}},
			{"login": {"erlan"}, "password": {"password-of-erlan"}, "role": {"authority"}, "organization": {"Комитет"}, "bin": {"120340500066"}, "email": {"erlan@gov.kz"}, "language": {"ru"}},
			{"login": {"olga"}, "password": {"password-of-olga"}, "role": {"operator"}, "language": {"ru"}},
		} {
			admin.get("/admin/users")
			if p := admin.post("/admin/users", u); p.Status != http.StatusSeeOther {
				t.Fatalf("the administrator registers %s: %d\n%s", u.Get("login"), p.Status, p.Body)
			}
		}
		dana := d.browser()
		signInTo(dana, "dana", "password-of-dana", "/consent?next=%2F")
		if p := dana.get("/cabinet/report"); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/consent?next=%2Fcabinet%2Freport" {
			t.Fatalf("E6: a page before the consents: %d %q", p.Status, p.Header.Get("Location"))
		}
		form := dana.get("/consent?next=%2Fcabinet%2Freport")
		for _, want := range []string{`value="e6_processing"`, `value="e6_truth"`, "Тіркеу кезіндегі келісімдер", "дербес деректерді"} {
			if !strings.Contains(form.Body, want) {
				t.Errorf("E6: the consent form (kk, the account's language) has %q", want)
			}
		}
		if strings.Contains(form.Body, "e7_nondisclosure") {
			t.Errorf("E7 is the authorized body's, not an applicant's")
		}
		if p := dana.post("/cabinet/report", url.Values{"description": {"не подается заявка"}}); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "келісімдерді растаңыз") {
			t.Fatalf("E6: a report before the consents: %d\n%s", p.Status, p.Body)
		}
		dana.get("/consent?next=%2Fcabinet%2Freport")
		p := dana.post("/consent", url.Values{"next": {"/cabinet/report"}, "consent": {"e6_processing"}})
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="c-e6_truth"`) || strings.Count(p.Body, `field check bad`) != 1 {
			t.Fatalf("E6: one consent of two is refused naming the other: %d\n%s", p.Status, p.Body)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM consents c JOIN users u ON u.id = c.user_id WHERE u.login = 'dana'`); n != 0 {
			t.Fatalf("E6: %d consents recorded from a refused form", n)
		}
		p = dana.post("/consent", url.Values{"next": {"/cabinet/report"}, "consent": {"e6_processing", "e6_truth"}})
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/cabinet/report" {
			t.Fatalf("E6: consents given: %d %q\n%s", p.Status, p.Header.Get("Location"), p.Body)
		}
		if p := dana.get("/cabinet/report"); p.Status != http.StatusOK {
			t.Fatalf("E6: the report form after the consents: %d", p.Status)
		}
		var rows []string
		q, err := d.App.DB.R.Query(`SELECT c.rule || ' ' || c.text_version || ' ' || c.lang || ' ' || length(c.text_sha256) || ' ' || (c.invitation_id IS NULL) || ' ' || c.client_addr
			FROM consents c JOIN users u ON u.id = c.user_id WHERE u.login = 'dana' ORDER BY c.id`)
		if err != nil {
			t.Fatal(err)
		}
		for q.Next() {
			var s string
			if err := q.Scan(&s); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, s)
		}
		q.Close()
		want := []string{"E6 e6_processing@2026-12-02 kk 64 true 127.0.0.1", "E6 e6_truth@2026-12-02 kk 64 true 127.0.0.1"}
		if strings.Join(rows, "|") != strings.Join(want, "|") && strings.Join(rows, "|") != strings.ReplaceAll(strings.Join(want, "|"), "true", "1") {
			t.Errorf("E6: recorded %q, want %q", rows, want)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.consents_given' AND object_id = 'dana'`); n != 1 {
			t.Errorf("E6: %d audit records of the consents, want 1", n)
		}
		// E7: the authorized body's user gives the non-disclosure undertaking
		erlan := d.browser()
		signInTo(erlan, "erlan", "password-of-erlan", "/consent?next=%2F")
		if p := erlan.get("/consent"); !strings.Contains(p.Body, `value="e7_nondisclosure"`) || strings.Contains(p.Body, "e6_truth") {
			t.Fatalf("E7: the authority's form:\n%s", p.Body)
		}
		if p := erlan.post("/consent", url.Values{"consent": {"e7_nondisclosure"}}); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/" {
			t.Fatalf("E7: consent given: %d %q", p.Status, p.Header.Get("Location"))
		}
		if p := erlan.get("/"); p.Status != http.StatusOK {
			t.Fatalf("E7: the authority's first page after the consent: %d", p.Status)
		}
		// the operator's staff: no consents of registration
		olga := d.browser()
		olga.signIn("olga", "password-of-olga")
		if p := olga.get("/"); p.Status != http.StatusOK {
			t.Fatalf("an operator is not asked for consents: %d %q", p.Status, p.Header.Get("Location"))
		}
		if p := olga.get("/consent?next=%2F"); p.Status != http.StatusSeeOther {
			t.Errorf("the consent form of a role that needs none goes on: %d", p.Status)
		}
	})
}

func count(t *testing.T, d *desk, q string) int {
	t.Helper()
	var n int
	if err := d.App.DB.R.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
