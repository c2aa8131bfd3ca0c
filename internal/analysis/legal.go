package analysis

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
)

// Legal is a request to the authorized body (and/or other state bodies) for
// a legal assessment of an appeal (Q19): sent within 3 working days of the
// appeal's registration, its answer recorded; the operator then corrects
// data or functionality as the answer says.
type Legal struct {
	Appeal     string     `json:"appeal"`
	IncidentID int64      `json:"incident_id"`
	Question   string     `json:"question"`
	Addressee  string     `json:"addressee"`
	Due        time.Time  `json:"due"`
	OpenedAt   time.Time  `json:"opened_at"`
	OpenedBy   string     `json:"opened_by"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	Answer     string     `json:"answer,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	Version    int        `json:"version"`
	// Late: sent after the term, or unsent past it.
	Late bool `json:"late"`
}

// NewLegal opens a request.
type NewLegal struct {
	Appeal    string `json:"appeal"`
	Question  string `json:"question"`
	Addressee string `json:"addressee"` // "" = the authorized body
}

func scanLegal(r interface{ Scan(...any) error }, now time.Time) (Legal, error) {
	var l Legal
	var due, opened, sent, answered store.Time
	if err := r.Scan(&l.Appeal, &l.IncidentID, &l.Question, &l.Addressee, &due, &opened, &l.OpenedBy, &sent, &l.Answer, &answered, &l.Version); err != nil {
		return l, err
	}
	l.Due, l.OpenedAt, l.SentAt, l.AnsweredAt = due.Time, opened.Time, sent.Ptr(), answered.Ptr()
	at := now
	if l.SentAt != nil {
		at = *l.SentAt
	}
	l.Late = at.After(l.Due)
	return l, nil
}

// OpenLegal records that an appeal needs a legal assessment and starts the
// Q19 clock (legal_forwarding: 3 working days from the registration, to the
// end of that working day) in the same transaction.
func (s *Service) OpenLegal(ctx context.Context, by audit.Actor, n NewLegal) (Legal, error) {
	v := apperr.Validation{}
	n.Appeal, n.Question, n.Addressee = strings.TrimSpace(n.Appeal), strings.TrimSpace(n.Question), strings.TrimSpace(n.Addressee)
	if n.Appeal == "" {
		v.Add("appeal", "required: the appeal's number")
	}
	if n.Question == "" {
		v.Add("question", "required: what needs the legal assessment")
	} else if len([]rune(n.Question)) > 10000 {
		v.Add("question", "at most 10000 characters")
	}
	if len([]rune(n.Addressee)) > 500 {
		v.Add("addressee", "at most 500 characters")
	}
	if err := v.Err(); err != nil {
		return Legal{}, err
	}
	if n.Addressee == "" {
		n.Addressee = "authority"
	}
	now := s.Now().UTC()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var number, profile string
		var inc int64
		var reg store.Time
		err := tx.QueryRowContext(ctx, Q.AppealForLegal, n.Appeal).Scan(&number, &inc, &profile, &reg)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no appeal %s", n.Appeal)
		} else if err != nil {
			return err
		}
		view, err := s.Clocks.StartTx(ctx, tx, now, by, inc, number, profile, regulation.ClockLegalForwarding, reg.Time)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, Q.InsertLegal, number, inc, n.Question, n.Addressee, store.T(view.Deadline), store.T(now), by.Login); err != nil {
			if store.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "appeal %s has a legal-assessment request already", number)
			}
			return err
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "legal.open", ObjectType: "appeal", ObjectID: number,
			After: map[string]any{"addressee": n.Addressee, "due": view.Deadline}})
		return err
	})
	if err != nil {
		return Legal{}, err
	}
	return s.LegalOf(ctx, n.Appeal)
}

// LegalOf is the request of an appeal.
func (s *Service) LegalOf(ctx context.Context, appeal string) (Legal, error) {
	l, err := scanLegal(s.DB.R.QueryRowContext(ctx, Q.Legal, appeal), s.Now().UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.New(apperr.NotFound, "appeal %s has no legal-assessment request", appeal)
	}
	return l, err
}

// Legals lists the requests, unanswered first, by term.
func (s *Service) Legals(ctx context.Context, limit int) ([]Legal, error) {
	rs, err := s.DB.R.QueryContext(ctx, Q.Legals, limit)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	now := s.Now().UTC()
	out := []Legal{}
	for rs.Next() {
		l, err := scanLegal(rs, now)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rs.Err()
}

// LegalSent records the request's sending, which meets the Q19 clock.
func (s *Service) LegalSent(ctx context.Context, by audit.Actor, appeal string) (Legal, error) {
	l, err := s.LegalOf(ctx, appeal)
	if err != nil {
		return l, err
	}
	now := s.Now().UTC()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, Q.LegalSent, store.T(now), appeal)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "the request of appeal %s was sent already", appeal)
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "legal.sent", ObjectType: "appeal", ObjectID: appeal})
		return err
	})
	if err != nil {
		return l, err
	}
	if _, err := s.Clocks.Meet(ctx, by, l.IncidentID, regulation.ClockLegalForwarding, appeal, now); err != nil && !isCode(err, apperr.NotFound, apperr.Conflict) {
		return l, err
	}
	return s.LegalOf(ctx, appeal)
}

// LegalAnswer records the body's answer to a sent request.
func (s *Service) LegalAnswer(ctx context.Context, by audit.Actor, appeal, answer string) (Legal, error) {
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return Legal{}, fieldErr("answer", "required: the body's position")
	}
	if len([]rune(answer)) > 20000 {
		return Legal{}, fieldErr("answer", "at most 20000 characters")
	}
	l, err := s.LegalOf(ctx, appeal)
	if err != nil {
		return l, err
	}
	if l.SentAt == nil {
		return l, apperr.New(apperr.Conflict, "the request of appeal %s is not sent yet", appeal)
	}
	if l.AnsweredAt != nil {
		return l, apperr.New(apperr.Conflict, "the answer of appeal %s is recorded already", appeal)
	}
	now := s.Now().UTC()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, Q.LegalAnswer, answer, store.T(now), appeal); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "legal.answer", ObjectType: "appeal", ObjectID: appeal})
		return err
	})
	if err != nil {
		return l, err
	}
	return s.LegalOf(ctx, appeal)
}
