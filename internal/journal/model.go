// Package journal keeps the legal Journal of user appeals about technical
// failures: appeals with their gap-free registration numbers, incidents (the
// failures) they attach to, and the incident lifecycle.
package journal

import (
	"encoding/json"
	"time"

	"tenderdesk/internal/vocab"
)

// Channels through which an appeal arrives (Q20, Q27, Q28.2, Q46, E19, R1).
var Channels = vocab.ChannelNames()

// State of an incident: the desk's one incident-state type.
type State = vocab.IncidentState

const (
	Registered    = vocab.Registered
	Analysing     = vocab.Analysing
	InfoRequested = vocab.InfoRequested // paused while the user is asked (Q38)
	Confirmed     = vocab.Confirmed
	Refuted       = vocab.Refuted
	Fixing        = vocab.Fixing
	Fixed         = vocab.Fixed
	Closed        = vocab.Closed
	Merged        = vocab.Merged // all its appeals moved to another incident
)

type Appeal struct {
	ID         int64  `json:"-"`
	Number     string `json:"number"`
	IncidentID int64  `json:"incident_id"`
	// IncidentNumber is the public number of the appeal's failure
	// ("TF-2026-0004"), distinct from appeal numbers.
	IncidentNumber string     `json:"incident_number"`
	Channel        string     `json:"channel"`
	ReceivedAt     time.Time  `json:"received_at"`
	RegisteredAt   time.Time  `json:"registered_at"`
	DetectedAt     *time.Time `json:"detected_at,omitempty"`
	Organization   string     `json:"organization"`
	BIN            string     `json:"bin"`
	ContactEmail   string     `json:"contact_email,omitempty"`
	ContactPhone   string     `json:"contact_phone,omitempty"`
	Description    string     `json:"description"`
	Module         string     `json:"module,omitempty"`
	Announcements  []string   `json:"announcements"`
	Lots           []string   `json:"lots"`
	Profile        string     `json:"profile"`
	// ProfileLapsed flags an appeal registered on a profile version outside
	// its period because the catalogue has none for that time (issue 8,
	// defect 3): never refused, shown to staff until a successor is recorded.
	ProfileLapsed bool `json:"profile_lapsed,omitempty"`
	// PossibleThreadOf is the appeal a message named in its subject without
	// the right to continue it (issue 9.4): registered apart, shown to the
	// operator, who merges it or not.
	PossibleThreadOf string `json:"possible_thread_of,omitempty"`
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
	ID int64 `json:"id"`
	// Number is the failure's public number, "TF-YYYY-NNNN": gap-free per
	// year like appeal numbers, shown on the page, the feeds and every notice.
	Number            string            `json:"incident_number"`
	State             State             `json:"state"`
	PausedFrom        State             `json:"paused_from,omitempty"`
	Profile           string            `json:"profile"`
	FirstRegisteredAt time.Time         `json:"first_registered_at"`
	Criticality       vocab.Criticality `json:"criticality,omitempty"`
	OperatorDependent *bool             `json:"operator_dependent,omitempty"`
	Cause             string            `json:"cause,omitempty"`
	FailureStartedAt  *time.Time        `json:"failure_started_at,omitempty"`
	PlannedFixAt      *time.Time        `json:"planned_fix_at,omitempty"`
	FixedAt           *time.Time        `json:"fixed_at,omitempty"`
	Modules           []string          `json:"modules"`
	Decision          string            `json:"decision,omitempty"`
	Recommendations   string            `json:"recommendations,omitempty"`
	MergedInto        *int64            `json:"merged_into,omitempty"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
	Version           int               `json:"version"`
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
