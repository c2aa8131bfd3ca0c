package auth

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
)

// ValidEmail accepts a bare address (name@domain): notices are sent to it,
// so a display name, a header break (CR/LF) or anything net/mail does not
// read back as the same address is refused (issue 9.6).
func ValidEmail(s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return errors.New("must not contain line breaks")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return errors.New("not a valid email address (name@domain, without a display name)")
	}
	return nil
}

// Reactivate lifts a suspension (E9: accounts are suspended, never
// deleted, so also brought back); audited. Revoked sessions and tokens stay
// revoked: the person signs in again.
func (s *Service) Reactivate(ctx context.Context, by audit.Actor, login, reason string) error {
	u, err := s.ByLogin(ctx, login)
	if err != nil {
		return err
	}
	if u.Status == "active" {
		return apperr.New(apperr.Conflict, "user %q is active", u.Login)
	}
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, Queries["reactivate-user"], u.ID); err != nil {
			return apperr.Wrap(err, "reactivate")
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "user.reactivate", ObjectType: "user", ObjectID: u.Login,
			Before: map[string]string{"status": "suspended"}, After: map[string]string{"status": "active", "reason": reason}})
		return err
	})
}
