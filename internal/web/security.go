package web

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"tenderdesk/internal/apperr"
)

// Security is what the desk's public address and settings ask of every
// response (issue 9.7, E30).
type Security struct {
	// PublicHTTPS: the desk is reached over https (itself or behind a TLS
	// proxy): session cookies are Secure, HSTS is sent, and sign-in over
	// plain HTTP is refused except from loopback (a local proxy or admin).
	PublicHTTPS bool
	// MetricsAccess: "open", "token" (MetricsToken as a bearer token) or
	// "loopback" (the default when empty).
	MetricsAccess string
	MetricsToken  string
}

// pageCSP: the pages carry no script at all; their one stylesheet is inline.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headers sets the security headers once the handler has chosen its
// Content-Type: HTML gets the CSP, no framing and a strict referrer
// policy; the API (personal data) must not be stored by any cache.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if s.Security.PublicHTTPS {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(&headerWriter{ResponseWriter: w}, r)
	})
}

type headerWriter struct {
	http.ResponseWriter
	done bool
}

func (w *headerWriter) WriteHeader(code int) {
	if !w.done {
		w.done = true
		h := w.Header()
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			// A page that states its own policy keeps it (the console allows
			// its own script files); any other page gets the scriptless one.
			for k, v := range map[string]string{"Content-Security-Policy": pageCSP, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
				if h.Get(k) == "" {
					h.Set(k, v)
				}
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *headerWriter) Write(b []byte) (int, error) {
	if !w.done {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", http.DetectContentType(b))
		}
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *headerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush keeps streamed answers (server-sent events, NDJSON) streaming.
func (w *headerWriter) Flush() {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func loopback(r *http.Request) bool {
	ip := net.ParseIP(clientAddr(r))
	return ip != nil && ip.IsLoopback()
}

// plainSignIn refuses a password sent over plain HTTP when the desk is
// meant to be reached over https (E30), unless it comes from this machine
// or a TLS proxy says it arrived over https (X-Forwarded-Proto): the
// refusal protects a user who typed http://, whose browser sends no such
// header; a client that forges it only exposes its own password.
func (s *Server) plainSignIn(r *http.Request) error {
	if s.Security.PublicHTTPS && r.TLS == nil && !loopback(r) && !strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return apperr.New(apperr.Forbidden, "sign in over https: this desk is served at an https address (E30)")
	}
	return nil
}

// metricsGuard applies the metrics-access setting.
func (s *Server) metricsGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch s.Security.MetricsAccess {
		case "open":
		case "token":
			tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.Security.MetricsToken)) != 1 {
				s.writeError(w, r, apperr.New(apperr.Unauthorized, "/metrics needs the metrics bearer token"))
				return
			}
		default:
			if !loopback(r) {
				s.writeError(w, r, apperr.New(apperr.Forbidden, "/metrics is served to this machine only (metrics-access=loopback)"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
