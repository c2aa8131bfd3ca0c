package audit

import (
	"context"
	"database/sql"
	"math"
	"time"

	"tenderdesk/internal/store"
)

// ActionRead is the access-log record of E32–E33 for a read of personal
// data: who (the actor), when, which object, and what of it was shown. It
// is a record of the audit chain (protected like every other one) and the
// retention job keeps it for the access-log term.
const ActionRead = "access.personal_data"

// LogRead records one read of personal data, in its own transaction: a
// page that shows an appeal's reporter or a user's card calls it once per
// showing, before the data leaves the desk.
func LogRead(ctx context.Context, db *store.DB, now time.Time, a Actor, objectType, objectID, what string) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := Append(ctx, tx, db.Dialect, now, a, Entry{Action: ActionRead, ObjectType: objectType, ObjectID: objectID,
			After: map[string]string{"what": what}})
		return err
	})
}

// AccessFilter narrows the access log.
type AccessFilter struct {
	Actor      string // a login ("" any)
	ObjectType string // "" any
	Before     int64  // page on: records with a smaller seq (0: from the newest)
	Limit      int
}

// Reads lists the access log, newest first.
func Reads(ctx context.Context, db *store.DB, f AccessFilter) ([]Record, error) {
	if f.Before <= 0 {
		f.Before = math.MaxInt64
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	return records(db.R.QueryContext(ctx, Q.ListAccess, f.Before, f.Actor, f.ObjectType, f.Limit))
}
