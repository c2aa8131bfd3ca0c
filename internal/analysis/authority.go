package analysis

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/vocab"
)

// Priority says whether an appeal is answered first (Q47): the authorized
// body's own requests and the letters it forwards (Q46) arrive on the
// authority channel and go to the head of the queue.
func Priority(channel string) bool { return vocab.Channel(channel) == vocab.Authority }

// Answer is what the operator gives the authorized body about an incident
// (Q47): its priority (the criticality level), causes and fixing term — the
// last two once the failure is confirmed ("при подтверждении факта
// технического сбоя").
type Answer struct {
	Number     string     `json:"number"`
	State      string     `json:"state"`
	Confirmed  bool       `json:"confirmed"`
	Level      string     `json:"level,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Cause      string     `json:"cause,omitempty"`
	Basis      string     `json:"basis,omitempty"`    // Q38 when a fixing term runs
	Deadline   *time.Time `json:"deadline,omitempty"` // the fixing term's end
	PlannedFix *time.Time `json:"planned_fix,omitempty"`
	FixedAt    *time.Time `json:"fixed_at,omitempty"`
}

// AnswerOf answers the authorized body's request about f from the incident
// (Q47); c is its fixing clock (Q38), nil when none runs.
func AnswerOf(f Failure, c *ClockFact) Answer {
	a := Answer{Number: f.Number, State: f.State}
	switch vocab.IncidentState(f.State) {
	case vocab.Registered, vocab.Analysing, vocab.Refuted, vocab.Merged:
		return a // not (yet) a confirmed failure: nothing to classify
	case vocab.InfoRequested:
		if f.Level == "" {
			return a
		}
	}
	a.Confirmed, a.Level, a.Kind, a.Cause = true, f.Level, kindKey(f), f.Cause
	a.PlannedFix, a.FixedAt = f.PlannedFixAt, f.FixedAt
	if c != nil {
		dl := c.Deadline
		a.Basis, a.Deadline = c.Basis, &dl
	}
	return a
}

// MaxLetter is the largest copy of a letter kept (Q8's 20 MB part).
const MaxLetter = 20 << 20

// AnswerFor answers the authorized body about incident id (Q47).
func (s *Service) AnswerFor(ctx context.Context, id int64) (Answer, error) {
	f, err := scanFailure(s.DB.R.QueryRowContext(ctx, Q.FailureByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Answer{}, apperr.New(apperr.NotFound, "no incident %d", id)
	} else if err != nil {
		return Answer{}, err
	}
	c, err := scanClock(s.DB.R.QueryRowContext(ctx, Q.ResolutionClockOf, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return AnswerOf(f, nil), nil
	case err != nil:
		return Answer{}, err
	}
	return AnswerOf(f, &c), nil
}
