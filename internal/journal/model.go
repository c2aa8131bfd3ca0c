// Package journal keeps the legal Journal of user appeals about technical
// failures: appeals with their gap-free registration numbers, incidents (the
// failures) they attach to, and the incident lifecycle.
package journal

import (
	"encoding/json"
	"time"
)

// Channels through which an appeal arrives (Q20, Q27, Q28.2, Q46, E19, R1).
var Channels = []string{"email", "phone", "voice", "letter", "forum", "cabinet", "monitoring", "system_log", "specialist", "authority"}

// State of an incident.
type State string

const (
	Registered    State = "registered"
	Analysing     State = "analysing"
	InfoRequested State = "info_requested" // paused while the user is asked (Q38)
	Confirmed     State = "confirmed"
	Refuted       State = "refuted"
	Fixing        State = "fixing"
	Fixed         State = "fixed"
	Closed        State = "closed"
	Merged        State = "merged" // all its appeals moved to another incident
)

type Appeal struct {
	ID            int64      `json:"-"`
	Number        string     `json:"number"`
	IncidentID    int64      `json:"incident_id"`
	Channel       string     `json:"channel"`
	ReceivedAt    time.Time  `json:"received_at"`
	RegisteredAt  time.Time  `json:"registered_at"`
	DetectedAt    *time.Time `json:"detected_at,omitempty"`
	Organization  string     `json:"organization"`
	BIN           string     `json:"bin"`
	ContactEmail  string     `json:"contact_email,omitempty"`
	ContactPhone  string     `json:"contact_phone,omitempty"`
	Description   string     `json:"description"`
	Module        string     `json:"module,omitempty"`
	Announcements []string   `json:"announcements"`
	Lots          []string   `json:"lots"`
	Profile       string     `json:"profile"`
	// SourceMessageID is set for hooks at registration only (from
	// NewAppeal): the Message-ID of the email the appeal came from. It is
	// not stored with the appeal; the mail thread keeps it.
	SourceMessageID string `json:"-"`
	// AccessCode is set for hooks at registration only: the code of
	// tracking by number (R7), printed in the acknowledgement. The Journal
	// does not keep it; internal/convo stores its hash.
	AccessCode string `json:"-"`
}

type Incident struct {
	ID                int64      `json:"id"`
	State             State      `json:"state"`
	PausedFrom        State      `json:"paused_from,omitempty"`
	Profile           string     `json:"profile"`
	FirstRegisteredAt time.Time  `json:"first_registered_at"`
	Criticality       string     `json:"criticality,omitempty"`
	OperatorDependent *bool      `json:"operator_dependent,omitempty"`
	Cause             string     `json:"cause,omitempty"`
	FailureStartedAt  *time.Time `json:"failure_started_at,omitempty"`
	PlannedFixAt      *time.Time `json:"planned_fix_at,omitempty"`
	FixedAt           *time.Time `json:"fixed_at,omitempty"`
	Modules           []string   `json:"modules"`
	Decision          string     `json:"decision,omitempty"`
	Recommendations   string     `json:"recommendations,omitempty"`
	MergedInto        *int64     `json:"merged_into,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	Version           int        `json:"version"`
}

type Transition struct {
	From  State     `json:"from"`
	To    State     `json:"to"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
	Note  string    `json:"note,omitempty"`
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func strList(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	if out == nil {
		out = []string{}
	}
	return out
}
