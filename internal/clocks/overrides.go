package clocks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
)

// Override kinds as the API and the database spell them.
const (
	KindDayOff     = "day_off"     // a day made off (decree, outage)
	KindWorkingDay = "working_day" // a day made working (moved working day)
	KindHours      = "hours"       // dated hours: support extended, up to 24/7 by agreement (Q28)
)

// Override is one administrator's calendar override, stored in the
// database and laid over the profiles' calendars. Scope is a country data
// set ("kz", "ru"), a profile family ("kz-quasi") or a version
// ("kz-quasi@2021"): days are facts of a country, hours are the operator's
// agreement, usually for one portal.
type Override struct {
	ID        int64     `json:"id"`
	Scope     string    `json:"scope"`
	Kind      string    `json:"kind"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Intervals []string  `json:"intervals"`
	AllDays   bool      `json:"all_days"`
	Reason    string    `json:"reason"`
	Source    string    `json:"source"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// applies reports whether o is laid over p's calendar.
func (o Override) applies(p *regulation.Profile) bool {
	return o.Scope == p.Country || o.Scope == p.Family || o.Scope == p.ID()
}

// calendar turns o into the calendar package's override.
func (o Override) calendar() (calendar.Override, error) {
	v := apperr.Validation{}
	co := calendar.Override{Reason: o.Reason, Source: o.Source, AllDays: o.AllDays}
	switch o.Kind {
	case KindDayOff:
		co.Kind = calendar.OverrideDayOff
	case KindWorkingDay:
		co.Kind = calendar.OverrideWorkingDay
	case KindHours:
		co.Kind = calendar.OverrideHours
	default:
		v.Add("kind", "one of day_off, working_day, hours")
	}
	var err error
	if co.From, err = calendar.ParseDate(o.From); err != nil {
		v.Add("from", err.Error())
	}
	if co.To, err = calendar.ParseDate(o.To); err != nil {
		v.Add("to", err.Error())
	}
	for _, s := range o.Intervals {
		iv, err := calendar.ParseInterval(s)
		if err != nil {
			v.Add("intervals", err.Error())
			break
		}
		co.Intervals = append(co.Intervals, iv)
	}
	if o.Kind == KindDayOff && len(o.Intervals) > 0 {
		v.Add("intervals", "a day off has no hours")
	}
	if o.Kind != KindHours && o.AllDays {
		v.Add("all_days", "only for kind hours")
	}
	return co, v.Err()
}

// profileSet is the registry's profiles with the overrides laid over them;
// profiles are built on first use and shared (immutable).
type profileSet struct {
	reg   *regulation.Registry
	ovs   []Override
	key   string
	cache sync.Map // profile ID -> *regulation.Profile or error
}

func newProfileSet(reg *regulation.Registry, ovs []Override) *profileSet {
	return &profileSet{reg: reg, ovs: ovs, key: mustJSON(ovs)}
}

type profileErr struct{ err error }

func (ps *profileSet) profile(id string) (*regulation.Profile, error) {
	if v, ok := ps.cache.Load(id); ok {
		if e, bad := v.(profileErr); bad {
			return nil, e.err
		}
		return v.(*regulation.Profile), nil
	}
	p, err := ps.build(id)
	if err != nil {
		ps.cache.Store(id, profileErr{err})
		return nil, err
	}
	v, _ := ps.cache.LoadOrStore(id, p)
	return v.(*regulation.Profile), nil
}

func (ps *profileSet) build(id string) (*regulation.Profile, error) {
	p, ok := ps.reg.Get(id)
	if !ok {
		return nil, fmt.Errorf("clocks: unknown profile %q", id)
	}
	var cos []calendar.Override
	for _, o := range ps.ovs {
		if !o.applies(p) {
			continue
		}
		co, err := o.calendar()
		if err != nil {
			return nil, fmt.Errorf("calendar override %d: %w", o.ID, err)
		}
		cos = append(cos, co)
	}
	if len(cos) == 0 {
		return p, nil
	}
	return p.WithOverrides(cos...)
}

type profileCache struct{ p atomic.Pointer[profileSet] }

func (c *profileCache) get() *profileSet   { return c.p.Load() }
func (c *profileCache) set(ps *profileSet) { c.p.Store(ps) }
func (s *Service) current() *profileSet    { return s.profiles.get() }

// Profile is a profile version with the stored overrides laid over it.
func (s *Service) Profile(id string) (*regulation.Profile, error) { return s.current().profile(id) }

func readOverrides(ctx context.Context, q rowsQuerier) ([]Override, error) {
	rs, err := q.QueryContext(ctx, Q.Overrides)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []Override{}
	for rs.Next() {
		var o Override
		var ivs string
		var at store.Time
		if err := rs.Scan(&o.ID, &o.Scope, &o.Kind, &o.From, &o.To, &ivs, &o.AllDays, &o.Reason, &o.Source, &o.CreatedBy, &at); err != nil {
			return nil, err
		}
		o.CreatedAt = at.Time
		if err := json.Unmarshal([]byte(ivs), &o.Intervals); err != nil {
			return nil, fmt.Errorf("calendar override %d intervals: %w", o.ID, err)
		}
		out = append(out, o)
	}
	return out, rs.Err()
}

// Load reads the overrides from the database and lays them over the
// profiles when they changed (another node, the CLI); the scheduler calls
// it on every scan.
func (s *Service) Load(ctx context.Context) error {
	ovs, err := readOverrides(ctx, s.DB.R)
	if err != nil {
		return fmt.Errorf("calendar overrides: %w", err)
	}
	if mustJSON(ovs) != s.current().key {
		s.profiles.set(newProfileSet(s.Registry, ovs))
	}
	return nil
}

// Overrides lists the stored overrides, oldest first (later ones win).
func (s *Service) Overrides(ctx context.Context) ([]Override, error) {
	ovs, err := readOverrides(ctx, s.DB.R)
	return ovs, wrap(err, "calendar overrides")
}

func (s *Service) validScope(scope string) bool {
	return slices.Contains(calendar.Countries(), scope) || slices.Contains(s.Registry.Names(), scope)
}

// PutOverride adds an override, or replaces the one with the same scope,
// kind and dates; the clocks still running are recomputed in the same
// transaction, and the change is audited.
func (s *Service) PutOverride(ctx context.Context, by audit.Actor, o Override) (Override, error) {
	o.Scope, o.Reason, o.Source = strings.TrimSpace(o.Scope), strings.TrimSpace(o.Reason), strings.TrimSpace(o.Source)
	if o.To == "" {
		o.To = o.From
	}
	if o.Intervals == nil {
		o.Intervals = []string{}
	}
	v := apperr.Validation{}
	if !s.validScope(o.Scope) {
		v.Add("scope", "a country ("+strings.Join(calendar.Countries(), ", ")+") or a profile: "+strings.Join(s.Registry.Names(), ", "))
	}
	if o.Reason == "" {
		v.Add("reason", "required: shown as the day's name (e.g. the decree moving the day)")
	}
	if o.Source == "" {
		v.Add("source", "required: the basis (decree, agreement with the authorized body)")
	}
	if _, err := o.calendar(); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for f, m := range ae.Fields {
				v.Add(f, m)
			}
		}
	}
	if err := v.Err(); err != nil {
		return o, err
	}
	var out Override
	err := s.changeOverrides(ctx, by, func(tx *sql.Tx, now time.Time, ovs []Override) ([]Override, audit.Entry, error) {
		o.CreatedBy, o.CreatedAt = by.Login, now
		var before any
		var old int64
		err := tx.QueryRowContext(ctx, Q.OverrideFind, o.Scope, o.Kind, o.From, o.To).Scan(&old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, audit.Entry{}, err
		default:
			if _, err := tx.ExecContext(ctx, Q.OverrideDelete, old); err != nil {
				return nil, audit.Entry{}, err
			}
			i := slices.IndexFunc(ovs, func(x Override) bool { return x.ID == old })
			before = ovs[i]
			ovs = slices.Delete(ovs, i, i+1)
		}
		if err := tx.QueryRowContext(ctx, Q.OverrideInsert, o.Scope, o.Kind, o.From, o.To, mustJSON(o.Intervals), o.AllDays,
			o.Reason, o.Source, o.CreatedBy, store.T(now)).Scan(&o.ID); err != nil {
			return nil, audit.Entry{}, err
		}
		out = o
		return append(ovs, o), audit.Entry{Action: "calendar.override.put", ObjectType: "calendar_override",
			ObjectID: strconv.FormatInt(o.ID, 10), Before: before, After: o}, nil
	})
	return out, err
}

// DeleteOverride removes an override; running clocks are recomputed.
func (s *Service) DeleteOverride(ctx context.Context, by audit.Actor, id int64, reason string) error {
	return s.changeOverrides(ctx, by, func(tx *sql.Tx, now time.Time, ovs []Override) ([]Override, audit.Entry, error) {
		i := slices.IndexFunc(ovs, func(x Override) bool { return x.ID == id })
		if i < 0 {
			return nil, audit.Entry{}, apperr.New(apperr.NotFound, "no calendar override %d", id)
		}
		if _, err := tx.ExecContext(ctx, Q.OverrideDelete, id); err != nil {
			return nil, audit.Entry{}, err
		}
		before := ovs[i]
		return slices.Delete(ovs, i, i+1), audit.Entry{Action: "calendar.override.delete", ObjectType: "calendar_override",
			ObjectID: strconv.FormatInt(id, 10), Before: before, After: map[string]string{"reason": reason}}, nil
	})
}

// changeOverrides runs change in a transaction with the overrides as
// stored, checks the new set builds a calendar for every profile it
// touches, recomputes the open clocks with it, audits, and after the commit
// makes it the service's current set.
func (s *Service) changeOverrides(ctx context.Context, by audit.Actor, change func(*sql.Tx, time.Time, []Override) ([]Override, audit.Entry, error)) error {
	var next *profileSet
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		ovs, err := readOverrides(ctx, tx)
		if err != nil {
			return err
		}
		ovs, entry, err := change(tx, now, ovs)
		if err != nil {
			return err
		}
		next = newProfileSet(s.Registry, ovs)
		for _, p := range s.Registry.Profiles() {
			if _, err := next.profile(p.ID()); err != nil {
				return apperr.New(apperr.Invalid, "%v", err)
			}
		}
		n, err := s.recompute(ctx, tx, next, now)
		if err != nil {
			return err
		}
		if a, ok := entry.After.(Override); ok {
			entry.After = map[string]any{"override": a, "clocks_recomputed": n}
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, entry)
		return err
	})
	if err != nil {
		return wrap(err, "calendar override")
	}
	s.profiles.set(next)
	return nil
}

// recompute re-derives every open clock with the profiles of set, in
// pages; it returns how many deadlines moved.
func (s *Service) recompute(ctx context.Context, tx *sql.Tx, set *profileSet, now time.Time) (int, error) {
	moved := 0
	var after int64
	for {
		rows, err := queryRows(ctx, tx, Q.Open, after, 1000)
		if err != nil {
			return moved, err
		}
		for i := range rows {
			r := &rows[i]
			after = r.ID
			old, oldWarn := r.Deadline, r.WarnAt
			if _, err := s.derive(set, r, now); err != nil {
				return moved, err
			}
			if r.Deadline.Equal(old) && r.WarnAt.Equal(oldWarn) {
				continue
			}
			if err := updateRow(ctx, tx, r, now); err != nil {
				return moved, err
			}
			moved++
		}
		if len(rows) < 1000 {
			return moved, nil
		}
	}
}
