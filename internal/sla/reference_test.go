package sla

import (
	"math/rand/v2"
	"testing"
	"time"

	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
)

// The slow reference: steps minute by minute and asks only the day's
// wall-clock intervals (calendar.Day), never the precomputed instants the
// engine searches. Inputs are whole minutes.

func refWorking(c *calendar.Calendar, t time.Time) bool {
	lt := t.In(c.Location())
	info := c.Day(calendar.DateOf(lt))
	h, m, s := lt.Clock()
	wall := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
	for _, iv := range info.Intervals {
		if wall >= iv.Start && wall < iv.End {
			return true
		}
	}
	return false
}

func refAddBusiness(c *calendar.Calendar, t time.Time, d time.Duration) time.Time {
	u := t
	for d > 0 {
		if refWorking(c, u) {
			d -= time.Minute
		}
		u = u.Add(time.Minute)
	}
	return u
}

func refBusinessBetween(c *calendar.Calendar, a, b time.Time) time.Duration {
	var n time.Duration
	for u := a; u.Before(b); u = u.Add(time.Minute) {
		if refWorking(c, u) {
			n += time.Minute
		}
	}
	return n
}

func refNextWorkingMoment(c *calendar.Calendar, t time.Time) time.Time {
	u := t
	for !refWorking(c, u) {
		u = u.Add(time.Minute)
	}
	return u
}

// refEndOfWorkingDaysAfter walks dates one by one (Q20: not counting the day of t).
func refEndOfWorkingDaysAfter(c *calendar.Calendar, t time.Time, n int) time.Time {
	d := calendar.DateOf(t.In(c.Location()))
	for n > 0 {
		d = d.AddDays(1)
		if info := c.Day(d); info.Working && len(info.Intervals) > 0 {
			n--
		}
	}
	ivs := c.Day(d).Intervals
	return d.At(ivs[len(ivs)-1].End, c.Location())
}

// refDeadline is the reference for the clocks it can step: working-time
// clocks, calendar clocks and day-counted ends; ok false for the others.
func refDeadline(p *regulation.Profile, term regulation.Term, at time.Time) (time.Time, bool) {
	c := p.Calendar()
	switch term.Base {
	case regulation.Working:
		return refAddBusiness(c, at, term.Amount), true
	case regulation.Calendar:
		return at.Add(term.Amount), true
	case regulation.WorkingDaysEnd:
		return refEndOfWorkingDaysAfter(c, at, term.Days), true
	}
	return time.Time{}, false
}

var fuzzFrom = time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)

const fuzzSpanMinutes = 8 * 366 * 24 * 60 // to 2027

// fuzzProfiles are the five profiles plus quasi with support extended to 24/7
// around the 2024-03-01 change (Q28), to step through the repeated hour.
func fuzzProfiles(t testing.TB) []*regulation.Profile {
	var ps []*regulation.Profile
	for _, id := range []string{gz20, gz22, quasi, en, ru} {
		ps = append(ps, profile(t, id))
	}
	ext, err := profile(t, quasi).WithOverrides(calendar.Override{Kind: calendar.OverrideHours, From: calendar.D(2024, 2, 26),
		To: calendar.D(2024, 3, 3), Intervals: calendar.AllDay, AllDays: true, Reason: "24/7", Source: "Q28 (test)"})
	if err != nil {
		t.Fatal(err)
	}
	return append(ps, ext)
}

func FuzzDeadline(f *testing.F) {
	f.Add(uint8(2), int64(2_398_000), uint16(30), uint8(0))          // around 2024-03 in quasi
	f.Add(uint8(5), int64(2_397_500), uint16(600), uint8(1))         // 24/7 through the repeated hour
	f.Add(uint8(0), int64(1_000_000), uint16(120), uint8(2))         // goszakup 2020
	f.Add(uint8(3), int64(3_500_000), uint16(2400), uint8(3))        // energy 2026
	f.Add(uint8(4), int64(2_900_000), uint16(1440), uint8(4))        // ru
	f.Add(uint8(1), int64(2_395_000+17*60), uint16(45), uint8(0xff)) // goszakup 2022
	ps := fuzzProfiles(f)
	f.Fuzz(func(t *testing.T, pi uint8, minute int64, dur uint16, ci uint8) {
		p := ps[int(pi)%len(ps)]
		c := p.Calendar()
		if minute < 0 {
			minute = -minute
		}
		at := fuzzFrom.Add(time.Duration(minute%fuzzSpanMinutes) * time.Minute).In(c.Location())
		d := time.Duration(dur%(60*60)+1) * time.Minute // up to 60 working hours
		if got, want := c.AddBusiness(at, d), refAddBusiness(c, at, d); !got.Equal(want) {
			t.Fatalf("%s AddBusiness(%s, %s) = %s, reference %s", p.ID(), at.Format(time.RFC3339), d, got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
		end := at.Add(d)
		if got, want := c.BusinessBetween(at, end), refBusinessBetween(c, at, end); got != want {
			t.Fatalf("%s BusinessBetween(%s, %s) = %s, reference %s", p.ID(), at.Format(time.RFC3339), end.Format(time.RFC3339), got, want)
		}
		if got, want := c.NextWorkingMoment(at), refNextWorkingMoment(c, at); !got.Equal(want) {
			t.Fatalf("%s NextWorkingMoment(%s) = %s, reference %s", p.ID(), at.Format(time.RFC3339), got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
		// one of the profile's clocks
		terms := p.Terms
		term := terms[int(ci)%len(terms)]
		if term.Clock == regulation.ClockRegistration {
			return // channel rules; registration by email equals 30 working minutes, tested above
		}
		want, ok := refDeadline(p, term, at)
		if !ok {
			return
		}
		got, err := Deadline(p, Spec{Clock: term.Clock, Level: term.Level, At: at})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Fatalf("%s %s (%s) at %s: %s, reference %s", p.ID(), term.Clock, term.Level, at.Format(time.RFC3339), got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
	})
}

// Registration by email is 30 working minutes from arrival in every case
// (Q29/G7 default reading), so it must equal the reference's.
func TestRegistrationMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 29))
	for _, id := range []string{gz20, gz22, quasi} {
		p := profile(t, id)
		for range 300 {
			at := p.From.At(0, p.Location()).Add(time.Duration(r.IntN(2*365*24*60)) * time.Minute)
			got, err := Deadline(p, Spec{Clock: "registration", At: at})
			if err != nil {
				t.Fatal(err)
			}
			if want := refAddBusiness(p.Calendar(), at, 30*time.Minute); !got.Equal(want) {
				t.Fatalf("%s registration at %s: %s, reference %s", id, at.Format(time.RFC3339), got.Format(time.RFC3339), want.Format(time.RFC3339))
			}
		}
	}
}

// Properties over random instants of every profile (fixed seed, reproducible).
func TestProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 38))
	for _, p := range fuzzProfiles(t) {
		c := p.Calendar()
		for range 400 {
			at := fuzzFrom.Add(time.Duration(r.Int64N(fuzzSpanMinutes)) * time.Minute).In(c.Location())
			a := time.Duration(r.IntN(60*60)+1) * time.Minute
			b := time.Duration(r.IntN(60*60)+1) * time.Minute
			ta, tb := c.AddBusiness(at, a), c.AddBusiness(at, b)
			// deadline ≥ start; BusinessBetween inverts AddBusiness
			if ta.Before(at) || c.BusinessBetween(at, ta) != a {
				t.Fatalf("%s: AddBusiness(%s, %s) = %s", p.ID(), at, a, ta)
			}
			// monotonic in the duration and in the start
			if (a < b && tb.Before(ta)) || (b < a && ta.Before(tb)) {
				t.Fatalf("%s: not monotonic in duration at %s: %s→%s, %s→%s", p.ID(), at, a, ta, b, tb)
			}
			later := at.Add(time.Duration(r.IntN(3*24*60)) * time.Minute)
			if c.AddBusiness(later, a).Before(ta) {
				t.Fatalf("%s: not monotonic in start: %s vs %s", p.ID(), at, later)
			}
			// additive
			if x, y := c.AddBusiness(ta, b), c.AddBusiness(at, a+b); !x.Equal(y) {
				t.Fatalf("%s: AddBusiness(AddBusiness(%s, %s), %s) = %s, AddBusiness(+%s) = %s", p.ID(), at, a, b, x, a+b, y)
			}
			// every clock: deadline ≥ start (maintenance_notice is a deadline before its event)
			term := p.Terms[r.IntN(len(p.Terms))]
			k, err := New(p, Spec{Clock: term.Clock, Level: term.Level, At: at})
			if err != nil {
				t.Fatal(err)
			}
			if term.Base == regulation.CalendarDaysBefore {
				if !k.Base.Before(at) {
					t.Fatalf("%s %s: %s not before %s", p.ID(), term.Clock, k.Base, at)
				}
				continue
			}
			if k.Base.Before(at) || k.Base.Before(k.Start) {
				t.Fatalf("%s %s at %s: deadline %s before start %s", p.ID(), term.Clock, at, k.Base, k.Start)
			}
			// a pause of length d moves the deadline by exactly the time paused,
			// measured in the clock's base
			span := k.Base.Sub(k.Start)
			if span <= 0 {
				continue
			}
			from := k.Start.Add(time.Duration(r.Int64N(int64(span))))
			to := from.Add(time.Duration(r.IntN(5*24*60)+1) * time.Minute)
			moved := k.Pause(from, "info").Resume(to).Deadline()
			if term.Base == regulation.Calendar {
				if moved.Sub(k.Base) != to.Sub(from) {
					t.Fatalf("%s %s: calendar pause %s moved the deadline %s", p.ID(), term.Clock, to.Sub(from), moved.Sub(k.Base))
				}
			} else if got, want := c.BusinessBetween(k.Base, moved), c.BusinessBetween(from, to); got != want {
				t.Fatalf("%s %s: pause %s..%s (%s business) moved the deadline by %s", p.ID(), term.Clock, from, to, want, got)
			}
		}
	}
}
