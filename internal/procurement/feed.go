package procurement

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/impact"
	"tenderdesk/internal/store"
)

// FeedEntry is one applied or reverted change, as the portal reads it.
// For op "revert", Old and New are already swapped: New is the value the
// deadline returns to.
type FeedEntry struct {
	Seq      int64  `json:"seq"`
	Op       string `json:"op"` // apply | revert
	PlanID   int64  `json:"plan_id"`
	Incident int64  `json:"incident"`
	// Maintenance is the window of a window's own plan (Incident is then 0).
	Maintenance  int64       `json:"maintenance,omitempty"`
	Procedure    string      `json:"procedure"` // external id
	Announcement string      `json:"announcement,omitempty"`
	Lot          string      `json:"lot,omitempty"`
	Deadline     string      `json:"deadline,omitempty"`
	Supplier     string      `json:"supplier,omitempty"`
	Action       string      `json:"action"`
	Rule         string      `json:"rule"`
	Old          *time.Time  `json:"old,omitempty"`
	New          *time.Time  `json:"new,omitempty"`
	Reason       impact.Text `json:"reason"`
	At           time.Time   `json:"at"`
}

// FeedPage is a page of the feed; Next is the cursor for the following page
// (equal to the request's when there is nothing new).
type FeedPage struct {
	Changes []FeedEntry `json:"changes"`
	Next    string      `json:"next"`
}

// MaxFeedLimit bounds one page.
const MaxFeedLimit = 5000

// ParseCursor reads a feed cursor ("" = from the beginning).
func ParseCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, &apperr.Error{Code: apperr.Invalid, Message: "bad cursor", Fields: map[string]string{"after": "must be the next cursor of an earlier page"}}
	}
	return n, nil
}

// Feed returns up to limit changes after the cursor, in commit order.
func (s *Service) Feed(ctx context.Context, after int64, limit int) (FeedPage, error) {
	return s.feed(ctx, s.DB.R, after, limit)
}

func (s *Service) feed(ctx context.Context, q queryer, after int64, limit int) (FeedPage, error) {
	if limit <= 0 {
		limit = 500
	}
	limit = min(limit, MaxFeedLimit)
	rows, err := q.QueryContext(ctx, Q.FeedPage, after, limit)
	if err != nil {
		return FeedPage{}, apperr.Wrap(err, "feed")
	}
	defer rows.Close()
	page := FeedPage{Changes: []FeedEntry{}, Next: strconv.FormatInt(after, 10)}
	for rows.Next() {
		var e FeedEntry
		var old, nw, at store.Time
		if err := rows.Scan(&e.Seq, &e.Op, &e.PlanID, &e.Incident, &e.Maintenance, &e.Procedure, &e.Announcement, &e.Lot, &e.Deadline, &e.Supplier,
			&e.Action, &e.Rule, &old, &nw, &e.Reason.RU, &e.Reason.KK, &e.Reason.EN, &at); err != nil {
			return page, apperr.Wrap(err, "feed")
		}
		if e.Op == "revert" {
			old, nw = nw, old
		}
		e.Old, e.New, e.At = optTime(old), optTime(nw), at.Time
		page.Changes = append(page.Changes, e)
		page.Next = strconv.FormatInt(e.Seq, 10)
	}
	return page, apperr.Wrap(rows.Err(), "feed")
}

func optTime(t store.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}

// Get returns one procedure by its external id, with its deadlines in force
// and the changes of applied plans.
func (s *Service) Get(ctx context.Context, externalID string) (Procedure, error) {
	var p Procedure
	var id int64
	var lots, parts string
	var imp, upd store.Time
	err := s.DB.R.QueryRowContext(ctx, Q.ProcedureByExternalID, externalID).Scan(&id, &p.ExternalID, &p.Announcement,
		&p.Method, &p.Customer, &p.Module, &lots, &parts, &imp, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "no procedure %q", externalID)
	}
	if err != nil {
		return p, apperr.Wrap(err, "load procedure")
	}
	p.ImportedAt, p.UpdatedAt = imp.Time, upd.Time
	_ = json.Unmarshal([]byte(lots), &p.Lots)
	_ = json.Unmarshal([]byte(parts), &p.Participants)
	p.Deadlines, p.Changes = []Deadline{}, []Change{}
	rows, err := s.DB.R.QueryContext(ctx, Q.DeadlinesOfProcedure, id)
	if err != nil {
		return p, apperr.Wrap(err, "deadlines")
	}
	for rows.Next() {
		var d Deadline
		var at store.Time
		if err := rows.Scan(&d.Kind, &d.Lot, &d.Supplier, &at); err != nil {
			rows.Close()
			return p, apperr.Wrap(err, "deadlines")
		}
		d.At = at.Time
		p.Deadlines = append(p.Deadlines, d)
	}
	rows.Close()
	rows, err = s.DB.R.QueryContext(ctx, Q.ChangesOfProcedure, id)
	if err != nil {
		return p, apperr.Wrap(err, "changes")
	}
	defer rows.Close()
	for rows.Next() {
		var c Change
		var old, nw store.Time
		var rc string
		if err := rows.Scan(&c.PlanID, &c.Incident, &c.Lot, &c.Deadline, &c.Supplier, &c.Action, &c.Rule, &old, &nw, &rc, &c.Reason.RU, &c.Reason.KK, &c.Reason.EN); err != nil {
			return p, apperr.Wrap(err, "changes")
		}
		c.Old, c.New = optTime(old), optTime(nw)
		_ = json.Unmarshal([]byte(rc), &c.Recipients)
		p.Changes = append(p.Changes, c)
	}
	return p, apperr.Wrap(rows.Err(), "changes")
}
