package clocks

import (
	"context"
	"sync/atomic"
	"time"

	"tenderdesk/internal/store"
)

// Fired is a warning or a breach the scheduler raised, told after its
// transaction committed (issue 10: the console shows it live).
type Fired struct {
	IncidentID int64
	Appeal     string // "" for the incident's own clock
	Clock      string
	Breach     bool // false: the warning before the breach
	Deadline   time.Time
}

type firedFunc = func(Fired)

// OnFired has fn told of every warning and breach this node's scheduler
// raises, once committed; fn must not block (the console's broker drops
// what a slow console cannot take). Set it before Run.
func (s *Service) OnFired(fn func(Fired)) { s.onFired.Store(&fn) }

// fired is the pending call telling the OnFired listener of r's event.
func (s *Service) fired(r *row, breach bool) func() {
	e := Fired{IncidentID: r.IncidentID, Appeal: r.Appeal, Clock: r.Clock, Breach: breach, Deadline: r.Deadline}
	return func() {
		if fn := s.onFired.Load(); fn != nil {
			(*fn)(e)
		}
	}
}

// listener is where OnFired keeps its function (a field of Service).
type listener = atomic.Pointer[firedFunc]

// nextDue is the soonest next look of a running clock (clocks_due), so the
// scheduler wakes when a warning or breach falls due instead of up to a
// whole tick later.
func (s *Service) nextDue(ctx context.Context) (time.Time, bool) {
	var t store.Time
	if err := s.DB.R.QueryRowContext(ctx, Q.NextDue).Scan(&t); err != nil || t.IsZero() {
		return time.Time{}, false
	}
	return t.Time, true
}

// wait is how long Run sleeps after a scan: the tick, or less when a clock
// falls due sooner (just after its next look: the due scan is strict).
func (s *Service) wait(ctx context.Context) time.Duration {
	d := s.cfg.Tick
	if next, ok := s.nextDue(ctx); ok {
		if until := next.Sub(s.Now()) + time.Millisecond; until < d {
			d = max(until, 10*time.Millisecond)
		}
	}
	return d
}
