package notify_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/notify/notifytest"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

const domain = "desk.test"

// clock is the injected time; tests move it by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 2, 2, 5, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func enqueue(t testing.TB, db *store.DB, now time.Time, ns ...notify.Notification) {
	t.Helper()
	if err := db.Tx(context.Background(), func(tx *sql.Tx) error {
		return notify.Enqueue(context.Background(), tx, now, domain, ns...)
	}); err != nil {
		t.Fatal(err)
	}
}

func email(event, to, lang string, kind templates.Kind, number string) notify.Notification {
	return notify.Notification{Event: event, Kind: kind, Channel: "email", Email: to, Lang: lang,
		Data: templates.Data{Number: number, Zone: "Asia/Almaty", Level: "medium"}}
}

func worker(db *store.DB, c *clock, s mail.Mailer) *notify.Worker {
	return &notify.Worker{DB: db, Sender: s, Now: c.Now, Concurrency: 4, Batch: 50,
		Jitter: func(d time.Duration) time.Duration { return d / 2 }}
}

func sender(t testing.TB, sink *notifytest.Sink, c *clock) *mail.Sender {
	t.Helper()
	s, err := mail.NewSender(mail.Config{RelayURL: sink.URL(), From: "Tenderdesk <noreply@desk.test>", HELO: domain,
		Timeout: 5 * time.Second, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func drain(t testing.TB, w *notify.Worker) { notifytest.Drain(t, w) }

func list(t testing.TB, db *store.DB, status string) []notify.Row {
	t.Helper()
	rows, err := notify.List(context.Background(), db.R, notify.Filter{Status: status, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// exactlyOnce asserts every address got each of its events once, after the
// receiver's dedupe by Message-ID, and returns the number of raw copies.
func exactlyOnce(t *testing.T, sink *notifytest.Sink, want map[string]int) int {
	t.Helper()
	copies := 0
	for addr, n := range want {
		msgs, c := sink.Inbox(addr)
		if len(msgs) != n {
			t.Errorf("%s got %d distinct messages, want %d", addr, len(msgs), n)
		}
		for _, k := range c {
			copies += k
		}
	}
	return copies
}

// Russian, Kazakh and English subjects go through a real SMTP conversation
// and come back decoded, with the number in the subject (Q30).
func TestDeliverSubjectsRoundTrip(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c, sink := newClock(), notifytest.Start(t)
		ru := email("appeal.registered:2026-000001", "ru@example.kz", "ru", templates.Registered, "2026-000001")
		ru.InReplyTo = "<CAF=reporter.1@mail.example.kz>" // threads under the reporter's email
		kk := email("appeal.registered:2026-000002", "kk@example.kz", "kk", templates.Registered, "2026-000002")
		kk.InReplyTo = "not a message id" // dropped, and the notice still goes out
		enqueue(t, db, c.Now(), ru, kk,
			email("appeal.registered:2026-000003", "en@example.kz", "en", templates.Registered, "2026-000003"),
			notify.Notification{Event: "appeal.registered:2026-000002", Kind: templates.Registered, Channel: "cabinet", UserID: 7,
				Data: templates.Data{Number: "2026-000002"}})
		w := worker(db, c, sender(t, sink, c))
		drain(t, w)
		for addr, want := range map[string]string{"ru@example.kz": "[2026-000001] Обращение зарегистрировано",
			"kk@example.kz": "[2026-000002] ", "en@example.kz": "[2026-000003] "} {
			msgs, _ := sink.Inbox(addr)
			if len(msgs) != 1 || !strings.HasPrefix(msgs[0].Subject, want) {
				t.Fatalf("%s: %+v", addr, msgs)
			}
		}
		if r, _ := sink.Inbox("ru@example.kz"); r[0].Header["In-Reply-To"] != "<CAF=reporter.1@mail.example.kz>" ||
			r[0].Header["References"] != "<CAF=reporter.1@mail.example.kz>" {
			t.Errorf("not threaded: %v", r[0].Header)
		}
		kkIn, _ := sink.Inbox("kk@example.kz")
		if _, ok := kkIn[0].Header["In-Reply-To"]; ok {
			t.Errorf("a malformed In-Reply-To was sent: %v", kkIn[0].Header)
		}
		if !strings.ContainsAny(kkIn[0].Subject+kkIn[0].Text, "әғқңөұүһі") {
			t.Errorf("Kazakh message has no Kazakh letters: %q", kkIn[0].Subject)
		}
		wantID := strings.Trim(notify.MessageID("appeal.registered:2026-000002", "email:kk@example.kz", domain), "<>")
		if kkIn[0].MessageID != wantID || kkIn[0].Header["X-Tenderdesk-Event"] != "appeal.registered:2026-000002" {
			t.Errorf("message id %q, want %q; header %v", kkIn[0].MessageID, wantID, kkIn[0].Header)
		}
		if got := list(t, db, "sent"); len(got) != 4 { // 3 emails + the cabinet row, delivered by being visible
			t.Fatalf("sent rows: %+v", got)
		}
		d, err := notify.EventDelivery(context.Background(), db.R, "appeal.registered:2026-000002")
		if err != nil || !d.Met() || d.Emails != 1 || !d.LastSentAt.Equal(c.Now()) {
			t.Fatalf("delivery %+v %v", d, err)
		}
	})
}

// The relay is down (connection refused), then answers 421, then is back:
// every notification arrives, once per recipient, with backoff in between.
func TestOutageThenBack(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c, sink := newClock(), notifytest.Start(t)
		want := map[string]int{}
		var ns []notify.Notification
		for i := range 30 {
			addr := fmt.Sprintf("bidder%02d@example.kz", i%10)
			want[addr]++
			ns = append(ns, email(fmt.Sprintf("ext:%d", i), addr, "ru", templates.Fixed, fmt.Sprintf("2026-%06d", i+1)))
		}
		enqueue(t, db, c.Now(), ns...)
		w := worker(db, c, sender(t, sink, c))
		sink.Stop()
		drain(t, w)
		pending := list(t, db, "pending")
		if len(pending) != 30 || pending[0].Attempts != 1 || !strings.Contains(pending[0].LastError, "temporary") {
			t.Fatalf("after a refused connection: %d pending, %+v", len(pending), pending[0])
		}
		// Backoff: nothing is due until the first delay (15 s; jitter fixed at half of the half) has passed.
		if next := *pending[0].NextAttemptAt; !next.Equal(c.Now().Add(15 * time.Second * 3 / 4)) {
			t.Fatalf("next attempt %v, want now+11.25s", next)
		}
		if n, _ := w.RunOnce(context.Background()); n != 0 {
			t.Fatalf("claimed %d rows before their retry time", n)
		}
		if err := sink.Restart(); err != nil {
			t.Fatal(err)
		}
		sink.TemporaryFailure(true)
		c.Add(20 * time.Second)
		drain(t, w)
		if p := list(t, db, "pending"); len(p) != 30 || p[0].Attempts != 2 || !strings.Contains(p[0].LastError, "421") {
			t.Fatalf("after 421: %+v", p[0])
		}
		sink.TemporaryFailure(false)
		c.Add(time.Minute)
		drain(t, w)
		if p := list(t, db, "pending"); len(p) != 0 {
			t.Fatalf("%d still pending", len(p))
		}
		if copies := exactlyOnce(t, sink, want); copies != 30 {
			t.Errorf("%d copies arrived, want 30", copies)
		}
	})
}

// lostAck is a relay connection that drops after the 250: the message went
// out but the worker sees an error (or the node dies before recording).
type lostAck struct {
	mail.Mailer
	mu   sync.Mutex
	lost int
}

func (l *lostAck) Send(ctx context.Context, m mail.Message) error {
	err := l.Mailer.Send(ctx, m)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && l.lost > 0 {
		l.lost--
		return &mail.Error{Stage: "send", Temporary: true, Err: fmt.Errorf("connection reset after DATA")}
	}
	return err
}

// A send whose acknowledgement is lost goes out again with the same
// Message-ID; the receiver's dedupe leaves exactly one.
func TestResendCarriesSameMessageID(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c, sink := newClock(), notifytest.Start(t)
		enqueue(t, db, c.Now(), email("appeal.registered:2026-000009", "a@example.kz", "ru", templates.Registered, "2026-000009"))
		w := worker(db, c, &lostAck{Mailer: sender(t, sink, c), lost: 1})
		drain(t, w)
		c.Add(time.Minute)
		drain(t, w)
		msgs, copies := sink.Inbox("a@example.kz")
		if len(msgs) != 1 || copies[msgs[0].MessageID] != 2 {
			t.Fatalf("want one message in two copies, got %d messages %v", len(msgs), copies)
		}
		if r := list(t, db, "sent"); len(r) != 1 || r[0].Attempts != 2 {
			t.Fatalf("%+v", r)
		}
	})
}

// stall is a node that claims rows and dies (is cancelled) while sending.
type stall struct{ die context.CancelFunc }

func (s stall) Send(ctx context.Context, m mail.Message) error { s.die(); return ctx.Err() }

// A node that dies holding a lease: its rows go out once the lease expires.
func TestLeaseOfDeadNodeExpires(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c, sink := newClock(), notifytest.Start(t)
		enqueue(t, db, c.Now(), email("e:1", "a@example.kz", "ru", templates.Registered, "2026-000001"))
		ctx, cancel := context.WithCancel(context.Background())
		dead := worker(db, c, stall{cancel})
		if n, err := dead.RunOnce(ctx); n != 1 || err != nil {
			t.Fatalf("claim: %d %v", n, err)
		}
		live := worker(db, c, sender(t, sink, c))
		drain(t, live)
		if sink.Count() != 0 {
			t.Fatal("a leased row was sent by another node")
		}
		c.Add(5*time.Minute + time.Second)
		drain(t, live)
		exactlyOnce(t, sink, map[string]int{"a@example.kz": 1})
	})
}

// A permanent 5xx fails the row at once, visible in the list with the
// relay's answer; an operator's retry sends it once the address is fixed.
// Temporary errors give up after MaxAttempts.
func TestPermanentAndExhausted(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c, sink := newClock(), notifytest.Start(t)
		sink.Reject("gone@example.kz")
		enqueue(t, db, c.Now(),
			email("e:1", "gone@example.kz", "ru", templates.Registered, "2026-000001"),
			email("e:2", "ok@example.kz", "ru", templates.Registered, "2026-000002"))
		w := worker(db, c, sender(t, sink, c))
		drain(t, w)
		failed := list(t, db, "failed")
		if len(failed) != 1 || failed[0].To != "gone@example.kz" || failed[0].Attempts != 1 || !strings.Contains(failed[0].LastError, "550") {
			t.Fatalf("failed: %+v", failed)
		}
		if d, _ := notify.EventDelivery(context.Background(), db.R, "e:1"); d.Met() || d.Failed != 1 {
			t.Fatalf("a failed notice must keep its clock unmet: %+v", d)
		}
		ok, err := notify.Requeue(context.Background(), db, c.Now(), failed[0].ID)
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		sink.Stop()
		w.MaxAttempts = 3
		for range 3 {
			drain(t, w)
			c.Add(time.Hour)
		}
		failed = list(t, db, "failed")
		if len(failed) != 1 || failed[0].Attempts != 3 || !strings.HasPrefix(failed[0].LastError, "gave up after 3 attempts") {
			t.Fatalf("exhausted: %+v", failed)
		}
	})
}

// Without a relay email rows stay pending, and the desk says so once.
func TestNoRelayWarnsOnce(t *testing.T) {
	db := storetest.SQLite(t)
	c := newClock()
	enqueue(t, db, c.Now(), email("e:1", "a@example.kz", "ru", templates.Registered, "2026-000001"))
	var logs strings.Builder
	w := worker(db, c, nil)
	w.Log = slog.New(slog.NewTextHandler(&logs, nil))
	for range 3 {
		if n, err := w.RunOnce(context.Background()); n != 0 || err != nil {
			t.Fatal(n, err)
		}
	}
	if strings.Count(logs.String(), "outbound mail is off") != 1 || !strings.Contains(logs.String(), "pending=1") {
		t.Fatalf("log: %s", logs.String())
	}
	if len(list(t, db, "pending")) != 1 {
		t.Fatal("row not pending")
	}
}

// Enqueue in multi-row batches keeps (event, recipient) unique, across and
// within batches; cabinet rows are delivered at once.
func TestEnqueueBatchesAndDedupes(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		var ns []notify.Notification
		for i := range 1203 {
			ns = append(ns, email("fanout:1", fmt.Sprintf("b%d@example.kz", i%1100), "ru", templates.ExtensionsGranted, "TF-2026-0001"))
		}
		enqueue(t, db, c.Now(), ns...)
		enqueue(t, db, c.Now(), ns[:600]...)
		var n int
		if err := db.R.QueryRow("SELECT count(*) FROM outbox").Scan(&n); err != nil || n != 1100 {
			t.Fatalf("%d rows (%v), want 1100", n, err)
		}
	})
}

// The cabinet (E11): own notifications, unread count, read once.
func TestCabinetReadUnread(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		ctx := context.Background()
		for i := range 3 {
			enqueue(t, db, c.Now(), notify.Notification{Event: fmt.Sprintf("appeal.registered:2026-%06d", i+1), Kind: templates.Registered,
				Channel: "cabinet", UserID: 5, Lang: "kk", Data: templates.Data{Number: fmt.Sprintf("2026-%06d", i+1)}})
		}
		items, err := notify.Cabinet(ctx, db.R, 5, true, 0, 2)
		if err != nil || len(items) != 2 || items[0].Number != "2026-000003" || !strings.Contains(items[0].Subject, "2026-000003") {
			t.Fatalf("%+v %v", items, err)
		}
		if err := notify.MarkRead(ctx, db, c.Now(), 5, items[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := notify.MarkRead(ctx, db, c.Now(), 6, items[1].ID); err == nil {
			t.Fatal("another user's notification marked read")
		}
		if n, _ := notify.Unread(ctx, db.R, 5); n != 2 {
			t.Fatalf("unread %d", n)
		}
		rest, _ := notify.Cabinet(ctx, db.R, 5, true, items[1].ID, 10)
		if len(rest) != 1 || rest[0].Number != "2026-000001" {
			t.Fatalf("next page: %+v", rest)
		}
	})
}
