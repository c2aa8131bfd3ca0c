// Package procurement is the desk's mirror of the portal's procurement
// procedures and their deadlines (imported by the portal as NDJSON, idempotent
// by external id), and the database side of the extension engine: it streams
// the procedures a failure can reach from the database through the pure
// planner (internal/impact), applies a plan atomically (deadlines, applied-plan
// record, change feed, audit summary, outbox notifications: in one
// transaction on PostgreSQL, in short steps invisible until one flip on
// SQLite, staged.go), reverts it, and publishes every change on a feed the portal
// polls and an optional HMAC-signed webhook (docs/procurement-api.md).
package procurement

import (
	"context"
	_ "embed"
	"log/slog"
	"sync"
	"time"

	"tenderdesk/internal/impact"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are this package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Service is the procurement mirror and plan applier.
type Service struct {
	DB  *store.DB
	Now func() time.Time
	Log *slog.Logger
	// Journal loads incidents (criticality, window, modules, transitions).
	Journal *journal.Service
	// MailDomain is the Message-ID domain of outbox notifications.
	MailDomain string
	// Options are the readings the planner uses (docs/regulations.md).
	Options impact.Options
	// Triggers, when set, gives the appeals of an incident that trigger
	// point rules (internal/triggers, issue 14).
	Triggers func(ctx context.Context, incidentID int64) (AppealInputs, error)
	// ForceMajeure, when set, gives the force majeure recorded on the
	// incident (internal/forcemajeure): its agreed days for Q37.10 (0 =
	// none agreed; a plan request's force_majeure_days wins) and the facts
	// the bidders whose deadlines move are told of (Q17).
	ForceMajeure func(ctx context.Context, incidentID int64) (ForceMajeureFacts, error)
	// DefaultProfile is the desk's profile, resolved at a window's start
	// for a maintenance window's own plan (Q41).
	DefaultProfile string
	// ImportBatch is the number of NDJSON lines per import transaction.
	ImportBatch int
	// Chunk is the number of procedures loaded per query when planning.
	Chunk int
	// InsertBatch is the number of plan changes written per statement.
	InsertBatch int

	// applyMu (SQLite, issue 15) serializes what changes or plans from the
	// mirror — Apply, Revert, Import, the dry run — for the whole of a
	// staged apply; registrations and the readers do not take it.
	applyMu sync.Mutex
	// hook, when set (tests), is called after each committed step of a
	// staged apply; an error stops the apply there as a crash would.
	hook func(phase string) error
}

// New returns a service with the default batch sizes.
func New(db *store.DB, now func() time.Time, j *journal.Service, log *slog.Logger, mailDomain string) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{DB: db, Now: now, Log: log, Journal: j, MailDomain: mailDomain, ImportBatch: 1000, Chunk: 1000, InsertBatch: 64}
}

// Participant is a potential supplier taking part in a procedure.
type Participant struct {
	Supplier string `json:"supplier"` // BIN or IIN
	Email    string `json:"email,omitempty"`
	Language string `json:"language,omitempty"` // ru, kk, en
}

// Deadline is one deadline of a procedure; At is the value in force.
type Deadline struct {
	Kind     string    `json:"kind"`
	Lot      string    `json:"lot,omitempty"`
	Supplier string    `json:"supplier,omitempty"`
	At       time.Time `json:"at"`
}

// Procedure is one mirrored procedure as the API shows it.
type Procedure struct {
	ExternalID   string        `json:"external_id"`
	Announcement string        `json:"announcement,omitempty"`
	Lots         []string      `json:"lots"`
	Method       string        `json:"method"`
	Customer     string        `json:"customer,omitempty"`
	Module       string        `json:"module"`
	Participants []Participant `json:"participants"`
	Deadlines    []Deadline    `json:"deadlines"`
	ImportedAt   time.Time     `json:"imported_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	// Changes are the changes of applied (not reverted) plans, oldest first.
	Changes []Change `json:"changes"`
}

// Change is one line of an applied plan.
type Change struct {
	PlanID     int64       `json:"plan_id"`
	Incident   string      `json:"incident"`
	Lot        string      `json:"lot,omitempty"`
	Deadline   string      `json:"deadline,omitempty"`
	Supplier   string      `json:"supplier,omitempty"`
	Action     string      `json:"action"`
	Rule       string      `json:"rule"`
	Old        *time.Time  `json:"old,omitempty"`
	New        *time.Time  `json:"new,omitempty"`
	Reason     impact.Text `json:"reason"`
	Recipients []string    `json:"recipients,omitempty"`
}
