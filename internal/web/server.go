// Package web is tenderdesk's HTTP face: the JSON API under /api/v1 (its
// OpenAPI document is openapi.json beside this file), health and metrics.
// Every route declares the permission it needs; one middleware checks it.
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
)

const sessionCookie = "td_session"

type Server struct {
	Log     *slog.Logger
	DB      *store.DB
	Auth    *auth.Service
	Journal *journal.Service
	Metrics *Metrics
	// Extra lets other packages mount their handlers (status page, …).
	Extra map[string]http.Handler
	// Mounts add the routes of other packages' features (clocks,
	// procurement, notifications, …) through Route, so each feature keeps
	// its handlers in its own file.
	Mounts []func(*Server)
	// BodyLimits raises (or lowers) MaxBody for single routes by pattern,
	// e.g. a streamed bulk import; set them before Handler.
	BodyLimits map[string]int64
	// Security: cookies, headers, sign-in channel and /metrics access.
	Security Security
	// Warnings are what the administrator must know (settings the desk runs
	// without, profile versions used past their end); /readyz shows them.
	Warnings func() []string
	// JournalCSV serves GET /api/v1/journal asked for text/csv: the Journal
	// extract as internal/reports writes it (reports imports web, so it
	// sets this in its Mount). bin is the caller's organization when the
	// caller is a portal user (they see only it), else "". Nil: text/csv
	// is not served (406).
	JournalCSV func(w http.ResponseWriter, r *http.Request, bin string) error
	mux        *http.ServeMux
	routes     []Route
}

// Route is one API route and the permission it needs ("" public, "*" any
// signed-in user); the OpenAPI test checks each is documented.
type Route struct {
	Pattern string
	Perm    auth.Permission
}

// Routes lists the routes Handler registered.
func (s *Server) Routes() []Route { return s.routes }

type ctxKey int

const principalKey ctxKey = 0

// Principal is the authenticated caller of a routed request.
func Principal(r *http.Request) auth.Principal { return principal(r) }

// ClientAddr is the caller's address, for the audit trail.
func ClientAddr(r *http.Request) string { return clientAddr(r) }

func principal(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(principalKey).(auth.Principal)
	return p
}

// HandlerFunc is an API handler; an error it returns is rendered once, in
// the error envelope.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

type handler = HandlerFunc

// Handler builds the routing table. perm "" means public.
func (s *Server) Handler() http.Handler {
	s.mux = http.NewServeMux()
	s.route("GET /healthz", "", s.healthz)
	s.route("GET /readyz", "", s.readyz)
	s.route("GET /api/v1/openapi.json", "", s.openapi)
	s.route("POST /api/v1/login", "", s.login)
	s.route("POST /api/v1/logout", "", s.logout)
	s.route("GET /api/v1/me", "*", s.me)
	s.route("POST /api/v1/me/password", "*", s.changePassword)

	s.route("POST /api/v1/appeals", auth.PermAppealCreate, s.createAppeal)
	s.route("GET /api/v1/appeals/{number}", auth.PermAppealRead, s.getAppeal)
	s.route("POST /api/v1/appeals/{number}/merge", auth.PermIncidentMerge, s.mergeAppeal)
	s.route("GET /api/v1/journal", auth.PermJournalRead, s.listJournal)
	s.route("GET /api/v1/incidents/{id}", auth.PermIncidentRead, s.getIncident)
	s.route("POST /api/v1/incidents/{id}/{action}", auth.PermIncidentTransition, s.transition)
	s.route("PUT /api/v1/incidents/{id}/modules", auth.PermIncidentTransition, s.setModules)

	s.route("GET /api/v1/users", auth.PermUserManage, s.listUsers)
	s.route("POST /api/v1/users", auth.PermUserManage, s.createUser)
	s.route("PATCH /api/v1/users/{login}", auth.PermUserManage, s.updateUser)
	s.route("POST /api/v1/users/{login}/suspend", auth.PermUserManage, s.suspendUser)
	s.route("POST /api/v1/users/{login}/reactivate", auth.PermUserManage, s.reactivateUser)
	s.route("POST /api/v1/users/{login}/unlock", auth.PermUserManage, s.unlockUser)
	s.route("POST /api/v1/users/{login}/tokens", auth.PermUserManage, s.createToken)
	s.route("POST /api/v1/users/{login}/password", auth.PermUserManage, s.resetPassword)
	s.route("GET /api/v1/roles", "*", s.roles)

	s.route("GET /api/v1/audit", auth.PermAuditRead, s.auditList)
	s.route("GET /api/v1/audit/verify", auth.PermAuditRead, s.auditVerify)

	for _, m := range s.Mounts {
		m(s)
	}
	if s.Metrics != nil {
		s.mux.Handle("GET /metrics", s.metricsGuard(s.Metrics.Handler()))
	}
	for pattern, h := range s.Extra {
		s.mux.Handle(pattern, h)
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if allow := s.allowed(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, apperr.New(apperr.Method, "%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		s.writeError(w, r, apperr.New(apperr.NotFound, "no such endpoint: %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path))
	})
	return s.recoverer(s.headers(s.canonical(s.mux)))
}

// allowed lists the methods that have a route for r's path (a known path
// asked with another method is a 405 with Allow, not a 404).
func (s *Server) allowed(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if slices.Contains(allow, http.MethodGet) {
		allow = append(allow, http.MethodHead)
	}
	return allow
}

// canonical answers a path the mux would redirect to its cleaned form
// ("/api/v1/appeals//merge", "/a/./b") with a 404 in the error envelope: an
// API client gets an answer it can read, not an undocumented 307.
func (s *Server) canonical(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
			strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") {
			s.writeError(w, r, apperr.New(apperr.NotFound, "no such endpoint: %s %s (empty or dot path segment)", r.Method, p))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Route registers h behind authentication and the permission check (perm
// "" public, "*" any signed-in user). Every /api/ route must be documented
// in a fragment in openapi.d/ (a test checks).
func (s *Server) Route(pattern string, perm auth.Permission, h HandlerFunc) {
	s.route(pattern, perm, h)
}

func (s *Server) route(pattern string, perm auth.Permission, h handler) {
	s.routes = append(s.routes, Route{pattern, perm})
	limit := int64(MaxBody)
	if n, ok := s.BodyLimits[pattern]; ok {
		limit = n
	}
	s.mux.HandleFunc(pattern, func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusWriter{ResponseWriter: rw, code: http.StatusOK}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		err := func() error {
			if perm == "" {
				return h(w, r)
			}
			p, err := s.authenticate(r)
			if err != nil {
				return err
			}
			if perm != "*" && !auth.Allowed(p.Role, perm) {
				return apperr.New(apperr.Forbidden, "role %s lacks permission %s", p.Role, perm)
			}
			return h(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
		}()
		if err != nil {
			s.writeError(w, r, err)
		}
		if s.Metrics != nil {
			s.Metrics.observe(pattern, w, start)
		}
	})
}

// authenticate takes a bearer token, or a session cookie. A cookie-borne
// state-changing request must come from this origin (CSRF).
func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return auth.Principal{}, apperr.New(apperr.Unauthorized, "Authorization must be \"Bearer <token>\"")
		}
		return s.Auth.Authenticate(r.Context(), strings.TrimSpace(tok))
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return auth.Principal{}, apperr.New(apperr.Unauthorized, "sign in (POST /api/v1/login) or send a bearer token")
	}
	if err := csrf(r); err != nil {
		return auth.Principal{}, err
	}
	return s.Auth.Authenticate(r.Context(), c.Value)
}

// csrf refuses a cookie-borne state change from another origin.
func csrf(r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
		return apperr.New(apperr.Forbidden, "cross-site request refused")
	}
	return nil
}

func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		o = r.Header.Get("Referer")
	}
	if o == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// clientAddr is the caller's address. Behind a reverse proxy on this
// machine every peer is loopback, which would make the sign-in throttle
// per address one lock for everybody: then the address the proxy appended
// last to X-Forwarded-For is the client's. Only a loopback peer is trusted
// with that header, so a remote client cannot choose its address.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			last = strings.TrimSpace(last[strings.LastIndex(last, ",")+1:])
			if net.ParseIP(last) != nil {
				return last
			}
		}
	}
	return host
}

// recoverer turns a panic into a logged 500 instead of a dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.writeError(w, r, apperr.New(apperr.Internal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		// The reason in public words (store.FaultReason); the detail goes
		// to the log. /healthz stays 200: the process is alive and will
		// recover by itself once the database answers (issue 15).
		s.Log.Warn("readyz: database unreachable", "error", err.Error())
		w.Header().Set("Retry-After", strconv.Itoa(int(store.RetryAfter/time.Second)))
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable", "database": string(s.DB.Dialect),
			"reason": store.FaultReason(err)})
		return nil
	}
	ready := map[string]any{"status": "ready", "database": string(s.DB.Dialect)}
	if s.Warnings != nil {
		if ws := s.Warnings(); len(ws) > 0 {
			ready["warnings"] = ws
		}
	}
	writeJSON(w, http.StatusOK, ready)
	return nil
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(OpenAPI)
	return err
}

// statusWriter remembers the status for metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Status() int { return w.code }

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// SameOrigin is the check cookie-borne writes pass (the console's forms too).
func SameOrigin(r *http.Request) bool { return sameOrigin(r) }
