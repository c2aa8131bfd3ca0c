package auth

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

// RoleChange is one line of the E34 register of changes of roles and
// rights: who, which role, when, on which basis document, the responsible
// person. It is written in the transaction of the change itself, so a change
// without its register line cannot commit.
type RoleChange struct {
	Change      string // grant, change, suspend, reactivate
	Previous    Role   // the role before a change
	Basis       string // the basis document (order, letter, request number)
	Responsible string // the responsible person (E34: of the authorized body)
	SignatureID int64  // the head's EDS signature of the grant (E31), 0 for none
}

// Basis is what an administrator states with a change of rights.
type Basis struct {
	Basis       string `json:"basis"`
	Responsible string `json:"responsible"`
}

func recordRoleChange(ctx context.Context, tx *sql.Tx, now time.Time, by audit.Actor, u User, c RoleChange) error {
	var sig any
	if c.SignatureID != 0 {
		sig = c.SignatureID
	}
	_, err := tx.ExecContext(ctx, Q.InsertRoleChange, store.T(now), u.Login, u.FullName, u.Organization, string(u.Role), c.Change,
		string(c.Previous), c.Basis, c.Responsible, by.Login, sig)
	return apperr.Wrap(err, "role register")
}

// ChangeRole gives login another role, in tx (the caller's transaction,
// e.g. with the head's signature saved in it: E31); the E34 register line
// and the audit record are written in the same transaction.
func (s *Service) ChangeRole(ctx context.Context, tx *sql.Tx, by audit.Actor, login string, role Role, b Basis, signatureID int64) (User, error) {
	v := apperr.Validation{}
	if !ValidRole(string(role)) {
		v.Add("role", fmt.Sprintf("unknown role %q; accepted: %s", role, strings.Join(roleNames(), ", ")))
	}
	if strings.TrimSpace(b.Basis) == "" {
		v.Add("basis", "required (E34): the document the change rests on")
	}
	if strings.TrimSpace(b.Responsible) == "" {
		v.Add("responsible", "required (E34): the responsible person")
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	u, err := scanUser(tx.QueryRowContext(ctx, Q.UserByLogin, strings.ToLower(login)))
	if err == sql.ErrNoRows {
		return User{}, apperr.New(apperr.NotFound, "no user %q", login)
	} else if err != nil {
		return User{}, apperr.Wrap(err, "user")
	}
	if u.Role == role {
		return u, apperr.New(apperr.Conflict, "%q already has the role %s", u.Login, role)
	}
	if role.PortalUser() && u.BIN == "" {
		return u, &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
			Fields: map[string]string{"role": "applicants and customers need a BIN on their account"}}
	}
	if u.Role == RoleAdmin {
		var n int
		if err := tx.QueryRowContext(ctx, Q.CountActiveAdmins).Scan(&n); err != nil {
			return u, apperr.Wrap(err, "count administrators")
		}
		if n <= 1 {
			return u, apperr.New(apperr.Conflict, "%q is the last active administrator; make another administrator first", u.Login)
		}
	}
	now := s.Now().UTC()
	prev := u.Role
	if _, err := tx.ExecContext(ctx, Q.SetRole, u.ID, string(role)); err != nil {
		return u, apperr.Wrap(err, "set role")
	}
	u.Role = role
	if err := recordRoleChange(ctx, tx, now, by, u, RoleChange{Change: "change", Previous: prev, Basis: b.Basis, Responsible: b.Responsible, SignatureID: signatureID}); err != nil {
		return u, err
	}
	_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "user.role", ObjectType: "user", ObjectID: u.Login,
		Before: map[string]string{"role": string(prev)}, After: map[string]any{"role": role, "basis": b.Basis, "responsible": b.Responsible, "signature": signatureID}})
	return u, err
}
