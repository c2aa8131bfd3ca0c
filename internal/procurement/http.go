package procurement

import (
	"bufio"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/web"
)

// ImportPattern is the streamed NDJSON import route; its body limit is
// MaxImportBody instead of web.MaxBody.
const ImportPattern = "POST /api/v1/procedures/import"

// MaxImportBody bounds one import request (a module of a million procedures
// is about 600 MB of NDJSON).
const MaxImportBody = 4 << 30

// Mount registers the routes (docs/procurement-api.md, OpenAPI fragment
// internal/web/openapi.d/040-procurement.json).
func (s *Service) Mount(w *web.Server) {
	if w.BodyLimits == nil {
		w.BodyLimits = map[string]int64{}
	}
	w.BodyLimits[ImportPattern] = MaxImportBody
	w.Route(ImportPattern, auth.PermProcurementImport, s.httpImport)
	w.Route("GET /api/v1/procedures/{external_id}", auth.PermProcurementRead, s.httpGet)
	w.Route("GET /api/v1/feed", auth.PermProcurementRead, s.httpFeed)
	w.Route("GET /api/v1/feed/webhook", auth.PermProcurementHook, s.httpWebhookStatus)
	w.Route("PUT /api/v1/feed/webhook", auth.PermProcurementHook, s.httpWebhookConfigure)
	w.Route("POST /api/v1/incidents/{id}/plan", auth.PermImpactApply, s.httpPlan)
	w.Route("POST /api/v1/incidents/{id}/apply", auth.PermImpactApply, s.httpApply)
	w.Route("GET /api/v1/applied-plans/{id}", auth.PermProcurementRead, s.httpPlanRecord)
	w.Route("POST /api/v1/applied-plans/{id}/revert", auth.PermImpactRevert, s.httpRevert)
	// A maintenance window's own plan (ext14b, Q41; 102-ext14b.json).
	w.Route("POST /api/v1/maintenance/{id}/plan", auth.PermImpactApply, s.httpWindowPlan)
	w.Route("POST /api/v1/maintenance/{id}/apply", auth.PermImpactApply, s.httpWindowApply)
	w.Route("GET /api/v1/maintenance/{id}/plans", auth.PermProcurementRead, s.httpWindowPlans)
}

func (s *Service) httpImport(w http.ResponseWriter, r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/x-ndjson" && mt != "application/jsonl") {
		return apperr.New(apperr.Unsupported, "Content-Type must be application/x-ndjson (one procedure per line)")
	}
	noDeadlines(w)
	res, err := s.Import(r.Context(), r.Body, web.Principal(r).Actor(web.ClientAddr(r)))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *Service) httpGet(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Get(r.Context(), r.PathValue("external_id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) httpFeed(w http.ResponseWriter, r *http.Request) error {
	after, err := ParseCursor(r.URL.Query().Get("after"))
	if err != nil {
		return err
	}
	limit := 500
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > MaxFeedLimit {
			return &apperr.Error{Code: apperr.Invalid, Message: "bad limit", Fields: map[string]string{"limit": "1.." + strconv.Itoa(MaxFeedLimit)}}
		}
	}
	page, err := s.Feed(r.Context(), after, limit)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (s *Service) httpWebhookStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.WebhookStatus(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (s *Service) httpWebhookConfigure(w http.ResponseWriter, r *http.Request) error {
	var c WebhookConfig
	if err := web.Decode(r, &c); err != nil {
		return err
	}
	st, err := s.ConfigureWebhook(r.Context(), c, web.Principal(r).Actor(web.ClientAddr(r)))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, st)
	return nil
}

func pathID(r *http.Request) (int64, error) {
	return web.PathID(r, func(raw string) error { return apperr.New(apperr.NotFound, "no such id %q", raw) })
}

// planRequest reads the optional JSON body.
func planRequest(r *http.Request) (PlanRequest, error) {
	var req PlanRequest
	if r.ContentLength == 0 {
		return req, nil
	}
	return req, web.Decode(r, &req)
}

// httpPlan is the dry run. JSON: the summary and the first ?limit actions
// (default 1000, at most 10000; "truncated" says there are more). With
// ?format=ndjson (or Accept: application/x-ndjson) every action is streamed
// as it is planned, one per line, and the last line is {"summary":…}.
// planFunc is Plan or PlanWindow.
type planFunc func(context.Context, int64, PlanRequest, func(PlannedAction) error) (Summary, error)

func (s *Service) httpPlan(w http.ResponseWriter, r *http.Request) error {
	return s.httpPlanBy(w, r, s.Plan)
}

func (s *Service) httpWindowPlan(w http.ResponseWriter, r *http.Request) error {
	return s.httpPlanBy(w, r, s.PlanWindow)
}

func (s *Service) httpPlanBy(w http.ResponseWriter, r *http.Request, plan planFunc) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "ndjson" {
		return &apperr.Error{Code: apperr.Invalid, Message: "bad format", Fields: map[string]string{"format": "json or ndjson"}}
	}
	limit := 1000
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 || limit > 10000 {
			return &apperr.Error{Code: apperr.Invalid, Message: "bad limit", Fields: map[string]string{"limit": "0..10000"}}
		}
	}
	req, err := planRequest(r)
	if err != nil {
		return err
	}
	if format == "ndjson" || r.Header.Get("Accept") == "application/x-ndjson" {
		return s.planNDJSON(w, r, id, req, plan)
	}
	acts := []PlannedAction{}
	sum, err := plan(r.Context(), id, req, func(a PlannedAction) error {
		if len(acts) < limit {
			acts = append(acts, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"summary": sum, "actions": acts, "truncated": sum.Actions > len(acts)})
	return nil
}

func (s *Service) planNDJSON(w http.ResponseWriter, r *http.Request, id int64, req PlanRequest, plan planFunc) error {
	noDeadlines(w)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	started := false
	sum, err := plan(r.Context(), id, req, func(a PlannedAction) error {
		if !started {
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.WriteHeader(http.StatusOK)
			started = true
		}
		return enc.Encode(a)
	})
	if err != nil && !started {
		return err // nothing sent yet: the error envelope
	}
	if !started {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
	}
	if err != nil {
		// Headers are gone: the last line says the plan is incomplete.
		_ = enc.Encode(map[string]any{"error": map[string]string{"code": string(apperr.CodeOf(err)), "message": "plan failed; the lines above are incomplete"}})
		s.Log.Error("plan stream failed", "incident", id, "error", err)
		return bw.Flush()
	}
	_ = enc.Encode(map[string]any{"summary": sum})
	return bw.Flush()
}

func (s *Service) httpApply(w http.ResponseWriter, r *http.Request) error {
	return s.httpApplyBy(w, r, s.Apply)
}

func (s *Service) httpWindowApply(w http.ResponseWriter, r *http.Request) error {
	return s.httpApplyBy(w, r, s.ApplyWindow)
}

func (s *Service) httpWindowPlans(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ps, err := s.PlansOfWindow(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"plans": ps})
	return nil
}

func (s *Service) httpApplyBy(w http.ResponseWriter, r *http.Request, apply func(context.Context, int64, PlanRequest, audit.Actor) (Applied, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	req, err := planRequest(r)
	if err != nil {
		return err
	}
	res, err := apply(r.Context(), id, req, web.Principal(r).Actor(web.ClientAddr(r)))
	if err != nil {
		return err
	}
	code := http.StatusCreated
	if res.PlanID == 0 {
		code = http.StatusOK // nothing new: the plan is already in force
	}
	web.WriteJSON(w, code, res)
	return nil
}

func (s *Service) httpPlanRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.PlanByID(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) httpRevert(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	p, err := s.Revert(r.Context(), id, in.Reason, web.Principal(r).Actor(web.ClientAddr(r)))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

// noDeadlines lifts the server's read and write timeouts (60 s) for this
// request only: a module's import or a streamed plan of 100,000 procedures
// may take longer, and the client sees progress all along.
func noDeadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
}
