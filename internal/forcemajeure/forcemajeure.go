// Package forcemajeure records force majeure on a failure (Q17, Q37.10;
// issue 14): its start, expected duration, end and the evidence, each
// change told to the authorized body at once through the outbox (Q17: "at
// once … of its start, expected duration and end, with evidence"; kept
// informed: a new version is a new message), and the days agreed with the
// authorized body, which the incident's plan takes for Q37.10
// (procurement.Service.ForceMajeure).
package forcemajeure

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are this package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Limits of what is recorded.
const (
	MaxExpectedHours = 24 * 366
	MaxAgreedDays    = 366
	MaxEvidence      = 4000
)

// Input is what staff record; a field left out keeps its recorded value.
type Input struct {
	StartedAt     *time.Time `json:"started_at,omitempty"`
	ExpectedHours *int       `json:"expected_hours,omitempty"`
	EndedAt       *time.Time `json:"ended_at,omitempty"`
	Evidence      *string    `json:"evidence,omitempty"`
	// AgreedDays: the extension of bid acceptance agreed with the
	// authorized body (Q37.10), in calendar days.
	AgreedDays *int `json:"agreed_days,omitempty"`
}

// Record is the force majeure of one incident.
type Record struct {
	Incident      int64      `json:"incident"`
	StartedAt     time.Time  `json:"started_at"`
	ExpectedHours int        `json:"expected_hours"`
	ExpectedEnd   time.Time  `json:"expected_end"`
	EndedAt       *time.Time `json:"ended_at,omitempty"`
	Evidence      string     `json:"evidence"`
	AgreedDays    int        `json:"agreed_days,omitempty"`
	Version       int        `json:"version"`
	UpdatedAt     time.Time  `json:"updated_at"`
	UpdatedBy     string     `json:"updated_by"`
	// Notified counts the messages queued by this change (the authorized
	// body's addresses and the cabinets of authority users).
	Notified int `json:"notified"`
	// Calls are the phone calls to the authorized body recorded on it,
	// oldest first (Get only; "kept informed", ext14b).
	Calls []Call `json:"calls,omitempty"`
}

// Service records force majeure.
type Service struct {
	DB  *store.DB
	Now func() time.Time
	// AuthorityEmail and AuthoritySecurityEmail are the authorized body's
	// addresses (--authority-email, --authority-security-email).
	AuthorityEmail, AuthoritySecurityEmail string
	MailDomain                             string
	Zone                                   *time.Location
}

// Event is the outbox event of version v of incident id's record.
func Event(id int64, v int) string {
	return "incident.force_majeure:" + strconv.FormatInt(id, 10) + ":v" + strconv.Itoa(v)
}

func (s *Service) get(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (Record, bool, error) {
	var r Record
	var start, updated, ended store.Time
	var agreed sql.NullInt64
	err := q.QueryRowContext(ctx, Q.Get, id).Scan(&r.Incident, &start, &r.ExpectedHours, &ended, &r.Evidence, &agreed, &r.Version, &updated, &r.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, apperr.Wrap(err, "force majeure")
	}
	r.StartedAt, r.UpdatedAt, r.EndedAt, r.AgreedDays = start.Time, updated.Time, ended.Ptr(), int(agreed.Int64)
	r.ExpectedEnd = r.StartedAt.Add(time.Duration(r.ExpectedHours) * time.Hour)
	return r, true, nil
}

// Get returns the record of incident id (404 when there is none).
func (s *Service) Get(ctx context.Context, id int64) (Record, error) {
	r, ok, err := s.get(ctx, s.DB.R, id)
	if err == nil && !ok {
		err = apperr.New(apperr.NotFound, "no force majeure recorded on incident %d", id)
	}
	if err == nil {
		r.Calls, err = s.Calls(ctx, id)
	}
	return r, err
}

// Find returns the record of incident id and whether there is one (the
// planner's view: agreed days and the facts the bidders are told of).
func (s *Service) Find(ctx context.Context, id int64) (Record, bool, error) {
	return s.get(ctx, s.DB.R, id)
}

// AgreedDays is the planner's view (procurement.Service.ForceMajeure): the
// days agreed for incident id, 0 when none are.
func (s *Service) AgreedDays(ctx context.Context, id int64) (int, error) {
	r, _, err := s.get(ctx, s.DB.R, id)
	return r.AgreedDays, err
}

// Set records or changes the force majeure of incident id and, in the same
// transaction, queues its notice to the authorized body (due at once).
// Bad input is refused naming the field.
func (s *Service) Set(ctx context.Context, by audit.Actor, id int64, in Input) (Record, error) {
	now := s.Now().UTC()
	var out Record
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var number, modules string
		err := tx.QueryRowContext(ctx, Q.IncidentNumber, id).Scan(&number, &modules)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no incident %d", id)
		}
		if err != nil {
			return apperr.Wrap(err, "incident")
		}
		before, exists, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		r := before
		r.Incident = id
		if in.StartedAt != nil {
			r.StartedAt = in.StartedAt.UTC()
		}
		if in.ExpectedHours != nil {
			r.ExpectedHours = *in.ExpectedHours
		}
		if in.EndedAt != nil {
			t := in.EndedAt.UTC()
			r.EndedAt = &t
		}
		if in.Evidence != nil {
			r.Evidence = strings.TrimSpace(*in.Evidence)
		}
		if in.AgreedDays != nil {
			r.AgreedDays = *in.AgreedDays
		}
		v := apperr.Validation{}
		switch {
		case r.StartedAt.IsZero():
			v.Add("started_at", "required: when the force majeure began (RFC 3339 with offset)")
		case r.StartedAt.After(now):
			v.Add("started_at", "not in the future")
		}
		if r.ExpectedHours < 1 || r.ExpectedHours > MaxExpectedHours {
			v.Add("expected_hours", fmt.Sprintf("required: the expected duration in hours, 1–%d", MaxExpectedHours))
		}
		if r.EndedAt != nil && (r.EndedAt.Before(r.StartedAt) || r.EndedAt.After(now)) {
			v.Add("ended_at", "not before started_at and not in the future")
		}
		if r.Evidence == "" || len([]rune(r.Evidence)) > MaxEvidence {
			v.Add("evidence", fmt.Sprintf("required: the documents that evidence it (1–%d characters)", MaxEvidence))
		}
		if r.AgreedDays < 0 || r.AgreedDays > MaxAgreedDays || (in.AgreedDays != nil && *in.AgreedDays == 0) {
			v.Add("agreed_days", fmt.Sprintf("calendar days agreed with the authorized body, 1–%d", MaxAgreedDays))
		}
		if err := v.Err(); err != nil {
			return err
		}
		if exists && same(before, r) {
			out = before // nothing new to tell the authorized body (a form sent again)
			return nil
		}
		r.Version, r.UpdatedAt, r.UpdatedBy = before.Version+1, now, by.Login
		r.ExpectedEnd = r.StartedAt.Add(time.Duration(r.ExpectedHours) * time.Hour)
		var ended store.Time
		if r.EndedAt != nil {
			ended = store.T(*r.EndedAt)
		}
		var agreed sql.NullInt64
		if r.AgreedDays > 0 {
			agreed = sql.NullInt64{Int64: int64(r.AgreedDays), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, Q.Upsert, id, store.T(r.StartedAt), r.ExpectedHours, ended, r.Evidence, agreed, r.Version,
			store.T(now), by.Login); err != nil {
			return apperr.Wrap(err, "force majeure")
		}
		if _, err := tx.ExecContext(ctx, Q.BumpPublic, store.T(now)); err != nil {
			return apperr.Wrap(err, "public notice version")
		}
		if r.Notified, err = s.notify(ctx, tx, now, number, modules, r, exists); err != nil {
			return err
		}
		var prev any
		if exists {
			prev = before
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "incident.force_majeure", ObjectType: "incident",
			ObjectID: strconv.FormatInt(id, 10), Before: prev, After: r})
		out = r
		return err
	})
	return out, err
}

// same reports whether a and b record the same facts.
func same(a, b Record) bool {
	endEq := (a.EndedAt == nil) == (b.EndedAt == nil) && (a.EndedAt == nil || a.EndedAt.Equal(*b.EndedAt))
	return a.StartedAt.Equal(b.StartedAt) && a.ExpectedHours == b.ExpectedHours && endEq && a.Evidence == b.Evidence && a.AgreedDays == b.AgreedDays
}

// notify queues version r.Version's notice to the authorized body's
// addresses and its users' cabinets, due now (Q17 "at once").
func (s *Service) notify(ctx context.Context, tx *sql.Tx, now time.Time, number, modules string, r Record, changed bool) (int, error) {
	if number == "" {
		number = "#" + strconv.FormatInt(r.Incident, 10)
	}
	var ms []string
	_ = json.Unmarshal([]byte(modules), &ms)
	zone := "UTC"
	if s.Zone != nil {
		zone = s.Zone.String()
	}
	d := templates.Data{Number: number, Started: r.StartedAt, ExpectedEnd: r.ExpectedEnd, Evidence: r.Evidence, AgreedDays: r.AgreedDays,
		Changed: changed, Modules: strings.Join(ms, ", "), Zone: zone}
	if r.EndedAt != nil {
		d.Ended = *r.EndedAt
	}
	base := notify.Notification{Event: Event(r.Incident, r.Version), Kind: templates.ForceMajeure, Data: d, DueBy: now}
	var ns []notify.Notification
	for _, addr := range []string{s.AuthorityEmail, s.AuthoritySecurityEmail} {
		if addr != "" {
			n := base
			n.Channel, n.Email, n.Lang = "email", addr, "ru"
			ns = append(ns, n)
		}
	}
	users, err := notify.ToRole(ctx, tx, "authority", base)
	if err != nil {
		return 0, fmt.Errorf("force majeure: authority users: %w", err)
	}
	for _, n := range users {
		if n.Channel == "cabinet" {
			ns = append(ns, n)
		}
	}
	if len(ns) == 0 {
		return 0, nil
	}
	return len(ns), notify.Enqueue(ctx, tx, now, s.MailDomain, ns...)
}
