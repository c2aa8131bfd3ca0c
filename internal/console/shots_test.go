package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tenderdesk/internal/auth"
)

// axeSource is axe-core from npm (package.json beside it pins 4.14.1;
// .ci/run installs it with npm ci). Outside CI a missing install skips the
// accessibility half, saying so; under CI it fails.
func axeSource(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but axe-core is not installed (cd internal/console/testdata/axe && npm ci): %v", err)
		}
		t.Log("accessibility checks skipped: axe-core not installed (cd internal/console/testdata/axe && npm ci)")
		return ""
	}
	return string(b)
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// Every console page at 1280 px and 375 px in ru, kk and en: a screenshot
// (TENDERDESK_SCREENSHOTS or /tmp/shots), no horizontal overflow, and axe-core
// reports no serious or critical violation.
func TestPagesScreenshotsOverflowAccessibility(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir())
	d.user("olga", auth.RoleOperator)
	// Data to show: an appeal through the form, analysed and confirmed.
	op := d.browser()
	op.signIn("admin", adminPassword)
	op.get("/appeals/new")
	p := op.post("/appeals/new", url.Values{"channel": {"phone"}, "received_at": {nowLocal(time.Now().Add(-time.Hour))},
		"bin": {"123456789013"}, "organization": {"ТОО «Альфа Строй Снабжение Казахстан»"}, "contact_phone": {"+7 701 000 0000"},
		"contact_email": {"alfa.snab@example.kz"}, "description": {"Не подписывается договор ЭЦП: ошибка подписи при отправке"},
		"module": {"Договоры"}, "announcements": {"2026-ЗЦП-0001234567-1"}, "lots": {"ЛОТ-0001234567-0000000001"}})
	number := strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/appeals/")
	a, err := d.App.Journal.Appeal(t.Context(), number)
	if err != nil {
		t.Fatalf("register: %v %d %s", err, p.Status, p.Body)
	}
	for i := range 3 {
		op.get("/appeals/new")
		op.post("/appeals/new", url.Values{"channel": {"letter"}, "received_at": {nowLocal(time.Now().Add(-time.Duration(i) * time.Minute))},
			"contact_email": {fmt.Sprintf("user%d@example.kz", i)}, "description": {"Портал не открывается"}, "decided": {"1"}})
	}
	inc := fmt.Sprint(a.IncidentID)
	op.get("/incidents/" + inc)
	op.post("/incidents/"+inc+"/act/analyse", url.Values{})
	dir := shotsDir(t)
	pages := []struct{ name, path string }{
		{"login", "/login"}, {"queue", "/"}, {"appeal-new", "/appeals/new"}, {"appeal", "/appeals/" + number},
		{"incident", "/incidents/" + inc}, {"account", "/account"}, {"notfound", "/nope"},
		{"users", "/admin/users"}, {"notifications", "/admin/notifications"}, {"audit", "/audit"}, {"maintenance", "/maintenance"},
	}
	anon, signed := tab(t, actx), tab(t, actx)
	signInUI(t, signed, d.Base, "admin", adminPassword)
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			for _, pg := range pages {
				ctx := signed
				if pg.name == "login" {
					ctx = anon
				}
				name := fmt.Sprintf("%s-%s-%d", pg.name, lang, w.width)
				do(t, ctx, name, chromedp.EmulateViewport(w.width, w.height), chromedp.Navigate(d.Base+pg.path+"?lang="+lang),
					chromedp.WaitReady("main"))
				checkShot(t, ctx, name, w.width, dir, axe)
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}

// checkShot is what every page gets at one width and language: no wider
// than the screen, a screenshot in dir, and (with axe) no serious or
// critical accessibility violation.
func checkShot(t *testing.T, ctx context.Context, name string, width int64, dir, axe string) {
	t.Helper()
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[int64]("document.documentElement.scrollWidth - document.documentElement.clientWidth"))
	if err != nil {
		t.Fatal(err)
	}
	if overflow > 0 {
		t.Errorf("%s: the page is %d px wider than the %d px screen", name, overflow, width)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if axe == "" {
		return
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](axe+`;axe.run(document,{resultTypes:["violations"]}).then(r=>JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe: %v", name, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: axe %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes[0].Target)
		}
	}
}
