package app

import (
	"context"
	"database/sql"
	"sync/atomic"

	"tenderdesk/internal/cluster"
	"tenderdesk/internal/store"
)

// lead wraps a worker that must run in one desk process at a time: on
// PostgreSQL it runs while this process holds the worker's advisory lock,
// and another process takes over within seconds when the holder dies; on
// SQLite it simply runs (issue 15, docs/multiprocess.md).
func (a *App) lead(name string, w func(context.Context)) func(context.Context) {
	return func(ctx context.Context) { cluster.Lead(ctx, a.DB, name, a.Log, w) }
}

// openCluster makes live console events reach consoles connected to any
// desk process on PostgreSQL: the broker sends them by NOTIFY and a
// listener in each process feeds its broker back. While the listener is
// cut off, /readyz says so (the desk still serves; consoles refresh).
// Call after the console is built.
func (a *App) openCluster() {
	if a.DB.Dialect != store.Postgres {
		return
	}
	a.Console.Broker.Remote = func(ctx context.Context, tx *sql.Tx, payload string) error {
		if tx == nil {
			return cluster.Notify(ctx, a.DB, a.DB.W, payload)
		}
		return cluster.Notify(ctx, a.DB, tx, payload)
	}
	var up atomic.Bool
	a.workers = append(a.workers, func(ctx context.Context) {
		cluster.Listen(ctx, a.DB, a.Log.With("component", "live"), up.Store, a.Console.Broker.Receive)
	})
	warnings := a.Web.Warnings
	a.Web.Warnings = func() []string {
		ws := warnings()
		if !up.Load() {
			ws = append(ws, "live console updates from other desk processes are not arriving (the LISTEN connection to PostgreSQL is down; reconnecting)")
		}
		return ws
	}
}
