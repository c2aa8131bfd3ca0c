// Package analysis is what the operator owes the authorized body besides the
// Journal extract (internal/reports): the daily analysis of the previous
// day's failures (Q43), the annual information (Q44), the written reports of
// a fixed medium or high failure (Q36.10, Q37.13), the authorized body's
// forwarded letters (Q46), its priority requests (Q47) and the requests for
// a legal assessment (Q19).
//
// The figures are pure functions of facts read from the Journal and the
// clocks, with the clock injected; the Service stores, schedules and serves
// them. Readings of the open texts are in docs/analysis.md.
package analysis

import (
	"time"

	"tenderdesk/internal/vocab"
)

// Failure is one incident as the analyses see it.
type Failure struct {
	ID                int64      `json:"id"`
	Number            string     `json:"number"`
	State             string     `json:"state"`
	Level             string     `json:"level,omitempty"` // criticality (Q34), "" until confirmed
	OperatorDependent *bool      `json:"operator_dependent,omitempty"`
	Cause             string     `json:"cause,omitempty"`
	Decision          string     `json:"decision,omitempty"`
	Recommendations   string     `json:"recommendations,omitempty"`
	Modules           []string   `json:"modules"`
	FirstRegisteredAt time.Time  `json:"first_registered_at"`
	FailureStartedAt  *time.Time `json:"failure_started_at,omitempty"`
	ConfirmedAt       *time.Time `json:"confirmed_at,omitempty"`
	PlannedFixAt      *time.Time `json:"planned_fix_at,omitempty"`
	FixedAt           *time.Time `json:"fixed_at,omitempty"`
}

// AppealFact is one appeal of the Journal.
type AppealFact struct {
	Number       string    `json:"number"`
	IncidentID   int64     `json:"incident_id"`
	Channel      string    `json:"channel"`
	Module       string    `json:"module,omitempty"`
	RegisteredAt time.Time `json:"registered_at"`
}

// ClockFact is one regulation clock of the clocks table.
type ClockFact struct {
	IncidentID int64      `json:"incident_id"`
	Clock      string     `json:"clock"`
	Basis      string     `json:"basis"`
	Level      string     `json:"level,omitempty"`
	State      string     `json:"state"`
	Start      time.Time  `json:"start"`
	Deadline   time.Time  `json:"deadline"`
	MetAt      *time.Time `json:"met_at,omitempty"`
}

// Count is one bucket of a breakdown.
type Count struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// Final states: nothing is left to do about the failure.
func final(state string) bool {
	switch vocab.IncidentState(state) {
	case vocab.Refuted, vocab.Fixed, vocab.Closed, vocab.Merged:
		return true
	}
	return false
}

// levelKey is the level bucket of a failure: its criticality once confirmed,
// "refuted" when it was not a failure, "pending" while being analysed.
func levelKey(f Failure) string {
	switch {
	case f.Level != "":
		return f.Level
	case vocab.IncidentState(f.State) == vocab.Refuted:
		return "refuted"
	}
	return "pending"
}

// kindKey is the kind of the failure (Q26): dependent on the operator or not,
// "unknown" until the operator says.
func kindKey(f Failure) string {
	switch {
	case f.OperatorDependent == nil:
		return "unknown"
	case *f.OperatorDependent:
		return "dependent"
	}
	return "independent"
}
