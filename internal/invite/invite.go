// Package invite registers colleagues of an organization by invitation
// (E5–E7): a signed-in applicant, customer or authority user invites an
// address; the person opens the mailed link, chooses a login and a
// password, gives the consents of the role (E6 for applicants and
// customers, E7 for the authorized body's staff), and gets an account with
// the inviter's role and organization. Who consented, when, from where and
// to which text version is recorded (table consents).
package invite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are the package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// TTL is how long an invitation can be accepted.
const TTL = 7 * 24 * time.Hour

// Service keeps the invitations and consents of one database.
type Service struct {
	DB   *store.DB
	Auth *auth.Service
	Now  func() time.Time
	// Seal seals the invitation link in the outbox (internal/secret); nil:
	// the link is queued readable — tests only.
	Seal   func(string) string
	Domain string // Message-ID domain
}

// Invitation is one invitation as its pages show it.
type Invitation struct {
	ID           int64
	Inviter      string
	Email        string
	Role         auth.Role
	BIN          string
	Organization string
	Language     string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	AcceptedAt   *time.Time
}

// CanInvite: applicants and customers of an organization, and the
// authorized body's users, invite colleagues.
func CanInvite(p auth.Principal) bool {
	return (p.Role.PortalUser() && p.BIN != "") || p.Role == auth.RoleAuthority
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// Invite records an invitation of email to by's organization and role, and
// mails the link base + "/invite/" + token in lang. The token is returned
// (the caller shows nothing of it; tests follow it).
func (s *Service) Invite(ctx context.Context, by auth.Principal, addr, base, email, lang string) (string, Invitation, error) {
	if !CanInvite(by) {
		return "", Invitation{}, apperr.New(apperr.Forbidden, "role %s does not invite colleagues", by.Role)
	}
	email = strings.TrimSpace(email)
	v := apperr.Validation{}
	if err := auth.ValidEmail(email); err != nil {
		v.Add("email", err.Error())
	}
	switch lang {
	case "ru", "kk", "en":
	default:
		v.Add("language", "one of ru, kk, en")
	}
	if err := v.Err(); err != nil {
		return "", Invitation{}, err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", Invitation{}, err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	now := s.Now().UTC()
	inv := Invitation{Inviter: by.Login, Email: email, Role: by.Role, BIN: by.BIN, Organization: by.Organization, Language: lang,
		CreatedAt: now, ExpiresAt: now.Add(TTL)}
	link := strings.TrimSuffix(base, "/") + "/invite/" + tok
	if s.Seal != nil {
		link = s.Seal(link)
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, Q.InsertInvitation, hashToken(tok), by.ID, email, string(by.Role), by.BIN, by.Organization, lang,
			store.T(now), store.T(inv.ExpiresAt)).Scan(&inv.ID); err != nil {
			return apperr.Wrap(err, "invitation")
		}
		id := strconv.FormatInt(inv.ID, 10)
		inviter := by.Login
		if by.FullName != "" {
			inviter = by.FullName
		}
		if by.Organization != "" {
			inviter += ", " + by.Organization
		}
		if err := notify.Enqueue(ctx, tx, now, s.Domain, notify.Notification{Event: "user.invitation:" + id, Kind: templates.Invitation,
			Channel: "email", Email: email, Lang: lang, Data: templates.Data{Number: "INV-" + id, InviteURL: link, Inviter: inviter}}); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by.Actor(addr), audit.Entry{Action: "user.invite", ObjectType: "invitation", ObjectID: id,
			After: map[string]any{"email": email, "role": by.Role, "bin": by.BIN, "expires_at": inv.ExpiresAt}})
		return err
	})
	return tok, inv, err
}

func scan(r interface{ Scan(...any) error }) (Invitation, int64, error) {
	var inv Invitation
	var inviterID int64
	var role string
	var created, expires, accepted store.Time
	err := r.Scan(&inv.ID, &inviterID, &inv.Inviter, &inv.Email, &role, &inv.BIN, &inv.Organization, &inv.Language, &created, &expires, &accepted)
	inv.Role, inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt = auth.Role(role), created.Time, expires.Time, accepted.Ptr()
	return inv, inviterID, err
}

// errGone is the one answer for an unknown, used or expired link: which of
// them it was is nobody's business but the desk's.
var errGone = apperr.New(apperr.NotFound, "this invitation does not exist, was used, or has expired")

// Open returns the invitation of tok while it can be accepted.
func (s *Service) Open(ctx context.Context, tok string) (Invitation, error) {
	if tok == "" || len(tok) > 100 {
		return Invitation{}, errGone
	}
	inv, _, err := scan(s.DB.R.QueryRowContext(ctx, Q.InvitationByToken, hashToken(tok)))
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, errGone
	}
	if err != nil {
		return Invitation{}, apperr.Wrap(err, "invitation")
	}
	if inv.AcceptedAt != nil || !s.Now().Before(inv.ExpiresAt) {
		return Invitation{}, errGone
	}
	return inv, nil
}

// Acceptance is what the invited person gives.
type Acceptance struct {
	Login, Password, FullName string
	Lang                      string          // the language the consents were shown in
	Consents                  map[string]bool // by Consent.ID
}

// Accept creates the account of tok's invitation with the consents given,
// all in one transaction; a consent of the role not given names its field.
func (s *Service) Accept(ctx context.Context, tok, addr string, in Acceptance) (auth.User, error) {
	inv, err := s.Open(ctx, tok)
	if err != nil {
		return auth.User{}, err
	}
	switch in.Lang {
	case "ru", "kk", "en":
	default:
		in.Lang = inv.Language
	}
	v := apperr.Validation{}
	req := Required(inv.Role)
	for _, c := range req {
		if !in.Consents[c.ID] {
			v.Add(c.ID, "required: the "+c.Rule+" consent of registration")
		}
	}
	if err := v.Err(); err != nil {
		return auth.User{}, err
	}
	p, err := s.Auth.PrepareUser(ctx, auth.NewUser{Login: in.Login, Password: in.Password, Role: string(inv.Role), FullName: strings.TrimSpace(in.FullName),
		Organization: inv.Organization, BIN: inv.BIN, Email: inv.Email, Language: in.Lang})
	if err != nil {
		return auth.User{}, err
	}
	var u auth.User
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		actor := audit.Actor{Login: strings.ToLower(strings.TrimSpace(in.Login)), Role: string(inv.Role), ClientAddr: addr}
		if u, err = s.Auth.InsertUser(ctx, tx, now, actor, p); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, Q.AcceptInvitation, inv.ID, store.T(now), u.ID)
		if err != nil {
			return apperr.Wrap(err, "accept invitation")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errGone // accepted meanwhile
		}
		var given []map[string]string
		for _, c := range req {
			if _, err := tx.ExecContext(ctx, Q.InsertConsent, u.ID, c.Rule, c.ID+"@"+c.Version, c.SHA256(in.Lang), in.Lang, inv.ID, addr, store.T(now)); err != nil {
				return apperr.Wrap(err, "consent")
			}
			given = append(given, map[string]string{"rule": c.Rule, "text": c.ID + "@" + c.Version})
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, actor, audit.Entry{Action: "user.invitation_accepted", ObjectType: "invitation",
			ObjectID: strconv.FormatInt(inv.ID, 10), After: map[string]any{"login": u.Login, "consents": given}})
		return err
	})
	return u, err
}

// Of lists the latest invitations of an organization (BIN).
func (s *Service) Of(ctx context.Context, bin string) ([]Invitation, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.InvitationsOfBin, bin)
	if err != nil {
		return nil, apperr.Wrap(err, "invitations")
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		inv, _, err := scan(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "invitations")
		}
		out = append(out, inv)
	}
	return out, apperr.Wrap(rows.Err(), "invitations")
}

// Given is one recorded consent.
type Given struct {
	Rule, Version, TextSHA256, Lang, ClientAddr string
	InvitationID                                *int64
	AcceptedAt                                  time.Time
}

// ConsentsOf are the consents a user gave.
func (s *Service) ConsentsOf(ctx context.Context, userID int64) ([]Given, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.ConsentsOfUser, userID)
	if err != nil {
		return nil, apperr.Wrap(err, "consents")
	}
	defer rows.Close()
	var out []Given
	for rows.Next() {
		var g Given
		var at store.Time
		if err := rows.Scan(&g.Rule, &g.Version, &g.TextSHA256, &g.Lang, &g.InvitationID, &g.ClientAddr, &at); err != nil {
			return nil, apperr.Wrap(err, "consents")
		}
		g.AcceptedAt = at.Time
		out = append(out, g)
	}
	return out, apperr.Wrap(rows.Err(), "consents")
}
