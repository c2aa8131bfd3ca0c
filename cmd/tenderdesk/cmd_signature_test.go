package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/signature/sigtest"
)

// `tenderdesk signature verify` re-checks a signature offline (issue 12):
// an openssl-made one verifies; the same over changed bytes is refused.
func TestCLISignatureVerifyOffline_Q4(t *testing.T) {
	p := sigtest.NewPKI(t)
	userIIN := sigtest.Complete("85010130012", iin.Validate)
	c := p.Inter.Issue(sigtest.NCASubject("ИВАНОВ", "ИВАН", userIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	dir := t.TempDir()
	doc := []byte(`{"action":"journal.extract","object_id":"2026"}`)
	if err := os.WriteFile(filepath.Join(dir, "doc.json"), doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "doc.cms"), sigtest.Sign(t, c, []string{p.Inter.Cert}, doc, false), 0o644); err != nil {
		t.Fatal(err)
	}
	crl := p.Inter.CRL() + "," + p.Root.CRL()
	out, _ := tdRun(t, 0, "", "signature", "verify", "--cms", filepath.Join(dir, "doc.cms"), "--content", filepath.Join(dir, "doc.json"),
		"--trust-dir", p.Dir, "--crl-files", crl, "--iin", userIIN)
	if !strings.Contains(out, "signature valid: ИВАНОВ ИВАН (IIN "+userIIN+")") || !strings.Contains(out, "revocation: crl") {
		t.Fatalf("%q", out)
	}
	if err := os.WriteFile(filepath.Join(dir, "doc.json"), append(doc, ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ = tdRun(t, 1, "", "signature", "verify", "--cms", filepath.Join(dir, "doc.cms"), "--content", filepath.Join(dir, "doc.json"),
		"--trust-dir", p.Dir, "--crl-files", crl)
	if !strings.Contains(out, "signature REFUSED (tampered)") {
		t.Fatalf("%q", out)
	}
}

// `audit verify --against CHECKPOINT`: the day's witness (from `retention
// run`) held outside catches a chain rewritten from a record on.
func TestCLIAuditVerifyAgainstWitness(t *testing.T) {
	cliBackends(t, func(t *testing.T, db string) {
		tdRun(t, 0, "operator-password-1\n", "user", "add", "--login", "op1", "--role", "operator", "--password-stdin", "--db", db)
		out, _ := tdRun(t, 0, "", "retention", "run", "--db", db)
		if !strings.Contains(out, "witness: record") {
			t.Fatalf("%q", out)
		}
		a := openApp(t, db)
		cp, err := audit.LatestWitness(context.Background(), a.DB)
		if err != nil || cp.Seq == 0 {
			t.Fatal(cp, err)
		}
		held := filepath.Join(t.TempDir(), "witness.json")
		if err := os.WriteFile(held, cp.Document, 0o644); err != nil {
			t.Fatal(err)
		}
		tdRun(t, 0, "", "audit", "verify", "--db", db, "--against", held)
		// rewrite the witnessed record's hash and re-head the chain so it is
		// consistent on its own
		if _, err := a.DB.W.ExecContext(context.Background(), "UPDATE audit_log SET hash = $1 WHERE seq = $2", strings.Repeat("0", 64), cp.Seq); err != nil {
			t.Fatal(err)
		}
		out, _ = tdRun(t, 1, "", "audit", "verify", "--db", db, "--against", held)
		if !strings.Contains(out, "BROKEN") {
			t.Fatalf("%q", out)
		}
	})
}
