package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

func seed(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := audit.Append(ctx, tx, db.Dialect, at.Add(time.Duration(i)*time.Second), audit.Actor{ID: 0, Login: "op", Role: "operator", ClientAddr: "127.0.0.1"},
				audit.Entry{Action: "appeal.register", ObjectType: "appeal", ObjectID: fmt.Sprintf("2026-%06d", i+1), After: map[string]int{"i": i}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func wantProblemAt(t *testing.T, db *store.DB, seq int64) {
	t.Helper()
	_, err := audit.Verify(context.Background(), db)
	var p *audit.Problem
	if !errors.As(err, &p) {
		t.Fatalf("Verify = %v, want a problem at record %d", err, seq)
	}
	if p.Seq != seq {
		t.Fatalf("problem at %d (%s), want %d", p.Seq, p.Reason, seq)
	}
}

// E32–E34: every tampering with the trail is detected, on both backends.
func TestVerifyDetectsTampering(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cases := []struct {
			name   string
			tamper string
			at     int64
		}{
			{"intact", "", 0},
			{"modified content", "UPDATE audit_log SET object_id = '2026-999999' WHERE seq = 3", 3},
			{"modified time", "UPDATE audit_log SET at = (SELECT at FROM audit_log WHERE seq = 1) WHERE seq = 4", 4},
			{"deleted middle", "DELETE FROM audit_log WHERE seq = 2", 2},
			{"deleted tail", "DELETE FROM audit_log WHERE seq = 5", 5},
			// Both backends check the primary key per row: swap through a free value.
			{"swapped", "UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = -2", 2},
			{"rehashed but unchained", "UPDATE audit_log SET prev_hash = 'x' WHERE seq = 4", 4},
			// every field is covered by the hash
			{"actor", "UPDATE audit_log SET actor = 'admin' WHERE seq = 2", 2},
			{"actor id", "UPDATE audit_log SET actor_id = 7 WHERE seq = 2", 2},
			{"role", "UPDATE audit_log SET role = 'admin' WHERE seq = 3", 3},
			{"action", "UPDATE audit_log SET action = 'appeal.delete' WHERE seq = 3", 3},
			{"object type", "UPDATE audit_log SET object_type = 'incident' WHERE seq = 3", 3},
			{"before", "UPDATE audit_log SET before = '{}' WHERE seq = 4", 4},
			{"after", "UPDATE audit_log SET after = '{\"i\":9}' WHERE seq = 4", 4},
			{"client address", "UPDATE audit_log SET client_addr = '10.0.0.1' WHERE seq = 5", 5},
			{"own hash", "UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE seq = 1) WHERE seq = 1 + 1", 2},
			{"head altered", "UPDATE audit_head SET hash = 'x'", 6},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if _, err := db.W.Exec("DELETE FROM audit_log"); err != nil {
					t.Fatal(err)
				}
				if _, err := db.W.Exec("UPDATE audit_head SET seq = 0, hash = ''"); err != nil {
					t.Fatal(err)
				}
				seed(t, db, 5)
				if c.tamper == "" {
					n, err := audit.Verify(ctx, db)
					if err != nil || n != 5 {
						t.Fatalf("Verify = %d, %v; want 5, nil", n, err)
					}
					return
				}
				if _, err := db.W.Exec(c.tamper); err != nil {
					t.Fatal(err)
				}
				wantProblemAt(t, db, c.at)
			})
		}
	})
}

// E32–E34: an attacker who knows the layout may modify a record and re-hash
// it; only the link from its successor (or the head, for the last one)
// catches that.
func TestVerifyDetectsRehashedRecord(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db, 5)
		for _, seq := range []int64{3, 5} {
			recs, err := audit.ForObject(ctx, db, "appeal", fmt.Sprintf("2026-%06d", seq))
			if err != nil || len(recs) != 1 {
				t.Fatalf("record %d: %v %v", seq, recs, err)
			}
			r := recs[0]
			r.ClientAddr, r.Role = "10.6.6.6", "admin"
			r.Hash = audit.ComputeHash(r)
			if _, err := db.W.Exec("UPDATE audit_log SET client_addr = $1, role = $2, hash = $3 WHERE seq = $4", r.ClientAddr, r.Role, r.Hash, seq); err != nil {
				t.Fatal(err)
			}
		}
		// record 3 now hashes right; record 4's prev_hash no longer matches it
		wantProblemAt(t, db, 4)
		if _, err := db.W.Exec("UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE seq = 3) WHERE seq = 4"); err != nil {
			t.Fatal(err)
		}
		wantProblemAt(t, db, 4) // re-linking changes record 4's content, so its own hash fails
	})
}

// Every field written is read back as written, and the chain links each
// record to the one before.
func TestAppendRecordsEveryField(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 20, 9, 0, 0, 123456789, time.FixedZone("+05", 5*3600))
		var first, second audit.Record
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			a := audit.Actor{ID: 42, Login: "ivanov", Role: "operator", ClientAddr: "192.0.2.7"}
			if first, err = audit.Append(ctx, tx, db.Dialect, at, a, audit.Entry{Action: "incident.confirm", ObjectType: "incident", ObjectID: "17",
				Before: map[string]string{"state": "new"}, After: map[string]string{"state": "confirmed"}}); err != nil {
				return err
			}
			second, err = audit.Append(ctx, tx, db.Dialect, at.Add(time.Second), audit.System, audit.Entry{Action: "clock.breach", ObjectType: "incident", ObjectID: "17"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if first.Seq != 1 || first.PrevHash != "" || second.Seq != 2 || second.PrevHash != first.Hash || first.Hash == second.Hash {
			t.Fatalf("chain: %d %q %q / %d %q", first.Seq, first.PrevHash, first.Hash, second.Seq, second.PrevHash)
		}
		recs, err := audit.ForObject(ctx, db, "incident", "17")
		if err != nil || len(recs) != 2 {
			t.Fatalf("ForObject: %d records, %v", len(recs), err)
		}
		r := recs[0]
		if r.ActorID != 42 || r.Actor != "ivanov" || r.Role != "operator" || r.ClientAddr != "192.0.2.7" || r.Action != "incident.confirm" ||
			string(r.Before) != `{"state":"new"}` || string(r.After) != `{"state":"confirmed"}` || r.Hash != first.Hash ||
			!r.At.Equal(at.Truncate(time.Microsecond)) {
			t.Errorf("read back %+v", r)
		}
		if s := recs[1]; s.ActorID != 0 || s.Actor != "system" || s.Before != nil || s.After != nil {
			t.Errorf("system record read back %+v", s)
		}
		if n, err := audit.Verify(ctx, db); n != 2 || err != nil {
			t.Errorf("Verify = %d, %v", n, err)
		}
	})
}

// Verify reads the chain in pages: a break past the first page is found.
func TestVerifyPastFirstPage(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 5002
		at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			c, err := audit.Begin(ctx, tx, db.Dialect, nil)
			if err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				if _, err := c.Append(ctx, at, audit.System, audit.Entry{Action: "x", ObjectType: "t", ObjectID: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return c.Save(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := audit.Verify(ctx, db); got != n || err != nil {
			t.Fatalf("Verify = %d, %v; want %d", got, err, n)
		}
		if _, err := db.W.Exec("UPDATE audit_log SET action = 'y' WHERE seq = 5001"); err != nil {
			t.Fatal(err)
		}
		wantProblemAt(t, db, 5001)
	})
}

// A record appended after a savepoint is forgotten by Reset: the chain goes
// on from the mark, and Save without appends writes nothing.
func TestChainMarkReset(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			c, err := audit.Begin(ctx, tx, db.Dialect, nil)
			if err != nil {
				return err
			}
			if err := c.Save(ctx); err != nil { // nothing appended: head untouched
				return err
			}
			if _, err := c.Append(ctx, at, audit.System, audit.Entry{Action: "kept", ObjectType: "t", ObjectID: "1"}); err != nil {
				return err
			}
			c.Mark()
			if _, err := tx.ExecContext(ctx, "SAVEPOINT s"); err != nil {
				return err
			}
			if _, err := c.Append(ctx, at, audit.System, audit.Entry{Action: "dropped", ObjectType: "t", ObjectID: "2"}); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT s"); err != nil {
				return err
			}
			c.Reset()
			if _, err := c.Append(ctx, at, audit.System, audit.Entry{Action: "kept", ObjectType: "t", ObjectID: "3"}); err != nil {
				return err
			}
			return c.Save(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := audit.Verify(ctx, db); n != 2 || err != nil {
			t.Errorf("after a reset: Verify = %d, %v; want 2, nil", n, err)
		}
	})
}

// The prepared statements of the group commit write the same chain.
func TestPreparedChain(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st, err := audit.Prepare(ctx, db.W, db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		for i := range 2 {
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				c, err := audit.Begin(ctx, tx, db.Dialect, st)
				if err != nil {
					return err
				}
				for j := range 2 {
					if _, err := c.Append(ctx, at, audit.System, audit.Entry{Action: "x", ObjectType: "t", ObjectID: fmt.Sprint(i, j)}); err != nil {
						return err
					}
				}
				return c.Save(ctx)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, err := audit.Verify(ctx, db); n != 4 || err != nil {
			t.Errorf("Verify = %d, %v; want 4, nil", n, err)
		}
	})
}
