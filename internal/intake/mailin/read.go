package mailin

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

// Message is one received email as the API shows it.
type Message struct {
	ID             int64          `json:"id"`
	Appeal         string         `json:"appeal,omitempty"`
	MessageID      string         `json:"message_id,omitempty"`
	Disposition    string         `json:"disposition"`
	Reason         string         `json:"reason,omitempty"`
	ReceivedAt     time.Time      `json:"received_at"`
	EnvelopeFrom   string         `json:"envelope_from"`
	From           Mailbox        `json:"from"`
	Subject        string         `json:"subject"`
	Text           string         `json:"text"`
	InReplyTo      []string       `json:"in_reply_to"`
	References     []string       `json:"references"`
	Section        string         `json:"section,omitempty"`
	SectionMissing bool           `json:"section_missing"`
	Problems       []string       `json:"problems"`
	RawSHA256      string         `json:"raw_sha256"`
	RawSize        int64          `json:"raw_size"`
	Attachments    []AttachmentMD `json:"attachments"`
}

// Mailbox is a sender as the API shows it.
type Mailbox struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// AttachmentMD is an attachment's metadata; its content is served from the
// stored raw message.
type AttachmentMD struct {
	Index       int    `json:"index"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	ContentID   string `json:"content_id,omitempty"`
	Inline      bool   `json:"inline"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Scan        string `json:"scan"` // the virus scan's verdict (Q26): clean, infected: …, unscanned
}

func scanMessage(r interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var at store.Time
	var irt, refs, probs string
	err := r.Scan(&m.ID, &m.MessageID, &m.Disposition, &m.Reason, &at, &m.EnvelopeFrom, &m.From.Address, &m.From.Name, &m.Subject,
		&m.Text, &irt, &refs, &m.Section, &m.SectionMissing, &probs, &m.RawSHA256, &m.RawSize, &m.Appeal)
	m.ReceivedAt = at.Time
	m.InReplyTo, m.References, m.Problems = list(irt), list(refs), list(probs)
	m.Attachments = []AttachmentMD{}
	return m, err
}

func list(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	if out == nil {
		out = []string{}
	}
	return out
}

// Thread returns the messages of an appeal, oldest first: the one that
// opened it, follow-ups, and automatic mail about it.
func (s *Service) Thread(ctx context.Context, appealID int64) ([]Message, error) {
	rows, err := s.DB.R.QueryContext(ctx, Queries["messages-of-appeal"], appealID)
	if err != nil {
		return nil, apperr.Wrap(err, "mail thread")
	}
	out := []Message{}
	idx := map[int64]int{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, apperr.Wrap(err, "mail thread")
		}
		idx[m.ID] = len(out)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "mail thread")
	}
	arows, err := s.DB.R.QueryContext(ctx, Queries["attachments-of-messages"], appealID)
	if err != nil {
		return nil, apperr.Wrap(err, "attachments")
	}
	defer arows.Close()
	for arows.Next() {
		var mailID int64
		var a AttachmentMD
		if err := arows.Scan(&mailID, &a.Index, &a.Filename, &a.ContentType, &a.ContentID, &a.Inline, &a.Size, &a.SHA256, &a.Scan); err != nil {
			return nil, apperr.Wrap(err, "attachments")
		}
		if i, ok := idx[mailID]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	return out, apperr.Wrap(arows.Err(), "attachments")
}

// Ignored lists ignored messages, newest first, before id before (0: from
// the newest).
func (s *Service) Ignored(ctx context.Context, before int64, limit int) ([]Message, error) {
	if before <= 0 {
		before = 1<<62 - 1
	}
	rows, err := s.DB.R.QueryContext(ctx, Queries["ignored-messages"], before, limit)
	if err != nil {
		return nil, apperr.Wrap(err, "ignored mail")
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "ignored mail")
		}
		out = append(out, m)
	}
	return out, apperr.Wrap(rows.Err(), "ignored mail")
}

// Mount adds the routes (documented in web/openapi.d/060-status.json).
func (s *Service) Mount(w *web.Server) {
	w.Route("GET /api/v1/appeals/{number}/messages", auth.PermAppealRead, s.getThread)
	w.Route("GET /api/v1/appeals/{number}/messages/{id}/attachments/{index}", auth.PermAppealRead, s.getAttachment)
	w.Route("GET /api/v1/mail/ignored", auth.PermIncidentRead, s.getIgnored)
}

func (s *Service) getThread(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Journal.Appeal(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	if p := web.Principal(r); p.Role.PortalUser() && a.BIN != p.BIN {
		return apperr.New(apperr.NotFound, "no such appeal for your organization")
	}
	ms, err := s.Thread(r.Context(), a.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"appeal": a.Number, "channel": a.Channel, "messages": ms})
	return nil
}

func (s *Service) getIgnored(w http.ResponseWriter, r *http.Request) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	ms, err := s.Ignored(r.Context(), before, limit)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"messages": ms})
	return nil
}

// getAttachment re-reads the stored raw message and streams the index-th
// attachment (attachments are not stored twice).
func (s *Service) getAttachment(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Journal.Appeal(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	if p := web.Principal(r); p.Role.PortalUser() && a.BIN != p.BIN {
		return apperr.New(apperr.NotFound, "no such appeal for your organization")
	}
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	index, err2 := strconv.Atoi(r.PathValue("index"))
	if err1 != nil || err2 != nil || index < 0 {
		return apperr.New(apperr.Invalid, "message id and attachment index must be non-negative integers")
	}
	var raw []byte
	var appealID sql.NullInt64
	err = s.DB.R.QueryRowContext(r.Context(), Queries["raw-of-message"], id).Scan(&raw, &appealID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && appealID.Int64 != a.ID) {
		return apperr.New(apperr.NotFound, "no message %d on appeal %s", id, a.Number)
	}
	if err != nil {
		return apperr.Wrap(err, "raw message")
	}
	pick := &picker{want: index}
	m, err := email.Parse(r.Context(), bytes.NewReader(raw), email.Options{Store: pick})
	if err != nil {
		return apperr.Wrap(err, "parse stored message")
	}
	if index >= len(m.Attachments) || pick.got == nil {
		return apperr.New(apperr.NotFound, "message %d has no attachment %d", id, index)
	}
	var verdict string
	if err := s.DB.R.QueryRowContext(r.Context(), Queries["attachment-scan"], id, index).Scan(&verdict); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, "attachment scan")
	}
	if err := s.Files.Servable(r.Context(), verdict, bytes.NewReader(pick.got)); err != nil {
		return err // infected, or not scanned and no scanner answers: never served (Q26)
	}
	at := m.Attachments[index]
	ct := at.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(at.Filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(pick.got)))
	_, err = w.Write(pick.got)
	return err
}

// picker is an email.Store that keeps the content of one attachment.
type picker struct {
	want, seen int
	got        []byte
}

func (p *picker) Put(_ context.Context, _ email.Attachment, r io.Reader) (string, error) {
	i := p.seen
	p.seen++
	if i != p.want {
		return "", nil
	}
	b, err := io.ReadAll(r)
	p.got = b
	return "", err
}
