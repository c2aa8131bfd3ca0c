// Package cluster lets several desk processes share one PostgreSQL (issue
// 15): a background worker that must run once in the whole desk runs under
// Lead (a session-level advisory lock on a dedicated connection, taken over
// by another process within seconds of the holder's death); a short section
// that must not run in two processes at once takes Lock; live console
// events travel by NOTIFY and Listen. On SQLite (one process) Lead runs the
// worker directly, Lock is a no-op and there is nothing to listen to.
package cluster

import (
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"errors"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are the package's named statements (checked at boot by the wiring).
var Queries = store.MustParse(queriesSQL)

// Poll is how often a waiting process tries the lock and a leader checks
// its connection: a leader cut off from the database stops within about
// 2×Poll (a tick, then a ping that times out), so a new leader, once it
// holds the lock, waits takeoverGrace before it runs: never two at once.
var Poll = time.Second

// takeoverGrace is 2×Poll of detection plus one Poll for the old leader's
// work to return after it is cancelled.
func takeoverGrace() time.Duration { return 3 * Poll }

// Key is the advisory-lock key of a name in a desk. Advisory locks and
// NOTIFY channels are per database, not per schema: desks in two schemas of
// one database (the tests do that) must not share leaders or events, so the
// desk's namespace (its search_path) is part of the key and of every event.
func Key(db *store.DB, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("tenderdesk:" + namespace(db) + ":" + name))
	return int64(h.Sum64())
}

var namespaces sync.Map // *store.DB → string

func namespace(db *store.DB) string {
	if ns, ok := namespaces.Load(db); ok {
		return ns.(string)
	}
	ns := ""
	if cfg, err := pgx.ParseConfig(db.DSN()); err == nil {
		ns = cfg.RuntimeParams["search_path"]
	}
	namespaces.Store(db, ns)
	return ns
}

// Lead runs fn while this process holds the leadership called name, until
// ctx ends. When the connection holding it fails, fn's context is cancelled,
// fn is waited for, and the process competes again. fn returning by itself
// ends Lead. On SQLite fn simply runs.
func Lead(ctx context.Context, db *store.DB, name string, log *slog.Logger, fn func(context.Context)) {
	if db.Dialect != store.Postgres {
		fn(ctx)
		return
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("leader", name)
	for ctx.Err() == nil {
		finished, err := lead(ctx, db, Key(db, name), log, fn)
		if finished {
			return
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("leadership connection lost; competing again", "error", err.Error())
		}
		sleep(ctx, Poll)
	}
}

// lead holds one connection: waits for the lock, runs fn while the
// connection answers. finished: fn returned by itself or ctx ended.
func lead(ctx context.Context, db *store.DB, key int64, log *slog.Logger, fn func(context.Context)) (finished bool, err error) {
	conn, err := connect(ctx, db)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for {
		var got bool
		if err := conn.QueryRow(ctx, Q.TryLockPostgres, key).Scan(&got); err != nil {
			return ctx.Err() != nil, err
		}
		if got {
			break
		}
		if !sleep(ctx, Poll) {
			return true, nil
		}
	}
	// The lock was free: its last holder ended or lost its session, and
	// one that lost it may not know yet (it pings every Poll).
	if !sleep(ctx, takeoverGrace()) {
		return true, nil
	}
	log.Info("leading")
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() { defer close(done); fn(fctx) }()
	t := time.NewTicker(Poll)
	defer t.Stop()
	for {
		select {
		case <-done:
			return true, nil
		case <-ctx.Done():
			<-done
			return true, nil
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, Poll)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				// The lock may be gone with the session: another process may
				// lead now, so this one stops before competing again.
				stop()
				<-done
				return false, err
			}
		}
	}
}

// Lock takes the cross-process lock called name on a connection of the
// pool and returns its release. ctx bounds the wait. On SQLite it takes
// nothing (one process; callers keep their in-process mutex).
func Lock(ctx context.Context, db *store.DB, name string) (unlock func(), err error) {
	if db.Dialect != store.Postgres {
		return func() {}, nil
	}
	c, err := db.W.Conn(ctx)
	if err != nil {
		return nil, err
	}
	key := Key(db, name)
	if _, err := c.ExecContext(ctx, Q.LockPostgres, key); err != nil {
		c.Raw(func(any) error { return driver.ErrBadConn }) // the wait may have left the lock queued
		c.Close()
		return nil, err
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := c.ExecContext(uctx, Q.UnlockPostgres, key); err != nil {
			// never hand a connection still holding the lock back to the pool
			c.Raw(func(any) error { return driver.ErrBadConn })
		}
		c.Close()
	}, nil
}

// Execer is a transaction or a pool: where a NOTIFY is sent.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Notify sends payload to every process's Listen when ex's transaction
// commits (at once when ex is the pool). PostgreSQL only.
func Notify(ctx context.Context, db *store.DB, ex Execer, payload string) error {
	_, err := ex.ExecContext(ctx, Q.NotifyPostgres, namespace(db)+"\n"+payload)
	return err
}

// Listen hands every live event of the desk to fn until ctx ends, on a
// dedicated connection, reconnecting after a loss; up is told when the
// connection is listening (true) and when it is lost (false), so /readyz
// can say that events from other processes are not arriving. Events sent
// while it is lost are not replayed: the console's periodic refresh covers
// the gap.
func Listen(ctx context.Context, db *store.DB, log *slog.Logger, up func(bool), fn func(payload string)) {
	if db.Dialect != store.Postgres {
		return
	}
	for ctx.Err() == nil {
		err := listen(ctx, db, up, fn)
		if ctx.Err() != nil {
			return
		}
		up(false)
		if log != nil {
			log.Warn("live events: connection lost; reconnecting", "error", err.Error())
		}
		sleep(ctx, Poll)
	}
}

func listen(ctx context.Context, db *store.DB, up func(bool), fn func(string)) error {
	conn, err := connect(ctx, db)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, Q.ListenPostgres); err != nil {
		return err
	}
	up(true)
	for {
		// A bounded wait, then a ping: a connection cut off without a word
		// (no FIN) is noticed, not waited on forever.
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if ns, payload, ok := strings.Cut(n.Payload, "\n"); ok && ns == namespace(db) {
				fn(payload)
			}
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// connect opens a connection of its own (not the pool's: a held lock or a
// LISTEN must not take a slot from requests), bounded in time.
func connect(ctx context.Context, db *store.DB) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(db.DSN())
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	return pgx.ConnectConfig(ctx, cfg)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
