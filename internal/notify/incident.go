package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
)

type scanner interface{ Scan(...any) error }

// scanRow reads one row of the list's columns.
func scanRow(s scanner) (Row, error) {
	var r Row
	var uid sql.NullInt64
	var next, due, created, sent, bounced store.Time
	if err := s.Scan(&r.ID, &r.Event, &r.Recipient, &r.Channel, &r.Kind, &r.Lang, &r.To, &uid, &r.MessageID, &r.Status,
		&r.Attempts, &next, &due, &r.LastError, &created, &sent, &bounced, &r.BounceReason); err != nil {
		return r, err
	}
	if uid.Valid {
		r.UserID = &uid.Int64
	}
	if r.Status == "pending" {
		r.NextAttemptAt = next.Ptr()
	}
	r.DueBy, r.CreatedAt, r.SentAt, r.BouncedAt = due.Ptr(), created.Time, sent.Ptr(), bounced.Ptr()
	return r, nil
}

// ForEvents returns the rows of the events keys name, newest first: a row
// of event k, or of a versioned event of k ("k:v3", "k:m12"). The console's
// incident page lists an incident's notifications with it.
func ForEvents(ctx context.Context, db *store.DB, keys []string, limit int) ([]Row, error) {
	out := []Row{}
	if len(keys) == 0 {
		return out, nil
	}
	b, _ := json.Marshal(keys)
	rs, err := db.R.QueryContext(ctx, store.ByDialect(db.Dialect, Q.RowsOfEventsSQLite, Q.RowsOfEventsPostgres), string(b), limit)
	if err != nil {
		return nil, apperr.Wrap(err, "notifications of events")
	}
	defer rs.Close()
	for rs.Next() {
		r, err := scanRow(rs)
		if err != nil {
			return nil, apperr.Wrap(err, "notifications of events")
		}
		out = append(out, r)
	}
	return out, apperr.Wrap(rs.Err(), "notifications of events")
}

// Retry requeues a failed email row (Requeue) and records who did it in the
// audit trail, in one transaction. A row that is not a failed email is a
// conflict naming its state; an unknown id is not found.
func Retry(ctx context.Context, db *store.DB, now time.Time, by audit.Actor, id int64) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := scanRow(tx.QueryRowContext(ctx, Q.RowByID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no notification %d", id)
		}
		if err != nil {
			return apperr.Wrap(err, "retry")
		}
		res, err := tx.ExecContext(ctx, Q.Requeue, id, store.T(now))
		if err != nil {
			return apperr.Wrap(err, "retry")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "notification %d is %s by %s, not a failed email: nothing to retry", id, before.Status, before.Channel)
		}
		_, err = audit.Append(ctx, tx, db.Dialect, now, by, audit.Entry{Action: "notification.retry", ObjectType: "notification",
			ObjectID: strconv.FormatInt(id, 10), Before: map[string]any{"status": before.Status, "attempts": before.Attempts,
				"last_error": before.LastError, "event": before.Event, "to": before.To},
			After: map[string]any{"status": "pending"}})
		return err
	})
}
