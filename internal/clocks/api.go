package clocks

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
)

// View is a clock as the API shows it: times in the profile's local
// offset, the remaining time in the clock's own base (business time for
// working clocks, elapsed time for calendar ones).
type View struct {
	ID               int64       `json:"id"`
	IncidentID       int64       `json:"incident_id"`
	Clock            string      `json:"clock"`
	Appeal           string      `json:"appeal,omitempty"`
	Level            string      `json:"level,omitempty"`
	Basis            string      `json:"basis"`
	Profile          string      `json:"profile"`
	Term             string      `json:"term"`
	Base             string      `json:"base"`
	Reading          string      `json:"reading"`
	State            string      `json:"state"`
	EventAt          time.Time   `json:"event_at"`
	Start            time.Time   `json:"start"`
	Deadline         time.Time   `json:"deadline"`
	Remaining        string      `json:"remaining"`
	RemainingSeconds int64       `json:"remaining_seconds"`
	RemainingIn      string      `json:"remaining_in"`
	WarnAt           time.Time   `json:"warn_at"`
	WarnedAt         *time.Time  `json:"warned_at,omitempty"`
	BreachedAt       *time.Time  `json:"breached_at,omitempty"`
	MetAt            *time.Time  `json:"met_at,omitempty"`
	PausedAt         *time.Time  `json:"paused_at,omitempty"`
	Pauses           []pauseJSON `json:"pauses"`
	Extensions       []extJSON   `json:"extensions"`
	// Flag: something the clock's state does not say, e.g. its notice
	// bounced after it was met ("notice bounced, tell another way").
	Flag string `json:"flag,omitempty"`
}

func (s *Service) view(set *profileSet, r *row, now time.Time) (View, error) {
	c, err := s.clockOf(set, r)
	if err != nil {
		return View{}, err
	}
	st := c.Status(now, s.cfg.Warn)
	loc := c.Profile.Location()
	in := func(t time.Time) time.Time { return t.In(loc) }
	ptr := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.In(loc)
		return &t
	}
	state := string(st.State)
	if r.final() {
		state = r.State // the record: a breach raised stays raised
	}
	base := "working"
	if c.Term.Base == regulation.Calendar || c.Term.Base == regulation.CalendarDaysBefore {
		base = "calendar"
	}
	return View{ID: r.ID, IncidentID: r.IncidentID, Clock: r.Clock, Appeal: r.Appeal, Level: r.Level, Basis: r.Basis,
		Profile: r.Profile, Term: c.Term.Describe(), Base: string(c.Term.Base), Reading: c.Term.Reading, State: state,
		EventAt: in(r.EventAt), Start: in(c.Start), Deadline: in(st.Deadline), Remaining: st.Remaining.String(),
		RemainingSeconds: int64(st.Remaining / time.Second), RemainingIn: base, WarnAt: in(st.WarnAt),
		WarnedAt: ptr(r.WarnedAt), BreachedAt: ptr(r.BreachedAt), MetAt: ptr(r.MetAt), PausedAt: ptr(r.PausedAt),
		Pauses: nonNil(r.Pauses), Extensions: nonNil(r.Extensions), Flag: r.Flag}, nil
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (s *Service) views(rows []row) ([]View, error) {
	set, now := s.current(), s.Now()
	out := make([]View, 0, len(rows))
	for i := range rows {
		v, err := s.view(set, &rows[i], now)
		if err != nil {
			return nil, wrap(err, "clock")
		}
		out = append(out, v)
	}
	return out, nil
}

// OfIncident lists the clocks of an incident and of its appeals.
func (s *Service) OfIncident(ctx context.Context, id int64) ([]View, error) {
	var profile string
	if err := s.DB.R.QueryRowContext(ctx, Queries["incident-profile"], id).Scan(&profile); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "no incident %d", id)
	} else if err != nil {
		return nil, wrap(err, "incident")
	}
	rows, err := queryRows(ctx, s.DB.R, Queries["of-incident"], id)
	if err != nil {
		return nil, wrap(err, "clocks")
	}
	return s.views(rows)
}

// OfAppeal lists an appeal's own clocks and its incident's; bin is the
// appeal's organization (callers check a portal user may see it).
func (s *Service) OfAppeal(ctx context.Context, number string) (views []View, bin string, err error) {
	var inc int64
	if err := s.DB.R.QueryRowContext(ctx, Queries["appeal-access"], number).Scan(&inc, &bin); errors.Is(err, sql.ErrNoRows) {
		return nil, "", apperr.New(apperr.NotFound, "no appeal %s", number)
	} else if err != nil {
		return nil, "", wrap(err, "appeal")
	}
	rows, err := queryRows(ctx, s.DB.R, Queries["of-incident"], inc)
	if err != nil {
		return nil, "", wrap(err, "clocks")
	}
	rows = slices.DeleteFunc(rows, func(r row) bool { return r.Appeal != "" && r.Appeal != number })
	views, err = s.views(rows)
	return views, bin, err
}

// Extension is an extension of a clock's term agreed with the authorized
// body (Q38): exactly one of Until, Days, By, and the basis.
type Extension struct {
	Appeal   string    // for an appeal's clock
	Until    time.Time // the agreed new deadline
	Days     int       // working days (calendar days for calendar clocks)
	By       time.Duration
	Basis    string // the letter or decision of the authorized body
	AgreedAt time.Time
}

// Extend records an agreed extension; the clock's deadline, warning and
// next look move, in one audited transaction. A met or breached clock is
// not extended: the record of the breach stands.
func (s *Service) Extend(ctx context.Context, by audit.Actor, incident int64, clock string, e Extension) (View, error) {
	v := apperr.Validation{}
	n := 0
	for _, set := range []bool{!e.Until.IsZero(), e.Days != 0, e.By != 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.Add("until", "give exactly one of until, days, by")
	}
	if e.Days < 0 || e.By < 0 {
		v.Add("days", "an extension moves the deadline later")
	}
	if strings.TrimSpace(e.Basis) == "" {
		v.Add("basis", "required: the agreement with the authorized body (letter, decision) is recorded (Q38)")
	}
	if err := v.Err(); err != nil {
		return View{}, err
	}
	var out View
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		r, err := s.find(ctx, tx, incident, clock, e.Appeal)
		if err != nil {
			return err
		}
		if r.final() {
			return apperr.New(apperr.Conflict, "clock %s is %s; only a running or paused clock is extended", clock, r.State)
		}
		before := r.summary()
		x := extJSON{Days: e.Days, Basis: strings.TrimSpace(e.Basis), RecordedBy: by.Login, RecordedAt: now}
		if !e.Until.IsZero() {
			if !e.Until.After(r.Deadline) {
				return &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
					Fields: map[string]string{"until": "must be after the current deadline " + r.Deadline.Format(time.RFC3339)}}
			}
			u := e.Until.UTC()
			x.Until = &u
		}
		if e.By != 0 {
			x.By = e.By.String()
		}
		if !e.AgreedAt.IsZero() {
			a := e.AgreedAt.UTC()
			x.AgreedAt = &a
		}
		r.Extensions = append(r.Extensions, x)
		set := s.current()
		if _, err := s.derive(set, r, now); err != nil {
			return err
		}
		if !r.WarnedAt.IsZero() && r.WarnAt.After(now) {
			r.WarnedAt = time.Time{} // warn again before the new deadline
			if _, err := s.derive(set, r, now); err != nil {
				return err
			}
		}
		if err := updateRow(ctx, tx, r, now); err != nil {
			return err
		}
		after := r.summary()
		after["extension"] = x
		if _, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "clock.extend", ObjectType: "clock",
			ObjectID: strconv.FormatInt(incident, 10), Before: before, After: after}); err != nil {
			return err
		}
		out, err = s.view(set, r, now)
		return err
	})
	return out, wrap(err, "extend clock")
}

// Meet records that a clock's duty was done (a notice sent, an answer
// given) at at (now when zero); late is recorded as a breach.
func (s *Service) Meet(ctx context.Context, by audit.Actor, incident int64, clock, appeal string, at time.Time) (View, error) {
	var out View
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		if at.IsZero() {
			at = now
		}
		if at.After(now) {
			return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"at": "is in the future"}}
		}
		r, err := s.find(ctx, tx, incident, clock, appeal)
		if err != nil {
			return err
		}
		if r.final() {
			return apperr.New(apperr.Conflict, "clock %s is already %s", clock, r.State)
		}
		c := &change{s: s, set: s.current(), tx: tx, now: now}
		c.aud = func(ctx context.Context, a audit.Actor, e audit.Entry) error {
			_, err := audit.Append(ctx, tx, s.DB.Dialect, now, a, e)
			return err
		}
		if err := c.meet(ctx, r, at); err != nil {
			return err
		}
		if err := c.save(ctx, by, "clock.meet", "clock", strconv.FormatInt(incident, 10)); err != nil {
			return err
		}
		out, err = s.view(c.set, r, now)
		return err
	})
	return out, wrap(err, "meet clock")
}

func (s *Service) find(ctx context.Context, tx *sql.Tx, incident int64, clock, appeal string) (*row, error) {
	rows, err := queryRows(ctx, tx, Queries["of-incident"], incident)
	if err != nil {
		return nil, err
	}
	var hits []*row
	for i := range rows {
		if rows[i].Clock == clock && (appeal == "" || rows[i].Appeal == appeal) {
			hits = append(hits, &rows[i])
		}
	}
	switch {
	case len(hits) == 0:
		if !slices.Contains(regulation.ClockNames(), clock) {
			return nil, apperr.New(apperr.NotFound, "unknown clock %q; accepted: %s", clock, strings.Join(regulation.ClockNames(), ", "))
		}
		return nil, apperr.New(apperr.NotFound, "incident %d has no %s clock%s", incident, clock, forAppeal(appeal))
	case len(hits) > 1:
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
			Fields: map[string]string{"appeal": "clock " + clock + " runs for each appeal: name the appeal"}}
	}
	return hits[0], nil
}

func forAppeal(a string) string {
	if a == "" {
		return ""
	}
	return " for appeal " + a
}

// noticeClocks are the clocks met by a notice's delivery (events.NoticeEvent).
var noticeClocks = []string{regulation.ClockIncidentIDNotice, regulation.ClockRefutationNotice, regulation.ClockLowNotice, regulation.ClockMediumSupplierNotice}

// FlagBounced flags the notice clocks met by event's delivery when one of
// its emails bounced: the duty is not done and must be done another way
// (phone, cabinet). It returns how many clocks it flagged; audited.
func (s *Service) FlagBounced(ctx context.Context, tx *sql.Tx, now time.Time, event, to, reason string) (int, error) {
	number := email.FindAppealNumber(event)
	if number == "" {
		return 0, nil
	}
	var inc int64
	var bin string
	if err := tx.QueryRowContext(ctx, Queries["appeal-access"], number).Scan(&inc, &bin); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return 0, wrap(err, "appeal")
	}
	flag := "notice bounced, tell another way (phone, cabinet): " + to + ": " + reason
	n := 0
	for _, c := range noticeClocks {
		if ev, ok := events.NoticeEvent(c, number); !ok || ev != event {
			continue
		}
		for _, appeal := range []string{number, ""} { // the appeal's own clock, or the incident's
			var id int64
			err := tx.QueryRowContext(ctx, Queries["flag"], inc, appeal, c, flag, store.T(now)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return n, wrap(err, "flag clock")
			}
			n++
			if _, err := audit.Append(ctx, tx, s.DB.Dialect, now, audit.System, audit.Entry{Action: "clock.notice_bounced", ObjectType: "clock",
				ObjectID: strconv.FormatInt(id, 10), After: map[string]any{"clock": c, "appeal": number, "event": event, "flag": flag}}); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
