package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"net/url"

	"tenderdesk/internal/app"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/vocab"
)

// flakyMailer refuses every message permanently while broken (a relay that
// rejects the address), and takes them once fixed.
type flakyMailer struct {
	broken atomic.Bool
	sent   atomic.Int64
}

func (m *flakyMailer) Send(_ context.Context, _ mail.Message) error {
	if m.broken.Load() {
		return &mail.Error{Stage: "send", Code: 550, Err: errors.New("5.1.1 mailbox unavailable")}
	}
	m.sent.Add(1)
	return nil
}

// incidentFixture is a confirmed high failure of module m1 whose appeal
// named announcement ann with an e-mail, and procs procedures of that
// announcement whose bid acceptance ends inside the failure.
type incidentFixture struct {
	d      *desk
	admin  *browser
	inc    int64
	path   string // /incidents/ID
	appeal string
	ann    string
	bidsAt time.Time // the procedures' bids_end before any plan
}

func newIncidentFixture(t *testing.T, d *desk, procs int) *incidentFixture {
	t.Helper()
	f := &incidentFixture{d: d, admin: d.browser(), ann: "2026-ЗЦП-000777"}
	now := time.Now().Truncate(time.Minute)
	f.bidsAt = now.Add(-20 * time.Minute)
	var nd strings.Builder
	for i := range procs {
		fmt.Fprintf(&nd, `{"external_id":"P%d","announcement":%q,"lots":["ЛОТ-%d"],"method":"tender","customer":"990140000123","module":"m1",`+
			`"participants":[{"supplier":"123456789013","email":"alfa@example.kz","language":"ru"}],`+
			`"deadlines":[{"kind":"bids_end","lot":"ЛОТ-%d","at":%q}]}`+"\n", i+1, f.ann, i+1, i+1, f.bidsAt.Format(time.RFC3339))
	}
	if procs > 0 {
		if _, err := d.App.Procurement.Import(t.Context(), strings.NewReader(nd.String()), audit.System); err != nil {
			t.Fatal(err)
		}
	}
	f.admin.signIn("admin", adminPassword)
	f.admin.get("/appeals/new")
	p := f.admin.post("/appeals/new", url.Values{"channel": {"phone"}, "received_at": {nowLocal(now.Add(-30 * time.Minute))},
		"bin": {"123456789013"}, "organization": {"ТОО «Альфа»"}, "contact_phone": {"+7 701 000 0000"}, "contact_email": {"alfa.snab@example.kz"},
		"description": {"Не подается заявка"}, "module": {"m1"}, "announcements": {f.ann}})
	f.appeal = strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/appeals/")
	a, err := d.App.Journal.Appeal(t.Context(), f.appeal)
	if err != nil {
		t.Fatalf("register: %v %d %s", err, p.Status, p.Body)
	}
	f.inc = a.IncidentID
	f.path = fmt.Sprintf("/incidents/%d", f.inc)
	return f
}

func (f *incidentFixture) confirm(t *testing.T, crit string) {
	t.Helper()
	now := time.Now().Truncate(time.Minute)
	f.admin.get(f.path)
	if p := f.admin.post(f.path+"/act/analyse", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("analyse: %d %s", p.Status, p.Body)
	}
	f.admin.get(f.path)
	if p := f.admin.post(f.path+"/act/confirm", url.Values{"criticality": {crit}, "cause": {"operator_staff_error"},
		"failure_started_at": {nowLocal(now.Add(-time.Hour))}, "planned_fix_at": {nowLocal(now.Add(time.Hour))}, "modules": {"m1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", p.Status, p.Body)
	}
}

// poll asks until ok or n tries (a background worker's result), failing
// with what it last saw.
func poll(t *testing.T, what string, n int, ok func() (bool, string)) {
	t.Helper()
	last := ""
	for range n {
		var done bool
		if done, last = ok(); done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not reached; last: %s", what, last)
}

// The incident page lists the incident's notifications (to whom, channel,
// state, attempts, last error); a failed one has a retry button, which
// requeues it and is audited; the row then goes out. A row of another
// incident, or one not failed, cannot be retried from here.
func TestIncidentNotificationsRetry(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		m := &flakyMailer{}
		m.broken.Store(true)
		d := boot(t, dsn, bootOpt{App: func(a *app.App) {
			a.Outbox.Sender, a.Outbox.MaxAttempts, a.Outbox.Poll = m, 1, 20*time.Millisecond
		}})
		f := newIncidentFixture(t, d, 0)
		var page string
		poll(t, "the registration notice fails", 400, func() (bool, string) {
			page = f.admin.get(f.path + "?lang=ru").Body
			return strings.Contains(page, "не доставлено"), page
		})
		sec := section(t, page, "notifications")
		for _, want := range []string{"alfa.snab@example.kz", "электронная почта", "не доставлено", "5.1.1 mailbox unavailable", "/retry"} {
			if !strings.Contains(sec, want) {
				t.Errorf("notifications section lacks %q:\n%s", want, sec)
			}
		}
		checkPage(t, "incident notifications", "ru", page)
		id := regexp.MustCompile(`/notifications/(\d+)/retry`).FindStringSubmatch(sec)[1]
		// Another incident's path is refused; the relay is fixed; retry.
		if p := f.admin.post(fmt.Sprintf("/incidents/%d/notifications/%s/retry", f.inc+1000, id), url.Values{}); p.Status != http.StatusNotFound {
			t.Errorf("retry through another incident: %d", p.Status)
		}
		f.admin.get(f.path)
		m.broken.Store(false)
		p := f.admin.post(f.path+"/notifications/"+id+"/retry", url.Values{})
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Header.Get("Location"), "done=retried") {
			t.Fatalf("retry: %d %s", p.Status, p.Body)
		}
		recs, err := audit.ForObject(t.Context(), d.App.DB, "notification", id)
		if err != nil || len(recs) != 1 || recs[0].Action != "notification.retry" || recs[0].Actor != "admin" {
			t.Fatalf("retry not audited: %v %+v", err, recs)
		}
		poll(t, "the retried notice is sent", 400, func() (bool, string) {
			page = f.admin.get(f.path + "?lang=ru").Body
			sec := section(t, page, "notifications")
			return strings.Contains(sec, "отправлено") && !strings.Contains(sec, "не доставлено"), sec
		})
		if m.sent.Load() < 1 {
			t.Errorf("nothing reached the relay")
		}
		// Sent now: no retry offered, and forcing it is a conflict.
		if strings.Contains(section(t, page, "notifications"), "/notifications/"+id+"/retry") {
			t.Errorf("a sent notification offers retry")
		}
		if p := f.admin.post(f.path+"/notifications/"+id+"/retry", url.Values{}); p.Status != http.StatusConflict {
			t.Errorf("retry of a sent notification: %d", p.Status)
		}
	})
}

// section is the <section id=...> of a page.
func section(t *testing.T, page, id string) string {
	t.Helper()
	return element(t, page, "section", id)
}

// element is the <tag id=...> of a page, up to its end tag.
func element(t *testing.T, page, tag, id string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no %s %s", tag, id)
	}
	j := strings.Index(page[i:], "</"+tag+">")
	return page[i : i+j]
}

// failureCard is the card of failure number on a status page.
func failureCard(t *testing.T, page, number string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<section class="card [^"]*" id="` + regexp.QuoteMeta(number) + `">.*?</section>`).FindString(page)
	if m == "" {
		t.Fatalf("no card of %s in:\n%s", number, page)
	}
	return m
}

// The incident page previews the public notice with the status page's own
// renderer: once published, the failure's card in the preview is byte for
// byte the card /status serves, in ru, kk and en; before, the page says
// why it is not published. The preview's language does not change the
// console's.
func TestNoticePreviewIsTheStatusPage(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		f := newIncidentFixture(t, d, 0)
		p := f.admin.get(f.path + "?lang=ru")
		if sec := section(t, p.Body, "notice-preview"); !strings.Contains(sec, "пока не опубликовано") || !strings.Contains(sec, `src="`+f.path+`/notice?lang=ru"`) {
			t.Errorf("unpublished preview:\n%s", sec)
		}
		f.confirm(t, "medium")
		iv, err := d.App.Journal.Incident(t.Context(), f.inc)
		if err != nil {
			t.Fatal(err)
		}
		p = f.admin.get(f.path + "?lang=ru")
		if sec := section(t, p.Body, "notice-preview"); !strings.Contains(sec, "опубликовано на странице статуса") {
			t.Errorf("published preview:\n%s", sec)
		}
		anon := d.browser()
		for _, lang := range []string{"ru", "kk", "en"} {
			pv := f.admin.get(f.path + "/notice?lang=" + lang)
			if pv.Status != http.StatusOK || pv.Header.Get("Set-Cookie") != "" || !strings.Contains(pv.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
				t.Fatalf("preview %s: %d %v", lang, pv.Status, pv.Header)
			}
			var st page
			poll(t, "/status shows the failure", 100, func() (bool, string) {
				st = anon.get("/status?lang=" + lang)
				return strings.Contains(st.Body, `id="`+iv.Number+`"`), st.Body
			})
			if a, b := failureCard(t, pv.Body, iv.Number), failureCard(t, st.Body, iv.Number); a != b {
				t.Errorf("%s: preview differs from /status:\npreview: %s\nstatus:  %s", lang, a, b)
			}
			if !strings.Contains(pv.Body, `<html lang="`+lang+`">`) || !strings.Contains(pv.Body, f.ann) {
				t.Errorf("%s: preview not in its language or without the announcement", lang)
			}
		}
		// The console stays in Russian after looking at the Kazakh preview.
		if p := f.admin.get(f.path); !strings.Contains(p.Body, `<html lang="ru">`) {
			t.Errorf("the preview changed the console's language")
		}
	})
}

type progressJSON struct {
	Running    bool   `json:"running"`
	Done       int    `json:"done"`
	Total      int    `json:"total"`
	Procedures int    `json:"procedures"`
	Text       string `json:"text"`
}

func (b *browser) progress(t *testing.T, path string) progressJSON {
	t.Helper()
	p := b.get(path + "/apply/progress")
	var s progressJSON
	if err := json.Unmarshal([]byte(p.Body), &s); err != nil {
		t.Fatalf("progress: %d %s", p.Status, p.Body)
	}
	return s
}

// Applying a plan runs in the background: the page shows how many
// procedures are done and can be left and come back to; the result is
// shown when it ends, and the plan is listed with the rules it cites. The
// procedure look-up shows the procedure's lots, deadlines and the extension
// with its rule. An administrator reverts it with a reason (an operator
// cannot; without a reason the form says so): the deadline is back to its
// value before the plan, the revert is audited citing the rules, and the
// look-up no longer lists the extension.
func TestApplyProgressRevertAndProcedureLookup(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("olga", auth.RoleOperator)
		const procs = 5
		f := newIncidentFixture(t, d, procs)
		f.confirm(t, "high")
		release := d.App.Console.HoldApplies()
		d.App.Console.SetApplyWait(0)
		f.admin.get(f.path)
		p := f.admin.post(f.path+"/plan", url.Values{})
		hash := regexp.MustCompile(`name="plan_hash" value="([^"]+)"`).FindStringSubmatch(p.Body)
		if hash == nil {
			t.Fatalf("no plan:\n%s", p.Body)
		}
		p = f.admin.post(f.path+"/apply", url.Values{"plan_hash": {hash[1]}, "confirm": {"1"}})
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != f.path+"#apply" {
			t.Fatalf("apply: %d %s", p.Status, p.Header.Get("Location"))
		}
		// Left and come back: the page shows the running apply.
		var s progressJSON
		poll(t, "the first procedure is done", 200, func() (bool, string) {
			s = f.admin.progress(t, f.path)
			return s.Done == 1, fmt.Sprint(s)
		})
		if !s.Running || s.Total != procs {
			t.Fatalf("progress while held: %+v", s)
		}
		pg := f.admin.get(f.path + "?lang=ru").Body
		if sec := section(t, pg, "apply"); !strings.Contains(sec, fmt.Sprintf("Обработано процедур: 1 из %d", procs)) || !strings.Contains(sec, "<progress") {
			t.Errorf("running apply not shown:\n%s", sec)
		}
		checkPage(t, "incident applying", "ru", pg)
		release()
		poll(t, "the apply ends", 400, func() (bool, string) {
			s = f.admin.progress(t, f.path)
			return !s.Running, fmt.Sprint(s)
		})
		if s.Procedures != procs {
			t.Fatalf("applied: %+v", s)
		}
		plans, err := d.App.Procurement.PlansOf(t.Context(), f.inc)
		if err != nil || len(plans) != 1 || len(plans[0].Rules) == 0 {
			t.Fatalf("plans: %v %+v", err, plans)
		}
		plan := plans[0]
		cite := vocab.Cite(plan.Rules[0].Rule, "ru")
		pg = f.admin.get(f.path + "?lang=ru").Body
		if sec := section(t, pg, "apply"); !strings.Contains(sec, fmt.Sprintf("изменены сроки %d процедур", procs)) {
			t.Errorf("apply result not shown:\n%s", sec)
		}
		if sec := section(t, pg, "plans"); !strings.Contains(sec, cite) || !strings.Contains(sec, "действует") || !strings.Contains(sec, "/revert") {
			t.Errorf("plan not listed with its rule %s:\n%s", cite, sec)
		}

		// The procedure look-up: lots, the deadline in force, the extension with its rule.
		p = f.admin.get("/procedures?lang=ru&announcement=" + url.QueryEscape(f.ann))
		if p.Status != http.StatusOK || strings.Count(p.Body, `class="card proc"`) != procs {
			t.Fatalf("look-up: %d, %d procedures", p.Status, strings.Count(p.Body, `class="card proc"`))
		}
		proc, err := d.App.Procurement.Get(t.Context(), "P1")
		if err != nil || len(proc.Changes) == 0 || len(proc.Deadlines) != 1 || !proc.Deadlines[0].At.After(f.bidsAt) {
			t.Fatalf("P1 after apply: %v %+v", err, proc)
		}
		for _, want := range []string{"ЛОТ-1", "продление срока", cite, vocab.Label("ru", "bids_end"), strings.ReplaceAll(proc.Deadlines[0].At.In(zone()).Format("02.01.2006 15:04 UTC-07:00"), "+", "&#43;")} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("look-up lacks %q", want)
			}
		}
		checkPage(t, "procedure look-up", "ru", p.Body)
		if p := f.admin.get("/procedures?lang=kk&announcement="); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="field grow bad"`) {
			t.Errorf("empty look-up: %d", p.Status)
		}
		if p := f.admin.get("/procedures?lang=ru&announcement=NOPE-1"); p.Status != http.StatusOK || !strings.Contains(p.Body, "нет") {
			t.Errorf("unknown announcement: %d", p.Status)
		}

		// Revert: an operator may not; without a reason the field is marked.
		op := d.browser()
		op.signIn("olga", "password-of-olga")
		if p := op.get(f.path); strings.Contains(section(t, p.Body, "plans"), "/revert") {
			t.Errorf("an operator is offered the revert")
		}
		rv := fmt.Sprintf("%s/plans/%d/revert", f.path, plan.ID)
		if p := op.post(rv, url.Values{"reason": {"ошибка"}}); p.Status != http.StatusForbidden {
			t.Errorf("operator revert: %d", p.Status)
		}
		f.admin.get(f.path)
		p = f.admin.post(rv, url.Values{"reason": {"  "}})
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, fmt.Sprintf(`class="field bad"><label for="rv-%d"`, plan.ID)) {
			t.Fatalf("revert without reason: %d", p.Status)
		}
		p = f.admin.post(rv, url.Values{"reason": {"Сбой не затронул прием заявок"}})
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Header.Get("Location"), "done=reverted") {
			t.Fatalf("revert: %d %s", p.Status, p.Body)
		}
		proc, err = d.App.Procurement.Get(t.Context(), "P1")
		if err != nil || len(proc.Changes) != 0 || !proc.Deadlines[0].At.Equal(f.bidsAt) {
			t.Fatalf("P1 after revert: %v %+v (want bids_end %s)", err, proc, f.bidsAt)
		}
		recs, err := audit.ForObject(t.Context(), d.App.DB, "applied_plan", fmt.Sprint(plan.ID))
		if err != nil || len(recs) != 2 || recs[1].Action != "impact.revert" || !strings.Contains(string(recs[1].After), plan.Rules[0].Rule) ||
			!strings.Contains(string(recs[1].After), "Сбой не затронул") {
			t.Fatalf("revert audit: %v %+v", err, recs)
		}
		pg = f.admin.get(f.path + "?lang=ru").Body
		if sec := section(t, pg, "plans"); !strings.Contains(sec, "отменен") || !strings.Contains(sec, "Сбой не затронул") || strings.Contains(sec, "/revert") {
			t.Errorf("reverted plan:\n%s", sec)
		}
		if p := f.admin.get("/procedures?lang=ru&announcement=" + url.QueryEscape(f.ann)); strings.Contains(p.Body, "продление срока") {
			t.Errorf("the look-up still lists the reverted extension")
		}
		if p := f.admin.post(rv, url.Values{"reason": {"еще раз"}}); p.Status != http.StatusConflict {
			t.Errorf("second revert: %d", p.Status)
		}
	})
}

// The calendar month of a profile: working days, days off, holidays (Q28
// profile calendar) and administrators' overrides; adding and removing an
// override is audited and changes the calendar the clocks use.
func TestCalendarMonthOverrides(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		d.user("olga", auth.RoleOperator)
		adm := d.browser()
		adm.signIn("admin", adminPassword)
		const prof = "kz-quasi@2021"
		p := adm.get("/admin/calendar?lang=ru&profile=" + url.QueryEscape(prof) + "&month=2026-03")
		if p.Status != http.StatusOK {
			t.Fatalf("calendar: %d %s", p.Status, p.Body)
		}
		cal, err := d.App.Clocks.Profile(prof)
		if err != nil {
			t.Fatal(err)
		}
		// Every day of the month is shown with its kind as the profile's calendar has it.
		for day := 1; day <= 31; day++ {
			info := cal.Calendar().Day(calendar.D(2026, time.March, day))
			want := map[calendar.Kind]string{calendar.Workday: "рабочий", calendar.Weekend: "выходной", calendar.Holiday: "праздник",
				calendar.MovedDayOff: "перенос выходного", calendar.MovedWorkingDay: "рабочий по переносу"}[info.Kind]
			if !regexp.MustCompile(`<span class="dn">` + fmt.Sprint(day) + `</span><span class="dk">` + want + `</span>`).MatchString(p.Body) {
				t.Errorf("2026-03-%02d: not shown as %q (%s)", day, want, info.Reason())
			}
		}
		if !strings.Contains(p.Body, "праздник") {
			t.Errorf("March 2026 in Kazakhstan has holidays (8 March, Nauryz)")
		}
		checkPage(t, "calendar", "ru", p.Body)
		// The month's holidays by their official names in the page's
		// language (internal/calendar's data is in English).
		for lang, names := range map[string][]string{"ru": {"Международный женский день", "Наурыз мейрамы"}, "kk": {"Халықаралық әйелдер күні", "Наурыз мейрамы"}} {
			body := p.Body
			if lang != "ru" {
				body = adm.get("/admin/calendar?lang=" + lang + "&profile=" + url.QueryEscape(prof) + "&month=2026-03").Body
				checkPage(t, "calendar", lang, body)
			}
			for _, n := range names {
				if !strings.Contains(body, n) {
					t.Errorf("calendar in %s: no %q among the month's days", lang, n)
				}
			}
		}
		adm.get("/admin/calendar?lang=ru") // the language chosen stays with the session
		// 10 March 2026 (a Tuesday) made a day off.
		day := calendar.D(2026, time.March, 10)
		if ok, _ := cal.Calendar().IsWorkingDay(day); !ok {
			t.Fatal("fixture: 2026-03-10 should be a working day")
		}
		p = adm.post("/admin/calendar/overrides", url.Values{"profile": {prof}, "month": {"2026-03"}, "kind": {"day_off"}, "scope": {"kz"},
			"from": {"2026-03-10"}, "reason": {""}, "source": {"Постановление № 1"}})
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="field bad"><label for="o-reason"`) {
			t.Fatalf("override without a name: %d", p.Status)
		}
		p = adm.post("/admin/calendar/overrides", url.Values{"profile": {prof}, "month": {"2026-03"}, "kind": {"day_off"}, "scope": {"kz"},
			"from": {"2026-03-10"}, "reason": {"День отключения электроэнергии"}, "source": {"Постановление № 1"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("add override: %d %s", p.Status, p.Body)
		}
		cal, _ = d.App.Clocks.Profile(prof)
		if ok, _ := cal.Calendar().IsWorkingDay(day); ok {
			t.Errorf("the override did not make 2026-03-10 a day off for the clocks")
		}
		p = adm.get(p.Header.Get("Location"))
		if !strings.Contains(p.Body, `<span class="dn">10</span><span class="dk">выходной (изменение)</span><abbr class="ds" title="выходной (изменение)">вых.</abbr><span class="ov">★</span>`) ||
			!strings.Contains(p.Body, "День отключения электроэнергии") {
			t.Errorf("override not shown")
		}
		ovs, err := d.App.Clocks.Overrides(t.Context())
		if err != nil || len(ovs) != 1 {
			t.Fatalf("overrides: %v %v", err, ovs)
		}
		oid := fmt.Sprint(ovs[0].ID)
		if recs, err := audit.ForObject(t.Context(), d.App.DB, "calendar_override", oid); err != nil || len(recs) != 1 || recs[0].Action != "calendar.override.put" {
			t.Errorf("add not audited: %v %+v", err, recs)
		}
		// An operator may not; removing needs a reason.
		op := d.browser()
		op.signIn("olga", "password-of-olga")
		if p := op.get("/admin/calendar"); p.Status != http.StatusForbidden {
			t.Errorf("operator calendar: %d", p.Status)
		}
		adm.get("/admin/calendar?profile=" + url.QueryEscape(prof) + "&month=2026-03")
		if p := adm.post("/admin/calendar/overrides/"+oid+"/delete", url.Values{"profile": {prof}, "month": {"2026-03"}}); p.Status != http.StatusBadRequest ||
			!strings.Contains(p.Body, `class="field bad"><label for="rm-`+oid+`"`) {
			t.Errorf("remove without reason: %d", p.Status)
		}
		if p := adm.post("/admin/calendar/overrides/"+oid+"/delete", url.Values{"profile": {prof}, "month": {"2026-03"}, "reason": {"Ошибочно"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d %s", p.Status, p.Body)
		}
		cal, _ = d.App.Clocks.Profile(prof)
		if ok, _ := cal.Calendar().IsWorkingDay(day); !ok {
			t.Errorf("removing the override left 2026-03-10 a day off")
		}
		if recs, _ := audit.ForObject(t.Context(), d.App.DB, "calendar_override", oid); len(recs) != 2 || recs[1].Action != "calendar.override.delete" {
			t.Errorf("remove not audited: %+v", recs)
		}
		if p := adm.get("/admin/calendar?month=2026-13"); p.Status != http.StatusBadRequest {
			t.Errorf("bad month: %d", p.Status)
		}
		if p := adm.get("/admin/calendar?profile=nope"); p.Status != http.StatusNotFound {
			t.Errorf("unknown profile: %d", p.Status)
		}
	})
}

// The profile versions page lists each family's versions with their
// periods and what each changed against the previous one; recording a
// period needs its basis and is audited.
func TestProfileVersionsPage(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		adm := d.browser()
		adm.signIn("admin", adminPassword)
		p := adm.get("/admin/profiles?lang=ru")
		if p.Status != http.StatusOK {
			t.Fatalf("profiles: %d", p.Status)
		}
		v2022 := element(t, p.Body, "article", "v-kz-goszakup@2022")
		for _, want := range []string{"добавлен срок", vocab.Clock("incident_id_notice").Label("ru"), vocab.Cite("Q30", "ru"), "Изменился режим работы", "2022-01-07", "2024-12-31"} {
			if !strings.Contains(v2022, want) {
				t.Errorf("kz-goszakup@2022 lacks %q:\n%s", want, v2022)
			}
		}
		if !strings.Contains(element(t, p.Body, "article", "v-kz-goszakup@2020"), "Первая версия") {
			t.Errorf("the first version is not marked first")
		}
		checkPage(t, "profiles", "ru", p.Body)
		p = adm.post("/admin/profiles/kz-goszakup@2022/period", url.Values{"from": {"2022-01-07"}, "until": {"2024-12-31"}})
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="field bad"><label for="basis-kz-goszakup@2022"`) {
			t.Fatalf("period without basis: %d", p.Status)
		}
		p = adm.post("/admin/profiles/kz-goszakup@2022/period", url.Values{"from": {"2022-01-07"}, "until": {"2024-12-31"}, "basis": {"Письмо № 5"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("period: %d %s", p.Status, p.Body)
		}
		if s := element(t, adm.get("/admin/profiles?lang=ru").Body, "article", "v-kz-goszakup@2022"); !strings.Contains(s, "Письмо № 5") {
			t.Errorf("recorded period not shown:\n%s", s)
		}
		if recs, err := audit.ForObject(t.Context(), d.App.DB, "profile", "kz-goszakup@2022"); err != nil || len(recs) != 1 {
			t.Errorf("period not audited: %v %v", err, recs)
		}
	})
}

// Every page of console-b in ru, kk and en with data: no missing message
// key and no English word in what a Russian or Kazakh reader sees.
func TestConsoleBPagesTranslated(t *testing.T) {
	m := &flakyMailer{}
	m.broken.Store(true)
	d := boot(t, t.TempDir(), bootOpt{App: func(a *app.App) { a.Outbox.Sender, a.Outbox.MaxAttempts, a.Outbox.Poll = m, 1, 20*time.Millisecond }})
	f := newIncidentFixture(t, d, 2)
	f.confirm(t, "high")
	d.App.Console.SetApplyWait(0)
	f.admin.get(f.path)
	p := f.admin.post(f.path+"/plan", url.Values{})
	hash := regexp.MustCompile(`name="plan_hash" value="([^"]+)"`).FindStringSubmatch(p.Body)[1]
	f.admin.post(f.path+"/apply", url.Values{"plan_hash": {hash}, "confirm": {"1"}})
	poll(t, "the apply ends", 400, func() (bool, string) { s := f.admin.progress(t, f.path); return !s.Running, fmt.Sprint(s) })
	poll(t, "a notice fails", 400, func() (bool, string) {
		b := f.admin.get(f.path).Body
		return strings.Contains(section(t, b, "notifications"), "/retry"), b
	})
	f.admin.get("/admin/calendar")
	f.admin.post("/admin/calendar/overrides", url.Values{"profile": {"kz-quasi@2021"}, "month": {"2026-03"}, "kind": {"working_day"}, "scope": {"kz"},
		"from": {"2026-03-14"}, "reason": {"Рабочая суббота"}, "source": {"Постановление № 2"}})
	pages := []struct{ name, path string }{
		{"incident", f.path}, {"procedures", "/procedures?announcement=" + url.QueryEscape(f.ann)}, {"procedures empty", "/procedures"},
		{"calendar", "/admin/calendar?profile=kz-quasi@2021&month=2026-03"}, {"calendar ru profile", "/admin/calendar?profile=ru-khmao-goszakaz&month=2026-05"},
		{"profiles", "/admin/profiles"},
	}
	for _, lang := range []string{"ru", "kk", "en"} {
		for _, pg := range pages {
			sep := "?"
			if strings.Contains(pg.path, "?") {
				sep = "&"
			}
			p := f.admin.get(pg.path + sep + "lang=" + lang)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, `<html lang="`+lang+`">`) {
				t.Errorf("%s [%s]: %d", pg.name, lang, p.Status)
			}
			checkPage(t, pg.name, lang, p.Body)
		}
	}
	if n := d.App.Console.Missing(); n != 0 {
		t.Errorf("%d look-ups of missing messages", n)
	}
}
