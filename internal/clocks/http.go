package clocks

import (
	"net/http"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/web"
)

// Mount adds the clocks' routes (documented in web/openapi.d/030-clocks.json).
func (s *Service) Mount(w *web.Server) {
	w.Route("GET /api/v1/incidents/{id}/clocks", auth.PermIncidentRead, s.getIncidentClocks)
	w.Route("GET /api/v1/appeals/{number}/clocks", auth.PermAppealRead, s.getAppealClocks)
	w.Route("POST /api/v1/incidents/{id}/clocks/{clock}/extend", auth.PermClockExtend, s.postExtend)
	w.Route("POST /api/v1/incidents/{id}/clocks/{clock}/meet", auth.PermIncidentTransition, s.postMeet)
	w.Route("GET /api/v1/calendar/overrides", "*", s.getOverrides)
	w.Route("PUT /api/v1/calendar/overrides", auth.PermCalendarManage, s.putOverride)
	w.Route("DELETE /api/v1/calendar/overrides", auth.PermCalendarManage, s.deleteOverride)
}

func incidentID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.Invalid, "incident id must be a positive integer, not %q", r.PathValue("id"))
	}
	return id, nil
}

func (s *Service) getIncidentClocks(w http.ResponseWriter, r *http.Request) error {
	id, err := incidentID(r)
	if err != nil {
		return err
	}
	vs, err := s.OfIncident(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"incident_id": id, "now": s.Now().UTC(), "clocks": vs})
	return nil
}

func (s *Service) getAppealClocks(w http.ResponseWriter, r *http.Request) error {
	number := r.PathValue("number")
	vs, bin, err := s.OfAppeal(r.Context(), number)
	if err != nil {
		return err
	}
	if p := web.Principal(r); p.Role.PortalUser() && bin != p.BIN {
		return apperr.New(apperr.NotFound, "no such appeal for your organization")
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"appeal": number, "now": s.Now().UTC(), "clocks": vs})
	return nil
}

func actor(r *http.Request) audit.Actor { return web.Principal(r).Actor(web.ClientAddr(r)) }

func (s *Service) postExtend(w http.ResponseWriter, r *http.Request) error {
	id, err := incidentID(r)
	if err != nil {
		return err
	}
	var in struct {
		Appeal   string `json:"appeal"`
		Until    string `json:"until"`
		Days     int    `json:"days"`
		By       string `json:"by"`
		Basis    string `json:"basis"`
		AgreedAt string `json:"agreed_at"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	v := apperr.Validation{}
	e := Extension{Appeal: in.Appeal, Days: in.Days, Basis: in.Basis}
	if t := web.ParseTime(v, "until", in.Until); t != nil {
		e.Until = *t
	}
	if t := web.ParseTime(v, "agreed_at", in.AgreedAt); t != nil {
		e.AgreedAt = *t
	}
	if in.By != "" {
		d, err := time.ParseDuration(in.By)
		if err != nil || d <= 0 {
			v.Add("by", "a positive Go duration in the clock's base, e.g. 4h or 90m")
		}
		e.By = d
	}
	if err := v.Err(); err != nil {
		return err
	}
	view, err := s.Extend(r.Context(), actor(r), id, r.PathValue("clock"), e)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, view)
	return nil
}

func (s *Service) postMeet(w http.ResponseWriter, r *http.Request) error {
	id, err := incidentID(r)
	if err != nil {
		return err
	}
	var in struct {
		Appeal string `json:"appeal"`
		At     string `json:"at"`
	}
	if r.ContentLength != 0 {
		if err := web.Decode(r, &in); err != nil {
			return err
		}
	}
	v := apperr.Validation{}
	var at time.Time
	if t := web.ParseTime(v, "at", in.At); t != nil {
		at = *t
	}
	if err := v.Err(); err != nil {
		return err
	}
	view, err := s.Meet(r.Context(), actor(r), id, r.PathValue("clock"), in.Appeal, at)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, view)
	return nil
}

func (s *Service) getOverrides(w http.ResponseWriter, r *http.Request) error {
	ovs, err := s.Overrides(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"overrides": ovs})
	return nil
}

func (s *Service) putOverride(w http.ResponseWriter, r *http.Request) error {
	var in Override
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	in.ID, in.CreatedBy, in.CreatedAt = 0, "", time.Time{}
	o, err := s.PutOverride(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, o)
	return nil
}

func (s *Service) deleteOverride(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil || id <= 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"id": "required: ?id= of the override (GET lists them)"}}
	}
	if err := s.DeleteOverride(r.Context(), actor(r), id, r.URL.Query().Get("reason")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
