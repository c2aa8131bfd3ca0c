package publicnotice

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/store"
)

// failureRow is one incident's notice as read, before its numbers and
// extensions are added.
type failureRow struct {
	id   int64
	f    statuspage.Failure
	refs sql.NullString // staff's edit of the numbers, else the appeals'
}

// scanFailure reads a row of the failures columns.
func scanFailure(row interface{ Scan(...any) error }) (failureRow, error) {
	var r failureRow
	var state, modules, title, pubModules string
	var started, first, planned, fixed, updated, confirmed, noticeUpd store.Time
	if err := row.Scan(&r.id, &state, &r.f.Level, &started, &first, &planned, &fixed, &modules, &updated, &confirmed,
		&title, &pubModules, &noticeUpd, &r.f.Number, &r.refs); err != nil {
		return r, fmt.Errorf("publicnotice: failures: %w", err)
	}
	// The failure's own number, as in every notice (defect 10).
	r.f.State = publicState(state)
	r.f.Started = started.Time
	if r.f.Started.IsZero() {
		r.f.Started = first.Time
	}
	r.f.Confirmed, r.f.PlannedFix, r.f.ActualFix = confirmed.Time, planned.Time, fixed.Time
	r.f.Updated = updated.Time
	if noticeUpd.After(r.f.Updated) {
		r.f.Updated = noticeUpd.Time
	}
	r.f.Title = text(title)
	r.f.Modules = publicModules(pubModules, modules)
	return r, nil
}

// complete adds the published numbers and the moved deadlines.
func (s *Service) complete(ctx context.Context, r *failureRow) error {
	var err error
	if r.f.Affected, err = s.procurements(ctx, r.id, r.refs); err != nil {
		return err
	}
	if r.f.Extensions, err = s.extensions(ctx, r.id); err != nil {
		return err
	}
	if r.f.Withdrawn, err = s.withdrawn(ctx, r.id); err != nil {
		return err
	}
	r.f.ForceMajeure, err = s.forceMajeure(ctx, r.id)
	return err
}

// FailureOf is the notice of incidentID exactly as /status shows it, or
// would once it is published (PreviewNotice says whether and why not): the
// console renders it with the status page's own renderer
// (statuspage.Handler.PreviewHTML).
func (s *Service) FailureOf(ctx context.Context, incidentID int64) (statuspage.Failure, error) {
	r, err := scanFailure(s.DB.R.QueryRowContext(ctx, Q.FailureOfIncident, incidentID))
	if errors.Is(err, sql.ErrNoRows) {
		return statuspage.Failure{}, apperr.New(apperr.NotFound, "no incident %d", incidentID)
	}
	if err != nil {
		return statuspage.Failure{}, err
	}
	if err := s.complete(ctx, &r); err != nil {
		return statuspage.Failure{}, err
	}
	return r.f, nil
}
