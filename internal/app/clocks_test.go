package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/config"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store/storetest"
)

// fakeNow is the injected clock of the desk in these tests.
type fakeNow struct{ ns atomic.Int64 }

func (c *fakeNow) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeNow) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

func astana(s string) time.Time {
	loc, _ := time.LoadLocation("Asia/Almaty")
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// clockDesk starts and stops the real app on one database with an
// injected clock and injected scheduler ticks; scans reports each scan.
type clockDesk struct {
	t     *testing.T
	dsn   string
	now   *fakeNow
	ticks chan time.Time
	scans chan int
	a     *App
	stop  func()
	opts  []func(*config.Config) // adjust the configuration before start
}

func newClockDesk(t *testing.T, dsn string, now time.Time) *clockDesk {
	d := &clockDesk{t: t, dsn: dsn, now: &fakeNow{}, ticks: make(chan time.Time), scans: make(chan int, 64)}
	d.now.Set(now)
	clocksTest.config = func(c *clocks.Config) {
		c.Ticks = d.ticks
		c.OnTick = func(n int, err error) {
			if err != nil {
				t.Errorf("scan: %v", err)
			}
			d.scans <- n
		}
	}
	t.Cleanup(func() { clocksTest.config = nil })
	return d
}

// start opens and serves the desk; the scheduler's first scan (catching up
// on what fell due while it was down) is returned.
func (d *clockDesk) start() int {
	d.t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DB: d.dsn, AdminLogin: "admin", AdminPassword: "admin-password-clocks",
		DefaultProfile: "kz-quasi", Zone: "Asia/Almaty", LogLevel: "error", ShutdownGrace: 10 * time.Second, MailFrom: "desk@tenderdesk.kz"}
	for _, o := range d.opts {
		o(&cfg)
	}
	ctx := context.Background()
	a, err := Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		d.t.Fatal(err)
	}
	a.Now, a.Journal.Now = d.now.Now, d.now.Now
	if _, err := a.Bootstrap(ctx); err != nil {
		d.t.Fatal(err)
	}
	if err := a.Listen(); err != nil {
		d.t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx) }()
	d.a = a
	d.stop = func() {
		cancel()
		if err := <-served; err != nil {
			d.t.Errorf("serve: %v", err)
		}
		a.Close()
		d.a = nil
	}
	d.t.Cleanup(func() {
		if d.a != nil {
			d.stop()
		}
	})
	return <-d.scans
}

// scan makes the scheduler scan once and returns how many events it raised.
func (d *clockDesk) scan() int {
	d.ticks <- d.now.Now()
	return <-d.scans
}

func (d *clockDesk) count(q string, args ...any) int {
	d.t.Helper()
	var n int
	if err := d.a.DB.R.QueryRow(q, args...).Scan(&n); err != nil {
		d.t.Fatal(err)
	}
	return n
}

func clockBackends(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "data")) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresURL(t)) })
}

// Restart (issue 3): a clock that falls due while no node runs fires once
// when the desk comes back — the breach alone (the warning is moot once
// the term is missed) — and never again on later scans or restarts.
func TestClocksDueWhileDownFireOnceAfterRestart(t *testing.T) {
	clockBackends(t, func(t *testing.T, dsn string) {
		d := newClockDesk(t, dsn, astana("2026-11-19 10:05"))
		if n := d.start(); n != 0 {
			t.Fatalf("first start raised %d", n)
		}
		ctx := context.Background()
		if _, err := d.a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Login: "op", Password: "operator-password", Role: "operator",
			Email: "op@tenderdesk.kz"}); err != nil {
			t.Fatal(err)
		}
		received := astana("2026-11-19 10:00")
		reg, err := d.a.Journal.Register(ctx, journal.Caller{Actor: audit.System}, journal.NewAppeal{Channel: "email", ReceivedAt: &received,
			ContactEmail: "user@example.kz", Description: "портал не открывается"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := d.scan(); n != 0 {
			t.Fatalf("%d raised at 10:05", n)
		}
		d.stop()

		// down from 10:05 to 12:00: the Q30 notice (deadline 11:05, warning 10:53) fell due meanwhile
		d.now.Set(astana("2026-11-19 12:00"))
		if n := d.start(); n != 1 {
			t.Fatalf("the first scan after the restart raised %d, want the Q30 breach", n)
		}
		if n := d.scan(); n != 0 {
			t.Fatalf("raised again: %d", n)
		}
		d.stop()
		if n := d.start(); n != 0 {
			t.Fatalf("a second restart raised %d", n)
		}
		if n := d.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'clock.breach' AND after LIKE '%incident_id_notice%'`); n != 1 {
			t.Errorf("%d breach records, want 1", n)
		}
		if n := d.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'clock.warning'`); n != 0 {
			t.Errorf("%d warnings after the breach", n)
		}
		if n := d.count(`SELECT COUNT(*) FROM outbox WHERE kind = 'breach_warning' AND event LIKE 'clock.breach:%'`); n != 2 {
			t.Errorf("%d breach notifications, want the operator's cabinet and email", n)
		}
		if n := d.count(`SELECT COUNT(*) FROM clocks WHERE appeal_number = $1 AND state = 'breached'`, reg.Number); n != 1 {
			t.Errorf("%d breached clocks of %s", n, reg.Number)
		}
	})
}

type apiReply struct {
	status int
	body   map[string]any
	raw    string
}

func (d *clockDesk) call(method, path, token string, body any) apiReply {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+d.a.Addr()+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := apiReply{status: resp.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// clock finds a clock by name in a clock list answer.
func (r apiReply) clock(name string) map[string]any {
	cs, _ := r.body["clocks"].([]any)
	for _, c := range cs {
		if m := c.(map[string]any); m["clock"] == name {
			return m
		}
	}
	return nil
}

// The API: the clocks of an incident and of an appeal with remaining
// business time and deadlines in the profile's offset; an administrator's
// override through the API moves a running deadline at once, its removal
// moves it back; an extension agreed with the authorized body (Q38).
func TestClocksAPI(t *testing.T) {
	clockBackends(t, func(t *testing.T, dsn string) {
		d := newClockDesk(t, dsn, astana("2026-11-19 10:30"))
		d.start()
		ctx := context.Background()
		admin, err := d.a.Auth.CreateToken(ctx, audit.System, "admin", "clocks")
		if err != nil {
			t.Fatal(err)
		}
		reg := d.call("POST", "/api/v1/appeals", admin, map[string]any{"channel": "email", "received_at": "2026-11-19T10:15:00+05:00",
			"organization": "ТОО «Сауда»", "bin": "123456789013", "contact_email": "user@example.kz", "description": "не подписывается договор"})
		if reg.status != 201 {
			t.Fatal(reg.raw)
		}
		number, inc := reg.body["number"].(string), int64(reg.body["incident_id"].(float64))
		path := "/api/v1/incidents/" + itoa(inc) + "/clocks"
		cs := d.call("GET", path, admin, nil)
		if cs.status != 200 {
			t.Fatal(cs.raw)
		}
		ans := cs.clock("appeal_consideration")
		if ans["deadline"] != "2026-11-24T18:30:00+05:00" || ans["basis"] != "Q20" || ans["state"] != "running" {
			t.Fatalf("Q20 clock %v", ans)
		}
		if n := cs.clock("incident_id_notice"); n["remaining"] != "1h0m0s" || n["remaining_in"] != "working" {
			t.Errorf("Q30 remaining %v in %v, want 1h0m0s working", n["remaining"], n["remaining_in"])
		}

		put := d.call("PUT", "/api/v1/calendar/overrides", admin, map[string]any{"scope": "kz", "kind": "day_off", "from": "2026-11-20",
			"reason": "day off moved by decree", "source": "government decree (test)"})
		if put.status != 200 {
			t.Fatal(put.raw)
		}
		if got := d.call("GET", path, admin, nil).clock("appeal_consideration")["deadline"]; got != "2026-11-25T18:30:00+05:00" {
			t.Errorf("after the override: %v, want Wed 25 18:30", got)
		}
		if ovs := d.call("GET", "/api/v1/calendar/overrides", admin, nil); len(ovs.body["overrides"].([]any)) != 1 {
			t.Errorf("overrides %s", ovs.raw)
		}
		if bad := d.call("PUT", "/api/v1/calendar/overrides", admin, map[string]any{"scope": "mars", "kind": "holiday", "from": "20.11.2026"}); bad.status != 400 {
			t.Errorf("a bad override: %s", bad.raw)
		}
		// appeal view, and a portal user of another organization sees nothing
		if ac := d.call("GET", "/api/v1/appeals/"+number+"/clocks", admin, nil); ac.clock("registration")["state"] != "met" {
			t.Errorf("appeal clocks %s", ac.raw)
		}
		other := d.user("other", auth.RoleApplicant, "990340005977")
		if r := d.call("GET", "/api/v1/appeals/"+number+"/clocks", other, nil); r.status != 404 {
			t.Errorf("another organization: %d", r.status)
		}

		// high, operator-dependent: resolution 12 calendar hours from the registration (Q38), extended by agreement
		for _, step := range []struct {
			action string
			body   any
		}{{"analyse", nil}, {"confirm", map[string]any{"criticality": "high", "operator_dependent": true}}} {
			if r := d.call("POST", "/api/v1/incidents/"+itoa(inc)+"/"+step.action, admin, step.body); r.status != 200 {
				t.Fatal(r.raw)
			}
		}
		res := d.call("GET", path, admin, nil).clock("resolution")
		if res["deadline"] != "2026-11-19T22:30:00+05:00" || res["remaining_in"] != "calendar" {
			t.Fatalf("resolution %v", res)
		}
		ext := d.call("POST", "/api/v1/incidents/"+itoa(inc)+"/clocks/resolution/extend", admin, map[string]any{"by": "6h",
			"basis": "letter of the authorized body No. 12", "agreed_at": "2026-11-19T10:40:00+05:00"})
		if ext.status != 200 || ext.body["deadline"] != "2026-11-20T04:30:00+05:00" {
			t.Fatalf("extend: %s", ext.raw)
		}
		if r := d.call("POST", "/api/v1/incidents/"+itoa(inc)+"/clocks/resolution/extend", admin, map[string]any{"by": "6h"}); r.status != 400 {
			t.Errorf("an extension without basis: %s", r.raw)
		}
		if r := d.call("POST", "/api/v1/incidents/"+itoa(inc)+"/clocks/resolution/extend", other, map[string]any{"by": "1h", "basis": "x"}); r.status != 403 {
			t.Errorf("an applicant extended: %d", r.status)
		}

		id := int64(put.body["id"].(float64))
		if r := d.call("DELETE", "/api/v1/calendar/overrides?id="+itoa(id)+"&reason=mistake", admin, nil); r.status != 204 {
			t.Fatal(r.raw)
		}
		if got := d.call("GET", path, admin, nil).clock("appeal_consideration")["deadline"]; got != "2026-11-24T18:30:00+05:00" {
			t.Errorf("after removal: %v", got)
		}
		if n := d.count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('calendar.override.put', 'calendar.override.delete', 'clock.extend')`); n != 3 {
			t.Errorf("%d audit records of overrides and extension, want 3", n)
		}
		m := d.call("GET", "/metrics", "", nil)
		if !strings.Contains(m.raw, "tenderdesk_clocks_running ") || !strings.Contains(m.raw, "tenderdesk_clock_scan_seconds") {
			t.Errorf("metrics lack the clocks")
		}
	})
}

func (d *clockDesk) user(login string, role auth.Role, bin string) string {
	d.t.Helper()
	ctx := context.Background()
	if _, err := d.a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Login: login, Password: "password-of-" + login, Role: string(role),
		BIN: bin, Organization: "ТОО «Другая»"}); err != nil {
		d.t.Fatal(err)
	}
	tok, err := d.a.Auth.CreateToken(ctx, audit.System, login, "t")
	if err != nil {
		d.t.Fatal(err)
	}
	return tok
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
