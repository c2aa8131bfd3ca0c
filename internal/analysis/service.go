package analysis

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/signature"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are the package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Service stores, schedules and serves the analyses and reports.
type Service struct {
	DB  *store.DB
	Now func() time.Time
	Log *slog.Logger
	// Profile is the regulation profile version in force at an instant,
	// with the administrator's calendar overrides: its calendar and zone
	// decide the working mornings (Q43) and the terms (Q37.13, Q19).
	Profile func(at time.Time) (*regulation.Profile, error)
	// ProfileByID is a named version with overrides (an incident's own).
	ProfileByID func(id string) (*regulation.Profile, error)
	// At is the local time of day of the daily analysis (Q43).
	At time.Duration
	// Tick is how often the scheduler looks; Ticks, when set, drives it
	// instead (tests), and OnRun hears each look.
	Tick  time.Duration
	Ticks <-chan time.Time
	OnRun func(made []string, err error)

	Clocks  *clocks.Service  // Q37.13 met by the report; Q19's clock
	Journal *journal.Service // Q46: the forwarded letters are registered
	// Scan is clamd's verdict on a letter copy (files.Service.ScanVerdict);
	// nil: "unscanned".
	Scan func(ctx context.Context, r io.Reader) string
	// Servable says whether a copy with a verdict may be served
	// (files.Service.Servable).
	Servable func(ctx context.Context, verdict string, content io.Reader) error
	// AuthorityEmail receives the written reports (Q36.10, Q37.13);
	// MailDomain names the desk's messages.
	AuthorityEmail string
	MailDomain     string
	// DailyEmail receive each daily analysis as it is stored, with its PDF
	// in Russian and Kazakh (Q43); none: not mailed.
	DailyEmail []string
	// CauseLabel says a cause code (Q26) in words: the documents and the
	// draft report's cause (in Russian, the report's language).
	CauseLabel Labeler
	// Signatures verifies and stores the EDS of the yearly information
	// (Q44) and the written reports (issue 12); nil: no trust store, they
	// cannot be signed.
	Signatures *signature.Service
	// Extract writes a Journal extract as PDF with files embedded (the
	// signed yearly extract); nil: not served.
	Extract ExtractPDF
}

// Stored is one analysis as kept.
type Stored struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Period      string          `json:"period"`
	Profile     string          `json:"profile"`
	Body        json.RawMessage `json:"body,omitempty"`
	Narrative   Narrative       `json:"narrative"`
	Status      string          `json:"status"`
	SignedBy    string          `json:"signed_by,omitempty"`
	SignedAt    *time.Time      `json:"signed_at,omitempty"`
	GeneratedAt time.Time       `json:"generated_at"`
	GeneratedBy string          `json:"generated_by"`
	Version     int             `json:"version"`
	// SignatureID is the stored EDS signature (issue 12) of a signed
	// yearly information, 0 before; Signature its signer (in the API's
	// answers).
	SignatureID int64   `json:"signature_id,omitempty"`
	Signature   *Signed `json:"signature,omitempty"`
}

func scanStored(r interface{ Scan(...any) error }) (Stored, error) {
	var s Stored
	var body, narr string
	var signed, gen store.Time
	if err := r.Scan(&s.ID, &s.Kind, &s.Period, &s.Profile, &body, &narr, &s.Status, &s.SignedBy, &signed, &gen, &s.GeneratedBy, &s.Version, &s.SignatureID); err != nil {
		return s, err
	}
	if body != "{}" {
		s.Body = json.RawMessage(body)
	}
	_ = json.Unmarshal([]byte(narr), &s.Narrative)
	s.SignedAt, s.GeneratedAt = signed.Ptr(), gen.Time
	return s, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// facts reads what the analyses of [from, to) need.
func facts(ctx context.Context, q querier, from, to time.Time) (Facts, error) {
	var f Facts
	rs, err := q.QueryContext(ctx, Q.AppealsBetween, store.T(from), store.T(to))
	if err != nil {
		return f, err
	}
	for rs.Next() {
		var a AppealFact
		var reg store.Time
		if err := rs.Scan(&a.Number, &a.IncidentID, &a.Channel, &a.Module, &reg); err != nil {
			rs.Close()
			return f, err
		}
		a.RegisteredAt = reg.Time
		f.Appeals = append(f.Appeals, a)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return f, err
	}
	if rs, err = q.QueryContext(ctx, Q.FailuresBetween, store.T(from), store.T(to)); err != nil {
		return f, err
	}
	for rs.Next() {
		x, err := scanFailure(rs)
		if err != nil {
			rs.Close()
			return f, err
		}
		f.Failures = append(f.Failures, x)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return f, err
	}
	if rs, err = q.QueryContext(ctx, Q.ResolutionClocksBetween, store.T(from), store.T(to)); err != nil {
		return f, err
	}
	defer rs.Close()
	for rs.Next() {
		c, err := scanClock(rs)
		if err != nil {
			return f, err
		}
		f.Clocks = append(f.Clocks, c)
	}
	return f, rs.Err()
}

func scanFailure(r interface{ Scan(...any) error }) (Failure, error) {
	var f Failure
	var dep sql.NullBool
	var modules string
	var first, started, planned, fixed, confirmed store.Time
	if err := r.Scan(&f.ID, &f.Number, &f.State, &f.Level, &dep, &f.Cause, &f.Decision, &f.Recommendations, &modules,
		&first, &started, &planned, &fixed, &confirmed); err != nil {
		return f, err
	}
	if dep.Valid {
		v := dep.Bool
		f.OperatorDependent = &v
	}
	_ = json.Unmarshal([]byte(modules), &f.Modules)
	if f.Modules == nil {
		f.Modules = []string{}
	}
	f.FirstRegisteredAt, f.FailureStartedAt, f.PlannedFixAt, f.FixedAt, f.ConfirmedAt = first.Time, started.Ptr(), planned.Ptr(), fixed.Ptr(), confirmed.Ptr()
	return f, nil
}

func scanClock(r interface{ Scan(...any) error }) (ClockFact, error) {
	var c ClockFact
	var start, dl, met store.Time
	if err := r.Scan(&c.IncidentID, &c.Clock, &c.Basis, &c.Level, &c.State, &start, &dl, &met); err != nil {
		return c, err
	}
	c.Start, c.Deadline, c.MetAt = start.Time, dl.Time, met.Ptr()
	return c, nil
}

// Daily computes (does not store) the analysis of local day d.
func (s *Service) Daily(ctx context.Context, d calendar.Date) (Daily, error) {
	from, _ := DayWindow(d, time.UTC)
	p, err := s.Profile(from)
	if err != nil {
		return Daily{}, err
	}
	loc := p.Location()
	from, to := DayWindow(d, loc)
	f, err := facts(ctx, s.DB.R, from, to)
	if err != nil {
		return Daily{}, err
	}
	return ComputeDaily(d, p.ID(), loc, f, s.Now().UTC()), nil
}

// Annual computes (does not store) the information of year y.
func (s *Service) Annual(ctx context.Context, y int) (Annual, error) {
	p, err := s.Profile(time.Date(y, 12, 31, 12, 0, 0, 0, time.UTC))
	if err != nil {
		return Annual{}, err
	}
	loc := p.Location()
	f, err := facts(ctx, s.DB.R, time.Date(y, 1, 1, 0, 0, 0, 0, loc), time.Date(y+1, 1, 1, 0, 0, 0, 0, loc))
	if err != nil {
		return Annual{}, err
	}
	return ComputeAnnual(y, p.ID(), loc, f, s.Now().UTC()), nil
}

// Generate computes and stores the analysis of kind for period unless it is
// stored already; made says whether this call stored it. Two desks on one
// database store it once: the unique (kind, period) decides.
func (s *Service) Generate(ctx context.Context, by audit.Actor, kind, period string) (st Stored, made bool, err error) {
	now := s.Now().UTC()
	var body any
	var profile string
	switch kind {
	case "daily":
		d, err := calendar.ParseDate(period)
		if err != nil {
			return st, false, fieldErr("date", "a date YYYY-MM-DD")
		}
		if !d.Before(calendar.DateOf(now.In(s.zone(now)))) {
			return st, false, fieldErr("date", "the day is not over yet: a daily analysis covers a past day (Q43)")
		}
		x, err := s.Daily(ctx, d)
		if err != nil {
			return st, false, err
		}
		body, profile = x, x.Profile
	case "annual":
		y, err := parseYear(period)
		if err != nil {
			return st, false, err
		}
		if y >= now.In(s.zone(now)).Year() {
			return st, false, fieldErr("year", "the year is not over yet (Q44)")
		}
		x, err := s.Annual(ctx, y)
		if err != nil {
			return st, false, err
		}
		body, profile = x, x.Profile
	default:
		return st, false, fieldErr("kind", "daily or annual")
	}
	b, err := json.Marshal(body)
	if err != nil {
		return st, false, err
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, Q.InsertAnalysis, kind, period, profile, string(b), store.T(now), by.Login)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if made = n == 1; made && by != audit.System { // the scheduler's are recorded by generated_by/at
			if _, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "analysis.generate", ObjectType: "analysis",
				ObjectID: kind + ":" + period, After: map[string]any{"profile": profile}}); err != nil {
				return err
			}
		}
		if made && kind == "daily" {
			return s.mailDaily(ctx, tx, now, period, b)
		}
		return err
	})
	if err != nil {
		return st, false, err
	}
	st, err = s.Get(ctx, kind, period)
	return st, made, err
}

func (s *Service) zone(at time.Time) *time.Location {
	if p, err := s.Profile(at); err == nil {
		return p.Location()
	}
	return time.UTC
}

// Get is one stored analysis.
func (s *Service) Get(ctx context.Context, kind, period string) (Stored, error) {
	st, err := scanStored(s.DB.R.QueryRowContext(ctx, Q.Analysis, kind, period))
	if errors.Is(err, sql.ErrNoRows) {
		return st, apperr.New(apperr.NotFound, "no %s analysis for %s", kind, period)
	}
	return st, err
}

// List is the stored analyses of kind, newest first, without their bodies.
func (s *Service) List(ctx context.Context, kind string, limit int) ([]Stored, error) {
	rs, err := s.DB.R.QueryContext(ctx, Q.Analyses, kind, limit)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []Stored{}
	for rs.Next() {
		st, err := scanStored(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rs.Err()
}

// SetNarrative records the operator's text of the annual information (Q44).
func (s *Service) SetNarrative(ctx context.Context, by audit.Actor, year string, n Narrative, version int) (Stored, error) {
	b, _ := json.Marshal(n)
	if err := s.annualUpdate(ctx, by, "analysis.narrative", year, Q.SetNarrative, version, string(b), year, version); err != nil {
		return Stored{}, err
	}
	return s.Get(ctx, "annual", year)
}

func (s *Service) annualUpdate(ctx context.Context, by audit.Actor, action, year, q string, version int, args ...any) error {
	if version <= 0 {
		return fieldErr("version", "the version you edited (a positive integer)")
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			st, err := scanStored(tx.QueryRowContext(ctx, Q.Analysis, "annual", year))
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return apperr.New(apperr.NotFound, "no annual information for %s", year)
			case err != nil:
				return err
			case st.Status == "signed":
				return apperr.New(apperr.Conflict, "the annual information for %s is signed already", year)
			}
			return apperr.New(apperr.Conflict, "version %d is not the current one (%d)", version, st.Version)
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, s.Now().UTC(), by, audit.Entry{Action: action, ObjectType: "analysis", ObjectID: "annual:" + year})
		return err
	})
}

func fieldErr(field, problem string) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{field: problem}}
}

func parseYear(s string) (int, error) {
	t, err := time.Parse("2006", s)
	if err != nil || t.Year() < 2000 {
		return 0, fieldErr("year", "a year YYYY from 2000")
	}
	return t.Year(), nil
}
