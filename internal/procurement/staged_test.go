package procurement_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/journal"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/procurement/proctest"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Issue 15, SQLite's staged apply (docs/procurement-api.md, "Applying
// without stopping intake"): the plan is written in short transactions,
// invisible until the flip; the tests below stop it between the steps
// through the service's test hook.

type dlKey struct{ proc, kind, lot, sup string }

// stagedEnv is a 3,000-procedure mirror, a confirmed failure over it and
// the preview of its plan: every moved deadline's last value and the
// number of feed entries.
type stagedEnv struct {
	*env
	inc     int64
	sum     procurement.Summary
	want    map[dlKey]time.Time
	orig    map[dlKey]time.Time
	changes int
}

func newStagedEnv(t *testing.T, db *store.DB) *stagedEnv {
	t.Helper()
	ctx := context.Background()
	if err := proctest.LoadMirror(ctx, db, 3000, time.Unix(benchStartUnix, 0)); err != nil {
		t.Fatal(err)
	}
	e := &stagedEnv{env: newEnv(t, db), want: map[dlKey]time.Time{}}
	e.svc.Chunk = 100
	e.inc = e.confirmedAt(t, "m", "09:00", "12:30")
	var err error
	e.sum, err = e.svc.Plan(ctx, e.inc, procurement.PlanRequest{}, func(a procurement.PlannedAction) error {
		if a.Action == "extend" || a.Action == "hold" {
			e.want[dlKey{a.Procedure, a.Deadline, a.Lot, a.Supplier}] = *a.New
		}
		if a.Action != "notify" {
			e.changes++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.sum.Procedures < 300 || len(e.want) < 700 {
		t.Fatalf("plan changes %d procedures, %d deadlines: want ≥ 300, ≥ 700", e.sum.Procedures, len(e.want))
	}
	e.orig = e.shown(t)
	return e
}

// shown is what GET /procedures/{id} shows of the moved deadlines.
func (e *stagedEnv) shown(t *testing.T) map[dlKey]time.Time {
	t.Helper()
	out := map[dlKey]time.Time{}
	procs := map[string]bool{}
	for k := range e.want {
		procs[k.proc] = true
	}
	for _, id := range slices.Sorted(maps.Keys(procs)) {
		p, err := e.svc.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Deadlines {
			k := dlKey{id, d.Kind, d.Lot, d.Supplier}
			if _, ok := e.want[k]; ok {
				out[k] = d.At
			}
		}
	}
	return out
}

// stored is the deadlines table itself (no overlay).
func (e *stagedEnv) stored(t *testing.T) map[dlKey]time.Time {
	t.Helper()
	rows, err := e.db.R.Query(`SELECT p.external_id, d.kind, d.lot, d.supplier, d.at FROM procedure_deadlines d JOIN procedures p ON p.id = d.procedure_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[dlKey]time.Time{}
	for rows.Next() {
		var k dlKey
		var at store.Time
		if err := rows.Scan(&k.proc, &k.kind, &k.lot, &k.sup, &at); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.want[k]; ok {
			out[k] = at.Time
		}
	}
	return out
}

func sameTimes(t *testing.T, what string, got, want map[dlKey]time.Time) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d deadlines, want %d", what, len(got), len(want))
	}
	for k, w := range want {
		if !got[k].Equal(w) {
			t.Fatalf("%s: %v = %s, want %s", what, k, got[k], w)
		}
	}
}

// invisible checks that readers outside the apply see nothing of it.
func (e *stagedEnv) invisible(t *testing.T, phase string) {
	t.Helper()
	ctx := context.Background()
	page, err := e.svc.Feed(ctx, 0, procurement.MaxFeedLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Changes) != 0 || page.Next != "0" {
		t.Fatalf("%s: the feed shows %d entries of a staging plan (next %s)", phase, len(page.Changes), page.Next)
	}
	st, err := e.svc.WebhookStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.FeedHead != 0 || st.Pending != 0 {
		t.Fatalf("%s: the webhook sees feed head %d, pending %d", phase, st.FeedHead, st.Pending)
	}
	sameTimes(t, phase+": GET procedure", e.shown(t), e.orig)
	for k := range e.want {
		p, err := e.svc.Get(ctx, k.proc)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != 0 {
			t.Fatalf("%s: %s shows %d changes of a staging plan", phase, k.proc, len(p.Changes))
		}
		break
	}
	plans, err := e.svc.PlansOf(ctx, e.inc)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 0 {
		t.Fatalf("%s: the incident lists %d plans", phase, len(plans))
	}
}

// register is a registration: a write transaction on the same database's
// writer. Between the apply's steps it must commit at once.
func (e *stagedEnv) register(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	recv := e.clk.Now()
	if _, err := e.j.Register(ctx, journal.Caller{Actor: operator}, journal.NewAppeal{Channel: "phone", ReceivedAt: &recv, Organization: "ТОО «Сауда»",
		BIN: s2, ContactPhone: "+7 701 123 45 67", Description: fmt.Sprintf("обращение %d во время применения плана", n), Module: "x"}, ""); err != nil {
		t.Fatalf("registration between the apply's steps: %v", err)
	}
}

// final checks the applied plan against the preview (as
// TestApplyInManyPiecesMatchesThePreview does) and that it is finished.
func (e *stagedEnv) final(t *testing.T, planID int64) {
	t.Helper()
	sameTimes(t, "GET procedure after the apply", e.shown(t), e.want)
	sameTimes(t, "stored deadlines after the apply", e.stored(t), e.want)
	if n := e.count(t, "SELECT count(*) FROM procurement_feed WHERE plan_id = $1", planID); n != e.changes {
		t.Fatalf("%d feed entries, the preview has %d changes", n, e.changes)
	}
	page, err := e.svc.Feed(context.Background(), 0, procurement.MaxFeedLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Changes) != e.changes {
		t.Fatalf("the feed shows %d entries, want %d", len(page.Changes), e.changes)
	}
	if n := e.count(t, "SELECT count(*) FROM applied_plans WHERE id = $1 AND status = 'applied' AND merged = 1 AND notified = 1", planID); n != 1 {
		t.Fatalf("plan %d is not applied, merged and notified", planID)
	}
	if n := e.count(t, "SELECT count(*) FROM applied_plans WHERE status = 'staging'"); n != 0 {
		t.Fatalf("%d staging plans left", n)
	}
}

// notices are the plan's bidders' messages: recipient → kind and data,
// times in UTC (a message rebuilt from the database and one built in
// memory carry the same instants).
func notices(t *testing.T, db *store.DB, planID int64) map[string]string {
	t.Helper()
	rows, err := db.R.Query("SELECT recipient, kind, data FROM outbox WHERE event = $1", fmt.Sprintf("impact.extensions:plan:%d", planID))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var r, k, d string
		if err := rows.Scan(&r, &k, &d); err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(utcTimes(v))
		if _, dup := out[r]; dup {
			t.Fatalf("bidder %s told twice", r)
		}
		out[r] = k + " " + string(b)
	}
	return out
}

func utcTimes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = utcTimes(e)
		}
	case []any:
		for i, e := range x {
			x[i] = utcTimes(e)
		}
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t.UTC().Format(time.RFC3339Nano)
		}
	}
	return v
}

// (a) Between staging and the flip the feed, the webhook and the
// procedure reads show nothing of the plan, and a registration commits
// between every two steps; (b) from the flip on, before the merge, GET
// procedure shows the new deadlines (the overlay) while the table still
// holds the old ones; (d) the end state is the preview's.
func TestStagedApplyInvisibleUntilFlipIntakeBetweenSteps(t *testing.T) {
	defer procurement.SetRangeSize(50)()
	defer procurement.SetStagedSizes(100, 40)()
	db := storetest.SQLite(t)
	e := newStagedEnv(t, db)
	ctx := context.Background()
	seen := map[string]int{}
	regs := 0
	procurement.SetHook(e.svc, func(phase string) error {
		seen[phase]++
		switch phase {
		case "stage", "feed":
			e.invisible(t, phase)
		case "flip":
			sameTimes(t, "GET procedure after the flip", e.shown(t), e.want)
			sameTimes(t, "stored deadlines after the flip", e.stored(t), e.orig)
			page, err := e.svc.Feed(ctx, 0, procurement.MaxFeedLimit)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Changes) != e.changes {
				t.Fatalf("after the flip the feed shows %d entries, want all %d", len(page.Changes), e.changes)
			}
		case "merge", "notify":
			sameTimes(t, phase+": GET procedure", e.shown(t), e.want)
		}
		regs++
		e.register(t, regs)
		return nil
	})
	appeals := e.count(t, "SELECT count(*) FROM appeals")
	res, err := e.svc.Apply(ctx, e.inc, procurement.PlanRequest{PlanHash: e.sum.PlanHash}, operator)
	if err != nil {
		t.Fatal(err)
	}
	for _, ph := range []string{"stage", "feed", "merge", "notify"} {
		if seen[ph] < 2 {
			t.Fatalf("phase %s ran %d times: want several transactions (%v)", ph, seen[ph], seen)
		}
	}
	if seen["flip"] != 1 || seen["merged"] != 1 {
		t.Fatalf("phases %v", seen)
	}
	if n := e.count(t, "SELECT count(*) FROM appeals"); n != appeals+regs {
		t.Fatalf("%d appeals registered during the apply, want %d", n-appeals, regs)
	}
	if res.Procedures != e.sum.Procedures || res.PlanHash != e.sum.PlanHash {
		t.Fatalf("applied %+v, previewed %+v", res, e.sum)
	}
	e.final(t, res.PlanID)
	if n := len(notices(t, db, res.PlanID)); n != res.Notifications || n == 0 {
		t.Fatalf("%d notices enqueued, the apply counts %d", n, res.Notifications)
	}
}

var errCrash = errors.New("crash (test)")

// (c) A crash after each step: the database is left as it was, the
// service is opened again and resumes at start-up. A staging plan is
// deleted and audited impact.apply.abandoned (it was never visible; the
// apply then runs again); an applied plan is merged and its bidders are
// told exactly once each — the same messages as an apply that never
// stopped.
func TestStagedApplyResumesAfterACrashAtEachStep(t *testing.T) {
	defer procurement.SetRangeSize(50)()
	defer procurement.SetStagedSizes(100, 40)()
	// The reference: the same plan applied without a stop.
	ref := newStagedEnv(t, storetest.SQLite(t))
	rres, err := ref.svc.Apply(context.Background(), ref.inc, procurement.PlanRequest{PlanHash: ref.sum.PlanHash}, operator)
	if err != nil {
		t.Fatal(err)
	}
	want := notices(t, ref.db, rres.PlanID)
	if len(want) != rres.Notifications || len(want) <= 40 {
		t.Fatalf("reference: %d notices, apply counts %d (want more than one batch)", len(want), rres.Notifications)
	}
	for _, tc := range []struct {
		phase string
		nth   int
	}{{"stage", 1}, {"stage", 3}, {"feed", 1}, {"feed", 4}, {"flip", 1}, {"merge", 1}, {"merge", 3}, {"merged", 1}, {"notify", 1}, {"notify", 3}} {
		t.Run(fmt.Sprintf("%s-%d", tc.phase, tc.nth), func(t *testing.T) {
			db := storetest.SQLite(t)
			e := newStagedEnv(t, db)
			ctx := context.Background()
			n := 0
			procurement.SetHook(e.svc, func(phase string) error {
				if phase == tc.phase {
					if n++; n == tc.nth {
						return errCrash
					}
				}
				return nil
			})
			if _, err := e.svc.Apply(ctx, e.inc, procurement.PlanRequest{PlanHash: e.sum.PlanHash}, operator); !errors.Is(err, errCrash) {
				t.Fatalf("apply: %v, want the crash", err)
			}
			staging := tc.phase == "stage" || tc.phase == "feed"
			if staging {
				if n := e.count(t, "SELECT count(*) FROM applied_plans WHERE status = 'staging'"); n != 1 {
					t.Fatalf("%d staging plans after the crash", n)
				}
				e.invisible(t, "after the crash")
			} else {
				// In force from the flip: shown by the overlay until merged.
				sameTimes(t, "GET procedure after the crash", e.shown(t), e.want)
			}

			// The desk starts again: a new service on the same database.
			svc := procurement.New(db, e.clk.Now, e.j, slog.New(slog.NewTextHandler(io.Discard, nil)), "test.local")
			if err := svc.Resume(ctx); err != nil {
				t.Fatal(err)
			}
			e.svc = svc
			var planID int64
			if staging {
				for _, q := range []string{"SELECT count(*) FROM applied_plans", "SELECT count(*) FROM plan_changes",
					"SELECT count(*) FROM plan_reasons", "SELECT count(*) FROM procurement_feed"} {
					if n := e.count(t, q); n != 0 {
						t.Fatalf("after the resume %s = %d, want 0", q, n)
					}
				}
				if n := e.count(t, "SELECT count(*) FROM audit_log WHERE action = 'impact.apply.abandoned' AND object_id = '1'"); n != 1 {
					t.Fatalf("%d impact.apply.abandoned records, want 1", n)
				}
				if n := e.count(t, "SELECT count(*) FROM audit_log WHERE action = 'impact.apply'"); n != 0 {
					t.Fatalf("an abandoned plan has %d impact.apply records", n)
				}
				sameTimes(t, "stored deadlines after the abandon", e.stored(t), e.orig)
				res, err := svc.Apply(ctx, e.inc, procurement.PlanRequest{PlanHash: e.sum.PlanHash}, operator)
				if err != nil {
					t.Fatal(err)
				}
				if res.PlanID == 1 {
					t.Fatal("the abandoned plan's id was given to another plan")
				}
				planID = res.PlanID
			} else {
				planID = 1
				if n := e.count(t, "SELECT count(*) FROM audit_log WHERE action = 'impact.apply' AND object_id = '1'"); n != 1 {
					t.Fatalf("%d impact.apply records, want 1", n)
				}
			}
			e.final(t, planID)
			got := notices(t, db, planID)
			if len(got) != len(want) {
				t.Fatalf("%d bidders told, want %d", len(got), len(want))
			}
			for r, w := range want {
				if got[r] != w {
					t.Fatalf("bidder %s told\n%s\nwant\n%s", r, got[r], w)
				}
			}
			// Resuming again finds nothing to do and tells nobody again.
			if err := svc.Resume(ctx); err != nil {
				t.Fatal(err)
			}
			if n := len(notices(t, db, planID)); n != len(want) {
				t.Fatalf("a second resume left %d notices", n)
			}
		})
	}
}

// A plan whose hash differs from the preview's is refused (409) at the end
// of staging, and its staged rows are deleted at once (audited).
func TestStagedApplyRefusedHashLeavesNothing(t *testing.T) {
	db := storetest.SQLite(t)
	e := newStagedEnv(t, db)
	_, err := e.svc.Apply(context.Background(), e.inc, procurement.PlanRequest{PlanHash: "0123456789abcdef"}, operator)
	if err == nil || !strings.Contains(err.Error(), "preview it again") {
		t.Fatalf("apply with a stale hash: %v", err)
	}
	for _, q := range []string{"SELECT count(*) FROM applied_plans", "SELECT count(*) FROM plan_changes", "SELECT count(*) FROM procurement_feed"} {
		if n := e.count(t, q); n != 0 {
			t.Fatalf("after the refusal %s = %d", q, n)
		}
	}
	if n := e.count(t, "SELECT count(*) FROM audit_log WHERE action = 'impact.apply.abandoned'"); n != 1 {
		t.Fatalf("%d impact.apply.abandoned records, want 1", n)
	}
	sameTimes(t, "deadlines after the refusal", e.stored(t), e.orig)
}
