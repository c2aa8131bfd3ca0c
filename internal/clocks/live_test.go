package clocks_test

import (
	"context"
	"testing"
	"time"

	"tenderdesk/internal/clocks"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// The scheduler wakes when the soonest running clock falls due, not a
// whole tick later (issue 10: a warning or breach on every console within
// a second), and tells OnFired of what it raised after the commit.
func TestSchedulerWakesWhenAClockFallsDue(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		a := d.register(t, "email", at("2026-11-19 10:00"), 0)
		warn := d.clocks(t, a.IncidentID)["incident_id_notice/"+a.Number].WarnAt
		// the desk's clock stands 200 ms of real time before the warning
		start := time.Now()
		now := func() time.Time { return warn.Add(-200 * time.Millisecond).Add(time.Since(start)) }
		s := clocks.New(db, now, nil, clocks.Config{Tick: time.Hour, OnTick: func(int, error) {}})
		fired := make(chan clocks.Fired, 4)
		s.OnFired(func(f clocks.Fired) { fired <- f })
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		defer func() { stop(); <-done }()
		select {
		case f := <-fired:
			if f.Breach || f.Clock != "incident_id_notice" || f.Appeal != a.Number || f.IncidentID != a.IncidentID {
				t.Errorf("fired %+v, want the Q30 warning of %s", f, a.Number)
			}
		case <-time.After(time.Minute): // the tick is an hour: only the early wake raises it
			t.Fatal("the warning was not raised before the hour's tick")
		}
	})
}
