package calendar

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Almaty's 2024 change must not depend on the host
)

var (
	quasiHours = WeekdayHours(Span("09:00", "13:00"), Span("14:30", "18:30"))
)

func mustNew(t testing.TB, country string, h Hours) *Calendar {
	t.Helper()
	c, err := New(country, h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The weekdays off of 2024–2026 exactly as published (shared/calendars.md).
func TestKazakhstanWeekdaysOffMatchPublished(t *testing.T) {
	c := mustNew(t, "kz", quasiHours)
	want := map[int]string{
		2024: "01-01 01-02 03-08 03-21 03-22 03-25 05-01 05-07 05-08 05-09 07-08 08-30 10-25 12-16",
		2025: "01-01 01-02 01-03 01-07 03-10 03-21 03-24 03-25 05-01 05-07 05-09 06-06 07-07 09-01 10-27 12-16",
		2026: "01-01 01-02 01-07 03-09 03-23 03-24 03-25 05-01 05-07 05-11 05-27 07-06 10-26 12-16",
	}
	for y, list := range want {
		var got []string
		for _, d := range c.Days(D(y, 1, 1), D(y, 12, 31)) {
			if wd := d.Date.Weekday(); wd != time.Saturday && wd != time.Sunday && !d.Working {
				got = append(got, d.Date.String()[5:])
			}
		}
		if g := strings.Join(got, " "); g != list {
			t.Errorf("%d weekdays off:\n got %s\nwant %s", y, g, list)
		}
	}
	// weekend days worked: Sat 4 May 2024, Sun 5 Jan 2025; none in 2026
	for _, d := range []Date{D(2024, 5, 4), D(2025, 1, 5)} {
		if ok, why := c.IsWorkingDay(d); !ok || !strings.HasPrefix(why, "moved working day") {
			t.Errorf("%s: %v %q, want a moved working day", d, ok, why)
		}
	}
}

// Official totals of the Russian production calendar: 248 (2024), 247 (2025), 247 (2026).
func TestRussiaWorkingDayTotals(t *testing.T) {
	c := mustNew(t, "ru", WeekdayHours(Span("08:00", "20:00")))
	for y, want := range map[int]int{2024: 248, 2025: 247, 2026: 247} {
		n := 0
		for _, d := range c.Days(D(y, 1, 1), D(y, 12, 31)) {
			if d.Working {
				n++
			}
		}
		if n != want {
			t.Errorf("%d: %d working days, want %d", y, n, want)
		}
	}
}

func TestIsWorkingDayReasons(t *testing.T) {
	c := mustNew(t, "kz", quasiHours)
	cases := []struct {
		d    Date
		ok   bool
		why  string
		note string
	}{
		{D(2024, 3, 21), false, "holiday: Nauryz meyramy", "Nauryz"},
		{D(2024, 3, 25), false, "moved day off: Nauryz meyramy (on Sat 2024-03-23)", "law art.5 move"},
		{D(2024, 6, 16), false, "holiday: Kurban Ait (first day)", "religious holiday on a Sunday"},
		{D(2024, 6, 17), true, "working day", "religious holidays are never moved"},
		{D(2024, 1, 8), true, "working day", "Orthodox Christmas on Sun 7 Jan 2024 not moved"},
		{D(2024, 3, 16), false, "weekend", "ordinary Saturday"},
		{D(2024, 5, 4), true, "moved working day: worked for the day off on 2024-05-08", "decree"},
		{D(2020, 3, 24), false, "moved day off: Nauryz meyramy (on Sat 2020-03-21)", "derived 2020"},
		{D(2021, 12, 17), false, "holiday: Independence Day", "second day until 2021"},
		{D(2022, 12, 17), false, "weekend", "one day since 2022 (and a Saturday)"},
		{D(2023, 12, 18), false, "moved day off: Independence Day (on Sat 2023-12-16)", "derived 2023"},
		{D(2027, 3, 15), false, "holiday: Constitution Day (new constitution)", "from 2027"},
		{D(2026, 8, 31), true, "working day", "no Constitution Day in 2026"},
	}
	for _, tc := range cases {
		ok, why := c.IsWorkingDay(tc.d)
		if ok != tc.ok || why != tc.why {
			t.Errorf("%s (%s): %v %q, want %v %q", tc.d, tc.note, ok, why, tc.ok, tc.why)
		}
	}
	if info := c.Day(D(2024, 3, 26)); len(info.Intervals) != 2 || info.Intervals[1] != Span("14:30", "18:30") {
		t.Errorf("2024-03-26 intervals %v", info.Intervals)
	}
}

func TestBusinessArithmetic(t *testing.T) {
	c := mustNew(t, "kz", quasiHours)
	cases := []struct {
		name, at string
		d        time.Duration
		want     string
	}{
		{"inside morning", "2024-03-19T10:00:00+05:00", 30 * time.Minute, "2024-03-19T10:30:00+05:00"},
		{"across lunch", "2024-03-19T12:45:00+05:00", 30 * time.Minute, "2024-03-19T14:45:00+05:00"},
		{"in lunch", "2024-03-19T13:30:00+05:00", 30 * time.Minute, "2024-03-19T15:00:00+05:00"},
		{"ends at end of day, not next morning", "2024-03-19T18:00:00+05:00", 30 * time.Minute, "2024-03-19T18:30:00+05:00"},
		{"eve of Nauryz", "2024-03-20T18:10:00+05:00", 30 * time.Minute, "2024-03-26T09:10:00+05:00"},
		{"on moved working Saturday", "2024-05-04T18:00:00+05:00", time.Hour, "2024-05-06T09:30:00+05:00"},
		{"before the offset change", "2024-02-29T18:00:00+06:00", time.Hour, "2024-03-01T09:30:00+05:00"},
		{"a whole week", "2024-03-04T09:00:00+05:00", 40 * time.Hour, "2024-03-11T18:30:00+05:00"}, // 8 Mar off: Mon–Thu + Mon = 40h
		{"backwards over a weekend", "2024-03-18T09:30:00+05:00", -time.Hour, "2024-03-15T18:00:00+05:00"},
	}
	for _, tc := range cases {
		at := ts(t, tc.at)
		got := c.AddBusiness(at, tc.d)
		if g := got.Format(time.RFC3339); g != tc.want {
			t.Errorf("%s: AddBusiness(%s, %s) = %s, want %s", tc.name, tc.at, tc.d, g, tc.want)
		}
		if b := c.BusinessBetween(at, got); b != tc.d && c.IsWorkingTime(at) {
			t.Errorf("%s: BusinessBetween = %s, want %s", tc.name, b, tc.d)
		}
	}
}

func TestDayOperations(t *testing.T) {
	c := mustNew(t, "kz", quasiHours)
	eve := ts(t, "2024-03-20T16:00:00+05:00")
	if g := c.StartOfNextWorkingDay(eve).Format(time.RFC3339); g != "2024-03-26T09:00:00+05:00" {
		t.Errorf("StartOfNextWorkingDay = %s", g)
	}
	if g := c.StartOfNextWorkingDay(ts(t, "2024-03-19T07:00:00+05:00")).Format(time.RFC3339); g != "2024-03-20T09:00:00+05:00" {
		t.Errorf("StartOfNextWorkingDay(07:00) = %s, want the next date", g)
	}
	if g := c.NextWorkingMoment(ts(t, "2024-03-19T07:00:00+05:00")).Format(time.RFC3339); g != "2024-03-19T09:00:00+05:00" {
		t.Errorf("NextWorkingMoment(07:00) = %s", g)
	}
	if g := c.NextWorkingMoment(ts(t, "2024-03-19T13:10:00+05:00")).Format(time.RFC3339); g != "2024-03-19T14:30:00+05:00" {
		t.Errorf("NextWorkingMoment(lunch) = %s", g)
	}
	if g := c.AddWorkingDays(eve, 2).Format(time.RFC3339); g != "2024-03-27T16:00:00+05:00" {
		t.Errorf("AddWorkingDays(+2) = %s", g)
	}
	if g := c.AddWorkingDays(ts(t, "2024-03-26T16:00:00+05:00"), -1).Format(time.RFC3339); g != "2024-03-20T16:00:00+05:00" {
		t.Errorf("AddWorkingDays(-1) = %s", g)
	}
	// across the offset change: same wall time, new offset
	if g := c.AddWorkingDays(ts(t, "2024-02-29T10:00:00+06:00"), 1).Format(time.RFC3339); g != "2024-03-01T10:00:00+05:00" {
		t.Errorf("AddWorkingDays over 2024-03-01 = %s", g)
	}
	if g := c.EndOfWorkingDaysAfter(ts(t, "2024-05-03T11:00:00+05:00"), 3).Format(time.RFC3339); g != "2024-05-10T18:30:00+05:00" {
		t.Errorf("EndOfWorkingDaysAfter = %s (4 May worked, 7–9 May off)", g)
	}
	if g := c.AddCalendar(ts(t, "2024-02-29T20:00:00+06:00"), 12*time.Hour).Format(time.RFC3339); g != "2024-03-01T07:00:00+05:00" {
		t.Errorf("AddCalendar over the change = %s", g)
	}
}

// 2024-03-01 00:00 +06 became 2024-02-29 23:00 +05: the local hour 23:00–24:00
// of 29 Feb happened twice, so that date lasts 25 hours.
func TestOffsetChangeRepeatedHour(t *testing.T) {
	base := mustNew(t, "kz", quasiHours)
	first, second := ts(t, "2024-02-29T23:30:00+06:00"), ts(t, "2024-02-29T23:30:00+05:00")
	if second.Sub(first) != time.Hour {
		t.Fatalf("the two 23:30s are %s apart", second.Sub(first))
	}
	for _, at := range []time.Time{first, second} {
		if g := base.NextWorkingMoment(at).Format(time.RFC3339); g != "2024-03-01T09:00:00+05:00" {
			t.Errorf("NextWorkingMoment(%s) = %s", at.Format(time.RFC3339), g)
		}
	}
	// support extended to 24/7 by agreement (Q28) over the change
	c, err := base.WithOverrides(Override{Kind: OverrideHours, From: D(2024, 2, 28), To: D(2024, 3, 2), Intervals: AllDay, AllDays: true,
		Reason: "24/7 by agreement", Source: "Q28 test"})
	if err != nil {
		t.Fatal(err)
	}
	if b := c.BusinessBetween(ts(t, "2024-02-29T00:00:00+06:00"), ts(t, "2024-03-01T00:00:00+05:00")); b != 25*time.Hour {
		t.Errorf("24/7 business time of 29 Feb 2024 = %s, want 25h", b)
	}
	// one business hour after the first 23:00 is the second 23:00
	if g := c.AddBusiness(ts(t, "2024-02-29T23:00:00+06:00"), time.Hour).Format(time.RFC3339); g != "2024-02-29T23:00:00+05:00" {
		t.Errorf("AddBusiness through the repeated hour = %s", g)
	}
	// 24/7 adds business time on Saturday 2 March, but the date stays a day
	// off for terms counted in working days
	if ok, why := c.IsWorkingDay(D(2024, 3, 2)); ok || why != "weekend: (hours extended: 24/7 by agreement)" || !c.IsWorkingTime(ts(t, "2024-03-02T03:00:00+05:00")) {
		t.Errorf("Saturday 2 March under the 24/7 override: %v %q", ok, why)
	}
	if g := c.AddWorkingDays(ts(t, "2024-03-01T10:00:00+05:00"), 1).Format(time.RFC3339); g != "2024-03-04T10:00:00+05:00" {
		t.Errorf("AddWorkingDays under 24/7 = %s, want Monday", g)
	}
	if ok, _ := base.IsWorkingDay(D(2024, 3, 2)); ok {
		t.Error("WithOverrides changed the receiver")
	}
}

func TestOverrides(t *testing.T) {
	base := mustNew(t, "kz", quasiHours)
	c, err := base.WithOverrides(
		Override{Kind: OverrideDayOff, From: D(2026, 3, 26), To: D(2026, 3, 27), Reason: "decree No. 1 (test)", Source: "admin"},
		Override{Kind: OverrideWorkingDay, From: D(2026, 3, 28), Intervals: []Interval{Span("10:00", "14:00")}, Reason: "worked Saturday", Source: "admin"},
		Override{Kind: OverrideHours, From: D(2026, 3, 30), Intervals: []Interval{Span("08:00", "20:00")}, Reason: "long day", Source: "Q28 agreement"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := c.IsWorkingDay(D(2026, 3, 26)); ok || why != "day off (override): decree No. 1 (test)" {
		t.Errorf("override day off: %v %q", ok, why)
	}
	// Fri 2026-03-20 18:00 (eve of Nauryz 2026: 21–25 Mar off) + 2h: 30 min, then 26–27 off by
	// override, Sat 28 10:00–11:30
	if g := c.AddBusiness(ts(t, "2026-03-20T18:00:00+05:00"), 2*time.Hour).Format(time.RFC3339); g != "2026-03-28T11:30:00+05:00" {
		t.Errorf("with overrides: %s", g)
	}
	if g := c.AddBusiness(ts(t, "2026-03-30T19:30:00+05:00"), time.Hour).Format(time.RFC3339); g != "2026-03-31T09:30:00+05:00" {
		t.Errorf("hours override 08–20: %s", g)
	}
	if len(c.Overrides()) != 3 || len(base.Overrides()) != 0 {
		t.Error("overrides not recorded on the new calendar only")
	}
	for _, bad := range []Override{
		{Kind: OverrideHours, From: D(2026, 1, 1)},
		{Kind: OverrideDayOff, From: D(2026, 1, 2), To: D(2026, 1, 1)},
		{Kind: 9, From: D(2026, 1, 1)},
		{Kind: OverrideHours, From: D(2026, 1, 1), Intervals: []Interval{Span("12:00", "14:00"), Span("13:00", "15:00")}},
	} {
		if _, err := base.WithOverrides(bad); err == nil {
			t.Errorf("override %+v accepted", bad)
		}
	}
}

func TestParseAndUnknown(t *testing.T) {
	if _, err := New("xx", quasiHours); err == nil || !strings.Contains(err.Error(), "accepted: kz, ru") {
		t.Errorf("unknown country: %v", err)
	}
	if _, err := ParseInterval("18:00-09:00"); err == nil {
		t.Error("reversed interval accepted")
	}
	if iv, err := ParseInterval("00:00-24:00"); err != nil || iv != AllDay[0] {
		t.Errorf("00:00-24:00: %v %v", iv, err)
	}
	if _, err := ParseDate("2024-02-30"); err == nil {
		t.Error("2024-02-30 accepted")
	}
	if d := D(2024, 2, 28).AddDays(2); d != D(2024, 3, 1) || d.Weekday() != time.Friday {
		t.Errorf("AddDays: %s %s", d, d.Weekday())
	}
	if _, err := parseFacts(strings.NewReader("date,kind,name,basis,source\n2024-01-01,holiday,a,known,x\n2024-01-01,holiday,a,known,x\n")); err == nil {
		t.Error("duplicate date accepted")
	}
}

// Every row of the shipped data has a basis and a source.
func TestDataHasSources(t *testing.T) {
	for _, country := range Countries() {
		set, err := countryData(country)
		if err != nil {
			t.Fatal(err)
		}
		for d, f := range set.facts {
			if f.source == "" || f.name == "" {
				t.Errorf("%s %s: no name or source", country, d)
			}
			switch f.basis {
			case "known", "derived", "recalled", "provisional":
			default:
				t.Errorf("%s %s: basis %q", country, d, f.basis)
			}
		}
	}
}
