package triggers

import (
	"net/http"
	"strconv"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/web"
)

// Mount adds the routes (internal/web/openapi.d/096-intake.json).
func (s *Service) Mount(w *web.Server) {
	w.Route("POST /api/v1/appeals/{number}/triggers", auth.PermImpactApply, s.post)
	w.Route("GET /api/v1/incidents/{id}/triggers", auth.PermIncidentRead, s.list)
}

func (s *Service) post(w http.ResponseWriter, r *http.Request) error {
	var in New
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	t, err := s.Record(r.Context(), web.Principal(r).Actor(web.ClientAddr(r)), r.PathValue("number"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "bad id", Fields: map[string]string{"id": "a positive integer"}}
	}
	ts, err := s.OfIncident(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"triggers": ts})
	return nil
}
