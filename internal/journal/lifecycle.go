package journal

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
)

// Action names an incident transition as the API exposes it.
type Action string

const (
	ActAnalyse     Action = "analyse"      // registered → analysing
	ActRequestInfo Action = "request_info" // analysing|fixing → info_requested (Q38 pause)
	ActResume      Action = "resume"       // info_requested → the state it paused
	ActConfirm     Action = "confirm"      // analysing → confirmed (Q31, Q33)
	ActRefute      Action = "refute"       // analysing → refuted (Q31, Q32)
	ActStartFix    Action = "start_fix"    // confirmed → fixing
	ActFix         Action = "fix"          // fixing → fixed
	ActClose       Action = "close"        // fixed|refuted → closed
)

var Actions = []Action{ActAnalyse, ActRequestInfo, ActResume, ActConfirm, ActRefute, ActStartFix, ActFix, ActClose}

// edges is the lifecycle; resume is special (back to paused_from).
var edges = map[Action]struct {
	from []State
	to   State
}{
	ActAnalyse:     {[]State{Registered}, Analysing},
	ActRequestInfo: {[]State{Analysing, Fixing}, InfoRequested},
	ActResume:      {[]State{InfoRequested}, ""},
	ActConfirm:     {[]State{Analysing}, Confirmed},
	ActRefute:      {[]State{Analysing}, Refuted},
	ActStartFix:    {[]State{Confirmed}, Fixing},
	ActFix:         {[]State{Fixing}, Fixed},
	ActClose:       {[]State{Fixed, Refuted}, Closed},
}

// Causes of Q26: operator-dependent or not. Resolution terms (Q38) run only
// for the operator-dependent ones.
var Causes = map[string]bool{
	"operator_staff_error":       true, // wrongful acts of the operator's specialists
	"operator_infosec":           true, // inadequate information security
	"operator_physical_damage":   true, // physical damage by the operator's fault
	"third_party_damage":         false,
	"third_party_outage":         false,
	"cyber_attack":               false,
	"third_party_act":            false,
	"user_network_or_power":      false,
	"user_computer_settings":     false,
	"user_malware":               false,
	"user_ignoring_instructions": false,
	"user_eds_mishandling":       false,
}

func causeNames() string {
	var s []string
	for c := range Causes {
		s = append(s, c)
	}
	slices.Sort(s)
	return strings.Join(s, ", ")
}

// TransitionInput carries the data some transitions require.
type TransitionInput struct {
	Action            Action     `json:"-"`
	Note              string     `json:"note"`
	Criticality       string     `json:"criticality"`
	Cause             string     `json:"cause"`
	OperatorDependent *bool      `json:"operator_dependent"`
	FailureStartedAt  *time.Time `json:"failure_started_at"`
	PlannedFixAt      *time.Time `json:"planned_fix_at"`
	FixedAt           *time.Time `json:"fixed_at"`
	Modules           []string   `json:"modules"`
	Decision          string     `json:"decision"`
	Recommendations   string     `json:"recommendations"`
	ExpectedVersion   int        `json:"expected_version"` // optional optimistic lock
	// InTx, when set, runs in the transition's transaction after it is
	// saved and before the hooks (the reporter's answer that resumes an
	// information request is stored with the resume, or not at all).
	InTx func(ctx context.Context, tx HookTx, after Incident) error `json:"-"`
}

// Apply is the pure state machine: it returns the incident after the action
// or an error (409 for an illegal transition, 400 for missing data).
func Apply(inc Incident, in TransitionInput, now time.Time) (Incident, error) {
	e, ok := edges[in.Action]
	if !ok {
		return inc, apperr.New(apperr.NotFound, "unknown action %q; accepted: %v", in.Action, Actions)
	}
	if !slices.Contains(e.from, inc.State) {
		return inc, apperr.New(apperr.Conflict, "cannot %s an incident that is %s (allowed from: %v)", in.Action, inc.State, e.from)
	}
	out := inc
	v := apperr.Validation{}
	switch in.Action {
	case ActRequestInfo:
		out.PausedFrom = inc.State
		if strings.TrimSpace(in.Note) == "" {
			v.Add("note", "say what information is requested")
		}
	case ActResume:
		e.to, out.PausedFrom = inc.PausedFrom, ""
	case ActConfirm:
		switch in.Criticality {
		case "low", "medium", "high":
			out.Criticality = in.Criticality
		case "":
			v.Add("criticality", "required: low, medium or high (Q33, Q34)")
		default:
			v.Add("criticality", "one of low, medium, high")
		}
		if in.Cause != "" {
			dep, known := Causes[in.Cause]
			if !known {
				v.Add("cause", "unknown cause; accepted: "+causeNames())
			} else if in.OperatorDependent != nil && *in.OperatorDependent != dep {
				v.Add("operator_dependent", fmt.Sprintf("contradicts cause %q (Q26)", in.Cause))
			} else {
				out.Cause, out.OperatorDependent = in.Cause, &dep
			}
		} else if in.OperatorDependent != nil {
			out.OperatorDependent = in.OperatorDependent
		} else {
			v.Add("cause", "required (or operator_dependent): the kind of failure decides whether resolution terms run (Q26, Q38)")
		}
		if in.FailureStartedAt != nil {
			if in.FailureStartedAt.After(now) {
				v.Add("failure_started_at", "is in the future")
			}
			out.FailureStartedAt = in.FailureStartedAt
		}
		if in.PlannedFixAt != nil {
			out.PlannedFixAt = in.PlannedFixAt
		}
		if len(in.Modules) > 0 {
			out.Modules = in.Modules
		}
	case ActRefute:
		if strings.TrimSpace(in.Note) == "" {
			v.Add("note", "the refutation must give the supporting information sent to the user (Q32)")
		}
	case ActStartFix:
		if in.PlannedFixAt != nil {
			out.PlannedFixAt = in.PlannedFixAt
		}
	case ActFix:
		at := now
		if in.FixedAt != nil {
			if in.FixedAt.After(now) {
				v.Add("fixed_at", "is in the future")
			}
			at = *in.FixedAt
		}
		if out.FailureStartedAt != nil && at.Before(*out.FailureStartedAt) {
			v.Add("fixed_at", "is before the failure started")
		}
		out.FixedAt = &at
		if in.Decision != "" {
			out.Decision = in.Decision
		}
		if in.Recommendations != "" {
			out.Recommendations = in.Recommendations
		}
		if strings.TrimSpace(out.Decision) == "" {
			v.Add("decision", "required: the Journal records the decision taken")
		}
	case ActClose:
		if in.Decision != "" {
			out.Decision = in.Decision
		}
		if in.Recommendations != "" {
			out.Recommendations = in.Recommendations
		}
		if inc.State == Refuted && out.Decision == "" {
			out.Decision = in.Note
		}
	}
	if err := v.Err(); err != nil {
		return inc, err
	}
	out.State = e.to
	out.UpdatedAt = now
	return out, nil
}
