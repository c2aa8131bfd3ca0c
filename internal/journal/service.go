package journal

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"regexp"
	"strconv"
	"tenderdesk/internal/regulation"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

//go:embed queries.sql
var queriesSQL string

var Queries = store.MustParse(queriesSQL)

// ProfileResolver resolves a profile name (bare or versioned; empty means
// the desk's default) in force at a time to its versioned name.
type ProfileResolver func(name string, at time.Time) (string, error)

// Metrics receives counts; nil-safe.
type Metrics interface {
	AppealsRegistered(n int, batch int)
	IncidentTransition(action string)
}

type metricsHook struct{ m Metrics }

func (h metricsHook) registered(batch int) {
	if h.m != nil {
		h.m.AppealsRegistered(1, batch)
	}
}

type Service struct {
	DB             *store.DB
	Now            func() time.Time
	Zone           *time.Location // numbering year and local times
	resolveProfile ProfileResolver
	// Lapsed reports a profile version used at a time outside its period
	// (the catalogue with the administrator's recorded dates); default: the
	// shipped catalogue's dates.
	Lapsed  func(profileID string, at time.Time) bool
	batch   *batcher
	metrics metricsHook
	hooks   []Hooks
	counts  openCounts // CountOpen's, kept briefly
	// Announcement and Lot, when set, are the formats of the portal's
	// numbers an appeal may name: they are published on the status page
	// once the failure is confirmed, so free text is refused (issue 9.9).
	Announcement, Lot *regexp.Regexp
}

func (s *Service) hookTx(tx *sql.Tx, now time.Time) HookTx {
	return HookTx{Tx: tx, Dialect: s.DB.Dialect, Now: now, Audit: func(ctx context.Context, a audit.Actor, e audit.Entry) error {
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, a, e)
		return err
	}}
}

// New starts the registration writer; Close stops it.
func New(db *store.DB, now func() time.Time, zone *time.Location, resolve ProfileResolver, m Metrics) *Service {
	s := &Service{DB: db, Now: now, Zone: zone, resolveProfile: resolve, metrics: metricsHook{m}, Lapsed: regulation.Default().LapsedAt}
	s.batch = newBatcher(s, 256)
	return s
}

func (s *Service) Close() { s.batch.close() }

func scanAppeal(r interface{ Scan(...any) error }) (Appeal, error) {
	var a Appeal
	var recv, reg, det store.Time
	var ann, lots string
	err := r.Scan(&a.ID, &a.Number, &a.IncidentID, &a.Channel, &recv, &reg, &det, &a.Organization, &a.BIN, &a.ContactEmail,
		&a.ContactPhone, &a.Description, &a.Module, &ann, &lots, &a.Profile, &a.IncidentNumber, &a.PossibleThreadOf)
	a.ReceivedAt, a.RegisteredAt, a.DetectedAt = recv.Time, reg.Time, det.Ptr()
	a.Announcements, a.Lots = strList(ann), strList(lots)
	return a, err
}

func (s *Service) appeal(ctx context.Context, q querier, number string) (Appeal, error) {
	a, err := scanAppeal(q.QueryRowContext(ctx, Q.AppealByNumber, number))
	a.ProfileLapsed = s.Lapsed(a.Profile, a.ReceivedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no appeal %s", number)
	}
	return a, apperr.Wrap(err, "load appeal")
}

func scanIncident(r interface{ Scan(...any) error }) (Incident, error) {
	var i Incident
	var paused, crit sql.NullString
	var opdep sql.NullBool
	var first, started, planned, fixed, created, updated store.Time
	var modules string
	var merged sql.NullInt64
	err := r.Scan(&i.ID, &i.Number, &i.State, &paused, &i.Profile, &first, &crit, &opdep, &i.Cause, &started, &planned, &fixed,
		&modules, &i.Decision, &i.Recommendations, &merged, &created, &updated, &i.Version)
	i.PausedFrom, i.Criticality = State(paused.String), vocab.Criticality(crit.String)
	if opdep.Valid {
		i.OperatorDependent = &opdep.Bool
	}
	if merged.Valid {
		i.MergedInto = &merged.Int64
	}
	i.FirstRegisteredAt, i.FailureStartedAt, i.PlannedFixAt, i.FixedAt = first.Time, started.Ptr(), planned.Ptr(), fixed.Ptr()
	i.CreatedAt, i.UpdatedAt, i.Modules = created.Time, updated.Time, strList(modules)
	return i, err
}

func (s *Service) incident(ctx context.Context, q querier, id int64) (Incident, error) {
	i, err := scanIncident(q.QueryRowContext(ctx, Q.IncidentByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return i, apperr.New(apperr.NotFound, "no incident %d", id)
	}
	return i, apperr.Wrap(err, "load incident")
}

// incidentAt loads an incident to change it; expected (when not 0) is the
// version the caller read (optimistic lock).
func (s *Service) incidentAt(ctx context.Context, tx *sql.Tx, id int64, expected int) (Incident, error) {
	inc, err := s.incident(ctx, tx, id)
	if err == nil && expected != 0 && expected != inc.Version {
		return inc, apperr.New(apperr.Conflict, "incident %d is at version %d, not %d; reload and retry", id, inc.Version, expected)
	}
	return inc, err
}

// Appeal returns one appeal by its number.
func (s *Service) Appeal(ctx context.Context, number string) (Appeal, error) {
	return s.appeal(ctx, s.DB.R, number)
}

// IncidentView is an incident with its appeals and history.
type IncidentView struct {
	Incident
	Appeals     []Appeal     `json:"appeals"`
	Transitions []Transition `json:"transitions"`
}

func (s *Service) Incident(ctx context.Context, id int64) (IncidentView, error) {
	inc, err := s.incident(ctx, s.DB.R, id)
	if err != nil {
		return IncidentView{}, err
	}
	v := IncidentView{Incident: inc, Appeals: []Appeal{}, Transitions: []Transition{}}
	if v.Appeals, err = s.appealsOf(ctx, s.DB.R, id); err != nil {
		return v, err
	}
	rows, err := s.DB.R.QueryContext(ctx, Q.TransitionsOfIncident, id)
	if err != nil {
		return v, apperr.Wrap(err, "transitions")
	}
	defer rows.Close()
	for rows.Next() {
		var t Transition
		var at store.Time
		if err := rows.Scan(&t.From, &t.To, &t.Actor, &at, &t.Note); err != nil {
			return v, apperr.Wrap(err, "transitions")
		}
		t.At = at.Time
		v.Transitions = append(v.Transitions, t)
	}
	return v, apperr.Wrap(rows.Err(), "transitions")
}

type rowsQuerier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Service) appealsOf(ctx context.Context, q rowsQuerier, id int64) ([]Appeal, error) {
	rows, err := q.QueryContext(ctx, Q.AppealsOfIncident, id)
	if err != nil {
		return nil, apperr.Wrap(err, "appeals")
	}
	defer rows.Close()
	out := []Appeal{}
	for rows.Next() {
		a, err := scanAppeal(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "appeals")
		}
		a.ProfileLapsed = s.Lapsed(a.Profile, a.ReceivedAt)
		out = append(out, a)
	}
	return out, apperr.Wrap(rows.Err(), "appeals")
}

func (s *Service) save(ctx context.Context, tx *sql.Tx, before, after Incident) error {
	var crit, paused any
	if after.Criticality != "" {
		crit = after.Criticality
	}
	if after.PausedFrom != "" {
		paused = string(after.PausedFrom)
	}
	var opdep any
	if after.OperatorDependent != nil {
		opdep = *after.OperatorDependent
	}
	var merged any
	if after.MergedInto != nil {
		merged = *after.MergedInto
	}
	pt := func(t *time.Time) store.Time {
		if t == nil {
			return store.Time{}
		}
		return store.T(*t)
	}
	// The row count says whether someone else changed the incident: in a
	// pipelined registration group this statement runs at once.
	ctx, err := store.Direct(ctx)
	if err != nil {
		return apperr.Wrap(err, "update incident")
	}
	res, err := tx.ExecContext(ctx, Q.UpdateIncident, after.ID, before.Version, string(after.State), paused, crit, opdep,
		after.Cause, pt(after.FailureStartedAt), pt(after.PlannedFixAt), pt(after.FixedAt), mustJSON(after.Modules),
		after.Decision, after.Recommendations, merged, store.T(after.FirstRegisteredAt), store.T(after.UpdatedAt))
	if err != nil {
		return apperr.Wrap(err, "update incident")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "incident %d was changed by someone else; reload and retry", after.ID)
	}
	if _, err := tx.ExecContext(ctx, Q.SyncAppeals, after.ID, string(after.State), after.Criticality); err != nil {
		return apperr.Wrap(err, "sync appeals")
	}
	return nil
}

// Transition applies an action to an incident, recording who and when in
// the transitions table and the audit trail, in one transaction.
func (s *Service) Transition(ctx context.Context, by audit.Actor, id int64, in TransitionInput) (Incident, error) {
	var out Incident
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		before, err := s.incidentAt(ctx, tx, id, in.ExpectedVersion)
		if err != nil {
			return err
		}
		after, err := Apply(before, in, now)
		if err != nil {
			return err
		}
		if err := s.save(ctx, tx, before, after); err != nil {
			return err
		}
		var actorID any
		if by.ID != 0 {
			actorID = by.ID
		}
		if _, err := tx.ExecContext(ctx, Q.InsertTransition, id, string(before.State), string(after.State), actorID, store.T(now), in.Note); err != nil {
			return apperr.Wrap(err, "transition")
		}
		after.Version = before.Version + 1
		if _, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "incident." + string(in.Action), ObjectType: "incident",
			ObjectID: itoa(id), Before: before, After: after}); err != nil {
			return err
		}
		out = after
		if in.InTx != nil {
			if err := in.InTx(ctx, s.hookTx(tx, now), after); err != nil {
				return err
			}
		}
		for _, h := range s.hooks {
			if err := h.IncidentChanged(ctx, s.hookTx(tx, now), in.Action, by, before, after); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.countsChanged()
	}
	if err == nil && s.metrics.m != nil {
		s.metrics.m.IncidentTransition(string(in.Action))
	}
	return out, err
}

// Merge attaches an appeal to another incident (a duplicate report of the
// same failure). The target keeps the earliest registration (Q38); an
// incident left without appeals becomes merged.
func (s *Service) Merge(ctx context.Context, by audit.Actor, number string, target int64) (Incident, error) {
	var out Incident
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		a, err := s.appeal(ctx, tx, number)
		if err != nil {
			return err
		}
		if a.IncidentID == target {
			return apperr.New(apperr.Conflict, "appeal %s is already attached to incident %d", number, target)
		}
		dst, err := s.incident(ctx, tx, target)
		if err != nil {
			return err
		}
		if dst.State == Closed || dst.State == Merged {
			return apperr.New(apperr.Conflict, "incident %d is %s; merge into an open incident", target, dst.State)
		}
		src, err := s.incident(ctx, tx, a.IncidentID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, Q.MoveAppeal, a.ID, target); err != nil {
			return apperr.Wrap(err, "move appeal")
		}
		newDst := dst
		newDst.Modules, _ = withModule(dst.Modules, a.Module)
		if a.RegisteredAt.Before(dst.FirstRegisteredAt) {
			newDst.FirstRegisteredAt = a.RegisteredAt
		}
		newDst.UpdatedAt = now
		if err := s.save(ctx, tx, dst, newDst); err != nil {
			return err
		}
		var left int
		if err := tx.QueryRowContext(ctx, Q.CountAppealsOfIncident, src.ID).Scan(&left); err != nil {
			return apperr.Wrap(err, "count")
		}
		if left == 0 {
			newSrc := src
			newSrc.State, newSrc.MergedInto, newSrc.UpdatedAt = Merged, &target, now
			if err := s.save(ctx, tx, src, newSrc); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, Q.InsertTransition, src.ID, string(src.State), string(Merged), nullID(by.ID), store.T(now),
				"merged into incident "+itoa(target)); err != nil {
				return apperr.Wrap(err, "transition")
			}
		}
		newDst.Version = dst.Version + 1
		out = newDst
		if _, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "appeal.merge", ObjectType: "appeal", ObjectID: number,
			Before: map[string]int64{"incident_id": src.ID}, After: map[string]int64{"incident_id": target}}); err != nil {
			return err
		}
		for _, h := range s.hooks {
			if err := h.IncidentChanged(ctx, s.hookTx(tx, now), ActMerge, by, dst, newDst); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.countsChanged()
	}
	return out, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
