package auth

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

// Backoff is the brute-force policy of one kind of key (issue 9.2): Free
// failures pass, then every further failure locks the key for Base, doubled
// each time, up to Max. Failures older than Window are forgotten.
type Backoff struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Window time.Duration
}

// A login is the target of guessing: few free failures. A client address
// may be an office behind one NAT: more, but it is never reset by a
// success (one valid account must not launder guesses at others).
var (
	LoginBackoff = Backoff{Free: 5, Base: 2 * time.Second, Max: 30 * time.Minute, Window: time.Hour}
	AddrBackoff  = Backoff{Free: 20, Base: 2 * time.Second, Max: 30 * time.Minute, Window: time.Hour}
)

// Strike is the state of one key.
type Strike struct {
	Failures    int
	LastFailure time.Time
	LockedUntil time.Time
}

// Fail is the state after one more failure at now, and whether it begins a
// lock (a lockout the audit trail records).
func (b Backoff) Fail(s Strike, now time.Time) (Strike, bool) {
	if !s.LastFailure.IsZero() && now.Sub(s.LastFailure) > b.Window {
		s = Strike{}
	}
	s.Failures++
	s.LastFailure = now
	excess := s.Failures - b.Free
	if excess <= 0 {
		return s, false
	}
	d := b.Max
	if excess <= 30 {
		d = min(b.Base<<(excess-1), b.Max)
	}
	s.LockedUntil = now.Add(d)
	return s, true
}

// Locked is how long s is still locked at now (0: not locked).
func (s Strike) Locked(now time.Time) time.Duration {
	if s.LockedUntil.After(now) {
		return s.LockedUntil.Sub(now)
	}
	return 0
}

func loginKey(login string) string { return "login:" + login }

// addrKey spells an address one way ("::1" and "0:0::1" are one client).
func addrKey(addr string) string {
	if ip := net.ParseIP(addr); ip != nil {
		addr = ip.String()
	}
	return "addr:" + addr
}

func (s *Service) strike(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, key string) (Strike, error) {
	var st Strike
	var last, until store.Time
	err := q.QueryRowContext(ctx, Q.ThrottleGet, key).Scan(&st.Failures, &last, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return Strike{}, nil
	}
	st.LastFailure, st.LockedUntil = last.Time, until.Time
	return st, err
}

// throttled refuses a sign-in while its login or client address is locked.
func (s *Service) throttled(ctx context.Context, login, addr string) error {
	now := s.Now()
	var wait time.Duration
	for _, k := range []string{loginKey(login), addrKey(addr)} {
		st, err := s.strike(ctx, s.DB.R, k)
		if err != nil {
			return apperr.Wrap(err, "throttle")
		}
		wait = max(wait, st.Locked(now))
	}
	if wait > 0 {
		return apperr.Throttled(wait, "too many failed sign-ins; retry in %s", wait.Round(time.Second))
	}
	return nil
}

// failed records a failed sign-in against the login and the address, and
// a lockout in the audit trail when one begins.
func (s *Service) failed(ctx context.Context, login, addr string) error {
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		// E32–E33: a failed sign-in is an access-log record too (issue 12).
		if _, err := audit.Append(ctx, tx, s.DB.Dialect, now, audit.Actor{Login: login, Role: "anonymous", ClientAddr: addr},
			audit.Entry{Action: "session.failed", ObjectType: "user", ObjectID: login}); err != nil {
			return err
		}
		for _, k := range []struct {
			key string
			b   Backoff
		}{{loginKey(login), LoginBackoff}, {addrKey(addr), AddrBackoff}} {
			st, err := s.strike(ctx, tx, k.key)
			if err != nil {
				return apperr.Wrap(err, "throttle")
			}
			st, locked := k.b.Fail(st, now)
			if _, err := tx.ExecContext(ctx, Q.ThrottlePut, k.key, st.Failures, store.T(st.LastFailure),
				store.T(st.LockedUntil)); err != nil {
				return apperr.Wrap(err, "throttle")
			}
			if locked {
				if _, err := audit.Append(ctx, tx, s.DB.Dialect, now, audit.Actor{Login: login, Role: "anonymous", ClientAddr: addr},
					audit.Entry{Action: "session.lockout", ObjectType: "throttle", ObjectID: k.key,
						After: map[string]any{"failures": st.Failures, "locked_until": st.LockedUntil}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Unlock clears the failed sign-ins of login and, when addr is given, of
// that client address; audited.
func (s *Service) Unlock(ctx context.Context, by audit.Actor, login, addr string) error {
	u, err := s.ByLogin(ctx, login)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		keys := []string{loginKey(u.Login)}
		if addr != "" {
			keys = append(keys, addrKey(addr))
		}
		var before []map[string]any
		for _, k := range keys {
			st, err := s.strike(ctx, tx, k)
			if err != nil {
				return apperr.Wrap(err, "throttle")
			}
			before = append(before, map[string]any{"key": k, "failures": st.Failures, "locked_until": store.T(st.LockedUntil).Ptr()})
			if _, err := tx.ExecContext(ctx, Q.ThrottleClear, k); err != nil {
				return apperr.Wrap(err, "unlock")
			}
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "user.unlock", ObjectType: "user", ObjectID: u.Login,
			Before: before, After: map[string]any{"cleared": keys}})
		return err
	})
}
