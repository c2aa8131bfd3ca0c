// Package retention keeps what the rules say for as long as they say, and
// destroys the rest on time, recording each destruction (what, when, by
// which rule) and auditing it. The rules are pure functions of a record and
// the injected clock; the job applies them (issue 12: E20–E21, E32–E34).
package retention

import (
	"fmt"
	"time"

	"tenderdesk/internal/audit"
)

// Rule IDs as recorded in retention_log.rule.
const (
	RuleRecordings = "E20–E21" // call recordings: at most 1 year unless a dispute is open
	RuleAccessLog  = "E32–E33" // access log: configurable, default 3 years
	RuleRoles      = "E34"     // role register: at least 3 years (never shortened)
)

// RecordingTerm is E20–E21's "at most one year".
const RecordingTerm = 1

// Recording is a call recording as the rule sees it.
type Recording struct {
	ID         int64
	Appeal     string
	FileID     int64
	SHA256     string
	Size       int64
	Filename   string
	RecordedAt time.Time
	DisputeAt  time.Time // zero: no dispute
	ResolvedAt time.Time // zero: unresolved (when DisputeAt is set)
	Destroyed  time.Time
}

// RecordingDue says whether r must be destroyed at now (E20–E21): a year
// after the call, unless a dispute is open on the appeal; a resolved
// dispute lets the term end at the later of the year and the resolution.
func RecordingDue(r Recording, now time.Time) (bool, string) {
	end := r.RecordedAt.AddDate(RecordingTerm, 0, 0)
	if !r.DisputeAt.IsZero() {
		if r.ResolvedAt.IsZero() {
			return false, "a dispute is open on the appeal"
		}
		if r.ResolvedAt.After(end) {
			end = r.ResolvedAt
		}
	}
	if now.Before(end) {
		return false, fmt.Sprintf("kept until %s", end.UTC().Format(time.RFC3339))
	}
	return true, fmt.Sprintf("term ended %s", end.UTC().Format(time.RFC3339))
}

// Terms are the configurable retention periods.
type Terms struct {
	AccessLogYears int // E33: default 3
	AuditYears     int // other audit records (not the Journal's): default 3
}

// DefaultTerms: E33 sets no period for access logs; 3 years, like E34.
var DefaultTerms = Terms{AccessLogYears: 3, AuditYears: 3}

// Validate refuses a term the rules do not allow: the audit trail also
// carries the role changes E34 keeps at least 3 years.
func (t Terms) Validate() error {
	if t.AccessLogYears < 1 {
		return fmt.Errorf("access-log retention %d years: at least 1", t.AccessLogYears)
	}
	if t.AuditYears < 3 {
		return fmt.Errorf("audit retention %d years: at least 3 (%s: changes of roles and rights are kept at least 3 years)", t.AuditYears, RuleRoles)
	}
	return nil
}

// accessActions are the access-log records of E32–E33 inside the audit
// chain: sign-ins, lockouts, failed sign-ins, reads of personal data.
func accessLog(r audit.Record) bool {
	switch r.Action {
	case "session.login", "session.lockout", "session.failed", "session.logout":
		return true
	}
	return len(r.Action) > 7 && r.Action[:7] == "access."
}

// journalKept are the records the Journal must keep for as long as the
// Journal exists: the history of appeals and incidents, signatures, the
// role changes (user.*) and the retention destructions themselves.
func journalKept(r audit.Record) bool {
	switch r.ObjectType {
	case "appeal", "incident", "audit_checkpoint", "retention":
		return true
	}
	switch r.Action {
	case "signature.attach", "user.create", "user.role", "user.suspend", "user.reactivate":
		return true
	}
	return false
}

// Keep is the audit purge's rule: the Journal's records stay; access-log
// records stay for AccessLogYears; the rest for AuditYears.
func (t Terms) Keep(r audit.Record, now time.Time) bool {
	// An access-log record is about an appeal or a user but is no part of
	// its history: it follows the access-log term (E33), not the Journal's.
	if accessLog(r) {
		return !r.At.Before(now.AddDate(-t.AccessLogYears, 0, 0))
	}
	if journalKept(r) {
		return true
	}
	return !r.At.Before(now.AddDate(-t.AuditYears, 0, 0))
}

// Cutoff is the purge boundary: nothing younger than the shortest term can
// be purged.
func (t Terms) Cutoff(now time.Time) time.Time {
	return now.AddDate(-min(t.AccessLogYears, t.AuditYears), 0, 0)
}
