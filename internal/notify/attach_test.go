package notify_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"strings"
	"testing"

	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/notifytest"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Outbox attachments (issue 13), through a real SMTP conversation on both
// backends: stored bytes and a referenced file arrive with their names
// (Cyrillic through RFC 2231) and types, their bytes equal; a fan-out
// stores an event's attachments once; the cabinet row carries none; a
// second enqueue of the event keeps the first attachments.
func TestOutboxAttachmentsArrive(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c, sink := newClock(), notifytest.Start(t)
		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("\x00\xff\nә"), 3000)...)
		letter := []byte("copy of the letter, scanned\x00\x01")
		att := []notify.Attachment{{Name: "Отчет № 2026-000007 (ru).pdf", ContentType: "application/pdf", Data: pdf}, {FileID: 42}}
		a, b := email("incident.report:7", "a@example.kz", "ru", templates.Registered, "2026-000007"), email("incident.report:7", "b@example.kz", "kk", templates.Registered, "2026-000007")
		a.Attachments, b.Attachments = att, att
		cab := notify.Notification{Event: "incident.report:7", Kind: templates.Registered, Channel: "cabinet", UserID: 3, Data: templates.Data{Number: "2026-000007"}, Attachments: att}
		enqueue(t, db, c.Now(), a, b, cab)
		// The same event again (a retry of its transaction's caller) with
		// other bytes: nothing new is stored or sent.
		again := a
		again.Attachments = []notify.Attachment{{Name: "other.pdf", Data: []byte("other")}}
		enqueue(t, db, c.Now(), again)
		stored, err := notify.Attachments(context.Background(), db.R, "incident.report:7")
		if err != nil || len(stored) != 2 || !bytes.Equal(stored[0].Data, pdf) || stored[1].FileID != 42 {
			t.Fatalf("stored %d attachments (%v), want the first 2", len(stored), err)
		}
		w := worker(db, c, sender(t, sink, c))
		opened := 0
		w.OpenFile = func(_ context.Context, id int64) (io.ReadCloser, string, string, error) {
			if id != 42 {
				return nil, "", "", errors.New("no such file")
			}
			opened++
			return io.NopCloser(bytes.NewReader(letter)), "Письмо уполномоченного органа.tiff", "image/tiff", nil
		}
		drain(t, w)
		if opened != 1 {
			t.Errorf("the file was read %d times for a batch of one event, want once", opened)
		}
		for _, addr := range []string{"a@example.kz", "b@example.kz"} {
			msgs, _ := sink.Inbox(addr)
			if len(msgs) != 1 {
				t.Fatalf("%s: %d messages", addr, len(msgs))
			}
			got := msgs[0].Attachments
			if len(got) != 2 {
				t.Fatalf("%s: %d attachments, want 2", addr, len(got))
			}
			if got[0].Name != "Отчет № 2026-000007 (ru).pdf" || got[0].ContentType != "application/pdf" || !bytes.Equal(got[0].Data, pdf) {
				t.Errorf("%s: pdf %q %q %d bytes", addr, got[0].Name, got[0].ContentType, len(got[0].Data))
			}
			if got[1].Name != "Письмо уполномоченного органа.tiff" || got[1].ContentType != "image/tiff" || !bytes.Equal(got[1].Data, letter) {
				t.Errorf("%s: file %q %q %q", addr, got[1].Name, got[1].ContentType, got[1].Data)
			}
			if !strings.HasPrefix(msgs[0].Header["Content-Type"], "multipart/mixed") {
				t.Errorf("%s: Content-Type %q", addr, msgs[0].Header["Content-Type"])
			}
			if !strings.Contains(got[0].Header["Content-Disposition"], "filename*=utf-8''") {
				t.Errorf("%s: %q", addr, got[0].Header["Content-Disposition"])
			}
		}
	})
}

// A referenced file that cannot be read fails the row permanently, with
// the reason in the outbox (nothing silent); bad attachments are refused
// at enqueue, naming them, and the event's transaction rolls back.
func TestOutboxAttachmentFailures(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c, sink := newClock(), notifytest.Start(t)
		n := email("incident.report:8", "a@example.kz", "ru", templates.Registered, "2026-000008")
		n.Attachments = []notify.Attachment{{FileID: 99}}
		enqueue(t, db, c.Now(), n)
		w := worker(db, c, sender(t, sink, c))
		w.OpenFile = func(context.Context, int64) (io.ReadCloser, string, string, error) {
			return nil, "", "", errors.New("file 99 was destroyed by retention")
		}
		drain(t, w)
		failed := list(t, db, "failed")
		if len(failed) != 1 || !strings.Contains(failed[0].LastError, "destroyed by retention") || sink.Count() != 0 {
			t.Fatalf("failed rows %+v, %d sent", failed, sink.Count())
		}
		for _, bad := range [][]notify.Attachment{
			{{Name: "x.pdf"}}, // neither bytes nor file
			{{Name: "x.pdf", Data: []byte("x"), FileID: 1}},         // both
			{{Name: "a/b.pdf", Data: []byte("x")}},                  // a path
			{{Name: "x.pdf", ContentType: ";;", Data: []byte("x")}}, // a bad type
			make([]notify.Attachment, notify.MaxAttachments+1),
			{{Name: "big.pdf", Data: make([]byte, notify.MaxAttachmentSize+1)}},
		} {
			m := email("incident.report:9", "a@example.kz", "ru", templates.Registered, "2026-000009")
			m.Attachments = bad
			err := db.Tx(context.Background(), func(tx *sql.Tx) error {
				return notify.Enqueue(context.Background(), tx, c.Now(), domain, m)
			})
			if err == nil || !strings.Contains(err.Error(), "incident.report:9") {
				t.Errorf("%d attachments: %v, want an error naming the event", len(bad), err)
			}
		}
		if rows := list(t, db, "pending"); len(rows) != 0 {
			t.Fatalf("a refused enqueue left rows: %+v", rows)
		}
	})
}
