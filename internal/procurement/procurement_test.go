package procurement_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

var almaty, _ = time.LoadLocation("Asia/Almaty")

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// at is a local Astana time on 14 April 2026 (a Tuesday), or another date
// when given "2006-01-02 15:04".
func at(s string) time.Time {
	if len(s) == 5 {
		s = "2026-04-14 " + s
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, almaty)
	if err != nil {
		panic(err)
	}
	return t
}

// bin returns a valid BIN/IIN built from n.
func bin(n int) string {
	for c := 0; ; c++ {
		s := fmt.Sprintf("%011d", n*10+c)[:11]
		for d := '0'; d <= '9'; d++ {
			if iin.Validate(s+string(d)) == nil {
				return s + string(d)
			}
		}
	}
}

var (
	admin    = audit.Actor{Login: "admin", Role: "admin", ClientAddr: "127.0.0.1"}
	operator = audit.Actor{Login: "op", Role: "operator", ClientAddr: "127.0.0.1"}
	s1, s2   = bin(1), bin(2)
)

type env struct {
	db  *store.DB
	clk *clock
	j   *journal.Service
	svc *procurement.Service
}

func newEnv(t *testing.T, db *store.DB) *env { return newEnvTB(t, db) }

func newEnvTB(t testing.TB, db *store.DB) *env {
	c := &clock{t: at("08:00").UTC()}
	resolve := func(name string, _ time.Time) (string, error) { return "kz-quasi@2021", nil }
	j := journal.New(db, c.Now, almaty, resolve, nil)
	t.Cleanup(j.Close)
	svc := procurement.New(db, c.Now, j, slog.New(slog.NewTextHandler(io.Discard, nil)), "test.local")
	svc.Chunk = 2 // several chunks even in small tests
	svc.ImportBatch = 2
	svc.InsertBatch = 3 // multi-row statements and the one-row rest
	return &env{db: db, clk: c, j: j, svc: svc}
}

func line(id, method, module string, parts []string, deadlines ...string) string {
	var ps, ds []string
	for _, p := range parts {
		ps = append(ps, fmt.Sprintf(`{"supplier":%q,"email":"%s@example.kz","language":"kk"}`, p, p))
	}
	for i := 0; i+1 < len(deadlines); i += 2 {
		ds = append(ds, fmt.Sprintf(`{"kind":%q,"lot":"1","at":%q}`, deadlines[i], at(deadlines[i+1]).Format(time.RFC3339)))
	}
	return fmt.Sprintf(`{"external_id":%q,"announcement":"A-%s","lots":["1"],"method":%q,"customer":"%s","module":%q,"participants":[%s],"deadlines":[%s]}`,
		id, id, method, bin(99), module, strings.Join(ps, ","), strings.Join(ds, ","))
}

// The mirror every scenario starts from: P1 and P4 in module m1 with
// deadlines inside a failure 09:00–12:00, P2 in m1 but days later, P3 in
// another module at the same times. s1 bids in P1 and P4.
func mirror() string {
	return strings.Join([]string{
		line("P1", "tender", "m1", []string{s1, s2}, "bids_end", "10:00", "contract_signing", "11:00"),
		line("P2", "tender", "m1", []string{s2}, "bids_end", "2026-04-20 10:00", "contract_signing", "2026-04-21 11:00"),
		line("P3", "tender", "m2", []string{s2}, "bids_end", "10:00", "contract_signing", "11:00"),
		line("P4", "auction", "m1", []string{s1}, "auction_trading", "11:00", "results_protocol", "10:30"),
	}, "\n") + "\n"
}

func (e *env) importAll(t *testing.T, body string) procurement.ImportResult {
	t.Helper()
	res, err := e.svc.Import(context.Background(), strings.NewReader(body), admin)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// confirmed registers an appeal at 09:10 and confirms a high-level,
// operator-dependent failure of module m1 from 09:00, planned fix 12:00.
func (e *env) confirmed(t *testing.T) int64 { return e.confirmedAt(t, "m1", "09:00", "12:00") }

// confirmedAt is confirmed with another module and failure window.
func (e *env) confirmedAt(t testing.TB, module, from, to string) int64 {
	t.Helper()
	ctx := context.Background()
	e.clk.Set(at("09:10").UTC())
	recv := at("09:05")
	r, err := e.j.Register(ctx, journal.Caller{Actor: operator}, journal.NewAppeal{Channel: "phone", ReceivedAt: &recv, Organization: "ТОО «Сауда»",
		BIN: s1, ContactPhone: "+7 701 123 45 67", Description: "модуль не работает", Module: module}, "")
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Set(at("09:20").UTC())
	if _, err := e.j.Transition(ctx, operator, r.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse}); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(at("09:30").UTC())
	dep, start, fix := true, at(from), at(to)
	if _, err := e.j.Transition(ctx, operator, r.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: "high",
		OperatorDependent: &dep, FailureStartedAt: &start, PlannedFixAt: &fix, Modules: []string{module}}); err != nil {
		t.Fatal(err)
	}
	return r.IncidentID
}

func (e *env) deadlines(t *testing.T) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for _, id := range []string{"P1", "P2", "P3", "P4"} {
		p, err := e.svc.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Deadlines {
			out[id+"/"+d.Kind] = d.At.UTC()
		}
	}
	return out
}

func (e *env) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.R.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Import is idempotent by external id: the same NDJSON twice leaves the
// same rows (nothing rewritten), a changed line updates only that procedure.
func TestImportIdempotent(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		first := e.importAll(t, mirror())
		if first.Inserted != 4 || first.Failed != 0 {
			t.Fatalf("first import %+v", first)
		}
		before := map[string]procurement.Procedure{}
		for _, id := range []string{"P1", "P2", "P3", "P4"} {
			before[id], _ = e.svc.Get(context.Background(), id)
		}
		e.clk.Add(time.Hour)
		again := e.importAll(t, mirror())
		if again.Unchanged != 4 || again.Inserted+again.Updated != 0 {
			t.Fatalf("second import of the same body %+v, want 4 unchanged", again)
		}
		for id, b := range before {
			a, _ := e.svc.Get(context.Background(), id)
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("%s changed by a re-import:\n%v\n%v", id, b, a)
			}
		}
		changed := strings.Replace(mirror(), `"announcement":"A-P2"`, `"announcement":"A-P2-bis"`, 1)
		res := e.importAll(t, changed)
		if res.Updated != 1 || res.Unchanged != 3 {
			t.Fatalf("import with one changed line %+v", res)
		}
		if p, _ := e.svc.Get(context.Background(), "P2"); p.Announcement != "A-P2-bis" || len(p.Deadlines) != 2 {
			t.Fatalf("P2 after update: %+v", p)
		}
		if n := e.count(t, "SELECT count(*) FROM procedure_deadlines"); n != 8 {
			t.Fatalf("%d deadline rows, want 8", n)
		}
	})
}

// A bad line is reported with its number and skipped; the good ones are
// imported.
func TestImportLineErrors(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		body := strings.Join([]string{
			line("OK1", "tender", "m1", []string{s1}, "bids_end", "10:00"),
			`{"external_id":"BAD-JSON",`,
			line("BAD-METHOD", "lottery", "m1", nil, "bids_end", "10:00"),
			`{"external_id":"BAD-TIME","method":"tender","module":"m1","deadlines":[{"kind":"bids_end","at":"2026-04-14T10:00:00"}]}`,
			"",
			`{"external_id":"BAD-BIN","method":"tender","module":"m1","participants":[{"supplier":"123456789012"}]}`,
			line("OK2", "auction", "m1", nil, "auction_trading", "11:00"),
		}, "\n")
		res := e.importAll(t, body)
		if res.Inserted != 2 || res.Failed != 4 || res.Lines != 6 {
			t.Fatalf("result %+v", res)
		}
		var lines []int
		for _, le := range res.Errors {
			lines = append(lines, le.Line)
		}
		if !slices.Equal(lines, []int{2, 3, 4, 6}) {
			t.Fatalf("error lines %v, want [2 3 4 6]: %+v", lines, res.Errors)
		}
		for i, want := range []string{"malformed JSON", `method: unknown "lottery"`, "must be RFC 3339 with an offset", "control digit"} {
			if !strings.Contains(res.Errors[i].Error, want) {
				t.Errorf("line %d: %q does not say %q", res.Errors[i].Line, res.Errors[i].Error, want)
			}
		}
		if _, err := e.svc.Get(context.Background(), "OK2"); err != nil {
			t.Fatal(err)
		}
	})
}

// Apply moves exactly the deadlines of the affected module inside the
// failure, annuls the automatic auction protocol, writes the feed and one
// audit entry, and tells each bidder once; applying again changes nothing.
// After the actual fix comes an hour later, a re-plan extends by the
// difference only; revert restores every deadline.
func TestApplyDeltaRevert(t *testing.T) {
	defer procurement.SetRangeSize(2)() // bulk statements over many ranges: order of steps must hold across them
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.importAll(t, mirror())
		orig := e.deadlines(t)
		inc := e.confirmed(t)

		var previewed []procurement.PlannedAction
		sum, err := e.svc.Plan(ctx, inc, procurement.PlanRequest{}, func(a procurement.PlannedAction) error {
			previewed = append(previewed, a)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, "SELECT count(*) FROM applied_plans"); n != 0 {
			t.Fatal("plan wrote an applied plan")
		}
		for _, a := range previewed {
			if a.Procedure == "P2" || a.Procedure == "P3" {
				t.Errorf("plan touches %s (outside the window / another module): %+v", a.Procedure, a)
			}
		}

		e.clk.Set(at("09:40").UTC())
		auditBefore := e.count(t, "SELECT count(*) FROM audit_log WHERE action = 'impact.apply'")
		res, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{PlanHash: sum.PlanHash}, operator)
		if err != nil {
			t.Fatal(err)
		}
		if res.PlanID == 0 || res.Changes != sum.Actions || res.PlanHash != sum.PlanHash {
			t.Fatalf("apply %+v, preview %+v", res, sum)
		}
		got := e.deadlines(t)
		want := map[string]time.Time{
			"P1/bids_end":         at("13:00").UTC(),            // Q37.4: + 3 h spent fixing
			"P1/contract_signing": at("2026-04-15 11:00").UTC(), // Q37.5: + 1 calendar day
			"P4/auction_trading":  at("2026-04-15 11:00").UTC(), // Q37.7: next working day
		}
		for k, v := range orig {
			w, moved := want[k]
			if !moved {
				w = v
			}
			if !got[k].Equal(w) {
				t.Errorf("%s = %s, want %s", k, got[k].In(almaty), w.In(almaty))
			}
		}
		if n := e.count(t, "SELECT count(*) FROM plan_changes WHERE action = 'annul_protocol'"); n != 1 {
			t.Errorf("%d annulments, want 1 (P4 results protocol, Q37.7)", n)
		}
		if n := e.count(t, "SELECT count(*) FROM audit_log WHERE action = 'impact.apply'") - auditBefore; n != 1 {
			t.Errorf("%d audit entries for one apply, want 1 summary", n)
		}
		event := fmt.Sprintf("impact.extensions:plan:%d", res.PlanID)
		if n := e.count(t, "SELECT count(*) FROM outbox WHERE event = $1", event); n != 2 || res.Notifications != 2 {
			t.Errorf("%d notifications (result %d), want one per bidder (s1, s2)", n, res.Notifications)
		}
		var data string
		if err := db.R.QueryRow("SELECT data FROM outbox WHERE event = $1 AND to_address = $2", event, s1+"@example.kz").Scan(&data); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(data, "A-P1") || !strings.Contains(data, "A-P4") {
			t.Errorf("s1's one message does not list both procedures: %s", data)
		}
		// The stored data keeps the portal's zone, so the mail shows local time, not UTC.
		if !strings.Contains(data, `"Zone":"Asia/Almaty"`) {
			t.Errorf("notification data has no zone: %s", data)
		}
		feedHead := e.count(t, "SELECT count(*) FROM procurement_feed")
		outbox := e.count(t, "SELECT count(*) FROM outbox")

		// Apply twice = apply once.
		again, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator)
		if err != nil {
			t.Fatal(err)
		}
		if again.PlanID != 0 || again.Changes != 0 {
			t.Fatalf("second apply %+v, want nothing", again)
		}
		if fmt.Sprint(e.deadlines(t)) != fmt.Sprint(got) || e.count(t, "SELECT count(*) FROM procurement_feed") != feedHead ||
			e.count(t, "SELECT count(*) FROM outbox") != outbox {
			t.Fatal("a second apply changed something")
		}
		// A stale preview hash is refused.
		if _, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{PlanHash: "stale"}, operator); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("stale hash: %v, want conflict", err)
		}

		// The actual fix is an hour later than planned: delta only.
		e.clk.Set(at("13:05").UTC())
		if _, err := e.j.Transition(ctx, operator, inc, journal.TransitionInput{Action: journal.ActStartFix}); err != nil {
			t.Fatal(err)
		}
		fixed := at("13:00")
		if _, err := e.j.Transition(ctx, operator, inc, journal.TransitionInput{Action: journal.ActFix, FixedAt: &fixed, Decision: "перезапуск"}); err != nil {
			t.Fatal(err)
		}
		delta, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator)
		if err != nil {
			t.Fatal(err)
		}
		if delta.PlanID == 0 {
			t.Fatal("no delta after the fix time moved")
		}
		got2 := e.deadlines(t)
		if w := at("14:00").UTC(); !got2["P1/bids_end"].Equal(w) {
			t.Errorf("P1 bids_end after delta = %s, want %s (10:00 + 4 h, never extended twice)", got2["P1/bids_end"].In(almaty), w.In(almaty))
		}
		if n := e.count(t, "SELECT count(*) FROM plan_changes WHERE plan_id = $1 AND action = 'annul_protocol'", delta.PlanID); n != 0 {
			t.Errorf("delta annuls the protocol again (%d)", n)
		}
		if again, _ := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator); again.PlanID != 0 {
			t.Fatalf("apply after delta applied again: %+v", again)
		}

		// Revert: the later plan first, then the first one restores all.
		if _, err := e.svc.Revert(ctx, res.PlanID, "ошибка оператора", admin); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("revert of a plan under a later one: %v, want conflict", err)
		}
		if _, err := e.svc.Revert(ctx, delta.PlanID, "", admin); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("revert without reason: %v", err)
		}
		for _, id := range []int64{delta.PlanID, res.PlanID} {
			if _, err := e.svc.Revert(ctx, id, "ошибочное подтверждение", admin); err != nil {
				t.Fatal(err)
			}
		}
		if fmt.Sprint(e.deadlines(t)) != fmt.Sprint(orig) {
			t.Fatalf("after revert:\n%v\nwant\n%v", e.deadlines(t), orig)
		}
		if n := e.count(t, "SELECT count(*) FROM audit_log WHERE action = 'impact.revert'"); n != 2 {
			t.Errorf("%d revert audit entries, want 2", n)
		}
		if _, err := e.svc.Revert(ctx, res.PlanID, "again", admin); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second revert: %v", err)
		}
		// The feed tells the portal the last value of every deadline: replay it.
		state := map[string]time.Time{}
		page, err := e.svc.Feed(ctx, 0, procurement.MaxFeedLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Changes {
			if c.New != nil {
				state[c.Procedure+"/"+c.Deadline] = c.New.UTC()
			}
		}
		for k, v := range state {
			if !v.Equal(orig[k]) {
				t.Errorf("replaying the feed leaves %s at %s, want %s", k, v.In(almaty), orig[k].In(almaty))
			}
		}
	})
}

// The feed is in commit order and pages by cursor without gaps or repeats.
func TestFeedPaging(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.importAll(t, mirror())
		inc := e.confirmed(t)
		res, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Revert(ctx, res.PlanID, "тест", admin); err != nil {
			t.Fatal(err)
		}
		total := e.count(t, "SELECT count(*) FROM procurement_feed")
		if total < 6 {
			t.Fatalf("feed has %d entries", total)
		}
		var seqs []int64
		var ops []string
		cursor := int64(0)
		for range total + 2 {
			page, err := e.svc.Feed(ctx, cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Changes) == 0 {
				if page.Next != fmt.Sprint(cursor) {
					t.Fatalf("empty page moved the cursor to %s", page.Next)
				}
				break
			}
			for _, c := range page.Changes {
				seqs = append(seqs, c.Seq)
				ops = append(ops, c.Op)
			}
			if cursor, err = procurement.ParseCursor(page.Next); err != nil {
				t.Fatal(err)
			}
		}
		if len(seqs) != total || !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != total {
			t.Fatalf("paged seqs %v (total %d)", seqs, total)
		}
		if ops[0] != "apply" || ops[len(ops)-1] != "revert" {
			t.Fatalf("ops %v: applies then reverts", ops)
		}
	})
}

// The webhook signs each batch with HMAC-SHA256; a failed delivery is
// retried after its backoff, visible meanwhile, and delivered once.
func TestWebhookRetriesAndSigns(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		secret := "s3cret-s3cret-s3cret"
		var mu sync.Mutex
		var calls, delivered int
		var bad []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			calls++
			if !procurement.Verify([]byte(secret), body, r.Header.Get(procurement.SignatureHeader)) {
				bad = append(bad, r.Header.Get(procurement.SignatureHeader))
			}
			if calls == 1 {
				http.Error(w, "portal busy", http.StatusServiceUnavailable)
				return
			}
			delivered++
		}))
		defer srv.Close()
		if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
			t.Fatalf("test server at %s", srv.URL)
		}
		if _, err := e.svc.ConfigureWebhook(ctx, procurement.WebhookConfig{URL: srv.URL, Secret: secret}, admin); err != nil {
			t.Fatal(err)
		}
		e.importAll(t, mirror())
		inc := e.confirmed(t)
		if _, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator); err != nil {
			t.Fatal(err)
		}
		now := e.clk.Now()
		client := srv.Client()
		if ok, err := e.svc.DeliverOnce(ctx, client, now); ok || err != nil {
			t.Fatalf("first delivery: %v %v, want a failure", ok, err)
		}
		st, _ := e.svc.WebhookStatus(ctx)
		if !st.Failing || st.Attempts != 1 || !strings.Contains(st.LastError, "503") || st.Pending == 0 {
			t.Fatalf("status after failure %+v", st)
		}
		if ok, _ := e.svc.DeliverOnce(ctx, client, now); ok || calls != 1 {
			t.Fatalf("retried before its backoff (calls %d)", calls)
		}
		if ok, err := e.svc.DeliverOnce(ctx, client, now.Add(procurement.Backoff(1))); !ok || err != nil {
			t.Fatalf("retry: %v %v", ok, err)
		}
		if ok, _ := e.svc.DeliverOnce(ctx, client, now.Add(time.Hour)); ok {
			t.Fatal("delivered again with nothing new")
		}
		st, _ = e.svc.WebhookStatus(ctx)
		if st.Failing || st.Pending != 0 || delivered != 1 || calls != 2 || len(bad) > 0 {
			t.Fatalf("status %+v, delivered %d, calls %d, bad signatures %v", st, delivered, calls, bad)
		}
	})
}
