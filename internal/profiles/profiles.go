// Package profiles keeps the regulation catalogue's version dates as data
// (issue 8, defect 3): an administrator records when a version is in force
// (a successor's start, an end, "until further notice") without a release,
// audited; the desk resolves profiles through the catalogue with those
// records laid over it. Terms stay code (internal/regulation): only dates
// are data.
package profiles

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

//go:embed queries.sql
var queriesSQL string

// Queries are this package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Record is an administrator's record of one version's period.
type Record struct {
	Profile string    `json:"profile"`
	From    string    `json:"from"`
	Until   string    `json:"until,omitempty"` // empty: until further notice
	Basis   string    `json:"basis"`           // the act or letter that says so
	SetBy   string    `json:"set_by"`
	SetAt   time.Time `json:"set_at"`
}

// Version is a profile version as the desk now applies it.
type Version struct {
	ID       string  `json:"id"`
	Family   string  `json:"family"`
	Source   string  `json:"source"`
	From     string  `json:"from"`
	Until    string  `json:"until,omitempty"`
	InForce  bool    `json:"in_force"`
	Lapsed   bool    `json:"lapsed"` // the family's last version, past its end: used, flagged
	Recorded *Record `json:"recorded,omitempty"`
}

// Service is the catalogue with the recorded periods.
type Service struct {
	DB   *store.DB
	Now  func() time.Time
	Base *regulation.Registry // the shipped catalogue
	cur  atomic.Pointer[regulation.Registry]
	recs atomic.Pointer[map[string]Record]
}

func New(db *store.DB, now func() time.Time, base *regulation.Registry) *Service {
	s := &Service{DB: db, Now: now, Base: base}
	s.cur.Store(base)
	s.recs.Store(&map[string]Record{})
	return s
}

// Registry is the catalogue as now in force for the desk.
func (s *Service) Registry() *regulation.Registry { return s.cur.Load() }

// Load reads the records and lays them over the catalogue. A record the
// catalogue no longer accepts (a version removed by a release) is skipped
// and named in the returned warnings, never a failed start.
func (s *Service) Load(ctx context.Context) (warnings []string, err error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.Periods)
	if err != nil {
		return nil, fmt.Errorf("profile periods: %w", err)
	}
	defer rows.Close()
	recs := map[string]Record{}
	for rows.Next() {
		var r Record
		var at store.Time
		if err := rows.Scan(&r.Profile, &r.From, &r.Until, &r.Basis, &r.SetBy, &at); err != nil {
			return nil, fmt.Errorf("profile periods: %w", err)
		}
		r.SetAt = at.Time
		recs[r.Profile] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("profile periods: %w", err)
	}
	reg := s.Base
	for id, r := range recs {
		next, err := apply(reg, r)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("recorded period of %s not applied: %v", id, err))
			delete(recs, id)
			continue
		}
		reg = next
	}
	s.cur.Store(reg)
	s.recs.Store(&recs)
	return warnings, nil
}

func apply(reg *regulation.Registry, r Record) (*regulation.Registry, error) {
	per, err := parsePeriod(r.From, r.Until)
	if err != nil {
		return nil, err
	}
	return reg.WithPeriods(map[string]regulation.Period{r.Profile: per})
}

func parsePeriod(from, until string) (regulation.Period, error) {
	v := apperr.Validation{}
	var p regulation.Period
	var err error
	if p.From, err = calendar.ParseDate(from); err != nil {
		v.Add("from", "a date YYYY-MM-DD")
	}
	if until != "" {
		if p.Until, err = calendar.ParseDate(until); err != nil {
			v.Add("until", "a date YYYY-MM-DD, or empty for until further notice")
		} else if !p.From.IsZero() && p.Until.Before(p.From) {
			v.Add("until", "before from")
		}
	}
	return p, v.Err()
}

// SetPeriod records a version's period, audited, and applies it at once.
func (s *Service) SetPeriod(ctx context.Context, by audit.Actor, in Record) (Version, error) {
	if strings.TrimSpace(in.Basis) == "" {
		return Version{}, &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
			Fields: map[string]string{"basis": "required: the act or letter that sets the period"}}
	}
	if _, ok := s.Base.Get(in.Profile); !ok {
		return Version{}, apperr.New(apperr.NotFound, "unknown profile version %q; accepted: %s", in.Profile, strings.Join(versionIDs(s.Base), ", "))
	}
	before, had := (*s.recs.Load())[in.Profile]
	next, err := apply(s.Registry(), in)
	if err != nil {
		if _, ok := err.(*apperr.Error); ok {
			return Version{}, err
		}
		return Version{}, apperr.New(apperr.Conflict, "%v", err) // overlaps another version of the family
	}
	now := s.Now().UTC()
	in.SetBy, in.SetAt = by.Login, now
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, Q.UpsertPeriod, in.Profile, in.From, in.Until, in.Basis, in.SetBy, store.T(now)); err != nil {
			return apperr.Wrap(err, "profile period")
		}
		var prev any
		if had {
			prev = before
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "profile.period", ObjectType: "profile",
			ObjectID: in.Profile, Before: prev, After: in})
		return err
	})
	if err != nil {
		return Version{}, err
	}
	recs := map[string]Record{}
	for k, v := range *s.recs.Load() {
		recs[k] = v
	}
	recs[in.Profile] = in
	s.cur.Store(next)
	s.recs.Store(&recs)
	for _, v := range s.Versions() {
		if v.ID == in.Profile {
			return v, nil
		}
	}
	return Version{}, apperr.New(apperr.Internal, "profile %s vanished", in.Profile)
}

// Versions lists every version with the dates the desk applies now.
func (s *Service) Versions() []Version {
	reg, recs, now := s.Registry(), *s.recs.Load(), s.Now()
	lapsed := map[string]bool{}
	for _, p := range reg.Profiles() {
		if reg.LapsedAt(p.ID(), now) {
			if r, err := reg.ResolveLenient(p.Family, now); err == nil && r.Lapsed && r.Profile.ID() == p.ID() {
				lapsed[p.ID()] = true
			}
		}
	}
	var out []Version
	for _, p := range reg.Profiles() {
		v := Version{ID: p.ID(), Family: p.Family, Source: p.Source, From: p.From.String(), InForce: p.InForce(now), Lapsed: lapsed[p.ID()]}
		if !p.Until.IsZero() {
			v.Until = p.Until.String()
		}
		if r, ok := recs[p.ID()]; ok {
			v.Recorded = &r
		}
		out = append(out, v)
	}
	return out
}

func versionIDs(r *regulation.Registry) []string {
	var ids []string
	for _, p := range r.Profiles() {
		ids = append(ids, p.ID())
	}
	return ids
}

// Run reloads the records each minute, so a period recorded through
// another desk process on the same database takes effect here too.
func (s *Service) Run(ctx context.Context, every time.Duration, warn func(string)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if ws, err := s.Load(ctx); err != nil {
				warn(err.Error())
			} else {
				for _, w := range ws {
					warn(w)
				}
			}
		}
	}
}

// Mount adds GET /api/v1/profiles and PUT /api/v1/profiles/{id}/period.
func (s *Service) Mount(w *web.Server) {
	w.Route("GET /api/v1/profiles", "*", func(rw http.ResponseWriter, r *http.Request) error {
		web.WriteJSON(rw, http.StatusOK, map[string]any{"versions": s.Versions()})
		return nil
	})
	w.Route("PUT /api/v1/profiles/{id}/period", auth.PermCalendarManage, func(rw http.ResponseWriter, r *http.Request) error {
		var in struct {
			From  string `json:"from"`
			Until string `json:"until"`
			Basis string `json:"basis"`
		}
		if err := web.Decode(r, &in); err != nil {
			return err
		}
		v, err := s.SetPeriod(r.Context(), web.Principal(r).Actor(web.ClientAddr(r)),
			Record{Profile: r.PathValue("id"), From: in.From, Until: in.Until, Basis: in.Basis})
		if err != nil {
			return err
		}
		web.WriteJSON(rw, http.StatusOK, v)
		return nil
	})
}
