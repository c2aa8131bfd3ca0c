package publicnotice

import (
	"net/http"
	"strconv"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

// Mount adds the routes (documented in web/openapi.d/060-status.json).
func (s *Service) Mount(w *web.Server) {
	w.Route("GET /api/v1/maintenance", "*", s.listMaintenance)
	w.Route("POST /api/v1/maintenance", auth.PermMaintenanceManage, s.postMaintenance)
	w.Route("GET /api/v1/maintenance/{id}", "*", s.getMaintenance)
	w.Route("DELETE /api/v1/maintenance/{id}", auth.PermMaintenanceManage, s.deleteMaintenance)
	w.Route("GET /api/v1/incidents/{id}/public-notice", auth.PermStatusPublish, s.getNotice)
	w.Route("PUT /api/v1/incidents/{id}/public-notice", auth.PermStatusPublish, s.putNotice)
}

func actor(r *http.Request) audit.Actor { return web.Principal(r).Actor(web.ClientAddr(r)) }

func pathID(r *http.Request) (int64, error) {
	return web.PathID(r, func(raw string) error {
		return apperr.New(apperr.Invalid, "id must be a positive integer, not %q", raw)
	})
}

func (s *Service) listMaintenance(w http.ResponseWriter, r *http.Request) error {
	q, args := Q.MaintenancePublic, []any{store.T(s.Now().UTC().Add(-s.recent()))}
	all := false
	if v := r.URL.Query().Get("all"); v != "" {
		var err error
		if all, err = strconv.ParseBool(v); err != nil {
			return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"all": "true or false"}}
		}
	}
	if all {
		q, args = Q.MaintenanceAll, []any{500}
	}
	ms, err := s.maintenance(r.Context(), q, args...)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"maintenance": ms})
	return nil
}

func (s *Service) postMaintenance(w http.ResponseWriter, r *http.Request) error {
	var n NewMaintenance
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	m, err := s.Announce(r.Context(), actor(r), n)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Service) getMaintenance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, err := s.MaintenanceByID(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Service) deleteMaintenance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, err := s.Withdraw(r.Context(), actor(r), id, r.URL.Query().Get("reason"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Service) putNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var n Notice
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	number, err := s.SetNotice(r.Context(), actor(r), id, n)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"incident_id": id, "number": number, "notice": n})
	return nil
}
