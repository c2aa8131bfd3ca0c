package journal

import (
	"slices"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
)

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// Every action from every state: legal ones land where the lifecycle says,
// every other pair is a Conflict (409).
func TestLifecycleEveryPair(t *testing.T) {
	legal := map[Action]map[State]State{
		ActAnalyse:     {Registered: Analysing},
		ActRequestInfo: {Analysing: InfoRequested, Fixing: InfoRequested},
		ActConfirm:     {Analysing: Confirmed},
		ActRefute:      {Analysing: Refuted},
		ActStartFix:    {Confirmed: Fixing},
		ActFix:         {Fixing: Fixed},
		ActClose:       {Fixed: Closed, Refuted: Closed},
		ActResume:      {InfoRequested: Analysing}, // paused_from below
	}
	all := []State{Registered, Analysing, InfoRequested, Confirmed, Refuted, Fixing, Fixed, Closed, Merged}
	// Data each action needs to pass validation.
	in := TransitionInput{Note: "screenshots requested", Criticality: "medium", Cause: "operator_staff_error", Decision: "restarted the signing service"}
	for _, a := range Actions {
		for _, st := range all {
			inc := Incident{ID: 1, State: st, PausedFrom: Analysing}
			in.Action = a
			out, err := Apply(inc, in, now)
			want, ok := legal[a][st]
			if !ok {
				if apperr.CodeOf(err) != apperr.Conflict {
					t.Errorf("%s from %s: got %v, want conflict", a, st, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s from %s: %v", a, st, err)
				continue
			}
			if out.State != want {
				t.Errorf("%s from %s: state %s, want %s", a, st, out.State, want)
			}
		}
	}
}

func TestLifecycleData(t *testing.T) {
	started := now.Add(-3 * time.Hour)
	cases := []struct {
		rule  string
		from  Incident
		in    TransitionInput
		field string // the field named by the validation error, "" for success
		check func(t *testing.T, got Incident)
	}{
		{"Q33 level required", Incident{State: Analysing}, TransitionInput{Action: ActConfirm, Cause: "cyber_attack"}, "criticality", nil},
		{"Q34 unknown level", Incident{State: Analysing}, TransitionInput{Action: ActConfirm, Criticality: "critical", Cause: "cyber_attack"}, "criticality", nil},
		{"Q26 cause decides: operator staff error is operator-dependent", Incident{State: Analysing},
			TransitionInput{Action: ActConfirm, Criticality: "high", Cause: "operator_staff_error"}, "",
			func(t *testing.T, got Incident) {
				if got.OperatorDependent == nil || !*got.OperatorDependent || got.Criticality != "high" {
					t.Fatalf("got %+v", got)
				}
			}},
		{"Q26 cyber attack is independent of the operator", Incident{State: Analysing},
			TransitionInput{Action: ActConfirm, Criticality: "medium", Cause: "cyber_attack"}, "",
			func(t *testing.T, got Incident) {
				if got.OperatorDependent == nil || *got.OperatorDependent {
					t.Fatalf("got %+v", got.OperatorDependent)
				}
			}},
		{"Q26 contradiction refused", Incident{State: Analysing},
			TransitionInput{Action: ActConfirm, Criticality: "medium", Cause: "user_malware", OperatorDependent: ptr(true)}, "operator_dependent", nil},
		{"Q26 unknown cause", Incident{State: Analysing}, TransitionInput{Action: ActConfirm, Criticality: "low", Cause: "gremlins"}, "cause", nil},
		{"Q26 kind required", Incident{State: Analysing}, TransitionInput{Action: ActConfirm, Criticality: "low"}, "cause", nil},
		{"confirm keeps failure window", Incident{State: Analysing},
			TransitionInput{Action: ActConfirm, Criticality: "high", OperatorDependent: ptr(false), FailureStartedAt: &started, Modules: []string{"auction"}}, "",
			func(t *testing.T, got Incident) {
				if !got.FailureStartedAt.Equal(started) || !slices.Equal(got.Modules, []string{"auction"}) {
					t.Fatalf("got %+v", got)
				}
			}},
		{"failure cannot start in the future", Incident{State: Analysing},
			TransitionInput{Action: ActConfirm, Criticality: "high", OperatorDependent: ptr(true), FailureStartedAt: ptr(now.Add(time.Hour))}, "failure_started_at", nil},
		{"Q32 refutation carries supporting information", Incident{State: Analysing}, TransitionInput{Action: ActRefute}, "note", nil},
		{"Q38 pause records what it paused", Incident{State: Fixing}, TransitionInput{Action: ActRequestInfo, Note: "which browser?"}, "",
			func(t *testing.T, got Incident) {
				if got.State != InfoRequested || got.PausedFrom != Fixing {
					t.Fatalf("got %s from %s", got.State, got.PausedFrom)
				}
			}},
		{"Q38 pause says what is asked", Incident{State: Analysing}, TransitionInput{Action: ActRequestInfo}, "note", nil},
		{"Q38 resume returns to the paused state", Incident{State: InfoRequested, PausedFrom: Fixing}, TransitionInput{Action: ActResume}, "",
			func(t *testing.T, got Incident) {
				if got.State != Fixing || got.PausedFrom != "" {
					t.Fatalf("got %s (paused_from %q)", got.State, got.PausedFrom)
				}
			}},
		{"Journal: the decision is recorded on fix", Incident{State: Fixing}, TransitionInput{Action: ActFix}, "decision", nil},
		{"fix defaults to now", Incident{State: Fixing}, TransitionInput{Action: ActFix, Decision: "patched"}, "",
			func(t *testing.T, got Incident) {
				if !got.FixedAt.Equal(now) || got.Decision != "patched" {
					t.Fatalf("got %+v", got)
				}
			}},
		{"fix before start refused", Incident{State: Fixing, FailureStartedAt: &started}, TransitionInput{Action: ActFix, Decision: "x", FixedAt: ptr(started.Add(-time.Minute))}, "fixed_at", nil},
		{"fix before the first registration refused", Incident{State: Fixing, FirstRegisteredAt: now.Add(-time.Hour)},
			TransitionInput{Action: ActFix, Decision: "x", FixedAt: ptr(now.Add(-2 * time.Hour))}, "fixed_at", nil},
		{"fix at the first registration accepted", Incident{State: Fixing, FirstRegisteredAt: now.Add(-time.Hour)},
			TransitionInput{Action: ActFix, Decision: "x", FixedAt: ptr(now.Add(-time.Hour))}, "",
			func(t *testing.T, got Incident) {
				if got.State != Fixed {
					t.Fatalf("got %s", got.State)
				}
			}},
		{"unknown action is 404", Incident{State: Analysing}, TransitionInput{Action: "teleport"}, "-", nil},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			got, err := Apply(c.from, c.in, now)
			switch c.field {
			case "":
				if err != nil {
					t.Fatal(err)
				}
				c.check(t, got)
			case "-":
				if apperr.CodeOf(err) != apperr.NotFound {
					t.Fatalf("got %v, want not_found", err)
				}
			default:
				ae, ok := err.(*apperr.Error)
				if !ok || ae.Code != apperr.Invalid || ae.Fields[c.field] == "" {
					t.Fatalf("got %v, want invalid naming %s", err, c.field)
				}
				if got.State != c.from.State {
					t.Fatalf("state moved to %s on error", got.State)
				}
			}
		})
	}
}
