package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("пароль-Қазақ-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Fatalf("hash %q is not argon2id with the expected parameters", h)
	}
	for pw, want := range map[string]bool{"пароль-Қазақ-1": true, "пароль-қазақ-1": false, "": false} {
		ok, err := auth.CheckPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	h2, _ := auth.HashPassword("пароль-Қазақ-1")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if _, err := auth.CheckPassword("$bcrypt$whatever", "x"); err == nil {
		t.Fatal("a foreign hash must be an error, not a mismatch")
	}
}

// The permission matrix, as the roles of REQUIREMENTS "Roles" need it: portal
// users file and follow appeals; operators work incidents; only the
// administrator manages users; the authorized body and auditors read.
func TestPermissions(t *testing.T) {
	cases := []struct {
		role auth.Role
		perm auth.Permission
		want bool
	}{
		{auth.RoleApplicant, auth.PermAppealCreate, true},
		{auth.RoleApplicant, auth.PermIncidentTransition, false},
		{auth.RoleApplicant, auth.PermIncidentRead, false},
		{auth.RoleCustomer, auth.PermAppealCreate, true},
		{auth.RoleOperator, auth.PermIncidentTransition, true},
		{auth.RoleOperator, auth.PermUserManage, false},
		{auth.RoleSpecialist, auth.PermAppealCreate, true}, // Q28.2: specialists record what they notice
		{auth.RoleAdmin, auth.PermUserManage, true},
		{auth.RoleAuthority, auth.PermJournalRead, true},
		{auth.RoleAuthority, auth.PermIncidentTransition, false},
		{auth.RoleAuditor, auth.PermAuditRead, true},
		{auth.RoleAuditor, auth.PermAppealCreate, false},
		{auth.Role("root"), auth.PermAppealRead, false},
	}
	for _, c := range cases {
		if got := auth.Allowed(c.role, c.perm); got != c.want {
			t.Errorf("Allowed(%s, %s) = %v, want %v", c.role, c.perm, got, c.want)
		}
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

func TestCredentials(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &fakeClock{time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC)}
		s := auth.New(db, clk.Now)
		created, pw, err := s.Bootstrap(ctx, "admin", "")
		if err != nil || !created || len(pw) < auth.MinPasswordLen {
			t.Fatalf("bootstrap: %v %q %v", created, pw, err)
		}
		if again, _, err := s.Bootstrap(ctx, "admin", ""); again || err != nil {
			t.Fatalf("second bootstrap created=%v err=%v", again, err)
		}
		if _, err := s.CreateUser(ctx, audit.System, auth.NewUser{Login: "Supplier1", Password: "long-enough-1", Role: "applicant"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("applicant without BIN: %v", err)
		}
		u, err := s.CreateUser(ctx, audit.System, auth.NewUser{Login: "Supplier1", Password: "long-enough-1", Role: "applicant", BIN: "123456789013"})
		if err != nil || u.Login != "supplier1" {
			t.Fatalf("create: %+v %v", u, err)
		}
		if _, err := s.CreateUser(ctx, audit.System, auth.NewUser{Login: "supplier1", Password: "long-enough-1", Role: "applicant", BIN: "123456789013"}); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("duplicate login: %v", err)
		}
		if _, _, err := s.Login(ctx, "supplier1", "wrong-password", "127.0.0.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, "nobody", "wrong-password", "127.0.0.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("unknown user: %v", err)
		}
		session, _, err := s.Login(ctx, "supplier1", "long-enough-1", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		token, err := s.CreateToken(ctx, audit.System, "supplier1", "portal")
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{session, token} {
			if p, err := s.Authenticate(ctx, tok); err != nil || p.Login != "supplier1" {
				t.Fatalf("authenticate: %+v %v", p, err)
			}
		}
		// Sessions expire; API tokens do not.
		clk.t = clk.t.Add(auth.SessionTTL)
		if _, err := s.Authenticate(ctx, session); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("expired session: %v", err)
		}
		if _, err := s.Authenticate(ctx, token); err != nil {
			t.Fatalf("token after 12 h: %v", err)
		}
		// E9: suspension revokes credentials and blocks sign-in; the account stays.
		if err := s.Suspend(ctx, audit.System, "supplier1", "E9 test"); err != nil {
			t.Fatal(err)
		}
		// The token is revoked, and its holder is told why (403, not a bare 401).
		if _, err := s.Authenticate(ctx, token); apperr.CodeOf(err) != apperr.Forbidden || !strings.Contains(err.Error(), "suspended") {
			t.Fatalf("token of a suspended user: %v", err)
		}
		if _, _, err := s.Login(ctx, "supplier1", "long-enough-1", "127.0.0.1"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("login of a suspended user: %v", err)
		}
		if err := s.Suspend(ctx, audit.System, "supplier1", "again"); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second suspension: %v", err)
		}
		if u, err := s.ByLogin(ctx, "supplier1"); err != nil || u.Status != "suspended" || u.SuspendedAt == nil {
			t.Fatalf("suspended user: %+v %v", u, err)
		}
		for _, bad := range []string{"", "tds_", "tdk_nonexistent", "Bearer x"} {
			if _, err := s.Authenticate(ctx, bad); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("token %q: %v", bad, err)
			}
		}
		// admin created, supplier created, two failed sign-ins (E32–E33:
		// recorded in the access log, issue 12), login, token, suspension.
		if n, err := audit.Verify(ctx, db); err != nil || n != 7 {
			t.Fatalf("audit: %d records, %v; want 7", n, err)
		}
	})
}

// Q22: the administrator resets a password (after the contact center checked
// the person); a user changes their own with the current one. Either ends
// the browser sessions; API tokens stay.
func TestPasswordChange(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &fakeClock{time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC)}
		s := auth.New(db, clk.Now)
		if _, err := s.CreateUser(ctx, audit.System, auth.NewUser{Login: "op1", Password: "first-password", Role: "operator"}); err != nil {
			t.Fatal(err)
		}
		session, _, err := s.Login(ctx, "op1", "first-password", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		token, err := s.CreateToken(ctx, audit.System, "op1", "integration")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Authenticate(ctx, session)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ChangeOwnPassword(ctx, p, "127.0.0.1", "not-the-password", "second-password"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("wrong current password: %v", err)
		}
		if err := s.ChangeOwnPassword(ctx, p, "127.0.0.1", "first-password", "short"); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("short new password: %v", err)
		}
		if err := s.ChangeOwnPassword(ctx, p, "127.0.0.1", "first-password", "second-password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, session); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("session after a password change: %v", err)
		}
		if _, err := s.Authenticate(ctx, token); err != nil {
			t.Fatalf("API token after a password change: %v", err)
		}
		if _, _, err := s.Login(ctx, "op1", "first-password", ""); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("old password: %v", err)
		}
		if err := s.SetPassword(ctx, audit.Actor{Login: "admin", Role: "admin"}, "op1", "third-password"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "op1", "third-password", ""); err != nil {
			t.Fatalf("reset password: %v", err)
		}
		if err := s.SetPassword(ctx, audit.System, "nobody", "third-password"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown user: %v", err)
		}
		recs, err := audit.ForObject(ctx, db, "user", "op1")
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, r := range recs {
			actions = append(actions, r.Action)
			if strings.Contains(string(r.After)+string(r.Before), "password") {
				t.Errorf("audit record %s carries a password: %s", r.Action, r.After)
			}
		}
		// Failed sign-ins change nothing but are recorded (E32–E33, issue 12).
		want := "user.create session.login token.create user.password_change session.failed user.password_reset session.login"
		if got := strings.Join(actions, " "); got != want {
			t.Fatalf("audit of op1: %s\nwant %s", got, want)
		}
	})
}
