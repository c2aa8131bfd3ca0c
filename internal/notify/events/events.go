// Package events raises the notifications the regulations prescribe from
// Journal events, inside the event's transaction (journal.Hooks), through
// the outbox (notify.Enqueue): a registration, refutation, confirmation or
// fix commits with its notices or not at all.
//
// Who gets what, with the rule and the term, is the table in
// docs/notifications.md. Event keys (the outbox's "event" column) are the
// functions below; internal/clocks can tell a notice clock met by
// notify.EventDelivery(ctx, q, events.Registered(number)).Met().
package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/sla"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

// Event keys. With the recipient each is unique in the outbox, so raising
// one twice (a retried request) sends nothing new.

// Registered is the registration notice of an appeal (Q30, R5, E15): the
// clock incident_id_notice of the appeal is met when it is sent.
func Registered(number string) string { return "appeal.registered:" + number }

// Refuted is the refutation notice of an appeal (Q32): clock refutation_notice.
func Refuted(number string) string { return "appeal.refuted:" + number }

// LevelPlanned is the first level-and-planned-fix notice of an appeal
// (Q35.1 low_notice, Q36.2 medium_supplier_notice). A re-plan is
// LevelReplanned with the incident's version.
func LevelPlanned(number string) string { return "appeal.level:" + number }

// LevelReplanned is the notice of a changed plan (Q35.1, Q36.2 "re-notify").
func LevelReplanned(number string, version int) string {
	return "appeal.level:" + number + ":v" + strconv.Itoa(version)
}

// Fixed is the fixed notice of an appeal (Q35.3, Q36.9, Q37.12).
func Fixed(number string) string { return "appeal.fixed:" + number }

// AuthorityNotice is the notice of a medium/high failure to the authorized
// body and its IT-security unit (Q37.1, Q42).
func AuthorityNotice(incidentID int64) string {
	return "incident.authority_notice:" + strconv.FormatInt(incidentID, 10)
}

// NoticeEvent is the event whose email delivery meets a notice clock of an
// appeal, for internal/clocks: the clock is met when
// notify.EventDelivery(ctx, q, event).Met(), at its LastSentAt; a failed
// row keeps it unmet. ok is false for clocks this package sends nothing for
// (the home-page posts of Q36.1 and Q37.3 are the status page's). An appeal
// whose reporter gave no email has no email row (Delivery.Emails == 0): its
// notice is the operator's to give by phone and record with clocks.Meet.
func NoticeEvent(clock, appeal string) (event string, ok bool) {
	switch clock {
	case regulation.ClockIncidentIDNotice:
		return Registered(appeal), true
	case regulation.ClockRefutationNotice:
		return Refuted(appeal), true
	case regulation.ClockLowNotice, regulation.ClockMediumSupplierNotice:
		return LevelPlanned(appeal), true
	}
	return "", false
}

// InfoRequest is the information request of an incident at version v to
// the reporter of an appeal (Q38): each request is a new notice.
func InfoRequest(number string, version int) string {
	return "appeal.info_request:" + number + ":v" + strconv.Itoa(version)
}

// StaffReply is a staff reply (message id) to the reporter of an appeal.
func StaffReply(number string, message int64) string {
	return "appeal.reply:" + number + ":m" + strconv.FormatInt(message, 10)
}

// InfoAnswered is the notice to staff that the reporter answered (message id).
func InfoAnswered(number string, message int64) string {
	return "appeal.info_answered:" + number + ":m" + strconv.FormatInt(message, 10)
}

// Closed is the closing notice of an appeal with the cause and actions (R1–R5).
func Closed(number string) string { return "appeal.closed:" + number }

// Config of the notices.
type Config struct {
	// Domain of Message-IDs: the desk's mail domain.
	Domain string
	// AuthorityEmail and AuthoritySecurityEmail receive the notices of
	// Q37.1 and Q42; empty: only the cabinets of authority users do.
	AuthorityEmail, AuthoritySecurityEmail string
	// Profile looks up a versioned profile (for the terms, due_by); default
	// regulation.Default().Get.
	Profile func(id string) (*regulation.Profile, bool)
	// Seal seals the access code (R7) the registration notice carries to
	// the outbox; the worker opens it when it renders the mail
	// (internal/secret). nil: the notice is queued without the code — the
	// outbox never holds it readable.
	Seal func(plain string) string
}

// Hooks implements journal.Hooks.
type Hooks struct{ cfg Config }

func New(cfg Config) *Hooks {
	if cfg.Profile == nil {
		cfg.Profile = regulation.Default().Get
	}
	return &Hooks{cfg: cfg}
}

var _ journal.Hooks = (*Hooks)(nil)

// appealRef is what a notice needs of an appeal.
type appealRef struct {
	Number, BIN, Email, Profile, Module, Description string
	Received                                         time.Time
}

// batch collects one event's notifications: the users of a BIN and a
// reporter's language are looked up once.
type batch struct {
	h    *Hooks
	tx   journal.HookTx
	ns   []notify.Notification
	bins map[string][]cabinetUser
	lang map[string]string
}

type cabinetUser struct {
	id   int64
	lang string
}

func (h *Hooks) batch(tx journal.HookTx) *batch {
	return &batch{h: h, tx: tx, bins: map[string][]cabinetUser{}, lang: map[string]string{}}
}

// toReporter addresses base to the appeal's reporter by email (when given)
// and to the cabinets of the appeal's organization (E11).
func (b *batch) toReporter(ctx context.Context, a appealRef, base notify.Notification) error {
	if a.Email != "" {
		lang, err := b.language(ctx, a.Email)
		if err != nil {
			return err
		}
		n := base
		n.Channel, n.Email, n.Lang = "email", a.Email, lang
		b.ns = append(b.ns, n)
	}
	users, err := b.usersOfBIN(ctx, a.BIN)
	if err != nil {
		return err
	}
	for _, u := range users {
		n := base
		n.Channel, n.UserID, n.Lang, n.DueBy, n.InReplyTo = "cabinet", u.id, u.lang, time.Time{}, ""
		n.Data.AccessCode = "" // signed in, they need no code to follow the appeal (R7)
		b.ns = append(b.ns, n)
	}
	return nil
}

func (b *batch) language(ctx context.Context, addr string) (string, error) {
	addr = strings.ToLower(addr)
	if l, ok := b.lang[addr]; ok {
		return l, nil
	}
	l, err := notify.ReporterLanguage(ctx, b.tx.Tx, addr)
	if err != nil {
		return "", err
	}
	b.lang[addr] = l
	return l, nil
}

func (b *batch) usersOfBIN(ctx context.Context, bin string) ([]cabinetUser, error) {
	if bin == "" {
		return nil, nil
	}
	if us, ok := b.bins[bin]; ok {
		return us, nil
	}
	rows, err := b.tx.QueryContext(ctx, notify.Q.UsersOfBin, bin)
	if err != nil {
		return nil, fmt.Errorf("notify: cabinets of BIN: %w", err)
	}
	defer rows.Close()
	var us []cabinetUser
	for rows.Next() {
		var u cabinetUser
		if err := rows.Scan(&u.id, &u.lang); err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	b.bins[bin] = us
	return us, rows.Err()
}

func (b *batch) enqueue(ctx context.Context) error {
	if len(b.ns) == 0 {
		return nil
	}
	return notify.Enqueue(ctx, b.tx.Tx, b.tx.Now, b.h.cfg.Domain, b.ns...)
}

// due is the deadline of a profile's notice clock started at at; zero when
// the profile has no such clock (the notice is sent, with no term).
func (h *Hooks) due(profile, clock, level string, at time.Time) time.Time {
	p, ok := h.cfg.Profile(profile)
	if !ok {
		return time.Time{}
	}
	d, err := sla.Deadline(p, sla.Spec{Clock: clock, Level: level, At: at})
	if err != nil {
		return time.Time{}
	}
	return d
}

func (h *Hooks) zone(profile string) string {
	if p, ok := h.cfg.Profile(profile); ok {
		return p.Location().String()
	}
	return "Asia/Almaty"
}

// AppealRegistered sends the registration number (Q30, R5, E15); for the
// Russian profile an appeal that named no System section is asked for one
// (R2).
func (h *Hooks) AppealRegistered(ctx context.Context, tx journal.HookTx, a journal.Appeal, newIncident bool) error {
	// Both numbers, the appeal's and its failure's (defect 10).
	d := templates.Data{Number: a.Number, IncidentNumber: a.IncidentNumber, Received: a.ReceivedAt, Zone: h.zone(a.Profile), Profile: a.Profile}
	if h.cfg.Seal != nil {
		d.AccessCode = h.cfg.Seal(a.AccessCode) // R7: only the email copy keeps it (toReporter), sealed
	}
	if strings.HasPrefix(a.Profile, "ru-khmao") && strings.TrimSpace(a.Module) == "" {
		d.SectionMissing, d.Sections = true, email.SectionNames()
	}
	b := h.batch(tx)
	base := notify.Notification{Event: Registered(a.Number), Kind: templates.Registered, Data: d,
		DueBy: h.due(a.Profile, regulation.ClockIncidentIDNotice, "", a.RegisteredAt)}
	// An email appeal's notice threads under the reporter's message.
	base.InReplyTo = a.SourceMessageID
	ref := appealRef{Number: a.Number, BIN: a.BIN, Email: a.ContactEmail, Profile: a.Profile}
	if err := b.toReporter(ctx, ref, base); err != nil {
		return err
	}
	return b.enqueue(ctx)
}

// IncidentChanged tells the reporters of every appeal of the incident of a
// refutation (Q32), a confirmation with level and plan (Q35.1, Q36.2), a
// changed plan, and the fix (Q35.3, Q36.9, Q37.12); a medium or high
// confirmation also goes to the authorized body and its IT-security unit
// (Q37.1, Q42).
func (h *Hooks) IncidentChanged(ctx context.Context, tx journal.HookTx, action journal.Action, by audit.Actor, before, after journal.Incident) error {
	now := tx.Now
	merged := action == journal.ActMerge
	switch action {
	case journal.ActRefute, journal.ActConfirm, journal.ActFix, journal.ActRequestInfo:
	case journal.ActClose:
		if !russian(after.Profile) {
			return nil
		}
	case journal.ActStartFix:
		if samePlan(before.PlannedFixAt, after.PlannedFixAt) || after.Criticality == "" {
			return nil
		}
	case journal.ActMerge:
		// An appeal joined an incident already decided: its reporter is
		// told what the others were; theirs are the same event keys, so
		// nothing new goes to them.
		switch {
		case after.State == journal.Refuted:
			action = journal.ActRefute
		case after.State == journal.Fixed:
			action = journal.ActFix
		case after.Criticality != "" && after.FixedAt == nil:
			action = journal.ActConfirm
		default:
			return nil
		}
	default:
		return nil
	}
	appeals, err := h.appeals(ctx, tx, after.ID)
	if err != nil {
		return err
	}
	b := h.batch(tx)
	base := templates.Data{IncidentNumber: after.Number, Level: string(after.Criticality), Zone: h.zone(after.Profile),
		Profile: after.Profile, Modules: strings.Join(after.Modules, ", ")}
	if after.FailureStartedAt != nil {
		base.Started = *after.FailureStartedAt
	}
	if after.PlannedFixAt != nil {
		base.PlannedFix = *after.PlannedFixAt
	}
	for _, a := range appeals {
		d := base
		d.Number = a.Number
		var n notify.Notification
		switch action {
		case journal.ActRefute:
			if d.Reason, err = lastNote(ctx, tx, after.ID); err != nil {
				return err
			}
			n = notify.Notification{Event: Refuted(a.Number), Kind: templates.Refuted,
				DueBy: h.due(a.Profile, regulation.ClockRefutationNotice, "", now)}
		case journal.ActConfirm:
			d.Confirmed = now
			n = notify.Notification{Event: LevelPlanned(a.Number), Kind: templates.LevelPlanned,
				DueBy: h.due(a.Profile, levelClock(after.Criticality), "", now)}
		case journal.ActStartFix:
			d.Changed = true
			n = notify.Notification{Event: LevelReplanned(a.Number, after.Version), Kind: templates.LevelPlanned,
				DueBy: h.due(a.Profile, levelClock(after.Criticality), "", now)}
		case journal.ActFix:
			if after.FixedAt != nil {
				d.FixedAt = *after.FixedAt
			}
			n = notify.Notification{Event: Fixed(a.Number), Kind: templates.Fixed}
		case journal.ActRequestInfo:
			// Q38: every reporter of the incident gets the question; the
			// transition's note is it.
			if d.Message, err = lastNote(ctx, tx, after.ID); err != nil {
				return err
			}
			n = notify.Notification{Event: InfoRequest(a.Number, after.Version), Kind: templates.InfoRequested}
		case journal.ActClose:
			// R1–R5: on closing the specialist's description of the cause
			// and the actions taken goes to the requester.
			if d.Cause, err = lastNote(ctx, tx, after.ID); err != nil {
				return err
			}
			d.Actions, d.Proposals = after.Decision, after.Recommendations
			if d.Cause == d.Actions { // a refutation closed with its reasons
				d.Actions = ""
			}
			n = notify.Notification{Event: Closed(a.Number), Kind: templates.Closed}
		}
		n.Data = d
		if err := b.toReporter(ctx, a, n); err != nil {
			return err
		}
	}
	if action == journal.ActConfirm && !merged && after.Criticality.Extends() {
		if err := h.toAuthority(ctx, b, after, base, appeals, now); err != nil {
			return err
		}
	}
	return b.enqueue(ctx)
}

// toAuthority: Q37.1 (high: "at once … in writing, by email and by phone")
// and Q42 (medium and high: the IT-security unit). Due at once: the term is
// the confirmation itself. The desk sends the email; the phone call is the
// operator's.
func (h *Hooks) toAuthority(ctx context.Context, b *batch, inc journal.Incident, d templates.Data, appeals []appealRef, now time.Time) error {
	d.Number, d.IncidentNumber, d.Confirmed = inc.Number, "", now
	if len(appeals) > 0 {
		d.Summary = clip(appeals[0].Description, 500)
	}
	base := notify.Notification{Event: AuthorityNotice(inc.ID), Kind: templates.AuthorityNotice, Data: d, DueBy: now}
	for _, addr := range []string{h.cfg.AuthorityEmail, h.cfg.AuthoritySecurityEmail} {
		if addr != "" {
			n := base
			n.Channel, n.Email, n.Lang = "email", addr, "ru"
			b.ns = append(b.ns, n)
		}
	}
	users, err := notify.ToRole(ctx, b.tx.Tx, "authority", base)
	if err != nil {
		return fmt.Errorf("notify: authority users: %w", err)
	}
	for _, n := range users {
		if n.Channel == "cabinet" { // their email is the configured address above
			n.DueBy = time.Time{}
			b.ns = append(b.ns, n)
		}
	}
	return nil
}

// levelClock is the term of the level notice to the reporter: Q35.1 (low,
// 30 working minutes), Q36.2 (medium, 1 working hour); Q37 prescribes no
// reporter notice for high — reading: the 30 calendar minutes of its
// home-page post (Q37.3).
func levelClock(level vocab.Criticality) string {
	switch level {
	case vocab.Low:
		return regulation.ClockLowNotice
	case vocab.Medium:
		return regulation.ClockMediumSupplierNotice
	}
	return regulation.ClockHighPublicNotice
}

func russian(profile string) bool { return strings.HasPrefix(profile, "ru-") }

// ReplyFile is a file of a staff reply: a stored, scanned file (internal/files).
type ReplyFile struct {
	ID   int64
	Name string
	Size int64
}

// ReplyToReporter sends a staff reply to the reporter of one appeal and its
// organization's cabinets; the email threads under inReplyTo (the
// reporter's last message, or the desk's registration notice). The reply's
// files go with the email as attachments (by file id: the outbox stores no
// second copy) while they fit the outbox's limits together (at most
// notify.MaxAttachments files, notify.MaxAttachmentSize bytes), in the
// order given; the rest are named in the mail as too large for it, with
// the link to the appeal in the cabinet, where every file is downloaded.
func (h *Hooks) ReplyToReporter(ctx context.Context, tx journal.HookTx, number string, message int64, text, inReplyTo string, files []ReplyFile) error {
	a, err := h.appeal(ctx, tx, number)
	if err != nil {
		return err
	}
	b := h.batch(tx)
	d := templates.Data{Number: number, Message: text, Zone: h.zone(a.Profile)}
	attach, linked := SplitReplyFiles(files)
	var as []notify.Attachment
	for _, f := range attach {
		d.Attached = append(d.Attached, f.Name)
		as = append(as, notify.Attachment{Name: f.Name, FileID: f.ID})
	}
	for _, f := range linked {
		d.Linked = append(d.Linked, f.Name)
	}
	if len(linked) > 0 {
		d.CabinetURL = "/cabinet/appeals/" + number
	}
	base := notify.Notification{Event: StaffReply(number, message), Kind: templates.Reply, Data: d, InReplyTo: inReplyTo, Attachments: as}
	if err := b.toReporter(ctx, a, base); err != nil {
		return err
	}
	return b.enqueue(ctx)
}

// SplitReplyFiles are the files that go with the mail (in order, while
// they fit the outbox's limits together) and those that are only linked.
func SplitReplyFiles(files []ReplyFile) (attach, linked []ReplyFile) {
	var total int64
	for _, f := range files {
		if len(attach) < notify.MaxAttachments && f.Size >= 0 && total+f.Size <= notify.MaxAttachmentSize {
			total += f.Size
			attach = append(attach, f)
			continue
		}
		linked = append(linked, f)
	}
	return attach, linked
}

// AnswerToStaff tells the staff member who asked (assignee, 0: none) that
// the reporter answered, else every active user of role (Q38: the terms
// resumed). Cabinet and, where they have one, email.
func (h *Hooks) AnswerToStaff(ctx context.Context, tx journal.HookTx, number, incident string, message int64, author, text string, assignee int64, role string) error {
	d := templates.Data{Number: number, IncidentNumber: incident, Author: author, Message: text, Zone: "Asia/Almaty"}
	if a, err := h.appeal(ctx, tx, number); err == nil {
		d.Zone = h.zone(a.Profile)
	} else {
		return err
	}
	base := notify.Notification{Event: InfoAnswered(number, message), Kind: templates.InfoAnswered, Data: d}
	var ns []notify.Notification
	var err error
	if assignee != 0 {
		ns, err = notify.ToUser(ctx, tx.Tx, assignee, base)
	}
	if err == nil && len(ns) == 0 {
		ns, err = notify.ToRole(ctx, tx.Tx, role, base)
	}
	if err != nil {
		return fmt.Errorf("notify: staff to tell: %w", err)
	}
	if len(ns) == 0 {
		return nil
	}
	return notify.Enqueue(ctx, tx.Tx, tx.Now, h.cfg.Domain, ns...)
}

func (h *Hooks) appeal(ctx context.Context, tx journal.HookTx, number string) (appealRef, error) {
	var a appealRef
	var recv, reg store.Time
	err := tx.QueryRowContext(ctx, notify.Q.AppealByNumber, number).Scan(&a.Number, &a.BIN, &a.Email, &a.Profile, &recv, &reg, &a.Module, &a.Description)
	if err != nil {
		return a, fmt.Errorf("notify: appeal %s: %w", number, err)
	}
	a.Received = recv.Time
	return a, nil
}

func samePlan(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func (h *Hooks) appeals(ctx context.Context, tx journal.HookTx, incidentID int64) ([]appealRef, error) {
	rows, err := tx.QueryContext(ctx, notify.Q.AppealsOfIncident, incidentID)
	if err != nil {
		return nil, fmt.Errorf("notify: appeals of incident: %w", err)
	}
	defer rows.Close()
	var out []appealRef
	for rows.Next() {
		var a appealRef
		var recv, reg store.Time
		if err := rows.Scan(&a.Number, &a.BIN, &a.Email, &a.Profile, &recv, &reg, &a.Module, &a.Description); err != nil {
			return nil, err
		}
		a.Received = recv.Time
		out = append(out, a)
	}
	return out, rows.Err()
}

func lastNote(ctx context.Context, tx journal.HookTx, incidentID int64) (string, error) {
	var note string
	if err := tx.QueryRowContext(ctx, notify.Q.LastTransitionNote, incidentID).Scan(&note); err != nil && !isNoRows(err) {
		return "", fmt.Errorf("notify: refutation note: %w", err)
	}
	return note, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
