package monitor

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

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
		var before int // read as it is: count() would apply the pending events
		if err := db.R.QueryRow("SELECT count(*) FROM appeals").Scan(&before); err != nil || before != 0 {
			t.Fatalf("%d appeals before the restart (%v)", before, err)
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

// Issue 14 (a webhook's latency): Accept answers once the events are
// stored, not once they are applied — with the apply held (its lock taken
// here, as a long registration would), a webhook's events are still stored
// and acknowledged; the apply loop applies them after, in order and once,
// with nobody calling Settle.
func TestAcceptAnswersOnceStoredAndAppliesBehind(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, mustTime("2026-11-20T04:15:00Z"))
		ctx := context.Background()
		mk := func(key string, min int) []Event {
			return []Event{{Source: SourceAlertmanager, Key: key, Module: "Аукционы", Status: Firing, At: mustTime("2026-11-20T04:10:00Z").Add(time.Duration(min) * time.Minute), Title: "AuctionDown"}}
		}
		r.s.mu.Lock() // the apply cannot run
		for i := range 3 {
			if err := r.s.Accept(ctx, mk("am:"+strconv.Itoa(i), i)); err != nil {
				r.s.mu.Unlock()
				t.Fatal(err)
			}
		}
		var stored, pending, appeals int
		db.R.QueryRow("SELECT count(*), count(*) - count(processed_at) FROM intake_events").Scan(&stored, &pending)
		db.R.QueryRow("SELECT count(*) FROM appeals").Scan(&appeals)
		r.s.mu.Unlock()
		if stored != 3 || pending != 3 || appeals != 0 {
			t.Fatalf("with the apply held: %d stored, %d pending, %d appeals; want 3 acknowledged and stored, none applied", stored, pending, appeals)
		}
		deadline := time.Now().Add(30 * time.Second)
		for pending > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			db.R.QueryRow("SELECT count(*) - count(processed_at) FROM intake_events").Scan(&pending)
		}
		if pending != 0 {
			t.Fatalf("the apply loop left %d events pending", pending)
		}
		var outcomes []string
		rows, err := db.R.Query("SELECT outcome FROM intake_events ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var o string
			rows.Scan(&o)
			outcomes = append(outcomes, o)
		}
		rows.Close()
		if strings.Join(outcomes, ",") != "opened,counted,counted" {
			t.Fatalf("applied in order and once: %v", outcomes)
		}
		if g := r.signals()["alertmanager/Аукционы"]; g.Count != 3 {
			t.Fatalf("signal %+v", g)
		}
	})
}
