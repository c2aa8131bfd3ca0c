package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

// batcher is a group commit for registrations. With synchronous=FULL one
// SQLite commit costs an fsync (~0.4 ms here), so committing each appeal
// alone caps the desk near 2,000 appeals/s; registrations that arrive while
// a commit is in flight share the next one instead. Each appeal runs in its
// own savepoint, so one failing appeal does not fail its neighbours, and
// every caller is answered only after the shared commit.
type batcher struct {
	s       *Service
	in      chan *pending
	max     int
	quit    chan struct{}
	done    sync.WaitGroup
	closeMu sync.Once
	// groups committed through the pipeline, and groups rerun appeal by
	// appeal after a failure (tests read them)
	groups, retries atomic.Int64
	// owned by the loop goroutine
	stmts map[string]*sql.Stmt
	audit *audit.Stmts
}

type pending struct {
	caller  Caller
	appeal  NewAppeal
	idemKey string
	reqHash string
	res     chan result
}

type result struct {
	reg Registration
	err error
}

var errClosed = apperr.New(apperr.Internal, "the journal is shutting down; retry")

func newBatcher(s *Service, max int) *batcher {
	b := &batcher{s: s, in: make(chan *pending, 4*max), max: max, quit: make(chan struct{})}
	b.done.Add(1)
	go b.loop()
	return b
}

func (b *batcher) submit(ctx context.Context, p *pending) (Registration, error) {
	p.res = make(chan result, 1)
	select {
	case b.in <- p:
	case <-b.quit:
		return Registration{}, errClosed
	case <-ctx.Done():
		return Registration{}, ctx.Err()
	}
	// Once queued, wait for the outcome even if the caller gives up: the
	// commit may still happen, and the answer must not claim otherwise.
	r := <-p.res
	return r.reg, r.err
}

func (b *batcher) loop() {
	defer b.done.Done()
	for {
		var first *pending
		select {
		case first = <-b.in:
		case <-b.quit:
			// Answer what is still queued, then stop.
			for {
				select {
				case p := <-b.in:
					b.run([]*pending{p})
				default:
					return
				}
			}
		}
		batch := []*pending{first}
	fill:
		for len(batch) < b.max {
			select {
			case p := <-b.in:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		b.run(batch)
	}
}

// hot are the statements every registration runs, prepared once on the
// write pool (parsing them again for every appeal cost a fifth of the
// writer's time on SQLite).
var hot = map[string]string{"lock-number": Q.LockNumber, "set-number": Q.SetNumber, "lock-incident-number": Q.LockIncidentNumber,
	"set-incident-number": Q.SetIncidentNumber, "insert-incident": Q.InsertIncident, "insert-appeal": Q.InsertAppeal,
	"savepoint": Q.Savepoint, "release-savepoint": Q.ReleaseSavepoint, "rollback-to-savepoint": Q.RollbackToSavepoint}

// hotPostgres are the pipelined group's own inserts (ids reserved up front).
var hotPostgres = map[string]string{"reserve-ids": Q.ReserveIdsPostgres, "insert-incident-id": Q.InsertIncidentID, "insert-appeal-id": Q.InsertAppealID}

// prepare readies the writer's statements; it runs outside any
// transaction (on SQLite the write pool is one connection).
func (b *batcher) prepare(ctx context.Context) error {
	if b.stmts != nil {
		return nil
	}
	st := map[string]*sql.Stmt{}
	all := maps.Clone(hot)
	if b.s.DB.Dialect == store.Postgres {
		maps.Copy(all, hotPostgres)
	}
	for name, sql := range all {
		p, err := b.s.DB.W.PrepareContext(ctx, sql)
		if err != nil {
			for _, p := range st {
				p.Close()
			}
			return fmt.Errorf("prepare %s: %w", name, err)
		}
		st[name] = p
	}
	if b.s.DB.Dialect == store.SQLite {
		p, err := b.s.DB.W.PrepareContext(ctx, Q.FTSIndexSQLite)
		if err != nil {
			for _, p := range st {
				p.Close()
			}
			return fmt.Errorf("prepare fts-index-sqlite: %w", err)
		}
		st["fts-index-sqlite"] = p
	}
	a, err := audit.Prepare(ctx, b.s.DB.W, b.s.DB.Dialect)
	if err != nil {
		for _, p := range st {
			p.Close()
		}
		return err
	}
	b.stmts, b.audit = st, a
	return nil
}

// batchTx is the shared transaction of one batch.
type batchTx struct {
	*sql.Tx
	stmts map[string]*sql.Stmt
	chain *audit.Chain
	// firstAppeal is the id of the batch's first appeal; on SQLite the
	// appeals from it on are indexed for full text in one statement.
	firstAppeal int64
	// numbers and incidentNumbers hand out the group's numbers.
	numbers, incidentNumbers *counter
	// pipe defers the group's Execs on PostgreSQL (nil otherwise, and
	// when the group runs appeal by appeal); ids are the appeal and
	// incident ids reserved for it, one pair per appeal.
	pipe *store.Pipeline
	ids  [][2]int64
}

// peekReserved is the next reserved (appeal, incident) id pair; ok is
// false without a pipeline (the inserts then use RETURNING).
func (t *batchTx) peekReserved() (ids [2]int64, ok bool) {
	if t.pipe == nil || len(t.ids) == 0 {
		return ids, false
	}
	return t.ids[0], true
}

// reserved takes the next reserved id pair.
func (t *batchTx) reserved() (ids [2]int64, ok bool) {
	if ids, ok = t.peekReserved(); ok {
		t.ids = t.ids[1:]
	}
	return ids, ok
}

// stmt binds a prepared statement to the batch's transaction.
func (t *batchTx) stmt(ctx context.Context, name string) *sql.Stmt {
	return t.StmtContext(ctx, t.stmts[name])
}

func (t *batchTx) exec(ctx context.Context, name string) error {
	_, err := t.stmt(ctx, name).ExecContext(ctx)
	return err
}

// run registers a batch in one transaction. The fast path runs the appeals
// one after another without savepoints: a savepoint per appeal is not free
// (FTS5 flushes its pending index at every RELEASE). Should any appeal fail,
// the batch is rolled back and run again with a savepoint per appeal, so
// the failing one is answered with its error and the others still commit.
func (b *batcher) run(batch []*pending) {
	ctx := context.Background()
	if err := b.prepare(ctx); err != nil {
		b.fail(batch, apperr.Wrap(err, "prepare"))
		return
	}
	// On PostgreSQL the fast path pays even for one appeal: pipelined, it
	// is a few round trips instead of one per statement.
	if len(batch) > 1 || b.s.DB.Dialect == store.Postgres {
		out, failed, err := b.attempt(ctx, batch, false)
		if err != nil {
			b.fail(batch, err)
			return
		}
		if !failed {
			b.answer(batch, out)
			return
		}
		b.retries.Add(1)
	}
	out, _, err := b.attempt(ctx, batch, true)
	if err != nil {
		b.fail(batch, err)
		return
	}
	b.answer(batch, out)
}

// attempt runs batch in one transaction. Without savepoints it gives up at
// the first appeal that fails (failed: true, nothing committed); with
// savepoints a failing appeal is rolled back alone. err is a failure of the
// whole transaction.
func (b *batcher) attempt(ctx context.Context, batch []*pending, savepoints bool) (out []result, failed bool, err error) {
	out = make([]result, len(batch))
	tx, err := b.s.DB.W.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, apperr.Wrap(err, "begin")
	}
	abort := func(err error, msg string) ([]result, bool, error) {
		_ = tx.Rollback()
		return nil, false, apperr.Wrap(err, msg)
	}
	t := &batchTx{Tx: tx, stmts: b.stmts, numbers: newCounter("lock-number", "set-number"),
		incidentNumbers: newCounter("lock-incident-number", "set-incident-number")}
	// The audit head is locked and read once per batch, and written once.
	if t.chain, err = audit.Begin(ctx, tx, b.s.DB.Dialect, b.audit); err != nil {
		return abort(err, "audit head")
	}
	if b.s.DB.Dialect == store.Postgres && !savepoints {
		// Everything the group writes from here on (its own rows and
		// the hooks') goes out in as few round trips as the queries
		// among it allow; an error shows at a flush and sends the group
		// round again appeal by appeal, unpipelined.
		if t.ids, err = reserveIDs(ctx, t, len(batch)); err != nil {
			return abort(err, "reserve ids")
		}
		t.pipe = &store.Pipeline{}
		ctx = store.WithPipeline(ctx, t.pipe)
	}
	for i, p := range batch {
		if savepoints {
			if err := t.exec(ctx, "savepoint"); err != nil {
				return abort(err, "savepoint")
			}
			t.chain.Mark()
			t.numbers.mark()
			t.incidentNumbers.mark()
		}
		reg, err := b.s.registerTx(ctx, t, p, b.s.Now().UTC())
		if err != nil && !savepoints {
			_ = tx.Rollback()
			return nil, true, nil
		}
		if err != nil {
			t.chain.Reset()
			t.numbers.reset()
			t.incidentNumbers.reset()
			if rerr := t.exec(ctx, "rollback-to-savepoint"); rerr != nil {
				return abort(errors.Join(err, rerr), "rollback to savepoint")
			}
		}
		if savepoints {
			if rerr := t.exec(ctx, "release-savepoint"); rerr != nil {
				return abort(rerr, "release savepoint")
			}
		}
		out[i] = result{reg, err}
	}
	if t.firstAppeal != 0 && b.s.DB.Dialect == store.SQLite {
		if _, err := t.stmt(ctx, "fts-index-sqlite").ExecContext(ctx, t.firstAppeal); err != nil {
			return abort(err, "full-text index")
		}
	}
	if err := t.numbers.save(ctx, t); err != nil {
		return abort(err, "number")
	}
	if err := t.incidentNumbers.save(ctx, t); err != nil {
		return abort(err, "incident number")
	}
	if err := t.chain.Save(ctx); err != nil {
		return abort(err, "audit head")
	}
	if t.pipe != nil {
		if err := t.pipe.Flush(ctx); err != nil {
			// A deferred statement of some appeal failed: find which,
			// appeal by appeal.
			_ = tx.Rollback()
			return nil, true, nil
		}
		b.groups.Add(1)
	}
	if err := tx.Commit(); err != nil {
		return nil, false, apperr.Wrap(err, "commit")
	}
	b.s.countsChanged() // new incidents: the queue's counts
	return out, false, nil
}

// answer tells each caller its outcome, after the commit.
func (b *batcher) answer(batch []*pending, out []result) {
	for i, p := range batch {
		if out[i].err == nil {
			b.s.metrics.registered(len(batch))
		}
		p.res <- out[i]
	}
}

func (b *batcher) fail(batch []*pending, err error) {
	for _, p := range batch {
		p.res <- result{err: err}
	}
}

func (b *batcher) close() {
	b.closeMu.Do(func() { close(b.quit) })
	b.done.Wait()
	for _, p := range b.stmts {
		p.Close()
	}
	if b.audit != nil {
		b.audit.Close()
	}
}

// reserveIDs takes n appeal ids and n incident ids from their sequences in
// one round trip (PostgreSQL).
func reserveIDs(ctx context.Context, t *batchTx, n int) ([][2]int64, error) {
	rows, err := t.stmt(ctx, "reserve-ids").QueryContext(ctx, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([][2]int64, 0, n)
	for rows.Next() {
		var p [2]int64
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		ids = append(ids, p)
	}
	return ids, rows.Err()
}
