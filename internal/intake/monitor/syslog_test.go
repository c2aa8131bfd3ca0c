package monitor

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

func TestParseSyslog(t *testing.T) {
	for _, c := range []struct {
		in       string
		sev, fac int
		app, msg string
		time     string
	}{
		// RFC 5424 §6.5 examples
		{`<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed for lonvick on /dev/pts/8`, 2, 4, "su",
			`BOM'su root' failed for lonvick on /dev/pts/8`, "2003-10-11T22:14:15.003Z"},
		{`<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.`, 5, 20, "myproc",
			`%% It's time to make the do-nuts.`, "2003-08-24T12:14:15.000003Z"},
		{`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...`,
			5, 20, "evntslog", "An application event log entry...", "2003-10-11T22:14:15.003Z"},
		{`<165>1 2003-10-11T22:14:15.003Z host app - - [a b="x\]y"][c d="e"] Сбой подписи: таймаут NCALayer`, 5, 20, "app",
			"Сбой подписи: таймаут NCALayer", "2003-10-11T22:14:15.003Z"},
		{`<11>1 - - portal-auction - - - без времени`, 3, 1, "portal-auction", "без времени", ""},
		// RFC 3164 (tolerated)
		{`<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8`, 2, 4, "su", `'su root' failed for lonvick on /dev/pts/8`, ""},
		{`<13>auction[123]: просто строка`, 5, 1, "auction", "просто строка", ""},
	} {
		l, err := ParseSyslog([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if l.Severity != c.sev || l.Facility != c.fac || l.App != c.app || l.Msg != c.msg {
			t.Errorf("%s:\n got sev %d fac %d app %q msg %q", c.in, l.Severity, l.Facility, l.App, l.Msg)
		}
		if c.time != "" && !l.Time.Equal(mustTime(c.time)) {
			t.Errorf("%s: time %v", c.in, l.Time)
		}
	}
	for _, bad := range []string{"", "no pri", "<999>1 - - - - - - x", "<x>1"} {
		if _, err := ParseSyslog([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParseSyslog(f *testing.F) {
	f.Add([]byte(`<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 [a b="c"] msg`))
	f.Add([]byte(`<34>Oct 11 22:14:15 mymachine su: msg`))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseSyslog(b) })
}

// waitLines waits (bounded) until the receivers have read n lines.
func waitLines(t *testing.T, g *Logs, n int64) {
	t.Helper()
	for i := 0; g.Stats().Lines < n; i++ {
		if i > 600 {
			t.Fatalf("read %d lines of %d in 60 s", g.Stats().Lines, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logger runs util-linux logger(1), a real syslog client, against addr.
func logger(t *testing.T, addr string, args ...string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("logger", append([]string{"-n", host, "-P", port}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("logger %v: %v %s", args, err, out)
	}
}

// Q27 (system logs): lines from a real syslog client (logger --tcp
// --rfc5424, with and without octet counting; UDP; RFC 3164) that match a
// rule (module, severity, pattern) become one appeal on the system_log
// channel; lines of lower severity, another app or another text do not.
func TestQ27SyslogLoggerOpensOneAppeal(t *testing.T) {
	if _, err := exec.LookPath("logger"); err != nil {
		t.Fatal("logger (util-linux) is needed: the test talks to the receiver as a real syslog client")
	}
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, mustTime("2026-11-20T04:00:00Z"))
		ctx := context.Background()
		if _, err := r.s.AddLogRule(ctx, admin, NewLogRule{Module: "Подписание ЭЦП", Severity: "err", Pattern: `(?i)ncalayer.*(timeout|таймаут)`,
			App: "portal-eds"}); err != nil {
			t.Fatal(err)
		}
		y, err := r.s.ListenSyslog(SyslogConfig{TCP: "127.0.0.1:0", UDP: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		tcp, udp := y.TCPAddr(), y.UDPAddr()
		logger(t, tcp, "-T", "--rfc5424", "--octet-count", "-p", "user.err", "-t", "portal-eds", "NCALayer timeout после 30 с")
		logger(t, tcp, "-T", "--rfc5424", "-p", "user.crit", "-t", "portal-eds", "NCALayer: таймаут подписи")
		logger(t, udp, "-d", "--rfc5424", "-p", "local0.err", "-t", "portal-eds", "ncalayer timeout (udp)")
		logger(t, udp, "-d", "--rfc3164", "-p", "local0.err", "-t", "portal-eds", "NCALayer timeout (3164)")
		// not matching: severity info, another app, another text
		logger(t, tcp, "-T", "--rfc5424", "-p", "user.info", "-t", "portal-eds", "NCALayer timeout, но это info")
		logger(t, tcp, "-T", "--rfc5424", "-p", "user.err", "-t", "portal-auction", "NCALayer timeout в другом приложении")
		logger(t, tcp, "-T", "--rfc5424", "-p", "user.err", "-t", "portal-eds", "другая ошибка")
		waitLines(t, r.s.Logs(), 7)
		if err := y.Close(ctx); err != nil {
			t.Fatal(err)
		}
		st := r.s.Logs().Stats()
		if st.Lines != 7 || st.Matched != 4 || st.Unmatched != 3 || st.Unparsable != 0 {
			t.Fatalf("stats %+v", st)
		}
		g := r.signals()["syslog/Подписание ЭЦП"]
		if g.Count != 4 {
			t.Fatalf("signal %+v", g)
		}
		as := r.appealsOf(g.IncidentID)
		if len(as) != 1 || as[0].Channel != "system_log" || as[0].Module != "Подписание ЭЦП" {
			t.Fatalf("appeals %+v", as)
		}
	})
}

// Issue 14: a burst of matching lines is one appeal with their count,
// never thousands; every line read is counted (none lost silently), also
// over TLS-less TCP with octet counting and newline framing mixed.
func TestSyslogBurstIsOneAppealCounted(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, mustTime("2026-11-20T04:00:00Z"))
		ctx := context.Background()
		if _, err := r.s.AddLogRule(ctx, admin, NewLogRule{Module: "Аукционы", Severity: "warning", Pattern: `database is locked`}); err != nil {
			t.Fatal(err)
		}
		y, err := r.s.ListenSyslog(SyslogConfig{TCP: "127.0.0.1:0", Flush: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		const conns, per = 4, 2500
		errs := make(chan error, conns)
		for c := range conns {
			go func() {
				conn, err := net.Dial("tcp", y.TCPAddr())
				if err != nil {
					errs <- err
					return
				}
				defer conn.Close()
				var b strings.Builder
				for i := range per {
					m := fmt.Sprintf("<28>1 2026-11-20T04:00:%02d.000Z db1 portal-auction %d - - database is locked (%d/%d)", i%60, c, i, c)
					if i%2 == 0 {
						fmt.Fprintf(&b, "%d %s", len(m), m) // octet counting
					} else {
						b.WriteString(m + "\n") // newline framing
					}
				}
				_, err = conn.Write([]byte(b.String()))
				errs <- err
			}()
		}
		for range conns {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		waitLines(t, r.s.Logs(), conns*per)
		if err := y.Close(ctx); err != nil {
			t.Fatal(err)
		}
		st := r.s.Logs().Stats()
		if st.Lines != conns*per || st.Matched != conns*per {
			t.Fatalf("stats %+v", st)
		}
		if n := r.count("SELECT count(*) FROM appeals"); n != 1 {
			t.Fatalf("%d appeals from one burst", n)
		}
		if n := r.count("SELECT COALESCE(sum(count), 0) FROM intake_events"); n != conns*per {
			t.Fatalf("stored events stand for %d lines, %d read", n, conns*per)
		}
		if g := r.signals()["syslog/Аукционы"]; g.Count != conns*per {
			t.Fatalf("signal %+v", g)
		}
	})
}

// Bad rules are refused naming the field; bad JSON lines name line and field.
func TestLogRuleAndLineNameField(t *testing.T) {
	db := storetest.SQLite(t)
	r := newRig(t, db, mustTime("2026-11-20T04:00:00Z"))
	for field, in := range map[string]NewLogRule{
		"pattern":  {Module: "m", Severity: "err", Pattern: "(["},
		"severity": {Module: "m", Severity: "loud", Pattern: "x"},
		"module":   {Module: " ", Severity: "err", Pattern: "x"},
	} {
		_, err := r.s.AddLogRule(context.Background(), admin, in)
		if e := fieldErr(err); e[field] == "" {
			t.Errorf("%s: %v", field, err)
		}
	}
	for line, field := range map[string]string{
		`{"message":"x","severity":"loud"}`:  "severity",
		`{"severity":"err"}`:                 "message",
		`{"message":"x","colour":"red"}`:     "colour",
		`{"message":"x","time":"yesterday"}`: "time",
		`{"message":5}`:                      "message",
		`not json`:                           "(line)",
	} {
		if _, f, err := ParseJSONLine([]byte(line)); err == nil || f != field {
			t.Errorf("%s: field %q %v, want %s", line, f, err, field)
		}
	}
}
