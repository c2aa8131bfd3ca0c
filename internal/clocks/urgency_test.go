package clocks_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// urgency is what an appeal's row must say of its clocks (issue 10, the
// queue "most urgent deadline first"): the nearest deadline of its own and
// its incident's running or breached clocks, and breached / warned /
// running, computed here from the clocks' own views.
type urgency struct {
	At    time.Time
	State string
}

func wantUrgency(t *testing.T, d *desk, number string) urgency {
	t.Helper()
	a, err := d.j.Appeal(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := d.c.OfIncident(context.Background(), a.IncidentID)
	if err != nil {
		t.Fatal(err)
	}
	var u urgency
	breached, warned := false, false
	for _, v := range vs {
		if (v.Appeal != "" && v.Appeal != number) || (v.State != clocks.Running && v.State != clocks.Breached) {
			continue
		}
		if u.At.IsZero() || v.Deadline.Before(u.At) {
			u.At = v.Deadline
		}
		breached = breached || v.State == clocks.Breached
		warned = warned || v.WarnedAt != nil
	}
	switch {
	case u.At.IsZero():
	case breached:
		u.State = "breached"
	case warned:
		u.State = "warned"
	default:
		u.State = "running"
	}
	return u
}

// stored reads the row's urgency through the queue's listing.
func storedUrgency(t *testing.T, d *desk, number string) urgency {
	t.Helper()
	f := journal.Filter{Urgent: true, Limit: journal.MaxLimit}
	for {
		p, err := d.j.List(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Rows {
			if r.Number == number {
				var u urgency
				if r.UrgentAt != nil {
					u.At = r.UrgentAt.UTC()
				}
				u.State = r.UrgentState
				return u
			}
		}
		if p.Next == "" {
			t.Fatalf("%s not in the urgent listing", number)
		}
		f.After = p.Next
	}
}

func checkUrgency(t *testing.T, d *desk, step string, numbers ...string) {
	t.Helper()
	for _, n := range numbers {
		want, got := wantUrgency(t, d, n), storedUrgency(t, d, n)
		if !want.At.Equal(got.At) || want.State != got.State {
			t.Errorf("%s: appeal %s urgency %s %q, want %s %q (from its clocks)", step, n, got.At, got.State, want.At, want.State)
		}
	}
	// and the queue is in that order, by keyset pages of one
	var order []string
	f := journal.Filter{Urgent: true, Open: true, Limit: 1}
	for {
		p, err := d.j.List(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Rows {
			order = append(order, r.Number)
		}
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	sorted := slices.Clone(order)
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	key := func(n string) time.Time {
		if u := wantUrgency(t, d, n); !u.At.IsZero() {
			return u.At
		}
		return far
	}
	slices.SortStableFunc(sorted, func(a, b string) int { return key(a).Compare(key(b)) })
	if !slices.Equal(order, sorted) {
		t.Errorf("%s: queue order %v, want by nearest deadline %v", step, order, sorted)
	}
}

// Every event that moves a clock moves its appeals' stored urgency in the
// same transaction (0015_queue_urgency): start, pause (Q38 request for
// information: paused clocks do not count), resume, warning, breach,
// agreed extension (Q38), attaching an appeal to an incident whose clocks
// run, merge, and meeting the clocks (refutation, Q32).
func TestUrgencyFollowsTheClocks(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := newDesk(t, db, at("2026-11-19 10:05"))
		a := d.register(t, "email", at("2026-11-19 10:00"), 0)
		checkUrgency(t, d, "registered", a.Number)
		if u := storedUrgency(t, d, a.Number); u.State != "running" {
			t.Fatalf("a new appeal's urgency is %q, want running (Q30 and Q20 clocks)", u.State)
		}
		d.clock.Set(at("2026-11-19 10:10"))
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse}) // Q31 analysis, 12:00
		checkUrgency(t, d, "analyse", a.Number)
		// an appeal attached to the analysed incident takes its analysis clock
		d.clock.Set(at("2026-11-19 10:20"))
		b := d.register(t, "phone", at("2026-11-19 10:15"), a.IncidentID)
		checkUrgency(t, d, "attached", a.Number, b.Number)
		other := d.register(t, "email", at("2026-11-19 10:18"), 0)
		checkUrgency(t, d, "other", a.Number, b.Number, other.Number)

		d.clock.Set(at("2026-11-19 10:40"))
		d.act(t, other.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		d.act(t, other.IncidentID, journal.TransitionInput{Action: journal.ActRequestInfo, Note: "screenshot please"})
		checkUrgency(t, d, "paused", a.Number, b.Number, other.Number)

		// the Q30 notices (60 working minutes) warn at 10:53 and breach after 11:05
		d.clock.Set(at("2026-11-19 10:54"))
		if n := d.tick(t); n == 0 {
			t.Fatal("no warning raised at 10:54")
		}
		checkUrgency(t, d, "warned", a.Number, b.Number, other.Number)
		if u := storedUrgency(t, d, a.Number); u.State != "warned" {
			t.Errorf("after the Q30 warning the appeal says %q", u.State)
		}
		d.clock.Set(at("2026-11-19 11:06"))
		if n := d.tick(t); n == 0 {
			t.Fatal("no breach raised at 11:06")
		}
		checkUrgency(t, d, "breached", a.Number, b.Number, other.Number)
		if u := storedUrgency(t, d, a.Number); u.State != "breached" {
			t.Errorf("after the Q30 breach the appeal says %q", u.State)
		}

		d.act(t, other.IncidentID, journal.TransitionInput{Action: journal.ActResume})
		checkUrgency(t, d, "resumed", a.Number, b.Number, other.Number)
		if _, err := d.c.Extend(ctx, audit.System, other.IncidentID, "analysis",
			clocks.Extension{Days: 2, Basis: "письмо уполномоченного органа"}); err != nil {
			t.Fatal(err)
		}
		checkUrgency(t, d, "extended", a.Number, b.Number, other.Number)

		if _, err := d.j.Merge(ctx, staff, other.Number, a.IncidentID); err != nil {
			t.Fatal(err)
		}
		checkUrgency(t, d, "merged", a.Number, b.Number, other.Number)

		d.clock.Set(at("2026-11-19 11:30"))
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActRefute, Note: "не сбой: ошибка пользователя"})
		// the views count a deadline passed at now as breached; the row
		// follows the stored clocks, which the scheduler's scan breaches
		d.tick(t)
		checkUrgency(t, d, "refuted", a.Number, b.Number, other.Number)
	})
}

// On PostgreSQL the urgency triggers compute the rule in PL/pgSQL (0035,
// issue 15: registration CPU) rather than by calling appeal_urgency, the
// rule's one written statement, which is parsed and planned again on every
// call. They must still agree with it on every appeal after every kind of
// clock event, and a refresh that changes nothing must leave the appeal's
// row alone (a new row version costs an entry in each of its indexes).
func TestUrgencyTriggersMatchRule(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("PostgreSQL's trigger functions; SQLite keeps urgency with its own triggers (TestUrgencyFollowsTheClocks)")
		}
		ctx := context.Background()
		d := newDesk(t, db, at("2026-11-19 10:05"))
		agree := func(step string) {
			t.Helper()
			rows, err := db.R.QueryContext(ctx, `SELECT a.number, a.urgent_at = u.urgent_at AND a.urgent_state = u.urgent_state, u.urgent_state
				FROM appeals a CROSS JOIN LATERAL appeal_urgency(a.incident_id, a.number) u ORDER BY a.id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var num, state string
				var same bool
				if err := rows.Scan(&num, &same, &state); err != nil {
					t.Fatal(err)
				}
				if !same {
					t.Errorf("%s: appeal %s's stored urgency differs from appeal_urgency (%q)", step, num, state)
				}
				n++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatalf("%s: no appeals", step)
			}
		}
		version := func(number string) string {
			t.Helper()
			var v string
			if err := db.R.QueryRowContext(ctx, `SELECT ctid::text || '/' || xmin::text FROM appeals WHERE number = $1`, number).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		a := d.register(t, "email", at("2026-11-19 10:00"), 0)
		agree("registered")
		d.clock.Set(at("2026-11-19 10:10"))
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		agree("analyse")
		d.clock.Set(at("2026-11-19 10:20"))
		b := d.register(t, "phone", at("2026-11-19 10:15"), a.IncidentID)
		other := d.register(t, "email", at("2026-11-19 10:18"), 0)
		agree("attached")
		d.clock.Set(at("2026-11-19 10:40"))
		d.act(t, other.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		d.act(t, other.IncidentID, journal.TransitionInput{Action: journal.ActRequestInfo, Note: "screenshot please"})
		agree("paused")
		d.clock.Set(at("2026-11-19 10:54"))
		d.tick(t)
		agree("warned")
		d.clock.Set(at("2026-11-19 11:06"))
		d.tick(t)
		agree("breached")
		d.act(t, other.IncidentID, journal.TransitionInput{Action: journal.ActResume})
		agree("resumed")
		if _, err := d.j.Merge(ctx, staff, other.Number, a.IncidentID); err != nil {
			t.Fatal(err)
		}
		agree("merged")

		// A refresh with nothing to change, for the appeal and for its whole
		// incident, writes no new row version.
		before := map[string]string{a.Number: version(a.Number), b.Number: version(b.Number)}
		for _, num := range []string{a.Number, ""} {
			if _, err := db.W.ExecContext(ctx, `SELECT appeals_urgency_refresh($1, $2)`, a.IncidentID, num); err != nil {
				t.Fatal(err)
			}
		}
		for num, v := range before {
			if got := version(num); got != v {
				t.Errorf("a refresh that changes nothing rewrote appeal %s (%s → %s)", num, v, got)
			}
		}
		// A change does write, and still agrees.
		if _, err := db.W.ExecContext(ctx, `UPDATE appeals SET urgent_state = 'stale' WHERE number = $1`, b.Number); err != nil {
			t.Fatal(err)
		}
		if _, err := db.W.ExecContext(ctx, `SELECT appeals_urgency_refresh($1, '')`, a.IncidentID); err != nil {
			t.Fatal(err)
		}
		agree("refreshed")
	})
}
