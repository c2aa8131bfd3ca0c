package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// E30 (issue 9.7): with an https public address a password over plain HTTP
// is refused from another machine, before it is even read; from loopback
// (a local TLS proxy, the administrator's console) it is taken.
func TestPlainSignInRefusedOffLoopback(t *testing.T) {
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Security: Security{PublicHTTPS: true}}
	h := s.Handler()
	for _, c := range []struct {
		remote string
		want   int
	}{{"192.0.2.10:4000", http.StatusForbidden}, {"[2001:db8::1]:4000", http.StatusForbidden}} {
		r := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"login":"admin","password":"secret-password"}`))
		r.RemoteAddr = c.remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want || !strings.Contains(w.Body.String(), "https") {
			t.Errorf("sign-in over HTTP from %s: %d %s, want %d", c.remote, w.Code, w.Body, c.want)
		}
		if w.Header().Get("Strict-Transport-Security") == "" {
			t.Errorf("no HSTS with an https public URL")
		}
	}
	if err := s.plainSignIn(loopbackRequest()); err != nil {
		t.Errorf("from loopback: %v", err)
	}
	proxied := loopbackRequest()
	proxied.RemoteAddr = "10.0.0.5:4000"
	proxied.Header.Set("X-Forwarded-Proto", "https")
	if err := s.plainSignIn(proxied); err != nil {
		t.Errorf("from a TLS proxy on another machine: %v", err)
	}
	s.Security.PublicHTTPS = false
	r := loopbackRequest()
	r.RemoteAddr = "192.0.2.10:4000"
	if err := s.plainSignIn(r); err != nil {
		t.Errorf("without an https public URL plain HTTP is the only way in: %v", err)
	}
}

func loopbackRequest() *http.Request {
	r := httptest.NewRequest("POST", "/api/v1/login", nil)
	r.RemoteAddr = "127.0.0.1:4000"
	return r
}

// /metrics with metrics-access=loopback (the default) is refused to
// another machine.
func TestMetricsLoopback(t *testing.T) {
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: NewMetrics()}
	h := s.Handler()
	for remote, want := range map[string]int{"192.0.2.10:4000": http.StatusForbidden, "127.0.0.1:4000": http.StatusOK, "[::1]:4000": http.StatusOK} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("/metrics from %s: %d, want %d", remote, w.Code, want)
		}
	}
}

// Behind a proxy on this machine the client is the address the proxy
// appended last to X-Forwarded-For (so the per-address throttle is per
// client, not one lock for all); a remote peer cannot choose its address.
func TestClientAddrBehindLocalProxy(t *testing.T) {
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"127.0.0.1:5000", nil, "127.0.0.1"},
		{"127.0.0.1:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"[::1]:5000", []string{"10.9.9.9, 203.0.113.9"}, "203.0.113.9"},
		{"127.0.0.1:5000", []string{"1.1.1.1", "198.51.100.7"}, "198.51.100.7"},
		{"127.0.0.1:5000", []string{"not-an-ip"}, "127.0.0.1"},
		{"192.0.2.10:5000", []string{"127.0.0.1"}, "192.0.2.10"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddr(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}
