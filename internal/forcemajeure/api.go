package forcemajeure

import (
	"net/http"
	"strconv"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/web"
)

// Mount adds the routes (internal/web/openapi.d/101-ext14.json).
func (s *Service) Mount(w *web.Server) {
	w.Route("PUT /api/v1/incidents/{id}/force-majeure", auth.PermImpactApply, s.put)
	w.Route("GET /api/v1/incidents/{id}/force-majeure", auth.PermIncidentRead, s.show)
	w.Route("POST /api/v1/incidents/{id}/force-majeure/calls", auth.PermImpactApply, s.postCall) // 102-ext14b.json
}

func incidentID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &apperr.Error{Code: apperr.Invalid, Message: "bad id", Fields: map[string]string{"id": "a positive integer"}}
	}
	return id, nil
}

func (s *Service) put(w http.ResponseWriter, r *http.Request) error {
	id, err := incidentID(r)
	if err != nil {
		return err
	}
	var in Input
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	rec, err := s.Set(r.Context(), web.Principal(r).Actor(web.ClientAddr(r)), id, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rec)
	return nil
}

func (s *Service) show(w http.ResponseWriter, r *http.Request) error {
	id, err := incidentID(r)
	if err != nil {
		return err
	}
	rec, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rec)
	return nil
}
