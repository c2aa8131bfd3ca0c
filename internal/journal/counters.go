package journal

import (
	"context"
	"maps"

	"tenderdesk/internal/apperr"
)

// counter hands out a year's numbers (appeals or incidents) to one group
// commit: the first number of a year locks the counter row and reads it
// (one statement), the others are counted in memory, and save writes the
// last one used back (one statement per year) before the commit. Before
// issue 15 every appeal bumped the row with its own statement; on
// PostgreSQL each was a round trip under the row lock.
//
// The row is locked from the first read to the commit, so no other
// transaction takes a number in between (unique), and only numbers handed
// out are written back (gap-free; a rolled-back group leaves the row as it
// was). mark and reset follow the writer's savepoints: a rollback to a
// savepoint also releases the row locks taken after it, so reset forgets
// those years and the next number reads the row again.
type counter struct {
	lock, set string // statement names in batcher.stmts
	base      map[int]int64
	last      map[int]int64
	markBase  map[int]int64
	markLast  map[int]int64
}

func newCounter(lock, set string) *counter {
	return &counter{lock: lock, set: set, base: map[int]int64{}, last: map[int]int64{}}
}

func (c *counter) next(ctx context.Context, tx *batchTx, year int) (int64, error) {
	last, ok := c.last[year]
	if !ok {
		if err := tx.stmt(ctx, c.lock).QueryRowContext(ctx, year).Scan(&last); err != nil {
			return 0, apperr.Wrap(err, "counter")
		}
		c.base[year] = last
	}
	last++
	c.last[year] = last
	return last, nil
}

func (c *counter) mark() { c.markBase, c.markLast = maps.Clone(c.base), maps.Clone(c.last) }

func (c *counter) reset() { c.base, c.last = maps.Clone(c.markBase), maps.Clone(c.markLast) }

// save writes the last number of each year the group used.
func (c *counter) save(ctx context.Context, tx *batchTx) error {
	for year, last := range c.last {
		if last == c.base[year] {
			continue
		}
		if _, err := tx.stmt(ctx, c.set).ExecContext(ctx, year, last); err != nil {
			return apperr.Wrap(err, "counter")
		}
		c.base[year] = last
	}
	return nil
}
