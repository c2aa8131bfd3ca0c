package monitor

import (
	"context"
	"database/sql"
	"testing"

	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Issue 14 (intake never loses an accepted alert): events stored but not
// applied when the desk died are applied by the next start's Run
// (ApplyPending), exactly once — a second pass, or an apply racing it,
// registers nothing more.
func TestStoredEventsSurviveACrashAndApplyOnce(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, mustTime("2026-11-20T04:15:00Z"))
		ctx := context.Background()
		evs := []*Event{
			{Source: SourceAlertmanager, Key: "am:1", Module: "Аукционы", Status: Firing, At: mustTime("2026-11-20T04:10:00Z"), Title: "AuctionDown"},
			{Source: SourceAlertmanager, Key: "am:2", Module: "Аукционы", Status: Firing, At: mustTime("2026-11-20T04:11:00Z"), Title: "AuctionDown"},
			{Source: SourceProbe, Key: "probe:9", Module: "Аукционы", Status: Firing, At: mustTime("2026-11-20T04:12:00Z"), Title: "503"},
		}
		// stored as Accept stores them; the process "dies" before applying
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return r.s.storeEvents(ctx, tx, evs) }); err != nil {
			t.Fatal(err)
		}
		if n := r.count("SELECT count(*) FROM appeals"); n != 0 {
			t.Fatalf("%d appeals before the restart", n)
		}
		after := newRig(t, db, r.clk.Now()) // the next start
		n, err := after.s.ApplyPending(ctx)
		if err != nil || n != 3 {
			t.Fatalf("applied %d, %v", n, err)
		}
		// the old process's apply of the same events (it had them in memory)
		plain := []Event{*evs[0], *evs[1], *evs[2]}
		if err := after.s.apply(ctx, plain); err != nil {
			t.Fatal(err)
		}
		if n, err := after.s.ApplyPending(ctx); err != nil || n != 0 {
			t.Fatalf("second pass applied %d, %v", n, err)
		}
		if n := r.count("SELECT count(*) FROM appeals"); n != 2 {
			t.Fatalf("%d appeals, want 2 (monitoring from Alertmanager and from the probe, one incident)", n)
		}
		if n := r.count("SELECT count(*) FROM incidents"); n != 1 {
			t.Fatalf("%d incidents", n)
		}
		if g := after.signals()["alertmanager/Аукционы"]; g.Count != 2 {
			t.Fatalf("signal %+v", g)
		}
	})
}
