package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// seedMixed appends n records one hour apart from t0: every third about an
// appeal (the Journal keeps those), the others sign-ins (access log).
func seedMixed(t *testing.T, db *store.DB, t0 time.Time, from, n int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < from+n; i++ {
		e := audit.Entry{Action: "session.login", ObjectType: "user", ObjectID: fmt.Sprintf("u%d", i)}
		if i%3 == 0 {
			e = audit.Entry{Action: "appeal.register", ObjectType: "appeal", ObjectID: fmt.Sprintf("2023-%06d", i)}
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := audit.Append(ctx, tx, db.Dialect, t0.Add(time.Duration(i)*time.Hour), audit.Actor{Login: "op", Role: "operator"}, e)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// keepJournal keeps appeal and incident history (the Journal's) and
// anything younger than three years (E33's default term).
func keepJournal(r audit.Record, now time.Time) bool {
	return r.ObjectType == "appeal" || r.ObjectType == "incident" || r.At.After(now.AddDate(-3, 0, 0))
}

// E32–E33 retention: a purge of old access-log records keeps `audit
// verify` meaningful: it passes after the purge, and tampering with a kept
// record from before the checkpoint, removing one, or tampering after it is
// still detected.
func TestPurgeThenVerify_E32_E33(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2022, 1, 10, 9, 0, 0, 0, time.UTC)
		seedMixed(t, db, t0, 0, 30)
		now := time.Date(2025, 1, 10, 20, 0, 0, 0, time.UTC) // records 0..11 are over three years old
		witness, err := audit.Witness(ctx, db, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := audit.Purge(ctx, db, now, now.AddDate(-3, 0, 0), keepJournal, nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		// seq = i+1; i in 0..10 are older than the cutoff (i=11 is 20:00, not before it)
		if res.Checkpoint.Seq != 11 || res.Deleted != 7 || res.Checkpoint.KeptCount != 4 || res.Batches != 3 {
			t.Fatalf("purge %+v", res)
		}
		if n, err := audit.Verify(ctx, db); err != nil || n != 31-7 {
			t.Fatalf("verify after purge: %d, %v", n, err)
		}
		if _, err := audit.Against(ctx, db, witness); err != nil {
			t.Fatalf("against the witness taken before the purge: %v", err)
		}
		again, err := audit.Purge(ctx, db, now, now.AddDate(-3, 0, 0), keepJournal, nil, 3)
		if err != nil || again.Deleted != 0 {
			t.Fatalf("second purge deleted %d (%v)", again.Deleted, err)
		}
		var kept int64
		if err := db.R.QueryRowContext(ctx, "SELECT min(seq) FROM audit_log").Scan(&kept); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, sql string
			want      string
		}{
			{"kept record before the checkpoint modified", fmt.Sprintf("UPDATE audit_log SET object_id = 'x' WHERE seq = %d", kept), "modified"},
			{"kept record before the checkpoint removed", fmt.Sprintf("DELETE FROM audit_log WHERE seq = %d", kept), "do not match its digest"},
			{"record after the checkpoint modified", "UPDATE audit_log SET object_id = 'x' WHERE seq = 20", "modified"},
			{"first record after the checkpoint removed", "DELETE FROM audit_log WHERE seq = 12", "missing"},
		} {
			t.Run(c.name, func(t *testing.T) {
				tx, err := db.W.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				if _, err := tx.ExecContext(ctx, c.sql); err != nil {
					t.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				_, err = audit.Verify(ctx, db)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Verify = %v, want %q", err, c.want)
				}
				// restore for the next case: a fresh database is simpler
			})
			// each case damages the chain for good; re-seed a fresh one
			db = freshPurged(t, db.Dialect, t0, now)
			if err := db.R.QueryRowContext(ctx, "SELECT min(seq) FROM audit_log").Scan(&kept); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func freshPurged(t *testing.T, d store.Dialect, t0, now time.Time) *store.DB {
	t.Helper()
	var db *store.DB
	if d == store.SQLite {
		db = storetest.SQLite(t)
	} else {
		db = storetest.Postgres(t)
	}
	seedMixed(t, db, t0, 0, 30)
	if _, err := audit.Purge(context.Background(), db, now, now.AddDate(-3, 0, 0), keepJournal, nil, 100); err != nil {
		t.Fatal(err)
	}
	return db
}

// The outside witness: a database rewritten end to end (every hash
// recomputed, the head moved) verifies on its own, but not against the
// checkpoint the authorized body holds.
func TestWitnessCatchesAFullRewrite(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedMixed(t, db, time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC), 0, 6)
		cp, err := audit.Witness(ctx, db, time.Date(2026, 1, 11, 0, 0, 0, 0, time.UTC), nil)
		if err != nil {
			t.Fatal(err)
		}
		held, err := audit.ParseCheckpoint(cp.Document)
		if err != nil {
			t.Fatal(err)
		}
		// rewrite record 3 and re-chain everything after it
		recs, err := audit.ForObject(ctx, db, "appeal", "2023-000003")
		if err != nil || len(recs) != 1 {
			t.Fatal(recs, err)
		}
		if _, err := db.W.ExecContext(ctx, "UPDATE audit_log SET object_id = '2023-999999' WHERE seq = 4"); err != nil {
			t.Fatal(err)
		}
		prev := ""
		for seq := int64(1); seq <= 6; seq++ {
			var r audit.Record
			var at store.Time
			var before, after sql.NullString
			var actorID sql.NullInt64
			if err := db.R.QueryRowContext(ctx, "SELECT seq, at, actor_id, actor, role, action, object_type, object_id, before, after, client_addr FROM audit_log WHERE seq = $1", seq).
				Scan(&r.Seq, &at, &actorID, &r.Actor, &r.Role, &r.Action, &r.ObjectType, &r.ObjectID, &before, &after, &r.ClientAddr); err != nil {
				t.Fatal(err)
			}
			r.At, r.PrevHash = at.Time, prev
			r.Hash = audit.ComputeHash(r)
			if _, err := db.W.ExecContext(ctx, "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3", r.PrevHash, r.Hash, seq); err != nil {
				t.Fatal(err)
			}
			prev = r.Hash
		}
		if _, err := db.W.ExecContext(ctx, "UPDATE audit_head SET hash = $1 WHERE id = 1", prev); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(ctx, db); err != nil {
			t.Fatalf("the rewrite should pass on its own, got %v", err)
		}
		if _, err := audit.Against(ctx, db, held); err == nil || !strings.Contains(err.Error(), "rewritten") {
			t.Fatalf("Against = %v, want the rewrite found", err)
		}
	})
}
