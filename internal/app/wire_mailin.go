package app

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/intake/mailin"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/web"
)

// Inbound mail (issue 5): with --smtp-listen the desk runs its own SMTP
// server for the support addresses (--mail-from and those of --mail-profile);
// every message is registered, threaded or ignored by mailin, and committed
// before the client hears 250. The thread of an appeal is served at
// GET /api/v1/appeals/{number}/messages.
func init() { register("mailin", wireMailin) }

func wireMailin(ctx context.Context, a *App) error {
	if err := a.DB.Check(ctx, mailin.Queries); err != nil {
		return err
	}
	profiles, err := mailin.ParseProfiles(a.Cfg.MailProfile)
	if err != nil {
		return fmt.Errorf("--mail-profile: %w", err)
	}
	for addr, p := range profiles {
		if _, err := regulation.Resolve(p, a.Now()); err != nil {
			return fmt.Errorf("--mail-profile %s=%s: %w", addr, p, err)
		}
	}
	svc := &mailin.Service{DB: a.DB, Journal: a.Journal, Now: func() time.Time { return a.Now() },
		Log: a.Log.With("component", "mailin"), Profiles: profiles}
	if a.Convo != nil { // a reporter's reply joins the conversation (Q38)
		svc.FollowUp = a.Convo.MailReply
	}
	svc.Files = a.Files   // attachments are scanned like uploads (Q26)
	svc.Bounce = a.bounce // a bounce marks the notice it answers (wire_convo.go)
	a.Web.Mounts = append(a.Web.Mounts, func(s *web.Server) { svc.Mount(s) })
	if a.Cfg.SMTPListen == "" {
		return nil
	}
	accept := []string{}
	for addr := range profiles {
		accept = append(accept, addr)
	}
	cfg := email.ListenerConfig{Addr: a.Cfg.SMTPListen, Now: func() time.Time { return a.Now() },
		Logger: a.Log.With("component", "smtp")}
	if p, err := mail.ParseAddress(a.Cfg.MailFrom); err == nil {
		accept = append(accept, p.Address)
		_, cfg.Domain, _ = strings.Cut(p.Address, "@")
	}
	cfg.Accept = accept
	// The listener opens with the HTTP server (a worker), not in Open: CLI
	// commands open the app too and must not take the SMTP port.
	a.Workers = append(a.Workers, func(ctx context.Context) { runListener(ctx, a, cfg, svc) })
	return nil
}

// runListener serves SMTP until ctx ends; a port that cannot be bound is
// retried (logged as an error) rather than silently dropping inbound mail.
func runListener(ctx context.Context, a *App, cfg email.ListenerConfig, h email.Handler) {
	for {
		l, err := email.Listen(cfg, h)
		if err == nil {
			a.Log.Info("smtp listening", "addr", l.Addr().String(), "accept", cfg.Accept)
			<-ctx.Done()
			cctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownGrace)
			if err := l.Close(cctx); err != nil {
				a.Log.Warn("smtp listener close", "err", err)
			}
			cancel()
			return
		}
		a.Log.Error("smtp listener cannot start; retrying in 5s", "addr", cfg.Addr, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}
