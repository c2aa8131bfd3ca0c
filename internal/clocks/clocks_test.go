package clocks_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/sla"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

var almaty, _ = time.LoadLocation("Asia/Almaty")

// at is a wall time in Astana (UTC+5 since 2024-03-01).
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, almaty)
	if err != nil {
		panic(err)
	}
	return t
}

// fake is the injected clock, settable and safe for concurrent use.
type fake struct{ ns atomic.Int64 }

func (c *fake) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fake) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

type desk struct {
	db    *store.DB
	j     *journal.Service
	c     *clocks.Service
	clock *fake
}

func newDesk(t *testing.T, db *store.DB, now time.Time) *desk {
	t.Helper()
	f := &fake{}
	f.Set(now)
	resolve := func(name string, at time.Time) (string, error) {
		if name == "" {
			name = "kz-quasi"
		}
		p, err := regulation.Resolve(name, at)
		if err != nil {
			return "", err
		}
		return p.ID(), nil
	}
	j := journal.New(db, f.Now, almaty, resolve, nil)
	t.Cleanup(j.Close)
	c := clocks.New(db, f.Now, nil, clocks.Config{Batch: 7})
	if err := db.Check(context.Background(), clocks.Queries); err != nil {
		t.Fatal(err)
	}
	if err := c.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	j.AddHooks(c)
	// the responsible roles: an operator with email (cabinet + email) and a specialist (cabinet)
	for _, u := range []struct{ login, role, email string }{{"op", "operator", "op@desk.kz"}, {"sp", "specialist", ""}} {
		if _, err := db.W.Exec(`INSERT INTO users (login, password_hash, role, email, created_at) VALUES ($1, 'x', $2, $3, '2026-01-01T00:00:00.000000Z')`,
			u.login, u.role, u.email); err != nil {
			t.Fatal(err)
		}
	}
	return &desk{db: db, j: j, c: c, clock: f}
}

var operator = journal.Caller{Actor: audit.Actor{Login: "op", Role: "operator"}}
var staff = audit.Actor{Login: "sp", Role: "specialist"}

// register files an appeal received at received, registered at the desk's now.
func (d *desk) register(t *testing.T, channel string, received time.Time, incident int64) journal.Registration {
	t.Helper()
	n := journal.NewAppeal{Channel: channel, ReceivedAt: &received, Organization: "ТОО «Сауда»", BIN: "123456789013",
		ContactEmail: "user@example.kz", Description: "не подписывается договор", IncidentID: incident}
	r, err := d.j.Register(context.Background(), operator, n, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (d *desk) act(t *testing.T, id int64, in journal.TransitionInput) {
	t.Helper()
	if _, err := d.j.Transition(context.Background(), staff, id, in); err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
}

func (d *desk) clocks(t *testing.T, id int64) map[string]clocks.View {
	t.Helper()
	vs, err := d.c.OfIncident(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]clocks.View{}
	for _, v := range vs {
		key := v.Clock
		if v.Appeal != "" {
			key += "/" + v.Appeal
		}
		out[key] = v
	}
	return out
}

func (d *desk) tick(t *testing.T) int {
	t.Helper()
	n, err := d.c.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (d *desk) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.db.R.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func quasi(t *testing.T) *regulation.Profile {
	p, err := regulation.Resolve("kz-quasi@2021", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// slaDeadline is the pure engine's deadline, the reference for the stored rows.
func slaDeadline(t *testing.T, clock, channel string, from time.Time) time.Time {
	d, err := sla.Deadline(quasi(t), sla.Spec{Clock: clock, Channel: channel, At: from})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A registered appeal gets its registration (Q29), incident_id_notice (Q30)
// and appeal_consideration (Q20) clocks with the deadlines of the sla
// engine and of hand computation on kz-quasi@2021 (9:00–13:00, 14:30–18:30,
// no holidays in late November 2026; 19.11.2026 is a Thursday).
func TestRegisteredAppealClocks(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:30"))
		a := d.register(t, "email", at("2026-11-19 10:15"), 0)
		// the same failure reported by phone during lunch, registered after it (Q29 lunch rule)
		d.clock.Set(at("2026-11-19 14:40"))
		b := d.register(t, "email", at("2026-11-19 12:50"), a.IncidentID)
		// an email at 17:50 registered the next morning: 30 working minutes ended at 18:20 (breached)
		d.clock.Set(at("2026-11-20 09:10"))
		c := d.register(t, "email", at("2026-11-19 17:50"), a.IncidentID)

		got := d.clocks(t, a.IncidentID)
		rows := []struct {
			key, basis, state string
			deadline          time.Time
			ref               time.Time
		}{
			{"registration/" + a.Number, "Q29", clocks.Met, at("2026-11-19 10:45"), slaDeadline(t, "registration", "email", at("2026-11-19 10:15"))},
			// live state at Friday 09:10: overdue since Thursday 11:30 (shown before the scheduler raises it)
			{"incident_id_notice/" + a.Number, "Q30", clocks.Breached, at("2026-11-19 11:30"), slaDeadline(t, "incident_id_notice", "", at("2026-11-19 10:30"))},
			// 3rd working day after Thu 19 (the day of the appeal not counted, Q38): Fri 20, Mon 23, Tue 24 → end of hours
			{"appeal_consideration/" + a.Number, "Q20", clocks.Running, at("2026-11-24 18:30"), slaDeadline(t, "appeal_consideration", "", at("2026-11-19 10:30"))},
			// 12:50 in lunch: 10 minutes to 13:00, 20 more after 14:30
			{"registration/" + b.Number, "Q29", clocks.Met, at("2026-11-19 14:50"), slaDeadline(t, "registration", "email", at("2026-11-19 12:50"))},
			{"registration/" + c.Number, "Q29", clocks.Breached, at("2026-11-19 18:20"), slaDeadline(t, "registration", "email", at("2026-11-19 17:50"))},
			// Q30 from 09:10 Friday: one working hour
			{"incident_id_notice/" + c.Number, "Q30", clocks.Running, at("2026-11-20 10:10"), slaDeadline(t, "incident_id_notice", "", at("2026-11-20 09:10"))},
		}
		for _, r := range rows {
			v, ok := got[r.key]
			if !ok {
				t.Errorf("%s: no clock; have %v", r.key, keys(got))
				continue
			}
			if !v.Deadline.Equal(r.deadline) || !r.ref.Equal(r.deadline) {
				t.Errorf("%s (%s): deadline %s, hand %s, sla %s", r.key, r.basis, v.Deadline, r.deadline, r.ref)
			}
			if v.Basis != r.basis || v.State != r.state || v.Profile != "kz-quasi@2021" {
				t.Errorf("%s: basis %s state %s profile %s, want %s %s", r.key, v.Basis, v.State, v.Profile, r.basis, r.state)
			}
			if _, off := v.Deadline.Zone(); off != 5*3600 {
				t.Errorf("%s: deadline %s not in the profile's offset +05:00", r.key, v.Deadline)
			}
		}
		if len(got) != 9 {
			t.Errorf("%d clocks, want 3 per appeal: %v", len(got), keys(got))
		}
		// the late registration raised its breach once: audit and outbox (operator: cabinet + email)
		if n := d.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'clock.breach'`); n != 1 {
			t.Errorf("%d breach records, want 1", n)
		}
		if n := d.count(t, `SELECT COUNT(*) FROM outbox WHERE kind = 'breach_warning'`); n != 2 {
			t.Errorf("%d breach notifications, want 2 (operator's cabinet and email)", n)
		}
		breachMailInAstanaTime(t, d, c.Number)
		// remaining business time of Q30 for a at 10:50: 40 working minutes
		d.clock.Set(at("2026-11-19 10:50"))
		if v := d.clocks(t, a.IncidentID)["incident_id_notice/"+a.Number]; v.Remaining != "40m0s" || v.RemainingIn != "working" {
			t.Errorf("remaining %s in %s, want 40m0s working", v.Remaining, v.RemainingIn)
		}
	})
}

// Defect 2: the breach warning read «срок «Q29 registration» истек
// 01.10.2026 04:30 (UTC+0)». It names the clock in the reader's language and
// the rule by its point, in the profile's zone with its offset.
func breachMailInAstanaTime(t *testing.T, d *desk, appeal string) {
	t.Helper()
	var data, lang string
	if err := d.db.R.QueryRow(`SELECT data, lang FROM outbox WHERE kind = 'breach_warning' AND channel = 'email'`).Scan(&data, &lang); err != nil {
		t.Fatal(err)
	}
	var td templates.Data
	if err := json.Unmarshal([]byte(data), &td); err != nil {
		t.Fatal(err)
	}
	subj, text, _, err := templates.Render(templates.BreachWarning, lang, td)
	if err != nil {
		t.Fatal(err)
	}
	want := "№ " + appeal + ": срок «регистрация обращения (п. 29 Правил)» истек 19.11.2026 18:20 (UTC+5), действие не выполнено."
	if lang != "ru" || !strings.Contains(text, want) || !strings.Contains(text, "Технический сбой № TF-2026-") ||
		strings.Contains(subj+text, "registration") || strings.Contains(text, "UTC+0") {
		t.Errorf("breach warning (%s):\n%s\n%s\nwant %q", lang, subj, text, want)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Q38: a request for information pauses the analysis (Q31) and the answer
// term (Q20); resuming moves each deadline by exactly the business time
// paused (the notice clock Q30 keeps running).
func TestPauseResumeShiftsByPausedBusinessTime(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		a := d.register(t, "email", at("2026-11-19 10:00"), 0)
		d.clock.Set(at("2026-11-19 10:10"))
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		before := d.clocks(t, a.IncidentID)
		if got := before["analysis"].Deadline; !got.Equal(at("2026-11-19 12:00")) { // Q31: 2 working hours from receipt
			t.Fatalf("analysis deadline %s, want 12:00", got)
		}
		d.clock.Set(at("2026-11-19 11:00"))
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActRequestInfo, Note: "screenshot please"})
		paused := d.clocks(t, a.IncidentID)
		if paused["analysis"].State != clocks.Paused || paused["incident_id_notice/"+a.Number].State != clocks.Running {
			t.Fatalf("after request_info: analysis %s, notice %s", paused["analysis"].State, paused["incident_id_notice/"+a.Number].State)
		}
		d.clock.Set(at("2026-11-19 15:00"))
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActResume})
		after := d.clocks(t, a.IncidentID)
		// paused 11:00–15:00 = 2h before lunch + 30m after: 2h30m of business time
		cal := quasi(t).Calendar()
		pausedFor := cal.BusinessBetween(at("2026-11-19 11:00"), at("2026-11-19 15:00"))
		if pausedFor != 150*time.Minute {
			t.Fatalf("paused business time %s", pausedFor)
		}
		for _, key := range []string{"analysis", "appeal_consideration/" + a.Number} {
			want := cal.AddBusiness(before[key].Deadline, pausedFor)
			if got := after[key]; got.State != clocks.Running || !got.Deadline.Equal(want) {
				t.Errorf("%s: %s %s, want running %s", key, got.State, got.Deadline, want)
			}
		}
		if got := after["analysis"].Deadline; !got.Equal(at("2026-11-19 16:00")) { // 1h left at 11:00, resumed 15:00
			t.Errorf("analysis deadline %s, want 16:00 by hand", got)
		}
		// the same with the pure engine
		c, _ := sla.New(quasi(t), sla.Spec{Clock: "analysis", At: at("2026-11-19 10:00")})
		c = c.Pause(at("2026-11-19 11:00"), "Q38").Resume(at("2026-11-19 15:00"))
		if !c.Deadline().Equal(after["analysis"].Deadline) {
			t.Errorf("sla says %s", c.Deadline())
		}
		if got, want := after["incident_id_notice/"+a.Number].Deadline, before["incident_id_notice/"+a.Number].Deadline; !got.Equal(want) {
			t.Errorf("Q30 notice moved: %s → %s", want, got)
		}
		// confirm (operator-dependent, medium): analysis met, resolution from the first registration (Q38), notices Q36.1–2
		d.clock.Set(at("2026-11-19 15:30"))
		dep := true
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: "medium", OperatorDependent: &dep})
		cs := d.clocks(t, a.IncidentID)
		if cs["analysis"].State != clocks.Met {
			t.Errorf("analysis %s after confirm", cs["analysis"].State)
		}
		if got := cs["resolution"]; got.Basis != "Q38" || got.Level != "medium" || !got.Deadline.Equal(at("2026-11-23 10:05")) {
			t.Errorf("resolution %s %s %s, want Q38 medium Mon 23.11 10:05 (2 working days from 10:05 Thu)", got.Basis, got.Level, got.Deadline)
		}
		for _, k := range []string{"medium_public_notice", "medium_supplier_notice"} {
			if got := cs[k]; !got.Deadline.Equal(at("2026-11-19 16:30")) {
				t.Errorf("%s deadline %s, want 16:30 (1 working hour)", k, got.Deadline)
			}
		}
		// fix: resolution and the answer met
		d.clock.Set(at("2026-11-20 11:00"))
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActStartFix})
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActFix, Decision: "restarted the signing service"})
		cs = d.clocks(t, a.IncidentID)
		if cs["resolution"].State != clocks.Met || cs["appeal_consideration/"+a.Number].State != clocks.Met {
			t.Errorf("after fix: resolution %s, answer %s", cs["resolution"].State, cs["appeal_consideration/"+a.Number].State)
		}
	})
}

// The scheduler raises the warning (a fifth of the term left) and then the
// breach, each once: the audit record and the outbox rows are written
// once however often it scans.
func TestWarningThenBreachOnce(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		a := d.register(t, "email", at("2026-11-19 10:00"), 0)
		notice := d.clocks(t, a.IncidentID)["incident_id_notice/"+a.Number]
		if !notice.WarnAt.Equal(at("2026-11-19 10:53")) { // 60 working minutes, warn with 12 left
			t.Fatalf("warn_at %s", notice.WarnAt)
		}
		if n := d.tick(t); n != 0 {
			t.Fatalf("%d fired before anything was due", n)
		}
		d.clock.Set(at("2026-11-19 10:54"))
		if n := d.tick(t); n != 1 {
			t.Fatalf("%d fired at 10:54, want the Q30 warning", n)
		}
		if n := d.tick(t); n != 0 {
			t.Fatalf("warning fired again: %d", n)
		}
		d.clock.Set(at("2026-11-19 11:06"))
		if n := d.tick(t); n != 1 {
			t.Fatalf("%d fired at 11:06, want the Q30 breach", n)
		}
		d.tick(t)
		d.tick(t)
		for action, want := range map[string]int{"clock.warning": 1, "clock.breach": 1} {
			if n := d.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = $1`, action); n != want {
				t.Errorf("%s: %d audit records, want %d", action, n, want)
			}
		}
		// operator: cabinet + email for each event
		if n := d.count(t, `SELECT COUNT(*) FROM outbox WHERE event LIKE 'clock.warning:%'`); n != 2 {
			t.Errorf("%d warning notifications", n)
		}
		if n := d.count(t, `SELECT COUNT(*) FROM outbox WHERE event LIKE 'clock.breach:%'`); n != 2 {
			t.Errorf("%d breach notifications", n)
		}
		if v := d.clocks(t, a.IncidentID)["incident_id_notice/"+a.Number]; v.State != clocks.Breached || v.BreachedAt == nil || !v.BreachedAt.Equal(at("2026-11-19 11:05")) {
			t.Errorf("notice %s breached at %v", v.State, v.BreachedAt)
		}
		if _, err := audit.Verify(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	})
}

// Several schedulers on one PostgreSQL database, each with its own
// connection pool like separate app nodes: every due clock fires once
// (FOR UPDATE SKIP LOCKED). On SQLite the single writer serializes them.
func TestConcurrentSchedulersFireOnce(t *testing.T) {
	run := func(t *testing.T, db, other *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		const appeals = 60
		for i := 0; i < appeals; i++ {
			d.register(t, "email", at("2026-11-19 10:00"), 0)
		}
		d.clock.Set(at("2026-11-19 11:30")) // every Q30 notice is past its deadline
		nodes := []*clocks.Service{d.c, clocks.New(other, d.clock.Now, nil, clocks.Config{Batch: 5}), clocks.New(other, d.clock.Now, nil, clocks.Config{Batch: 3})}
		var wg sync.WaitGroup
		var fired atomic.Int64
		errs := make(chan error, len(nodes)*2)
		for _, n := range nodes {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					k, err := n.Tick(context.Background())
					fired.Add(int64(k))
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if fired.Load() != appeals {
			t.Errorf("%d fired, want %d", fired.Load(), appeals)
		}
		if n := d.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'clock.breach'`); n != appeals {
			t.Errorf("%d breach records, want %d", n, appeals)
		}
		if n := d.count(t, `SELECT COUNT(DISTINCT object_id) FROM audit_log WHERE action = 'clock.breach'`); n != appeals {
			t.Errorf("breaches over %d incidents, want %d", n, appeals)
		}
		if n := d.count(t, `SELECT COUNT(*) FROM outbox WHERE event LIKE 'clock.breach:%'`); n != 2*appeals {
			t.Errorf("%d breach notifications, want %d", n, 2*appeals)
		}
		if _, err := audit.Verify(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		db := storetest.SQLite(t)
		run(t, db, db)
	})
	t.Run("postgres", func(t *testing.T) {
		url := storetest.PostgresURL(t)
		var dbs []*store.DB
		for range 2 {
			db, err := store.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			dbs = append(dbs, db)
		}
		run(t, dbs[0], dbs[1])
	})
}

// An administrator's day off moves a running answer term (Q20) at once;
// removing it moves it back. Both are audited.
func TestOverrideMovesDeadline(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:30"))
		a := d.register(t, "email", at("2026-11-19 10:15"), 0)
		key := "appeal_consideration/" + a.Number
		admin := audit.Actor{Login: "admin", Role: "admin"}
		o, err := d.c.PutOverride(context.Background(), admin, clocks.Override{Scope: "kz", Kind: clocks.KindDayOff, From: "2026-11-20",
			Reason: "decree moving a day off", Source: "government decree No. 1 (test)"})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.clocks(t, a.IncidentID)[key].Deadline; !got.Equal(at("2026-11-25 18:30")) {
			t.Errorf("with Fri 20 off: %s, want Wed 25 18:30", got)
		}
		if err := d.c.DeleteOverride(context.Background(), admin, o.ID, "entered by mistake"); err != nil {
			t.Fatal(err)
		}
		if got := d.clocks(t, a.IncidentID)[key].Deadline; !got.Equal(at("2026-11-24 18:30")) {
			t.Errorf("override removed: %s, want Tue 24 18:30", got)
		}
		if n := d.count(t, `SELECT COUNT(*) FROM audit_log WHERE object_type = 'calendar_override'`); n != 2 {
			t.Errorf("%d override audit records, want 2", n)
		}
		// a 24/7 hours agreement for one profile (Q28): Q30 counts through the night
		d.clock.Set(at("2026-11-19 18:00"))
		b := d.register(t, "email", at("2026-11-19 17:55"), 0)
		if _, err := d.c.PutOverride(context.Background(), admin, clocks.Override{Scope: "kz-quasi@2021", Kind: clocks.KindHours, From: "2026-11-19",
			To: "2026-11-22", Intervals: []string{"00:00-24:00"}, AllDays: true, Reason: "support 24/7", Source: "agreement (test)"}); err != nil {
			t.Fatal(err)
		}
		if got := d.clocks(t, b.IncidentID)["incident_id_notice/"+b.Number].Deadline; !got.Equal(at("2026-11-19 19:00")) {
			t.Errorf("Q30 under 24/7: %s, want 19:00", got)
		}
	})
}

// An extension agreed with the authorized body (Q38) moves the deadline,
// is recorded with its basis and audited; a met clock is not extended.
func TestExtendResolution(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		a := d.register(t, "email", at("2026-11-19 10:00"), 0)
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		dep := true
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: "low", OperatorDependent: &dep})
		if got := d.clocks(t, a.IncidentID)["resolution"].Deadline; !got.Equal(at("2026-11-26 10:05")) { // 5 working days
			t.Fatalf("low resolution %s", got)
		}
		v, err := d.c.Extend(context.Background(), staff, a.IncidentID, "resolution", clocks.Extension{Days: 2, Basis: "letter of the authorized body No. 7"})
		if err != nil {
			t.Fatal(err)
		}
		if !v.Deadline.Equal(at("2026-11-30 10:05")) || len(v.Extensions) != 1 || v.Extensions[0].Basis == "" {
			t.Errorf("extended: %s %+v", v.Deadline, v.Extensions)
		}
		if _, err := d.c.Extend(context.Background(), staff, a.IncidentID, "resolution", clocks.Extension{Days: 1}); err == nil {
			t.Error("an extension without basis was accepted")
		}
		if _, err := d.c.Extend(context.Background(), staff, a.IncidentID, "analysis", clocks.Extension{Days: 1, Basis: "x"}); err == nil {
			t.Error("a met clock was extended")
		}
		if n := d.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'clock.extend'`); n != 1 {
			t.Errorf("%d extend records", n)
		}
	})
}

// Merged appeals (Q38): the moved appeal's clocks follow it, the target's
// resolution counts from the earlier first registration, and the emptied
// incident's open clocks close. A notice met late is recorded as breached,
// with its breach raised once.
func TestMergeAndMeet(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		early := d.register(t, "email", at("2026-11-19 10:00"), 0)
		d.act(t, early.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		d.clock.Set(at("2026-11-19 10:30"))
		main := d.register(t, "email", at("2026-11-19 10:20"), 0)
		d.act(t, main.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		dep := true
		d.act(t, main.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: "low", OperatorDependent: &dep})
		if got := d.clocks(t, main.IncidentID)["resolution"].Deadline; !got.Equal(at("2026-11-26 10:30")) {
			t.Fatalf("resolution before the merge %s", got)
		}
		if _, err := d.j.Merge(context.Background(), staff, early.Number, main.IncidentID); err != nil {
			t.Fatal(err)
		}
		cs := d.clocks(t, main.IncidentID)
		if got := cs["resolution"].Deadline; !got.Equal(at("2026-11-26 10:05")) {
			t.Errorf("resolution after the merge %s, want from the first registration 10:05", got)
		}
		if _, ok := cs["appeal_consideration/"+early.Number]; !ok {
			t.Errorf("the moved appeal's clocks did not follow it: %v", keys(cs))
		}
		if v := d.clocks(t, early.IncidentID)["analysis"]; v.State != clocks.Met {
			t.Errorf("the emptied incident's analysis is %s", v.State)
		}
		// Q35.1 low notice: 30 working minutes from the confirmation at 10:30; sent at 11:10
		d.clock.Set(at("2026-11-19 11:15"))
		v, err := d.c.Meet(context.Background(), staff, main.IncidentID, "low_notice", "", at("2026-11-19 11:10"))
		if err != nil {
			t.Fatal(err)
		}
		if v.State != clocks.Breached || v.MetAt == nil {
			t.Errorf("late notice: %s", v.State)
		}
		if _, err := d.c.Meet(context.Background(), staff, main.IncidentID, "low_notice", "", time.Time{}); err == nil {
			t.Error("met twice")
		}
		if _, err := d.c.Meet(context.Background(), staff, main.IncidentID, "appeal_consideration", "", time.Time{}); err == nil {
			t.Error("a per-appeal clock met without naming the appeal")
		}
		// the scan raises the early appeal's Q30 notice (due 11:05), not the settled low notice
		if n := d.tick(t); n != 1 {
			t.Errorf("the scheduler raised %d, want 1", n)
		}
		if n := d.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'clock.breach' AND after LIKE '%low_notice%'`); n != 1 {
			t.Errorf("%d breach records of the late notice", n)
		}
	})
}

// A clock that cannot be computed (its profile is no longer in the
// registry) is reported and put aside for an hour; it does not stop the
// scan of the others.
func TestUncomputableClockDoesNotBlockTheScan(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		a := d.register(t, "email", at("2026-11-19 10:00"), 0)
		if _, err := db.W.Exec(`UPDATE clocks SET profile = 'kz-gone@1999' WHERE clock = 'appeal_consideration' AND appeal_number = $1`, a.Number); err != nil {
			t.Fatal(err)
		}
		if _, err := db.W.Exec(`UPDATE clocks SET next_at = $1 WHERE appeal_number = $2`, store.T(at("2026-11-19 10:00")), a.Number); err != nil {
			t.Fatal(err)
		}
		d.clock.Set(at("2026-11-19 11:30"))
		n, err := d.c.Tick(context.Background())
		if err == nil || n != 1 {
			t.Fatalf("fired %d, err %v; want the Q30 breach and an error naming the bad clock", n, err)
		}
		if n, err := d.c.Tick(context.Background()); n != 0 || err != nil {
			t.Errorf("second scan: %d, %v (the bad clock should wait an hour)", n, err)
		}
	})
}

// A notice clock is met by the outbox: when every email of its notice
// event (events.NoticeEvent) is sent, the scan records it met at the send
// time instead of warning; sent late, it is a breach raised once.
func TestNoticeMetByDelivery(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		onTime := d.register(t, "email", at("2026-11-19 10:00"), 0)
		late := d.register(t, "email", at("2026-11-19 10:00"), 0)
		sent := func(number string, when time.Time) {
			t.Helper()
			ev, _ := events.NoticeEvent(regulation.ClockIncidentIDNotice, number)
			err := db.Tx(context.Background(), func(tx *sql.Tx) error {
				return notify.Enqueue(context.Background(), tx, d.clock.Now(), "desk.kz",
					notify.Notification{Event: ev, Kind: templates.Registered, Channel: "email", Email: "user@example.kz", Data: templates.Data{Number: number}})
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.W.Exec(`UPDATE outbox SET status = 'sent', sent_at = $1 WHERE event = $2`, store.T(when), ev); err != nil {
				t.Fatal(err)
			}
		}
		sent(onTime.Number, at("2026-11-19 10:20"))
		d.clock.Set(at("2026-11-19 10:54"))
		if n := d.tick(t); n != 1 { // the late one's warning; the sent one is met, not warned
			t.Fatalf("%d raised at 10:54, want 1 warning", n)
		}
		if v := d.clocks(t, onTime.IncidentID)["incident_id_notice/"+onTime.Number]; v.State != clocks.Met || v.MetAt == nil || !v.MetAt.Equal(at("2026-11-19 10:20")) {
			t.Errorf("sent notice: %s at %v", v.State, v.MetAt)
		}
		sent(late.Number, at("2026-11-19 11:10"))
		d.clock.Set(at("2026-11-19 11:15"))
		d.tick(t)
		d.tick(t)
		if v := d.clocks(t, late.IncidentID)["incident_id_notice/"+late.Number]; v.State != clocks.Breached || v.MetAt == nil {
			t.Errorf("late notice: %s met %v", v.State, v.MetAt)
		}
		if n := d.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'clock.breach'`); n != 1 {
			t.Errorf("%d breach records, want 1", n)
		}
	})
}

// R6 under the Russian profile: a request gets the auxiliary_function clock
// (3 working days, the end of hours of the 3rd working day after
// registration, 08:00–20:00 Yekaterinburg); a request for information
// (Q38) pauses it, and the requester's wait is added to the term — the
// business time paused, by hand and by the pure engine; fixing meets it.
// The Kazakh profiles have no such term and start no such clock.
func TestR6TermPausedWhileTheRequesterAnswers(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ekb, _ := time.LoadLocation("Asia/Yekaterinburg")
		loc := func(s string) time.Time {
			v, err := time.ParseInLocation("2006-01-02 15:04", s, ekb)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		d := newDesk(t, db, loc("2026-11-19 10:00"))
		recv := loc("2026-11-19 09:55")
		r, err := d.j.Register(context.Background(), operator, journal.NewAppeal{Channel: "email", ReceivedAt: &recv, Organization: "МКУ «Центр»",
			ContactEmail: "user@example.ru", Description: "не формируется извещение", Profile: "ru-khmao-goszakaz"}, "")
		if err != nil {
			t.Fatal(err)
		}
		key := regulation.ClockAuxiliaryFunction + "/" + r.Number
		before, ok := d.clocks(t, r.IncidentID)[key]
		// Thu 19.11 → Fri 20, Mon 23, Tue 24: end of hours 20:00
		if !ok || before.Basis != "R6" || before.State != clocks.Running || !before.Deadline.Equal(loc("2026-11-24 20:00")) {
			t.Fatalf("R6 clock: %+v (present %v), want running, R6, Tue 24.11 20:00", before, ok)
		}
		prof, err := regulation.Resolve("ru-khmao-goszakaz", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		d.clock.Set(loc("2026-11-20 10:00"))
		d.act(t, r.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		d.act(t, r.IncidentID, journal.TransitionInput{Action: journal.ActRequestInfo, Note: "пришлите снимок экрана"})
		if v := d.clocks(t, r.IncidentID)[key]; v.State != clocks.Paused {
			t.Fatalf("R6 clock while the requester is asked: %s, want paused", v.State)
		}
		d.clock.Set(loc("2026-11-20 16:00"))
		d.act(t, r.IncidentID, journal.TransitionInput{Action: journal.ActResume})
		after := d.clocks(t, r.IncidentID)[key]
		// 6 working hours paused (10:00–16:00, no lunch in 003): Wed 25.11 08:00 + 6h
		want := prof.Calendar().AddBusiness(before.Deadline, prof.Calendar().BusinessBetween(loc("2026-11-20 10:00"), loc("2026-11-20 16:00")))
		if after.State != clocks.Running || !after.Deadline.Equal(loc("2026-11-25 14:00")) || !want.Equal(after.Deadline) {
			t.Errorf("R6 after the answer: %s %s, want running Wed 25.11 14:00 (engine %s)", after.State, after.Deadline, want)
		}
		c, _ := sla.New(prof, sla.Spec{Clock: regulation.ClockAuxiliaryFunction, At: loc("2026-11-19 10:00")})
		if c = c.Pause(loc("2026-11-20 10:00"), "Q38").Resume(loc("2026-11-20 16:00")); !c.Deadline().Equal(after.Deadline) {
			t.Errorf("the pure engine says %s, the desk %s", c.Deadline(), after.Deadline)
		}
		d.clock.Set(loc("2026-11-23 11:00"))
		dep := true
		d.act(t, r.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: "low", OperatorDependent: &dep})
		d.act(t, r.IncidentID, journal.TransitionInput{Action: journal.ActStartFix})
		d.act(t, r.IncidentID, journal.TransitionInput{Action: journal.ActFix, Decision: "исправлено"})
		if v := d.clocks(t, r.IncidentID)[key]; v.State != clocks.Met {
			t.Errorf("R6 after the fix: %s, want met", v.State)
		}
		// a Kazakh request has no R6 clock
		k := d.register(t, "email", at("2026-11-23 10:55"), 0)
		if _, ok := d.clocks(t, k.IncidentID)[regulation.ClockAuxiliaryFunction+"/"+k.Number]; ok {
			t.Errorf("R6 is the Russian profile's: kz-quasi started it")
		}
	})
}
