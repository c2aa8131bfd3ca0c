package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// writerAutoCheckpoint is the WAL size (pages) at which the writer's own
// commit checkpoints: only a safety net, should the checkpointer fall
// behind. SQLite's default (1,000) made a commit now and then copy the WAL
// into the database inside the writer: at 10M audit records the purge's
// commits held the writer up to 321 ms, all deletes being ≤ 24 ms (issue 12).
const writerAutoCheckpoint = 20000

// checkpointEvery is how often the checkpointer looks at the WAL. A look
// with nothing to copy costs a read of the WAL index.
const checkpointEvery = 100 * time.Millisecond

// checkpointer copies the WAL into the database from a connection of its
// own with PASSIVE checkpoints, which neither wait for nor block the writer
// and the readers, so commits (registrations, purge batches) only append
// to the WAL and fsync it.
type checkpointer struct {
	conn   *sql.DB
	stop   context.CancelFunc
	done   sync.WaitGroup
	frames atomic.Int64 // WAL frames copied in all, for tests and metrics
	last   int64        // frames of the current WAL copied so far
}

func startCheckpointer(conn *sql.DB) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, stop: cancel}
	c.done.Add(1)
	go func() {
		defer c.done.Done()
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				c.once(ctx)
			}
		}
	}()
	return c
}

// once runs one passive checkpoint. An error is left for the next tick:
// the writer's own auto-checkpoint still bounds the WAL.
func (c *checkpointer) once(ctx context.Context) {
	var busy, log, done int64
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done); err != nil {
		return
	}
	if done < c.last { // the writer restarted the WAL from its start
		c.last = 0
	}
	c.frames.Add(done - c.last)
	c.last = done
}

func (c *checkpointer) close() error {
	c.stop()
	c.done.Wait()
	return c.conn.Close()
}

// CheckpointedFrames is how many WAL frames the desk's checkpointer has
// copied into the database since it opened (0 on PostgreSQL).
func (db *DB) CheckpointedFrames() int64 {
	if db.ckpt == nil {
		return 0
	}
	return db.ckpt.frames.Load()
}
