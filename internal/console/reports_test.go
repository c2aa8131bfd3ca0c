package console_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
)

// Issue 13: the authorized body's report pages, in ru, kk and en: the
// forms, the compliance report with its two charts drawn by the server,
// the extract downloaded through the form; a bad date comes back as the
// form with the field marked; an operator has no reports.
func TestReportPages(t *testing.T) {
	d := boot(t, t.TempDir())
	d.user("ministry", auth.RoleAuthority)
	d.user("op", auth.RoleOperator)
	recv := time.Now().Add(-20 * time.Minute)
	if _, err := d.App.Journal.Register(context.Background(), journal.Caller{Actor: audit.System},
		journal.NewAppeal{Channel: "email", ReceivedAt: &recv, Organization: "ТОО «Әділ Құрылыс»", BIN: "123456789013",
			ContactEmail: "adil@example.kz", Description: "Өтінім берілмейді"}, ""); err != nil {
		t.Fatal(err)
	}
	body := d.browser()
	body.signIn("ministry", "password-of-ministry")
	today := time.Now().In(d.App.Cfg.Zone).Format("02.01.2006")
	for _, lang := range []string{"ru", "kk", "en"} {
		p := body.get("/reports?lang=" + lang)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `href="/reports" aria-current="page"`) {
			t.Fatalf("reports [%s]: %d", lang, p.Status)
		}
		checkPage(t, "reports", lang, p.Body)
		p = body.get("/reports/sla?from=" + today + "&to=" + today)
		if p.Status != http.StatusOK || strings.Count(p.Body, "<svg ") != 2 || !strings.Contains(p.Body, "<table") {
			t.Fatalf("compliance [%s]: %d\n%s", lang, p.Status, p.Body)
		}
		checkPage(t, "compliance", lang, p.Body)
		p = body.get("/reports/journal?from=32.13.2026&format=csv")
		if p.Status != http.StatusBadRequest || !regexp.MustCompile(`class="field bad"[^<]*\s*<label for="r-from"`).MatchString(p.Body) {
			t.Errorf("bad date [%s]: %d", lang, p.Status)
		}
		checkPage(t, "bad report form", lang, p.Body)
	}
	p := body.get("/reports/journal?format=csv&doclang=kk&from=" + today + "&to=" + today)
	if p.Status != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(p.Body, "Өтініш берген ұйымның атауы") || !strings.Contains(p.Body, "ТОО «Әділ Құрылыс»") {
		t.Fatalf("download: %d %s\n%s", p.Status, p.Header.Get("Content-Type"), p.Body)
	}
	op := d.browser()
	op.signIn("op", "password-of-op")
	if p := op.get("/reports"); p.Status != http.StatusForbidden {
		t.Errorf("an operator opened the reports: %d", p.Status)
	}
	if strings.Contains(op.get("/").Body, `href="/reports"`) {
		t.Error("an operator's menu links the reports")
	}
}
