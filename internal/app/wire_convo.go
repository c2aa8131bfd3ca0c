package app

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/convo"
	"tenderdesk/internal/files"
	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/kb"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

// The conversation and safe uploads (issue 11): messages of an appeal,
// the information request whose answer resumes the clocks (Q38), staff
// replies, tracking by number (R7); resumable uploads scanned by clamd
// (Q8, Q26). wire_mailin hands reporters' email replies to a.Convo.
func init() { register("convo", wireConvo) }

func wireConvo(ctx context.Context, a *App) error {
	for _, q := range []store.Queries{convo.Queries, files.Queries, kb.Queries} {
		if err := a.DB.Check(ctx, q); err != nil {
			return err
		}
	}
	clamd, off, err := files.ParseClamd(a.Cfg.Clamd)
	if err != nil {
		return fmt.Errorf("--clamd: %w", err)
	}
	max, err := parseSize(a.Cfg.UploadMax)
	if err != nil {
		return fmt.Errorf("--upload-max: %w", err)
	}
	dir := a.Cfg.FilesDir
	if dir == "" {
		dir = "tenderdesk-files"
		if a.DB.Dialect == store.SQLite {
			dir = filepath.Join(filepath.Dir(a.DB.Where), "files")
		}
	}
	var sc files.Scanner
	if clamd != nil {
		sc = clamd
	}
	fs := files.New(a.DB, dir, sc, off, max, func() time.Time { return a.Now() }, a.Log.With("component", "files"))
	a.Files = fs
	a.Workers = append(a.Workers, func(ctx context.Context) {
		switch {
		case off:
			a.Log.Warn("virus scanning is OFF (--clamd off): uploaded files are stored unscanned (Q26)")
		case clamd == nil:
			a.Log.Warn("no virus scanner (--clamd): uploads are refused until one is configured (Q26)")
		default:
			if err := clamd.Ping(ctx); err != nil {
				a.Log.Error("clamd does not answer: uploads will fail until it does", "error", err.Error())
			}
		}
	})
	domain, err := mailDomain(a.Cfg.MailFrom)
	if err != nil {
		return err
	}
	notices := events.New(events.Config{Domain: domain})
	c := convo.New(a.DB, a.Journal, notices, fs, func() time.Time { return a.Now() }, a.Log.With("component", "convo"))
	a.Convo = c
	a.Journal.AddHooks(c.Hooks())
	if a.Web.BodyLimits == nil {
		a.Web.BodyLimits = map[string]int64{}
	}
	a.Web.BodyLimits[files.PatchPattern] = files.PartMax + 1
	// R7's public /track page is the console's (cabinet.go: layout, ru/kk/en
	// catalogues, the same TrackFrom lookup and limit); c.TrackPage stays
	// for a desk built without the console.
	answers := &kb.Service{DB: a.DB, Now: func() time.Time { return a.Now() }} // Q21
	a.Web.Mounts = append(a.Web.Mounts, func(s *web.Server) { c.Mount(s); fs.Mount(s); answers.Mount(s) })
	return nil
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
		domain, err := mailDomain(a.Cfg.MailFrom)
		if err != nil {
			return err
		}
		mid = notify.MessageID(d.Event, "email:"+rcpt, domain)
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

// parseSize reads "100MB", "20MiB", "512KB" or bytes; MB means MiB here.
func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return files.DefaultMaxSize, nil
	}
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GIB", 1 << 30}, {"GB", 1 << 30}, {"MIB", 1 << 20}, {"MB", 1 << 20}, {"KIB", 1 << 10}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("a size such as 100MB")
	}
	return n * mult, nil
}
