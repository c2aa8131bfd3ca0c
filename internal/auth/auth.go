package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

var Queries = store.MustParse(queriesSQL)

// SessionTTL is how long a browser session lives.
const SessionTTL = 12 * time.Hour

type User struct {
	ID           int64      `json:"id"`
	Login        string     `json:"login"`
	PasswordHash string     `json:"-"`
	Role         Role       `json:"role"`
	FullName     string     `json:"full_name,omitempty"`
	Organization string     `json:"organization,omitempty"`
	BIN          string     `json:"bin,omitempty"`
	Email        string     `json:"email,omitempty"`
	Language     string     `json:"language"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	SuspendedAt  *time.Time `json:"suspended_at,omitempty"`
}

// Principal is an authenticated caller.
type Principal struct {
	User
	Via string // "session" or "api"
}

func (p Principal) Actor(clientAddr string) audit.Actor {
	return audit.Actor{ID: p.ID, Login: p.Login, Role: string(p.Role), ClientAddr: clientAddr}
}

type Service struct {
	DB  *store.DB
	Now func() time.Time

	// credUser is the per-request token lookup, prepared once on the read
	// pool: the driver otherwise parses it again for every request.
	credMu   sync.Mutex
	credUser *sql.Stmt

	// Gate bounds concurrent password hashing (nil: sized for
	// DefaultHashMemory on first use).
	Gate     *Gate
	gateOnce sync.Once
}

func New(db *store.DB, now func() time.Time) *Service { return &Service{DB: db, Now: now} }

type NewUser struct {
	Login        string `json:"login"`
	Password     string `json:"password"`
	Role         string `json:"role"`
	FullName     string `json:"full_name"`
	Organization string `json:"organization"`
	BIN          string `json:"bin"`
	Email        string `json:"email"`
	Language     string `json:"language"`
	Basis        string `json:"basis,omitempty"`       // E34 register: the basis document of the grant
	Responsible  string `json:"responsible,omitempty"` // E34 register: the responsible person
}

var loginRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

func (n *NewUser) validate() error {
	v := apperr.Validation{}
	n.Login = strings.ToLower(strings.TrimSpace(n.Login))
	if !loginRe.MatchString(n.Login) {
		v.Add("login", "2–64 characters: lowercase latin letters, digits, . _ @ -")
	}
	if !ValidRole(n.Role) {
		v.Add("role", fmt.Sprintf("unknown role %q; accepted: %s", n.Role, strings.Join(roleNames(), ", ")))
	}
	if len([]rune(n.Password)) < MinPasswordLen {
		v.Add("password", fmt.Sprintf("at least %d characters", MinPasswordLen))
	}
	if n.Email != "" {
		if err := ValidEmail(n.Email); err != nil {
			v.Add("email", err.Error())
		}
	}
	if n.BIN != "" {
		if err := iin.Validate(n.BIN); err != nil {
			v.Add("bin", err.Error())
		}
	}
	if Role(n.Role).PortalUser() && n.BIN == "" {
		v.Add("bin", "required for applicants and customers: they see their organization's appeals")
	}
	switch n.Language {
	case "":
		n.Language = "ru"
	case "ru", "kk", "en":
	default:
		v.Add("language", "one of ru, kk, en")
	}
	return v.Err()
}

func roleNames() []string {
	var s []string
	for _, r := range Roles {
		s = append(s, string(r))
	}
	return s
}

// CreateUser adds a user; the audit record never contains the password.
func (s *Service) CreateUser(ctx context.Context, by audit.Actor, n NewUser) (User, error) {
	p, err := s.PrepareUser(ctx, n)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		u, err = s.InsertUser(ctx, tx, s.Now().UTC(), by, p)
		return err
	})
	return u, err
}

// PreparedUser is a checked new user with its password hashed, to be
// inserted in a caller's transaction (an invitation's acceptance).
type PreparedUser struct {
	n    NewUser
	hash string
}

// PrepareUser checks n and hashes its password (slow: outside any
// transaction).
func (s *Service) PrepareUser(ctx context.Context, n NewUser) (PreparedUser, error) {
	if err := n.validate(); err != nil {
		return PreparedUser{}, err
	}
	hash, err := s.hash(ctx, n.Password)
	if err != nil {
		return PreparedUser{}, err
	}
	return PreparedUser{n: n, hash: hash}, nil
}

// InsertUser adds a prepared user in tx, audited.
func (s *Service) InsertUser(ctx context.Context, tx *sql.Tx, now time.Time, by audit.Actor, p PreparedUser) (User, error) {
	n := p.n
	u := User{Login: n.Login, Role: Role(n.Role), FullName: n.FullName, Organization: n.Organization, BIN: n.BIN,
		Email: n.Email, Language: n.Language, Status: "active", CreatedAt: now}
	if err := tx.QueryRowContext(ctx, Q.InsertUser, n.Login, p.hash, n.Role, n.FullName, n.Organization,
		n.BIN, n.Email, n.Language, store.T(now)).Scan(&u.ID); err != nil {
		if store.IsUniqueViolation(err) {
			return User{}, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("login %q is taken", n.Login), Fields: map[string]string{"login": "taken"}}
		}
		return User{}, apperr.Wrap(err, "insert user")
	}
	if err := recordRoleChange(ctx, tx, now, by, u, RoleChange{Change: "grant", Basis: n.Basis, Responsible: n.Responsible}); err != nil {
		return User{}, err
	}
	_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: u.Login, After: u})
	return u, err
}

// Suspend suspends an account (E9: never deleted) and revokes its sessions
// and tokens.
func (s *Service) Suspend(ctx context.Context, by audit.Actor, login, reason string) error {
	u, err := s.ByLogin(ctx, login)
	if err != nil {
		return err
	}
	if u.Status == "suspended" {
		return apperr.New(apperr.Conflict, "user %q is already suspended", login)
	}
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if u.Role == RoleAdmin {
			// E9 and issue 9.8: nobody could administer the desk after
			// this. (Counted in the transaction: on SQLite's one writer it
			// is exact; on PostgreSQL two administrators suspended at the
			// same instant by different sessions could still both pass.)
			var n int
			if err := tx.QueryRowContext(ctx, Q.CountActiveAdmins).Scan(&n); err != nil {
				return apperr.Wrap(err, "count administrators")
			}
			if n <= 1 {
				return apperr.New(apperr.Conflict, "%q is the last active administrator; make another administrator first", u.Login)
			}
		}
		if _, err := tx.ExecContext(ctx, Q.SuspendUser, u.ID, store.T(now)); err != nil {
			return apperr.Wrap(err, "suspend")
		}
		if _, err := tx.ExecContext(ctx, Q.RevokeUserCredentials, u.ID, store.T(now)); err != nil {
			return apperr.Wrap(err, "revoke")
		}
		if err := recordRoleChange(ctx, tx, now, by, u, RoleChange{Change: "suspend", Basis: reason}); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "user.suspend", ObjectType: "user", ObjectID: login,
			Before: map[string]string{"status": "active"}, After: map[string]string{"status": "suspended", "reason": reason}})
		return err
	})
}

type rowScanner interface{ Scan(...any) error }

func scanUser(r rowScanner, extra ...any) (User, error) {
	var u User
	var role string
	var created, suspended store.Time
	dest := append([]any{&u.ID, &u.Login, &u.PasswordHash, &role, &u.FullName, &u.Organization, &u.BIN, &u.Email,
		&u.Language, &u.Status, &created, &suspended}, extra...)
	if err := r.Scan(dest...); err != nil {
		return u, err
	}
	u.Role, u.CreatedAt, u.SuspendedAt = Role(role), created.Time, suspended.Ptr()
	return u, nil
}

func (s *Service) ByLogin(ctx context.Context, login string) (User, error) {
	u, err := scanUser(s.DB.R.QueryRowContext(ctx, Q.UserByLogin, strings.ToLower(login)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.New(apperr.NotFound, "no user %q", login)
	}
	if err != nil {
		return u, apperr.Wrap(err, "load user")
	}
	return u, nil
}

func (s *Service) ByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.DB.R.QueryRowContext(ctx, Q.UserByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.New(apperr.NotFound, "no user %d", id)
	}
	return u, apperr.Wrap(err, "load user")
}

func (s *Service) List(ctx context.Context) ([]User, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.ListUsers)
	if err != nil {
		return nil, apperr.Wrap(err, "list users")
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "list users")
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// issue stores a new credential and returns its secret; only the hash is kept.
func (s *Service) issue(ctx context.Context, tx *sql.Tx, u User, kind, label string, ttl time.Duration) (string, error) {
	prefix := "tds_"
	if kind == "api" {
		prefix = "tdk_"
	}
	tok := prefix + RandomSecret(32)
	now := s.Now().UTC()
	var exp store.Time
	if ttl > 0 {
		exp = store.T(now.Add(ttl))
	}
	_, err := tx.ExecContext(ctx, Q.InsertCredential, hashToken(tok), u.ID, kind, label, store.T(now), exp)
	return tok, err
}

var errBadLogin = apperr.New(apperr.Unauthorized, "wrong login or password")

// Login checks the password and opens a browser session. A login or client
// address with too many recent failures is refused before any hashing
// (429), and so is a check that finds every hashing slot busy.
func (s *Service) Login(ctx context.Context, login, password, clientAddr string) (string, User, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if err := s.throttled(ctx, login, clientAddr); err != nil {
		return "", User{}, err
	}
	u, err := s.ByLogin(ctx, login)
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return "", u, err
	}
	ok := false
	if err != nil {
		// Same cost as a real check: no user enumeration by timing.
		if _, herr := s.hash(ctx, password); herr != nil {
			return "", u, herr
		}
	} else if ok, err = s.check(ctx, u.PasswordHash, password); err != nil {
		return "", u, err
	}
	if !ok {
		if err := s.failed(ctx, login, clientAddr); err != nil {
			return "", u, err
		}
		return "", u, errBadLogin
	}
	if u.Status != "active" {
		return "", u, apperr.New(apperr.Forbidden, "account %q is suspended", u.Login)
	}
	var tok string
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if _, err = tx.ExecContext(ctx, Q.ThrottleClear, loginKey(u.Login)); err != nil {
			return apperr.Wrap(err, "throttle")
		}
		if tok, err = s.issue(ctx, tx, u, "session", "", SessionTTL); err != nil {
			return apperr.Wrap(err, "session")
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, s.Now(), audit.Actor{ID: u.ID, Login: u.Login, Role: string(u.Role), ClientAddr: clientAddr},
			audit.Entry{Action: "session.login", ObjectType: "user", ObjectID: u.Login})
		return err
	})
	return tok, u, err
}

// hash and check run argon2id inside the gate (429 when it is full).
func (s *Service) hash(ctx context.Context, pw string) (h string, err error) {
	if gerr := s.gate().Do(ctx, func() { h, err = HashPassword(pw) }); gerr != nil {
		return "", gerr
	}
	return h, apperr.Wrap(err, "hash password")
}

func (s *Service) check(ctx context.Context, hash, pw string) (ok bool, err error) {
	if gerr := s.gate().Do(ctx, func() { ok, err = CheckPassword(hash, pw) }); gerr != nil {
		return false, gerr
	}
	return ok, apperr.Wrap(err, "check password")
}

func (s *Service) gate() *Gate {
	s.gateOnce.Do(func() {
		if s.Gate == nil {
			s.Gate = NewGate(GateSlots(DefaultHashMemory, HashCost))
		}
	})
	return s.Gate
}

// CreateToken issues a bearer API token for login.
func (s *Service) CreateToken(ctx context.Context, by audit.Actor, login, label string) (string, error) {
	u, err := s.ByLogin(ctx, login)
	if err != nil {
		return "", err
	}
	if u.Status != "active" {
		return "", apperr.New(apperr.Conflict, "user %q is suspended", login)
	}
	var tok string
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if tok, err = s.issue(ctx, tx, u, "api", label, 0); err != nil {
			return apperr.Wrap(err, "token")
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, s.Now(), by, audit.Entry{Action: "token.create", ObjectType: "user", ObjectID: login,
			After: map[string]string{"label": label}})
		return err
	})
	return tok, err
}

var errBadToken = apperr.New(apperr.Unauthorized, "invalid, expired or revoked credentials")

// Authenticate resolves a session or API token to its user.
func (s *Service) Authenticate(ctx context.Context, tok string) (Principal, error) {
	var p Principal
	if !strings.HasPrefix(tok, "tds_") && !strings.HasPrefix(tok, "tdk_") {
		return p, errBadToken
	}
	var exp, rev store.Time
	st, err := s.credentialStmt(ctx)
	if err != nil {
		return p, apperr.Wrap(err, "authenticate")
	}
	u, err := scanUser(st.QueryRowContext(ctx, hashToken(tok)), &p.Via, &exp, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errBadToken
	}
	if err != nil {
		return p, apperr.Wrap(err, "authenticate")
	}
	// Suspension revokes the account's credentials too; say which it is,
	// so the holder of a suspended account's token learns why (E9).
	if u.Status != "active" {
		return p, apperr.New(apperr.Forbidden, "account %q is suspended", u.Login)
	}
	if !rev.IsZero() || (!exp.IsZero() && !s.Now().Before(exp.Time)) {
		return p, errBadToken
	}
	p.User = u
	return p, nil
}

func (s *Service) credentialStmt(ctx context.Context) (*sql.Stmt, error) {
	s.credMu.Lock()
	defer s.credMu.Unlock()
	if s.credUser == nil {
		st, err := s.DB.R.PrepareContext(ctx, Q.CredentialUser)
		if err != nil {
			return nil, err
		}
		s.credUser = st
	}
	return s.credUser, nil
}

func (s *Service) Logout(ctx context.Context, tok string) error {
	_, err := s.DB.W.ExecContext(ctx, Q.RevokeCredential, hashToken(tok), store.T(s.Now()))
	return apperr.Wrap(err, "logout")
}

// Bootstrap creates the first administrator when there are no users. An
// empty password generates one, returned so it can be printed once.
func (s *Service) Bootstrap(ctx context.Context, login, password string) (created bool, pw string, err error) {
	var n int
	if err := s.DB.R.QueryRowContext(ctx, Q.CountUsers).Scan(&n); err != nil {
		return false, "", apperr.Wrap(err, "count users")
	}
	if n > 0 {
		return false, "", nil
	}
	if password == "" {
		password = RandomSecret(15)
	}
	_, err = s.CreateUser(ctx, audit.System, NewUser{Login: login, Password: password, Role: string(RoleAdmin), FullName: "Administrator"})
	if err != nil {
		return false, "", err
	}
	return true, password, nil
}
