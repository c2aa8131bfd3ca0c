// Package impact decides what a confirmed technical failure does to running
// procurements: which deadlines move and by how much, which protocols are
// annulled, who must re-submit or be told (REQUIREMENTS: Q35–Q37, Q41,
// Q48–Q51, E29, G-000).
//
// The engine is pure: no clock, no I/O, no database. A caller builds a
// Planner from the incidents and maintenance windows, then streams procedures
// through it one at a time (AppendProcedure, Plan, PlanEach), so a million
// procedures never have to be in memory at once.
package impact

import (
	"fmt"
	"slices"
	"time"

	"tenderdesk/internal/vocab"
)

// Level is the criticality set on confirmation (Q33, Q34, E23): the
// desk's one criticality type.
type Level = vocab.Criticality

const (
	Low    = vocab.Low
	Medium = vocab.Medium
	High   = vocab.High
)

// Method is the procurement method of a procedure.
type Method string

const (
	Tender            Method = "tender"
	Auction           Method = "auction"
	PriceRequest      Method = "price_request"
	PriceRequestNotGZ Method = "price_request_not_gz"
	Housing           Method = "housing"
	SingleSource      Method = "single_source"
)

// Methods lists every accepted method, for messages and docs.
var Methods = []Method{Tender, Auction, PriceRequest, PriceRequestNotGZ, Housing, SingleSource}

func (m Method) valid() bool { return slices.Contains(Methods, m) }

// Kind is the kind of a procedure deadline: the desk's one deadline-kind
// type, with its labels (vocab.DeadlineKind).
type Kind = vocab.DeadlineKind

const (
	DiscussionEnd     = vocab.DiscussionEnd
	BidsStart         = vocab.BidsStart
	BidsEnd           = vocab.BidsEnd
	PriceOffersEnd    = vocab.PriceOffersEnd
	AuctionRound      = vocab.AuctionRound
	AuctionTrading    = vocab.AuctionTrading
	Decryption        = vocab.Decryption
	OpeningProtocol   = vocab.OpeningProtocol
	AdmissionProtocol = vocab.AdmissionProtocol
	ResultsProtocol   = vocab.ResultsProtocol
	ContractApproval  = vocab.ContractApproval
	ContractSigning   = vocab.ContractSigning
	ComplaintsEnd     = vocab.ComplaintsEnd
	TariffEnd         = vocab.TariffEnd
)

// Kinds lists every accepted deadline kind.
var Kinds = vocab.DeadlineKinds()

// acceptance reports whether k ends the acceptance of bids or price offers.
func acceptance(k Kind) bool { return k == BidsEnd || k == PriceOffersEnd }

func contract(k Kind) bool { return k == ContractApproval || k == ContractSigning }

func protocol(k Kind) bool {
	return k == OpeningProtocol || k == AdmissionProtocol || k == ResultsProtocol
}

// ActionKind is what the plan does.
type ActionKind string

const (
	Extend              ActionKind = "extend"
	Hold                ActionKind = "hold"
	AnnulProtocol       ActionKind = "annul_protocol"
	RequireResubmission ActionKind = "require_resubmission"
	WithdrawDraft       ActionKind = "withdraw_draft"
	RerunProcedure      ActionKind = "rerun_procedure"
	Notify              ActionKind = "notify"
)

// ActionKinds lists every action.
var ActionKinds = []ActionKind{Extend, Hold, AnnulProtocol, RequireResubmission, WithdrawDraft, RerunProcedure, Notify}

func (a ActionKind) valid() bool { return slices.Contains(ActionKinds, a) }

// moves reports whether the action changes a deadline's value.
func (a ActionKind) moves() bool { return a == Extend || a == Hold }

// Participant is a potential supplier taking part in a procedure.
type Participant struct {
	Supplier string // BIN or IIN
	Email    string
	Language string // "ru", "kk", "en"
}

// Deadline is one deadline of a procedure. Lot is empty when the deadline is
// common to all lots; Supplier is set for per-supplier deadlines (tariff_end).
// At is the value currently in force on the portal, i.e. after every applied
// action listed in Procedure.Applied.
type Deadline struct {
	Kind     Kind
	Lot      string
	Supplier string
	At       time.Time
}

// Procedure is one procurement as mirrored from the portal.
type Procedure struct {
	ID           string // external id
	Announcement string
	Lots         []string
	Method       Method
	Customer     string
	Module       string
	Participants []Participant
	Deadlines    []Deadline
	// Applied holds the actions of earlier plans already applied to this
	// procedure, oldest first. The engine plans from the values before them
	// and emits only the difference (see Planner.AppendProcedure).
	Applied []Action
}

// Validate checks the enumerations and that every deadline has a time.
func (p *Procedure) Validate() error {
	if p.ID == "" {
		return fmt.Errorf("procedure without id")
	}
	if !p.Method.valid() {
		return fmt.Errorf("procedure %s: unknown method %q", p.ID, p.Method)
	}
	for i, d := range p.Deadlines {
		if !d.Kind.Valid() {
			return fmt.Errorf("procedure %s: deadline %d: unknown kind %q", p.ID, i, d.Kind)
		}
		if d.At.IsZero() {
			return fmt.Errorf("procedure %s: deadline %d (%s) has no time", p.ID, i, d.Kind)
		}
	}
	return nil
}

// ForceMajeure carries the extension agreed with the authorized body for the
// number of days the circumstances lasted (Q37.10, Q17).
type ForceMajeure struct {
	AgreedDays int
}

// AppealKind names the user appeals that trigger point rules.
type AppealKind string

const (
	// AppealCouldNotParticipate: a protocol was formed during the failure and
	// the user could not take part (Q49).
	AppealCouldNotParticipate AppealKind = "could_not_participate"
	// AppealUnreliableRegister: the supplier could not sign, was put on the
	// register of unreliable participants and taken off early (Q50).
	AppealUnreliableRegister AppealKind = "unreliable_register"
	// AppealDiscussionQuestions: questions could not be submitted during the
	// discussion of the draft documentation (Q51).
	AppealDiscussionQuestions AppealKind = "discussion_questions"
	// AppealUnreliableList: energy platform, a supplier put on the list of
	// unreliable suppliers because of the failure (E29.6).
	AppealUnreliableList AppealKind = "unreliable_list"
)

var appealKinds = []AppealKind{AppealCouldNotParticipate, AppealUnreliableRegister, AppealDiscussionQuestions, AppealUnreliableList}

// Appeal is a user appeal attached to the incident that a point rule needs.
type Appeal struct {
	Kind      AppealKind
	Procedure string
	Lot       string // empty = all lots
	Supplier  string
	At        time.Time // when the appeal was registered
	// ExcludedAt: the supplier was taken off the unreliable register early (Q50).
	ExcludedAt time.Time
	// DraftSentToSecondWinner: the customer already sent the draft contract to
	// the second winner (Q50): it is withdrawn.
	DraftSentToSecondWinner bool
	// ActApprovedAt: the act on the failure was approved (E29.6).
	ActApprovedAt time.Time
}

// Incident is one technical failure as the engine needs it.
type Incident struct {
	ID                string
	Criticality       Level // required once confirmed
	OperatorDependent bool
	Modules           []string // every procedure of these modules is affected
	Procedures        []string // ids of procedures directly affected
	StartedAt         time.Time
	// ReportedAt is the registration of the first appeal; the confirmation
	// window of G-000 starts here. Zero = StartedAt.
	ReportedAt  time.Time
	ConfirmedAt time.Time
	RefutedAt   time.Time
	// HoldUntil is the expected decision time while the incident is neither
	// confirmed nor refuted (the analysis deadline, Q31): the G-000 hold runs
	// to it.
	HoldUntil time.Time
	// FixedAt is the actual fix time when FixActual, else the planned one.
	// Zero on a confirmed operator-dependent incident = the Q38 term.
	FixedAt                   time.Time
	FixActual                 bool
	DecryptionImpossible      bool          // Q37.9, Q37.10
	ForceMajeure              *ForceMajeure // Q37.10
	LastDayAcceptanceAffected bool          // E29.3
	ResultsAffected           []string      // E29.5: procedures whose results the failure affected
	Appeals                   []Appeal
}

// Maintenance is a window of technical and preventive works (Q40, Q41).
// Modules empty = the whole system.
type Maintenance struct {
	ID      string
	Start   time.Time
	End     time.Time
	Modules []string
}

// Input is everything a plan depends on besides the procedures.
type Input struct {
	// Profile is the regulation profile version in force when the (first)
	// incident was registered, e.g. "kz-quasi@2021".
	Profile     string
	Incidents   []Incident
	Maintenance []Maintenance
}

// Text is a reason in Russian, Kazakh and English.
type Text struct {
	RU string `json:"ru"`
	KK string `json:"kk"`
	EN string `json:"en"`
}

// Action is one line of a plan. Old and New are zero for actions that do not
// move a deadline. Event is the id of the incident or maintenance window that
// caused it.
type Action struct {
	Procedure string
	Lot       string
	Deadline  Kind
	Supplier  string
	Old       time.Time
	New       time.Time
	Action    ActionKind
	Rule      string
	Event     string
	Reason    Text
	// Recipients of a notify action (supplier BIN/IIN), when the rule names them.
	Recipients []string
}

// deadlineKey identifies a deadline inside a procedure.
type deadlineKey struct {
	kind     Kind
	lot      string
	supplier string
}

func keyOf(d *Deadline) deadlineKey { return deadlineKey{d.Kind, d.Lot, d.Supplier} }

func actionKey(a *Action) deadlineKey { return deadlineKey{a.Deadline, a.Lot, a.Supplier} }
