package procurement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/impact"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
)

// A maintenance window's own plan (issue 14, Q41; docs/impact.md "A
// window's own plan"): the deadlines a window of the status page reaches
// move by it even when no incident overlaps it. The plan composes, as an
// incident's does, with every incident as its last applied plan saw it and
// with every other window, and is previewed, applied atomically and
// reverted exactly as an incident's plan.

// ForceMajeureFacts are what the force majeure recorded on an incident
// gives its plan (internal/forcemajeure): the agreed days for Q37.10 and
// the facts the bidders are told of (Q17).
type ForceMajeureFacts struct {
	Recorded    bool
	AgreedDays  int
	Started     time.Time
	ExpectedEnd time.Time
	Ended       time.Time // zero while it lasts
}

// WindowNumber is how a window's plan is named in the bidders' messages
// (a window has no Journal number).
func WindowNumber(id int64) string { return "MW-" + strconv.FormatInt(id, 10) }

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// engineInput is what the applied plan keeps as its input: the incident,
// or the window.
func (ps *planSetup) engineInput() any {
	if ps.window != nil {
		return ps.window
	}
	return ps.inc
}

// bidderNotice is the message one bidder of the plan gets: the window's
// (maintenance_extensions), the force majeure's (force_majeure_extensions,
// Q17: what happened, since when, until when), or the failure's
// (extensions_granted).
func (ps *planSetup) bidderNotice(exts []templates.Extension, zone string) (templates.Kind, templates.Data) {
	if ps.window != nil {
		return templates.MaintenanceExtensions, templates.Data{Number: WindowNumber(ps.windowID), Started: ps.window.Start,
			Ended: ps.window.End, Extensions: exts, Zone: zone, Profile: ps.profile}
	}
	// The failure's own number (defect 10: an appeal's number was used).
	number := ps.view.Number
	if number == "" {
		number = "#" + strconv.FormatInt(ps.incidentID, 10)
	}
	d := templates.Data{Number: number, Level: string(ps.inc.Criticality), Started: ps.inc.StartedAt,
		Confirmed: ps.inc.ConfirmedAt, Modules: strings.Join(ps.inc.Modules, ", "), Extensions: exts, Zone: zone, Profile: ps.view.Profile}
	if ps.inc.FixActual {
		d.FixedAt = ps.inc.FixedAt
	} else {
		d.PlannedFix = ps.inc.FixedAt
	}
	if fm := ps.fm; fm.Recorded {
		// Started stays the failure's; the force majeure's own facts.
		d.Received, d.ExpectedEnd, d.Ended, d.AgreedDays = fm.Started, fm.ExpectedEnd, fm.Ended, fm.AgreedDays
		return templates.ForceMajeureExtensions, d
	}
	return templates.ExtensionsGranted, d
}

// withdrawnHeader is the kind and the header (number, profile, zone; a
// window's works) of a reverted plan's withdrawal messages: a window's
// plan names the works (MaintenanceWithdrawn, ext14c), an incident's the
// failure (ExtensionsWithdrawn).
func (s *Service) withdrawnHeader(ctx context.Context, q queryer, p PlanRecord) (templates.Kind, templates.Data, error) {
	zone := "UTC"
	if p.Incident == 0 {
		if _, cal, err := impact.ResolveProfile(p.Profile, p.AppliedAt); err == nil {
			zone = cal.Location().String()
		}
		var id int64
		var start, end, withdrawn store.Time
		if err := q.QueryRowContext(ctx, Q.WindowByID, p.Maintenance).Scan(&id, &start, &end, &withdrawn); err != nil {
			return "", templates.Data{}, fmt.Errorf("maintenance window %d: %w", p.Maintenance, err)
		}
		if end.IsZero() {
			// An applied plan's window had an end; a later edit cannot
			// clear it, but the message must not show a zero date.
			end = start
		}
		return templates.MaintenanceWithdrawn, templates.Data{Number: WindowNumber(p.Maintenance), Profile: p.Profile, Zone: zone,
			Started: start.Time, Ended: end.Time}, nil
	}
	v, err := s.Journal.Incident(ctx, p.Incident)
	if err != nil {
		return "", templates.Data{}, err
	}
	if _, cal, err := impact.ResolveProfile(v.Profile, v.FirstRegisteredAt); err == nil {
		zone = cal.Location().String()
	}
	number := v.Number
	if number == "" {
		number = "#" + strconv.FormatInt(p.Incident, 10)
	}
	return templates.ExtensionsWithdrawn, templates.Data{Number: number, Profile: v.Profile, Zone: zone}, nil
}

// windowRequest refuses, naming the field, what only an incident's plan
// takes; a window's plan takes plan_hash (apply) alone.
func windowRequest(req PlanRequest) error {
	v := apperr.Validation{}
	if req.HoldUntil != nil {
		v.Add("hold_until", "an incident's plan only")
	}
	if req.DecryptionImpossible != nil {
		v.Add("decryption_impossible", "an incident's plan only")
	}
	if req.ForceMajeureDays != nil {
		v.Add("force_majeure_days", "an incident's plan only")
	}
	if req.LastDayAcceptanceAffected != nil {
		v.Add("last_day_acceptance_affected", "an incident's plan only")
	}
	if req.Procedures != nil {
		v.Add("procedures", "an incident's plan only: a window covers the whole portal")
	}
	return v.Err()
}

// PlanWindow is the dry run of maintenance window id's own plan (Plan's
// contract otherwise).
func (s *Service) PlanWindow(ctx context.Context, id int64, req PlanRequest, each func(PlannedAction) error) (Summary, error) {
	if err := windowRequest(req); err != nil {
		return Summary{}, err
	}
	return s.plan(ctx, func(q queryer) (*planSetup, error) { return s.setupWindow(ctx, q, id) }, each)
}

// ApplyWindow applies maintenance window id's own plan (Apply's contract:
// all or nothing, staged on SQLite, idempotent, plan_hash checked).
func (s *Service) ApplyWindow(ctx context.Context, id int64, req PlanRequest, by audit.Actor) (Applied, error) {
	if err := windowRequest(req); err != nil {
		return Applied{}, err
	}
	return s.apply(ctx, func(q queryer) (*planSetup, error) { return s.setupWindow(ctx, q, id) }, req, by)
}

// setupWindow builds the planner of window id's own plan (Q41-open: a
// window whose end is not known yet cannot be planned; 409 naming ends_at).
// The profile is the desk's default in force at the window's start.
func (s *Service) setupWindow(ctx context.Context, q queryer, id int64) (*planSetup, error) {
	var start, end, withdrawn store.Time
	err := q.QueryRowContext(ctx, Q.WindowByID, id).Scan(&id, &start, &end, &withdrawn)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "no maintenance window %d", id)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "maintenance window")
	}
	if !withdrawn.IsZero() {
		return nil, apperr.New(apperr.Conflict, "maintenance window %d was withdrawn: it moves nothing (revert its applied plan instead)", id)
	}
	if end.IsZero() {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: "the window's end is not known yet: its plan is computed once the end is entered (Q41-open)",
			Fields: map[string]string{"ends_at": "required before the window's plan: Q41 moves a deadline by the length of the works"}}
	}
	if !end.Time.After(start.Time) {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: "the window is empty", Fields: map[string]string{"ends_at": "after starts_at"}}
	}
	w := impact.Maintenance{ID: WindowEvent(id), Start: start.Time, End: end.Time}
	profile, cal, err := impact.ResolveProfile(s.DefaultProfile, w.Start)
	if err != nil {
		return nil, apperr.New(apperr.Unprocessable, "the desk's profile %q: %v", s.DefaultProfile, err)
	}
	alone, err := impact.NewPlanner(impact.Input{Profile: profile, Maintenance: []impact.Maintenance{w}}, cal, s.Options)
	if err != nil {
		return nil, apperr.New(apperr.Unprocessable, "window %d cannot be planned: %v", id, err)
	}
	active, err := activeInputs(ctx, q, Q.ActivePlans)
	if err != nil {
		return nil, apperr.Wrap(err, "applied plans")
	}
	windows, err := s.windows(ctx, q, alone.Scope().From)
	if err != nil {
		return nil, apperr.Wrap(err, "maintenance windows")
	}
	in := impact.Input{Profile: profile, Maintenance: windows}
	if !slices.ContainsFunc(windows, func(m impact.Maintenance) bool { return m.ID == w.ID }) {
		in.Maintenance = append(in.Maintenance, w)
	}
	ids := make([]int64, 0, len(active))
	for oid := range active {
		ids = append(ids, oid)
	}
	slices.Sort(ids)
	for _, oid := range ids {
		in.Incidents = append(in.Incidents, active[oid])
	}
	pl, err := impact.NewPlanner(in, cal, s.Options)
	if err != nil {
		return nil, apperr.New(apperr.Unprocessable, "window %d with the applied plans of incidents cannot be planned: %v", id, err)
	}
	return &planSetup{windowID: id, window: &w, profile: profile, planner: pl, scope: alone.Scope()}, nil
}

// PlansOfWindow lists a window's own applied and reverted plans, newest
// first (the console's maintenance page).
func (s *Service) PlansOfWindow(ctx context.Context, id int64) ([]PlanRecord, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.PlansOfWindow, id)
	if err != nil {
		return nil, apperr.Wrap(err, "plans of window")
	}
	defer rows.Close()
	out := []PlanRecord{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "plans of window")
		}
		out = append(out, p)
	}
	return out, apperr.Wrap(rows.Err(), "plans of window")
}
