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
		if _, err := tx.ExecContext(ctx, Q.ReactivateUser, u.ID); err != nil {
			return apperr.Wrap(err, "reactivate")
		}
		if err := recordRoleChange(ctx, tx, now, by, u, RoleChange{Change: "reactivate", Basis: reason}); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "user.reactivate", ObjectType: "user", ObjectID: u.Login,
			Before: map[string]string{"status": "suspended"}, After: map[string]string{"status": "active", "reason": reason}})
		return err
	})
}

// UserChange is an administrator's edit of a user's details; absent fields
// stay as they are. Login, role and BIN are not edited here: they decide
// what the user may see.
type UserChange struct {
	FullName     *string `json:"full_name"`
	Organization *string `json:"organization"`
	Email        *string `json:"email"`
	Language     *string `json:"language"`
}

// UpdateUser applies c to login's account (an email is checked as on
// creation: issue 9.6); audited with the values before and after.
func (s *Service) UpdateUser(ctx context.Context, by audit.Actor, login string, c UserChange) (User, error) {
	u, err := s.ByLogin(ctx, login)
	if err != nil {
		return u, err
	}
	before := u
	v := apperr.Validation{}
	if c.Email != nil {
		if *c.Email != "" {
			if err := ValidEmail(*c.Email); err != nil {
				v.Add("email", err.Error())
			}
		}
		u.Email = *c.Email
	}
	if c.Language != nil {
		switch *c.Language {
		case "ru", "kk", "en":
			u.Language = *c.Language
		default:
			v.Add("language", "one of ru, kk, en")
		}
	}
	for field, p := range map[string]*string{"full_name": c.FullName, "organization": c.Organization} {
		if p != nil && len([]rune(*p)) > 300 {
			v.Add(field, "longer than 300 characters")
		}
	}
	if c.FullName != nil {
		u.FullName = strings.TrimSpace(*c.FullName)
	}
	if c.Organization != nil {
		u.Organization = strings.TrimSpace(*c.Organization)
	}
	if err := v.Err(); err != nil {
		return before, err
	}
	now := s.Now().UTC()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, Q.UpdateUser, u.ID, u.FullName, u.Organization, u.Email, u.Language); err != nil {
			return apperr.Wrap(err, "update user")
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "user.update", ObjectType: "user", ObjectID: u.Login,
			Before: before, After: u})
		return err
	})
	return u, err
}
