package notify

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

// API serves the outbox to staff and the cabinet (E11) to every user.
// Documented in internal/web/openapi.d/050-notifications.json.
type API struct {
	DB  *store.DB
	Now func() time.Time
}

// Mount registers the routes on s (a web.Server Mounts entry).
func (api *API) Mount(s *web.Server) {
	s.Route("GET /api/v1/notifications", auth.PermNotificationRead, api.list)
	s.Route("POST /api/v1/notifications/{id}/retry", auth.PermNotificationRetry, api.retry)
	s.Route("GET /api/v1/me/notifications", "*", api.cabinet)
	s.Route("GET /api/v1/me/notifications/unread", "*", api.unread)
	s.Route("POST /api/v1/me/notifications/{id}/read", "*", api.read)
}

const maxLimit = 500

// page reads limit (default 50, at most 500) and before (an id cursor).
func page(r *http.Request, v apperr.Validation) (before int64, limit int) {
	limit = 50
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			v.Add("limit", "a number from 1 to 500")
		}
		limit = n
	}
	if s := r.URL.Query().Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			v.Add("before", "a notification id (the next_before of the previous page)")
		}
		before = n
	}
	return before, limit
}

// nextBefore is the cursor of the next page, when the page was full.
func nextBefore[T any](items []T, limit int, id func(T) int64) *int64 {
	if len(items) < limit || len(items) == 0 {
		return nil
	}
	last := id(items[len(items)-1])
	return &last
}

func (api *API) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := apperr.Validation{}
	f := Filter{Status: q.Get("status"), Channel: q.Get("channel"), EventPrefix: q.Get("event")}
	if f.Status != "" && !slices.Contains([]string{"pending", "sent", "failed", "bounced"}, f.Status) {
		v.Add("status", "pending, sent, failed or bounced")
	}
	if f.Channel != "" && f.Channel != "email" && f.Channel != "cabinet" {
		v.Add("channel", "email or cabinet")
	}
	f.Before, f.Limit = page(r, v)
	if err := v.Err(); err != nil {
		return err
	}
	rows, err := List(r.Context(), api.DB.R, f)
	if err != nil {
		return err
	}
	next := nextBefore(rows, f.Limit, func(x Row) int64 { return x.ID })
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": rows, "next_before": next})
	return nil
}

func pathID(r *http.Request) (int64, error) {
	return web.PathID(r, func(raw string) error { return apperr.New(apperr.NotFound, "no notification %q", raw) })
}

func (api *API) retry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := Retry(r.Context(), api.DB, api.Now().UTC(), web.Principal(r).Actor(web.ClientAddr(r)), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (api *API) cabinet(w http.ResponseWriter, r *http.Request) error {
	v := apperr.Validation{}
	unread := false
	switch r.URL.Query().Get("unread") {
	case "", "0", "false":
	case "1", "true":
		unread = true
	default:
		v.Add("unread", "1 or 0")
	}
	before, limit := page(r, v)
	if err := v.Err(); err != nil {
		return err
	}
	uid := web.Principal(r).ID
	items, err := Cabinet(r.Context(), api.DB.R, uid, unread, before, limit)
	if err != nil {
		return err
	}
	n, err := Unread(r.Context(), api.DB.R, uid)
	if err != nil {
		return err
	}
	next := nextBefore(items, limit, func(x CabinetItem) int64 { return x.ID })
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "unread": n, "next_before": next})
	return nil
}

func (api *API) unread(w http.ResponseWriter, r *http.Request) error {
	n, err := Unread(r.Context(), api.DB.R, web.Principal(r).ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]int{"unread": n})
	return nil
}

func (api *API) read(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := MarkRead(r.Context(), api.DB, api.Now().UTC(), web.Principal(r).ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
