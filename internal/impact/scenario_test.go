package impact

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.plan.json from the current engine")

// TestGolden plans every testdata/*.scenario.json with the real regulation
// profiles and compares the JSON with its *.plan.json (go test -update to
// accept a deliberate change, then read the diff).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.scenario.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".scenario.json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := ParseScenario(data)
			if err != nil {
				t.Fatal(err)
			}
			acts, loc, err := PlanScenario(sc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := MarshalPlan(acts, loc)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".plan.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("plan differs from %s:\n%s", golden, got)
			}
			// Every scenario named after a rule must exercise that rule.
			rule := strings.SplitN(name, "-", 2)[0]
			if name == "G-000" || strings.HasPrefix(name, "G-000-") {
				rule = "G-000"
			}
			if rule[0] == 'Q' || rule[0] == 'E' || rule[0] == 'G' {
				if rule != "Q35" && !bytes.Contains(got, []byte(`"rule": "`+rule+`"`)) {
					t.Errorf("scenario %s produces no action citing %s", name, rule)
				}
			}
		})
	}
}

func TestParseScenarioErrors(t *testing.T) {
	base := `{"profile":"kz-quasi","incident":{"criticality":"medium","modules":["m"],"started_at":"2026-03-20T10:00:00+05:00",` +
		`"confirmed_at":"2026-03-20T11:00:00+05:00","fixed_at":"2026-03-20T16:30:00+05:00"},` +
		`"procedures":[{"id":"P","method":"tender","module":"m","deadlines":[{"kind":"bids_end","at":"2026-03-20T15:00:00+05:00"}]}]}`
	if _, err := ParseScenario([]byte(base)); err != nil {
		t.Fatalf("base scenario: %v", err)
	}
	tests := []struct{ name, from, to, want string }{
		{"unknown method", `"method":"tender"`, `"method":"lottery"`, `procedures[0].method: unknown method "lottery"`},
		{"unknown kind", `"kind":"bids_end"`, `"kind":"bid_end"`, `procedures[0].deadlines[0].kind: unknown deadline kind "bid_end"`},
		{"time without offset", `"at":"2026-03-20T15:00:00+05:00"`, `"at":"2026-03-20T15:00:00"`, `procedures[0].deadlines[0].at: "2026-03-20T15:00:00" has no UTC offset`},
		{"fix before start", `"fixed_at":"2026-03-20T16:30:00+05:00"`, `"fixed_at":"2026-03-20T09:30:00+05:00"`, `incident.fixed_at: 2026-03-20T09:30:00+05:00 is before started_at`},
		{"unknown field", `"modules":["m"]`, `"modules":["m"],"severity":"x"`, `unknown field "severity"`},
		{"bad criticality", `"criticality":"medium"`, `"criticality":"urgent"`, `incident.criticality: "urgent"`},
		{"not a time", `"started_at":"2026-03-20T10:00:00+05:00"`, `"started_at":"yesterday"`, `incident.started_at: "yesterday" is not an RFC 3339 time`},
		{"no profile", `"profile":"kz-quasi",`, ``, `profile: required`},
		{"no scope", `"modules":["m"],`, ``, `name the affected modules or procedures`},
		{"bad option", `"profile":"kz-quasi",`, `"profile":"kz-quasi","options":{"days":"weeks"},`, `options.days: "weeks"`},
		{"trailing data", `]}]}`, `]}]}{}`, `trailing data`},
	}
	for _, tt := range tests {
		s := strings.Replace(base, tt.from, tt.to, 1)
		if s == base {
			t.Fatalf("%s: replacement did not apply", tt.name)
		}
		_, err := ParseScenario([]byte(s))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: want error containing %q, got %v", tt.name, tt.want, err)
		}
	}
}

// FuzzParseScenario: any input either fails with an error or yields a
// scenario the planner handles without panicking.
func FuzzParseScenario(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.scenario.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"profile":"kz-energy@2025","procedures":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data)
		if err != nil {
			return
		}
		if len(sc.Procedures) > 50 {
			return
		}
		acts, loc, err := PlanScenario(sc)
		if err != nil {
			return
		}
		if _, err := MarshalPlan(acts, loc); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}
