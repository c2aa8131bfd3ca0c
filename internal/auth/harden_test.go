package auth_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Issue 9.1: no more hashes run at once than the gate has slots; one that
// finds none free within Wait is a 429 with a Retry-After, never a wait
// without end (and never unbounded memory).
func TestGateBoundsConcurrentHashing(t *testing.T) {
	g := auth.NewGate(2)
	g.Wait = 50 * time.Millisecond
	var running, peak atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- g.Do(context.Background(), func() {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				<-release
				running.Add(-1)
			})
		}()
	}
	// The six without a slot give up after Wait; then free the two.
	var refused int
	for range 6 {
		err := <-errs
		var ae *apperr.Error
		if apperr.CodeOf(err) != apperr.TooMany || !asErr(err, &ae) || ae.RetryAfter < time.Second {
			t.Fatalf("overflow: %v, want too_many with Retry-After ≥ 1 s", err)
		}
		refused++
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a hash in a slot failed: %v", err)
		}
	}
	if peak.Load() != 2 || refused != 6 {
		t.Fatalf("peak %d concurrent, %d refused; want 2 and 6", peak.Load(), refused)
	}
}

func asErr(err error, ae **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*ae = e
	return ok
}

// The slots come from the memory budget: 64 MiB hashes in 128 MiB are two,
// never more than two per processor, never none.
func TestGateSlots(t *testing.T) {
	c := auth.Cost{Time: 2, MemoryKiB: 64 * 1024, Threads: 2}
	if n := auth.GateSlots(128<<20, c); n != 2 {
		t.Errorf("128 MiB / 64 MiB = %d slots, want 2", n)
	}
	if n := auth.GateSlots(1<<20, c); n != 1 {
		t.Errorf("a budget below one hash gives %d slots, want 1", n)
	}
	if n := auth.GateSlots(1<<40, c); n > 64 {
		t.Errorf("a huge budget gives %d slots; the CPU bound is missing", n)
	}
}

// Issue 9.2: the backoff's edges. Free failures pass; the next locks for
// Base, each further one doubles it up to Max; a failure after Window starts
// again.
func TestBackoff(t *testing.T) {
	b := auth.Backoff{Free: 3, Base: 2 * time.Second, Max: 10 * time.Second, Window: time.Hour}
	now := time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC)
	var s auth.Strike
	var locked bool
	for i := 1; i <= 3; i++ {
		if s, locked = b.Fail(s, now); locked || s.Locked(now) != 0 {
			t.Fatalf("failure %d of 3 free locked the key", i)
		}
	}
	for i, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		if s, locked = b.Fail(s, now); !locked || s.Locked(now) != want {
			t.Fatalf("failure %d over the free ones: locked %v for %v, want %v", i+1, locked, s.Locked(now), want)
		}
	}
	if s.Locked(s.LockedUntil) != 0 || s.Locked(s.LockedUntil.Add(-time.Nanosecond)) == 0 {
		t.Fatal("a lock must end exactly at LockedUntil")
	}
	if s, locked = b.Fail(s, now.Add(time.Hour+time.Second)); locked || s.Failures != 1 {
		t.Fatalf("a failure after the window: %+v locked %v, want a fresh count", s, locked)
	}
}

// Issue 9.2 end to end on both backends: wrong passwords lock the login
// (429 + Retry-After, even for the right password), the lockout is in the
// audit trail, the lock ends with time, and an administrator clears it.
func TestLoginThrottle(t *testing.T) {
	cheapHashes(t)
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &fakeClock{time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC)}
		s := auth.New(db, clk.Now)
		if _, err := s.CreateUser(ctx, audit.System, auth.NewUser{Login: "op1", Password: "right-password-1", Role: "operator"}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < auth.LoginBackoff.Free+1; i++ {
			if _, _, err := s.Login(ctx, "op1", "wrong-password", "10.0.0.1"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("wrong password %d: %v", i+1, err)
			}
		}
		_, _, err := s.Login(ctx, "op1", "right-password-1", "10.0.0.2")
		var ae *apperr.Error
		if !asErr(err, &ae) || ae.Code != apperr.TooMany || ae.RetryAfter != auth.LoginBackoff.Base {
			t.Fatalf("locked login with the right password from another address: %v, want 429 retry after %v", err, auth.LoginBackoff.Base)
		}
		recs, err := audit.ForObject(ctx, db, "throttle", "login:op1")
		if err != nil || len(recs) != 1 || recs[0].Action != "session.lockout" {
			t.Fatalf("lockout audit: %+v %v", recs, err)
		}
		clk.t = clk.t.Add(auth.LoginBackoff.Base)
		if _, _, err := s.Login(ctx, "op1", "wrong-password", "10.0.0.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("after the lock ended a try is allowed: %v", err)
		}
		if _, _, err := s.Login(ctx, "op1", "right-password-1", "10.0.0.2"); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("the next failure doubles the lock: %v", err)
		}
		if err := s.Unlock(ctx, audit.System, "op1", ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "op1", "right-password-1", "10.0.0.2"); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
		if recs, _ := audit.ForObject(ctx, db, "user", "op1"); recs[len(recs)-2].Action != "user.unlock" {
			t.Fatalf("unlock not audited before the login: %+v", recs)
		}
		// The address counts every login it tries.
		for i := 0; i < auth.AddrBackoff.Free+1; i++ {
			login := "nobody" + string(rune('a'+i))
			if _, _, err := s.Login(ctx, login, "wrong-password", "10.9.9.9"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("guess %d from one address: %v", i+1, err)
			}
		}
		if _, _, err := s.Login(ctx, "op1", "right-password-1", "10.9.9.9"); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("an address that guessed %d logins: %v, want 429", auth.AddrBackoff.Free+1, err)
		}
		if err := s.Unlock(ctx, audit.System, "op1", "10.9.9.9"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "op1", "right-password-1", "10.9.9.9"); err != nil {
			t.Fatalf("after clearing the address: %v", err)
		}
	})
}

// Issue 9.8 and E9: the last active administrator cannot be suspended (409);
// a suspended account is reactivated, audited, and can sign in again.
func TestSuspendReactivate(t *testing.T) {
	cheapHashes(t)
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &fakeClock{time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC)}
		s := auth.New(db, clk.Now)
		if _, _, err := s.Bootstrap(ctx, "admin", "admin-password-1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Suspend(ctx, audit.System, "admin", "by mistake"); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("suspending the last administrator: %v, want conflict", err)
		}
		if _, err := s.CreateUser(ctx, audit.System, auth.NewUser{Login: "admin2", Password: "admin-password-2", Role: "admin"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Suspend(ctx, audit.System, "admin", "left"); err != nil {
			t.Fatalf("with a second administrator: %v", err)
		}
		if err := s.Suspend(ctx, audit.System, "admin2", "left too"); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("now admin2 is the last: %v", err)
		}
		if err := s.Reactivate(ctx, audit.System, "admin2", "never suspended"); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("reactivating an active account: %v", err)
		}
		if err := s.Reactivate(ctx, audit.System, "admin", "back from leave"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "admin", "admin-password-1", "127.0.0.1"); err != nil {
			t.Fatalf("reactivated account signs in: %v", err)
		}
		recs, _ := audit.ForObject(ctx, db, "user", "admin")
		var seen bool
		for _, r := range recs {
			seen = seen || r.Action == "user.reactivate"
		}
		if !seen {
			t.Fatalf("reactivation not audited: %+v", recs)
		}
	})
}

// Issue 9.6: a user's address is where every notice goes; refused when it
// is not one bare address.
func TestUserEmail(t *testing.T) {
	for _, bad := range []string{"not-an-email", "a@b.kz\r\nBcc: all@evil.kz", "Иван <ivan@example.kz>", "<ivan@example.kz>", "a@b.kz, c@d.kz", "a@"} {
		if err := auth.ValidEmail(bad); err == nil {
			t.Errorf("ValidEmail(%q) accepted", bad)
		}
	}
	for _, good := range []string{"ivan@example.kz", "i.petrov+desk@mail.example.kz"} {
		if err := auth.ValidEmail(good); err != nil {
			t.Errorf("ValidEmail(%q): %v", good, err)
		}
	}
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		s := auth.New(db, time.Now)
		_, err := s.CreateUser(context.Background(), audit.System, auth.NewUser{Login: "op9", Password: "long-enough-9", Role: "operator",
			Email: "x@y.kz\r\nBcc: all@evil.kz"})
		var ae *apperr.Error
		if !asErr(err, &ae) || ae.Code != apperr.Invalid || ae.Fields["email"] == "" {
			t.Fatalf("create with a header break in email: %v, want 400 naming email", err)
		}
	})
}

// cheapHashes lowers the argon2id cost for the test (a full-cost hash per
// sign-in would make these tests take minutes under -race).
func cheapHashes(t *testing.T) {
	old := auth.HashCost
	auth.HashCost = auth.Cost{Time: 1, MemoryKiB: 64, Threads: 1}
	t.Cleanup(func() { auth.HashCost = old })
}
