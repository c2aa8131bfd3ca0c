package publicnotice

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

// SetEnd enters the end of window id (ext14b; docs/impact.md Q41-open): a
// window announced open-ended gets its end once it is known, or a window's
// expected end moves. The window's own plan is computed from it (until
// then it cannot be); applied again after a later end, the plan adds only
// the difference. Audited, and the public page shows it at once.
func (s *Service) SetEnd(ctx context.Context, by audit.Actor, id int64, end *time.Time) (Maintenance, error) {
	if end == nil || end.IsZero() {
		return Maintenance{}, &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"end": "required: when the works end (RFC 3339 with offset)"}}
	}
	m, err := s.MaintenanceByID(ctx, id)
	if err != nil {
		return Maintenance{}, err
	}
	if m.WithdrawnAt != nil {
		return Maintenance{}, apperr.New(apperr.Conflict, "maintenance %d is withdrawn", id)
	}
	if !end.After(m.Start) {
		return Maintenance{}, &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"end": "after the start of the works"}}
	}
	now := s.Now().UTC()
	err = s.publish(ctx, by, now, func(tx *sql.Tx) (audit.Entry, error) {
		res, err := tx.ExecContext(ctx, Q.SetMaintenanceEnd, id, store.T(*end), store.T(now))
		if err != nil {
			return audit.Entry{}, apperr.Wrap(err, "maintenance end")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return audit.Entry{}, apperr.New(apperr.Conflict, "maintenance %d is withdrawn", id)
		}
		return audit.Entry{Action: "maintenance.end", ObjectType: "maintenance", ObjectID: strconv.FormatInt(id, 10),
			Before: map[string]any{"end": m.End}, After: map[string]any{"end": end.UTC()}}, nil
	})
	if err != nil {
		return Maintenance{}, err
	}
	return s.MaintenanceByID(ctx, id)
}

// MountEnd adds PUT /api/v1/maintenance/{id}/end (102-ext14b.json).
func (s *Service) MountEnd(w *web.Server) {
	w.Route("PUT /api/v1/maintenance/{id}/end", auth.PermMaintenanceManage, s.putEnd)
}

func (s *Service) putEnd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		End *time.Time `json:"end"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	m, err := s.SetEnd(r.Context(), actor(r), id, in.End)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, m)
	return nil
}
