package store_test

import (
	"context"
	"errors"
	"testing"

	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Issue 15: on PostgreSQL the Execs under a Pipeline are held and sent
// together when a query needs an answer (which then sees them) or at
// Flush; a refused one shows at the flush; Direct sends what is held and
// runs the next Exec at once with its row count. On SQLite a Pipeline
// holds nothing.
func TestPipeline(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.W.ExecContext(ctx, "CREATE TABLE pipe_probe (k INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		pg := db.Dialect == store.Postgres
		tx, err := db.W.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := &store.Pipeline{}
		pctx := store.WithPipeline(ctx, p)
		for k := 1; k <= 3; k++ {
			res, err := tx.ExecContext(pctx, "INSERT INTO pipe_probe (k) VALUES ($1)", k)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := res.RowsAffected(); pg != errors.Is(err, store.ErrDeferred) {
				t.Fatalf("row count of a pipelined Exec: %v", err)
			}
		}
		if want := map[bool]int{true: 3, false: 0}[pg]; p.Pending() != want {
			t.Fatalf("%d statements held, want %d", p.Pending(), want)
		}
		var n int
		if err := tx.QueryRowContext(pctx, "SELECT count(*) FROM pipe_probe").Scan(&n); err != nil || n != 3 {
			t.Fatalf("the query sees %d rows (%v), want 3", n, err)
		}
		if p.Pending() != 0 {
			t.Fatalf("%d statements still held after a query", p.Pending())
		}
		// Direct: the held statement goes first, the update runs at once.
		if _, err := tx.ExecContext(pctx, "INSERT INTO pipe_probe (k) VALUES (4)"); err != nil {
			t.Fatal(err)
		}
		dctx, err := store.Direct(pctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := tx.ExecContext(dctx, "UPDATE pipe_probe SET k = k + 10 WHERE k = 4")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("direct update: %d rows, %v; want 1", n, err)
		}
		// A refused statement: at its Exec on SQLite, at the flush on PostgreSQL.
		_, err = tx.ExecContext(pctx, "INSERT INTO pipe_probe (k) VALUES (1)")
		if pg {
			if err != nil {
				t.Fatalf("a pipelined Exec failed at once: %v", err)
			}
			err = p.Flush(ctx)
		}
		if err == nil {
			t.Fatal("duplicate key accepted")
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if err := db.R.QueryRowContext(ctx, "SELECT count(*) FROM pipe_probe").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d rows after the rollback (%v), want 0", n, err)
		}
	})
}
