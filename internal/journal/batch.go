package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
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
var hot = []string{"next-number", "insert-incident", "insert-appeal", "savepoint", "release-savepoint", "rollback-to-savepoint"}

// prepare readies the writer's statements; it runs outside any
// transaction (on SQLite the write pool is one connection).
func (b *batcher) prepare(ctx context.Context) error {
	if b.stmts != nil {
		return nil
	}
	st := map[string]*sql.Stmt{}
	for _, name := range hot {
		p, err := b.s.DB.W.PrepareContext(ctx, Queries[name])
		if err != nil {
			for _, p := range st {
				p.Close()
			}
			return fmt.Errorf("prepare %s: %w", name, err)
		}
		st[name] = p
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
}

// stmt binds a prepared statement to the batch's transaction.
func (t *batchTx) stmt(ctx context.Context, name string) *sql.Stmt {
	return t.StmtContext(ctx, t.stmts[name])
}

func (t *batchTx) exec(ctx context.Context, name string) error {
	_, err := t.stmt(ctx, name).ExecContext(ctx)
	return err
}

func (b *batcher) run(batch []*pending) {
	ctx := context.Background()
	if err := b.prepare(ctx); err != nil {
		b.fail(batch, apperr.Wrap(err, "prepare"))
		return
	}
	out := make([]result, len(batch))
	tx, err := b.s.DB.W.BeginTx(ctx, nil)
	if err != nil {
		b.fail(batch, apperr.Wrap(err, "begin"))
		return
	}
	t := &batchTx{Tx: tx, stmts: b.stmts}
	// The audit head is locked and read once per batch, and written once.
	if t.chain, err = audit.Begin(ctx, tx, b.s.DB.Dialect, b.audit); err != nil {
		_ = tx.Rollback()
		b.fail(batch, apperr.Wrap(err, "audit head"))
		return
	}
	for i, p := range batch {
		if err := t.exec(ctx, "savepoint"); err != nil {
			_ = tx.Rollback()
			b.fail(batch, apperr.Wrap(err, "savepoint"))
			return
		}
		t.chain.Mark()
		reg, err := b.s.registerTx(ctx, t, p, b.s.Now().UTC())
		if err != nil {
			t.chain.Reset()
			if rerr := t.exec(ctx, "rollback-to-savepoint"); rerr != nil {
				_ = tx.Rollback()
				b.fail(batch, apperr.Wrap(errors.Join(err, rerr), "rollback to savepoint"))
				return
			}
		}
		if rerr := t.exec(ctx, "release-savepoint"); rerr != nil {
			_ = tx.Rollback()
			b.fail(batch, apperr.Wrap(rerr, "release savepoint"))
			return
		}
		out[i] = result{reg, err}
	}
	if err := t.chain.Save(ctx); err != nil {
		_ = tx.Rollback()
		b.fail(batch, apperr.Wrap(err, "audit head"))
		return
	}
	if err := tx.Commit(); err != nil {
		b.fail(batch, apperr.Wrap(err, "commit"))
		return
	}
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
