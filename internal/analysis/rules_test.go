package analysis

import (
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/vocab"
)

var almaty = mustZone("Asia/Almaty")

func mustZone(n string) *time.Location {
	l, err := time.LoadLocation(n)
	if err != nil {
		panic(err)
	}
	return l
}

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, almaty)
}
func ptr[T any](v T) *T { return &v }

func quasi(t *testing.T) *regulation.Profile {
	t.Helper()
	p, ok := regulation.Default().Get("kz-quasi@2021")
	if !ok {
		t.Fatal("no kz-quasi@2021")
	}
	return p
}

// Q43: the morning of a working day covers every day since the previous
// working day; Monday's covers Friday to Sunday, the morning after a
// holiday covers the holiday; nothing before the set time; a desk that was
// down catches up from the last analysed day.
func TestQ43DueDays(t *testing.T) {
	cal := quasi(t).Calendar()
	nine := 9 * time.Hour
	days := func(ds []calendar.Date) string {
		var s []string
		for _, d := range ds {
			s = append(s, d.String())
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct {
		name string
		now  time.Time
		last calendar.Date
		want string
	}{
		{"Q43 Tuesday 09:00 covers Monday", at(2026, 12, 1, 9, 0), calendar.Date{}, "2026-11-30"},
		{"Q43 Tuesday 08:59 is still Monday's morning: Friday to Sunday", at(2026, 12, 1, 8, 59), calendar.Date{}, "2026-11-27,2026-11-28,2026-11-29"},
		{"Q43 Monday covers Friday, Saturday, Sunday", at(2026, 12, 7, 10, 0), calendar.Date{}, "2026-12-04,2026-12-05,2026-12-06"},
		{"Q43 Monday after Friday's analysis made: Saturday and Sunday left", at(2026, 12, 7, 10, 0), calendar.D(2026, 12, 4), "2026-12-05,2026-12-06"},
		{"Q43 Saturday: no morning, Friday's covered Thursday", at(2026, 12, 5, 12, 0), calendar.D(2026, 12, 3), ""},
		{"Q43 the morning after Independence Day (16.12, Wednesday) covers Tuesday and the holiday", at(2026, 12, 17, 9, 30), calendar.D(2026, 12, 14), "2026-12-15,2026-12-16"},
		{"Q43 on the holiday itself nothing new", at(2026, 12, 16, 11, 0), calendar.D(2026, 12, 14), ""},
		{"Q43 catch-up after a week down", at(2026, 12, 10, 9, 0), calendar.D(2026, 12, 2), "2026-12-03,2026-12-04,2026-12-05,2026-12-06,2026-12-07,2026-12-08,2026-12-09"},
		{"Q43 all done", at(2026, 12, 10, 9, 0), calendar.D(2026, 12, 9), ""},
	} {
		if got := days(DueDays(c.now, cal, nine, c.last)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := len(DueDays(at(2026, 12, 10, 9, 0), cal, nine, calendar.D(2025, 1, 1))); got != MaxCatchUp {
		t.Errorf("Q43 catch-up is bounded to %d days, got %d", MaxCatchUp, got)
	}
	// Q44: from the first working morning of the year (2 January 2026 is a
	// day off: the 5th), the previous year is due.
	if y, ok := DueYear(at(2026, 1, 5, 9, 0), cal, nine); !ok || y != 2025 {
		t.Errorf("Q44 due year on 05.01.2026: %d %v", y, ok)
	}
	if _, ok := DueYear(at(2026, 1, 2, 12, 0), cal, nine); ok {
		t.Error("Q44: 02.01.2026 is a day off, the last morning was in 2025")
	}
}

func fixture() Facts {
	dep, indep := true, false
	f := []Failure{
		{ID: 1, Number: "TF-2026-0001", State: "fixed", Level: "medium", OperatorDependent: &dep, Cause: "Отказ  СУБД", Modules: []string{"Договоры"},
			FirstRegisteredAt: at(2026, 12, 1, 10, 0), FixedAt: ptr(at(2026, 12, 1, 16, 0))},
		{ID: 2, Number: "TF-2026-0002", State: "fixed", Level: "high", OperatorDependent: &dep, Cause: "отказ СУБД", Modules: []string{"Аукционы", "Договоры"},
			FirstRegisteredAt: at(2026, 11, 30, 20, 0), FixedAt: ptr(at(2026, 12, 1, 11, 0))},
		{ID: 3, Number: "TF-2026-0003", State: "fixing", Level: "low", OperatorDependent: &indep, Cause: "Сеть провайдера", Modules: []string{},
			FirstRegisteredAt: at(2026, 12, 1, 12, 0)},
		{ID: 4, Number: "TF-2026-0004", State: "refuted", FirstRegisteredAt: at(2026, 12, 1, 15, 0), Modules: []string{"Тендеры"}},
		{ID: 5, Number: "TF-2026-0005", State: "confirmed", Level: "medium", OperatorDependent: &dep, FirstRegisteredAt: at(2026, 11, 20, 10, 0), Modules: []string{"Тендеры"}},
		{ID: 6, Number: "TF-2026-0006", State: "analysing", FirstRegisteredAt: at(2026, 12, 2, 10, 0)}, // the next day
	}
	a := []AppealFact{
		{Number: "2026-000010", IncidentID: 1, Channel: "email", RegisteredAt: at(2026, 12, 1, 10, 0)},
		{Number: "2026-000011", IncidentID: 1, Channel: "authority", RegisteredAt: at(2026, 12, 1, 11, 0)},
		{Number: "2026-000012", IncidentID: 2, Channel: "phone", RegisteredAt: at(2026, 12, 1, 0, 0)}, // 00:00 belongs to the day
		{Number: "2026-000013", IncidentID: 3, Channel: "email", RegisteredAt: at(2026, 12, 1, 12, 0)},
		{Number: "2026-000014", IncidentID: 4, Channel: "cabinet", RegisteredAt: at(2026, 12, 1, 15, 0)},
		{Number: "2026-000009", IncidentID: 2, Channel: "email", RegisteredAt: at(2026, 11, 30, 20, 0)}, // the day before
		{Number: "2026-000015", IncidentID: 6, Channel: "email", RegisteredAt: at(2026, 12, 2, 0, 0)},   // the next day's midnight
	}
	c := []ClockFact{
		{IncidentID: 1, Clock: "resolution", Basis: "Q38", Level: "medium", State: "met", Deadline: at(2026, 12, 3, 10, 0)},
		{IncidentID: 2, Clock: "resolution", Basis: "Q38", Level: "high", State: "breached", Deadline: at(2026, 12, 1, 8, 0)},
		{IncidentID: 5, Clock: "resolution", Basis: "Q38", Level: "medium", State: "breached", Deadline: at(2026, 11, 24, 10, 0)},
		{IncidentID: 1, Clock: "analysis", Basis: "Q31", Deadline: at(2026, 12, 1, 12, 0)}, // not a fixing term
	}
	return Facts{Appeals: a, Failures: f, Clocks: c}
}

func counts(cs []Count) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		m[c.Key] = c.N
	}
	return m
}

func eqCounts(t *testing.T, name string, got []Count, want map[string]int) {
	t.Helper()
	g := counts(got)
	if len(g) != len(want) {
		t.Errorf("%s: %v, want %v", name, g, want)
		return
	}
	for k, n := range want {
		if g[k] != n {
			t.Errorf("%s: %v, want %v", name, g, want)
			return
		}
	}
	if !slices.IsSortedFunc(got, func(a, b Count) int { return b.N - a.N }) {
		t.Errorf("%s: not largest first: %v", name, got)
	}
}

// Q43: the analysis of 01.12.2026: appeals of that local day (00:00
// included, the next midnight not), by channel; the failures they report by
// level, module, cause (case and spaces folded) and kind (Q26); the fixes of
// the day against their Q38 term; the open failures, overdue first.
func TestQ43DailyAnalysis(t *testing.T) {
	now := at(2026, 12, 2, 9, 0)
	d := ComputeDaily(calendar.D(2026, 12, 1), "kz-quasi@2021", almaty, fixture(), now)
	if d.Appeals != 5 || d.Failures != 4 {
		t.Errorf("Q43 appeals %d (want 5), failures %d (want 4)", d.Appeals, d.Failures)
	}
	eqCounts(t, "Q43 by channel", d.ByChannel, map[string]int{"email": 2, "authority": 1, "phone": 1, "cabinet": 1})
	eqCounts(t, "Q43 by level", d.ByLevel, map[string]int{"medium": 1, "high": 1, "low": 1, "refuted": 1})
	eqCounts(t, "Q43 by module", d.ByModule, map[string]int{"Договоры": 2, "Аукционы": 1, "": 1, "Тендеры": 1})
	eqCounts(t, "Q43 by cause", d.ByCause, map[string]int{"отказ субд": 2, "сеть провайдера": 1, "": 1})
	eqCounts(t, "Q26 kind", d.ByKind, map[string]int{"dependent": 2, "independent": 1, "unknown": 1})
	if len(d.Fixes) != 2 || d.Fixes[0].Number != "TF-2026-0002" || d.Fixes[1].Number != "TF-2026-0001" {
		t.Fatalf("Q43 fixes of the day in time order: %+v", d.Fixes)
	}
	if f := d.Fixes[0]; f.Met == nil || *f.Met || f.Late != "3h0m0s" || f.Basis != "Q38" {
		t.Errorf("Q38 high fixed 3 h past its term: %+v", f)
	}
	if f := d.Fixes[1]; f.Met == nil || !*f.Met || f.Late != "" {
		t.Errorf("Q38 medium fixed in its term: %+v", f)
	}
	// Open when made: 3 (independent: no term), 5 (overdue since 24.11);
	// 6 was registered the next day, 4 refuted.
	if len(d.Open) != 2 || d.Open[0].Number != "TF-2026-0005" || !d.Open[0].Overdue || d.Open[1].Number != "TF-2026-0003" || d.Open[1].Deadline != nil {
		t.Errorf("Q43 open items, overdue first: %+v", d.Open)
	}
	if d.Overdue != 1 {
		t.Errorf("Q43 overdue %d, want 1", d.Overdue)
	}
	// The figures do not depend on the order of the facts.
	f := fixture()
	slices.Reverse(f.Appeals)
	slices.Reverse(f.Failures)
	if e := ComputeDaily(calendar.D(2026, 12, 1), "kz-quasi@2021", almaty, f, now); len(e.ByChannel) != len(d.ByChannel) || e.ByChannel[0] != d.ByChannel[0] || e.Open[0].Number != d.Open[0].Number || e.Fixes[0].Number != d.Fixes[0].Number {
		t.Error("Q43: the analysis depends on the order of the facts")
	}
}

// Q43: the day is the portal's local day: in Asia/Almaty before 01.03.2024
// (UTC+6) a day is 24 hours from 18:00 UTC of the day before.
func TestQ43DayWindowLocal(t *testing.T) {
	from, to := DayWindow(calendar.D(2024, 2, 29), almaty)
	if from.UTC() != time.Date(2024, 2, 28, 18, 0, 0, 0, time.UTC) || to.UTC() != time.Date(2024, 2, 29, 19, 0, 0, 0, time.UTC) {
		t.Errorf("Q43 local day of 29.02.2024 (the offset changes at its end): %v – %v", from.UTC(), to.UTC())
	}
}

// Q44: the year's failures with cause, actions, result and proposals; fixed
// in and out of term; refuted and merged ones are not failures.
func TestQ44Annual(t *testing.T) {
	f := fixture()
	f.Failures = append(f.Failures, Failure{ID: 7, Number: "TF-2025-0100", State: "fixed", Level: "low", FirstRegisteredAt: at(2025, 12, 31, 23, 0)},
		Failure{ID: 8, Number: "TF-2026-0008", State: "merged", FirstRegisteredAt: at(2026, 3, 1, 10, 0)})
	f.Failures[0].Decision, f.Failures[0].Recommendations = "Перезапуск узла", "Резервный узел"
	y := ComputeAnnual(2026, "kz-quasi@2021", almaty, f, at(2027, 1, 4, 9, 0))
	if y.Appeals != 7 || y.Failures != 5 || y.Refuted != 1 {
		t.Errorf("Q44 appeals %d (7), failures %d (5), refuted %d (1)", y.Appeals, y.Failures, y.Refuted)
	}
	if y.Fixed != 2 || y.FixedInTerm != 1 || y.FixedLate != 1 || y.NoTerm != 0 {
		t.Errorf("Q44 fixed %d in term %d late %d no term %d", y.Fixed, y.FixedInTerm, y.FixedLate, y.NoTerm)
	}
	if y.ByMonth[10].Failures != 2 || y.ByMonth[11].Failures != 3 || y.ByMonth[11].Appeals != 6 || y.ByMonth[10].Appeals != 1 {
		t.Errorf("Q44 by month: Nov %+v, Dec %+v", y.ByMonth[10], y.ByMonth[11])
	}
	if len(y.Items) != 5 || y.Items[0].Number != "TF-2026-0001" || y.Items[0].Actions != "Перезапуск узла" || y.Items[0].Proposals != "Резервный узел" || y.Items[0].Appeals != 2 {
		t.Errorf("Q44 items carry cause, actions, proposals: %+v", y.Items)
	}
	if !strings.Contains(y.Extract, "from=2026-01-01") || !strings.Contains(y.Extract, "to=2026-12-31") {
		t.Errorf("Q44 extract of the year: %s", y.Extract)
	}
	if m := (Narrative{Causes: "x", Results: " "}).Missing(); !slices.Equal(m, []string{"actions", "results", "proposals"}) {
		t.Errorf("Q44 narrative parts missing: %v", m)
	}
}

// Q36.10 (medium) and Q37.13 (high): the report carries the failure, cause,
// actions, result, extensions with counts per rule, proposals; Q37.13 is due
// 1 working day after the fix (Friday → Monday; over Independence Day); Q36.10
// sets no term; a low failure needs no report (Q35).
func TestQ36_10AndQ37_13Draft(t *testing.T) {
	p := quasi(t)
	dep := true
	f := Failure{ID: 9, Number: "TF-2026-0009", State: "fixed", Level: "high", OperatorDependent: &dep, Cause: "Отказ СУБД",
		Decision: "Переключение на резерв", Recommendations: "Дублирование", Modules: []string{"Аукционы"},
		FirstRegisteredAt: at(2026, 12, 4, 10, 0), FailureStartedAt: ptr(at(2026, 12, 4, 9, 40)), FixedAt: ptr(at(2026, 12, 4, 15, 20))}
	exts := []Extension{{Announcement: "123-1", Kind: "bid_acceptance", Rule: "Q37.4"}, {Announcement: "124-1", Kind: "auction", Rule: "Q37.7"},
		{Announcement: "125-1", Kind: "bid_acceptance", Rule: "Q37.4"}}
	r, ok := Draft(f, "Не открывается аукцион", exts, p)
	if !ok || r.Rule != "Q37.13" || r.Due == nil || !r.Due.Equal(at(2026, 12, 7, 15, 20)) {
		t.Fatalf("Q37.13 high fixed Friday 15:20 → due Monday 15:20: %+v", r)
	}
	if r.Cause != f.Cause || r.Actions != f.Decision || r.Proposals != f.Recommendations || r.Result != "fixed" || r.Summary == "" || len(r.Extensions) != 3 {
		t.Errorf("Q37.13 contents from the incident: %+v", r)
	}
	if !slices.Equal(r.PerRule, []Count{{"Q37.4", 2}, {"Q37.7", 1}}) {
		t.Errorf("Q37.13 extensions per rule: %v", r.PerRule)
	}
	f.FixedAt = ptr(at(2026, 12, 15, 17, 0))
	if r, _ := Draft(f, "", nil, p); r.Due == nil || !r.Due.Equal(at(2026, 12, 17, 17, 0)) {
		t.Errorf("Q37.13 fixed 15.12 → due 17.12 (16.12 is a holiday): %v", r.Due)
	}
	f.Level = "medium"
	if r, ok := Draft(f, "", nil, p); !ok || r.Rule != "Q36.10" || r.Due != nil || r.Extensions == nil {
		t.Errorf("Q36.10 medium: no term in the text: %+v", r)
	}
	f.Level = "low"
	if _, ok := Draft(f, "", nil, p); ok {
		t.Error("Q35: a low failure has no written report")
	}
	if _, ok := ReportRule(vocab.Low); ok {
		t.Error("Q35: low → no report rule")
	}
	f.Level, f.FixedAt = "high", nil
	if _, ok := Draft(f, "", nil, p); ok {
		t.Error("Q37.13: no report before the fix")
	}
}

// Q36.10 / Q37.13: a report is not sent without each part the rule names;
// the refusal names every missing field (a 4xx, not a 500).
func TestQ36_10ReadyToSend(t *testing.T) {
	r := Report{Rule: "Q36.10", Cause: "x", Result: "fixed"}
	err := r.ReadyToSend()
	var ae *apperr.Error
	if !asErr(err, &ae) || ae.Code != apperr.Invalid || ae.Fields["actions"] == "" || ae.Fields["proposals"] == "" || ae.Fields["cause"] != "" {
		t.Fatalf("Q36.10 missing parts: %v", err)
	}
	if !strings.Contains(ae.Fields["actions"], "Q36.10") {
		t.Errorf("the refusal cites the rule: %q", ae.Fields["actions"])
	}
	s := "  перезапуск  "
	Edit{Actions: &s, Proposals: ptr("резерв")}.Apply(&r)
	if r.Actions != "перезапуск" || r.ReadyToSend() != nil {
		t.Errorf("Q36.10 after the edit: %+v %v", r, r.ReadyToSend())
	}
}

// Q47: the authority channel is priority; the answer gives the level
// (priority), causes and the fixing term only once the failure is confirmed.
func TestQ47Answer(t *testing.T) {
	if !Priority("authority") || Priority("email") || Priority("letter") {
		t.Error("Q47: only the authorized body's appeals are priority")
	}
	dep := true
	c := &ClockFact{IncidentID: 1, Clock: "resolution", Basis: "Q38", Deadline: at(2026, 12, 3, 10, 0)}
	f := Failure{ID: 1, Number: "TF-2026-0001", State: "analysing", Cause: "ещё не известно", FirstRegisteredAt: at(2026, 12, 1, 10, 0)}
	if a := AnswerOf(f, c); a.Confirmed || a.Level != "" || a.Cause != "" || a.Deadline != nil {
		t.Errorf("Q47 before confirmation nothing is classified: %+v", a)
	}
	f.State, f.Level, f.OperatorDependent, f.Cause = "fixing", "medium", &dep, "Отказ СУБД"
	a := AnswerOf(f, c)
	if !a.Confirmed || a.Level != "medium" || a.Cause != "Отказ СУБД" || a.Basis != "Q38" || a.Deadline == nil || !a.Deadline.Equal(c.Deadline) || a.Kind != "dependent" {
		t.Errorf("Q47 confirmed: level, cause and the fixing term: %+v", a)
	}
	f.State = "refuted"
	if a := AnswerOf(f, nil); a.Confirmed {
		t.Errorf("Q47 refuted: not a failure: %+v", a)
	}
}
