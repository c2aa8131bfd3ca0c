package journal

import (
	"context"
	"encoding/json"
	"slices"

	"tenderdesk/internal/apperr"
)

// ActionsFrom are the transitions allowed from state s, in lifecycle order:
// the console offers only these.
func ActionsFrom(s State) []Action {
	var out []Action
	for _, a := range Actions {
		if slices.Contains(edges[a].from, s) {
			out = append(out, a)
		}
	}
	return out
}

// StatesFor are the states action a is allowed from.
func StatesFor(a Action) []State { return slices.Clone(edges[a].from) }

// OpenStates are the states of an incident still being worked on.
var OpenStates = []State{Registered, Analysing, InfoRequested, Confirmed, Fixing, Fixed, Refuted}

// CountOpen counts incidents per state, leaving out closed and merged ones.
func (s *Service) CountOpen(ctx context.Context) (map[State]int, error) {
	rows, err := s.DB.R.QueryContext(ctx, Queries["count-open-by-state"])
	if err != nil {
		return nil, apperr.Wrap(err, "count incidents")
	}
	defer rows.Close()
	out := map[State]int{}
	for rows.Next() {
		var st State
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, apperr.Wrap(err, "count incidents")
		}
		out[st] = n
	}
	return out, apperr.Wrap(rows.Err(), "count incidents")
}

// OpenIncidentsLike are open incidents (not closed, merged or refuted) with
// an appeal of the same module or naming the same announcement: the
// registration form offers to attach a new appeal to one (Q38 merge keeps
// the first registration).
func (s *Service) OpenIncidentsLike(ctx context.Context, module, announcement string) ([]IncidentView, error) {
	if module == "" && announcement == "" {
		return nil, nil
	}
	like := ""
	if announcement != "" {
		b, _ := json.Marshal(announcement)
		like = "%" + string(b) + "%"
	}
	rows, err := s.DB.R.QueryContext(ctx, Queries["open-incidents-like"], module, like)
	if err != nil {
		return nil, apperr.Wrap(err, "open incidents")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, apperr.Wrap(err, "open incidents")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "open incidents")
	}
	var out []IncidentView
	for _, id := range ids {
		v, err := s.Incident(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
