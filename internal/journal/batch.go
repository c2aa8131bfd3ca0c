package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

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
var hot = map[string]string{"next-number": Q.NextNumber, "next-incident-number": Q.NextIncidentNumber, "insert-incident": Q.InsertIncident, "insert-appeal": Q.InsertAppeal,
	"savepoint": Q.Savepoint, "release-savepoint": Q.ReleaseSavepoint, "rollback-to-savepoint": Q.RollbackToSavepoint}

// prepare readies the writer's statements; it runs outside any
// transaction (on SQLite the write pool is one connection).
func (b *batcher) prepare(ctx context.Context) error {
	if b.stmts != nil {
		return nil
	}
	st := map[string]*sql.Stmt{}
	for name, sql := range hot {
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
	if len(batch) > 1 {
		out, failed, err := b.attempt(ctx, batch, false)
		if err != nil {
			b.fail(batch, err)
			return
		}
		if !failed {
			b.answer(batch, out)
			return
		}
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
	t := &batchTx{Tx: tx, stmts: b.stmts}
	// The audit head is locked and read once per batch, and written once.
	if t.chain, err = audit.Begin(ctx, tx, b.s.DB.Dialect, b.audit); err != nil {
		return abort(err, "audit head")
	}
	for i, p := range batch {
		if savepoints {
			if err := t.exec(ctx, "savepoint"); err != nil {
				return abort(err, "savepoint")
			}
			t.chain.Mark()
		}
		reg, err := b.s.registerTx(ctx, t, p, b.s.Now().UTC())
		if err != nil && !savepoints {
			_ = tx.Rollback()
			return nil, true, nil
		}
		if err != nil {
			t.chain.Reset()
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
	if err := t.chain.Save(ctx); err != nil {
		return abort(err, "audit head")
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
