package convo

import (
	"net/http"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/web"
)

// Mount adds the routes (documented in web/openapi.d/070-convo.json). The
// GET of the thread is mailin's (the mail thread); it shows this
// conversation through Conversation.
func (s *Service) Mount(w *web.Server) {
	w.Route("POST /api/v1/appeals/{number}/messages", auth.PermAppealRead, s.postMessage)
	w.Route("GET /api/v1/appeals/{number}/conversation", auth.PermAppealRead, s.getConversation)
	w.Route("GET /api/v1/track", "", s.getTrack)
}

func (s *Service) postMessage(w http.ResponseWriter, r *http.Request) error {
	var in Post
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	out, err := s.Write(r.Context(), web.Principal(r), web.ClientAddr(r), r.PathValue("number"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Service) getConversation(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Journal.Appeal(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	p := web.Principal(r)
	if p.Role.PortalUser() && a.BIN != p.BIN {
		return apperr.New(apperr.NotFound, "no such appeal for your organization")
	}
	ms, err := s.Thread(r.Context(), a, !p.Role.PortalUser())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"appeal": a.Number, "messages": ms})
	return nil
}
