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
