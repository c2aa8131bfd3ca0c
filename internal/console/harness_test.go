package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/app"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/invite"
	"tenderdesk/internal/store/storetest"
)

// backends runs fn on SQLite and (when TENDERDESK_TEST_POSTGRES is set)
// PostgreSQL, as the app's own end-to-end tests do.
func backends(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "data")) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresURL(t)) })
}

// desk is the real app on 127.0.0.1:0.
type desk struct {
	t    *testing.T
	App  *app.App
	Base string
}

const adminPassword = "admin-password-console"

// bootOpt changes the configuration before the desk opens (Cfg), what is
// injected at Open (Opts: the one clock), or the opened desk before it
// serves (App).
type bootOpt struct {
	Cfg  func(*config.Config)
	Opts []app.Option
	App  func(*app.App)
}

func boot(t *testing.T, dsn string, opts ...bootOpt) *desk {
	t.Helper()
	cfg := config.MustParse(map[string]string{"addr": "127.0.0.1:0", "db": dsn, "admin-password": adminPassword, "log-level": "error"})
	// With PostgreSQL the files default to ./tenderdesk-files: keep them out of the tree.
	cfg.FilesDir = t.TempDir()
	for _, o := range opts {
		if o.Cfg != nil {
			o.Cfg(&cfg)
		}
	}
	ctx := context.Background()
	var inject []app.Option
	for _, o := range opts {
		inject = append(inject, o.Opts...)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), inject...)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		if o.App != nil {
			o.App(a)
		}
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
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &desk{t: t, App: a, Base: "http://" + a.Addr()}
}

// user adds a staff user with password "password-of-<login>".
func (d *desk) user(login string, role auth.Role) {
	d.t.Helper()
	if _, err := d.App.Auth.CreateUser(context.Background(), audit.System, auth.NewUser{Login: login,
		Password: "password-of-" + login, Role: string(role)}); err != nil {
		d.t.Fatal(err)
	}
	d.consented(login)
}

// consented records the E6–E7 consents of a test account of a role that
// needs them, as its first sign-in would (pages_consent.go), so tests of
// other pages start past the consent form.
func (d *desk) consented(login string) {
	d.t.Helper()
	u, err := d.App.Auth.ByLogin(context.Background(), login)
	if err != nil {
		d.t.Fatal(err)
	}
	all := map[string]bool{}
	for _, c := range invite.Required(u.Role) {
		all[c.ID] = true
	}
	if err := d.App.Invites.Give(context.Background(), auth.Principal{User: u, Via: "session"}, "127.0.0.1", "ru", all); err != nil {
		d.t.Fatal(err)
	}
}

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so tests see the 303s.
type browser struct {
	d    *desk
	hc   *http.Client
	last string // body of the last page
}

func (d *desk) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{d: d, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (b *browser) get(path string) page {
	b.d.t.Helper()
	resp, err := b.hc.Get(b.d.Base + path)
	if err != nil {
		b.d.t.Fatal(err)
	}
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) page {
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return page{resp.StatusCode, resp.Header, string(body)}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post submits a form as the page would: with the CSRF token of the last
// page fetched and this origin.
func (b *browser) post(path string, form url.Values) page {
	b.d.t.Helper()
	if m := csrfRe.FindStringSubmatch(b.last); m != nil && form.Get("csrf") == "" {
		form.Set("csrf", m[1])
	}
	req, _ := http.NewRequest("POST", b.d.Base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.d.Base)
	resp, err := b.hc.Do(req)
	if err != nil {
		b.d.t.Fatal(err)
	}
	return b.read(resp)
}

// signIn signs in through the login form.
func (b *browser) signIn(login, password string) {
	b.d.t.Helper()
	b.get("/login")
	p := b.post("/login", url.Values{"login": {login}, "password": {password}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/" {
		b.d.t.Fatalf("sign in as %s: %d %s\n%s", login, p.Status, p.Header.Get("Location"), p.Body)
	}
}

// nowLocal is the form value of a time in the desk's zone.
func nowLocal(t time.Time) string {
	zone, _ := time.LoadLocation("Asia/Almaty")
	return t.In(zone).Format("02.01.2006 15:04")
}
