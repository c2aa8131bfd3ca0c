package procurement

import (
	"context"
	"iter"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/impact"
)

// PlansOf lists the applied and reverted plans of an incident, newest
// first (the console shows them with their revert).
func (s *Service) PlansOf(ctx context.Context, incidentID int64) ([]PlanRecord, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.PlansOfIncident, incidentID)
	if err != nil {
		return nil, apperr.Wrap(err, "plans of incident")
	}
	defer rows.Close()
	out := []PlanRecord{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "plans of incident")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "plans of incident")
	}
	rows.Close()
	for i := range out {
		if out[i].Rules, err = rulesOf(ctx, s.DB.R, out[i].ID); err != nil {
			return nil, apperr.Wrap(err, "rules of plan")
		}
	}
	return out, nil
}

// RuleCount is a rule and how many changes of a plan cite it.
type RuleCount struct {
	Rule    string `json:"rule"`
	Changes int    `json:"changes"`
}

func rulesOf(ctx context.Context, q queryer, planID int64) ([]RuleCount, error) {
	rows, err := q.QueryContext(ctx, Q.RulesOfPlan, planID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RuleCount
	for rows.Next() {
		var r RuleCount
		if err := rows.Scan(&r.Rule, &r.Changes); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ByAnnouncement finds the procedures of an announcement number, each with
// its lots, deadlines in force and the changes of applied plans (Get).
func (s *Service) ByAnnouncement(ctx context.Context, announcement string) ([]Procedure, error) {
	announcement = strings.TrimSpace(announcement)
	if announcement == "" {
		v := apperr.Validation{}
		v.Add("announcement", "required: the announcement number")
		return nil, v.Err()
	}
	rows, err := s.DB.R.QueryContext(ctx, Q.ProceduresByAnnouncement, announcement)
	if err != nil {
		return nil, apperr.Wrap(err, "procedures of announcement")
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, apperr.Wrap(err, "procedures of announcement")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "procedures of announcement")
	}
	out := make([]Procedure, 0, len(ids))
	for _, id := range ids {
		p, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// counted reports each procedure streamed to progress(done, total).
func counted(procs iter.Seq2[*impact.Procedure, error], total int, progress func(done, total int)) iter.Seq2[*impact.Procedure, error] {
	progress(0, total)
	return func(yield func(*impact.Procedure, error) bool) {
		done := 0
		for p, err := range procs {
			if err == nil {
				done++
				progress(done, total)
			}
			if !yield(p, err) {
				return
			}
		}
	}
}
