package app_test

import (
	"net/http"
	"sync"
	"testing"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/store/storetest"
)

// Issue 15: two desk processes on one PostgreSQL share sign-in throttling
// and sessions (both live in the database). Six wrong passwords sent at
// once, three to each process, lock the login on both (auth.LoginBackoff:
// five free); a session opened on one is honoured by the other, and a
// sign-out on the other ends it on both.
func TestThrottleAndSessionsAcrossProcesses(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	a, b := boot(t, url), boot(t, url)
	a.user("op1", auth.RoleOperator, "", "")
	login := func(d *desk, pw string) reply {
		return d.req("POST", "/api/v1/login", "", map[string]any{"login": "op1", "password": pw})
	}
	signedIn := a.must(login(a, "password-of-op1"), http.StatusOK)
	var session string
	for _, c := range (&http.Response{Header: signedIn.Header}).Cookies() {
		if c.Name == "td_session" {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie")
	}
	b.must(b.req("GET", "/api/v1/me", "", nil, "Cookie", "td_session="+session), http.StatusOK)
	b.must(b.req("POST", "/api/v1/logout", "", nil, "Cookie", "td_session="+session, "Origin", b.Base), http.StatusNoContent)
	a.must(a.req("GET", "/api/v1/me", "", nil, "Cookie", "td_session="+session), http.StatusUnauthorized)

	free := auth.LoginBackoff.Free
	var wg sync.WaitGroup
	for i := range free + 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := a
			if i%2 == 1 {
				d = b
			}
			r, err := d.send("POST", "/api/v1/login", "", map[string]any{"login": "op1", "password": "wrong-password"})
			if err != nil || (r.Status != http.StatusUnauthorized && r.Status != http.StatusTooManyRequests) {
				t.Errorf("wrong password: %v %s", err, r)
			}
		}()
	}
	wg.Wait()
	for name, d := range map[string]*desk{"a": a, "b": b} {
		if r := login(d, "password-of-op1"); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Errorf("process %s after %d failures split over two processes: %s, want 429 with Retry-After", name, free+1, r)
		}
	}
}
