package procurement_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// withdrawn reads the ExtensionsWithdrawn notices of a reverted plan: by
// address, each bidder's moves as "announcement lot kind told→restored".
func (e *env) withdrawn(t *testing.T, planID int64) (map[string][]string, map[string]templates.Data) {
	t.Helper()
	rows, err := e.db.R.Query("SELECT to_address, kind, data FROM outbox WHERE event = $1", events.PlanWithdrawn(planID))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	moves, data := map[string][]string{}, map[string]templates.Data{}
	for rows.Next() {
		var to, kind, raw string
		if err := rows.Scan(&to, &kind, &raw); err != nil {
			t.Fatal(err)
		}
		var d templates.Data
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			t.Fatal(err)
		}
		// A window's plan (number MW-N) names the works, an incident's
		// the failure (ext14c).
		want := templates.ExtensionsWithdrawn
		if strings.HasPrefix(d.Number, "MW-") {
			want = templates.MaintenanceWithdrawn
		}
		if kind != string(want) {
			t.Errorf("%s: kind %s, want %s", to, kind, want)
		}
		if _, dup := data[to]; dup {
			t.Errorf("two withdrawal notices to %s", to)
		}
		data[to] = d
		for _, x := range d.Extensions {
			moves[to] = append(moves[to], x.Announcement+" "+x.Lot+" "+x.DeadlineKind+" "+
				x.Old.In(almaty).Format("01-02 15:04")+"→"+x.New.In(almaty).Format("01-02 15:04"))
		}
		slices.Sort(moves[to])
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return moves, data
}

// Issue 14, "revert notifies": reverting an applied plan tells every bidder
// whose deadline moves back, once, naming announcement, lot, deadline kind,
// the date they were told and the date restored, and the reason. A delta
// plan's revert restores (and tells) the value of the plan before it.
func TestRevertNotifiesBidders(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.importAll(t, mirror())
		inc := e.confirmed(t)
		e.clk.Set(at("09:40").UTC())
		first, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator)
		if err != nil {
			t.Fatal(err)
		}
		// The fix an hour later than planned: a delta plan moves P1's bids once more.
		e.clk.Set(at("13:05").UTC())
		if _, err := e.j.Transition(ctx, operator, inc, journal.TransitionInput{Action: journal.ActStartFix}); err != nil {
			t.Fatal(err)
		}
		fixed := at("13:00")
		if _, err := e.j.Transition(ctx, operator, inc, journal.TransitionInput{Action: journal.ActFix, FixedAt: &fixed, Decision: "перезапуск"}); err != nil {
			t.Fatal(err)
		}
		delta, err := e.svc.Apply(ctx, inc, procurement.PlanRequest{}, operator)
		if err != nil || delta.PlanID == 0 {
			t.Fatalf("delta %+v %v", delta, err)
		}

		e.clk.Set(at("14:00").UTC())
		rec, err := e.svc.Revert(ctx, delta.PlanID, "время устранения указано ошибочно", admin)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := e.withdrawn(t, delta.PlanID)
		// Only P1's bids moved in the delta (13:00 → 14:00): its two bidders are told 14:00 → 13:00.
		want := map[string][]string{
			s1 + "@example.kz": {"A-P1 1 bid_acceptance 04-14 14:00→04-14 13:00"},
			s2 + "@example.kz": {"A-P1 1 bid_acceptance 04-14 14:00→04-14 13:00"},
		}
		if !equalMoves(got, want) || rec.Notifications != 2 {
			t.Errorf("delta revert told %v (result %d), want %v", got, rec.Notifications, want)
		}

		rec, err = e.svc.Revert(ctx, first.PlanID, "сбой не зависел от оператора", admin)
		if err != nil {
			t.Fatal(err)
		}
		got, data := e.withdrawn(t, first.PlanID)
		want = map[string][]string{
			s1 + "@example.kz": {"A-P1 1 bid_acceptance 04-14 13:00→04-14 10:00", "A-P1 1 contract_signing 04-15 11:00→04-14 11:00",
				"A-P4 1 auction_trading 04-15 11:00→04-14 11:00"},
			s2 + "@example.kz": {"A-P1 1 bid_acceptance 04-14 13:00→04-14 10:00", "A-P1 1 contract_signing 04-15 11:00→04-14 11:00"},
		}
		if !equalMoves(got, want) || rec.Notifications != 2 {
			t.Errorf("revert told\n%v (result %d)\nwant\n%v", got, rec.Notifications, want)
		}
		// The message itself, in the bidder's language (kk) and the portal's time.
		d := data[s1+"@example.kz"]
		subj, text, _, err := templates.Render(templates.ExtensionsWithdrawn, "kk", d)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"[" + d.Number + "]", "A-P1", "лот № 1", "14.04.2026 10:00 (UTC+5)", "14.04.2026 13:00 (UTC+5)",
			"сбой не зависел от оператора", "A-P4"} {
			if !strings.Contains(subj+"\n"+text, s) {
				t.Errorf("kk message lacks %q:\n%s\n%s", s, subj, text)
			}
		}
		_, ru, _, _ := templates.Render(templates.ExtensionsWithdrawn, "ru", d)
		if !strings.Contains(ru, "Продление сроков") || !strings.Contains(ru, "Причина отмены: сбой не зависел от оператора") {
			t.Errorf("ru message:\n%s", ru)
		}
	})
}

func equalMoves(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
