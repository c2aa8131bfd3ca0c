// Package sla is the pure engine of the regulations' clocks: given a
// profile, a clock name and the moment that starts it, it computes the
// deadline in the clock's time base, and from pauses (Q38: information
// requested from the user), extensions agreed with the authorized body and
// the moment the duty was met, the state at any given now. No I/O, no
// time.Now: the caller passes now, so the database layer can store and
// re-evaluate clocks and tests can replay any moment.
package sla

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/vocab"
)

// State of a clock at a given moment.
type State string

const (
	Running  State = "running"
	Paused   State = "paused"
	Met      State = "met"
	Breached State = "breached"
)

// Channels an appeal arrives through (REQUIREMENTS "Appeal"): the Journal's
// vocabulary, one for the API, the CLI and the clocks (issue 8, defect 4).
var Channels = vocab.ChannelNames()

// ErrNotApplicable: the clock does not run in this situation (a phone call
// outside hours is not answered, Q29; resolution terms of an incident that
// does not depend on the operator, Q38).
var ErrNotApplicable = errors.New("sla: clock does not apply")

// Pause stops a clock; To zero means still paused.
type Pause struct {
	From, To time.Time
	Reason   string // "information requested from the user (Q38)"
}

// Extension moves a deadline by agreement with the authorized body (Q38) or
// another recorded basis. Exactly one of Until, Days, By is set.
type Extension struct {
	Until    time.Time     // the agreed new deadline
	Days     int           // working days (calendar days for calendar clocks)
	By       time.Duration // time in the clock's base
	Basis    string        // letter of the authorized body, rule ID
	AgreedAt time.Time
}

// Clock is one running term: a pure value; Pause, Resume, Extend, Meet
// return changed copies.
type Clock struct {
	Profile    *regulation.Profile
	Term       regulation.Term
	Channel    string
	Event      time.Time // the moment that starts the clock (arrival, registration, confirmation …)
	Start      time.Time // the moment counting starts (next working moment for working clocks)
	Base       time.Time // the deadline before extensions and pauses
	Pauses     []Pause
	Extensions []Extension
	MetAt      time.Time // zero until the duty is done
}

// Spec names a clock to start.
type Spec struct {
	Clock   string
	Level   string // for resolution: low, medium, high
	Channel string // for registration: email (default), phone, …
	At      time.Time
}

// Rule is a clock of one profile made ready for computing many deadlines:
// the term looked up and the calendar fetched once, like regexp.Compile.
type Rule struct {
	p       *regulation.Profile
	cal     *calendar.Calendar
	term    regulation.Term
	channel string
}

// Compile checks a clock, level and channel against profile p.
func Compile(p *regulation.Profile, clock, level, channel string) (*Rule, error) {
	r, err := compile(p, clock, level, channel)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// compile returns the Rule by value so one-off Deadline calls stay on the stack.
func compile(p *regulation.Profile, clock, level, channel string) (Rule, error) {
	t, err := p.Term(clock, level)
	if err != nil {
		if !slices.Contains(regulation.ClockNames(), clock) {
			err = fmt.Errorf("unknown clock %q; accepted: %s", clock, strings.Join(regulation.ClockNames(), ", "))
		}
		return Rule{}, err
	}
	if channel == "" {
		channel = "email"
	} else if !slices.Contains(Channels, channel) {
		return Rule{}, fmt.Errorf("unknown channel %q; accepted: %s", channel, strings.Join(Channels, ", "))
	}
	return Rule{p: p, cal: p.Calendar(), term: t, channel: channel}, nil
}

// Term is the rule's term.
func (r *Rule) Term() regulation.Term { return r.term }

// Deadline of the clock started by event at.
func (r *Rule) Deadline(at time.Time) (time.Time, error) {
	_, d, err := r.base(at, false)
	return d, err
}

// Start begins a clock at at.
func (r *Rule) Start(at time.Time) (Clock, error) {
	if at.IsZero() {
		return Clock{}, fmt.Errorf("sla: clock %s: no start time", r.term.Clock)
	}
	c := Clock{Profile: r.p, Term: r.term, Channel: r.channel, Event: at.In(r.cal.Location())}
	var err error
	c.Start, c.Base, err = r.base(c.Event, true)
	if err != nil {
		return Clock{}, err
	}
	return c, nil
}

// New starts a clock of profile p.
func New(p *regulation.Profile, s Spec) (Clock, error) {
	r, err := Compile(p, s.Clock, s.Level, s.Channel)
	if err != nil {
		return Clock{}, err
	}
	return r.Start(s.At)
}

// Deadline computes only the deadline of one clock.
func Deadline(p *regulation.Profile, s Spec) (time.Time, error) {
	if s.At.IsZero() {
		return time.Time{}, fmt.Errorf("sla: clock %s: no start time", s.Clock)
	}
	r, err := compile(p, s.Clock, s.Level, s.Channel)
	if err != nil {
		return time.Time{}, err
	}
	return r.Deadline(s.At)
}

// base is the deadline from event and, when withStart, the moment counting
// starts (skipped on the what-if path, where only the deadline is asked).
func (r *Rule) base(event time.Time, withStart bool) (start, deadline time.Time, err error) {
	c, t := r.cal, &r.term
	if t.Clock == regulation.ClockRegistration {
		return r.registration(event)
	}
	switch t.Base {
	case regulation.Working:
		if withStart {
			start = c.NextWorkingMoment(event)
		}
		return start, c.AddBusiness(event, t.Amount), nil
	case regulation.Calendar:
		return event, c.AddCalendar(event, t.Amount), nil
	case regulation.WorkingDays:
		s := c.NextWorkingMoment(event)
		return s, c.AddWorkingDays(s, t.Days), nil
	case regulation.WorkingDaysEnd:
		return event, c.EndOfWorkingDaysAfter(event, t.Days), nil
	case regulation.NextWorkingDayEnd:
		s := c.NextWorkingMoment(event)
		e, _ := c.EndOfWorkingDay(calendar.DateOf(s))
		return s, e, nil
	case regulation.CalendarDaysBefore:
		d := calendar.DateOf(event.In(c.Location())).AddDays(-t.Days)
		return event, d.At(0, c.Location()), nil
	}
	return time.Time{}, time.Time{}, fmt.Errorf("sla: clock %s: unknown base %q", t.Clock, t.Base)
}

// registration is Q29/G7: the profile's term (30 working minutes in every
// built-in profile) from arrival in working time; an email in the lunch
// break: that term after it ends; an email outside working time: the next
// working day (by default within its first term of working time); a phone
// call outside hours is not answered.
func (r *Rule) registration(event time.Time) (start, deadline time.Time, err error) {
	c := r.cal
	start = c.NextWorkingMoment(event)
	if c.IsWorkingTime(event) {
		return start, c.AddBusiness(event, r.term.Amount), nil
	}
	if r.channel == "phone" {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: a phone call at %s is outside working hours and is not answered (%s); accepted then: email and written channels",
			ErrNotApplicable, event.Format(time.RFC3339), r.term.Basis)
	}
	if inLunch(c, event) || r.p.Options.AfterHoursEmail != regulation.AnyTimeNextDay {
		return start, c.AddBusiness(event, r.term.Amount), nil
	}
	e, _ := c.EndOfWorkingDay(calendar.DateOf(start))
	return start, e, nil
}

// inLunch: outside working time but between the first and last working
// interval of a working day.
func inLunch(c *calendar.Calendar, t time.Time) bool {
	ivs := c.Intervals(calendar.DateOf(t.In(c.Location())))
	return len(ivs) > 1 && t.After(ivs[0][0]) && t.Before(ivs[len(ivs)-1][1])
}

// calendarBased clocks shift by elapsed time; the others by working time.
func (c Clock) calendarBased() bool {
	return c.Term.Base == regulation.Calendar || c.Term.Base == regulation.CalendarDaysBefore
}

// measure is the time from a to b in the clock's base.
func (c Clock) measure(a, b time.Time) time.Duration {
	if c.calendarBased() {
		return b.Sub(a)
	}
	return c.Profile.Calendar().BusinessBetween(a, b)
}

// shift moves t by d in the clock's base.
func (c Clock) shift(t time.Time, d time.Duration) time.Time {
	if c.calendarBased() {
		return t.Add(d).In(c.Profile.Location())
	}
	return c.Profile.Calendar().AddBusiness(t, d)
}

// Deadline with the extensions and the closed pauses; an open pause counts
// nothing yet (DeadlineAt counts it up to now).
func (c Clock) Deadline() time.Time { return c.deadline(time.Time{}) }

// DeadlineAt is the deadline as it stands at now: an open pause counts up to now.
func (c Clock) DeadlineAt(now time.Time) time.Time { return c.deadline(now) }

func (c Clock) deadline(now time.Time) time.Time {
	cal := c.Profile.Calendar()
	d := c.Base
	for _, e := range c.Extensions {
		switch {
		case !e.Until.IsZero():
			d = e.Until.In(cal.Location())
		case e.Days != 0 && c.calendarBased():
			d = cal.AddCalendarDays(d, e.Days)
		case e.Days != 0:
			d = cal.AddWorkingDays(d, e.Days)
		default:
			d = c.shift(d, e.By)
		}
	}
	ps := slices.Clone(c.Pauses)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].From.Before(ps[j].From) })
	for _, p := range ps {
		from, to := p.From, p.To
		if from.Before(c.Start) {
			from = c.Start
		}
		if to.IsZero() {
			if now.IsZero() || !now.After(from) {
				continue
			}
			to = now
		}
		if !now.IsZero() && to.After(now) {
			to = now
		}
		// a pause that starts after the deadline cannot save the clock
		if !from.Before(d) || !to.After(from) {
			continue
		}
		d = c.shift(d, c.measure(from, to))
	}
	return d
}

// Pause returns c paused from at.
func (c Clock) Pause(at time.Time, reason string) Clock {
	c.Pauses = append(slices.Clone(c.Pauses), Pause{From: at, Reason: reason})
	return c
}

// Resume ends the open pause at at (no-op when not paused).
func (c Clock) Resume(at time.Time) Clock {
	c.Pauses = slices.Clone(c.Pauses)
	for i := range c.Pauses {
		if c.Pauses[i].To.IsZero() {
			c.Pauses[i].To = at
		}
	}
	return c
}

// Extend records an extension.
func (c Clock) Extend(e Extension) Clock {
	c.Extensions = append(slices.Clone(c.Extensions), e)
	return c
}

// Meet records that the duty was done at at.
func (c Clock) Meet(at time.Time) Clock {
	c.MetAt = at
	return c
}

// Warn configures the warning before a breach: Before (in the clock's base)
// when set, else Fraction of the whole term (0.2 = warn when a fifth is left).
type Warn struct {
	Fraction float64
	Before   time.Duration
}

// DefaultWarn warns when a fifth of the term is left.
var DefaultWarn = Warn{Fraction: 0.2}

// Status is a clock at one moment.
type Status struct {
	State     State
	Deadline  time.Time
	Remaining time.Duration // in the clock's base; negative once breached
	WarnAt    time.Time
	Warning   bool // running or paused, and past WarnAt
}

// Status evaluates the clock at now.
func (c Clock) Status(now time.Time, w Warn) Status {
	d := c.deadline(now)
	s := Status{Deadline: d}
	switch {
	case !c.MetAt.IsZero() && !c.MetAt.After(now):
		s.Remaining = c.measure(c.MetAt, d)
		s.State = Met
		if c.MetAt.After(d) {
			s.State = Breached
		}
	case c.pausedAt(now):
		s.State, s.Remaining = Paused, c.measure(now, d)
	case now.After(d):
		s.State, s.Remaining = Breached, c.measure(now, d)
	default:
		s.State, s.Remaining = Running, c.measure(now, d)
	}
	total := c.measure(c.Start, d)
	if total < 0 {
		total = -total
	}
	before := w.Before
	if before <= 0 {
		before = time.Duration(w.Fraction * float64(total))
	}
	s.WarnAt = c.shift(d, -before)
	s.Warning = (s.State == Running || s.State == Paused) && !now.Before(s.WarnAt)
	return s
}

func (c Clock) pausedAt(now time.Time) bool {
	for _, p := range c.Pauses {
		if !now.Before(p.From) && (p.To.IsZero() || now.Before(p.To)) {
			return true
		}
	}
	return false
}

// Appeal is one registered appeal about an incident.
type Appeal struct {
	ID         string
	Registered time.Time
}

// Merged are the clocks of an incident reported by several appeals (Q38):
// one resolution clock from the registration of the first appeal, and an
// answer clock (appeal_consideration, Q20) for each appeal on its own.
type Merged struct {
	Resolution Clock
	Answers    map[string]Clock
}

// MergedClocks builds the clocks of an incident. operatorDependent false
// (Q26: third-party causes) gives ErrNotApplicable for the resolution.
func MergedClocks(p *regulation.Profile, level string, operatorDependent bool, appeals []Appeal) (Merged, error) {
	if len(appeals) == 0 {
		return Merged{}, errors.New("sla: an incident needs at least one appeal")
	}
	if !operatorDependent {
		return Merged{}, fmt.Errorf("%w: resolution terms apply only to operator-dependent incidents (Q38, Q26)", ErrNotApplicable)
	}
	first := appeals[0].Registered
	for _, a := range appeals[1:] {
		if a.Registered.Before(first) {
			first = a.Registered
		}
	}
	res, err := New(p, Spec{Clock: regulation.ClockResolution, Level: level, At: first})
	if err != nil {
		return Merged{}, err
	}
	m := Merged{Resolution: res, Answers: map[string]Clock{}}
	for _, a := range appeals {
		ans, err := New(p, Spec{Clock: regulation.ClockAppealConsideration, At: a.Registered})
		if err != nil {
			return Merged{}, err
		}
		m.Answers[a.ID] = ans
	}
	return m, nil
}
