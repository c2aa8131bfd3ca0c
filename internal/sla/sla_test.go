package sla

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Almaty's 2024-03-01 change must not depend on the host

	"tenderdesk/internal/regulation"
)

func tm(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func profile(t testing.TB, id string) *regulation.Profile {
	t.Helper()
	p, ok := regulation.Default().Get(id)
	if !ok {
		t.Fatalf("no profile %s", id)
	}
	return p
}

const (
	gz20  = "kz-goszakup@2020"
	gz22  = "kz-goszakup@2022"
	quasi = "kz-quasi@2021"
	en    = "kz-energy@2025"
	ru    = "ru-khmao-goszakaz"
)

// Every row cites its rule; expected values are worked out by hand from the
// calendar data (comments show the arithmetic).
var deadlineCases = []struct {
	id, profile, clock, level, channel, at, want, why string
}{
	// kz-quasi@2021: 9:00–13:00, 14:30–18:30, Asia/Almaty
	{"Q29", quasi, "registration", "", "email", "2024-03-19T10:00:00+05:00", "2024-03-19T10:30:00+05:00", "inside hours"},
	{"Q29", quasi, "registration", "", "phone", "2024-03-19T12:45:00+05:00", "2024-03-19T14:45:00+05:00", "15 min before lunch + 15 after"},
	{"Q29", quasi, "registration", "", "email", "2024-03-19T13:30:00+05:00", "2024-03-19T15:00:00+05:00", "email in lunch: 30 min after it ends"},
	{"Q29", quasi, "registration", "", "email", "2024-03-19T19:00:00+05:00", "2024-03-20T09:30:00+05:00", "after hours: first 30 min of next working day"},
	{"Q29", quasi, "registration", "", "email", "2024-03-16T11:00:00+05:00", "2024-03-18T09:30:00+05:00", "Saturday"},
	{"Q29", quasi, "registration", "", "email", "2024-03-20T18:10:00+05:00", "2024-03-26T09:10:00+05:00", "eve of Nauryz: 20 min Wed, 21–25 Mar off, 10 min Tue"},
	{"Q29", quasi, "registration", "", "email", "2024-05-04T10:00:00+05:00", "2024-05-04T10:30:00+05:00", "moved working Saturday"},
	{"Q29", quasi, "registration", "", "email", "2024-02-29T18:20:00+06:00", "2024-03-01T09:20:00+05:00", "10 min at UTC+6, 20 min at UTC+5"},
	{"Q29", quasi, "registration", "", "email", "2024-02-29T23:30:00+06:00", "2024-03-01T09:30:00+05:00", "first 23:30 of the repeated hour"},
	{"Q29", quasi, "registration", "", "email", "2024-02-29T23:30:00+05:00", "2024-03-01T09:30:00+05:00", "second 23:30 of the repeated hour"},
	{"Q30", quasi, "incident_id_notice", "", "", "2024-03-19T12:30:00+05:00", "2024-03-19T15:00:00+05:00", "30 min + lunch + 30 min"},
	{"Q31", quasi, "analysis", "", "", "2024-03-20T17:30:00+05:00", "2024-03-26T10:00:00+05:00", "1h Wed, Nauryz, 1h Tue"},
	{"Q31", quasi, "analysis", "", "", "2024-03-16T08:00:00+05:00", "2024-03-18T11:00:00+05:00", "received on a day off: from Monday 9:00"},
	{"Q32", quasi, "refutation_notice", "", "", "2024-03-19T18:15:00+05:00", "2024-03-20T09:15:00+05:00", "15 + 15 min"},
	{"Q35.1", quasi, "low_notice", "", "", "2024-03-19T18:00:00+05:00", "2024-03-19T18:30:00+05:00", "ends exactly at closing"},
	{"Q36.1", quasi, "medium_public_notice", "", "", "2024-03-20T18:00:00+05:00", "2024-03-26T09:30:00+05:00", "30 min Wed, 30 min after Nauryz"},
	{"Q36.2", quasi, "medium_supplier_notice", "", "", "2024-05-03T18:00:00+05:00", "2024-05-04T09:30:00+05:00", "into the moved working Saturday"},
	{"Q37.3", quasi, "high_public_notice", "", "", "2024-03-20T23:50:00+05:00", "2024-03-21T00:20:00+05:00", "calendar minutes, holiday or not"},
	{"Q37.13", quasi, "authority_report", "", "", "2024-03-20T16:00:00+05:00", "2024-03-26T16:00:00+05:00", "1 working day, same time"},
	{"Q38", quasi, "resolution", "low", "", "2024-03-18T10:00:00+05:00", "2024-03-28T10:00:00+05:00", "19, 20, 26, 27, 28 Mar"},
	{"Q38", quasi, "resolution", "medium", "", "2024-03-20T15:00:00+05:00", "2024-03-27T15:00:00+05:00", "26, 27 Mar"},
	{"Q38", quasi, "resolution", "medium", "", "2024-03-19T13:30:00+05:00", "2024-03-26T14:30:00+05:00", "registered in lunch: counted from 14:30"},
	{"Q38", quasi, "resolution", "high", "", "2024-02-29T20:00:00+06:00", "2024-03-01T07:00:00+05:00", "12 real hours; the wall clock shows 11"},
	{"Q20", quasi, "appeal_consideration", "", "", "2024-03-20T10:00:00+05:00", "2024-03-28T18:30:00+05:00", "not counting 20 Mar: 26, 27, 28"},
	{"Q20", quasi, "appeal_consideration", "", "", "2024-03-15T17:00:00+05:00", "2024-03-20T18:30:00+05:00", "Friday: 18, 19, 20"},
	{"Q20", quasi, "appeal_consideration", "", "", "2024-03-16T11:00:00+05:00", "2024-03-20T18:30:00+05:00", "Saturday: 18, 19, 20"},
	{"Q19", quasi, "legal_forwarding", "", "", "2024-05-03T11:00:00+05:00", "2024-05-10T18:30:00+05:00", "Sat 4 May worked, 6 May, (7–9 off), 10 May"},
	{"Q41", quasi, "maintenance_notice", "", "", "2024-03-23T02:00:00+05:00", "2024-03-21T00:00:00+05:00", "two whole days before the works' date"},
	{"Q41", quasi, "maintenance_notice", "", "", "2024-03-02T01:00:00+05:00", "2024-02-29T00:00:00+06:00", "before the offset change"},
	{"Q28.1", quasi, "user_report", "", "", "2024-03-21T10:00:00+05:00", "2024-03-21T11:00:00+05:00", "calendar hour on a holiday"},

	// kz-goszakup@2022: same hours as quasi, 07.01.2022–31.12.2024
	{"G7", gz22, "registration", "", "email", "2024-03-20T18:25:00+05:00", "2024-03-26T09:25:00+05:00", "eve of Nauryz"},
	{"G7", gz22, "registration", "", "email", "2023-03-20T13:10:00+06:00", "2023-03-20T15:00:00+06:00", "lunch, UTC+6 year"},
	{"G7", gz22, "registration", "", "email", "2024-05-04T18:20:00+05:00", "2024-05-06T09:20:00+05:00", "moved working Saturday, then Monday"},
	{"G7", gz22, "registration", "", "email", "2024-05-07T10:00:00+05:00", "2024-05-10T09:30:00+05:00", "holiday 7 May; 8 May moved off; 9 May"},
	{"G7", gz22, "registration", "", "cabinet", "2024-12-31T19:00:00+05:00", "2025-01-05T09:30:00+05:00", "1–3 Jan off, Sunday 5 Jan 2025 worked"},
	{"Q30", gz22, "incident_id_notice", "", "", "2024-02-29T18:00:00+06:00", "2024-03-01T09:30:00+05:00", "000 repeats Q30; over the offset change"},
	{"G9", gz22, "analysis", "", "", "2024-12-31T17:00:00+05:00", "2025-01-05T09:30:00+05:00", "1.5h, then the worked Sunday"},
	{"G6.1", gz22, "user_report", "", "", "2024-02-29T23:30:00+06:00", "2024-02-29T23:30:00+05:00", "one hour later the wall clock repeats"},

	// kz-goszakup@2020: 9:00–19:00, no lunch, until 06.01.2022
	{"G7", gz20, "registration", "", "email", "2021-03-19T18:40:00+06:00", "2021-03-25T09:10:00+06:00", "eve of Nauryz 2021: 22–23 holidays, 24 moved (21 Sun)"},
	{"G7", gz20, "registration", "", "email", "2021-03-18T13:30:00+06:00", "2021-03-18T14:00:00+06:00", "no lunch break in 001"},
	{"G7", gz20, "registration", "", "email", "2020-12-31T20:00:00+06:00", "2021-01-05T09:30:00+06:00", "1–2 Jan, weekend, 4 Jan moved (2 Jan Sat)"},
	{"G7", gz20, "registration", "", "email", "2021-07-03T10:00:00+06:00", "2021-07-03T10:30:00+06:00", "moved working Saturday (decree: Sat 3 Jul worked for Mon 5 Jul 2021)"},
	{"G9", gz20, "analysis", "", "", "2020-03-20T18:00:00+06:00", "2020-03-26T10:00:00+06:00", "1h Fri; 21–25 Mar off"},
	{"G6.1", gz20, "user_report", "", "", "2020-03-21T03:00:00+06:00", "2020-03-21T04:00:00+06:00", "calendar hour"},

	// kz-energy@2025: 9:00–18:30, no lunch
	{"E19", en, "email_processing", "", "", "2025-09-16T10:00:00+05:00", "2025-09-16T18:30:00+05:00", "within the working day"},
	{"E19", en, "email_processing", "", "", "2025-09-16T13:30:00+05:00", "2025-09-16T18:30:00+05:00", "no lunch in 004"},
	{"E19", en, "email_processing", "", "", "2025-09-16T19:00:00+05:00", "2025-09-17T18:30:00+05:00", "after 18:30: next working day"},
	{"E19", en, "email_processing", "", "", "2025-10-25T11:00:00+05:00", "2025-10-28T18:30:00+05:00", "Republic Day on Sat, 27 Oct moved off"},
	{"E19", en, "voice_message", "", "", "2026-03-20T19:00:00+05:00", "2026-03-26T18:30:00+05:00", "eve of Nauryz 2026: 21–25 Mar off"},
	{"E19", en, "voice_message", "", "", "2026-03-23T07:00:00+05:00", "2026-03-26T18:30:00+05:00", "left on a holiday"},
	{"E25", en, "user_report", "", "", "2025-12-15T10:00:00+05:00", "2025-12-19T18:30:00+05:00", "16 Dec off: 17, 18, 19"},

	// ru-khmao-goszakaz: 8:00–20:00, Asia/Yekaterinburg
	{"R6", ru, "auxiliary_function", "", "", "2025-12-30T10:00:00+05:00", "2026-01-14T20:00:00+05:00", "31 Dec, 1–9 Jan off: 12, 13, 14 Jan"},
	{"R6", ru, "auxiliary_function", "", "", "2024-11-01T21:00:00+05:00", "2024-11-06T20:00:00+05:00", "Sat 2 Nov worked, 4 Nov off: 2, 5, 6"},
	{"R6", ru, "auxiliary_function", "", "", "2025-04-30T12:00:00+05:00", "2025-05-07T20:00:00+05:00", "eve of May holidays: 5, 6, 7"},
	{"R6", ru, "auxiliary_function", "", "", "2024-11-03T12:00:00+05:00", "2024-11-07T20:00:00+05:00", "Sunday; 4 Nov holiday: 5, 6, 7"},
	{"R6", ru, "auxiliary_function", "", "", "2024-04-26T08:30:00+05:00", "2024-05-03T20:00:00+05:00", "not counting Fri 26: Sat 27 worked, 29–30 moved off, 1 May: 27, 2, 3"},
}

func TestDeadlines(t *testing.T) {
	for _, tc := range deadlineCases {
		t.Run(tc.id+"/"+tc.profile+"/"+tc.clock+"/"+tc.at, func(t *testing.T) {
			got, err := Deadline(profile(t, tc.profile), Spec{Clock: tc.clock, Level: tc.level, Channel: tc.channel, At: tm(t, tc.at)})
			if err != nil {
				t.Fatal(err)
			}
			if g := got.Format(time.RFC3339); g != tc.want {
				t.Errorf("%s (%s): deadline %s, want %s", tc.id, tc.why, g, tc.want)
			}
		})
	}
}

func TestRegistrationReadingsAndChannels(t *testing.T) {
	p := profile(t, quasi)
	// Q29 other reading: any time during the next working day
	any := p.WithOptions(regulation.Options{AfterHoursEmail: regulation.AnyTimeNextDay})
	if d, _ := Deadline(any, Spec{Clock: "registration", At: tm(t, "2024-03-19T19:00:00+05:00")}); d.Format(time.RFC3339) != "2024-03-20T18:30:00+05:00" {
		t.Errorf("Q29 any-time reading: %s", d.Format(time.RFC3339))
	}
	// ...but the lunch rule stays 30 minutes after lunch
	if d, _ := Deadline(any, Spec{Clock: "registration", At: tm(t, "2024-03-19T13:30:00+05:00")}); d.Format(time.RFC3339) != "2024-03-19T15:00:00+05:00" {
		t.Errorf("Q29 lunch under the any-time reading: %s", d.Format(time.RFC3339))
	}
	// Q29: phone is not answered at lunch, after hours or on a day off
	for _, s := range []string{"2024-03-19T13:30:00+05:00", "2024-03-19T19:00:00+05:00", "2024-03-16T11:00:00+05:00"} {
		if _, err := Deadline(p, Spec{Clock: "registration", Channel: "phone", At: tm(t, s)}); !errors.Is(err, ErrNotApplicable) {
			t.Errorf("Q29 phone at %s: %v", s, err)
		}
	}
	if _, err := Deadline(profile(t, gz20), Spec{Clock: "registration", Channel: "phone", At: tm(t, "2021-03-19T19:30:00+06:00")}); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("G7 phone after hours: %v", err)
	}
	for _, bad := range []Spec{
		{Clock: "registation", At: tm(t, "2024-03-19T10:00:00+05:00")},
		{Clock: "registration", Channel: "pigeon", At: tm(t, "2024-03-19T10:00:00+05:00")},
		{Clock: "resolution", At: tm(t, "2024-03-19T10:00:00+05:00")},
		{Clock: "registration"},
	} {
		if _, err := Deadline(p, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := Deadline(profile(t, ru), Spec{Clock: "registration", At: tm(t, "2024-03-19T10:00:00+05:00")}); err == nil {
		t.Error("registration on the Russian profile (003 sets no term) accepted")
	}
}

// Q38: a request for information extends the term by the time the user takes.
func TestPauseResume(t *testing.T) {
	cases := []struct {
		id, profile, clock, level, at, from, to, want, why string
	}{
		{"Q38", quasi, "resolution", "low", "2024-03-18T10:00:00+05:00", "2024-03-19T17:00:00+05:00", "2024-03-20T10:00:00+05:00",
			"2024-03-28T12:30:00+05:00", "paused 1.5h + 1h of working time"},
		{"Q38", quasi, "resolution", "high", "2024-03-20T10:00:00+05:00", "2024-03-20T12:00:00+05:00", "2024-03-20T13:30:00+05:00",
			"2024-03-20T23:30:00+05:00", "calendar clock shifts by elapsed time"},
		{"Q38/G9", gz22, "analysis", "", "2024-03-20T16:00:00+05:00", "2024-03-20T17:00:00+05:00", "2024-03-26T09:30:00+05:00",
			"2024-03-26T10:30:00+05:00", "2h paused over Nauryz counts 1.5h + 0.5h"},
		{"Q38/G9", gz20, "analysis", "", "2021-03-18T09:00:00+06:00", "2021-03-18T10:00:00+06:00", "2021-03-18T10:20:00+06:00",
			"2021-03-18T11:20:00+06:00", "20 min"},
		{"Q38/E19", en, "email_processing", "", "2025-09-16T10:00:00+05:00", "2025-09-16T11:00:00+05:00", "2025-09-16T12:00:00+05:00",
			"2025-09-17T10:00:00+05:00", "1h past closing"},
		{"Q38/R6", ru, "auxiliary_function", "", "2024-11-01T21:00:00+05:00", "2024-11-05T19:00:00+05:00", "2024-11-06T09:00:00+05:00",
			"2024-11-07T10:00:00+05:00", "1h + 1h over the night"},
		{"Q38", quasi, "resolution", "low", "2024-03-18T10:00:00+05:00", "2024-03-29T10:00:00+05:00", "2024-03-29T11:00:00+05:00",
			"2024-03-28T10:00:00+05:00", "a pause after the deadline does not save the clock"},
	}
	for _, tc := range cases {
		p := profile(t, tc.profile)
		c, err := New(p, Spec{Clock: tc.clock, Level: tc.level, At: tm(t, tc.at)})
		if err != nil {
			t.Fatal(err)
		}
		from, to := tm(t, tc.from), tm(t, tc.to)
		paused := c.Pause(from, "information requested (Q38)")
		// while paused: state paused, remaining frozen, deadline moving
		mid := from.Add(time.Minute)
		if to.Sub(from) > time.Minute && from.Before(c.Base) {
			s1, s2 := paused.Status(mid, DefaultWarn), paused.Status(to.Add(-time.Second), DefaultWarn)
			if s1.State != Paused || s2.State != Paused || s1.Remaining != s2.Remaining {
				t.Errorf("%s %s: while paused %v/%v remaining %s vs %s", tc.id, tc.why, s1.State, s2.State, s1.Remaining, s2.Remaining)
			}
		}
		if !paused.Deadline().Equal(c.Base) {
			t.Errorf("%s: an open pause moved Deadline()", tc.id)
		}
		resumed := paused.Resume(to)
		if g := resumed.Deadline().Format(time.RFC3339); g != tc.want {
			t.Errorf("%s %s (%s): deadline %s, want %s", tc.id, tc.clock, tc.why, g, tc.want)
		}
		if len(c.Pauses) != 0 {
			t.Errorf("%s: Pause changed the original clock", tc.id)
		}
	}
}

func TestStates(t *testing.T) {
	p := profile(t, quasi)
	c, _ := New(p, Spec{Clock: "analysis", At: tm(t, "2024-03-19T10:00:00+05:00")}) // deadline 12:00, 2h
	cases := []struct {
		now   string
		c     Clock
		state State
		rem   time.Duration
		warn  bool
	}{
		{"2024-03-19T10:30:00+05:00", c, Running, 90 * time.Minute, false},
		{"2024-03-19T11:40:00+05:00", c, Running, 20 * time.Minute, true}, // a fifth of 2h = 24 min: warn from 11:36
		{"2024-03-19T12:00:00+05:00", c, Running, 0, true},
		{"2024-03-19T12:01:00+05:00", c, Breached, -time.Minute, false},
		{"2024-03-19T16:00:00+05:00", c, Breached, -2*time.Hour - 30*time.Minute, false}, // 12–13 and 14:30–16
		{"2024-03-19T16:00:00+05:00", c.Meet(tm(t, "2024-03-19T11:00:00+05:00")), Met, time.Hour, false},
		{"2024-03-19T16:00:00+05:00", c.Meet(tm(t, "2024-03-19T12:30:00+05:00")), Breached, -30 * time.Minute, false},
		{"2024-03-19T11:00:00+05:00", c.Meet(tm(t, "2024-03-19T11:30:00+05:00")), Running, time.Hour, false},
		{"2024-03-19T11:45:00+05:00", c.Pause(tm(t, "2024-03-19T11:00:00+05:00"), "info"), Paused, time.Hour, false},
	}
	for i, tc := range cases {
		s := tc.c.Status(tm(t, tc.now), DefaultWarn)
		if s.State != tc.state || s.Remaining != tc.rem || s.Warning != tc.warn {
			t.Errorf("row %d at %s: %s rem %s warn %v; want %s %s %v", i, tc.now, s.State, s.Remaining, s.Warning, tc.state, tc.rem, tc.warn)
		}
	}
	if s := c.Status(tm(t, "2024-03-19T10:00:00+05:00"), Warn{Before: 90 * time.Minute}); s.WarnAt.Format(time.RFC3339) != "2024-03-19T10:30:00+05:00" {
		t.Errorf("warn 90 min before: %s", s.WarnAt.Format(time.RFC3339))
	}
	// warning time in working time: 30 working minutes before 26 Mar 09:10 is 20 Mar 18:10
	r, _ := New(p, Spec{Clock: "registration", At: tm(t, "2024-03-20T18:10:00+05:00")})
	if s := r.Status(tm(t, "2024-03-20T18:10:00+05:00"), Warn{Fraction: 0.5}); s.WarnAt.Format(time.RFC3339) != "2024-03-20T18:25:00+05:00" {
		t.Errorf("warn at half of registration: %s", s.WarnAt.Format(time.RFC3339))
	}
}

// Q38: "may be extended by agreement with the authorized body".
func TestExtensionByAgreement(t *testing.T) {
	p := profile(t, quasi)
	c, _ := New(p, Spec{Clock: "resolution", Level: "medium", At: tm(t, "2024-03-20T15:00:00+05:00")}) // 2024-03-27T15:00
	cases := []struct {
		e    Extension
		want string
	}{
		{Extension{Days: 3, Basis: "authorized body letter No. 1 (Q38)"}, "2024-04-01T15:00:00+05:00"}, // 28, 29 Mar, 1 Apr
		{Extension{By: 4 * time.Hour, Basis: "Q38 agreement"}, "2024-03-28T09:30:00+05:00"},            // 15–18:30 = 3.5h, 0.5h next day
		{Extension{Until: tm(t, "2024-04-05T18:00:00+05:00"), Basis: "Q38 agreement"}, "2024-04-05T18:00:00+05:00"},
	}
	for _, tc := range cases {
		if g := c.Extend(tc.e).Deadline().Format(time.RFC3339); g != tc.want {
			t.Errorf("Q38 extension %+v: %s, want %s", tc.e, g, tc.want)
		}
	}
	// an extension and a later pause combine: +3 working days, then 1h paused
	ext := c.Extend(cases[0].e).Pause(tm(t, "2024-03-28T09:00:00+05:00"), "info").Resume(tm(t, "2024-03-28T10:00:00+05:00"))
	if g := ext.Deadline().Format(time.RFC3339); g != "2024-04-01T16:00:00+05:00" {
		t.Errorf("extension + pause: %s", g)
	}
	// other profiles: the engine extends any clock the same way
	a, _ := New(profile(t, ru), Spec{Clock: "auxiliary_function", At: tm(t, "2024-11-01T21:00:00+05:00")})
	if g := a.Extend(Extension{Days: 1, Basis: "R6 agreed term"}).Deadline().Format(time.RFC3339); g != "2024-11-07T20:00:00+05:00" {
		t.Errorf("R6 agreed extension: %s", g)
	}
	others := []struct {
		id, profile, clock, at string
		e                      Extension
		want                   string
	}{
		{"G9", gz22, "analysis", "2024-03-20T16:00:00+05:00", Extension{By: time.Hour, Basis: "agreement"}, "2024-03-26T09:30:00+05:00"}, // 18:00 + 1 working hour over Nauryz
		{"G9", gz20, "analysis", "2021-03-18T09:00:00+06:00", Extension{Days: 1, Basis: "agreement"}, "2021-03-19T11:00:00+06:00"},
		{"E19", en, "email_processing", "2025-09-16T10:00:00+05:00", Extension{Until: tm(t, "2025-09-18T12:00:00+05:00"), Basis: "agreement"}, "2025-09-18T12:00:00+05:00"},
	}
	for _, o := range others {
		k, err := New(profile(t, o.profile), Spec{Clock: o.clock, At: tm(t, o.at)})
		if err != nil {
			t.Fatal(err)
		}
		if g := k.Extend(o.e).Deadline().Format(time.RFC3339); g != o.want {
			t.Errorf("%s %s extended: %s, want %s", o.id, o.profile, g, o.want)
		}
	}
	h, _ := New(p, Spec{Clock: "resolution", Level: "high", At: tm(t, "2024-03-20T10:00:00+05:00")})
	if g := h.Extend(Extension{Days: 1, Basis: "Q38"}).Deadline().Format(time.RFC3339); g != "2024-03-21T22:00:00+05:00" {
		t.Errorf("high, calendar clock, +1 day: %s", g)
	}
}

// Q38: fixing counts from the first appeal's registration, answers per appeal.
func TestMergedAppeals(t *testing.T) {
	p := profile(t, quasi)
	appeals := []Appeal{
		{ID: "A-email", Registered: tm(t, "2024-03-19T11:00:00+05:00")},
		{ID: "B-phone", Registered: tm(t, "2024-03-18T16:00:00+05:00")},
		{ID: "C-letter", Registered: tm(t, "2024-03-20T18:00:00+05:00")},
	}
	m, err := MergedClocks(p, "medium", true, appeals)
	if err != nil {
		t.Fatal(err)
	}
	if g := m.Resolution.Deadline().Format(time.RFC3339); g != "2024-03-20T16:00:00+05:00" {
		t.Errorf("Q38 resolution from B (18 Mar 16:00) + 2 working days: %s", g)
	}
	want := map[string]string{
		"B-phone":  "2024-03-26T18:30:00+05:00", // 19, 20, 26
		"A-email":  "2024-03-27T18:30:00+05:00", // 20, 26, 27
		"C-letter": "2024-03-28T18:30:00+05:00", // 26, 27, 28
	}
	for id, w := range want {
		if g := m.Answers[id].Deadline().Format(time.RFC3339); g != w {
			t.Errorf("Q20/Q38 answer to %s: %s, want %s", id, g, w)
		}
	}
	if _, err := MergedClocks(p, "medium", false, appeals); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("Q26 independent incident: %v", err)
	}
	// the goszakup, energy and Russian texts set no resolution term (docs/regulations.md)
	for _, id := range []string{gz20, gz22, en, ru} {
		if _, err := MergedClocks(profile(t, id), "medium", true, appeals); err == nil {
			t.Errorf("%s: resolution clocks without a term in its text", id)
		}
	}
	if _, err := MergedClocks(p, "medium", true, nil); err == nil {
		t.Error("no appeals accepted")
	}
}
