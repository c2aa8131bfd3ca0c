package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The CLI prints exactly the golden plan of the engine's scenario.
func TestImpactPlanCLI(t *testing.T) {
	dir := filepath.Join("..", "..", "internal", "impact", "testdata")
	for _, name := range []string{"Q36.7", "Q37.10", "composition", "delta"} {
		var out, errb bytes.Buffer
		code := run([]string{"impact", "plan", "--scenario", filepath.Join(dir, name+".scenario.json")}, &out, &errb)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errb.String())
		}
		want, err := os.ReadFile(filepath.Join(dir, name+".plan.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s: output differs from the golden plan:\n%s", name, out.String())
		}
	}
}

func TestImpactPlanCLIErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("..", "..", "internal", "impact", "testdata", "Q36.5.scenario.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, from, to, want string }{
		{"unknown method", `"method": "tender"`, `"method": "lottery"`, `unknown method "lottery"`},
		{"unknown kind", `"kind": "contract_signing"`, `"kind": "contract_sign"`, `unknown deadline kind "contract_sign"`},
		{"no offset", `"at": "2026-03-20T12:00:00+05:00"`, `"at": "2026-03-20T12:00:00"`, `has no UTC offset`},
		{"fix before start", `"fixed_at": "2026-03-20T16:30:00+05:00"`, `"fixed_at": "2026-03-19T16:30:00+05:00"`, `fixed_at`},
		{"unknown field", `"operator_dependent": true`, `"operator_dependant": true`, `unknown field "operator_dependant"`},
		{"unknown profile", `"profile": "kz-quasi"`, `"profile": "kz-quasy"`, `kz-quasy`},
	}
	for _, tt := range tests {
		s := strings.Replace(string(good), tt.from, tt.to, 1)
		if s == string(good) {
			t.Fatalf("%s: replacement did not apply", tt.name)
		}
		f := filepath.Join(t.TempDir(), "s.json")
		if err := os.WriteFile(f, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		code := run([]string{"impact", "plan", "--scenario", f}, &out, &errb)
		msg := errb.String()
		if code == 0 || !strings.Contains(msg, tt.want) || strings.Count(strings.TrimSpace(msg), "\n") != 0 || out.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want non-zero and one line containing %q", tt.name, code, out.String(), msg, tt.want)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"impact", "plan", "--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--scenario FILE") {
		t.Errorf("--help: exit %d, %q", code, out.String())
	}
	if code := run([]string{"impact", "plan"}, &out, &errb); code == 0 {
		t.Error("no --scenario: want a non-zero exit")
	}
}
