// Package convo is the conversation between the desk and the people who
// report failures (issue 11): the thread of an appeal in the cabinet and by
// email, the information request of Q38 whose answer resumes the paused
// terms, staff replies and internal notes, and tracking by number (R7).
//
// Who is told what is internal/notify/events' (InfoRequest, StaffReply,
// InfoAnswered, Closed); this package stores the messages and moves the
// incident. The clocks pause and resume with the incident's transitions
// (internal/clocks): the term is extended by exactly the paused time.
package convo

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Queries are the package's named statements, checked at boot.
var Queries = store.MustParse(queriesSQL)

// Kinds of a message.
const (
	KindInfoRequest = "info_request" // staff ask (Q38); the incident pauses
	KindReply       = "reply"        // the reporter writes
	KindStaffReply  = "staff_reply"  // staff answer the reporter
	KindNote        = "note"         // internal note, staff only
)

// MaxText is the longest message accepted, in characters.
const MaxText = 20000

// Files checks and attaches uploaded files (internal/files).
type Files interface {
	// Attachable returns an error naming the file when the caller may not
	// attach it (not theirs, not scanned clean, unknown).
	Attachable(ctx context.Context, q *sql.Tx, by auth.Principal, id int64) error
}

// Service is the conversation of every appeal.
type Service struct {
	DB      *store.DB
	Journal *journal.Service
	Notices *events.Hooks
	Files   Files
	Now     func() time.Time
	Log     *slog.Logger
	// StaffRole is told of an answer when the request had no requester.
	StaffRole string
	track     *limiter
}

// New builds the service.
func New(db *store.DB, j *journal.Service, n *events.Hooks, f Files, now func() time.Time, log *slog.Logger) *Service {
	return &Service{DB: db, Journal: j, Notices: n, Files: f, Now: now, Log: log, StaffRole: "operator", track: newLimiter(now)}
}

// Message is one entry of an appeal's conversation.
type Message struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Author    string    `json:"author"`
	Internal  bool      `json:"internal"`
	Text      string    `json:"text"`
	Via       string    `json:"via"`
	CreatedAt time.Time `json:"created_at"`
	Files     []FileRef `json:"files"`
}

// FileRef is an attached file; its bytes are at GET /api/v1/files/{id}.
type FileRef struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// Post is what a caller writes.
type Post struct {
	Text        string  `json:"text"`
	Internal    bool    `json:"internal"`
	Attachments []int64 `json:"attachments"`
}

// Posted is the outcome: the message, and whether it resumed the incident.
type Posted struct {
	Message Message       `json:"message"`
	Resumed bool          `json:"resumed"`
	State   journal.State `json:"state"`
}

func (p *Post) validate(by auth.Principal) error {
	v := apperr.Validation{}
	p.Text = strings.TrimSpace(p.Text)
	switch {
	case p.Text == "":
		v.Add("text", "required: the message")
	case !utf8.ValidString(p.Text):
		v.Add("text", "must be UTF-8 text")
	case utf8.RuneCountInString(p.Text) > MaxText:
		v.Add("text", fmt.Sprintf("at most %d characters", MaxText))
	}
	if p.Internal && by.Role.PortalUser() {
		v.Add("internal", "internal notes are for staff only")
	}
	if len(p.Attachments) > 20 {
		v.Add("attachments", "at most 20 files per message")
	}
	for _, id := range p.Attachments {
		if id <= 0 {
			v.Add("attachments", "file ids are positive integers (from POST /api/v1/uploads)")
			break
		}
	}
	return v.Err()
}

// staff may write to reporters and add notes.
func staff(p auth.Principal) bool { return auth.Allowed(p.Role, auth.PermIncidentTransition) }

// Write adds a message to the appeal's conversation. A reporter's message
// while the incident waits on an information request resumes it (Q38) and
// tells who asked; a staff reply goes to the reporter by email and cabinet;
// an internal note goes nowhere.
func (s *Service) Write(ctx context.Context, by auth.Principal, addr, number string, p Post) (Posted, error) {
	if err := p.validate(by); err != nil {
		return Posted{}, err
	}
	a, err := s.Journal.Appeal(ctx, number)
	if err != nil {
		return Posted{}, err
	}
	if by.Role.PortalUser() && a.BIN != by.BIN {
		return Posted{}, apperr.New(apperr.NotFound, "no such appeal for your organization")
	}
	if !by.Role.PortalUser() && !staff(by) {
		return Posted{}, apperr.New(apperr.Forbidden, "role %s reads the conversation but does not write to it", by.Role)
	}
	kind := KindReply
	switch {
	case p.Internal:
		kind = KindNote
	case !by.Role.PortalUser():
		kind = KindStaffReply
	}
	actor := by.Actor(addr)
	m := Message{Kind: kind, Author: by.Login, Internal: p.Internal, Text: p.Text, Via: "cabinet", Files: []FileRef{}}
	write := func(ctx context.Context, htx journal.HookTx) error {
		for _, id := range p.Attachments {
			if err := s.Files.Attachable(ctx, htx.Tx, by, id); err != nil {
				return err
			}
		}
		if err := s.insert(ctx, htx, a.ID, by.ID, &m, nil); err != nil {
			return err
		}
		for _, id := range p.Attachments {
			if _, err := htx.ExecContext(ctx, Q.AttachFile, m.ID, id); err != nil {
				return apperr.Wrap(err, "attach file")
			}
		}
		if len(p.Attachments) > 0 {
			if err := s.filesOf(ctx, htx, &m); err != nil {
				return err
			}
		}
		if err := htx.Audit(ctx, actor, audit.Entry{Action: "appeal.message", ObjectType: "appeal", ObjectID: number,
			After: map[string]any{"message_id": m.ID, "kind": kind, "files": p.Attachments}}); err != nil {
			return err
		}
		if kind == KindStaffReply {
			return s.replyNotice(ctx, htx, a, m)
		}
		return nil
	}
	out, err := s.writeAndResume(ctx, actor, a, kind == KindReply, write, func(ctx context.Context, htx journal.HookTx) error {
		return s.answered(ctx, htx, a, m, by.Login)
	})
	out.Message = m
	return out, err
}

// writeAndResume runs write in one transaction; when resume is asked and
// the appeal's incident waits on an information request, write runs inside
// the resume transition, then answered tells the staff.
func (s *Service) writeAndResume(ctx context.Context, actor audit.Actor, a journal.Appeal, resume bool,
	write, answered func(context.Context, journal.HookTx) error) (Posted, error) {
	if resume {
		inc, err := s.Journal.Incident(ctx, a.IncidentID)
		if err != nil {
			return Posted{}, err
		}
		if inc.State == journal.InfoRequested {
			after, err := s.Journal.Transition(ctx, actor, a.IncidentID, journal.TransitionInput{Action: journal.ActResume,
				Note: "answer of the reporter of " + a.Number + " (Q38)", ExpectedVersion: inc.Version,
				InTx: func(ctx context.Context, htx journal.HookTx, _ journal.Incident) error {
					if err := write(ctx, htx); err != nil {
						return err
					}
					return answered(ctx, htx)
				}})
			if err == nil {
				return Posted{Resumed: true, State: after.State}, nil
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Conflict {
				return Posted{}, err
			}
			// Someone resumed it meanwhile: the answer is kept as a reply.
		}
	}
	var state journal.State
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		htx := journal.HookTx{Tx: tx, Dialect: s.DB.Dialect, Now: now, Audit: func(ctx context.Context, by audit.Actor, e audit.Entry) error {
			_, err := audit.Append(ctx, tx, s.DB.Dialect, now, by, e)
			return err
		}}
		return write(ctx, htx)
	})
	if err != nil {
		return Posted{}, err
	}
	if inc, err := s.Journal.Incident(ctx, a.IncidentID); err == nil {
		state = inc.State
	}
	return Posted{State: state}, nil
}

func (s *Service) insert(ctx context.Context, htx journal.HookTx, appealID, authorID int64, m *Message, mailID any) error {
	m.CreatedAt = htx.Now
	var author any
	if authorID != 0 {
		author = authorID
	}
	err := htx.QueryRowContext(ctx, Q.InsertMessage, appealID, m.Kind, author, m.Author, m.Internal, m.Text, m.Via,
		mailID, store.T(htx.Now)).Scan(&m.ID)
	return apperr.Wrap(err, "insert message")
}

// replyNotice sends a staff reply to the reporter, threaded under their last
// email on the appeal or the desk's registration notice.
func (s *Service) replyNotice(ctx context.Context, htx journal.HookTx, a journal.Appeal, m Message) error {
	var parent string
	err := htx.QueryRowContext(ctx, Q.LastReporterMail, a.ID).Scan(&parent)
	if errors.Is(err, sql.ErrNoRows) {
		err = htx.QueryRowContext(ctx, Q.RegistrationNotice, events.Registered(a.Number)).Scan(&parent)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, "thread of the reply")
	}
	files := make([]events.ReplyFile, 0, len(m.Files))
	for _, f := range m.Files {
		files = append(files, events.ReplyFile{ID: f.ID, Name: f.Filename, Size: f.Size})
	}
	return s.Notices.ReplyToReporter(ctx, htx, a.Number, m.ID, m.Text, parent, files)
}

// filesOf reads the files just attached to m (the answer names them, and a
// staff reply's notice lists them).
func (s *Service) filesOf(ctx context.Context, htx journal.HookTx, m *Message) error {
	rows, err := htx.QueryContext(ctx, Q.FilesOfMessage, m.ID)
	if err != nil {
		return apperr.Wrap(err, "files of the message")
	}
	defer rows.Close()
	m.Files = m.Files[:0]
	for rows.Next() {
		var f FileRef
		if err := rows.Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256); err != nil {
			return apperr.Wrap(err, "files of the message")
		}
		m.Files = append(m.Files, f)
	}
	return apperr.Wrap(rows.Err(), "files of the message")
}

// answered tells who asked (the actor of the last request), else the staff
// role, that the reporter answered (Q38).
func (s *Service) answered(ctx context.Context, htx journal.HookTx, a journal.Appeal, m Message, author string) error {
	var asker int64
	if err := htx.QueryRowContext(ctx, Q.LastRequester, a.IncidentID).Scan(&asker); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, "who asked")
	}
	return s.Notices.AnswerToStaff(ctx, htx, a.Number, a.IncidentNumber, m.ID, author, m.Text, asker, s.StaffRole)
}

// Thread is the appeal's conversation, oldest first; portal users do not
// see internal notes.
func (s *Service) Thread(ctx context.Context, a journal.Appeal, withInternal bool) ([]Message, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.MessagesOfAppeal, a.ID)
	if err != nil {
		return nil, apperr.Wrap(err, "conversation")
	}
	out := []Message{}
	idx := map[int64]int{}
	for rows.Next() {
		var m Message
		var at store.Time
		if err := rows.Scan(&m.ID, &m.Kind, &m.Author, &m.Internal, &m.Text, &m.Via, &at); err != nil {
			rows.Close()
			return nil, apperr.Wrap(err, "conversation")
		}
		if m.Internal && !withInternal {
			continue
		}
		m.CreatedAt, m.Files = at.Time, []FileRef{}
		idx[m.ID] = len(out)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "conversation")
	}
	frows, err := s.DB.R.QueryContext(ctx, Q.FilesOfAppealMessages, a.ID)
	if err != nil {
		return nil, apperr.Wrap(err, "files")
	}
	defer frows.Close()
	for frows.Next() {
		var mid int64
		var f FileRef
		if err := frows.Scan(&mid, &f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256); err != nil {
			return nil, apperr.Wrap(err, "files")
		}
		if i, ok := idx[mid]; ok {
			out[i].Files = append(out[i].Files, f)
		}
	}
	return out, apperr.Wrap(frows.Err(), "files")
}

// MailReply is an email the reporter sent onto an appeal (threaded by
// internal/intake/mailin): it joins the conversation and, like a cabinet
// answer, resumes an incident waiting on an information request. Mail from
// an address that is not a reporter of the incident stays in the mail
// thread only. Idempotent per mail id.
func (s *Service) MailReply(ctx context.Context, number string, mailID int64, from, text string) error {
	a, err := s.Journal.Appeal(ctx, number)
	if err != nil {
		return err
	}
	from = strings.ToLower(strings.TrimSpace(from))
	var n, seen int
	if err := s.DB.R.QueryRowContext(ctx, Q.ReporterAddress, a.IncidentID, from).Scan(&n); err != nil {
		return apperr.Wrap(err, "reporter")
	}
	if n == 0 || from == "" {
		return nil
	}
	if err := s.DB.R.QueryRowContext(ctx, Q.MessageOfMail, mailID).Scan(&seen); err == nil {
		return nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, "mail reply")
	}
	text = strings.TrimSpace(text)
	if text == "" {
		text = "(письмо без текста)"
	}
	if utf8.RuneCountInString(text) > MaxText {
		text = string([]rune(text)[:MaxText])
	}
	m := Message{Kind: KindReply, Author: from, Text: text, Via: "email", Files: []FileRef{}}
	actor := audit.Actor{Login: from, Role: "reporter"}
	write := func(ctx context.Context, htx journal.HookTx) error {
		if err := s.insert(ctx, htx, a.ID, 0, &m, mailID); err != nil {
			return err
		}
		return htx.Audit(ctx, actor, audit.Entry{Action: "appeal.message", ObjectType: "appeal", ObjectID: number,
			After: map[string]any{"message_id": m.ID, "kind": KindReply, "mail_id": mailID}})
	}
	_, err = s.writeAndResume(ctx, actor, a, true, write, func(ctx context.Context, htx journal.HookTx) error {
		return s.answered(ctx, htx, a, m, from)
	})
	if store.IsUniqueViolation(err) {
		return nil // the same mail, handled twice at once
	}
	return err
}

// Hooks keeps the conversation in step with the Journal: the access code of
// a new appeal (R7) and the information request as a message of each
// appeal of the incident.
type Hooks struct{ s *Service }

// Hooks returns the Journal hooks of the conversation.
func (s *Service) Hooks() *Hooks { return &Hooks{s} }

var _ journal.Hooks = (*Hooks)(nil)

// HashCode is how an access code is stored.
func HashCode(code string) string {
	h := sha256.Sum256([]byte(strings.ToUpper(strings.TrimSpace(code))))
	return hex.EncodeToString(h[:])
}

func codeMatches(code, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashCode(code)), []byte(hash)) == 1
}

// AppealRegistered stores the hash of the appeal's access code (R7).
func (h *Hooks) AppealRegistered(ctx context.Context, tx journal.HookTx, a journal.Appeal, _ bool) error {
	if a.AccessCode == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, Q.InsertAccess, a.ID, HashCode(a.AccessCode))
	return apperr.Wrap(err, "access code")
}

// IncidentChanged records an information request in the conversation of
// every appeal of the incident (Q38); the notices are events'.
func (h *Hooks) IncidentChanged(ctx context.Context, tx journal.HookTx, action journal.Action, by audit.Actor, before, after journal.Incident) error {
	if action != journal.ActRequestInfo {
		return nil
	}
	var question string
	if err := tx.QueryRowContext(ctx, Q.LastNote, after.ID).Scan(&question); err != nil {
		return apperr.Wrap(err, "question")
	}
	rows, err := tx.QueryContext(ctx, Q.AppealsOfIncident, after.ID)
	if err != nil {
		return apperr.Wrap(err, "appeals")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var number string
		if err := rows.Scan(&id, &number); err != nil {
			rows.Close()
			return apperr.Wrap(err, "appeals")
		}
		ids = append(ids, id)
	}
	rows.Close()
	author := by.Login
	if author == "" {
		author = "system"
	}
	for _, id := range ids {
		m := Message{Kind: KindInfoRequest, Author: author, Text: question, Via: "journal"}
		if err := h.s.insert(ctx, tx, id, by.ID, &m, nil); err != nil {
			return err
		}
	}
	return nil
}
