package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/statuspage"
)

var planHashRe = regexp.MustCompile(`name="plan_hash" value="([0-9a-f]+)"`)

// ext14c, Q41: a window's own plan is previewed before it is applied, as an
// incident's is — the row offers "preview", not "apply"; the preview lists
// what moves (P1's acceptance), from when to when, by which rule, and
// changes nothing; apply needs the confirmation and carries the previewed
// plan's hash (a stale hash is refused and nothing moves); Q41-withdraw:
// withdrawing the window while its plan stands comes back naming the plan.
func TestMaintenanceWindowPlanPreview(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		f := newIncidentFixture(t, d, 1)
		start := time.Now().Add(-30 * time.Minute).Truncate(time.Minute)
		end := start.Add(time.Hour)
		w, err := d.App.PublicNotice.Announce(t.Context(), audit.System, publicnotice.NewMaintenance{Title: statuspage.Text{"ru": "Обновление СУБД"},
			Start: &start, End: &end, Unplanned: true, Agreement: "письмо № 9"})
		if err != nil {
			t.Fatal(err)
		}
		before, err := d.App.Procurement.Get(t.Context(), "P1")
		if err != nil {
			t.Fatal(err)
		}
		pg := f.admin.get("/maintenance?lang=ru")
		if !strings.Contains(pg.Body, fmt.Sprintf(`action="/maintenance/%d/plan"`, w.ID)) || strings.Contains(pg.Body, fmt.Sprintf(`action="/maintenance/%d/apply"`, w.ID)) {
			t.Fatalf("the window's row offers apply without a preview:\n%s", pg.Body)
		}
		pv := f.admin.post(fmt.Sprintf("/maintenance/%d/plan", w.ID), url.Values{})
		if pv.Status != http.StatusOK || !strings.Contains(pv.Body, `id="plan"`) {
			t.Fatalf("preview: %d\n%s", pv.Status, pv.Body)
		}
		for _, want := range []string{"План продления по техническим и профилактическим работам", "Обновление СУБД", ">P1<", f.ann, "ЛОТ-1", ">окончание приема заявок<", ">п. 41 Правил<",
			"Применить план по этим работам", fmt.Sprintf(`action="/maintenance/%d/apply"`, w.ID), `name="confirm"`} {
			if !strings.Contains(pv.Body, want) {
				t.Errorf("the preview lacks %q", want)
			}
		}
		if strings.Contains(pv.Body, ">bids_end<") || strings.Contains(pv.Body, ">Q41<") {
			t.Error("the preview shows the deadline's or the rule's code instead of its name")
		}
		m := planHashRe.FindStringSubmatch(pv.Body)
		if m == nil {
			t.Fatal("the preview carries no plan hash")
		}
		if now, _ := d.App.Procurement.Get(t.Context(), "P1"); !now.Deadlines[0].At.Equal(before.Deadlines[0].At) {
			t.Fatal("the preview moved a deadline")
		}
		if ps, _ := d.App.Procurement.PlansOfWindow(t.Context(), w.ID); len(ps) != 0 {
			t.Fatal("the preview applied a plan")
		}
		if nc := f.admin.post(fmt.Sprintf("/maintenance/%d/apply", w.ID), url.Values{"plan_hash": {m[1]}}); nc.Status != http.StatusBadRequest ||
			!strings.Contains(nc.Body, "Отметьте подтверждение") {
			t.Fatalf("apply without the confirmation: %d", nc.Status)
		}
		f.admin.post(fmt.Sprintf("/maintenance/%d/plan", w.ID), url.Values{})
		if st := f.admin.post(fmt.Sprintf("/maintenance/%d/apply", w.ID), url.Values{"plan_hash": {"00000000000000000000000000000000"}, "confirm": {"1"}}); st.Status == http.StatusSeeOther {
			t.Fatal("a stale plan hash was applied")
		}
		if ps, _ := d.App.Procurement.PlansOfWindow(t.Context(), w.ID); len(ps) != 0 {
			t.Fatal("a stale plan hash applied a plan")
		}
		f.admin.post(fmt.Sprintf("/maintenance/%d/plan", w.ID), url.Values{})
		ap := f.admin.post(fmt.Sprintf("/maintenance/%d/apply", w.ID), url.Values{"plan_hash": {m[1]}, "confirm": {"1"}})
		if ap.Status != http.StatusSeeOther || !strings.HasPrefix(ap.Header.Get("Location"), "/maintenance?applied=") {
			t.Fatalf("apply: %d %s\n%s", ap.Status, ap.Header.Get("Location"), ap.Body)
		}
		after, _ := d.App.Procurement.Get(t.Context(), "P1")
		if !after.Deadlines[0].At.After(before.Deadlines[0].At) {
			t.Fatalf("P1 %s → %s: not moved", before.Deadlines[0].At, after.Deadlines[0].At)
		}
		ps, err := d.App.Procurement.PlansOfWindow(t.Context(), w.ID)
		if err != nil || len(ps) != 1 {
			t.Fatalf("plans %+v %v", ps, err)
		}
		f.admin.get("/maintenance")
		wd := f.admin.post(fmt.Sprintf("/maintenance/%d/withdraw", w.ID), url.Values{"reason": {"перенос"}})
		if wd.Status != http.StatusBadRequest || !strings.Contains(wd.Body, fmt.Sprintf("№ %d", ps[0].ID)) {
			t.Fatalf("withdrawing a window whose plan stands: %d\n%s", wd.Status, wd.Body)
		}
		if mw, _ := d.App.PublicNotice.MaintenanceByID(t.Context(), w.ID); mw.WithdrawnAt != nil {
			t.Fatal("the window was withdrawn with its plan in force")
		}
		if n := d.App.Console.Missing(); n != 0 {
			t.Errorf("%d look-ups of missing messages", n)
		}
	})
}

// The window plan's preview in Chromium (ext14c): keyboard — Tab reaches
// the preview button and Enter opens the preview; axe finds nothing
// serious; screenshots at 1280 and 375 px in ru, kk and en.
func TestExt14cInBrowser(t *testing.T) {
	actx := allocator(t)
	axe := axeSource(t)
	d := boot(t, t.TempDir())
	newIncidentFixture(t, d, 3)
	start := time.Now().Add(-30 * time.Minute).Truncate(time.Minute)
	end := start.Add(2 * time.Hour)
	w, err := d.App.PublicNotice.Announce(t.Context(), audit.System, publicnotice.NewMaintenance{
		Title: statuspage.Text{"ru": "Обновление СУБД", "kk": "ДҚБЖ жаңарту", "en": "Database upgrade"},
		Start: &start, End: &end, Unplanned: true, Agreement: "письмо № 9"})
	if err != nil {
		t.Fatal(err)
	}
	dir := shotsDir(t)
	adm := tab(t, actx)
	signInUI(t, adm, d.Base, "admin", adminPassword)
	btn := fmt.Sprintf("#preview-%d", w.ID)
	for _, v := range []struct {
		width, height int64
	}{{1280, 900}, {375, 812}} {
		for _, lang := range []string{"ru", "kk", "en"} {
			name := fmt.Sprintf("maintenance-preview-%s-%d", lang, v.width)
			do(t, adm, name, chromedp.EmulateViewport(v.width, v.height), chromedp.Navigate(d.Base+"/maintenance?lang="+lang),
				chromedp.WaitReady(btn), chromedp.Focus(btn), chromedp.KeyEvent(kb.Enter), chromedp.WaitReady("#plan"))
			rows, err := chromedp.Run(adm, chromedp.Evaluate[int64](`document.querySelectorAll("#plan table.plan tbody tr").length`))
			if err != nil || rows == 0 {
				t.Errorf("%s: the preview lists no moved deadline", name)
			}
			checkShot(t, adm, name, v.width, dir, axe)
		}
	}
	if n := d.App.Console.Missing(); n != 0 {
		t.Errorf("%d look-ups of missing messages", n)
	}
	t.Logf("screenshots in %s", dir)
}
