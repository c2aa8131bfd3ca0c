// Package clocks runs the regulations' terms live (issue 3): every clock of
// every appeal and incident is a row with its profile version, rule ID,
// deadline and state. Journal events start, meet, pause and resume clocks
// in their own transaction (Hooks); a durable scheduler raises a warning
// before a breach and the breach itself, each once, with an audit record
// and a notification to the responsible role in the same transaction; the
// API shows the remaining business time; administrators' calendar
// overrides are stored here and applied to the profiles without a release.
//
// The arithmetic is the pure sla package's: a row is turned back into an
// sla.Clock (profile with the current overrides, term, event, pauses,
// extensions, met time) and asked for its deadline and status.
package clocks

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/sla"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are the package's named statements (checked at boot by the wiring).
var Queries = store.MustParse(queriesSQL)

// States of a stored clock (sla.State names).
const (
	Running  = string(sla.Running)
	Paused   = string(sla.Paused)
	Met      = string(sla.Met)
	Breached = string(sla.Breached)
)

// Config are the scheduler's settings; zero values take the defaults.
type Config struct {
	// Warn is when the warning before a breach is raised: Before (in the
	// clock's own base) when set, else Fraction of the term left. Default:
	// sla.DefaultWarn, a fifth of the term left (80% elapsed).
	Warn sla.Warn
	// Tick is how often the scheduler scans for due clocks (default 5s).
	Tick time.Duration
	// Ticks replaces the ticker (tests): the scheduler scans on each value.
	Ticks <-chan time.Time
	// OnTick is told the outcome of each scan (tests, logs).
	OnTick func(fired int, err error)
	// Batch is how many due clocks one transaction handles (default 200).
	Batch int
	// MailDomain is the Message-ID domain of the notifications.
	MailDomain string
}

// Service is the live clocks of one database.
type Service struct {
	DB       *store.DB
	Now      func() time.Time
	Registry *regulation.Registry
	cfg      Config
	profiles profileCache
	metrics  *Metrics
	insert   *sql.Stmt // prepared once: registrations insert three clocks each
	onFired  listener  // told of raised warnings and breaches (live.go)
}

// Prepare readies the statement every registration runs; call it outside
// any transaction (on SQLite the write pool has one connection), before
// serving. Without it statements are parsed on each use.
func (s *Service) Prepare(ctx context.Context) error {
	st, err := s.DB.W.PrepareContext(ctx, Q.Insert)
	if err != nil {
		return fmt.Errorf("clocks: prepare insert: %w", err)
	}
	s.insert = st
	return nil
}

// Close releases the prepared statement.
func (s *Service) Close() {
	if s.insert != nil {
		s.insert.Close()
	}
}

// New builds the service; Load (or the first scan) reads the overrides.
func New(db *store.DB, now func() time.Time, reg *regulation.Registry, cfg Config) *Service {
	if cfg.Warn == (sla.Warn{}) {
		cfg.Warn = sla.DefaultWarn
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 5 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 200
	}
	if cfg.MailDomain == "" {
		cfg.MailDomain = "tenderdesk.local"
	}
	if reg == nil {
		reg = regulation.Default()
	}
	s := &Service{DB: db, Now: now, Registry: reg, cfg: cfg}
	s.profiles.set(newProfileSet(reg, nil))
	return s
}

// Config is the service's effective configuration.
func (s *Service) Config() Config { return s.cfg }

// pauseJSON and extJSON are the stored forms of sla.Pause and sla.Extension.
type pauseJSON struct {
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to,omitempty"`
	Reason string     `json:"reason"`
}

type extJSON struct {
	Until      *time.Time `json:"until,omitempty"`
	Days       int        `json:"days,omitempty"`
	By         string     `json:"by,omitempty"` // Go duration, in the clock's base
	Basis      string     `json:"basis"`
	AgreedAt   *time.Time `json:"agreed_at,omitempty"`
	RecordedBy string     `json:"recorded_by"`
	RecordedAt time.Time  `json:"recorded_at"`
}

// row is one stored clock.
type row struct {
	ID, IncidentID                      int64
	Appeal, Clock, Level, Channel       string
	Profile, Basis                      string
	EventAt, StartAt, BaseDeadline      time.Time
	Deadline, WarnAt                    time.Time
	State                               string
	PausedAt                            time.Time
	Pauses                              []pauseJSON
	Extensions                          []extJSON
	MetAt, WarnedAt, BreachedAt, NextAt time.Time
	Version                             int
	Flag                                string // e.g. the notice bounced: tell another way
}

func (r *row) final() bool { return r.State == Met || r.State == Breached }

type scanner interface{ Scan(...any) error }

func scanRow(sc scanner) (row, error) {
	var r row
	var ev, st, base, dl, warn, paused, met, warned, breached, next store.Time
	var pauses, exts string
	if err := sc.Scan(&r.ID, &r.IncidentID, &r.Appeal, &r.Clock, &r.Level, &r.Channel, &r.Profile, &r.Basis, &ev, &st, &base, &dl,
		&warn, &r.State, &paused, &pauses, &exts, &met, &warned, &breached, &next, &r.Version, &r.Flag); err != nil {
		return r, err
	}
	r.EventAt, r.StartAt, r.BaseDeadline, r.Deadline, r.WarnAt = ev.Time, st.Time, base.Time, dl.Time, warn.Time
	r.PausedAt, r.MetAt, r.WarnedAt, r.BreachedAt, r.NextAt = paused.Time, met.Time, warned.Time, breached.Time, next.Time
	if err := json.Unmarshal([]byte(pauses), &r.Pauses); err != nil {
		return r, fmt.Errorf("clock %d pauses: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(exts), &r.Extensions); err != nil {
		return r, fmt.Errorf("clock %d extensions: %w", r.ID, err)
	}
	return r, nil
}

type rowsQuerier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func queryRows(ctx context.Context, q rowsQuerier, query string, args ...any) ([]row, error) {
	rs, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		r, err := scanRow(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (s *Service) insertRow(ctx context.Context, tx *sql.Tx, r *row, now time.Time) error {
	if r.Pauses == nil {
		r.Pauses = []pauseJSON{}
	}
	if r.Extensions == nil {
		r.Extensions = []extJSON{}
	}
	exec := func(args ...any) (sql.Result, error) { return tx.ExecContext(ctx, Q.Insert, args...) }
	if s.insert != nil {
		exec = func(args ...any) (sql.Result, error) { return tx.StmtContext(ctx, s.insert).ExecContext(ctx, args...) }
	}
	_, err := exec(r.IncidentID, r.Appeal, r.Clock, r.Level, r.Channel, r.Profile, r.Basis,
		store.T(r.EventAt), store.T(r.StartAt), store.T(r.BaseDeadline), store.T(r.Deadline), store.T(r.WarnAt), r.State,
		store.T(r.PausedAt), mustJSON(r.Pauses), mustJSON(r.Extensions), store.T(r.MetAt), store.T(r.WarnedAt),
		store.T(r.BreachedAt), store.T(r.NextAt), store.T(now))
	return err
}

// errStale: another transaction changed the clock first.
var errStale = errors.New("clocks: clock changed concurrently")

func updateRow(ctx context.Context, tx *sql.Tx, r *row, now time.Time) error {
	res, err := tx.ExecContext(ctx, Q.Update, r.ID, r.Version, r.IncidentID, r.Level, store.T(r.EventAt), store.T(r.StartAt),
		store.T(r.BaseDeadline), store.T(r.Deadline), store.T(r.WarnAt), r.State, store.T(r.PausedAt), mustJSON(r.Pauses),
		mustJSON(r.Extensions), store.T(r.MetAt), store.T(r.WarnedAt), store.T(r.BreachedAt), store.T(r.NextAt), store.T(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errStale
	}
	r.Version++
	return nil
}

// slaChannel is the Journal's channel as the sla package takes it (one
// vocabulary); an unknown one (an old row) counts like email.
func slaChannel(ch string) string {
	if slices.Contains(sla.Channels, ch) {
		return ch
	}
	return "email"
}

// clockOf rebuilds the pure clock from a row, with the profile as it now
// stands (its calendar carries the current overrides), so an override
// changes the deadline of a clock already running.
func (s *Service) clockOf(set *profileSet, r *row) (sla.Clock, error) {
	p, err := set.profile(r.Profile)
	if err != nil {
		return sla.Clock{}, err
	}
	rule, err := sla.Compile(p, r.Clock, r.Level, r.Channel)
	if err != nil {
		return sla.Clock{}, err
	}
	c, err := rule.Start(r.EventAt)
	if err != nil {
		return sla.Clock{}, err
	}
	for _, pz := range r.Pauses {
		sp := sla.Pause{From: pz.From, Reason: pz.Reason}
		if pz.To != nil {
			sp.To = *pz.To
		}
		c.Pauses = append(c.Pauses, sp)
	}
	for _, e := range r.Extensions {
		se := sla.Extension{Days: e.Days, Basis: e.Basis}
		if e.Until != nil {
			se.Until = *e.Until
		}
		if e.By != "" {
			if se.By, err = time.ParseDuration(e.By); err != nil {
				return sla.Clock{}, fmt.Errorf("clock %d extension: %w", r.ID, err)
			}
		}
		if e.AgreedAt != nil {
			se.AgreedAt = *e.AgreedAt
		}
		c.Extensions = append(c.Extensions, se)
	}
	c.MetAt = r.MetAt
	return c, nil
}

// derive recomputes a row's deadline, warning time and next look from its
// pure clock; the state is left to the caller (the scheduler decides
// breaches, events decide met and paused).
func (s *Service) derive(set *profileSet, r *row, now time.Time) (sla.Clock, error) {
	c, err := s.clockOf(set, r)
	if err != nil {
		return c, err
	}
	st := c.Status(now, s.cfg.Warn)
	r.StartAt, r.BaseDeadline, r.Deadline, r.WarnAt = c.Start, c.Base, c.Deadline(), st.WarnAt
	switch {
	case r.State != Running:
		r.NextAt = time.Time{}
	case r.WarnedAt.IsZero() && r.WarnAt.Before(r.Deadline):
		r.NextAt = r.WarnAt
	default:
		r.NextAt = r.Deadline
	}
	return c, nil
}

// objectID names a clock in the audit trail and in errors.
func (r *row) objectID() string {
	id := strconv.FormatInt(r.IncidentID, 10) + "/" + r.Clock
	if r.Appeal != "" {
		id += "/" + r.Appeal
	}
	return id
}

// summary is what the audit trail records of a clock.
func (r *row) summary() map[string]any {
	m := map[string]any{"clock": r.Clock, "basis": r.Basis, "profile": r.Profile, "state": r.State,
		"event_at": r.EventAt, "deadline": r.Deadline}
	if r.Appeal != "" {
		m["appeal"] = r.Appeal
	}
	if r.Level != "" {
		m["level"] = r.Level
	}
	if !r.MetAt.IsZero() {
		m["met_at"] = r.MetAt
	}
	if !r.PausedAt.IsZero() {
		m["paused_at"] = r.PausedAt
	}
	return m
}

func wrap(err error, what string) error {
	var ae *apperr.Error
	if err == nil || errors.As(err, &ae) {
		return err
	}
	return apperr.Wrap(err, what)
}
