package app

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	mailer "tenderdesk/internal/notify/mail"
	"tenderdesk/internal/web"
)

// Notifications (issue 5): Journal events enqueue their notices in their own
// transaction (events.Hooks), a worker delivers the email rows through the
// relay, the cabinet and the staff list are served by notify.API.
func init() { register("notify", wireNotify) }

func wireNotify(ctx context.Context, a *App) error {
	if err := a.DB.Check(ctx, notify.Queries); err != nil {
		return err
	}
	domain, err := mailDomain(a.Cfg.MailFrom)
	if err != nil {
		return err
	}
	for flag, addr := range map[string]string{"authority-email": a.Cfg.AuthorityEmail, "authority-security-email": a.Cfg.AuthoritySecurityEmail} {
		if addr != "" {
			if p, err := mail.ParseAddress(addr); err != nil || p.Address != addr {
				return fmt.Errorf("--%s %q: not an email address (name@domain)", flag, addr)
			}
		}
	}
	if a.Cfg.AuthorityEmail == "" || a.Cfg.AuthoritySecurityEmail == "" {
		// Said when the desk serves, not on every CLI command that opens it.
		a.Workers = append(a.Workers, func(context.Context) {
			a.Log.Warn("the authorized body's addresses are not set: medium/high failure notices (Q37.1, Q42) reach only the cabinets of authority users",
				"authority_email", a.Cfg.AuthorityEmail, "authority_security_email", a.Cfg.AuthoritySecurityEmail)
		})
	}
	a.Journal.AddHooks(events.New(events.Config{Domain: domain,
		AuthorityEmail: a.Cfg.AuthorityEmail, AuthoritySecurityEmail: a.Cfg.AuthoritySecurityEmail}))

	m, err := notify.NewMetrics(a.Metrics.Reg, a.DB, a.Now)
	if err != nil {
		return err
	}
	w := &notify.Worker{DB: a.DB, Now: a.Now, Log: a.Log.With("worker", "outbox"), Metrics: m, ReplyTo: a.Cfg.MailFrom}
	if a.Cfg.SMTPRelay != "" {
		s, err := mailer.NewSender(mailer.Config{RelayURL: a.Cfg.SMTPRelay, From: a.Cfg.MailFrom, HELO: domain, Now: a.Now})
		if err != nil {
			return err
		}
		w.Sender = s
	}
	a.Workers = append(a.Workers, w.Run)
	api := &notify.API{DB: a.DB, Now: a.Now}
	a.Web.Mounts = append(a.Web.Mounts, func(s *web.Server) { api.Mount(s) })
	return nil
}

// mailDomain is the domain of the sender address: the Message-ID domain.
func mailDomain(from string) (string, error) {
	if from == "" {
		return "tenderdesk.local", nil // a Config built in code, not by flags
	}
	p, err := mail.ParseAddress(from)
	if err != nil {
		return "", fmt.Errorf("--mail-from %q: %v", from, err)
	}
	_, domain, ok := strings.Cut(p.Address, "@")
	if !ok || domain == "" {
		return "", fmt.Errorf("--mail-from %q: no domain", from)
	}
	return domain, nil
}
