package analysis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"mime"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

// Letter is the authorized body's forwarding of a written appeal (Q46): "the
// authorized body sends the Operator a letter for consideration with a copy
// of the appeal attached". Its authority users register it themselves on
// the authority channel; the copy is kept with the appeal.
type Letter struct {
	// Ref is the letter's outgoing number and date, as on the letter.
	Ref string `json:"letter_ref"`
	// Appeal is what the applicant wrote: who, how to reach them, what
	// failed. Channel is always authority.
	Appeal journal.NewAppeal `json:"appeal"`
	Copy   Copy              `json:"copy"`
}

// Copy is the copy of the written appeal.
type Copy struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Content     []byte `json:"content"` // base64 in JSON
}

// LetterView is a kept letter without its content.
type LetterView struct {
	Appeal      string    `json:"appeal"`
	Ref         string    `json:"letter_ref"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	Scan        string    `json:"scan"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
	content     []byte
}

func (l *Letter) validate(v apperr.Validation) {
	l.Ref = strings.TrimSpace(l.Ref)
	if l.Ref == "" {
		v.Add("letter_ref", "required: the letter's outgoing number and date")
	} else if len([]rune(l.Ref)) > 200 {
		v.Add("letter_ref", "at most 200 characters")
	}
	if ch := l.Appeal.Channel; ch != "" && ch != string(vocab.Authority) {
		v.Add("appeal.channel", "a forwarded letter arrives on the authority channel (Q46); leave it empty")
	}
	l.Appeal.Channel = string(vocab.Authority)
	name := strings.TrimSpace(l.Copy.FileName)
	switch {
	case name == "":
		v.Add("copy.file_name", "required: the copy of the appeal (Q46)")
	case len(name) > 255 || strings.ContainsAny(name, "/\\\x00"):
		v.Add("copy.file_name", "a file name of at most 255 bytes without / or \\")
	}
	l.Copy.FileName = name
	if len(l.Copy.Content) == 0 {
		v.Add("copy.content", "required: the copy's bytes, base64")
	} else if len(l.Copy.Content) > MaxLetter {
		v.Add("copy.content", "at most 20 MB (Q8)")
	}
	if l.Copy.ContentType == "" {
		l.Copy.ContentType = "application/octet-stream"
	} else if _, _, err := mime.ParseMediaType(l.Copy.ContentType); err != nil {
		v.Add("copy.content_type", "a media type such as application/pdf")
	}
}

// RegisterLetter registers the forwarded appeal on the authority channel
// with its copy, in one transaction (Q46); the appeal is priority (Q47).
func (s *Service) RegisterLetter(ctx context.Context, c journal.Caller, l Letter, idemKey string) (journal.Registration, error) {
	v := apperr.Validation{}
	l.validate(v)
	if err := s.Journal.Validate(&l.Appeal, c, v); err != nil {
		return journal.Registration{}, err
	}
	if err := v.Err(); err != nil {
		return journal.Registration{}, err
	}
	verdict := "unscanned"
	if s.Scan != nil {
		verdict = s.Scan(ctx, bytes.NewReader(l.Copy.Content))
	}
	sum := sha256.Sum256(l.Copy.Content)
	now := s.Now().UTC()
	l.Appeal.InTx = func(ctx context.Context, tx journal.HookTx, a journal.Appeal) error {
		_, err := tx.ExecContext(ctx, Q.InsertLetter, a.Number, l.Ref, l.Copy.FileName, l.Copy.ContentType, l.Copy.Content,
			hex.EncodeToString(sum[:]), verdict, store.T(now), c.Actor.Login)
		return err
	}
	return s.Journal.Register(ctx, c, l.Appeal, idemKey)
}

// LetterOf is the letter an appeal was registered from.
func (s *Service) LetterOf(ctx context.Context, appeal string) (LetterView, error) {
	var l LetterView
	var created store.Time
	err := s.DB.R.QueryRowContext(ctx, Q.Letter, appeal).Scan(&l.Appeal, &l.Ref, &l.FileName, &l.ContentType, &l.content, &l.SHA256, &l.Scan, &created, &l.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.New(apperr.NotFound, "appeal %s was not registered from a letter of the authorized body", appeal)
	}
	l.Size, l.CreatedAt = len(l.content), created.Time
	return l, err
}
