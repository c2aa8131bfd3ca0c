package auth

import (
	"context"
	"database/sql"
	"fmt"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

// SetPassword replaces a user's password and ends their browser sessions
// (API tokens stay: integrations are not the person). An administrator
// uses it for the reset Q22 describes, after checking the person's
// identity; the audit record says who reset it, never the password.
func (s *Service) SetPassword(ctx context.Context, by audit.Actor, login, password string) error {
	if len([]rune(password)) < MinPasswordLen {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
			Fields: map[string]string{"new_password": fmt.Sprintf("at least %d characters", MinPasswordLen)}}
	}
	u, err := s.ByLogin(ctx, login)
	if err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return apperr.Wrap(err, "hash password")
	}
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, Q.SetPassword, u.ID, hash); err != nil {
			return apperr.Wrap(err, "set password")
		}
		if _, err := tx.ExecContext(ctx, Q.RevokeUserSessions, u.ID, store.T(now)); err != nil {
			return apperr.Wrap(err, "revoke sessions")
		}
		action := "user.password_reset"
		if by.ID == u.ID {
			action = "user.password_change"
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: action, ObjectType: "user", ObjectID: u.Login})
		return err
	})
}

// ChangeOwnPassword checks the current password before setting a new one.
func (s *Service) ChangeOwnPassword(ctx context.Context, p Principal, clientAddr, current, password string) error {
	u, err := s.ByID(ctx, p.ID)
	if err != nil {
		return err
	}
	ok, err := CheckPassword(u.PasswordHash, current)
	if err != nil {
		return apperr.Wrap(err, "check password")
	}
	if !ok {
		return &apperr.Error{Code: apperr.Forbidden, Message: "the current password is wrong",
			Fields: map[string]string{"current_password": "wrong"}}
	}
	return s.SetPassword(ctx, p.Actor(clientAddr), u.Login, password)
}
