package journal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// NewAppeal.InTx writes in the registration's transaction: its rows commit
// with the appeal, and its error fails that registration with nothing
// committed (the inbound mail stores the message with its appeal this way).
func TestRegisterInTx(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 2, 2, 5, 0, 0, 0, time.UTC)
		s, _ := newService(t, db, now)
		if _, err := db.W.ExecContext(ctx, "CREATE TABLE intx_probe (number TEXT NOT NULL, mid TEXT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		n := appeal("письмо", now)
		n.SourceMessageID = "abc@mail.example"
		n.InTx = func(ctx context.Context, tx journal.HookTx, a journal.Appeal) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO intx_probe (number, mid) VALUES ($1, $2)", a.Number, a.SourceMessageID)
			return err
		}
		r := mustRegister(t, s, n)
		var mid string
		if err := db.R.QueryRowContext(ctx, "SELECT mid FROM intx_probe WHERE number = $1", r.Number).Scan(&mid); err != nil || mid != "abc@mail.example" {
			t.Fatalf("InTx row: %q %v", mid, err)
		}

		boom := errors.New("boom")
		n.InTx = func(ctx context.Context, tx journal.HookTx, a journal.Appeal) error { return boom }
		if _, err := s.Register(ctx, operator, n, ""); !errors.Is(err, boom) {
			t.Fatalf("InTx error not returned: %v", err)
		}
		var appeals, probes int
		db.R.QueryRowContext(ctx, "SELECT count(*) FROM appeals").Scan(&appeals)
		db.R.QueryRowContext(ctx, "SELECT count(*) FROM intx_probe").Scan(&probes)
		if appeals != 1 || probes != 1 {
			t.Fatalf("after a failing InTx: %d appeals, %d probe rows; want 1 and 1", appeals, probes)
		}
	})
}
