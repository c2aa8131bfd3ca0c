// Package clamdtest gives tests the real clamd of TENDERDESK_TEST_CLAMD
// (.ci/clamd.sh starts one with a local EICAR database). Without it the
// test is skipped, saying so; under CI (CI=true) it fails instead.
package clamdtest

import (
	"context"
	"os"
	"testing"

	"tenderdesk/internal/files"
)

const Env = "TENDERDESK_TEST_CLAMD"

// EICAR is the antivirus test file (harmless; every scanner reports it).
const EICAR = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// Addr returns the clamd setting (unix:/path) of a clamd that answers.
func Addr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv(Env)
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not: the clamd tests must run (.ci/clamd.sh)", Env)
		}
		t.Skipf("clamd half skipped: run .ci/clamd.sh and set %s=unix:/path/to/clamd.sock", Env)
	}
	c, _, err := files.ParseClamd(addr)
	if err != nil || c == nil {
		t.Fatalf("%s=%q: %v", Env, addr, err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("%s=%q: %v", Env, addr, err)
	}
	return addr
}
