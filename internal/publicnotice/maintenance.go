package publicnotice

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/sla"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/store"
)

// Maintenance is an announced window of works as the API shows it.
type Maintenance struct {
	ID             int64           `json:"id"`
	Title          statuspage.Text `json:"title"`
	Start          time.Time       `json:"start"`
	End            *time.Time      `json:"end,omitempty"`
	Unplanned      bool            `json:"unplanned"`
	Agreement      string          `json:"agreement,omitempty"`
	NoticeBy       *time.Time      `json:"notice_by,omitempty"`
	AnnouncedAt    time.Time       `json:"announced_at"`
	AnnouncedBy    string          `json:"announced_by"`
	UpdatedAt      time.Time       `json:"updated_at"`
	WithdrawnAt    *time.Time      `json:"withdrawn_at,omitempty"`
	WithdrawnBy    string          `json:"withdrawn_by,omitempty"`
	WithdrawReason string          `json:"withdraw_reason,omitempty"`
}

func (m Maintenance) public() statuspage.Maintenance {
	p := statuspage.Maintenance{ID: "m-" + strconv.FormatInt(m.ID, 10), Title: m.Title, Start: m.Start, Unplanned: m.Unplanned,
		Announced: m.AnnouncedAt, Updated: m.UpdatedAt}
	if m.End != nil {
		p.End = *m.End
	}
	return p
}

func scanMaintenance(r interface{ Scan(...any) error }) (Maintenance, error) {
	var m Maintenance
	var title string
	var start, end, announced, updated, noticeBy, withdrawn store.Time
	var withdrawnBy sql.NullString
	err := r.Scan(&m.ID, &title, &start, &end, &m.Unplanned, &announced, &updated, &m.Agreement, &noticeBy, &m.AnnouncedBy,
		&withdrawn, &withdrawnBy, &m.WithdrawReason)
	m.Title = text(title)
	m.Start, m.End, m.AnnouncedAt, m.UpdatedAt = start.Time, end.Ptr(), announced.Time, updated.Time
	m.NoticeBy, m.WithdrawnAt, m.WithdrawnBy = noticeBy.Ptr(), withdrawn.Ptr(), withdrawnBy.String
	return m, err
}

func (s *Service) maintenance(ctx context.Context, q string, args ...any) ([]Maintenance, error) {
	rows, err := s.DB.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "maintenance")
	}
	defer rows.Close()
	out := []Maintenance{}
	for rows.Next() {
		m, err := scanMaintenance(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "maintenance")
		}
		out = append(out, m)
	}
	return out, apperr.Wrap(rows.Err(), "maintenance")
}

// NewMaintenance is an announcement as the API takes it.
type NewMaintenance struct {
	Title     statuspage.Text `json:"title"`
	Start     *time.Time      `json:"start"`
	End       *time.Time      `json:"end"`
	Unplanned bool            `json:"unplanned"`
	// Agreement references the authorized body's agreement to unplanned
	// works (Q18): a letter, minutes of a call.
	Agreement string `json:"agreement"`
}

// NoticeDeadline returns the Q41 deadline of the maintenance_notice clock
// of profile (the desk's default when it has that clock), else of
// kz-quasi, the one text that sets a notice term: the desk does not
// announce planned works later than Q41 allows on any portal.
func NoticeDeadline(profile string) func(start time.Time) (time.Time, error) {
	return func(start time.Time) (time.Time, error) {
		for _, name := range []string{profile, "kz-quasi"} {
			p, err := regulation.Resolve(name, start)
			if err != nil {
				continue
			}
			if _, err := p.Term(regulation.ClockMaintenanceNotice, ""); err != nil {
				continue
			}
			return sla.Deadline(p, sla.Spec{Clock: regulation.ClockMaintenanceNotice, At: start})
		}
		return time.Time{}, fmt.Errorf("no profile in force at %s has the maintenance notice clock (Q41)", start.Format(time.RFC3339))
	}
}

// Announce validates and records a maintenance window (Q18, Q41) and
// publishes it.
func (s *Service) Announce(ctx context.Context, by audit.Actor, n NewMaintenance) (Maintenance, error) {
	now := s.Now().UTC()
	v := apperr.Validation{}
	if len(text(mustText(n.Title))) == 0 {
		v.Add("title", "required: the public text in at least one language (ru, kk, en)")
	}
	for lang, t := range n.Title {
		if lang != "ru" && lang != "kk" && lang != "en" {
			v.Add("title", "languages: ru, kk, en")
		} else if len([]rune(t)) > 500 {
			v.Add("title", "longer than 500 characters")
		}
	}
	if n.Start == nil {
		v.Add("start", "required: RFC 3339 time with offset")
	}
	if n.Start != nil && n.End != nil && !n.End.After(*n.Start) {
		v.Add("end", "must be after start")
	}
	if len(n.Agreement) > 1000 {
		v.Add("agreement", "longer than 1000 characters")
	}
	if err := v.Err(); err != nil {
		return Maintenance{}, err
	}
	noticeBy, err := s.NoticeBy(*n.Start)
	if err != nil && !n.Unplanned {
		return Maintenance{}, apperr.New(apperr.Unprocessable, "Q41: %v", err)
	}
	if err := statuspage.ValidateMaintenance(*n.Start, noticeBy, now, n.Unplanned, n.Agreement); err != nil {
		if errors.Is(err, statuspage.ErrTooLate) {
			return Maintenance{}, apperr.New(apperr.Unprocessable,
				"%v; announce it as unplanned works with the authorized body's agreement (Q18) instead", err)
		}
		return Maintenance{}, apperr.New(apperr.Unprocessable, "%v", err)
	}
	var end, nb store.Time
	if n.End != nil {
		end = store.T(*n.End)
	}
	if !n.Unplanned {
		nb = store.T(noticeBy)
	}
	var id int64
	err = s.publish(ctx, by, now, func(tx *sql.Tx) (audit.Entry, error) {
		if err := tx.QueryRowContext(ctx, Q.InsertMaintenance, mustText(n.Title), store.T(*n.Start), end, n.Unplanned,
			strings.TrimSpace(n.Agreement), nb, store.T(now), by.Login).Scan(&id); err != nil {
			return audit.Entry{}, apperr.Wrap(err, "insert maintenance")
		}
		return audit.Entry{Action: "maintenance.announce", ObjectType: "maintenance", ObjectID: strconv.FormatInt(id, 10), After: n}, nil
	})
	if err != nil {
		return Maintenance{}, err
	}
	return s.MaintenanceByID(ctx, id)
}

// Withdraw takes an announcement off the page; the record stays. A window
// whose own plan is applied is refused (409 naming the plan, field "plan";
// docs/impact.md Q41-withdraw): the bidders were told of those extensions,
// and only a revert (an administrator's, with a reason, which tells them
// again) takes them back.
func (s *Service) Withdraw(ctx context.Context, by audit.Actor, id int64, reason string) (Maintenance, error) {
	now := s.Now().UTC()
	err := s.publish(ctx, by, now, func(tx *sql.Tx) (audit.Entry, error) {
		if err := appliedPlansOf(ctx, tx, id); err != nil {
			return audit.Entry{}, err
		}
		res, err := tx.ExecContext(ctx, Q.WithdrawMaintenance, id, store.T(now), by.Login, strings.TrimSpace(reason))
		if err != nil {
			return audit.Entry{}, apperr.Wrap(err, "withdraw maintenance")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			if _, err := s.MaintenanceByID(ctx, id); err != nil {
				return audit.Entry{}, err
			}
			return audit.Entry{}, apperr.New(apperr.Conflict, "maintenance %d is already withdrawn", id)
		}
		return audit.Entry{Action: "maintenance.withdraw", ObjectType: "maintenance", ObjectID: strconv.FormatInt(id, 10),
			After: map[string]string{"reason": reason}}, nil
	})
	if err != nil {
		return Maintenance{}, err
	}
	return s.MaintenanceByID(ctx, id)
}

// MaintenanceByID returns one announcement.
func (s *Service) MaintenanceByID(ctx context.Context, id int64) (Maintenance, error) {
	m, err := scanMaintenance(s.DB.R.QueryRowContext(ctx, Q.MaintenanceByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.New(apperr.NotFound, "no maintenance %d", id)
	}
	return m, apperr.Wrap(err, "maintenance")
}

// Notice is the operator's public text of a failure notice.
type Notice struct {
	Title   statuspage.Text `json:"title"`
	Modules statuspage.Text `json:"modules"`
	Hidden  bool            `json:"hidden"` // e.g. confirmed by mistake; recorded in the audit trail
	// Procurements replaces the announcement and lot numbers the appeals
	// gave (issue 9.9: staff check what applicants typed before it is
	// public); absent or null: the appeals' own; [] publishes none.
	Procurements *[]PublicRef `json:"procurements,omitempty"`
}

// SetNotice writes the public text of an incident's notice.
// It returns the failure's public number.
func (s *Service) SetNotice(ctx context.Context, by audit.Actor, incidentID int64, n Notice) (number string, err error) {
	v := apperr.Validation{}
	for field, t := range map[string]statuspage.Text{"title": n.Title, "modules": n.Modules} {
		for lang, x := range t {
			if lang != "ru" && lang != "kk" && lang != "en" {
				v.Add(field, "languages: ru, kk, en")
			} else if len([]rune(x)) > 1000 {
				v.Add(field, "longer than 1000 characters")
			}
		}
	}
	var refs any
	if n.Procurements != nil {
		s.checkRefs(v, *n.Procurements)
		refs = mustJSON(*n.Procurements)
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	now := s.Now().UTC()
	return number, s.publish(ctx, by, now, func(tx *sql.Tx) (audit.Entry, error) {
		if err := tx.QueryRowContext(ctx, Q.IncidentExists, incidentID).Scan(&number); errors.Is(err, sql.ErrNoRows) {
			return audit.Entry{}, apperr.New(apperr.NotFound, "no incident %d", incidentID)
		} else if err != nil {
			return audit.Entry{}, apperr.Wrap(err, "incident")
		}
		if _, err := tx.ExecContext(ctx, Q.UpsertNotice, incidentID, mustText(n.Title), mustText(n.Modules), n.Hidden,
			store.T(now), by.Login, refs); err != nil {
			return audit.Entry{}, apperr.Wrap(err, "public notice")
		}
		return audit.Entry{Action: "incident.public_notice", ObjectType: "incident", ObjectID: strconv.FormatInt(incidentID, 10), After: n}, nil
	})
}

// publish runs change and records its audit entry in one transaction with
// a version bump, then tells the page (Changed) so it shows at once.
func (s *Service) publish(ctx context.Context, by audit.Actor, now time.Time, change func(tx *sql.Tx) (audit.Entry, error)) error {
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		e, err := change(tx)
		if err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, e); err != nil {
			return err
		}
		return bump(ctx, tx, now)
	})
	if err == nil && s.Changed != nil {
		s.Changed()
	}
	return err
}

func mustText(t statuspage.Text) string {
	if t == nil {
		return "{}"
	}
	b, _ := json.Marshal(t)
	return string(b)
}

// appliedPlansOf refuses, naming them, the applied plans of window id
// (Q41-withdraw).
func appliedPlansOf(ctx context.Context, tx *sql.Tx, id int64) error {
	rows, err := tx.QueryContext(ctx, Q.AppliedPlansOfWindow, id)
	if err != nil {
		return apperr.Wrap(err, "applied plans of the window")
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			return apperr.Wrap(err, "applied plans of the window")
		}
		ids = append(ids, "№ "+strconv.FormatInt(p, 10))
	}
	if err := rows.Err(); err != nil {
		return apperr.Wrap(err, "applied plans of the window")
	}
	if len(ids) == 0 {
		return nil
	}
	list := strings.Join(ids, ", ")
	return &apperr.Error{Code: apperr.Conflict,
		Message: "maintenance window " + strconv.FormatInt(id, 10) + " has its own applied plan " + list + ": revert it first (Q41-withdraw)",
		Fields:  map[string]string{"plan": "applied plan " + list + " moves deadlines by this window: revert it first"}}
}
