package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/app"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/store/storetest"
	"tenderdesk/internal/web/apitest"
)

// backends runs fn as parallel subtests "sqlite" and "postgres", each with
// the database the desk is started on: a temp directory, or a fresh schema
// URL. (The backends share nothing, and PostgreSQL's half mostly waits on
// round trips, so running them side by side shortens the suite.)
func backends(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		dsn := filepath.Join(t.TempDir(), "data")
		t.Parallel()
		fn(t, dsn)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresURL(t)
		t.Parallel()
		fn(t, dsn)
	})
}

// desk is the real app serving on 127.0.0.1:0, and an HTTP client for it
// that checks every call against the OpenAPI document (apitest.Client).
type desk struct {
	t     *testing.T
	App   *app.App
	Base  string // http://127.0.0.1:port
	Admin string // bearer token of the bootstrap administrator
	hc    *http.Client
}

const adminPassword = "admin-password-e2e"

// boot opens, migrates and serves the desk on dsn; cleanup shuts it down
// and fails the test if Serve returned an error. opts adjust the
// configuration (e.g. an SMTP listener).
func boot(t *testing.T, dsn string, opts ...func(*config.Config)) *desk {
	t.Helper()
	d, stop := bootStoppable(t, dsn, opts...)
	t.Cleanup(stop)
	return d
}

// bootStoppable is boot with the shutdown handed to the caller (stop is
// idempotent): for tests that work on the database after the desk stopped.
func bootStoppable(t *testing.T, dsn string, opts ...func(*config.Config)) (*desk, func()) {
	t.Helper()
	cfg := config.MustParse(map[string]string{"addr": "127.0.0.1:0", "db": dsn, "admin-password": adminPassword,
		"log-level": "error", "shutdown-grace": "10s"})
	cfg.FilesDir = t.TempDir() // with PostgreSQL the files (and the outbox key) default to ./tenderdesk-files
	for _, o := range opts {
		o(&cfg)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(ctx); err != nil {
		a.Close()
		t.Fatal(err)
	}
	if err := a.Listen(); err != nil {
		a.Close()
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx) }()
	d := &desk{t: t, App: a, Base: "http://" + a.Addr(), hc: apitest.Client(t)}
	var once sync.Once
	shut := func() {
		once.Do(func() {
			stop()
			if err := <-served; err != nil {
				t.Errorf("serve: %v", err)
			}
			d.hc.CloseIdleConnections()
			a.Close()
		})
	}
	tok, err := a.Auth.CreateToken(ctx, audit.System, "admin", "e2e")
	if err != nil {
		shut()
		t.Fatal(err)
	}
	d.Admin = tok
	return d, shut
}

// user adds a user with role (applicants and customers of organization
// bin) and returns a bearer token of theirs.
func (d *desk) user(login string, role auth.Role, bin, org string) string {
	d.t.Helper()
	ctx := context.Background()
	if _, err := d.App.Auth.CreateUser(ctx, audit.System, auth.NewUser{Login: login, Password: "password-of-" + login,
		Role: string(role), BIN: bin, Organization: org}); err != nil {
		d.t.Fatal(err)
	}
	tok, err := d.App.Auth.CreateToken(ctx, audit.System, login, "e2e")
	if err != nil {
		d.t.Fatal(err)
	}
	return tok
}

// reply is an HTTP answer with its body decoded when it is JSON.
type reply struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

// errField returns the error envelope's message and fields.
func (r reply) errField(field string) string {
	e, _ := r.JSON["error"].(map[string]any)
	if field == "" {
		s, _ := e["message"].(string)
		return s
	}
	f, _ := e["fields"].(map[string]any)
	s, _ := f[field].(string)
	return s
}

func (r reply) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

func (r reply) String() string { return fmt.Sprintf("%d %s", r.Status, bytes.TrimSpace(r.Raw)) }

// req sends a request; body is JSON-encoded unless it is a string or
// []byte (sent as is). hdr holds header pairs.
func (d *desk) req(method, path, token string, body any, hdr ...string) reply {
	d.t.Helper()
	r, err := d.send(method, path, token, body, hdr...)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// send is req for goroutines: it returns the error instead of failing.
func (d *desk) send(method, path, token string, body any, hdr ...string) (reply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(j)
	}
	rq, err := http.NewRequest(method, d.Base+path, rd)
	if err != nil {
		return reply{}, err
	}
	if rd != nil {
		rq.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		rq.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		rq.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := d.hc.Do(rq)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	out := reply{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if method != http.MethodHead && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") { // a HEAD answer has no body
		if err := json.Unmarshal(raw, &out.JSON); err != nil {
			return out, fmt.Errorf("answer is not JSON: %v: %s", err, raw)
		}
	}
	return out, nil
}

// must asserts the status of r.
func (d *desk) must(r reply, status int) reply {
	d.t.Helper()
	if r.Status != status {
		d.t.Fatalf("want %d, got %s", status, r)
	}
	return r
}

// appeal is a valid registration; set overrides fields (nil deletes one).
func appeal(set map[string]any) map[string]any {
	a := map[string]any{
		"channel": "cabinet", "received_at": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"organization": "ТОО «Альфа»", "bin": "123456789013", "contact_email": "alfa@example.kz",
		"contact_phone": "+7 701 123 45 67", "description": "Не удаётся подать заявку на участие",
		"module": "tenders", "announcements": []string{"100200-1"}, "lots": []string{"1", "2"},
	}
	for k, v := range set {
		if v == nil {
			delete(a, k)
		} else {
			a[k] = v
		}
	}
	return a
}

// register posts an appeal as token and returns its number and incident.
func (d *desk) register(token string, set map[string]any) (string, int64) {
	d.t.Helper()
	r := d.must(d.req("POST", "/api/v1/appeals", token, appeal(set)), http.StatusCreated)
	return r.str("number"), int64(r.JSON["incident_id"].(float64))
}

// incidentNumber is an incident's public number as the API gives it: its
// own, not an appeal's (defect 10).
func (d *desk) incidentNumber(id int64) string {
	d.t.Helper()
	r := d.must(d.req("GET", fmt.Sprintf("/api/v1/incidents/%d", id), d.Admin, nil), http.StatusOK)
	n := r.str("incident_number")
	if !strings.HasPrefix(n, "TF-") {
		d.t.Fatalf("incident %d: incident_number %q", id, n)
	}
	return n
}

// verifyAudit asserts the audit chain is intact, through the API.
func (d *desk) verifyAudit() {
	d.t.Helper()
	r := d.must(d.req("GET", "/api/v1/audit/verify", d.Admin, nil), http.StatusOK)
	if r.JSON["intact"] != true {
		d.t.Fatalf("audit chain broken: %s", r)
	}
}
