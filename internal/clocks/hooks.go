package clocks

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/sla"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

var _ journal.Hooks = (*Service)(nil)

// pausable are the clocks a request for information stops (Q38: "extends
// the term by the time they take"): the terms that wait on the user. The
// notice clocks are the operator's own duty to tell and keep running.
var pausable = []string{regulation.ClockAnalysis, regulation.ClockResolution, regulation.ClockAppealConsideration, regulation.ClockLegalForwarding,
	regulation.ClockAuxiliaryFunction} // R6: the requester's wait is theirs (docs/regulations.md, R-escalation)

// levelNotices are the notice clocks a confirmation at each level starts
// (Q35.1, Q36.1–2, Q37.3).
var levelNotices = map[string][]string{
	regulation.Low:    {regulation.ClockLowNotice},
	regulation.Medium: {regulation.ClockMediumPublicNotice, regulation.ClockMediumSupplierNotice},
	regulation.High:   {regulation.ClockHighPublicNotice},
}

// change is one event's work on the clocks: the rows it touched, written
// and audited together.
type change struct {
	s    *Service
	set  *profileSet
	tx   *sql.Tx
	now  time.Time
	aud  auditFunc
	rows []*row
}

type auditFunc func(ctx context.Context, a audit.Actor, e audit.Entry) error

func (s *Service) change(htx journal.HookTx) *change {
	return &change{s: s, set: s.current(), tx: htx.Tx, now: htx.Now, aud: htx.Audit}
}

// start adds a clock of a profile; a clock the profile does not have (the
// goszakup texts set fewer terms), a level it does not define, or a clock
// that does not apply (a phone call outside hours, Q29) starts nothing.
func (c *change) start(incident int64, appeal, profile, clock, level, channel string, event time.Time) (*row, error) {
	p, err := c.set.profile(profile)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(p.Clocks(), clock) || (level != "" && !slices.Contains(p.Levels(clock), level)) {
		return nil, nil
	}
	r := &row{IncidentID: incident, Appeal: appeal, Clock: clock, Level: level, Channel: channel, Profile: profile,
		State: Running, EventAt: event}
	rule, err := sla.Compile(p, clock, level, channel)
	if err != nil {
		return nil, err
	}
	r.Basis = rule.Term().Basis
	if _, err := c.s.derive(c.set, r, c.now); err != nil {
		if errors.Is(err, sla.ErrNotApplicable) {
			return nil, nil
		}
		return nil, err
	}
	c.rows = append(c.rows, r)
	return r, nil
}

// meet records that the duty was done at at: met, or breached when at is
// past the deadline (the breach event is raised then, once).
func (c *change) meet(ctx context.Context, r *row, at time.Time) error {
	if r.final() {
		return nil
	}
	c.closePause(r, at)
	r.MetAt = at
	r.State = Running // derive: next look cleared below
	if _, err := c.s.derive(c.set, r, c.now); err != nil {
		return err
	}
	r.State, r.NextAt = Met, time.Time{}
	if at.After(r.Deadline) {
		r.State = Breached
		if r.BreachedAt.IsZero() {
			r.BreachedAt = r.Deadline
			if err := c.s.raise(ctx, c.tx, c.aud, c.now, r, true); err != nil {
				return err
			}
			c.s.counted(r.Clock, true)() // counted before the event's commit: a rollback overcounts
		}
	}
	c.touch(r)
	return nil
}

func (c *change) closePause(r *row, at time.Time) {
	if r.State != Paused {
		return
	}
	for i := range r.Pauses {
		if r.Pauses[i].To == nil {
			t := at
			r.Pauses[i].To = &t
		}
	}
	r.PausedAt = time.Time{}
}

func (c *change) pause(r *row, reason string) error {
	if r.State != Running || !slices.Contains(pausable, r.Clock) {
		return nil
	}
	r.State, r.PausedAt = Paused, c.now
	r.Pauses = append(r.Pauses, pauseJSON{From: c.now, Reason: reason})
	if _, err := c.s.derive(c.set, r, c.now); err != nil {
		return err
	}
	c.touch(r)
	return nil
}

func (c *change) resume(r *row) error {
	if r.State != Paused {
		return nil
	}
	c.closePause(r, c.now)
	r.State = Running
	if _, err := c.s.derive(c.set, r, c.now); err != nil {
		return err
	}
	c.touch(r)
	return nil
}

func (c *change) touch(r *row) {
	if !slices.Contains(c.rows, r) {
		c.rows = append(c.rows, r)
	}
}

// save writes the touched rows and one audit record of them.
func (c *change) save(ctx context.Context, by audit.Actor, action, objType, objID string) error {
	if len(c.rows) == 0 {
		return nil
	}
	var sum []map[string]any
	for _, r := range c.rows {
		var err error
		if r.ID == 0 {
			err = c.s.insertRow(ctx, c.tx, r, c.now)
		} else {
			err = updateRow(ctx, c.tx, r, c.now)
		}
		if err != nil {
			return wrap(err, "save clock "+r.objectID())
		}
		sum = append(sum, r.summary())
	}
	return c.aud(ctx, by, audit.Entry{Action: action, ObjectType: objType, ObjectID: objID, After: map[string]any{"clocks": sum}})
}

// AppealRegistered starts the clocks of a new appeal: registration (Q29/G7,
// met or breached at once: it ran from arrival to registration),
// incident_id_notice (Q30) and appeal_consideration (Q20); under the
// Russian profile, whose instruction sets no other term of a request, R6's
// auxiliary_function (3 working days), so that a request for information
// pauses it like any clock and the requester's wait is added to the term
// (docs/regulations.md, R-escalation). A profile without a term starts
// nothing.
func (s *Service) AppealRegistered(ctx context.Context, htx journal.HookTx, a journal.Appeal, _ bool) error {
	c := s.change(htx)
	r, err := c.start(a.IncidentID, a.Number, a.Profile, regulation.ClockRegistration, "", slaChannel(a.Channel), a.ReceivedAt)
	if err != nil {
		return wrap(err, "registration clock")
	}
	if r != nil {
		if err := c.meet(ctx, r, a.RegisteredAt); err != nil {
			return err
		}
	}
	for _, clock := range []string{regulation.ClockIncidentIDNotice, regulation.ClockAppealConsideration, regulation.ClockAuxiliaryFunction} {
		if _, err := c.start(a.IncidentID, a.Number, a.Profile, clock, "", "", a.RegisteredAt); err != nil {
			return wrap(err, clock+" clock")
		}
	}
	return c.save(ctx, audit.System, "clocks.start", "clock", strconv.FormatInt(a.IncidentID, 10))
}

// IncidentChanged moves the incident's clocks with its lifecycle.
func (s *Service) IncidentChanged(ctx context.Context, htx journal.HookTx, action journal.Action, by audit.Actor, before, after journal.Incident) error {
	c := s.change(htx)
	rows, err := queryRows(ctx, htx.Tx, Q.OfIncident, after.ID)
	if err != nil {
		return wrap(err, "clocks of incident")
	}
	open := func(clock string) []*row {
		var out []*row
		for i := range rows {
			if r := &rows[i]; !r.final() && (clock == "" || r.Clock == clock) {
				out = append(out, r)
			}
		}
		return out
	}
	meetAll := func(clock string, at time.Time) error {
		for _, r := range open(clock) {
			if err := c.meet(ctx, r, at); err != nil {
				return err
			}
		}
		return nil
	}
	// the requester's answer: Q20's term, or R6's under the Russian profile
	meetAnswer := func(at time.Time) error {
		if err := meetAll(regulation.ClockAppealConsideration, at); err != nil {
			return err
		}
		return meetAll(regulation.ClockAuxiliaryFunction, at)
	}
	now, inc := htx.Now, after.ID
	switch action {
	case journal.ActAnalyse:
		// Q31/G9: 2 working hours from receipt of the information
		var receipt store.Time
		if err := htx.Tx.QueryRowContext(ctx, Q.IncidentReceipt, inc).Scan(&receipt); err != nil {
			return wrap(err, "receipt")
		}
		if receipt.IsZero() {
			receipt = store.T(after.FirstRegisteredAt)
		}
		_, err = c.start(inc, "", after.Profile, regulation.ClockAnalysis, "", "", receipt.Time)
	case journal.ActRequestInfo:
		for _, r := range open("") {
			if err = c.pause(r, "information requested from the user (Q38)"); err != nil {
				break
			}
		}
	case journal.ActResume:
		for _, r := range open("") {
			if err = c.resume(r); err != nil {
				break
			}
		}
	case journal.ActConfirm:
		if err = meetAll(regulation.ClockAnalysis, now); err != nil {
			break
		}
		if after.OperatorDependent != nil && *after.OperatorDependent { // Q38 only for operator-dependent failures (Q26)
			if _, err = c.start(inc, "", after.Profile, regulation.ClockResolution, string(after.Criticality), "", after.FirstRegisteredAt); err != nil {
				break
			}
		}
		for _, clock := range levelNotices[string(after.Criticality)] {
			if _, err = c.start(inc, "", after.Profile, clock, "", "", now); err != nil {
				break
			}
		}
	case journal.ActRefute:
		if err = meetAll(regulation.ClockAnalysis, now); err == nil {
			if err = meetAnswer(now); err == nil {
				_, err = c.start(inc, "", after.Profile, regulation.ClockRefutationNotice, "", "", now)
			}
		}
	case journal.ActFix:
		at := now
		if after.FixedAt != nil {
			at = *after.FixedAt
		}
		if err = meetAll(regulation.ClockResolution, at); err == nil {
			if err = meetAnswer(now); err == nil && after.Criticality == vocab.High {
				_, err = c.start(inc, "", after.Profile, regulation.ClockAuthorityReport, "", "", at) // Q37.13
			}
		}
	case journal.ActMerge:
		err = c.merge(ctx, before, after, open)
	}
	if err != nil {
		return wrap(err, "clocks")
	}
	return c.save(ctx, by, "clocks."+string(action), "clock", strconv.FormatInt(inc, 10))
}

// merge: the moved appeal's clocks follow it; the target's resolution
// counts from its (possibly earlier) first registration (Q38); the open
// incident-level clocks of an incident left without appeals are closed as
// met at the merge, their duty carried by the target's clocks.
func (c *change) merge(ctx context.Context, before, after journal.Incident, open func(string) []*row) error {
	if _, err := c.tx.ExecContext(ctx, Q.MoveAppealClocks, after.ID, store.T(c.now)); err != nil {
		return err
	}
	if !before.FirstRegisteredAt.Equal(after.FirstRegisteredAt) {
		for _, r := range open(regulation.ClockResolution) {
			r.EventAt = after.FirstRegisteredAt
			if _, err := c.s.derive(c.set, r, c.now); err != nil {
				return err
			}
			c.touch(r)
		}
	}
	srcs, err := c.tx.QueryContext(ctx, Q.MergedSources, after.ID)
	if err != nil {
		return err
	}
	var ids []int64
	for srcs.Next() {
		var id int64
		if err := srcs.Scan(&id); err != nil {
			srcs.Close()
			return err
		}
		ids = append(ids, id)
	}
	srcs.Close()
	for _, id := range ids {
		rows, err := queryRows(ctx, c.tx, Q.OfIncident, id)
		if err != nil {
			return err
		}
		for i := range rows {
			if r := &rows[i]; r.Appeal == "" && !r.final() {
				if err := c.meet(ctx, r, c.now); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
