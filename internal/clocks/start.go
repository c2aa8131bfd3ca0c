package clocks

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
)

// StartTx starts one clock of a profile inside the caller's transaction, for
// duties a feature opens outside the Journal's own events (Q19: a request
// for a legal assessment of one appeal). The clock counts from event; an
// existing clock of that name for that appeal is a conflict. It returns the
// clock as the API shows it; a clock the profile does not have is NotFound.
func (s *Service) StartTx(ctx context.Context, tx *sql.Tx, now time.Time, by audit.Actor, incident int64, appeal, profile, clock string, event time.Time) (View, error) {
	c := &change{s: s, set: s.current(), tx: tx, now: now}
	c.aud = func(ctx context.Context, a audit.Actor, e audit.Entry) error {
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, a, e)
		return err
	}
	rows, err := queryRows(ctx, tx, Q.OfIncident, incident)
	if err != nil {
		return View{}, err
	}
	for _, r := range rows {
		if r.Clock == clock && r.Appeal == appeal {
			return View{}, apperr.New(apperr.Conflict, "the %s clock of %s runs already", clock, appeal)
		}
	}
	r, err := c.start(incident, appeal, profile, clock, "", "", event)
	if err != nil {
		return View{}, err
	}
	if r == nil {
		return View{}, apperr.New(apperr.NotFound, "profile %s has no %s term", profile, clock)
	}
	if err := c.save(ctx, by, "clock.start", "clock", strconv.FormatInt(incident, 10)); err != nil {
		return View{}, err
	}
	return s.view(c.set, r, now)
}
