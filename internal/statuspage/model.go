// Package statuspage is the public failure notice of Q36.1, Q37.3, Q36.9
// and Q37.12 and the maintenance announcements of Q18/Q41: a server-rendered
// page at /status and Atom and JSON feeds, in Russian, Kazakh and English.
//
// Everybody refreshes it during an outage, so it is served from bytes
// rendered once per version of the source's data (and per language, gzipped
// in advance), with ETag / Last-Modified / 304.
package statuspage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Snapshot is everything the page shows at one moment.
type Snapshot struct {
	// Version changes whenever anything shown changes (a counter or the
	// latest change sequence in the journal).
	Version uint64
	// Updated is the time of the latest change shown: Last-Modified and the
	// feeds' updated stamp.
	Updated time.Time
	// Failures are the current and recent failures, newest first. Which
	// "recent" ones to show is the source's choice (e.g. fixed in the last
	// 7 days); refuted ones are normally left out.
	Failures []Failure
	// Maintenance holds announced works: running and upcoming, and recently
	// finished ones if the source wants them shown.
	Maintenance []Maintenance
}

// Failure is one public failure notice.
type Failure struct {
	Number     string // incident number
	Level      string // "low", "medium", "high" (Q34); "" while being analysed
	State      string // see States
	Title      Text   // short public description, by language
	Modules    Text   // affected modules (Q37), by language
	Started    time.Time
	Confirmed  time.Time
	PlannedFix time.Time // zero when unknown
	ActualFix  time.Time // zero until fixed (Q36.9, Q37.12)
	Updated    time.Time
	Affected   []Procurement // announcement and lot numbers (Q36.1, Q37.12)
	Extensions []Extension   // deadlines moved because of this failure
	// Withdrawn are the extensions of this failure an administrator
	// reverted (issue 14): the public notice says they no longer apply.
	Withdrawn []Withdrawal
	// ForceMajeure, when the failure was caused by it (Q17: users are told
	// its start, expected duration and end, with evidence).
	ForceMajeure *ForceMajeure
}

// ForceMajeure is what the notice says of force majeure.
type ForceMajeure struct {
	Started, ExpectedEnd time.Time
	Ended                time.Time // zero while it lasts
	Evidence             string
}

// States a failure can be shown in.
var States = []string{"analysing", "confirmed", "fixing", "fixed"}

// Procurement is an affected announcement and its lots.
type Procurement struct {
	Announcement string
	Lots         []string // empty: the whole announcement
}

// Extension is one deadline moved because of a failure (or of a
// maintenance window's works).
type Extension struct {
	Announcement string
	Lot          string
	DeadlineKind string // as in notify/templates: "bid_acceptance", …
	Old, New     time.Time
	Rule         string // requirement ID, e.g. "Q36.3"
}

// Withdrawal is one extension withdrawn: the deadline is back at Restored
// instead of Told, since At, for Reason.
type Withdrawal struct {
	Announcement   string
	Lot            string
	DeadlineKind   string // as in Extension
	Told, Restored time.Time
	At             time.Time // when the plan was reverted
	Reason         string    // the administrator's reason, as written
}

// Maintenance is an announced window of works (Q18, Q40, Q41).
type Maintenance struct {
	ID        string
	Title     Text
	Start     time.Time
	End       time.Time
	Unplanned bool // unplanned works, agreed with the authorized body (Q18)
	Announced time.Time
	Updated   time.Time
	// Extensions are the deadlines moved by the window's own applied plan
	// (Q41, ext14c): shown with the window as a failure's are with it.
	Extensions []Extension
}

// Text is a short public text by language ("ru", "kk", "en").
type Text map[string]string

// In returns the text in lang, else Russian, else any language there is:
// a notice in another language beats an empty line.
func (t Text) In(lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	if s := t["ru"]; s != "" {
		return s
	}
	for _, l := range []string{"kk", "en"} {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// Source provides the page's data. Version is called often (at most once per
// Options.Recheck): keep it cheap. Snapshot is called only when the version
// differs from the one rendered.
type Source interface {
	StatusVersion(ctx context.Context) (uint64, error)
	StatusSnapshot(ctx context.Context) (Snapshot, error)
}

// Maintenance announcement errors.
var (
	ErrTooLate     = errors.New("Q41: planned works must be announced at least 2 calendar days before the date they start (before 00:00 of the second calendar day before it)")
	ErrNoAgreement = errors.New("Q18: unplanned works need the authorized body's agreement (its reference)")
	ErrBadWindow   = errors.New("maintenance window has no start")
)

// ValidateMaintenance decides whether works starting at start may be
// announced at now (Q41, Q18). noticeBy is the latest moment the
// announcement of planned works may be published: the deadline of the
// regulation clock maintenance_notice (internal/sla, docs/regulations.md
// "Q41 / Q18"), the one reading of "2 calendar days" the desk has — it is
// never less than 48 hours. Planned works announced after noticeBy (or
// already started) are refused; unplanned works may be announced later —
// even while running — but only with a reference to the authorized body's
// agreement.
func ValidateMaintenance(start, noticeBy, now time.Time, unplanned bool, authorityAgreement string) error {
	if start.IsZero() {
		return ErrBadWindow
	}
	if unplanned {
		if strings.TrimSpace(authorityAgreement) == "" {
			return ErrNoAgreement
		}
		return nil
	}
	if !start.After(now) {
		return fmt.Errorf("%w (the works have already started)", ErrTooLate)
	}
	if noticeBy.IsZero() || now.After(noticeBy) {
		return fmt.Errorf("%w: for works starting %s the announcement was due by %s", ErrTooLate,
			start.Format("2006-01-02 15:04 -07:00"), noticeBy.Format("2006-01-02 15:04 -07:00"))
	}
	return nil
}
