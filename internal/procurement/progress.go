package procurement

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/store"
)

// ApplyProgress is the state of an incident's last plan apply as every desk
// process sees it (issue 10 with issue 15: a console may be served by
// another process than the one applying). The applying process writes it
// outside the apply's transaction: at the start, while it runs (PostgreSQL
// only: on SQLite the apply holds the one write lock, and there is one
// process), and at the end.
type ApplyProgress struct {
	State       string // running, done, failed; interrupted when read (see Stale)
	By          string
	Started     time.Time
	Updated     time.Time
	Ended       time.Time
	Done, Total int
	Procedures  int
	Changes     int
	Err         error // failed: the apply's error (code and message)
}

// Stale is how long a running apply may go without a word before it counts
// as interrupted: the process running it is gone, and its transaction with
// it (nothing was applied). The applying process writes at least every
// ProgressBeat.
const (
	Stale        = 30 * time.Second
	ProgressBeat = 2 * time.Second
)

// ClaimApply records that by starts applying the incident's plan at now,
// unless an apply of it runs (on any process): then false.
func (s *Service) ClaimApply(ctx context.Context, incidentID int64, by string, now time.Time) (bool, error) {
	res, err := s.DB.W.ExecContext(ctx, Q.ClaimApplyProgress, incidentID, by, store.T(now), store.T(now.Add(-Stale)))
	if err != nil {
		return false, apperr.Wrap(err, "claim the apply")
	}
	n, err := res.RowsAffected()
	return n == 1, apperr.Wrap(err, "claim the apply")
}

// ApplyProgressed records how far the apply started at started is (and
// that its process lives).
func (s *Service) ApplyProgressed(ctx context.Context, incidentID int64, started time.Time, done, total int, now time.Time) error {
	_, err := s.DB.W.ExecContext(ctx, Q.UpdateApplyProgress, incidentID, done, total, store.T(now), store.T(started))
	return apperr.Wrap(err, "apply progress")
}

// ApplyEnded records the outcome of the apply started at started.
func (s *Service) ApplyEnded(ctx context.Context, incidentID int64, started time.Time, done, total int, res Applied, applyErr error, now time.Time) error {
	state, code, msg := "done", "", ""
	if applyErr != nil {
		state, code, msg = "failed", string(apperr.Internal), "the apply failed"
		var ae *apperr.Error
		if errors.As(applyErr, &ae) {
			code, msg = string(ae.Code), ae.Message
		}
	}
	_, err := s.DB.W.ExecContext(ctx, Q.FinishApplyProgress, incidentID, state, done, total, res.Procedures, res.Changes, code, msg,
		store.T(now), store.T(started))
	return apperr.Wrap(err, "apply progress")
}

// ApplyProgressOf is the incident's last apply; false when there was none.
// A running apply not heard of for Stale is reported "interrupted".
func (s *Service) ApplyProgressOf(ctx context.Context, incidentID int64, now time.Time) (ApplyProgress, bool, error) {
	var p ApplyProgress
	var started, updated, ended store.Time
	var code, msg string
	err := s.DB.R.QueryRowContext(ctx, Q.ApplyProgress, incidentID).Scan(&p.State, &p.By, &started, &updated, &ended,
		&p.Done, &p.Total, &p.Procedures, &p.Changes, &code, &msg)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, apperr.Wrap(err, "apply progress")
	}
	p.Started, p.Updated, p.Ended = started.Time, updated.Time, ended.Time
	if p.State == "failed" {
		p.Err = &apperr.Error{Code: apperr.Code(code), Message: msg}
	}
	if p.State == "running" && now.Sub(p.Updated) > Stale {
		p.State = "interrupted"
	}
	return p, true, nil
}
