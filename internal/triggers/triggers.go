// Package triggers records the user appeals that trigger point rules of
// the extension engine (issue 14): a protocol formed while the user could
// not take part (Q49), a supplier put on the register of unreliable
// participants and taken off early (Q50), questions that could not be
// submitted during the discussion of the draft documentation (Q51), a
// supplier put on the list of unreliable suppliers (E29.6), procedures
// whose results the failure affected (E29.5) and the last day of
// acceptance affected (E29.3). Recorded on an appeal, they are fed to the
// planner of its incident (procurement.Service.Triggers), so these rules
// run from the database, as from a scenario file.
package triggers

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"slices"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/impact"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are this package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Kinds the engine knows, besides impact's appeal kinds.
const (
	ResultsAffected           = "results_affected"             // E29.5
	LastDayAcceptanceAffected = "last_day_acceptance_affected" // E29.3
)

// Kinds lists every kind with the rule it triggers.
var Kinds = map[string]string{
	string(impact.AppealCouldNotParticipate): "Q49", string(impact.AppealUnreliableRegister): "Q50",
	string(impact.AppealDiscussionQuestions): "Q51", string(impact.AppealUnreliableList): "E29.6",
	ResultsAffected: "E29.5", LastDayAcceptanceAffected: "E29.3",
}

func kindNames() string {
	var ks []string
	for k := range Kinds {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

// New is what staff record on an appeal.
type New struct {
	Kind      string `json:"kind"`
	Procedure string `json:"procedure"` // the procedure's external id
	Lot       string `json:"lot"`
	Supplier  string `json:"supplier"` // BIN/IIN of the supplier concerned
	// ExcludedAt: the supplier was taken off the register early (Q50).
	ExcludedAt *time.Time `json:"excluded_at,omitempty"`
	// DraftSentToSecondWinner: the draft contract already went to the
	// second winner (Q50): it is withdrawn.
	DraftSentToSecondWinner bool `json:"draft_sent_to_second_winner"`
	// ActApprovedAt: the act on the failure was approved (E29.6).
	ActApprovedAt *time.Time `json:"act_approved_at,omitempty"`
}

// Trigger is a recorded one.
type Trigger struct {
	ID           int64     `json:"id"`
	Appeal       string    `json:"appeal"`
	Rule         string    `json:"rule"`
	RegisteredAt time.Time `json:"appeal_registered_at"`
	New
	CreatedAt time.Time `json:"created_at"`
}

// Service records and reads triggers.
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

func (n *New) check() error {
	v := apperr.Validation{}
	if _, ok := Kinds[n.Kind]; !ok {
		v.Add("kind", "one of "+kindNames())
	}
	n.Procedure, n.Lot, n.Supplier = strings.TrimSpace(n.Procedure), strings.TrimSpace(n.Lot), strings.TrimSpace(n.Supplier)
	if n.Kind != LastDayAcceptanceAffected && (n.Procedure == "" || len(n.Procedure) > 200) {
		v.Add("procedure", "required: the external id of the procedure (1–200 characters)")
	}
	if len(n.Lot) > 200 || len(n.Supplier) > 64 {
		v.Add("lot", "lot at most 200, supplier at most 64 characters")
	}
	if n.Kind == string(impact.AppealUnreliableRegister) && n.ExcludedAt == nil {
		v.Add("excluded_at", "required for unreliable_register: when the supplier was taken off the register (Q50)")
	}
	if n.Kind == string(impact.AppealUnreliableList) && n.ActApprovedAt == nil {
		v.Add("act_approved_at", "required for unreliable_list: when the act on the failure was approved (E29.6)")
	}
	return v.Err()
}

func pt(t *time.Time) store.Time {
	if t == nil {
		return store.Time{}
	}
	return store.T(*t)
}

// Record adds a trigger to appeal number, audited.
func (s *Service) Record(ctx context.Context, by audit.Actor, number string, n New) (Trigger, error) {
	if err := n.check(); err != nil {
		return Trigger{}, err
	}
	now := s.Now().UTC()
	t := Trigger{Appeal: number, Rule: Kinds[n.Kind], New: n, CreatedAt: now}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var appealID, incID int64
		err := tx.QueryRowContext(ctx, Q.AppealOfNumber, number).Scan(&appealID, &incID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no appeal %s", number)
		}
		if err != nil {
			return apperr.Wrap(err, "appeal")
		}
		if err := tx.QueryRowContext(ctx, Q.InsertTrigger, appealID, n.Kind, n.Procedure, n.Lot, n.Supplier, pt(n.ExcludedAt),
			n.DraftSentToSecondWinner, pt(n.ActApprovedAt), store.T(now)).Scan(&t.ID); err != nil {
			return apperr.Wrap(err, "insert trigger")
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "appeal.trigger", ObjectType: "appeal", ObjectID: number,
			After: map[string]any{"trigger_id": t.ID, "kind": n.Kind, "rule": t.Rule, "procedure": n.Procedure, "lot": n.Lot,
				"supplier": n.Supplier, "incident_id": incID}})
		return err
	})
	return t, err
}

// OfIncident lists the triggers of an incident's appeals.
func (s *Service) OfIncident(ctx context.Context, incidentID int64) ([]Trigger, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.TriggersOfIncident, incidentID)
	if err != nil {
		return nil, apperr.Wrap(err, "triggers")
	}
	defer rows.Close()
	out := []Trigger{}
	for rows.Next() {
		var t Trigger
		var reg, excl, act, created store.Time
		if err := rows.Scan(&t.ID, &t.Appeal, &reg, &t.Kind, &t.Procedure, &t.Lot, &t.Supplier, &excl, &t.DraftSentToSecondWinner,
			&act, &created); err != nil {
			return nil, apperr.Wrap(err, "triggers")
		}
		t.RegisteredAt, t.ExcludedAt, t.ActApprovedAt, t.CreatedAt, t.Rule = reg.Time, excl.Ptr(), act.Ptr(), created.Time, Kinds[t.Kind]
		out = append(out, t)
	}
	return out, apperr.Wrap(rows.Err(), "triggers")
}

// Inputs is the planner's view of an incident's triggers
// (procurement.Service.Triggers).
func (s *Service) Inputs(ctx context.Context, incidentID int64) (procurement.AppealInputs, error) {
	ts, err := s.OfIncident(ctx, incidentID)
	if err != nil {
		return procurement.AppealInputs{}, err
	}
	var in procurement.AppealInputs
	for _, t := range ts {
		switch t.Kind {
		case ResultsAffected:
			if !slices.Contains(in.ResultsAffected, t.Procedure) {
				in.ResultsAffected = append(in.ResultsAffected, t.Procedure)
			}
		case LastDayAcceptanceAffected:
			in.LastDayAcceptanceAffected = true
		default:
			a := impact.Appeal{Kind: impact.AppealKind(t.Kind), Procedure: t.Procedure, Lot: t.Lot, Supplier: t.Supplier, At: t.RegisteredAt,
				DraftSentToSecondWinner: t.DraftSentToSecondWinner}
			if t.ExcludedAt != nil {
				a.ExcludedAt = *t.ExcludedAt
			}
			if t.ActApprovedAt != nil {
				a.ActApprovedAt = *t.ActApprovedAt
			}
			in.Appeals = append(in.Appeals, a)
		}
	}
	return in, nil
}
