package forcemajeure

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

// The authorized body is "kept informed" during force majeure (Q17,
// Q37.10; ext14b): besides the written notice of every version, the
// operator records each phone call to it — when, with whom, what was said.
// Each call is audited and listed, in order, in the record's history.

// Limits of a call record.
const (
	MaxPerson  = 200
	MaxSummary = 4000
)

// CallInput is a call as staff record it.
type CallInput struct {
	CalledAt *time.Time `json:"called_at"`
	Person   string     `json:"person"`  // who at the authorized body
	Summary  string     `json:"summary"` // what was said
}

// Call is one recorded call.
type Call struct {
	ID         int64     `json:"id"`
	CalledAt   time.Time `json:"called_at"`
	Person     string    `json:"person"`
	Summary    string    `json:"summary"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
}

// AddCall records a call to the authorized body on incident id's force
// majeure (404 when none is recorded). Bad input is refused naming the
// field: the time is required, not in the future nor before the force
// majeure began; who and what are required.
func (s *Service) AddCall(ctx context.Context, by audit.Actor, id int64, in CallInput) (Call, error) {
	now := s.Now().UTC()
	c := Call{Person: strings.TrimSpace(in.Person), Summary: strings.TrimSpace(in.Summary), RecordedAt: now, RecordedBy: by.Login}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		r, ok, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.NotFound, "no force majeure recorded on incident %d", id)
		}
		v := apperr.Validation{}
		switch {
		case in.CalledAt == nil || in.CalledAt.IsZero():
			v.Add("called_at", "required: when the call took place (RFC 3339 with offset)")
		case in.CalledAt.After(now):
			v.Add("called_at", "not in the future")
		case in.CalledAt.Before(r.StartedAt):
			v.Add("called_at", "not before the force majeure began")
		}
		if c.Person == "" || len([]rune(c.Person)) > MaxPerson {
			v.Add("person", fmt.Sprintf("required: who was called at the authorized body (1–%d characters)", MaxPerson))
		}
		if c.Summary == "" || len([]rune(c.Summary)) > MaxSummary {
			v.Add("summary", fmt.Sprintf("required: what was said (1–%d characters)", MaxSummary))
		}
		if err := v.Err(); err != nil {
			return err
		}
		c.CalledAt = in.CalledAt.UTC()
		if err := tx.QueryRowContext(ctx, Q.InsertCall, id, store.T(c.CalledAt), c.Person, c.Summary, store.T(now), by.Login).Scan(&c.ID); err != nil {
			return apperr.Wrap(err, "force majeure call")
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "incident.force_majeure.call", ObjectType: "incident",
			ObjectID: strconv.FormatInt(id, 10), After: c})
		return err
	})
	if err != nil {
		return Call{}, err
	}
	return c, nil
}

// Calls lists the calls recorded on incident id's force majeure, oldest first.
func (s *Service) Calls(ctx context.Context, id int64) ([]Call, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.Calls, id)
	if err != nil {
		return nil, apperr.Wrap(err, "force majeure calls")
	}
	defer rows.Close()
	out := []Call{}
	for rows.Next() {
		var c Call
		var at, rec store.Time
		if err := rows.Scan(&c.ID, &at, &c.Person, &c.Summary, &rec, &c.RecordedBy); err != nil {
			return nil, apperr.Wrap(err, "force majeure calls")
		}
		c.CalledAt, c.RecordedAt = at.Time, rec.Time
		out = append(out, c)
	}
	return out, apperr.Wrap(rows.Err(), "force majeure calls")
}

func (s *Service) postCall(w http.ResponseWriter, r *http.Request) error {
	id, err := incidentID(r)
	if err != nil {
		return err
	}
	var in CallInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	c, err := s.AddCall(r.Context(), web.Principal(r).Actor(web.ClientAddr(r)), id, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, c)
	return nil
}
