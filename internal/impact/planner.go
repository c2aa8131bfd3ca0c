package impact

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"
)

// ruleSet says which groups of rules a profile carries.
type ruleSet struct {
	levels bool // Q35–Q37
	hold   bool // G-000 provisional hold
	q38    bool // planned fix defaults to the Q38 term
	q41    bool // maintenance windows move deadlines
	points bool // Q48–Q51
	energy bool // E29.3–E29.6
}

// rulesFor maps a profile version to its rule groups. Profiles are
// "family@version" as in REQUIREMENTS; ru-khmao-goszakaz has no version.
func rulesFor(profile string, o Options) (ruleSet, error) {
	fam, ver, _ := strings.Cut(profile, "@")
	switch fam {
	case "kz-quasi":
		if ver == "" {
			break
		}
		return ruleSet{levels: true, hold: !o.NoQuasiHold, q38: true, q41: true, points: true}, nil
	case "kz-goszakup":
		if ver == "" {
			break
		}
		// 000 (order 1322, in force 07.01.2022) brings the hold; 001 does not have it.
		rs := ruleSet{hold: ver >= "2022", levels: o.GoszakupLevelRules}
		rs.q38 = rs.levels
		return rs, nil
	case "kz-energy":
		if ver == "" {
			break
		}
		// 004 ties no deadline to a level; E29 applies to every confirmed failure.
		return ruleSet{energy: true}, nil
	case "ru-khmao-goszakaz":
		// 003 sets support terms only (R6); nothing moves procurement deadlines.
		return ruleSet{}, nil
	default:
		return ruleSet{}, fmt.Errorf("unknown profile %q (want kz-goszakup@2020, kz-goszakup@2022, kz-quasi@2021, kz-energy@2025 or ru-khmao-goszakaz)", profile)
	}
	return ruleSet{}, fmt.Errorf("profile %q needs a version (e.g. %s@…)", profile, fam)
}

type incState int

const (
	pending incState = iota
	confirmed
	refuted
)

// event is an incident or a maintenance window, normalised for planning.
type event struct {
	id    string
	inc   *Incident
	maint *Maintenance
	// [start, end] is the failure (start → actual or planned fix) or the
	// maintenance window.
	start, end time.Time
	reported   time.Time
	state      incState
	dur        time.Duration // time spent fixing, per Options.SpentFrom
	days       int           // corresponding calendar days, ≥ 1
	allMods    bool
	mods       map[string]bool
	procs      map[string]bool
	appeals    map[string][]*Appeal
	results    map[string]bool
	// [lo, hi] bounds every deadline value a rule of this event can move,
	// except acceptance under Q36.3 (openAcceptance) and the decryption
	// chain under Q37.9/Q37.10 (openDecrypt), which are unbounded above.
	lo, hi         time.Time
	openAcceptance bool
	openDecrypt    bool
}

// mayMove is the cheap test behind Planner.mayTouch.
func (ev *event) mayMove(k Kind, v time.Time) bool {
	if !v.Before(ev.lo) && !v.After(ev.hi) {
		return true
	}
	if ev.openDecrypt && (acceptance(k) || k == Decryption || k == OpeningProtocol) {
		return true // Q37.10 reopens acceptance that ended before the failure
	}
	return ev.openAcceptance && acceptance(k) && !v.Before(ev.lo)
}

func (ev *event) covers(p *Procedure) bool {
	return ev.allMods || ev.mods[p.Module] || ev.procs[p.ID]
}

// Planner computes plans for one set of incidents and maintenance windows.
// It is immutable after NewPlanner and safe for concurrent use.
type Planner struct {
	profile   string
	rules     ruleSet
	opt       Options
	cal       Calendar
	loc       *time.Location
	events    []*event
	known     map[string]bool
	named     map[string]bool // procedures named by id anywhere in the input
	from, to  time.Time
	unbounded bool
	scope     Scope
	reasons   sync.Map // reasonKey → Text

}

// Scope tells a caller which procedures can be touched, so the database can
// filter before streaming. Procedures that already carry applied actions of
// these events must be streamed too (their delta may be non-empty).
type Scope struct {
	AllModules bool     // a maintenance window without modules covers everything
	Modules    []string // sorted
	Procedures []string // named directly, sorted
	// From: a procedure none of whose deadlines is at or after From is not
	// touched unless it is named in Procedures.
	From time.Time
	// To: nor is one none of whose deadlines is at or before To, unless To is
	// zero (a rule reaches arbitrarily late acceptance deadlines: Q36.3,
	// Q37.9, Q37.10).
	To time.Time
}

// NewPlanner validates the input and prepares the events in their
// composition order: by start time, maintenance before incidents at the same
// instant, then by id. Each event acts on the deadline values left by the
// events before it.
func NewPlanner(in Input, cal Calendar, opt Options) (*Planner, error) {
	rs, err := rulesFor(in.Profile, opt)
	if err != nil {
		return nil, err
	}
	if cal == nil || cal.Location() == nil {
		return nil, fmt.Errorf("a calendar with a location is required")
	}
	pl := &Planner{profile: in.Profile, rules: rs, opt: opt, cal: cal, loc: cal.Location(),
		known: map[string]bool{}, named: map[string]bool{}}
	mods := map[string]bool{}
	for i := range in.Incidents {
		inc := &in.Incidents[i]
		ev, err := pl.incidentEvent(inc, i)
		if err != nil {
			return nil, err
		}
		for m := range ev.mods {
			mods[m] = true
		}
		pl.addEvent(ev)
	}
	for i := range in.Maintenance {
		mw := &in.Maintenance[i]
		id := mw.ID
		if id == "" {
			id = fmt.Sprintf("maintenance-%d", i+1)
		}
		if mw.Start.IsZero() || mw.End.IsZero() {
			return nil, fmt.Errorf("maintenance %s: start and end are required", id)
		}
		if !mw.End.After(mw.Start) {
			return nil, fmt.Errorf("maintenance %s: end %s is not after start %s", id, mw.End.Format(time.RFC3339), mw.Start.Format(time.RFC3339))
		}
		ev := &event{id: id, maint: mw, start: mw.Start, end: mw.End, allMods: len(mw.Modules) == 0, mods: set(mw.Modules),
			lo: startOfDay(mw.Start, pl.loc), hi: startOfDay(mw.End, pl.loc).Add(24 * time.Hour)}
		if rs.q41 {
			pl.scope.AllModules = pl.scope.AllModules || ev.allMods
			for m := range ev.mods {
				mods[m] = true
			}
		}
		pl.addEvent(ev)
	}
	slices.SortStableFunc(pl.events, func(a, b *event) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		if (a.maint != nil) != (b.maint != nil) {
			if a.maint != nil {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.id, b.id)
	})
	for m := range mods {
		pl.scope.Modules = append(pl.scope.Modules, m)
	}
	slices.Sort(pl.scope.Modules)
	for id := range pl.named {
		pl.scope.Procedures = append(pl.scope.Procedures, id)
	}
	slices.Sort(pl.scope.Procedures)
	pl.scope.From = pl.from
	if !pl.unbounded {
		pl.scope.To = pl.to
	}
	return pl, nil
}

func (pl *Planner) addEvent(ev *event) {
	pl.events = append(pl.events, ev)
	pl.known[ev.id] = true
	if pl.from.IsZero() || ev.lo.Before(pl.from) {
		pl.from = ev.lo
	}
	if ev.openAcceptance || ev.openDecrypt {
		pl.unbounded = true
	}
	if ev.hi.After(pl.to) {
		pl.to = ev.hi
	}
}

func (pl *Planner) incidentEvent(inc *Incident, i int) (*event, error) {
	id := inc.ID
	if id == "" {
		id = fmt.Sprintf("incident-%d", i+1)
	}
	if pl.known[id] {
		return nil, fmt.Errorf("incident %s: duplicate id", id)
	}
	name := "incident " + id
	if inc.StartedAt.IsZero() {
		return nil, fmt.Errorf("%s: started_at is required", name)
	}
	ev := &event{id: id, inc: inc, start: inc.StartedAt, reported: inc.ReportedAt,
		mods: set(inc.Modules), procs: set(inc.Procedures), appeals: map[string][]*Appeal{}, results: set(inc.ResultsAffected)}
	if ev.reported.IsZero() {
		ev.reported = inc.StartedAt
	}
	switch {
	case !inc.ConfirmedAt.IsZero() && !inc.RefutedAt.IsZero():
		return nil, fmt.Errorf("%s: both confirmed_at and refuted_at are set", name)
	case !inc.ConfirmedAt.IsZero():
		ev.state = confirmed
		if !inc.Criticality.Valid() {
			return nil, fmt.Errorf("%s: criticality %q: want low, medium or high", name, inc.Criticality)
		}
		if inc.ConfirmedAt.Before(ev.reported) {
			return nil, fmt.Errorf("%s: confirmed_at is before the failure was reported", name)
		}
	case !inc.RefutedAt.IsZero():
		ev.state = refuted
		if inc.RefutedAt.Before(ev.reported) {
			return nil, fmt.Errorf("%s: refuted_at is before the failure was reported", name)
		}
	default:
		ev.state = pending
		if pl.rules.hold && inc.HoldUntil.IsZero() {
			return nil, fmt.Errorf("%s: neither confirmed nor refuted: hold_until (the expected decision time) is required for the provisional hold (G-000)", name)
		}
		if !inc.HoldUntil.IsZero() && inc.HoldUntil.Before(ev.reported) {
			return nil, fmt.Errorf("%s: hold_until is before the failure was reported", name)
		}
	}
	if inc.Criticality != "" && !inc.Criticality.Valid() {
		return nil, fmt.Errorf("%s: criticality %q: want low, medium or high", name, inc.Criticality)
	}
	fix := inc.FixedAt
	if fix.IsZero() && ev.state == confirmed {
		if !(pl.rules.q38 && inc.OperatorDependent) {
			return nil, fmt.Errorf("%s: fixed_at (planned or actual fix) is required; Q38 terms apply only to operator-dependent failures", name)
		}
		// Q38: fixing term from the registration of the first appeal.
		switch inc.Criticality {
		case Low:
			fix = addWorkingDays(pl.cal, ev.reported, 5)
		case Medium:
			fix = addWorkingDays(pl.cal, ev.reported, 2)
		case High:
			fix = ev.reported.Add(12 * time.Hour)
		}
	}
	if !fix.IsZero() && fix.Before(inc.StartedAt) {
		return nil, fmt.Errorf("%s: fixed_at %s is before started_at %s", name, fix.Format(time.RFC3339), inc.StartedAt.Format(time.RFC3339))
	}
	if fix.IsZero() {
		fix = inc.StartedAt
	}
	ev.end = fix
	from := ev.start
	if pl.opt.SpentFrom == SpentFromConfirmation && !inc.ConfirmedAt.IsZero() && inc.ConfirmedAt.After(from) {
		from = inc.ConfirmedAt
	}
	if ev.end.After(from) {
		ev.dur = ev.end.Sub(from)
	}
	ev.days = pl.correspondingDays(ev.start, ev.end)
	ev.bounds()
	if inc.ForceMajeure != nil && inc.ForceMajeure.AgreedDays < 0 {
		return nil, fmt.Errorf("%s: force_majeure.agreed_days is negative", name)
	}
	for j := range inc.Appeals {
		a := &inc.Appeals[j]
		if !slices.Contains(appealKinds, a.Kind) {
			return nil, fmt.Errorf("%s: appeal %d: unknown kind %q", name, j, a.Kind)
		}
		if a.Procedure == "" {
			return nil, fmt.Errorf("%s: appeal %d: procedure is required", name, j)
		}
		if a.Kind == AppealUnreliableRegister && a.ExcludedAt.IsZero() {
			return nil, fmt.Errorf("%s: appeal %d: excluded_at is required for %s (Q50)", name, j, a.Kind)
		}
		ev.appeals[a.Procedure] = append(ev.appeals[a.Procedure], a)
		pl.named[a.Procedure] = true
	}
	for id := range ev.procs {
		pl.named[id] = true
	}
	for id := range ev.results {
		pl.named[id] = true
	}
	return ev, nil
}

// bounds sets [lo, hi]: the G-000 window from the report to the decision,
// and for a confirmed failure its own span plus max(its length, 1 day) —
// Q37.8 reaches an acceptance end up to one failure-length after the fix,
// E29.3 and Q48 a deadline on the date of the fix.
func (ev *event) bounds() {
	inc := ev.inc
	ev.lo = minT(ev.start, ev.reported)
	switch ev.state {
	case pending:
		ev.hi = maxT(inc.HoldUntil, ev.reported)
	case refuted:
		ev.hi = inc.RefutedAt
	case confirmed:
		ev.hi = maxT(ev.end.Add(max(ev.end.Sub(ev.start), 24*time.Hour)), inc.ConfirmedAt)
		ev.openAcceptance = inc.Criticality == Medium
		ev.openDecrypt = inc.Criticality == High && inc.DecryptionImpossible
	}
}

// correspondingDays is "the corresponding number of days, but at least 1
// calendar day" (Q36.5, Q36.6, Q37.5, Q37.6).
func (pl *Planner) correspondingDays(start, end time.Time) int {
	var n int
	if pl.opt.Days == DaysDatesTouched {
		a := startOfDay(start, pl.loc)
		b := startOfDay(end, pl.loc)
		for d := a; !d.After(b); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, pl.loc) {
			n++
		}
	} else {
		dur := end.Sub(start)
		n = int((dur + 24*time.Hour - 1) / (24 * time.Hour))
	}
	return max(n, 1)
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// Scope returns the filter a caller can push down to its store.
func (pl *Planner) Scope() Scope { return pl.scope }

// Location is the zone the plan's times are expressed in.
func (pl *Planner) Location() *time.Location { return pl.loc }

// mayTouch is the cheap pre-check that lets the untouched procedures of a
// module through without any allocation: is any deadline within reach of
// any event covering the procedure?
func (pl *Planner) mayTouch(p *Procedure) bool {
	if pl.named[p.ID] {
		return true
	}
	for _, ev := range pl.events {
		if ev.maint != nil && !pl.rules.q41 || !(ev.allMods || ev.mods[p.Module] || ev.procs[p.ID]) {
			continue
		}
		for i := range p.Deadlines {
			if ev.mayMove(p.Deadlines[i].Kind, p.Deadlines[i].At) {
				return true
			}
		}
	}
	return false
}

// Plan streams the actions for a stream of procedures. A procedure is not
// retained after its actions were yielded, so the caller may reuse it.
func (pl *Planner) Plan(procs iter.Seq2[*Procedure, error]) iter.Seq2[Action, error] {
	return func(yield func(Action, error) bool) {
		var buf []Action
		for p, err := range procs {
			if err != nil {
				yield(Action{}, err)
				return
			}
			buf, err = pl.AppendProcedure(buf[:0], p)
			if err != nil {
				yield(Action{}, err)
				return
			}
			for _, a := range buf {
				if !yield(a, nil) {
					return
				}
			}
		}
	}
}

// PlanEach calls fn once per procedure that gets at least one action, with
// that procedure's actions (the slice is reused: copy what you keep). This is
// the shape an apply step wants: one batch per procedure, in a transaction.
func (pl *Planner) PlanEach(procs iter.Seq2[*Procedure, error], fn func(p *Procedure, actions []Action) error) error {
	var buf []Action
	for p, err := range procs {
		if err != nil {
			return err
		}
		buf, err = pl.AppendProcedure(buf[:0], p)
		if err != nil {
			return err
		}
		if len(buf) > 0 {
			if err := fn(p, buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// PlanAll is PlanEach over a slice, collecting every action; for small inputs
// (CLI, tests).
func (pl *Planner) PlanAll(procs []Procedure) ([]Action, error) {
	var out []Action
	for i := range procs {
		var err error
		out, err = pl.AppendProcedure(out, &procs[i])
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
