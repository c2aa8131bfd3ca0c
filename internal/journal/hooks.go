package journal

import (
	"context"
	"database/sql"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

// Hooks let other features act inside the transaction of a Journal event
// (start clocks, enqueue notifications), so what they write commits or rolls
// back with the event itself. A hook error fails the event.
type Hooks interface {
	// AppealRegistered runs after an appeal and (when new) its incident are
	// inserted.
	AppealRegistered(ctx context.Context, tx HookTx, a Appeal, newIncident bool) error
	// IncidentChanged runs after a transition (action is the transition) or
	// a merge (action "merge"; after is the target incident).
	IncidentChanged(ctx context.Context, tx HookTx, action Action, by audit.Actor, before, after Incident) error
}

// HookTx is the event's transaction. Audit records must go through Audit:
// registrations share one audit chain per batch, and a second writer of the
// chain head in the same transaction would fork it.
type HookTx struct {
	*sql.Tx
	Dialect store.Dialect
	Now     time.Time
	Audit   func(ctx context.Context, a audit.Actor, e audit.Entry) error
}

// ActMerge is the action IncidentChanged reports for a merge.
const ActMerge Action = "merge"

// AddHooks registers h; call before serving.
func (s *Service) AddHooks(h Hooks) { s.hooks = append(s.hooks, h) }
