// Package console is the operator console: server-rendered pages for
// operators, specialists and administrators, beside the JSON API. It calls
// the same services the API calls and has no SQL of its own, so every rule
// lives in one place. Each route declares its permission, checked by
// auth.Allowed as the API does; forms carry a CSRF token and must come from
// this origin; JavaScript only enhances pages that work without it.
package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/convo"
	"tenderdesk/internal/files"
	"tenderdesk/internal/forcemajeure"
	"tenderdesk/internal/intake/mailin"
	"tenderdesk/internal/intake/monitor"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/profiles"
	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/reports"
	"tenderdesk/internal/signature"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/store"
	"tenderdesk/internal/textmod"
	"tenderdesk/internal/triggers"
	"tenderdesk/internal/web"
)

// SessionCookie is the browser session the JSON API uses too
// (internal/web): signing in here signs in there.
const SessionCookie = "td_session"

const (
	langCookie = "td_lang"
	csrfCookie = "td_csrf" // before sign-in: the login form's token is bound to it
)

// Deps are the services the console calls; Procurement and Notices may be
// nil (their pages then say the feature is off).
type Deps struct {
	Log         *slog.Logger
	DB          *store.DB // only for the audit package's readers (audit.ForObject, audit.Verify)
	Auth        *auth.Service
	Journal     *journal.Service
	Clocks      *clocks.Service
	Procurement *procurement.Service
	Notices     *publicnotice.Service
	// Convo and Files serve the applicant's cabinet (cabinet*.go); nil
	// turns its pages off.
	Convo *convo.Service
	Files *files.Service
	// Analysis serves the analyses and written reports (pages_analysis.go);
	// nil turns those pages off.
	Analysis *analysis.Service
	// Registers publishes the E34 role register (issue 12); nil turns
	// /registers/roles off.
	Registers *registers.Service
	// Acts are issue 12's actions the API takes too (the role change with
	// the head's EDS, call recordings and their disputes): the console
	// calls the same functions. Nil turns those pages off.
	Acts *registers.API
	// Intake is the monitoring and system-log intake (issue 14); nil turns
	// its page off.
	Intake *monitor.Service
	// Triggers records the appeals that trigger point rules on the appeal
	// page (issue 14); nil hides the form.
	Triggers *triggers.Service
	// ForceMajeure records force majeure on the incident page (issue 14);
	// nil hides the form.
	ForceMajeure *forcemajeure.Service
	// Cabinet: the knowledge base, invitations and the Russian profile's
	// parts of the cabinet (cabinet_more.go).
	Cabinet CabinetDeps
	Zone    *time.Location
	Now     func() time.Time
	// Broker is fed by Journal hooks (add it with Journal.AddHooks before
	// serving); New makes one when nil.
	Broker *Broker
	// Status renders the public notice preview (the /status page's own
	// renderer); Profiles lists the regulation versions. Nil turns those
	// parts off.
	Status   *statuspage.Handler
	Profiles *profiles.Service

	// Reports serves the reports' pages (pages_reports.go); nil turns them off.
	Reports *reports.Service

	// MailIn is the appeal's mail thread and TextModules the reply
	// templates, for the appeal page (nil: not shown).
	MailIn      *mailin.Service
	TextModules *textmod.Service

	// Signatures verifies and stores EDS signatures (issue 12; nil: no
	// trust store, the incident page says signing is off); NCALayerURL is
	// the user's local NCALayer socket the incident page may connect to
	// ("": DefaultNCALayerURL).
	Signatures  *signature.Service
	NCALayerURL string
}

// Route is one console page and the permission it needs ("" public, "*"
// any signed-in user).
type Route struct {
	Pattern string
	Perm    auth.Permission
}

type Console struct {
	d        Deps
	cat      *Catalogue
	pages    map[string]*template.Template
	assets   *assets
	Broker   *Broker
	key      []byte // CSRF HMAC key, per process
	mux      *http.ServeMux
	routes   []Route
	presence presence
	// jobs are the applies running in the background (pages_incident_b.go).
	jobs      applyJobs
	applyWait atomic.Int64
	// consentOK holds the users known to have given their E6–E7 consents
	// (pages_consent.go): asked once per process, never forgotten.
	consentOK sync.Map
}

// New builds the console: templates and catalogues are parsed now, so a
// broken template fails the boot.
func New(d Deps) (*Console, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Zone == nil {
		d.Zone = time.UTC
	}
	if d.Broker == nil {
		d.Broker = NewBroker()
	}
	c := &Console{d: d, Broker: d.Broker, key: make([]byte, 32)}
	c.applyWait.Store(int64(defaultApplyWait))
	if _, err := rand.Read(c.key); err != nil {
		return nil, err
	}
	var err error
	if c.cat, err = loadCatalogue(); err != nil {
		return nil, err
	}
	if c.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if c.pages, err = parsePages(); err != nil {
		return nil, err
	}
	c.mux = http.NewServeMux()
	c.routesTable()
	return c, nil
}

// Routes lists the console's pages with their permissions.
func (c *Console) Routes() []Route { return c.routes }

// Handler serves the console (mount it at "/"; the API's more specific
// patterns win).
//
// gzip is outside the recoverer, so a panic's plain-text 500 is still
// written through it, before the compressor is closed.
func (c *Console) Handler() http.Handler { return gzipped(c.recoverer(c.mux)) }

// Missing counts translation look-ups that found no message (tests).
func (c *Console) Missing() int64 { return c.cat.missing.Load() }

// req is what a console handler knows of its request.
type req struct {
	w    http.ResponseWriter
	r    *http.Request
	L    *L
	user *auth.Principal
	tok  string // session token (signed in)
}

type handlerFunc func(q *req) error

func (c *Console) route(pattern string, perm auth.Permission, h handlerFunc) {
	c.routes = append(c.routes, Route{pattern, perm})
	c.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		q := &req{w: w, r: r}
		var authErr error
		if ck, err := r.Cookie(SessionCookie); err == nil {
			if p, err := c.d.Auth.Authenticate(r.Context(), ck.Value); err == nil && p.Via == "session" {
				q.user, q.tok = &p, ck.Value
			} else if store.IsFault(err) {
				authErr = err
			}
		}
		q.L = c.lang(q)
		if authErr != nil {
			// Without the database the session cannot be read: say the
			// database is down (503), not "sign in" (issue 15).
			c.unavailable(q, authErr)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, bodyLimit(pattern))
			if bodyLimit(pattern) > 1<<20 {
				// A form with a file: past 1 MB its parts go to temporary files.
				_ = r.ParseMultipartForm(1 << 20)
			}
			if !web.SameOrigin(r) || !c.csrfOK(q, r.PostFormValue("csrf")) {
				c.fail(q, http.StatusForbidden, q.L.T("err.csrf"))
				return
			}
		}
		if perm != "" {
			if q.user == nil {
				if r.Method == http.MethodGet && r.Header.Get("Accept") != "text/event-stream" {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				c.fail(q, http.StatusUnauthorized, q.L.T("err.signin"))
				return
			}
			if perm != "*" && !auth.Allowed(q.user.Role, perm) {
				c.fail(q, http.StatusForbidden, q.L.T("err.forbidden", q.L.Label("role", q.user.Role)))
				return
			}
			if !consentFree[pattern] && !c.consented(q) {
				c.askConsent(q)
				return
			}
		}
		if err := h(q); err != nil {
			c.failErr(q, err)
		}
	})
}

// securityHeaders: no inline script anywhere (CSP), never framed, no
// referrer leaving the desk.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// csrfToken binds a form to the session (or, before sign-in, to a random
// cookie): an HMAC another site can neither read nor compute.
func (c *Console) csrfToken(q *req) string {
	seed := q.tok
	if seed == "" {
		if ck, err := q.r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 16 {
			seed = ck.Value
		} else {
			b := make([]byte, 18)
			_, _ = rand.Read(b)
			seed = base64.RawURLEncoding.EncodeToString(b)
			http.SetCookie(q.w, &http.Cookie{Name: csrfCookie, Value: seed, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: q.r.TLS != nil})
			q.r.AddCookie(&http.Cookie{Name: csrfCookie, Value: seed})
		}
	}
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c *Console) csrfOK(q *req, got string) bool {
	if q.tok == "" {
		if _, err := q.r.Cookie(csrfCookie); err != nil {
			return false
		}
	}
	return got != "" && hmac.Equal([]byte(got), []byte(c.csrfToken(q)))
}

// lang: ?lang= (remembered in a cookie), else the cookie, else the user's
// profile language, else Russian.
func (c *Console) lang(q *req) *L {
	pick := ""
	if l := q.r.URL.Query().Get("lang"); validLang(l) {
		pick = l
		c.setLangCookie(q, l)
	} else if ck, err := q.r.Cookie(langCookie); err == nil && validLang(ck.Value) {
		pick = ck.Value
	} else if q.user != nil && validLang(q.user.Language) {
		pick = q.user.Language
	} else {
		pick = "ru"
	}
	return &L{Lang: pick, c: c.cat, zone: c.d.Zone}
}

func validLang(l string) bool {
	for _, x := range Languages {
		if l == x {
			return true
		}
	}
	return false
}

// failErr shows a domain error: its message in English, a translated
// summary of its kind in Russian and Kazakh (domain messages are English).
func (c *Console) failErr(q *req, err error) {
	if err = store.Fault(err); apperr.CodeOf(err) == apperr.Unavailable {
		c.unavailable(q, err)
		return
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || web.HTTPStatus(ae.Code) == 0 {
		c.d.Log.Error("console request failed", "path", q.r.URL.Path, "error", err.Error())
		c.fail(q, http.StatusInternalServerError, q.L.T("err.internal"))
		return
	}
	c.fail(q, web.HTTPStatus(ae.Code), c.explain(q.L, ae))
}

func (c *Console) explain(l *L, ae *apperr.Error) string {
	if l.Lang == "en" {
		return ae.Message
	}
	return l.T("err.code." + string(ae.Code))
}

// unavailable is the page for a database that is down or full: 503 with
// Retry-After, in the page's language, asking to try again in a few
// seconds; the desk recovers by itself when the database is back.
func (c *Console) unavailable(q *req, err error) {
	c.d.Log.Warn("console: database unavailable", "path", q.r.URL.Path, "error", err.Error())
	q.w.Header().Set("Retry-After", strconv.Itoa(int(store.RetryAfter/time.Second)))
	if q.r.Header.Get("Accept") == "application/json" || q.r.Header.Get("Accept") == "text/event-stream" {
		q.w.Header().Set("Content-Type", "application/json")
		q.w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = q.w.Write([]byte(`{"error":` + jsonString(q.L.T("fault.text", int(store.RetryAfter/time.Second))) + `,"code":"unavailable"}`))
		return
	}
	c.render(q, http.StatusServiceUnavailable, "unavailable", q.L.T("fault.title"),
		map[string]any{"Code": http.StatusServiceUnavailable, "Seconds": int(store.RetryAfter / time.Second)})
}

func (c *Console) fail(q *req, code int, msg string) {
	if q.r.Header.Get("Accept") == "application/json" {
		q.w.Header().Set("Content-Type", "application/json")
		q.w.WriteHeader(code)
		_, _ = q.w.Write([]byte(`{"error":` + jsonString(msg) + `}`))
		return
	}
	c.render(q, code, "error", q.L.T("err.title"), map[string]any{"Code": code, "Message": msg})
}

func (c *Console) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				c.d.Log.Error("console panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (q *req) can(p auth.Permission) bool { return q.user != nil && auth.Allowed(q.user.Role, p) }

func (q *req) ctx() context.Context { return q.r.Context() }

func clientAddr(r *http.Request) string {
	h := r.RemoteAddr
	if i := strings.LastIndexByte(h, ':'); i > 0 {
		h = h[:i]
	}
	return strings.Trim(h, "[]")
}
