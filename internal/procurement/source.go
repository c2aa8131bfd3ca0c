package procurement

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/impact"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
)

// PlanRequest carries what the engine needs that the Journal does not keep.
// A field left out keeps the value of this incident's last applied plan.
type PlanRequest struct {
	// HoldUntil: expected decision time of an incident still being analysed
	// (the G-000 provisional hold runs to it).
	HoldUntil                 *time.Time `json:"hold_until,omitempty"`
	DecryptionImpossible      *bool      `json:"decryption_impossible,omitempty"`        // Q37.9, Q37.10
	ForceMajeureDays          *int       `json:"force_majeure_days,omitempty"`           // Q37.10: days agreed with the authorized body
	LastDayAcceptanceAffected *bool      `json:"last_day_acceptance_affected,omitempty"` // E29.3
	// Procedures directly affected (external ids), besides the modules.
	Procedures []string `json:"procedures,omitempty"`
	// PlanHash (apply only): refuse to apply unless the plan is still the one
	// previewed (409 otherwise).
	PlanHash string `json:"plan_hash,omitempty"`
	// Progress (apply only), when set, is told how many of the scope's
	// procedures have been planned and recorded (the console's progress).
	Progress func(done, total int) `json:"-"`
}

// AppealInputs are what appeals recorded as triggers give the engine
// (internal/triggers): Q49–Q51 and E29.6 appeals, E29.5 procedures whose
// results the failure affected, E29.3.
type AppealInputs struct {
	Appeals                   []impact.Appeal
	ResultsAffected           []string
	LastDayAcceptanceAffected bool
}

// planSetup is everything a plan of one incident is computed from.
type planSetup struct {
	incidentID int64
	// windowID and window: a maintenance window's own plan (incidentID 0).
	windowID int64
	window   *impact.Maintenance
	fm       ForceMajeureFacts // recorded on the incident (its bidders' message)
	view     journal.IncidentView
	inc      impact.Incident
	profile  string
	planner  *impact.Planner
	scope    impact.Scope // of this incident alone
}

// incidentOf maps a Journal incident to the engine's input.
func incidentOf(v journal.IncidentView, prev *impact.Incident, req PlanRequest) (impact.Incident, error) {
	inc := impact.Incident{ID: strconv.FormatInt(v.ID, 10), Criticality: impact.Level(v.Criticality),
		Modules: v.Modules, ReportedAt: v.FirstRegisteredAt, StartedAt: v.FirstRegisteredAt}
	if prev != nil {
		inc.HoldUntil, inc.DecryptionImpossible, inc.ForceMajeure = prev.HoldUntil, prev.DecryptionImpossible, prev.ForceMajeure
		inc.LastDayAcceptanceAffected, inc.Procedures = prev.LastDayAcceptanceAffected, prev.Procedures
	}
	if v.OperatorDependent != nil {
		inc.OperatorDependent = *v.OperatorDependent
	}
	if v.FailureStartedAt != nil {
		inc.StartedAt = *v.FailureStartedAt
	}
	switch {
	case v.FixedAt != nil:
		inc.FixedAt, inc.FixActual = *v.FixedAt, true
	case v.PlannedFixAt != nil:
		inc.FixedAt = *v.PlannedFixAt
	}
	var decided journal.State
	for _, t := range v.Transitions {
		switch t.To {
		case journal.Confirmed:
			inc.ConfirmedAt, inc.RefutedAt, decided = t.At, time.Time{}, t.To
		case journal.Refuted:
			inc.RefutedAt, inc.ConfirmedAt, decided = t.At, time.Time{}, t.To
		}
	}
	if v.State == journal.Merged {
		return inc, apperr.New(apperr.Conflict, "incident %d was merged into another; plan that one", v.ID)
	}
	if decided == "" {
		inc.Criticality = ""
	}
	if req.HoldUntil != nil {
		inc.HoldUntil = *req.HoldUntil
	}
	if req.DecryptionImpossible != nil {
		inc.DecryptionImpossible = *req.DecryptionImpossible
	}
	if req.ForceMajeureDays != nil {
		inc.ForceMajeure = nil
		if *req.ForceMajeureDays > 0 {
			inc.ForceMajeure = &impact.ForceMajeure{AgreedDays: *req.ForceMajeureDays}
		}
	}
	if req.LastDayAcceptanceAffected != nil {
		inc.LastDayAcceptanceAffected = *req.LastDayAcceptanceAffected
	}
	if req.Procedures != nil {
		inc.Procedures = slices.Clone(req.Procedures)
	}
	return inc, nil
}

// activeInputs returns the incident inputs of the latest applied plan of
// every incident that has one, by incident id.
func activeInputs(ctx context.Context, q queryer, query string) (map[int64]impact.Incident, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]impact.Incident{}
	for rows.Next() {
		var id int64
		var in string
		if err := rows.Scan(&id, &in); err != nil {
			return nil, err
		}
		var inc impact.Incident
		if err := json.Unmarshal([]byte(in), &inc); err != nil {
			return nil, fmt.Errorf("applied plan input of incident %d: %w", id, err)
		}
		out[id] = inc
	}
	return out, rows.Err()
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// setup builds the planner for incident id. The input holds the incident as
// the Journal has it now plus, for composition and delta planning, every
// other incident exactly as its last applied plan saw it (so planning this
// incident never re-plans another one behind its operator's back).
func (s *Service) setup(ctx context.Context, q queryer, id int64, req PlanRequest) (*planSetup, error) {
	v, err := s.Journal.Incident(ctx, id)
	if err != nil {
		return nil, err
	}
	active, err := activeInputs(ctx, q, Q.ActivePlans)
	if err != nil {
		return nil, apperr.Wrap(err, "applied plans")
	}
	var prev *impact.Incident
	if p, ok := active[id]; ok {
		prev = &p
	}
	inc, err := incidentOf(v, prev, req)
	if err != nil {
		return nil, err
	}
	if s.Triggers != nil { // appeals that trigger point rules (issue 14)
		t, err := s.Triggers(ctx, id)
		if err != nil {
			return nil, err
		}
		inc.Appeals, inc.ResultsAffected = t.Appeals, t.ResultsAffected
		inc.LastDayAcceptanceAffected = inc.LastDayAcceptanceAffected || t.LastDayAcceptanceAffected
	}
	var fm ForceMajeureFacts
	if s.ForceMajeure != nil { // recorded force majeure (issue 14, Q17, Q37.10)
		if fm, err = s.ForceMajeure(ctx, id); err != nil {
			return nil, err
		}
		if req.ForceMajeureDays == nil && fm.AgreedDays > 0 {
			inc.ForceMajeure = &impact.ForceMajeure{AgreedDays: fm.AgreedDays}
		}
	}
	profile, cal, err := impact.ResolveProfile(v.Profile, v.FirstRegisteredAt)
	if err != nil {
		return nil, apperr.New(apperr.Unprocessable, "profile %q: %v", v.Profile, err)
	}
	alone, err := impact.NewPlanner(impact.Input{Profile: profile, Incidents: []impact.Incident{inc}}, cal, s.Options)
	if err != nil {
		return nil, apperr.New(apperr.Unprocessable, "incident %d cannot be planned: %v", id, err)
	}
	// Q41 (issue 14): the maintenance windows of the status page compose
	// with the incident, so a deadline the incident reaches that falls on a
	// date of works (or is moved onto one) moves by them too.
	windows, err := s.windows(ctx, q, alone.Scope().From)
	if err != nil {
		return nil, apperr.Wrap(err, "maintenance windows")
	}
	in := impact.Input{Profile: profile, Incidents: []impact.Incident{inc}, Maintenance: windows}
	others := make([]int64, 0, len(active))
	for oid := range active {
		if oid != id {
			others = append(others, oid)
		}
	}
	slices.Sort(others)
	for _, oid := range others {
		in.Incidents = append(in.Incidents, active[oid])
	}
	pl, err := impact.NewPlanner(in, cal, s.Options)
	if err != nil {
		return nil, apperr.New(apperr.Unprocessable, "incident %d with the applied plans of others cannot be planned: %v", id, err)
	}
	return &planSetup{incidentID: id, view: v, inc: inc, fm: fm, profile: profile, planner: pl, scope: alone.Scope()}, nil
}

// WindowEvent is the engine's event id of maintenance window id (plan
// changes carry it; plan_windows records which an applied plan moved by).
func WindowEvent(id int64) string { return "maintenance:" + strconv.FormatInt(id, 10) }

// windowOf is the maintenance id of a window's event id, or 0.
func windowOf(event string) int64 {
	s, ok := strings.CutPrefix(event, "maintenance:")
	if !ok {
		return 0
	}
	id, _ := strconv.ParseInt(s, 10, 64)
	return id
}

// windows reads the maintenance windows a plan composes with
// (windows-for-plan): the status page's windows with an end, not withdrawn,
// ending at or after from, plus those an applied plan moved deadlines by.
// The table keeps no modules: a window covers the whole portal.
func (s *Service) windows(ctx context.Context, q queryer, from time.Time) ([]impact.Maintenance, error) {
	rows, err := q.QueryContext(ctx, Q.WindowsForPlan, store.T(from))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []impact.Maintenance
	for rows.Next() {
		var id int64
		var start, end store.Time
		if err := rows.Scan(&id, &start, &end); err != nil {
			return nil, err
		}
		if !end.Time.After(start.Time) {
			continue // the engine refuses an empty window; it moves nothing anyway
		}
		out = append(out, impact.Maintenance{ID: WindowEvent(id), Start: start.Time, End: end.Time})
	}
	return out, rows.Err()
}

// scopeIDs lists, sorted, the internal ids of the procedures the incident
// can touch: those of its modules with a deadline in the engine's reach
// (one index range scan per module), those named directly, and those that
// carry applied changes of the incident (their delta may be non-empty).
func (s *Service) scopeIDs(ctx context.Context, q queryer, ps *planSetup) ([]int64, error) {
	var ids []int64
	collect := func(query string, args ...any) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	}
	sc := ps.scope
	if sc.AllModules { // a window's own plan: every module of the mirror
		rows, err := q.QueryContext(ctx, Q.ScopeModules)
		if err != nil {
			return nil, err
		}
		var ms []string
		for rows.Next() {
			var m string
			if err := rows.Scan(&m); err != nil {
				rows.Close()
				return nil, err
			}
			ms = append(ms, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		sc.Modules = ms
	}
	for _, m := range sc.Modules {
		var err error
		if sc.To.IsZero() {
			err = collect(Q.ScopeFrom, m, store.T(sc.From))
		} else {
			err = collect(Q.ScopeWindow, m, store.T(sc.From), store.T(sc.To))
		}
		if err != nil {
			return nil, err
		}
	}
	for _, ext := range sc.Procedures {
		if err := collect(Q.ScopeNamed, ext); err != nil {
			return nil, err
		}
	}
	applied, owner := Q.ScopeApplied, ps.incidentID
	if ps.window != nil {
		applied, owner = Q.ScopeAppliedWindow, ps.windowID
	}
	if err := collect(applied, owner); err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

func (s *Service) loadChunk(ctx context.Context, q queryer, arg string, buf *[]impact.Procedure, bufIDs *[]int64, idx map[int64]int) error {
	rows, err := q.QueryContext(ctx, store.ByDialect(s.DB.Dialect, Q.ChunkSQLite, Q.ChunkPostgres), arg)
	if err != nil {
		return fmt.Errorf("load procedures: %w", err)
	}
	anyApplied := false
	for rows.Next() {
		var id int64
		var p impact.Procedure
		var method, lots, parts string
		var dls sql.NullString
		var applied bool
		if err := rows.Scan(&id, &p.ID, &p.Announcement, &method, &p.Customer, &p.Module, &lots, &parts, &dls, &applied); err != nil {
			rows.Close()
			return err
		}
		p.Method = impact.Method(method)
		if lots != "[]" {
			if err := json.Unmarshal([]byte(lots), &p.Lots); err != nil {
				rows.Close()
				return fmt.Errorf("procedure %s: lots: %w", p.ID, err)
			}
		}
		if parts != "[]" {
			var ps []Participant
			if err := json.Unmarshal([]byte(parts), &ps); err != nil {
				rows.Close()
				return fmt.Errorf("procedure %s: participants: %w", p.ID, err)
			}
			p.Participants = make([]impact.Participant, len(ps))
			for i, x := range ps {
				p.Participants[i] = impact.Participant(x)
			}
		}
		if p.Deadlines, err = unfold(dls.String); err != nil {
			rows.Close()
			return fmt.Errorf("procedure %s: %w", p.ID, err)
		}
		anyApplied = anyApplied || applied
		idx[id] = len(*buf)
		*buf = append(*buf, p)
		*bufIDs = append(*bufIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if !anyApplied {
		return nil
	}
	rows, err = q.QueryContext(ctx, store.ByDialect(s.DB.Dialect, Q.ChunkChangesSQLite, Q.ChunkChangesPostgres), arg)
	if err != nil {
		return fmt.Errorf("load applied changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var a impact.Action
		var kind, action, rcpts string
		var old, nw store.Time
		if err := rows.Scan(&pid, &a.Event, &a.Lot, &kind, &a.Supplier, &action, &a.Rule, &old, &nw, &rcpts); err != nil {
			return err
		}
		i, ok := idx[pid]
		if !ok {
			continue
		}
		a.Procedure, a.Deadline, a.Action, a.Old, a.New = (*buf)[i].ID, impact.Kind(kind), impact.ActionKind(action), old.Time, nw.Time
		(*buf)[i].Applied = append((*buf)[i].Applied, a)
	}
	return rows.Err()
}

// unfold parses the deadlines folded by the chunk query: fields split by
// U+001F, deadlines by U+001E.
func unfold(s string) ([]impact.Deadline, error) {
	if s == "" {
		return nil, nil
	}
	out := make([]impact.Deadline, 0, strings.Count(s, "\x1e")+1)
	for rec := range strings.SplitSeq(s, "\x1e") {
		kind, rest, ok1 := strings.Cut(rec, "\x1f")
		lot, rest, ok2 := strings.Cut(rest, "\x1f")
		sup, at, ok3 := strings.Cut(rest, "\x1f")
		var t store.Time
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("malformed deadline %q", rec)
		}
		if err := t.Scan(at); err != nil {
			return nil, fmt.Errorf("deadline %s: %w", kind, err)
		}
		out = append(out, impact.Deadline{Kind: impact.Kind(kind), Lot: lot, Supplier: sup, At: t.Time})
	}
	return out, nil
}

// loaded is one chunk read ahead by streamAhead.
type loaded struct {
	procs []impact.Procedure
	ids   []int64
	err   error
}

// streamAhead is stream with the loading on its own goroutine, two chunks
// ahead, so reading the database overlaps planning and writing. q must not
// be used by anyone else until the iteration ends (it waits for the loader
// before returning).
func (s *Service) streamAhead(ctx context.Context, q queryer, ids []int64, cur *int64) iter.Seq2[*impact.Procedure, error] {
	return func(yield func(*impact.Procedure, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		ch := make(chan loaded, 2)
		done := make(chan struct{})
		defer func() { cancel(); <-done }()
		go func() {
			defer close(done)
			defer close(ch)
			chunk := max(s.Chunk, 1)
			arg := make([]byte, 0, chunk*8)
			for start := 0; start < len(ids); start += chunk {
				part := ids[start:min(start+chunk, len(ids))]
				arg = append(arg[:0], '[')
				for i, id := range part {
					if i > 0 {
						arg = append(arg, ',')
					}
					arg = strconv.AppendInt(arg, id, 10)
				}
				arg = append(arg, ']')
				l := loaded{procs: make([]impact.Procedure, 0, len(part)), ids: make([]int64, 0, len(part))}
				l.err = s.loadChunk(ctx, q, string(arg), &l.procs, &l.ids, make(map[int64]int, len(part)))
				select {
				case ch <- l:
				case <-ctx.Done():
					return
				}
				if l.err != nil {
					return
				}
			}
		}()
		for l := range ch {
			if l.err != nil {
				yield(nil, l.err)
				return
			}
			for i := range l.procs {
				*cur = l.ids[i]
				if !yield(&l.procs[i], nil) {
					return
				}
			}
		}
	}
}
