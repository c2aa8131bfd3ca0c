package cluster

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// open is one desk process's database on url.
func open(t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func init() { Poll = 50 * time.Millisecond }

// waitFor is a hang guard, not a timed assertion: what the test waits for
// must happen; a minute means it never will.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("never happened: %s", what)
		panic("unreachable")
	}
}

// holder is the backend holding name's lock, from pg_locks (a bigint key
// shows as classid = high half, objid = low half).
func holder(t *testing.T, db *store.DB, name string, granted bool) (pid int, ok bool) {
	t.Helper()
	k := uint64(Key(db, name))
	err := db.R.QueryRow(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted = $3
		AND classid = $1 AND objid = $2 AND objsubid = 1 LIMIT 1`, int64(k>>32), int64(k&0xffffffff), granted).Scan(&pid)
	if err == sql.ErrNoRows {
		return 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return pid, true
}

// Two processes compete for one leadership: one leads; when its
// connection is killed (what SIGKILL or a restart does to the session) it
// stops, and the other takes over; never both at once.
func TestLeadTakeoverWhenTheHolderDies(t *testing.T) {
	url := storetest.PostgresURL(t)
	a, b := open(t, url), open(t, url)
	var leading, overlap atomic.Int32
	started := make(chan string, 4)
	stopped := make(chan string, 4)
	run := func(db *store.DB, who string, ctx context.Context) {
		go Lead(ctx, db, "test", nil, func(ctx context.Context) {
			if leading.Add(1) > 1 {
				overlap.Add(1)
			}
			started <- who
			<-ctx.Done()
			leading.Add(-1)
			stopped <- who
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run(a, "a", ctx)
	run(b, "b", ctx)
	first := waitFor(t, started, "a first leader")
	pid, ok := holder(t, a, "test", true)
	if !ok {
		t.Fatal("the leader holds no advisory lock")
	}
	if _, err := a.W.Exec("SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	if got := waitFor(t, stopped, "the cut-off leader stops"); got != first {
		t.Fatalf("%s stopped, but %s was leading", got, first)
	}
	second := waitFor(t, started, "a new leader")
	if overlap.Load() != 0 {
		t.Fatal("two processes led at once")
	}
	t.Logf("%s led, was cut off; %s took over", first, second)
}

// A process shutting down (its context ends) hands over too.
func TestLeadHandsOverAtShutdown(t *testing.T) {
	url := storetest.PostgresURL(t)
	a, b := open(t, url), open(t, url)
	started := make(chan string, 2)
	actx, stopA := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		Lead(actx, a, "test", nil, func(ctx context.Context) { started <- "a"; <-ctx.Done() })
		close(done)
	}()
	waitFor(t, started, "a leads")
	bctx, stopB := context.WithCancel(context.Background())
	defer stopB()
	go Lead(bctx, b, "test", nil, func(ctx context.Context) { started <- "b"; <-ctx.Done() })
	stopA()
	waitFor(t, done, "a's Lead returns")
	if got := waitFor(t, started, "b leads"); got != "b" {
		t.Fatalf("%s led again after its shutdown", got)
	}
}

// Lock excludes across processes: the second waits in PostgreSQL until the
// first releases.
func TestLockWaitsForTheOtherProcess(t *testing.T) {
	url := storetest.PostgresURL(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	unlockA, err := Lock(ctx, a, "section")
	if err != nil {
		t.Fatal(err)
	}
	gotB := make(chan func(), 1)
	go func() {
		u, err := Lock(ctx, b, "section")
		if err != nil {
			t.Error(err)
			u = func() {}
		}
		gotB <- u
	}()
	for { // until b is seen waiting for the lock in PostgreSQL
		if _, waiting := holder(t, a, "section", false); waiting {
			break
		}
		select {
		case <-gotB:
			t.Fatal("b took the lock a holds")
		case <-time.After(10 * time.Millisecond):
		}
	}
	unlockA()
	waitFor(t, gotB, "b gets the lock a released")()
	if _, held := holder(t, a, "section", true); held {
		t.Fatal("the lock is still held after both released it")
	}
}

// A committed NOTIFY reaches every process's listener once; a rolled-back
// one reaches none; another desk (schema) on the same database hears none
// of ours.
func TestNotifyAtCommitToEveryProcess(t *testing.T) {
	url := storetest.PostgresURL(t)
	a, b := open(t, url), open(t, url)
	other := open(t, storetest.PostgresURL(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type heard struct{ who, payload string }
	got := make(chan heard, 16)
	ups := make(chan bool, 8)
	for _, l := range []struct {
		who string
		db  *store.DB
	}{{"a", a}, {"b", b}, {"other", other}} {
		go Listen(ctx, l.db, nil, func(up bool) { ups <- up }, func(p string) { got <- heard{l.who, p} })
	}
	for range 3 {
		if !waitFor(t, ups, "listeners up") {
			t.Fatal("a listener went down")
		}
	}
	tx, err := a.W.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := Notify(ctx, a, tx, "rolled back"); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if err := Notify(ctx, other, other.W, "other desk"); err != nil {
		t.Fatal(err)
	}
	if err := a.Tx(ctx, func(tx *sql.Tx) error { return Notify(ctx, a, tx, "committed") }); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for len(seen) < 3 { // a and b hear ours, other hears its own
		h := waitFor(t, got, "the notifications")
		seen[h.who+":"+h.payload]++
	}
	for k, n := range seen {
		if n != 1 || (k != "a:committed" && k != "b:committed" && k != "other:other desk") {
			t.Fatalf("heard %v", seen)
		}
	}
}

// On SQLite Lead runs the worker at once and Lock takes nothing.
func TestSQLiteRunsDirectly(t *testing.T) {
	db := storetest.SQLite(t)
	ran := false
	Lead(context.Background(), db, "test", nil, func(context.Context) { ran = true })
	if !ran {
		t.Fatal("Lead did not run the worker on SQLite")
	}
	u, err := Lock(context.Background(), db, "x")
	if err != nil {
		t.Fatal(err)
	}
	u()
}
