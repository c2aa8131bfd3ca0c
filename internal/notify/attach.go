package notify

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode"

	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/store"
)

// Attachment is a file sent with a notification's email (issue 13): the
// daily analysis's PDF (Q43), a written report's (Q36.10, Q37.13), a file a
// staff reply carries. Either Data holds the bytes (kept in the outbox) or
// FileID names a stored file (internal/files), read when the mail is sent.
// A signature is one more attachment (a detached CMS beside its document).
type Attachment struct {
	Name        string `json:"name"`         // as the recipient sees it, UTF-8
	ContentType string `json:"content_type"` // a media type; "" for a file: the file's own
	Data        []byte `json:"-"`
	FileID      int64  `json:"file_id,omitempty"`
}

// Limits of a message's attachments: a relay refuses larger mail (25 MB
// is common; base64 adds a third).
const (
	MaxAttachments    = 20
	MaxAttachmentSize = 15 << 20 // the stored bytes of one event's attachments together
)

// FileOpener opens a stored file for a message: its bytes, and its name
// and media type (used when the attachment gives none). An error that
// is not temporary (the file is gone, blocked by the virus scan) fails the
// row; it is named in the outbox.
type FileOpener func(ctx context.Context, id int64) (r io.ReadCloser, name, contentType string, err error)

func checkAttachments(event string, as []Attachment) error {
	if len(as) > MaxAttachments {
		return fmt.Errorf("notify: %s: %d attachments, at most %d", event, len(as), MaxAttachments)
	}
	total := 0
	for i, a := range as {
		name := strings.TrimSpace(a.Name)
		switch {
		case (len(a.Data) == 0) == (a.FileID == 0):
			return fmt.Errorf("notify: %s: attachment %d: either bytes or a file id", event, i+1)
		case a.FileID == 0 && (name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\") || strings.ContainsFunc(name, unicode.IsControl)):
			return fmt.Errorf("notify: %s: attachment %d: file name %q: 1–255 bytes without / \\ or control characters", event, i+1, a.Name)
		}
		if a.ContentType != "" {
			if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
				return fmt.Errorf("notify: %s: attachment %d: content type %q: %w", event, i+1, a.ContentType, err)
			}
		}
		total += len(a.Data)
	}
	if total > MaxAttachmentSize {
		return fmt.Errorf("notify: %s: attachments of %d bytes, at most %d", event, total, MaxAttachmentSize)
	}
	return nil
}

// storeAttachments keeps the attachments of each event of ns once: the
// first notification of an event with attachments gives them (a fan-out
// passes the same list to each). A second enqueue of the event (a retry)
// keeps the first ones, as the outbox keeps the first row.
func storeAttachments(ctx context.Context, tx *sql.Tx, now time.Time, ns []Notification) error {
	done := map[string]bool{}
	for _, n := range ns {
		if len(n.Attachments) == 0 || done[n.Event] {
			continue
		}
		done[n.Event] = true
		if err := checkAttachments(n.Event, n.Attachments); err != nil {
			return err
		}
		for i, a := range n.Attachments {
			var content, file any
			size, sum := int64(len(a.Data)), ""
			if a.FileID != 0 {
				file = a.FileID
			} else {
				h := sha256.Sum256(a.Data)
				content, sum = a.Data, hex.EncodeToString(h[:])
			}
			if _, err := tx.ExecContext(ctx, Q.InsertAttachment, n.Event, i+1, strings.TrimSpace(a.Name), a.ContentType,
				content, file, size, sum, store.T(now)); err != nil {
				return fmt.Errorf("notify: attachment %d of %s: %w", i+1, n.Event, err)
			}
		}
	}
	return nil
}

// Attachments are an event's attachments as stored, without reading
// referenced files (Data nil for those).
func Attachments(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, event string) ([]Attachment, error) {
	rs, err := q.QueryContext(ctx, Q.AttachmentsOfEvent, event)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []Attachment
	for rs.Next() {
		var a Attachment
		var pos int
		var size int64
		var sum string
		if err := rs.Scan(&pos, &a.Name, &a.ContentType, &a.Data, &a.FileID, &size, &sum); err != nil {
			return nil, err
		}
		if a.FileID == 0 {
			if h := sha256.Sum256(a.Data); hex.EncodeToString(h[:]) != sum || int64(len(a.Data)) != size {
				return nil, &noFile{fmt.Errorf("attachment %d (%s) of %s: stored bytes do not match their hash", pos, a.Name, event)}
			}
		}
		out = append(out, a)
	}
	return out, rs.Err()
}

// noFile: an attachment's file cannot be had (gone, blocked, no store).
type noFile struct{ err error }

func (e *noFile) Error() string { return e.err.Error() }
func (e *noFile) Unwrap() error { return e.err }

// mailAttachments are the event's attachments for the message, files read.
func (w *Worker) mailAttachments(ctx context.Context, event string) ([]mail.Attachment, error) {
	as, err := Attachments(ctx, w.DB.R, event)
	if err != nil || len(as) == 0 {
		return nil, err
	}
	out := make([]mail.Attachment, 0, len(as))
	total := 0
	for i, a := range as {
		if a.FileID != 0 {
			if w.OpenFile == nil {
				return nil, &noFile{fmt.Errorf("attachment %d: file %d and no file store to read it from", i+1, a.FileID)}
			}
			r, name, ct, err := w.OpenFile(ctx, a.FileID)
			if err != nil {
				return nil, &noFile{fmt.Errorf("attachment %d: file %d: %w", i+1, a.FileID, err)}
			}
			a.Data, err = io.ReadAll(io.LimitReader(r, MaxAttachmentSize+1))
			r.Close()
			if err != nil {
				return nil, fmt.Errorf("attachment %d: file %d: %w", i+1, a.FileID, err)
			}
			if len(a.Data) > MaxAttachmentSize {
				return nil, &noFile{fmt.Errorf("attachment %d: file %d is over %d bytes", i+1, a.FileID, MaxAttachmentSize)}
			}
			if a.Name == "" {
				a.Name = name
			}
			if a.ContentType == "" {
				a.ContentType = ct
			}
		}
		// Referenced files are sized only when read: together they keep the
		// limit too, so no relay gets a message over it.
		if total += len(a.Data); total > MaxAttachmentSize {
			return nil, &noFile{fmt.Errorf("attachments of %s: %d bytes together, at most %d", event, total, MaxAttachmentSize)}
		}
		out = append(out, mail.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	return out, nil
}
