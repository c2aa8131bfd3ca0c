package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
)

// Querier is a *sql.DB or a *sql.Tx.
type Querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// Delivery is the state of one event's email notifications.
//
// For the clocks (issue 3): a clock that is a duty to tell someone is met
// when the email rows of its event are all sent — Met reports it and
// MetAt is the last one's sent_at. A row that failed keeps it unmet (Q30
// etc. are then breached, visibly). An event without email rows (a reporter
// who gave only a phone) has Emails == 0: nothing to wait for by mail. The
// events are named by internal/notify/events (e.g. events.Registered(number)
// for the clock incident_id_notice of that appeal); the table is in
// docs/notifications.md.
type Delivery struct {
	Emails, Sent, Failed int
	LastSentAt           time.Time
}

// Met reports whether every email of the event has been sent.
func (d Delivery) Met() bool { return d.Emails > 0 && d.Sent == d.Emails }

// EventDelivery reads the delivery of event's email rows.
func EventDelivery(ctx context.Context, q Querier, event string) (Delivery, error) {
	var d Delivery
	var last store.Time
	if err := q.QueryRowContext(ctx, Q.EventDelivery, event).Scan(&d.Emails, &d.Sent, &d.Failed, &last); err != nil {
		return d, apperr.Wrap(err, "event delivery")
	}
	d.LastSentAt = last.Time
	return d, nil
}

// Row is one outbox row as staff see it.
type Row struct {
	ID            int64      `json:"id"`
	Event         string     `json:"event"`
	Recipient     string     `json:"recipient"`
	Channel       string     `json:"channel"`
	Kind          string     `json:"kind"`
	Lang          string     `json:"lang"`
	To            string     `json:"to,omitempty"`
	UserID        *int64     `json:"user_id,omitempty"`
	MessageID     string     `json:"message_id"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	DueBy         *time.Time `json:"due_by,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	// BouncedAt: the relay took it, the recipient's server sent it back
	// (RFC 3464); BounceReason is the status and diagnostic it gave.
	BouncedAt    *time.Time `json:"bounced_at,omitempty"`
	BounceReason string     `json:"bounce_reason,omitempty"`
}

// Filter selects rows for staff.
type Filter struct {
	Status, Channel, EventPrefix string
	Before                       int64 // rows with id < Before; 0 = from the newest
	Limit                        int
}

// List returns rows newest first.
func List(ctx context.Context, q Querier, f Filter) ([]Row, error) {
	rs, err := q.QueryContext(ctx, Q.List, f.Status, f.Channel, f.EventPrefix, f.Before, f.Limit)
	if err != nil {
		return nil, apperr.Wrap(err, "list notifications")
	}
	defer rs.Close()
	out := []Row{}
	for rs.Next() {
		r, err := scanRow(rs)
		if err != nil {
			return nil, apperr.Wrap(err, "list notifications")
		}
		out = append(out, r)
	}
	return out, apperr.Wrap(rs.Err(), "list notifications")
}

// Bounced is an email row a bounce matched.
type Bounced struct {
	ID        int64
	Event, To string
}

// MarkBounced marks the sent email row of messageID (with brackets, as
// stored) bounced with reason; rcpt, when given, must be its address. It
// returns the rows it marked (none: not ours, or already marked).
func MarkBounced(ctx context.Context, tx *sql.Tx, now time.Time, messageID, rcpt, reason string) ([]Bounced, error) {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	rs, err := tx.QueryContext(ctx, Q.MarkBounced, messageID, store.T(now), reason, strings.ToLower(rcpt))
	if err != nil {
		return nil, apperr.Wrap(err, "mark bounced")
	}
	defer rs.Close()
	var out []Bounced
	for rs.Next() {
		var b Bounced
		if err := rs.Scan(&b.ID, &b.Event, &b.To); err != nil {
			return nil, apperr.Wrap(err, "mark bounced")
		}
		out = append(out, b)
	}
	return out, apperr.Wrap(rs.Err(), "mark bounced")
}

// Requeue puts a failed email row back to pending, due now (an operator
// fixed the relay or the address). It reports whether a row was requeued.
func Requeue(ctx context.Context, db *store.DB, now time.Time, id int64) (bool, error) {
	res, err := db.W.ExecContext(ctx, Q.Requeue, id, store.T(now))
	if err != nil {
		return false, apperr.Wrap(err, "requeue")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CabinetItem is one notification in a user's cabinet (E11), rendered in
// the language it was addressed in.
type CabinetItem struct {
	ID        int64      `json:"id"`
	Event     string     `json:"event"`
	Kind      string     `json:"kind"`
	Number    string     `json:"number"`
	Subject   string     `json:"subject"`
	Text      string     `json:"text"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// Cabinet returns a user's notifications, newest first.
func Cabinet(ctx context.Context, q Querier, userID int64, unreadOnly bool, before int64, limit int) ([]CabinetItem, error) {
	unread := 0
	if unreadOnly {
		unread = 1
	}
	rs, err := q.QueryContext(ctx, Q.Cabinet, userID, unread, before, limit)
	if err != nil {
		return nil, apperr.Wrap(err, "cabinet")
	}
	defer rs.Close()
	out := []CabinetItem{}
	for rs.Next() {
		var it CabinetItem
		var lang, data string
		var created, read store.Time
		if err := rs.Scan(&it.ID, &it.Event, &it.Kind, &lang, &data, &created, &read); err != nil {
			return nil, apperr.Wrap(err, "cabinet")
		}
		it.CreatedAt, it.ReadAt = created.Time, read.Ptr()
		var d templates.Data
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			return nil, apperr.Wrap(err, "cabinet data")
		}
		it.Number = d.Number
		if it.Subject, it.Text, _, err = templates.Render(templates.Kind(it.Kind), lang, d); err != nil {
			return nil, apperr.Wrap(err, "cabinet render")
		}
		out = append(out, it)
	}
	return out, apperr.Wrap(rs.Err(), "cabinet")
}

// Unread counts a user's unread cabinet notifications.
func Unread(ctx context.Context, q Querier, userID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, Q.CabinetUnread, userID).Scan(&n)
	return n, apperr.Wrap(err, "unread")
}

// MarkRead marks one of the user's cabinet notifications read (again is a
// no-op); another user's or an unknown id is not found.
func MarkRead(ctx context.Context, db *store.DB, now time.Time, userID, id int64) error {
	res, err := db.W.ExecContext(ctx, Q.CabinetRead, userID, id, store.T(now))
	if err != nil {
		return apperr.Wrap(err, "mark read")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.NotFound, "no notification %d in your cabinet", id)
	}
	return nil
}
