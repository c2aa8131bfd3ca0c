package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"tenderdesk/internal/app"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

func TestMain(m *testing.M) {
	// Full-cost argon2id takes seconds per hash under -race; hashes record
	// their cost, so checking them is unchanged.
	auth.HashCost = auth.Cost{Time: 1, MemoryKiB: 64, Threads: 1}
	os.Exit(m.Run())
}

// cliBackends runs fn with a --db value for each backend, the two in
// parallel (they share nothing).
func cliBackends(t *testing.T, fn func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "data")
		t.Parallel()
		fn(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		db := storetest.PostgresURL(t)
		t.Parallel()
		fn(t, db)
	})
}

// stdinMu serializes the runs that read os.Stdin, which tdRun swaps.
var stdinMu sync.Mutex

// tdRun runs the CLI in-process, with stdin as standard input, and asserts
// the exit code; it returns stdout and stderr.
func tdRun(t *testing.T, want int, stdin string, args ...string) (string, string) {
	t.Helper()
	if stdin != "" {
		stdinMu.Lock()
		defer stdinMu.Unlock()
		f, err := os.CreateTemp(t.TempDir(), "stdin")
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(stdin)
		f.Seek(0, io.SeekStart)
		old := os.Stdin
		os.Stdin = f
		defer func() { os.Stdin = old; f.Close() }()
	}
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != want {
		t.Fatalf("tenderdesk %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, &out, &errb)
	}
	return out.String(), errb.String()
}

// openApp opens the desk on db in-process, for what the CLI cannot do
// (register an appeal) or to check what it did.
func openApp(t *testing.T, db string) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), config.MustParse(map[string]string{"db": db, "log-level": "error"}),
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestCLIUsersTokensJournalAudit(t *testing.T) {
	cliBackends(t, func(t *testing.T, db string) {
		out, _ := tdRun(t, 0, "", "migrate", "--db", db)
		if !strings.Contains(out, "migrations applied on") {
			t.Errorf("migrate: %q", out)
		}
		tdRun(t, 0, "", "migrate", "--db", db) // again: nothing to do, still 0

		out, _ = tdRun(t, 0, "operator-password-1\n", "user", "add", "--login", "op1", "--role", "operator", "--password-stdin", "--db", db)
		if !strings.Contains(out, "user op1 (operator) added") || strings.Contains(out, "password:") {
			t.Errorf("user add --password-stdin: %q", out)
		}
		out, _ = tdRun(t, 0, "", "user", "add", "--login", "beta", "--role", "applicant", "--bin", "000000000010", "--org", "ТОО «Бета»", "--db", db)
		if !regexp.MustCompile(`password: \S{10,}`).MatchString(out) {
			t.Errorf("user add without --password-stdin prints the generated password: %q", out)
		}
		_, errOut := tdRun(t, 1, "", "user", "add", "--login", "op1", "--role", "operator", "--db", db)
		if !strings.Contains(errOut, `login "op1" is taken`) {
			t.Errorf("duplicate login: %q", errOut)
		}
		_, errOut = tdRun(t, 1, "", "user", "add", "--login", "x1", "--role", "wizard", "--db", db)
		if !strings.Contains(errOut, "role: unknown role") {
			t.Errorf("bad role: %q", errOut)
		}
		_, errOut = tdRun(t, 1, "short\n", "user", "add", "--login", "x2", "--role", "operator", "--password-stdin", "--db", db)
		if !strings.Contains(errOut, "password: at least") {
			t.Errorf("short password: %q", errOut)
		}

		tok, _ := tdRun(t, 0, "", "token", "create", "--login", "op1", "--label", "ci", "--db", db)
		tok = strings.TrimSpace(tok)
		a := openApp(t, db)
		p, err := a.Auth.Authenticate(context.Background(), tok)
		if err != nil || p.Login != "op1" || p.Via != "api" {
			t.Fatalf("the printed token %q does not authenticate op1: %+v %v", tok, p.User, err)
		}
		// The password from stdin works.
		if _, _, err := a.Auth.Login(context.Background(), "op1", "operator-password-1", "test"); err != nil {
			t.Errorf("login with the password given on stdin: %v", err)
		}
		tdRun(t, 2, "", "token", "create", "--db", db)                      // --login missing
		tdRun(t, 1, "", "token", "create", "--login", "nobody", "--db", db) // unknown user

		out, _ = tdRun(t, 0, "", "user", "suspend", "--login", "op1", "--reason", "уволен", "--db", db)
		if !strings.Contains(out, "user op1 suspended") {
			t.Errorf("suspend: %q", out)
		}
		if _, err := a.Auth.Authenticate(context.Background(), tok); err == nil {
			t.Error("the suspended user's token still authenticates")
		}
		tdRun(t, 1, "", "user", "suspend", "--login", "op1", "--reason", "again", "--db", db) // already suspended
		tdRun(t, 2, "", "user", "suspend", "--login", "op1", "--db", db)                      // no reason
		tdRun(t, 1, "", "token", "create", "--login", "op1", "--db", db)                      // suspended

		out, _ = tdRun(t, 0, "", "user", "list", "--db", db)
		if !regexp.MustCompile(`(?m)^op1\s+operator\s+suspended`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^beta\s+applicant\s+active\s+ТОО «Бета»\s+000000000010`).MatchString(out) {
			t.Errorf("user list:\n%s", out)
		}

		// journal list shows a registered appeal, and filters.
		c := journal.Caller{Actor: p.Actor("test")}
		recv := time.Now().Add(-time.Hour)
		reg, err := a.Journal.Register(context.Background(), c, journal.NewAppeal{Channel: "phone", ReceivedAt: &recv,
			Organization: "ТОО «Бета»", BIN: "000000000010", ContactPhone: "+7 701 000 00 00",
			Description: "Қолтаңба қойылмайды"}, "")
		if err != nil {
			t.Fatal(err)
		}
		out, _ = tdRun(t, 0, "", "journal", "list", "--db", db)
		if !strings.Contains(out, reg.Number) || !strings.Contains(out, "Қолтаңба қойылмайды") || !strings.Contains(out, "registered") {
			t.Errorf("journal list:\n%s", out)
		}
		out, _ = tdRun(t, 0, "", "journal", "list", "--q", "ҚОЛТАҢБА", "--json", "--db", db)
		if !strings.Contains(out, `"number": "`+reg.Number+`"`) {
			t.Errorf("journal list --q --json:\n%s", out)
		}
		out, _ = tdRun(t, 0, "", "journal", "list", "--channel", "email", "--db", db)
		if strings.Contains(out, reg.Number) {
			t.Errorf("journal list --channel email lists a phone appeal:\n%s", out)
		}
		_, errOut = tdRun(t, 2, "", "journal", "list", "--state", "bogus", "--db", db)
		if !strings.Contains(errOut, "state: unknown state") {
			t.Errorf("bad filter: %q", errOut)
		}
		tdRun(t, 2, "", "journal", "list", "--from", "yesterday", "--db", db)

		// audit verify: intact, then an UPDATE on a record is named.
		out, _ = tdRun(t, 0, "", "audit", "verify", "--db", db)
		if !strings.Contains(out, "audit trail intact") {
			t.Errorf("audit verify: %q", out)
		}
		tamper(t, db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
		out, _ = tdRun(t, 1, "", "audit", "verify", "--db", db)
		if !strings.Contains(out, "BROKEN at record 3") {
			t.Errorf("audit verify after tampering with record 3: %q", out)
		}
	})
}

// tamper changes the database behind the desk's back.
func tamper(t *testing.T, db, stmt string) {
	t.Helper()
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.W.Exec(stmt)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows", stmt, n)
	}
}

func TestCLIHelpVersionUnknown(t *testing.T) {
	out, _ := tdRun(t, 0, "", "version")
	if !strings.HasPrefix(out, "tenderdesk ") || !strings.Contains(out, "go1.") {
		t.Errorf("version: %q", out)
	}
	out, _ = tdRun(t, 0, "", "--help")
	for _, n := range names() {
		if !strings.Contains(out, n) {
			t.Errorf("usage does not list %q", n)
		}
	}
	tdRun(t, 0, "")
	for _, n := range names() {
		t.Run(n, func(t *testing.T) {
			tdRun(t, 0, "", append(strings.Fields(n), "--help")...)
		})
	}
	// Issue 8, defect 5: every group of commands answers --help with its commands.
	groups := map[string]bool{}
	for _, n := range names() {
		w := strings.Fields(n)
		for i := 1; i < len(w); i++ {
			if g := strings.Join(w[:i], " "); commands[g].run == nil {
				groups[g] = true
			}
		}
	}
	if !groups["calendar override"] || !groups["user"] {
		t.Fatalf("groups %v", groups)
	}
	for g := range groups {
		out, _ := tdRun(t, 0, "", append(strings.Fields(g), "--help")...)
		for _, n := range group(g) {
			if !strings.Contains(out, n) {
				t.Errorf("%s --help does not list %q: %s", g, n, out)
			}
		}
		tdRun(t, 2, "", strings.Fields(g)...)
	}
	// Issue 8, defect 4: the CLI takes the API's channel words.
	out, _ = tdRun(t, 0, "", "sla", "deadline", "--profile", "kz-quasi", "--clock", "registration", "--channel", "system_log", "--at", "2026-10-01T10:00:00+05:00")
	if !strings.Contains(out, `"channel":"system_log"`) {
		t.Errorf("sla deadline --channel system_log: %s", out)
	}
	for _, old := range []string{"web", "log", "operator"} {
		tdRun(t, 2, "", "sla", "deadline", "--profile", "kz-quasi", "--clock", "registration", "--channel", old, "--at", "2026-10-01T10:00:00+05:00")
	}
	// Issue 8, defect 3: a family past its last version's end still answers, with a warning.
	out, errOut := tdRun(t, 0, "", "sla", "deadline", "--profile", "kz-goszakup", "--clock", "registration", "--at", "2026-10-01T10:00:00+05:00")
	if !strings.Contains(out, `"profile":"kz-goszakup@2022"`) || !strings.Contains(errOut, "used past its end (2024-12-31)") {
		t.Errorf("sla deadline on a lapsed family: %s / %s", out, errOut)
	}
	tdRun(t, 0, "", "calendar", "--profile", "kz-goszakup", "--from", "2026-10-01", "--to", "2026-10-02")
	// ... until an administrator records the version's period (data, audited).
	db := filepath.Join(t.TempDir(), "data")
	out, _ = tdRun(t, 0, "", "profile", "list", "--db", db)
	if !strings.Contains(out, "kz-goszakup@2022") {
		t.Errorf("profile list: %s", out)
	}
	_, errOut = tdRun(t, 1, "", "profile", "period", "--db", db, "--id", "kz-goszakup@2022", "--from", "2022-01-07")
	if !strings.Contains(errOut, "basis: required") {
		t.Errorf("period without a basis: %s", errOut)
	}
	out, _ = tdRun(t, 0, "", "profile", "period", "--db", db, "--id", "kz-goszakup@2022", "--from", "2022-01-07", "--basis", "приказ № 1")
	if !strings.Contains(out, `"in_force": true`) {
		t.Errorf("profile period: %s", out)
	}
	tdRun(t, 0, "", "audit", "verify", "--db", db)
	_, errOut = tdRun(t, 2, "", "frobnicate")
	if !strings.Contains(errOut, `unknown command "frobnicate"`) || !strings.Contains(errOut, "audit verify") {
		t.Errorf("unknown command: %q", errOut)
	}
	tdRun(t, 2, "", "user", "add", "--no-such-flag")
	tdRun(t, 2, "", "serve", "--log-level", "loud")
	tdRun(t, 2, "", "audit", "verify", "extra-argument")
}
