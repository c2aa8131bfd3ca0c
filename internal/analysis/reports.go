package analysis

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

// Written is a stored written report.
type Written struct {
	ID         int64      `json:"id"`
	IncidentID int64      `json:"incident_id"`
	Rule       string     `json:"rule"`
	Report     Report     `json:"report"`
	Status     string     `json:"status"` // draft, sent
	Due        *time.Time `json:"due,omitempty"`
	DraftedAt  time.Time  `json:"drafted_at"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	SentBy     string     `json:"sent_by,omitempty"`
	Version    int        `json:"version"`
	// Late: sent after its term, or unsent past it (Q37.13).
	Late bool `json:"late"`
	// SignatureID is the EDS signature over the report as it is (issue
	// 12), 0 none; Signature its signer.
	SignatureID int64   `json:"signature_id,omitempty"`
	Signature   *Signed `json:"signature,omitempty"`
}

func scanWritten(r interface{ Scan(...any) error }, now time.Time) (Written, error) {
	var w Written
	var body string
	var due, drafted, sent store.Time
	if err := r.Scan(&w.ID, &w.IncidentID, &w.Rule, &body, &w.Status, &due, &drafted, &sent, &w.SentBy, &w.Version, &w.SignatureID); err != nil {
		return w, err
	}
	if err := json.Unmarshal([]byte(body), &w.Report); err != nil {
		return w, err
	}
	w.Due, w.DraftedAt, w.SentAt = due.Ptr(), drafted.Time, sent.Ptr()
	if w.Due != nil {
		at := now
		if w.SentAt != nil {
			at = *w.SentAt
		}
		w.Late = at.After(*w.Due)
	}
	return w, nil
}

// AppealRegistered: nothing to draft.
func (s *Service) AppealRegistered(context.Context, journal.HookTx, journal.Appeal, bool) error {
	return nil
}

// IncidentChanged drafts the written report when a medium or high failure is
// fixed (Q36.10, Q37.13), in the fix's transaction: the draft exists the
// moment the duty does.
func (s *Service) IncidentChanged(ctx context.Context, tx journal.HookTx, action journal.Action, _ audit.Actor, _, after journal.Incident) error {
	if action != journal.ActFix {
		return nil
	}
	if _, ok := ReportRule(after.Criticality); !ok {
		return nil
	}
	f, err := scanFailure(tx.QueryRowContext(ctx, Q.FailureByID, after.ID))
	if err != nil {
		return err
	}
	if f.FixedAt == nil {
		at := tx.Now
		f.FixedAt = &at
	}
	var summary string
	if err := tx.QueryRowContext(ctx, Q.FirstDescription, after.ID).Scan(&summary); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	exts, err := extensionsOf(ctx, tx, after.ID)
	if err != nil {
		return err
	}
	var p *regulation.Profile
	if s.ProfileByID != nil {
		if p, err = s.ProfileByID(after.Profile); err != nil {
			return err
		}
	}
	r, _ := Draft(f, clip(summary, 2000), exts, p)
	if r.Cause != "" && s.CauseLabel != nil { // the report says the cause in words, for the reviewer to complete
		r.Cause = s.CauseLabel("ru", r.Cause)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var due store.Time
	if r.Due != nil {
		due = store.T(*r.Due)
	}
	_, err = tx.ExecContext(ctx, Q.InsertReport, after.ID, r.Rule, string(b), due, store.T(tx.Now))
	return err
}

// ReportEvent is the outbox event of an incident's written report.
func ReportEvent(incident int64) string {
	return "incident.authority_report:" + strconv.FormatInt(incident, 10)
}

func extensionsOf(ctx context.Context, q querier, id int64) ([]Extension, error) {
	rs, err := q.QueryContext(ctx, Q.ExtensionsOf, id)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []Extension{}
	for rs.Next() {
		var e Extension
		var old, nu store.Time
		if err := rs.Scan(&e.Announcement, &e.Lot, &e.Kind, &old, &nu, &e.Rule); err != nil {
			return nil, err
		}
		e.Old, e.New = old.Time, nu.Time
		out = append(out, e)
	}
	return out, rs.Err()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Reports lists the written reports: drafts first, newest first.
func (s *Service) Reports(ctx context.Context, limit int) ([]Written, error) {
	rs, err := s.DB.R.QueryContext(ctx, Q.Reports, limit)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	now := s.Now().UTC()
	out := []Written{}
	for rs.Next() {
		w, err := scanWritten(rs, now)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rs.Err()
}

// WrittenOf is the written report of an incident.
func (s *Service) WrittenOf(ctx context.Context, incident int64) (Written, error) {
	return s.writtenOf(ctx, s.DB.R, incident)
}

func (s *Service) writtenOf(ctx context.Context, q querier, incident int64) (Written, error) {
	w, err := scanWritten(q.QueryRowContext(ctx, Q.Report, incident), s.Now().UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return w, apperr.New(apperr.NotFound, "incident %d has no written report (drafted when a medium or high failure is fixed: Q36.10, Q37.13)", incident)
	}
	if err != nil {
		return w, err
	}
	if _, inTx := q.(*sql.Tx); !inTx {
		w.Signature, err = s.signedByID(ctx, w.SignatureID)
	}
	return w, err
}

// EditReport changes a draft under review.
func (s *Service) EditReport(ctx context.Context, by audit.Actor, incident int64, e Edit) (Written, error) {
	return s.changeReport(ctx, by, incident, e, false)
}

// SendReport sends the report: every part Q36.10 / Q37.13 names must be
// there; it is queued to the authorized body's address and to the cabinets
// of authority users, and the Q37.13 clock is met at the sending.
func (s *Service) SendReport(ctx context.Context, by audit.Actor, incident int64, e Edit) (Written, error) {
	w, err := s.changeReport(ctx, by, incident, e, true)
	if err != nil {
		return w, err
	}
	if w.Rule == "Q37.13" && s.Clocks != nil {
		if _, err := s.Clocks.Meet(ctx, by, incident, regulation.ClockAuthorityReport, "", *w.SentAt); err != nil && !isCode(err, apperr.NotFound, apperr.Conflict) {
			return w, err
		}
	}
	return w, nil
}

func isCode(err error, codes ...apperr.Code) bool {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.Code == c {
			return true
		}
	}
	return false
}

func (s *Service) changeReport(ctx context.Context, by audit.Actor, incident int64, e Edit, send bool) (Written, error) {
	if e.Version <= 0 {
		return Written{}, fieldErr("version", "the version you reviewed (a positive integer)")
	}
	now := s.Now().UTC()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		w, err := s.writtenOf(ctx, tx, incident)
		if err != nil {
			return err
		}
		if w.Status == "sent" {
			return apperr.New(apperr.Conflict, "the report of incident %d was sent already", incident)
		}
		if w.Version != e.Version {
			return apperr.New(apperr.Conflict, "version %d is not the current one (%d)", e.Version, w.Version)
		}
		before, _ := json.Marshal(w.Report)
		e.Apply(&w.Report)
		b, _ := json.Marshal(w.Report)
		action := "report.edit"
		if send {
			if err := w.Report.ReadyToSend(); err != nil {
				return err
			}
			if err := s.needSigned(w, before, b); err != nil {
				return err
			}
			action = "report.send"
			if _, err := tx.ExecContext(ctx, Q.SendReport, string(b), store.T(now), by.Login, incident, e.Version); err != nil {
				return err
			}
			w.Status, w.SentAt, w.SentBy = "sent", &now, by.Login
			if err := s.enqueue(ctx, tx, now, incident, w); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, Q.UpdateReport, string(b), incident, e.Version); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: action, ObjectType: "incident",
			ObjectID: strconv.FormatInt(incident, 10), After: map[string]any{"rule": w.Rule}})
		return err
	})
	if err != nil {
		return Written{}, err
	}
	return s.WrittenOf(ctx, incident)
}

// enqueue queues the report's letter (templates.AuthorityReport) in the
// sending transaction: to the configured address and authority cabinets,
// the report attached as PDF in Russian and Kazakh (issue 13).
func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, now time.Time, incident int64, w Written) error {
	r := w.Report
	files, err := pdfAttachments(now, func(lang string) (string, string) { return ReportFileName(w, lang), ReportText(w, lang) })
	if err != nil {
		return err
	}
	// A signed report's letter carries what was signed and the detached
	// CMS, so the authorized body can check the EDS (issue 12).
	sg, err := s.signedByID(ctx, w.SignatureID)
	if err != nil {
		return err
	}
	if sg != nil {
		for _, a := range SignedAttachments(fmt.Sprintf("%s № %s", Word("ru", "report.title"), r.Number), sg) {
			files = append(files, notify.Attachment{Name: a.Name, ContentType: a.MIME, Data: a.Data})
		}
	}
	d := templates.Data{Number: r.Number, Level: r.Level, FixedAt: r.FixedAt, Summary: r.Summary, Cause: r.Cause,
		Actions: r.Actions, Result: r.Result, Proposals: r.Proposals, Zone: r.Zone}
	if r.Started != nil {
		d.Started = *r.Started
	}
	if r.Confirmed != nil {
		d.Confirmed = *r.Confirmed
	}
	for _, e := range r.Extensions {
		d.Extensions = append(d.Extensions, templates.Extension{Announcement: e.Announcement, Lot: e.Lot, DeadlineKind: e.Kind, Old: e.Old, New: e.New, Rule: e.Rule})
	}
	base := notify.Notification{Event: ReportEvent(incident), Kind: templates.AuthorityReport, Data: d, DueBy: now, Attachments: files}
	var ns []notify.Notification
	if s.AuthorityEmail != "" {
		n := base
		n.Channel, n.Email, n.Lang = "email", s.AuthorityEmail, "ru"
		ns = append(ns, n)
	}
	users, err := notify.ToRole(ctx, tx, string(vocab.Authority), base)
	if err != nil {
		return err
	}
	for _, n := range users {
		if n.Channel == "cabinet" {
			n.DueBy = time.Time{}
			ns = append(ns, n)
		}
	}
	if len(ns) == 0 {
		return nil
	}
	return notify.Enqueue(ctx, tx, now, s.MailDomain, ns...)
}
