// Package mailin turns received support mail into Journal entries: it is the
// email.Handler of the SMTP listener. Each message is parsed and, in one
// transaction with its raw bytes and attachment list, either
//
//   - ignored, when it is automatic mail (auto-reply, bounce, list): kept and
//     visible, never registered nor answered (no mail loops);
//   - threaded onto an existing appeal, when its In-Reply-To/References name
//     a message of that appeal (received, or sent by the desk) or its subject
//     carries the appeal's number: a follow-up of the appeal, audited;
//   - registered as a new appeal (channel email, received_at = arrival).
//
// The same message delivered twice (same Message-ID, or the same bytes when
// it has none) is kept once. Deliver returns only after the commit; any
// database failure is returned, so the listener answers 451 and the sending
// server retries: nothing is lost.
package mailin

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/files"
	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are this package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Actor is who registers and records inbound mail in the audit trail.
var Actor = audit.Actor{Login: "mail", Role: "system"}

// Dispositions of a received message.
const (
	DispAppeal   = "appeal"    // opened a new appeal
	DispFollowUp = "follow_up" // added to an existing appeal's thread
	DispIgnored  = "ignored"   // automatic mail, or not registrable; kept, not answered
)

// Service is the inbound mail handler.
type Service struct {
	DB      *store.DB
	Journal *journal.Service
	Now     func() time.Time
	Log     *slog.Logger
	// Profiles maps a support address ("support@portal.kz") or a whole
	// domain ("@portal.kz") to the regulation profile of appeals sent to
	// it (R1: separate addresses). Unmapped: the desk's default profile.
	Profiles map[string]string
	// MaxDescription caps the appeal's description in characters (the
	// journal accepts 20,000); the whole body stays in the thread.
	MaxDescription int
	// FollowUp, when set, is told of each follow-up after it is stored
	// (internal/convo: the reporter's answer joins the conversation and
	// resumes an information request, Q38). Its error is logged: the mail
	// itself is kept.
	FollowUp func(ctx context.Context, number string, mailID int64, from, text string) error
	// Bounce, when set, is given each bounce after it is stored (kept as
	// ignored mail): it matches the desk's notice it answers (RFC 3464).
	// Its error is logged.
	Bounce func(ctx context.Context, raw []byte) error
	// Files scans every attachment as it is parsed (Q26), like uploads;
	// nil: attachments are recorded unscanned.
	Files *files.Service
}

// scanStore is the parser's attachment store: it scans each attachment as
// it streams by and returns the verdict as the attachment's Ref.
type scanStore struct {
	files *files.Service
}

func (st scanStore) Put(ctx context.Context, _ email.Attachment, r io.Reader) (string, error) {
	return st.files.ScanVerdict(ctx, r), nil
}

var _ email.Handler = (*Service)(nil)

// ParseProfiles reads "addr=profile,@domain=profile" (the --mail-profile
// setting); addresses are compared case-insensitively.
func ParseProfiles(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		addr, prof, ok := strings.Cut(part, "=")
		addr, prof = strings.ToLower(strings.TrimSpace(addr)), strings.TrimSpace(prof)
		if !ok || addr == "" || prof == "" || !strings.Contains(addr, "@") {
			return nil, fmt.Errorf("mail profile %q: want address=profile or @domain=profile", part)
		}
		out[addr] = prof
	}
	return out, nil
}

// profileFor picks the profile of the first recipient that has one.
func (s *Service) profileFor(to []string) string {
	for _, rcpt := range to {
		rcpt = strings.ToLower(strings.Trim(strings.TrimSpace(rcpt), "<>"))
		if p, ok := s.Profiles[rcpt]; ok {
			return p
		}
		if i := strings.LastIndex(rcpt, "@"); i >= 0 {
			if p, ok := s.Profiles[rcpt[i:]]; ok {
				return p
			}
		}
	}
	return ""
}

// received is one message with everything needed to store it.
type received struct {
	env        email.Envelope
	msg        *email.Message
	raw        []byte
	sha        string
	key        string
	disp       string
	reason     string
	section    string
	sectionGap bool
}

// Deliver implements email.Handler.
func (s *Service) Deliver(ctx context.Context, env email.Envelope, raw email.Raw) error {
	b, err := io.ReadAll(raw.Reader())
	if err != nil {
		return fmt.Errorf("mailin: read spooled message: %w", err)
	}
	rc := &received{env: env, raw: b, sha: raw.SHA256()}
	if env.ReceivedAt.IsZero() {
		rc.env.ReceivedAt = s.Now()
	}
	msg, perr := email.Parse(ctx, raw.Reader(), email.Options{Envelope: &env, Store: scanStore{s.Files}})
	if msg == nil {
		msg = &email.Message{}
	}
	rc.msg = msg
	rc.key = "sha256:" + rc.sha
	if msg.MessageID != "" {
		rc.key = "mid:" + msg.MessageID
	}
	if seen, err := s.seen(ctx, rc.key); err != nil || seen {
		return err
	}
	if perr != nil {
		rc.disp, rc.reason = DispIgnored, "not a MIME message: "+perr.Error()
		return s.store(ctx, rc, "")
	}
	number, how, err := s.threadOf(ctx, msg)
	if err != nil {
		return err
	}
	switch {
	case msg.Auto.NoReply():
		rc.disp, rc.reason = DispIgnored, "automatic mail: "+strings.Join(msg.Auto.Reasons, "; ")
		if err := s.store(ctx, rc, number); err != nil || !msg.Auto.Bounce || s.Bounce == nil {
			return err
		}
		if err := s.Bounce(ctx, rc.raw); err != nil {
			s.Log.Error("bounce not matched to its notice", "message_id", msg.MessageID, "error", err.Error())
		}
		return nil
	case number != "":
		rc.disp, rc.reason = DispFollowUp, how
		return s.store(ctx, rc, number)
	}
	return s.register(ctx, rc)
}

func (s *Service) seen(ctx context.Context, key string) (bool, error) {
	var id int64
	err := s.DB.R.QueryRowContext(ctx, Queries["seen"], key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mailin: de-duplication: %w", err)
	}
	return true, nil
}

// maxThreadIDs bounds the Message-IDs looked up for threading (a crafted
// References header must not cost thousands of queries).
const maxThreadIDs = 50

// threadOf finds the appeal a message continues: In-Reply-To and References
// (newest first) naming a message of an appeal, received or sent by the
// desk; else an existing appeal number in the subject. how says which.
func (s *Service) threadOf(ctx context.Context, m *email.Message) (number, how string, err error) {
	ids := append([]string{}, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	if len(ids) > maxThreadIDs {
		ids = ids[:maxThreadIDs]
	}
	for _, id := range ids {
		if id == "" || id == m.MessageID {
			continue
		}
		err := s.DB.R.QueryRowContext(ctx, Queries["appeal-of-message-id"], id).Scan(&number)
		if err == nil {
			return number, "In-Reply-To/References " + id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", "", fmt.Errorf("mailin: threading: %w", err)
		}
		var event string
		err = s.DB.R.QueryRowContext(ctx, Queries["event-of-outbox-message-id"], "<"+id+">").Scan(&event)
		if err == nil {
			if n := email.FindAppealNumber(event); n != "" {
				if ok, err := s.appealExists(ctx, n); err != nil || ok {
					return n, "In-Reply-To/References of the desk's message " + id, err
				}
			}
			continue
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", "", fmt.Errorf("mailin: threading: %w", err)
		}
	}
	if n := m.AppealNumber; n != "" {
		ok, err := s.appealExists(ctx, n)
		if err != nil || ok {
			return n, "appeal number in the subject", err
		}
	}
	return "", "", nil
}

func (s *Service) appealExists(ctx context.Context, number string) (bool, error) {
	var id int64
	err := s.DB.R.QueryRowContext(ctx, Queries["appeal-id-by-number"], number).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mailin: appeal lookup: %w", err)
	}
	return true, nil
}

// store keeps an ignored message or a follow-up (threaded onto number when
// given) in its own transaction, audited.
func (s *Service) store(ctx context.Context, rc *received, number string) error {
	var mailID int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		var appealID any
		if number != "" {
			var id int64
			if err := tx.QueryRowContext(ctx, Queries["appeal-id-by-number"], number).Scan(&id); err != nil {
				return fmt.Errorf("mailin: appeal %s: %w", number, err)
			}
			appealID = id
		}
		var err error
		mailID, err = s.insert(ctx, tx, rc, appealID)
		if err != nil {
			return err
		}
		action, objType, objID := "mail.ignore", "mail", fmt.Sprint(mailID)
		if rc.disp == DispFollowUp {
			action, objType, objID = "appeal.mail_follow_up", "appeal", number
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, Actor, audit.Entry{Action: action, ObjectType: objType, ObjectID: objID,
			After: s.auditAfter(rc, mailID, number)})
		return err
	})
	if err != nil && store.IsUniqueViolation(err) {
		return nil // the same message, delivered twice at once: the other delivery stored it
	}
	if err == nil {
		s.Log.Info("mail received", "disposition", rc.disp, "appeal", number, "message_id", rc.msg.MessageID, "reason", rc.reason)
		if rc.disp == DispFollowUp && s.FollowUp != nil {
			if ferr := s.FollowUp(ctx, number, mailID, rc.msg.From.Address, rc.msg.Text); ferr != nil {
				s.Log.Error("follow-up not added to the conversation", "appeal", number, "mail_id", mailID, "error", ferr.Error())
			}
		}
	}
	return err
}

func (s *Service) auditAfter(rc *received, mailID int64, number string) map[string]any {
	return map[string]any{"mail_id": mailID, "message_id": rc.msg.MessageID, "from": rc.msg.From.Address, "subject": rc.msg.Subject,
		"disposition": rc.disp, "reason": rc.reason, "appeal": number, "raw_sha256": rc.sha, "received_at": rc.env.ReceivedAt.UTC()}
}

// register opens a new appeal from the message; the message itself is
// stored inside the registration's transaction (journal.NewAppeal.InTx).
func (s *Service) register(ctx context.Context, rc *received) error {
	m := rc.msg
	profile := s.profileFor(rc.env.To)
	n := journal.NewAppeal{Channel: "email", ReceivedAt: &rc.env.ReceivedAt, ContactEmail: sender(m, rc.env),
		Description: s.description(m), Profile: profile, SourceMessageID: m.MessageID}
	// R2 (Russian profile): the subject must name the System section. The
	// appeal is registered anyway; the section goes to Module, and an empty
	// Module makes the registration notice ask for it (docs/email.md).
	if isRussian(profile) {
		if m.Section != nil {
			n.Module, rc.section = m.Section.Name, m.Section.ID
		} else {
			rc.sectionGap = true
		}
	}
	rc.disp = DispAppeal
	var mailID int64
	n.InTx = func(ctx context.Context, tx journal.HookTx, a journal.Appeal) error {
		var err error
		mailID, err = s.insert(ctx, tx.Tx, rc, a.ID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, Actor, audit.Entry{Action: "appeal.mail", ObjectType: "appeal", ObjectID: a.Number,
			After: s.auditAfter(rc, mailID, a.Number)})
	}
	reg, err := s.Journal.Register(ctx, journal.Caller{Actor: Actor}, n, "")
	if err == nil {
		s.Log.Info("mail registered", "appeal", reg.Number, "incident_id", reg.IncidentID, "message_id", m.MessageID,
			"profile", profile, "section_missing", rc.sectionGap)
		return nil
	}
	if store.IsUniqueViolation(err) {
		if seen, serr := s.seen(ctx, rc.key); serr == nil && seen {
			return nil // delivered twice at once; the other registered it
		}
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && (ae.Code == apperr.Invalid || ae.Code == apperr.Unprocessable) {
		// Retrying cannot make this message registrable (no usable sender
		// address, …): keep it, visibly, instead of bouncing it for ever.
		rc.disp, rc.reason = DispIgnored, "not registrable: "+validationText(ae)
		rc.section, rc.sectionGap = "", false
		return s.store(ctx, rc, "")
	}
	return err
}

func validationText(ae *apperr.Error) string {
	parts := []string{ae.Message}
	for f, msg := range ae.Fields {
		parts = append(parts, f+": "+msg)
	}
	return strings.Join(parts, "; ")
}

func isRussian(profile string) bool { return strings.HasPrefix(profile, "ru-") }

// sender is the address the registration number goes to: From, else the
// envelope sender.
func sender(m *email.Message, env email.Envelope) string {
	for _, a := range []string{m.From.Address, env.From} {
		if p, err := mail.ParseAddress(a); err == nil && p.Address == a {
			return a
		}
	}
	return ""
}

// description is what the Journal records: subject, then the text.
func (s *Service) description(m *email.Message) string {
	subj := strings.TrimSpace(m.Subject)
	text := strings.TrimSpace(m.Text)
	d := subj
	if text != "" {
		if d != "" {
			d += "\n\n"
		}
		d += text
	}
	if d == "" {
		d = "(письмо без темы и текста)"
		if len(m.Attachments) > 0 {
			d = fmt.Sprintf("(письмо без темы и текста; вложений: %d)", len(m.Attachments))
		}
	}
	max := s.MaxDescription
	if max <= 0 {
		max = 20000
	}
	return clip(strings.ToValidUTF8(d, "\uFFFD"), max)
}

// clip cuts s to at most n characters, never inside a letter.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// insert writes the raw message (once per content), the message row and its
// attachments.
func (s *Service) insert(ctx context.Context, tx *sql.Tx, rc *received, appealID any) (int64, error) {
	m, env := rc.msg, rc.env
	if _, err := tx.ExecContext(ctx, Queries["insert-raw"], rc.sha, len(rc.raw), rc.raw, store.T(env.ReceivedAt)); err != nil {
		return 0, fmt.Errorf("mailin: store raw message: %w", err)
	}
	var id int64
	err := tx.QueryRowContext(ctx, Queries["insert-message"], rc.key, m.MessageID, appealID, rc.disp, rc.reason,
		store.T(env.ReceivedAt), env.From, jsonList(env.To), m.From.Address, m.From.Name, strings.ToValidUTF8(m.Subject, "\uFFFD"),
		strings.ToValidUTF8(m.Text, "\uFFFD"), jsonList(m.InReplyTo), jsonList(m.References), rc.section, rc.sectionGap,
		jsonList(m.Problems), rc.sha, len(rc.raw)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("mailin: store message: %w", err)
	}
	for i, a := range m.Attachments {
		if _, err := tx.ExecContext(ctx, Queries["insert-attachment"], id, i, a.Filename, a.ContentType, a.ContentID, a.Inline,
			a.Size, a.SHA256, a.Ref); err != nil {
			return 0, fmt.Errorf("mailin: store attachment: %w", err)
		}
	}
	return id, nil
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}
