package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/intake/monitor"
)

var adminActor = audit.Actor{Login: "admin", Role: "admin"}

// intakeData gives the desk what the /intake page shows: an Alertmanager
// alert (one incident), a probe of a failing then recovered test server,
// and a log rule with matched lines.
func intakeData(t *testing.T, d *desk) {
	t.Helper()
	ctx := context.Background()
	m := d.App.Monitor
	now := time.Now().UTC()
	if err := m.Accept(ctx, []monitor.Event{{Source: monitor.SourceAlertmanager, Key: "am:f1", Module: "Аукционы", Status: monitor.Firing,
		At: now.Add(-5 * time.Minute), Title: "AuctionDown — Модуль аукционов не отвечает"}}); err != nil {
		t.Fatal(err)
	}
	var broken atomic.Bool
	broken.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	p, err := m.SaveProbe(ctx, adminActor, 0, monitor.ProbeInput{Module: "Личный кабинет", URL: srv.URL + "/health", IntervalMS: 3600000, Threshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if i == 3 {
			broken.Store(false)
		}
		if _, err := m.CheckProbe(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.AddLogRule(ctx, adminActor, monitor.NewLogRule{Module: "Подписание ЭЦП", Severity: "err", Pattern: "(?i)ncalayer"}); err != nil {
		t.Fatal(err)
	}
	g := m.Logs()
	for range 30 {
		g.Add(monitor.Line{Severity: 3, App: "portal-eds", Msg: "NCALayer: таймаут подписи"}, now)
	}
	if err := g.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// Issue 14 (the sources are visible in the console): /intake in ru, kk
// and en shows the totals per source, the sources' appeals with their
// counts and incidents, the probes with their uptime chart and the log
// rules, with no missing message and no English word in ru/kk; the
// administrator's forms refuse bad input marking the field (400) and
// add a probe and a rule; an operator sees the page without the forms.
func TestIntakePage(t *testing.T) {
	d := boot(t, t.TempDir())
	intakeData(t, d)
	admin := d.browser()
	admin.signIn("admin", adminPassword)
	for _, lang := range []string{"ru", "kk", "en"} {
		p := admin.get("/intake?lang=" + lang)
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", lang, p.Status, p.Body)
		}
		checkPage(t, "intake", lang, p.Body)
		for _, want := range []string{"Аукционы", "Личный кабинет", "Подписание ЭЦП", "<svg", `action="/intake/probes"`, ">30<"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s: no %q on the page", lang, want)
			}
		}
	}
	admin.get("/intake?lang=ru")
	p := admin.post("/intake/probes", url.Values{"module": {"Договоры"}, "url": {"ftp://portal"}, "interval": {"abc"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "field bad") {
		t.Fatalf("bad probe: %d", p.Status)
	}
	checkPage(t, "intake-bad", "ru", p.Body)
	p = admin.post("/intake/probes", url.Values{"module": {"Договоры"}, "url": {"ftp://portal"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Укажите полный адрес страницы") {
		t.Fatalf("bad url not named: %d", p.Status)
	}
	p = admin.post("/intake/probes", url.Values{"module": {"Договоры"}, "url": {"https://portal.example.kz/contracts"}, "interval": {"60"}, "threshold": {"2"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add probe: %d\n%s", p.Status, p.Body)
	}
	admin.get("/intake")
	p = admin.post("/intake/rules", url.Values{"rule_module": {"Аукционы"}, "severity": {"warning"}, "pattern": {"(["}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Шаблон не разобран") {
		t.Fatalf("bad rule: %d", p.Status)
	}
	p = admin.post("/intake/rules", url.Values{"rule_module": {"Аукционы"}, "severity": {"warning"}, "pattern": {"database is locked"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add rule: %d\n%s", p.Status, p.Body)
	}
	ps, _ := d.App.Monitor.Probes(context.Background())
	rs, _ := d.App.Monitor.LogRules(context.Background())
	if len(ps) != 2 || len(rs) != 2 {
		t.Fatalf("%d probes, %d rules", len(ps), len(rs))
	}

	d.user("olga-intake", auth.RoleOperator)
	op := d.browser()
	op.signIn("olga-intake", "password-of-olga-intake")
	p = op.get("/intake?lang=kk")
	if p.Status != http.StatusOK || strings.Contains(p.Body, `action="/intake/probes"`) {
		t.Fatalf("operator: %d, forms shown: %v", p.Status, strings.Contains(p.Body, `action="/intake/probes"`))
	}
	checkPage(t, "intake-operator", "kk", p.Body)
	if p := op.post("/intake/rules", url.Values{"rule_module": {"x"}, "severity": {"err"}, "pattern": {"x"}}); p.Status != http.StatusForbidden {
		t.Fatalf("operator adds a rule: %d", p.Status)
	}
}

// /intake in real Chromium at 1280 and 375 px in ru, kk and en: no
// horizontal overflow, axe without serious or critical violations, a
// screenshot each.
func TestIntakePageScreenshots(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir())
	intakeData(t, d)
	dir := shotsDir(t)
	signed := tab(t, actx)
	signInUI(t, signed, d.Base, "admin", adminPassword)
	for _, w := range []struct {
		width, height int64
	}{{1280, 900}, {375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			name := fmt.Sprintf("intake-%s-%d", lang, w.width)
			do(t, signed, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+"/intake?lang="+lang), chromedp.WaitReady("main"))
			checkShot(t, signed, name, w.width, dir, axe)
		}
	}
	t.Logf("screenshots in %s", dir)
}
