package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
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

// CountOpen counts open incidents per state: the queue's heading, on every
// queue page. Counting walks the open part of incidents_state — 20,000
// index entries at 1M appeals, 3 ms of the page on SQLite and a round trip
// on PostgreSQL — so the counts are kept for countsTTL; a registration or a
// transition through this Service drops them at once, so the desk that
// changed an incident shows the change on its next page, and another
// process's change shows within countsTTL.
func (s *Service) CountOpen(ctx context.Context) (map[State]int, error) {
	now := s.Now()
	s.counts.mu.Lock()
	if s.counts.m != nil && now.Sub(s.counts.at) >= 0 && now.Sub(s.counts.at) < countsTTL {
		m := maps.Clone(s.counts.m)
		s.counts.mu.Unlock()
		return m, nil
	}
	gen := s.counts.gen
	s.counts.mu.Unlock()
	m, err := s.countOpen(ctx)
	if err != nil {
		return nil, err
	}
	s.counts.mu.Lock()
	if s.counts.gen == gen { // nothing changed while counting
		s.counts.m, s.counts.at = maps.Clone(m), now
	}
	s.counts.mu.Unlock()
	return m, nil
}

// countsTTL is how long CountOpen's counts are kept.
const countsTTL = time.Second

// openCounts is CountOpen's kept answer; gen counts the changes that
// dropped it.
type openCounts struct {
	mu  sync.Mutex
	m   map[State]int
	at  time.Time
	gen uint64
}

// countsChanged drops the kept counts: called after an incident's state
// was written and committed.
func (s *Service) countsChanged() {
	s.counts.mu.Lock()
	s.counts.m = nil
	s.counts.gen++
	s.counts.mu.Unlock()
}

func (s *Service) countOpen(ctx context.Context) (map[State]int, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.CountOpenByState)
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
	rows, err := s.DB.R.QueryContext(ctx, Q.OpenIncidentsLike, module, like)
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

// staffRoles may be assigned an incident.
var staffRoles = []string{"operator", "specialist", "admin"}

// Assignee is the login of who works on incident id ("" when nobody).
func (s *Service) Assignee(ctx context.Context, id int64) (string, error) {
	var login string
	err := s.DB.R.QueryRowContext(ctx, Q.AssigneeOf, id).Scan(&login)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return login, apperr.Wrap(err, "assignee")
}

// Assign gives incident id to the staff user login ("" unassigns): take
// (login is the caller) and hand over (a colleague). Audited with the
// assignee before and after.
func (s *Service) Assign(ctx context.Context, by audit.Actor, id int64, login string) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.incident(ctx, tx, id); err != nil {
			return err
		}
		var before string
		if err := tx.QueryRowContext(ctx, Q.AssigneeOf, id).Scan(&before); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return apperr.Wrap(err, "assignee")
		}
		if before == login {
			return nil
		}
		now := s.Now().UTC()
		if _, err := tx.ExecContext(ctx, Q.AssignDelete, id); err != nil {
			return apperr.Wrap(err, "assign")
		}
		if login != "" {
			var uid int64
			var role, status string
			err := tx.QueryRowContext(ctx, Q.AssignableUser, login).Scan(&uid, &role, &status)
			if errors.Is(err, sql.ErrNoRows) {
				return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"assignee": "no such user"}}
			}
			if err != nil {
				return apperr.Wrap(err, "assign")
			}
			if !slices.Contains(staffRoles, role) || status != "active" {
				return &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
					Fields: map[string]string{"assignee": "an active operator, specialist or administrator"}}
			}
			if _, err := tx.ExecContext(ctx, Q.AssignInsert, id, uid, store.T(now)); err != nil {
				return apperr.Wrap(err, "assign")
			}
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "incident.assign", ObjectType: "incident",
			ObjectID: itoa(id), Before: map[string]string{"assignee": before}, After: map[string]string{"assignee": login}})
		return err
	})
}
