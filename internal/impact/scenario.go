package impact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Scenario is the JSON document of `tenderdesk impact plan --scenario`
// (docs/impact.md): a profile, the incidents and maintenance windows, the
// readings chosen, and the procedures.
type Scenario struct {
	Input      Input
	Options    Options
	Procedures []Procedure
}

// The wire types keep times as strings so a time without a UTC offset is
// reported by field, not as an opaque encoding/json error.
type wireScenario struct {
	Profile     string         `json:"profile"`
	Options     *wireOptions   `json:"options,omitempty"`
	Incident    *wireIncident  `json:"incident,omitempty"`
	Incidents   []wireIncident `json:"incidents,omitempty"`
	Maintenance []wireMaint    `json:"maintenance,omitempty"`
	Procedures  []wireProc     `json:"procedures"`
}

type wireOptions struct {
	SpentFrom          string `json:"spent_from,omitempty"` // start | confirmation
	Days               string `json:"days,omitempty"`       // ceil | dates_touched
	NextDay            string `json:"next_day,omitempty"`   // same_time | end_of_day
	Q36_3InsideOnly    bool   `json:"q36_3_inside_only,omitempty"`
	Q37_8MoveStart     bool   `json:"q37_8_move_start,omitempty"`
	Q49FromOldDeadline bool   `json:"q49_from_old_deadline,omitempty"`
	Q41WholeWindow     bool   `json:"q41_whole_window,omitempty"`
	AllowShorten       bool   `json:"allow_shorten,omitempty"`
	GoszakupLevelRules bool   `json:"goszakup_level_rules,omitempty"`
	NoQuasiHold        bool   `json:"no_quasi_hold,omitempty"`
}

type wireFM struct {
	AgreedDays int `json:"agreed_days"`
}

type wireAppeal struct {
	Kind                    string `json:"kind"`
	Procedure               string `json:"procedure"`
	Lot                     string `json:"lot,omitempty"`
	Supplier                string `json:"supplier,omitempty"`
	At                      string `json:"at,omitempty"`
	ExcludedAt              string `json:"excluded_at,omitempty"`
	DraftSentToSecondWinner bool   `json:"draft_sent_to_second_winner,omitempty"`
	ActApprovedAt           string `json:"act_approved_at,omitempty"`
}

type wireIncident struct {
	ID                        string       `json:"id,omitempty"`
	Criticality               string       `json:"criticality,omitempty"`
	OperatorDependent         bool         `json:"operator_dependent,omitempty"`
	Modules                   []string     `json:"modules,omitempty"`
	Procedures                []string     `json:"procedures,omitempty"`
	StartedAt                 string       `json:"started_at"`
	ReportedAt                string       `json:"reported_at,omitempty"`
	ConfirmedAt               string       `json:"confirmed_at,omitempty"`
	RefutedAt                 string       `json:"refuted_at,omitempty"`
	HoldUntil                 string       `json:"hold_until,omitempty"`
	FixedAt                   string       `json:"fixed_at,omitempty"`
	FixActual                 bool         `json:"fix_actual,omitempty"`
	DecryptionImpossible      bool         `json:"decryption_impossible,omitempty"`
	ForceMajeure              *wireFM      `json:"force_majeure,omitempty"`
	LastDayAcceptanceAffected bool         `json:"last_day_acceptance_affected,omitempty"`
	ResultsAffected           []string     `json:"results_affected,omitempty"`
	Appeals                   []wireAppeal `json:"appeals,omitempty"`
}

type wireMaint struct {
	ID      string   `json:"id,omitempty"`
	Start   string   `json:"start"`
	End     string   `json:"end"`
	Modules []string `json:"modules,omitempty"`
}

type wireParticipant struct {
	Supplier string `json:"supplier"`
	Email    string `json:"email,omitempty"`
	Language string `json:"language,omitempty"`
}

type wireDeadline struct {
	Kind     string `json:"kind"`
	Lot      string `json:"lot,omitempty"`
	Supplier string `json:"supplier,omitempty"`
	At       string `json:"at"`
}

type wireProc struct {
	ID           string            `json:"id"`
	Announcement string            `json:"announcement,omitempty"`
	Lots         []string          `json:"lots,omitempty"`
	Method       string            `json:"method"`
	Customer     string            `json:"customer,omitempty"`
	Module       string            `json:"module,omitempty"`
	Participants []wireParticipant `json:"participants,omitempty"`
	Deadlines    []wireDeadline    `json:"deadlines"`
	Applied      []wireAction      `json:"applied,omitempty"`
}

type wireAction struct {
	Procedure  string   `json:"procedure"`
	Lot        string   `json:"lot"`
	Deadline   string   `json:"deadline"`
	Supplier   string   `json:"supplier,omitempty"`
	Old        string   `json:"old,omitempty"`
	New        string   `json:"new,omitempty"`
	Action     string   `json:"action"`
	Rule       string   `json:"rule"`
	Event      string   `json:"event,omitempty"`
	Reason     *Text    `json:"reason,omitempty"`
	Recipients []string `json:"recipients,omitempty"`
}

// timeField parses an RFC 3339 time that must carry a UTC offset.
func timeField(path, s string, required bool) (time.Time, error) {
	if s == "" {
		if required {
			return time.Time{}, fmt.Errorf("%s: required", path)
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", time.DateOnly} {
		if _, e := time.Parse(layout, s); e == nil {
			return time.Time{}, fmt.Errorf("%s: %q has no UTC offset (write e.g. %s+05:00)", path, s, s)
		}
	}
	return time.Time{}, fmt.Errorf("%s: %q is not an RFC 3339 time (2026-03-20T10:00:00+05:00)", path, s)
}

// ParseScenario reads a scenario strictly: unknown fields, unknown methods,
// kinds, criticalities or appeal kinds, times without an offset and a fix
// before the start are errors naming the field.
func ParseScenario(data []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w wireScenario
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("scenario: trailing data after the JSON object")
	}
	if w.Profile == "" {
		return nil, fmt.Errorf("profile: required")
	}
	sc := &Scenario{Input: Input{Profile: w.Profile}}
	if w.Options != nil {
		o, err := w.Options.options()
		if err != nil {
			return nil, err
		}
		sc.Options = o
	}
	incs := w.Incidents
	if w.Incident != nil {
		if len(incs) > 0 {
			return nil, fmt.Errorf("incident and incidents: give one of them")
		}
		incs = []wireIncident{*w.Incident}
	}
	for i := range incs {
		path := "incident"
		if w.Incident == nil {
			path = fmt.Sprintf("incidents[%d]", i)
		}
		inc, err := incs[i].incident(path)
		if err != nil {
			return nil, err
		}
		sc.Input.Incidents = append(sc.Input.Incidents, inc)
	}
	for i, m := range w.Maintenance {
		path := fmt.Sprintf("maintenance[%d]", i)
		start, err := timeField(path+".start", m.Start, true)
		if err != nil {
			return nil, err
		}
		end, err := timeField(path+".end", m.End, true)
		if err != nil {
			return nil, err
		}
		if !end.After(start) {
			return nil, fmt.Errorf("%s: end is not after start", path)
		}
		sc.Input.Maintenance = append(sc.Input.Maintenance, Maintenance{ID: m.ID, Start: start, End: end, Modules: m.Modules})
	}
	seen := map[string]bool{}
	for i := range w.Procedures {
		p, err := w.Procedures[i].procedure(fmt.Sprintf("procedures[%d]", i))
		if err != nil {
			return nil, err
		}
		if seen[p.ID] {
			return nil, fmt.Errorf("procedures[%d]: duplicate id %q", i, p.ID)
		}
		seen[p.ID] = true
		sc.Procedures = append(sc.Procedures, p)
	}
	return sc, nil
}

func (o *wireOptions) options() (Options, error) {
	opt := Options{Q36_3InsideOnly: o.Q36_3InsideOnly, Q37_8MoveStart: o.Q37_8MoveStart,
		Q49FromOldDeadline: o.Q49FromOldDeadline, Q41WholeWindow: o.Q41WholeWindow, AllowShorten: o.AllowShorten,
		GoszakupLevelRules: o.GoszakupLevelRules, NoQuasiHold: o.NoQuasiHold}
	// The first name of each choice is the default (zero) reading.
	var err error
	var n int
	if n, err = choice("options.spent_from", o.SpentFrom, "start", "confirmation"); err != nil {
		return opt, err
	}
	opt.SpentFrom = SpentFrom(n)
	if n, err = choice("options.days", o.Days, "ceil", "dates_touched"); err != nil {
		return opt, err
	}
	opt.Days = DaysReading(n)
	if n, err = choice("options.next_day", o.NextDay, "same_time", "end_of_day"); err != nil {
		return opt, err
	}
	opt.NextDay = NextDayReading(n)
	return opt, nil
}

func (w *wireIncident) incident(path string) (Incident, error) {
	inc := Incident{ID: w.ID, Criticality: Level(w.Criticality), OperatorDependent: w.OperatorDependent,
		Modules: w.Modules, Procedures: w.Procedures, FixActual: w.FixActual,
		DecryptionImpossible: w.DecryptionImpossible, LastDayAcceptanceAffected: w.LastDayAcceptanceAffected,
		ResultsAffected: w.ResultsAffected}
	if inc.Criticality != "" && !inc.Criticality.Valid() {
		return inc, fmt.Errorf("%s.criticality: %q: want low, medium or high", path, w.Criticality)
	}
	if len(w.Modules) == 0 && len(w.Procedures) == 0 && len(w.Appeals) == 0 && len(w.ResultsAffected) == 0 {
		return inc, fmt.Errorf("%s: name the affected modules or procedures", path)
	}
	var err error
	fields := []struct {
		name     string
		s        string
		dst      *time.Time
		required bool
	}{
		{"started_at", w.StartedAt, &inc.StartedAt, true},
		{"reported_at", w.ReportedAt, &inc.ReportedAt, false},
		{"confirmed_at", w.ConfirmedAt, &inc.ConfirmedAt, false},
		{"refuted_at", w.RefutedAt, &inc.RefutedAt, false},
		{"hold_until", w.HoldUntil, &inc.HoldUntil, false},
		{"fixed_at", w.FixedAt, &inc.FixedAt, false},
	}
	for _, f := range fields {
		if *f.dst, err = timeField(path+"."+f.name, f.s, f.required); err != nil {
			return inc, err
		}
	}
	if !inc.FixedAt.IsZero() && inc.FixedAt.Before(inc.StartedAt) {
		return inc, fmt.Errorf("%s.fixed_at: %s is before started_at %s", path, w.FixedAt, w.StartedAt)
	}
	if w.ForceMajeure != nil {
		if w.ForceMajeure.AgreedDays < 0 {
			return inc, fmt.Errorf("%s.force_majeure.agreed_days: negative", path)
		}
		inc.ForceMajeure = &ForceMajeure{AgreedDays: w.ForceMajeure.AgreedDays}
	}
	for j, a := range w.Appeals {
		ap := fmt.Sprintf("%s.appeals[%d]", path, j)
		if !slices.Contains(appealKinds, AppealKind(a.Kind)) {
			return inc, fmt.Errorf("%s.kind: unknown appeal kind %q (want %v)", ap, a.Kind, appealKinds)
		}
		if a.Procedure == "" {
			return inc, fmt.Errorf("%s.procedure: required", ap)
		}
		x := Appeal{Kind: AppealKind(a.Kind), Procedure: a.Procedure, Lot: a.Lot, Supplier: a.Supplier, DraftSentToSecondWinner: a.DraftSentToSecondWinner}
		if x.At, err = timeField(ap+".at", a.At, false); err != nil {
			return inc, err
		}
		if x.ExcludedAt, err = timeField(ap+".excluded_at", a.ExcludedAt, x.Kind == AppealUnreliableRegister); err != nil {
			return inc, err
		}
		if x.ActApprovedAt, err = timeField(ap+".act_approved_at", a.ActApprovedAt, false); err != nil {
			return inc, err
		}
		inc.Appeals = append(inc.Appeals, x)
	}
	return inc, nil
}

func (w *wireProc) procedure(path string) (Procedure, error) {
	p := Procedure{ID: w.ID, Announcement: w.Announcement, Lots: w.Lots, Method: Method(w.Method),
		Customer: w.Customer, Module: w.Module}
	if p.ID == "" {
		return p, fmt.Errorf("%s.id: required", path)
	}
	if !p.Method.valid() {
		return p, fmt.Errorf("%s.method: unknown method %q (want %v)", path, w.Method, Methods)
	}
	for _, pt := range w.Participants {
		p.Participants = append(p.Participants, Participant(pt))
	}
	for j, d := range w.Deadlines {
		dp := fmt.Sprintf("%s.deadlines[%d]", path, j)
		k := Kind(d.Kind)
		if !k.Valid() {
			return p, fmt.Errorf("%s.kind: unknown deadline kind %q (want %v)", dp, d.Kind, Kinds)
		}
		at, err := timeField(dp+".at", d.At, true)
		if err != nil {
			return p, err
		}
		p.Deadlines = append(p.Deadlines, Deadline{Kind: k, Lot: d.Lot, Supplier: d.Supplier, At: at})
	}
	for j := range w.Applied {
		a, err := w.Applied[j].action(fmt.Sprintf("%s.applied[%d]", path, j))
		if err != nil {
			return p, err
		}
		if a.Procedure == "" {
			a.Procedure = p.ID
		}
		p.Applied = append(p.Applied, a)
	}
	return p, nil
}

func (w *wireAction) action(path string) (Action, error) {
	a := Action{Procedure: w.Procedure, Lot: w.Lot, Deadline: Kind(w.Deadline), Supplier: w.Supplier,
		Action: ActionKind(w.Action), Rule: w.Rule, Event: w.Event, Recipients: w.Recipients}
	if w.Reason != nil {
		a.Reason = *w.Reason
	}
	if !a.Action.valid() {
		return a, fmt.Errorf("%s.action: unknown action %q (want %v)", path, w.Action, ActionKinds)
	}
	if a.Deadline != "" && !a.Deadline.Valid() {
		return a, fmt.Errorf("%s.deadline: unknown deadline kind %q", path, w.Deadline)
	}
	var err error
	if a.Old, err = timeField(path+".old", w.Old, a.Action.moves()); err != nil {
		return a, err
	}
	if a.New, err = timeField(path+".new", w.New, a.Action.moves()); err != nil {
		return a, err
	}
	return a, nil
}

func wireOf(a *Action, loc *time.Location) wireAction {
	w := wireAction{Procedure: a.Procedure, Lot: a.Lot, Deadline: string(a.Deadline), Supplier: a.Supplier,
		Action: string(a.Action), Rule: a.Rule, Event: a.Event, Recipients: a.Recipients}
	if a.Reason != (Text{}) {
		r := a.Reason
		w.Reason = &r
	}
	if !a.Old.IsZero() {
		w.Old = a.Old.In(loc).Format(time.RFC3339)
	}
	if !a.New.IsZero() {
		w.New = a.New.In(loc).Format(time.RFC3339)
	}
	return w
}

// MarshalPlan renders a plan as {"actions":[…]}, times in loc with their
// offset, indented, ending in a newline. The CLI and the golden files use it.
func MarshalPlan(actions []Action, loc *time.Location) ([]byte, error) {
	out := struct {
		Actions []wireAction `json:"actions"`
	}{Actions: make([]wireAction, 0, len(actions))}
	for i := range actions {
		out.Actions = append(out.Actions, wireOf(&actions[i], loc))
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// RegisteredAt is the time the profile version is resolved at: the first
// registration (or start) among the incidents, else the first maintenance.
func (sc *Scenario) RegisteredAt() time.Time {
	var t time.Time
	first := func(x time.Time) {
		if !x.IsZero() && (t.IsZero() || x.Before(t)) {
			t = x
		}
	}
	for _, inc := range sc.Input.Incidents {
		if !inc.ReportedAt.IsZero() {
			first(inc.ReportedAt)
		} else {
			first(inc.StartedAt)
		}
	}
	if t.IsZero() {
		for _, m := range sc.Input.Maintenance {
			first(m.Start)
		}
	}
	return t
}

// PlanScenario resolves the profile (a bare family at RegisteredAt), builds
// the planner on the profile's calendar and plans every procedure.
func PlanScenario(sc *Scenario) ([]Action, *time.Location, error) {
	id, cal, err := ResolveProfile(sc.Input.Profile, sc.RegisteredAt())
	if err != nil {
		return nil, nil, fmt.Errorf("profile: %w", err)
	}
	in := sc.Input
	in.Profile = id
	pl, err := NewPlanner(in, cal, sc.Options)
	if err != nil {
		return nil, nil, err
	}
	acts, err := pl.PlanAll(sc.Procedures)
	return acts, pl.Location(), err
}

// choice is the index of val among names; "" is the first.
func choice(path, val string, names ...string) (int, error) {
	if val == "" {
		return 0, nil
	}
	if i := slices.Index(names, val); i >= 0 {
		return i, nil
	}
	return 0, fmt.Errorf("%s: %q: want one of %v", path, val, names)
}
