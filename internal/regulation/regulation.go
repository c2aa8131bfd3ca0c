// Package regulation holds the regulation profiles: each regulation as it
// stood over a period (its version), with its portal's zone, calendar,
// working hours, options for the documented readings, and its terms (the
// clocks the sla package runs). Pure data and code: no I/O, no time.Now.
package regulation

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"tenderdesk/internal/calendar"
)

// Base is how a term is counted — itself a reading of the text (docs/regulations.md).
type Base string

const (
	// Working: Amount of working time (stops at lunch, at night, on days off).
	Working Base = "working"
	// Calendar: Amount of elapsed time, round the clock.
	Calendar Base = "calendar"
	// WorkingDays: Days working days later at the same time of day, counted
	// from the next working moment.
	WorkingDays Base = "working_days"
	// WorkingDaysEnd: the end of working hours of the Days-th working day
	// after the day of the event, that day not counted.
	WorkingDaysEnd Base = "working_days_end"
	// NextWorkingDayEnd: the end of the working day of the next working
	// moment ("processed during the (next) working day").
	NextWorkingDayEnd Base = "next_working_day_end"
	// CalendarDaysBefore: a deadline before the event: 00:00 of the date Days
	// calendar days before the event's date.
	CalendarDaysBefore Base = "calendar_days_before"
)

// Term is one clock of a profile.
type Term struct {
	Clock   string        // registration, analysis, …
	Level   string        // criticality for level-dependent clocks (resolution), else ""
	Basis   string        // rule ID: Q29, G7, …
	Base    Base          //
	Amount  time.Duration // for Working and Calendar
	Days    int           // for the day-based bases
	From    string        // what starts the clock: "arrival", "registration", "confirmation", …
	Reading string        // short statement of the reading chosen
}

// Describe is "30m working" / "5 working_days".
func (t Term) Describe() string {
	if t.Amount > 0 {
		return fmt.Sprintf("%s %s", t.Amount, t.Base)
	}
	return fmt.Sprintf("%d %s", t.Days, t.Base)
}

// AfterHoursEmail is the reading of "an email received outside working time
// is registered on the next working day" (Q29/G7).
type AfterHoursEmail string

const (
	// Within30: within 30 working minutes of the start of the next working day (default).
	Within30 AfterHoursEmail = "within_30_minutes"
	// AnyTimeNextDay: any time during the next working day (deadline: its end).
	AnyTimeNextDay AfterHoursEmail = "any_time_next_working_day"
)

// Options are the profile's choices among documented readings.
type Options struct {
	AfterHoursEmail AfterHoursEmail
}

// Profile is one regulation version.
type Profile struct {
	Family  string // kz-goszakup
	Version string // 2020
	Source  string // the document
	Portal  string
	Country string        // calendar data set: kz, ru
	From    calendar.Date // first day in force (local date)
	Until   calendar.Date // last day in force; zero = still in force
	Hours   calendar.Hours
	Terms   []Term
	Options Options
	Note    string // how the effective period was established

	once sync.Once
	cal  *calendar.Calendar
	err  error

	termsOnce sync.Once
	termIdx   map[string][]int // clock -> indexes in Terms: lookups on the hot path
}

// ID is the full name "family@version".
// A family with a single unversioned profile (ru-khmao-goszakaz) is its own ID.
func (p *Profile) ID() string {
	if p.Version == "" {
		return p.Family
	}
	return p.Family + "@" + p.Version
}

// Calendar is the profile's business calendar (country data + its hours).
// It panics only if the embedded data is broken, which tests catch.
func (p *Profile) Calendar() *calendar.Calendar {
	p.once.Do(func() {
		if p.cal == nil {
			p.cal, p.err = calendar.New(p.Country, p.Hours)
		}
	})
	if p.err != nil {
		panic("regulation " + p.ID() + ": " + p.err.Error())
	}
	return p.cal
}

// Location is the profile's zone.
func (p *Profile) Location() *time.Location { return p.Calendar().Location() }

// WithCalendar is a copy of p using c (the calendar with admin overrides).
func (p *Profile) WithCalendar(c *calendar.Calendar) *Profile {
	n := p.clone()
	n.cal = c
	n.once.Do(func() {})
	return n
}

// WithOverrides is a copy of p whose calendar has the overrides on top.
func (p *Profile) WithOverrides(ovs ...calendar.Override) (*Profile, error) {
	c, err := p.Calendar().WithOverrides(ovs...)
	if err != nil {
		return nil, err
	}
	return p.WithCalendar(c), nil
}

// WithOptions is a copy of p with other readings.
func (p *Profile) WithOptions(o Options) *Profile {
	n := p.WithCalendar(p.Calendar()) // share the built calendar; reading p.cal directly could race its build
	n.Options = o
	return n
}

func (p *Profile) clone() *Profile {
	return &Profile{Family: p.Family, Version: p.Version, Source: p.Source, Portal: p.Portal, Country: p.Country,
		From: p.From, Until: p.Until, Hours: p.Hours, Terms: p.Terms, Options: p.Options, Note: p.Note}
}

// InForce reports whether p applies at t (on the profile's local date).
func (p *Profile) InForce(t time.Time) bool {
	d := calendar.DateOf(t.In(p.Location()))
	return !d.Before(p.From) && (p.Until.IsZero() || !p.Until.Before(d))
}

// Clocks are the names of the profile's clocks, sorted.
func (p *Profile) Clocks() []string {
	var out []string
	for _, t := range p.Terms {
		if !slices.Contains(out, t.Clock) {
			out = append(out, t.Clock)
		}
	}
	sort.Strings(out)
	return out
}

// Levels of a level-dependent clock ("resolution"); nil for the others.
func (p *Profile) Levels(clock string) []string {
	var out []string
	for _, t := range p.Terms {
		if t.Clock == clock && t.Level != "" {
			out = append(out, t.Level)
		}
	}
	return out
}

// Term is the profile's term for a clock (and level, for level-dependent
// clocks); the error names the accepted clocks or levels.
func (p *Profile) Term(clock, level string) (Term, error) {
	p.termsOnce.Do(func() {
		p.termIdx = make(map[string][]int, len(p.Terms))
		for i, t := range p.Terms {
			p.termIdx[t.Clock] = append(p.termIdx[t.Clock], i)
		}
	})
	for _, i := range p.termIdx[clock] {
		if p.Terms[i].Level == level {
			return p.Terms[i], nil
		}
	}
	found := false
	for _, t := range p.Terms {
		if t.Clock != clock {
			continue
		}
		found = true
	}
	if !found {
		return Term{}, fmt.Errorf("clock %q does not apply to %s; accepted: %s", clock, p.ID(), strings.Join(p.Clocks(), ", "))
	}
	return Term{}, fmt.Errorf("clock %s of %s needs a level; accepted: %s", clock, p.ID(), strings.Join(p.Levels(clock), ", "))
}

// Registry is a set of profile versions; effective periods are data, so an
// administrator's correction is a new Registry (WithPeriod).
type Registry struct {
	profiles []*Profile // by family, then From
}

// NewRegistry checks the profiles: unique IDs, periods of one family not overlapping.
func NewRegistry(ps ...*Profile) (*Registry, error) {
	r := &Registry{profiles: append([]*Profile(nil), ps...)}
	sort.SliceStable(r.profiles, func(i, j int) bool {
		a, b := r.profiles[i], r.profiles[j]
		if a.Family != b.Family {
			return a.Family < b.Family
		}
		return a.From.Before(b.From)
	})
	for i, p := range r.profiles {
		if !p.Until.IsZero() && p.Until.Before(p.From) {
			return nil, fmt.Errorf("profile %s: in force until %s, before %s", p.ID(), p.Until, p.From)
		}
		if i == 0 {
			continue
		}
		q := r.profiles[i-1]
		if q.ID() == p.ID() {
			return nil, fmt.Errorf("profile %s listed twice", p.ID())
		}
		if q.Family == p.Family && (q.Until.IsZero() || !q.Until.Before(p.From)) {
			return nil, fmt.Errorf("profiles %s and %s overlap", q.ID(), p.ID())
		}
	}
	return r, nil
}

// Profiles are all versions.
func (r *Registry) Profiles() []*Profile { return append([]*Profile(nil), r.profiles...) }

// Names are the accepted names: every family (resolved by time) and every full ID.
func (r *Registry) Names() []string {
	var out []string
	for _, p := range r.profiles {
		if !slices.Contains(out, p.Family) {
			out = append(out, p.Family)
		}
		if p.ID() != p.Family {
			out = append(out, p.ID())
		}
	}
	return out
}

// Get is a version by its full ID.
func (r *Registry) Get(id string) (*Profile, bool) {
	for _, p := range r.profiles {
		if p.ID() == id {
			return p, true
		}
	}
	return nil, false
}

// Resolve turns a name into a profile: a full "family@version" as is, a bare
// family into the version in force at at (an incident keeps the version in
// force at its first registration: pass that time). Past the family's last
// version's end that version stays in use (see ResolveLenient): an appeal
// is never refused for the catalogue's sake. Unknown names are errors
// naming what is accepted.
func (r *Registry) Resolve(name string, at time.Time) (*Profile, error) {
	res, err := r.ResolveLenient(name, at)
	return res.Profile, err
}

// inForce is the strict resolution: a bare family with no version in force
// at at is an error listing the versions.
func (r *Registry) inForce(name string, at time.Time) (*Profile, error) {
	if strings.Contains(name, "@") {
		if p, ok := r.Get(name); ok {
			return p, nil
		}
		return nil, fmt.Errorf("unknown profile %q; accepted: %s", name, strings.Join(r.Names(), ", "))
	}
	var fam []string
	for _, p := range r.profiles {
		if p.Family != name {
			continue
		}
		if p.InForce(at) {
			return p, nil
		}
		fam = append(fam, fmt.Sprintf("%s (%s..%s)", p.ID(), p.From, untilText(p.Until)))
	}
	if len(fam) == 0 {
		return nil, fmt.Errorf("unknown profile %q; accepted: %s", name, strings.Join(r.Names(), ", "))
	}
	return nil, fmt.Errorf("no version of %s in force at %s; versions: %s", name, at.Format(time.RFC3339), strings.Join(fam, ", "))
}

// Resolution is a resolved name: the version to use, and whether it is
// used past its end because the catalogue has no version for that time.
type Resolution struct {
	Profile *Profile
	Lapsed  bool
}

// ResolveLenient is Resolve for registering appeals, which are never
// refused for the catalogue's sake (issue 8, defect 3): a bare family at a
// time no version covers takes the nearest version (the last one after the
// family's end, the first one before its start), flagged Lapsed. Only an
// unknown name is an error.
func (r *Registry) ResolveLenient(name string, at time.Time) (Resolution, error) {
	p, err := r.inForce(name, at)
	if err == nil {
		return Resolution{Profile: p, Lapsed: !p.InForce(at)}, nil
	}
	var first, last *Profile
	for _, q := range r.profiles {
		if q.Family != name {
			continue
		}
		if first == nil || q.From.Before(first.From) {
			first = q
		}
		if last == nil || last.From.Before(q.From) {
			last = q
		}
	}
	if last == nil {
		return Resolution{}, err
	}
	if calendar.DateOf(at.In(last.Location())).Before(last.From) {
		return Resolution{Profile: first, Lapsed: true}, nil
	}
	return Resolution{Profile: last, Lapsed: true}, nil
}

// LapsedAt reports whether version id is used at a time outside its period.
func (r *Registry) LapsedAt(id string, at time.Time) bool {
	p, ok := r.Get(id)
	return ok && !p.InForce(at)
}

// Lapsed names, for the administrator, each family whose last version has
// ended by now with no successor in the catalogue: appeals are registered
// on that version and flagged until a successor or an end is recorded.
func (r *Registry) Lapsed(now time.Time) []string {
	var out []string
	for _, fam := range r.families() {
		var last *Profile
		for _, q := range r.profiles {
			if q.Family == fam && (last == nil || last.From.Before(q.From)) {
				last = q
			}
		}
		if !last.Until.IsZero() && last.Until.Before(calendar.DateOf(now.In(last.Location()))) {
			out = append(out, fmt.Sprintf("profile %s: its last version %s ended %s and the catalogue has no successor; appeals naming %s are registered on %s and flagged profile_lapsed", fam, last.ID(), last.Until, fam, last.ID()))
		}
	}
	return out
}

func (r *Registry) families() []string {
	var fams []string
	for _, p := range r.profiles {
		if !slices.Contains(fams, p.Family) {
			fams = append(fams, p.Family)
		}
	}
	return fams
}

func untilText(d calendar.Date) string {
	if d.IsZero() {
		return "now"
	}
	return d.String()
}

// Period is a version's effective period as an administrator recorded it.
type Period struct {
	From, Until calendar.Date // Until zero: in force until further notice
}

// WithPeriods is a copy of r with the periods of the named versions
// replaced, checked together (two versions of a family may not overlap).
func (r *Registry) WithPeriods(ps map[string]Period) (*Registry, error) {
	var out []*Profile
	for id := range ps {
		if _, ok := r.Get(id); !ok {
			return nil, fmt.Errorf("unknown profile %q; accepted: %s", id, strings.Join(r.Names(), ", "))
		}
	}
	for _, p := range r.profiles {
		if per, ok := ps[p.ID()]; ok {
			n := p.WithCalendar(p.Calendar())
			n.From, n.Until = per.From, per.Until
			p = n
		}
		out = append(out, p)
	}
	return NewRegistry(out...)
}

// WithPeriod is a copy of r with one version's effective period corrected.
func (r *Registry) WithPeriod(id string, from, until calendar.Date) (*Registry, error) {
	var ps []*Profile
	found := false
	for _, p := range r.profiles {
		if p.ID() == id {
			n := p.WithCalendar(p.Calendar())
			n.From, n.Until, found = from, until, true
			p = n
		}
		ps = append(ps, p)
	}
	if !found {
		return nil, fmt.Errorf("unknown profile %q; accepted: %s", id, strings.Join(r.Names(), ", "))
	}
	return NewRegistry(ps...)
}

var defaultRegistry = sync.OnceValue(func() *Registry {
	r, err := NewRegistry(builtin()...)
	if err != nil {
		panic(err) // the built-in data is checked by tests
	}
	return r
})

// Default is the registry of the built-in profiles.
func Default() *Registry { return defaultRegistry() }

// Resolve resolves name in the default registry.
func Resolve(name string, at time.Time) (*Profile, error) { return Default().Resolve(name, at) }

// Names are the accepted names of the default registry.
func Names() []string { return Default().Names() }
