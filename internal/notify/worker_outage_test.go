package notify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/notify/notifytest"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// cutting is a relay conversation during which the database goes away:
// the first message's send cuts every connection of the desk (the relay
// still accepts it and the rest), and the database is back after a while.
type cutting struct {
	mail.Mailer
	once sync.Once
	cut  func()
}

func (c *cutting) Send(ctx context.Context, m mail.Message) error {
	c.once.Do(c.cut)
	return c.Mailer.Send(ctx, m)
}

// Issue 15: PostgreSQL stops between the relay's 250s and recording them.
// The worker keeps trying to record the batch while its lease lasts, so
// once the database is back every row is "sent" and went out once; before,
// RunOnce gave up at once and the whole batch was sent a second time when
// its lease ended (the three-process test's 20-second stop showed every
// claimed row arriving twice).
func TestRecordWaitsForTheDatabase(t *testing.T) {
	via, _, proxy := storetest.ProxiedPostgres(t) // skips without TENDERDESK_TEST_POSTGRES
	db, err := store.Open(context.Background(), via)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, sink := newClock(), notifytest.Start(t)
	want := map[string]int{}
	for i := range 10 {
		to := fmt.Sprintf("r%d@example.kz", i)
		enqueue(t, db, c.Now(), email(fmt.Sprintf("appeal.registered:2026-%06d", i+1), to, "ru", templates.Registered, fmt.Sprintf("2026-%06d", i+1)))
		want[to] = 1
	}
	back := make(chan struct{})
	w := worker(db, c, &cutting{Mailer: sender(t, sink, c), cut: func() {
		proxy.Cut()
		go func() { time.Sleep(2 * time.Second); proxy.Restore(); close(back) }()
	}})
	w.RecordRetry = 100 * time.Millisecond
	n, err := w.RunOnce(context.Background())
	<-back
	if n != 10 || err != nil {
		t.Fatalf("RunOnce across the outage: %d rows, %v; want 10 recorded", n, err)
	}
	if r := list(t, db, "sent"); len(r) != 10 {
		t.Fatalf("%d rows sent, want 10", len(r))
	}
	// A lease's end brings nothing more: every row is recorded.
	c.Add(6 * time.Minute)
	drain(t, w)
	if copies := exactlyOnce(t, sink, want); copies != 10 {
		t.Errorf("%d copies received for 10 notices", copies)
	}
}
