package app

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/convo"
	"tenderdesk/internal/files"
	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/kb"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/store"
)

// openConvo builds the conversation and safe uploads (issue 11): messages
// of an appeal, the information request whose answer resumes the clocks
// (Q38), staff replies, tracking by number (R7), resumable uploads scanned
// by clamd (Q8, Q26), the knowledge base (Q21). Call after the Journal's
// other hooks and before the web server is built.
func (a *App) openConvo() error {
	clamd, off, err := files.ParseClamd(a.Cfg.Clamd)
	if err != nil {
		return fmt.Errorf("--clamd: %w", err)
	}
	dir := a.filesDir()
	var sc files.Scanner
	switch {
	case clamd != nil:
		sc = clamd
		a.workers = append(a.workers, func(ctx context.Context) {
			if err := clamd.Ping(ctx); err != nil {
				a.Log.Error("clamd does not answer: uploads will fail until it does", "error", err.Error())
			}
		})
	case off:
		a.Warnings = append(a.Warnings, "virus scanning is OFF (--clamd off): uploaded files are stored unscanned (Q26)")
	default:
		a.Warnings = append(a.Warnings, "no virus scanner (--clamd): uploads are refused until one is configured (Q26)")
	}
	a.Files = files.New(a.DB, dir, sc, off, a.Cfg.UploadMax, a.Now, a.Log.With("component", "files"))
	notices := events.New(events.Config{Domain: a.Cfg.MailFrom.Domain})
	a.Convo = convo.New(a.DB, a.Journal, notices, a.Files, a.Now, a.Log.With("component", "convo"))
	a.Journal.AddHooks(a.Convo.Hooks())
	a.KB = &kb.Service{DB: a.DB, Now: a.Now}
	return nil
}

// mountConvo adds the routes, the /track page and the upload part limit,
// and hands inbound mail's replies, attachments and bounces over.
func (a *App) mountConvo() {
	a.MailIn.FollowUp = a.Convo.MailReply // a reporter's reply joins the conversation (Q38)
	a.MailIn.Files = a.Files              // attachments are scanned like uploads (Q26)
	a.MailIn.Bounce = a.bounce            // a bounce marks the notice it answers
	if a.Web.BodyLimits == nil {
		a.Web.BodyLimits = map[string]int64{}
	}
	a.Web.BodyLimits[files.PatchPattern] = files.PartMax + 1
	a.Web.Mounts = append(a.Web.Mounts, a.Convo.Mount, a.Files.Mount, a.KB.Mount)
}

// bounce matches a bounce (RFC 3464) to the desk's notice it answers, by
// the original Message-ID or, when the report quotes none, by the
// X-Tenderdesk-Event header and the failed recipient (Message-IDs derive
// from both); marks that outbox row bounced with the reason and flags the
// notice clock it had met (tell another way). Delays are not bounces.
func (a *App) bounce(ctx context.Context, raw []byte) error {
	d, ok := email.ParseDSN(raw)
	if !ok {
		return nil
	}
	reason, rcpt := "bounced (no delivery status given)", ""
	for _, r := range d.Recipients {
		if r.Failed() {
			reason, rcpt = r.Reason(), r.Address
			break
		}
	}
	if len(d.Recipients) > 0 && rcpt == "" {
		return nil // delayed, relayed: the message may still arrive
	}
	mid := "<" + d.OriginalMessageID + ">"
	if d.OriginalMessageID == "" {
		if rcpt == "" {
			return nil
		}
		mid = notify.MessageID(d.Event, "email:"+rcpt, a.Cfg.MailFrom.Domain)
	}
	return a.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := a.Now().UTC()
		rows, err := notify.MarkBounced(ctx, tx, now, mid, rcpt, reason)
		if err != nil {
			return err
		}
		for _, b := range rows {
			if _, err := audit.Append(ctx, tx, a.DB.Dialect, now, audit.System, audit.Entry{Action: "notification.bounced", ObjectType: "notification",
				ObjectID: strconv.FormatInt(b.ID, 10), After: map[string]any{"event": b.Event, "to": b.To, "reason": reason}}); err != nil {
				return err
			}
			if a.Clocks != nil {
				if _, err := a.Clocks.FlagBounced(ctx, tx, now, b.Event, b.To, reason); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// filesDir is --files-dir, or its default: files/ in the SQLite data
// directory, ./tenderdesk-files with PostgreSQL.
func (a *App) filesDir() string {
	if a.Cfg.FilesDir != "" {
		return a.Cfg.FilesDir
	}
	if a.DB.Dialect == store.SQLite {
		return filepath.Join(filepath.Dir(a.DB.Where), "files")
	}
	return "tenderdesk-files"
}

// secretFile is the key of internal/secret: beside the uploaded files,
// outside the database (desk processes sharing a database share both).
func (a *App) secretFile() string { return filepath.Join(a.filesDir(), ".outbox-secret.key") }
