package sla

import (
	"errors"
	"testing"
	"time"

	"tenderdesk/internal/regulation"
)

// withRegistration is quasi with another registration term: the profile's
// value, not a constant, must set the deadline (Q29/G7).
func withRegistration(t *testing.T, d time.Duration) *regulation.Profile {
	t.Helper()
	base := profile(t, quasi)
	terms := make([]regulation.Term, len(base.Terms))
	copy(terms, base.Terms)
	for i := range terms {
		if terms[i].Clock == regulation.ClockRegistration {
			terms[i].Amount = d
		}
	}
	return &regulation.Profile{Family: "test-registration", Country: base.Country, Hours: base.Hours,
		From: base.From, Terms: terms, Options: base.Options}
}

// Q29: every path of the registration clock uses the profile's term.
func TestRegistrationTermFromProfile(t *testing.T) {
	p45 := withRegistration(t, 45*time.Minute)
	any45 := p45.WithOptions(regulation.Options{AfterHoursEmail: regulation.AnyTimeNextDay})
	cases := []struct {
		p              *regulation.Profile
		channel, at    string
		want30, want45 string
	}{
		{p45, "email", "2024-03-19T10:00:00+05:00", "2024-03-19T10:30:00+05:00", "2024-03-19T10:45:00+05:00"},   // in hours
		{p45, "email", "2024-03-19T13:30:00+05:00", "2024-03-19T15:00:00+05:00", "2024-03-19T15:15:00+05:00"},   // lunch
		{p45, "email", "2024-03-19T19:00:00+05:00", "2024-03-20T09:30:00+05:00", "2024-03-20T09:45:00+05:00"},   // after hours
		{any45, "email", "2024-03-19T13:30:00+05:00", "2024-03-19T15:00:00+05:00", "2024-03-19T15:15:00+05:00"}, // lunch under the other reading
	}
	for _, tc := range cases {
		at := tm(t, tc.at)
		d30, err := Deadline(profile(t, quasi), Spec{Clock: "registration", Channel: tc.channel, At: at})
		if err != nil {
			t.Fatal(err)
		}
		d45, err := Deadline(tc.p, Spec{Clock: "registration", Channel: tc.channel, At: at})
		if err != nil {
			t.Fatal(err)
		}
		if d30.Format(time.RFC3339) != tc.want30 || d45.Format(time.RFC3339) != tc.want45 {
			t.Errorf("Q29 at %s: 30-minute profile %s (want %s), 45-minute profile %s (want %s)",
				tc.at, d30.Format(time.RFC3339), tc.want30, d45.Format(time.RFC3339), tc.want45)
		}
	}
}

// Working intervals are [09:00:00, 13:00:00) and [14:30:00, 18:30:00):
// the opening second is working time, the closing second is not
// (docs/regulations.md "Edges"). A phone call is answered only in working
// time (Q29), so it shows each side of each edge.
func TestWorkingIntervalEdges(t *testing.T) {
	p := profile(t, quasi)
	cases := []struct {
		at, want string // want "" = not answered (outside working time)
	}{
		{"2024-03-19T08:59:59+05:00", ""},
		{"2024-03-19T09:00:00+05:00", "2024-03-19T09:30:00+05:00"},
		{"2024-03-19T12:59:59+05:00", "2024-03-19T14:59:59+05:00"}, // 1 s before lunch, 29m59s after
		{"2024-03-19T13:00:00+05:00", ""},
		{"2024-03-19T14:29:59+05:00", ""},
		{"2024-03-19T14:30:00+05:00", "2024-03-19T15:00:00+05:00"},
		{"2024-03-19T18:29:59+05:00", "2024-03-20T09:29:59+05:00"},
		{"2024-03-19T18:30:00+05:00", ""},
	}
	for _, tc := range cases {
		d, err := Deadline(p, Spec{Clock: "registration", Channel: "phone", At: tm(t, tc.at)})
		switch {
		case tc.want == "" && !errors.Is(err, ErrNotApplicable):
			t.Errorf("Q29 phone at %s: deadline %s, err %v; want not answered", tc.at, d.Format(time.RFC3339), err)
		case tc.want != "" && (err != nil || d.Format(time.RFC3339) != tc.want):
			t.Errorf("Q29 phone at %s: deadline %s, err %v; want %s", tc.at, d.Format(time.RFC3339), err, tc.want)
		}
	}
	// Under the any-time reading an email in lunch gets the term after lunch,
	// an email at 18:30:00 or later gets the whole next working day.
	any := p.WithOptions(regulation.Options{AfterHoursEmail: regulation.AnyTimeNextDay})
	for at, want := range map[string]string{
		"2024-03-19T13:00:00+05:00": "2024-03-19T15:00:00+05:00",
		"2024-03-19T14:29:59+05:00": "2024-03-19T15:00:00+05:00",
		"2024-03-19T18:30:00+05:00": "2024-03-20T18:30:00+05:00",
		"2024-03-19T08:59:59+05:00": "2024-03-19T18:30:00+05:00",
	} {
		if d, err := Deadline(any, Spec{Clock: "registration", At: tm(t, at)}); err != nil || d.Format(time.RFC3339) != want {
			t.Errorf("Q29 any-time reading, email at %s: %s %v, want %s", at, d.Format(time.RFC3339), err, want)
		}
	}
}

// A duty done exactly at the deadline is met; one nanosecond later it is
// breached. A running clock at its deadline is still running. The warning
// holds from its time on, inclusive.
func TestDeadlineAndWarningEdges(t *testing.T) {
	p := profile(t, quasi)
	c, _ := New(p, Spec{Clock: "analysis", At: tm(t, "2024-03-19T10:00:00+05:00")}) // Q31: deadline 12:00
	d := c.Deadline()
	if d.Format(time.RFC3339) != "2024-03-19T12:00:00+05:00" {
		t.Fatalf("Q31 deadline %s", d.Format(time.RFC3339))
	}
	later := d.Add(time.Hour)
	cases := []struct {
		name  string
		c     Clock
		now   time.Time
		state State
	}{
		{"met exactly at the deadline", c.Meet(d), later, Met},
		{"met 1 ns after the deadline", c.Meet(d.Add(time.Nanosecond)), later, Breached},
		{"running exactly at the deadline", c, d, Running},
		{"running 1 ns after the deadline", c, d.Add(time.Nanosecond), Breached},
		{"met at now", c.Meet(d.Add(-time.Minute)), d.Add(-time.Minute), Met},
		{"met 1 ns after now: not yet", c.Meet(d.Add(-time.Minute)), d.Add(-time.Minute - time.Nanosecond), Running},
	}
	for _, tc := range cases {
		if s := tc.c.Status(tc.now, DefaultWarn); s.State != tc.state {
			t.Errorf("Q31 %s: %s, want %s", tc.name, s.State, tc.state)
		}
	}
	// the remaining time of a met clock is measured from the moment it was met
	if s := c.Meet(tm(t, "2024-03-19T11:00:00+05:00")).Status(later, DefaultWarn); s.Remaining != time.Hour {
		t.Errorf("Q31 met at 11:00: remaining %s, want 1h", s.Remaining)
	}
	// a fifth of 2 h: warn from 11:36:00 on
	warnAt := tm(t, "2024-03-19T11:36:00+05:00")
	if s := c.Status(warnAt, DefaultWarn); !s.Warning || !s.WarnAt.Equal(warnAt) {
		t.Errorf("Q31 at the warning time: warning %v at %s", s.Warning, s.WarnAt.Format(time.RFC3339))
	}
	if s := c.Status(warnAt.Add(-time.Nanosecond), DefaultWarn); s.Warning {
		t.Error("Q31 1 ns before the warning time: warning")
	}
	// no warning once the duty is met or breached
	if s := c.Meet(warnAt).Status(warnAt.Add(time.Minute), DefaultWarn); s.Warning {
		t.Error("Q31 met clock warns")
	}
	// paused clocks warn too (the pause may end any time)
	if s := c.Pause(warnAt, "info").Status(warnAt.Add(time.Minute), DefaultWarn); s.State != Paused || !s.Warning {
		t.Errorf("Q38 paused past the warning time: %s warning %v", s.State, s.Warning)
	}
	// a clock whose deadline is before its start (Q41: days before the works)
	// warns the same share of the term before that deadline
	m, _ := New(p, Spec{Clock: "maintenance_notice", At: tm(t, "2024-03-23T02:00:00+05:00")}) // deadline 21 Mar 00:00, 50 h before
	if s := m.Status(tm(t, "2024-03-19T00:00:00+05:00"), DefaultWarn); s.WarnAt.Format(time.RFC3339) != "2024-03-20T14:00:00+05:00" {
		t.Errorf("Q41 warning: %s, want 10 h (a fifth of 50 h) before the deadline", s.WarnAt.Format(time.RFC3339))
	}
}

// Q38: pauses are counted only inside [start, deadline] and up to now.
func TestPauseEdges(t *testing.T) {
	p := profile(t, quasi)
	// high resolution: 12 calendar hours, 20 Mar 10:00 → 22:00
	h, _ := New(p, Spec{Clock: "resolution", Level: "high", At: tm(t, "2024-03-20T10:00:00+05:00")})
	pz := func(from, to string) Clock {
		c := h.Pause(tm(t, from), "information requested (Q38)")
		if to != "" {
			c = c.Resume(tm(t, to))
		}
		return c
	}
	cases := []struct {
		name, now, want string // now "" = Deadline()
		c               Clock
	}{
		{"pause begun before the clock started counts from the start", "", "2024-03-20T23:00:00+05:00", pz("2024-03-20T09:00:00+05:00", "2024-03-20T11:00:00+05:00")},
		{"pause wholly before the start counts nothing", "", "2024-03-20T22:00:00+05:00", pz("2024-03-20T08:00:00+05:00", "2024-03-20T09:00:00+05:00")},
		{"pause begun exactly at the deadline saves nothing", "", "2024-03-20T22:00:00+05:00", pz("2024-03-20T22:00:00+05:00", "2024-03-20T23:00:00+05:00")},
		{"pause begun 1 s before the deadline counts", "", "2024-03-20T23:00:01+05:00", pz("2024-03-20T21:59:59+05:00", "2024-03-20T23:00:00+05:00")},
		{"pause ending after now counts up to now", "2024-03-20T13:00:00+05:00", "2024-03-20T23:00:00+05:00", pz("2024-03-20T12:00:00+05:00", "2024-03-20T15:00:00+05:00")},
		{"the same pause once now has passed its end", "2024-03-20T16:00:00+05:00", "2024-03-21T01:00:00+05:00", pz("2024-03-20T12:00:00+05:00", "2024-03-20T15:00:00+05:00")},
		{"open pause counts up to now", "2024-03-20T13:30:00+05:00", "2024-03-20T23:30:00+05:00", pz("2024-03-20T12:00:00+05:00", "")},
		{"open pause begun at now counts nothing", "2024-03-20T12:00:00+05:00", "2024-03-20T22:00:00+05:00", pz("2024-03-20T12:00:00+05:00", "")},
		{"open pause begun after now counts nothing", "2024-03-20T11:00:00+05:00", "2024-03-20T22:00:00+05:00", pz("2024-03-20T12:00:00+05:00", "")},
		{"zero-length pause counts nothing", "", "2024-03-20T22:00:00+05:00", pz("2024-03-20T12:00:00+05:00", "2024-03-20T12:00:00+05:00")},
	}
	for _, tc := range cases {
		var d time.Time
		if tc.now == "" {
			d = tc.c.Deadline()
		} else {
			d = tc.c.DeadlineAt(tm(t, tc.now))
		}
		if g := d.Format(time.RFC3339); g != tc.want {
			t.Errorf("Q38 %s: %s, want %s", tc.name, g, tc.want)
		}
	}
	// paused from its first instant, running again at its end
	c := pz("2024-03-20T12:00:00+05:00", "2024-03-20T13:00:00+05:00")
	for now, want := range map[string]State{
		"2024-03-20T11:59:59+05:00": Running,
		"2024-03-20T12:00:00+05:00": Paused,
		"2024-03-20T12:59:59+05:00": Paused,
		"2024-03-20T13:00:00+05:00": Running,
	} {
		if s := c.Status(tm(t, now), DefaultWarn); s.State != want {
			t.Errorf("Q38 state at %s: %s, want %s", now, s.State, want)
		}
	}
	// pauses are applied in time order whatever order they were recorded in:
	// a later pause moves the deadline only once an earlier one has moved it past
	two := h.Pause(tm(t, "2024-03-20T22:30:00+05:00"), "b").Resume(tm(t, "2024-03-20T23:00:00+05:00")).
		Pause(tm(t, "2024-03-20T12:00:00+05:00"), "a").Resume(tm(t, "2024-03-20T13:00:00+05:00"))
	if g := two.Deadline().Format(time.RFC3339); g != "2024-03-20T23:30:00+05:00" {
		t.Errorf("Q38 two pauses recorded out of order: %s, want 23:30 (1 h, then 30 min)", g)
	}
	// Resume closes only the open pause
	r := c.Pause(tm(t, "2024-03-20T14:00:00+05:00"), "again").Resume(tm(t, "2024-03-20T15:00:00+05:00"))
	if !r.Pauses[0].To.Equal(tm(t, "2024-03-20T13:00:00+05:00")) || !r.Pauses[1].To.Equal(tm(t, "2024-03-20T15:00:00+05:00")) {
		t.Errorf("Q38 Resume rewrote a closed pause: %+v", r.Pauses)
	}
}
