package journal

import (
	"context"
	"errors"
	"sync"

	"tenderdesk/internal/apperr"
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

func (b *batcher) run(batch []*pending) {
	ctx := context.Background()
	out := make([]result, len(batch))
	tx, err := b.s.DB.W.BeginTx(ctx, nil)
	if err != nil {
		b.fail(batch, apperr.Wrap(err, "begin"))
		return
	}
	for i, p := range batch {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT reg"); err != nil {
			_ = tx.Rollback()
			b.fail(batch, apperr.Wrap(err, "savepoint"))
			return
		}
		reg, err := b.s.registerTx(ctx, tx, p, b.s.Now().UTC())
		if err != nil {
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT reg"); rerr != nil {
				_ = tx.Rollback()
				b.fail(batch, apperr.Wrap(errors.Join(err, rerr), "rollback to savepoint"))
				return
			}
		}
		if _, rerr := tx.ExecContext(ctx, "RELEASE SAVEPOINT reg"); rerr != nil {
			_ = tx.Rollback()
			b.fail(batch, apperr.Wrap(rerr, "release savepoint"))
			return
		}
		out[i] = result{reg, err}
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
}
