package journal_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// The listing filters by the incident's state and criticality through the
// appeal's own copy (0010_journal_listing): the copy follows transitions,
// merges and appeals attached later, on both backends.
func TestListStateFollowsIncident(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC))
		recv := c.Now().Add(-time.Minute)
		a1 := mustRegister(t, s, appeal("первое", recv))
		a2 := mustRegister(t, s, appeal("второе", recv))
		list := func(f journal.Filter) []string {
			t.Helper()
			p, err := s.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range p.Rows {
				out = append(out, r.Number)
			}
			return out
		}
		if got := list(journal.Filter{State: "registered"}); !slices.Equal(got, []string{a2.Number, a1.Number}) {
			t.Fatalf("registered: %v", got)
		}
		if _, err := s.Transition(ctx, operator.Actor, a1.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, operator.Actor, a1.IncidentID, journal.TransitionInput{Action: journal.ActConfirm,
			Criticality: "high", Cause: "third_party_outage", FailureStartedAt: &recv}); err != nil {
			t.Fatal(err)
		}
		if got := list(journal.Filter{State: "confirmed"}); !slices.Equal(got, []string{a1.Number}) {
			t.Fatalf("confirmed after the transition: %v", got)
		}
		if got := list(journal.Filter{Criticality: "high"}); !slices.Equal(got, []string{a1.Number}) {
			t.Fatalf("high: %v", got)
		}
		// merged into the confirmed incident: the moved appeal takes its state
		if _, err := s.Merge(ctx, operator.Actor, a2.Number, a1.IncidentID); err != nil {
			t.Fatal(err)
		}
		if got := list(journal.Filter{State: "confirmed", Criticality: "high"}); !slices.Equal(got, []string{a2.Number, a1.Number}) {
			t.Fatalf("confirmed after the merge: %v", got)
		}
		if got := list(journal.Filter{State: "registered"}); len(got) != 0 {
			t.Fatalf("registered after the merge: %v", got)
		}
		// attached at registration: the incident's state at once
		n := appeal("третье", recv)
		n.IncidentID = a1.IncidentID
		a3 := mustRegister(t, s, n)
		if got := list(journal.Filter{State: "confirmed"}); !slices.Equal(got, []string{a3.Number, a2.Number, a1.Number}) {
			t.Fatalf("attached appeal: %v", got)
		}
		// a period pages along registered_at, by the same cursor
		c.Add(time.Hour)
		a4 := mustRegister(t, s, appeal("четвертое", recv))
		from := c.Now().Add(-2 * time.Hour)
		p, err := s.List(ctx, journal.Filter{From: from, Limit: 2})
		if err != nil || len(p.Rows) != 2 || p.Rows[0].Number != a4.Number || p.Rows[1].Number != a3.Number || p.Next == "" {
			t.Fatalf("first page of the period: %+v %v", p, err)
		}
		p, err = s.List(ctx, journal.Filter{From: from, Limit: 2, After: p.Next})
		if err != nil || len(p.Rows) != 2 || p.Rows[0].Number != a2.Number || p.Rows[1].Number != a1.Number || p.Next != "" {
			t.Fatalf("second page of the period: %+v %v", p, err)
		}
		if got := list(journal.Filter{From: c.Now().Add(time.Hour)}); len(got) != 0 {
			t.Fatalf("a period with no appeal: %v", got)
		}
	})
}

// The console's counts name the open states in SQL (to read only them
// from incidents_state): exactly journal.OpenStates, never closed or merged.
func TestCountOpenNamesTheOpenStates(t *testing.T) {
	for _, s := range journal.OpenStates {
		if !strings.Contains(journal.Q.CountOpenByState, "'"+string(s)+"'") {
			t.Errorf("count-open-by-state leaves out %s", s)
		}
	}
	for _, s := range []journal.State{journal.Closed, journal.Merged} {
		if strings.Contains(journal.Q.CountOpenByState, "'"+string(s)+"'") {
			t.Errorf("count-open-by-state counts %s", s)
		}
	}
}

// The queue's counts are kept for a second (issue 10: counting on every
// page was a tenth of it at 1M appeals), but a registration, a transition
// or a merge through the Service shows on the next count; a change made
// behind its back (another desk on the database) shows once the second
// has passed. Both backends.
func TestCountOpenKeptAndDropped(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC))
		count := func() map[journal.State]int {
			t.Helper()
			m, err := s.CountOpen(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		if m := count(); len(m) != 0 {
			t.Fatalf("an empty Journal counts %v", m)
		}
		recv := c.Now().Add(-time.Minute)
		a1 := mustRegister(t, s, appeal("первое", recv))
		a2 := mustRegister(t, s, appeal("второе", recv))
		if m := count(); m[journal.Registered] != 2 {
			t.Fatalf("after two registrations: %v", m)
		}
		if _, err := s.Transition(ctx, operator.Actor, a1.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse}); err != nil {
			t.Fatal(err)
		}
		if m := count(); m[journal.Registered] != 1 || m[journal.Analysing] != 1 {
			t.Fatalf("after a transition: %v", m)
		}
		if _, err := s.Merge(ctx, operator.Actor, a2.Number, a1.IncidentID); err != nil {
			t.Fatal(err)
		}
		if m := count(); m[journal.Registered] != 0 || m[journal.Analysing] != 1 {
			t.Fatalf("after a merge: %v", m)
		}
		// another desk's change: not seen within the second, seen after it
		if _, err := db.W.ExecContext(ctx, "UPDATE incidents SET state = 'fixing' WHERE id = $1", a1.IncidentID); err != nil {
			t.Fatal(err)
		}
		if m := count(); m[journal.Analysing] != 1 {
			t.Fatalf("kept counts changed without a change through the Service: %v", m)
		}
		c.Add(time.Second)
		if m := count(); m[journal.Analysing] != 0 || m[journal.Fixing] != 1 {
			t.Fatalf("a second later: %v", m)
		}
	})
}

// The authorized body's list above the queue (Q47) checks a word on each of
// its few appeals instead of listing the word's matches first (issue 10):
// the same rows either way. Both backends.
func TestUrgentAuthorityListSearch(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC))
		recv := c.Now().Add(-time.Minute)
		auth := appeal("Договор не подписывается", recv)
		auth.Channel = "authority"
		a := mustRegister(t, s, auth)
		mustRegister(t, s, appeal("Договор не подписывается", recv))
		other := appeal("Аукцион остановился", recv)
		other.Channel = "authority"
		mustRegister(t, s, other)
		for q, want := range map[string][]string{"догов": {a.Number}, "аукцион договор": nil, "раунд": nil} {
			p, err := s.List(ctx, journal.Filter{Open: true, Urgent: true, Channel: "authority", Query: q})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range p.Rows {
				got = append(got, r.Number)
			}
			if !slices.Equal(got, want) {
				t.Errorf("authority, q=%q: %v, want %v", q, got, want)
			}
		}
	})
}
