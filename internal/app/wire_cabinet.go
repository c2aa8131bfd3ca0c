package app

import (
	"tenderdesk/internal/console"
	"tenderdesk/internal/invite"
)

// cabinetDeps builds the invitations (E5–E7) and gives the cabinet the
// knowledge base (/help, Q21) and the Russian profile's settings (R2,
// R-escalation).
func (a *App) cabinetDeps() console.CabinetDeps {
	a.Invites = &invite.Service{DB: a.DB, Auth: a.Auth, Now: a.Now, Seal: a.Secrets.Seal, Domain: a.Cfg.MailFrom.Domain}
	d := console.CabinetDeps{KB: a.KB, Invites: a.Invites, Profile: a.Cfg.DefaultProfile, Escalation: a.Cfg.EscalationEmail.Address}
	if a.Cfg.PublicURL != nil {
		d.PublicURL = a.Cfg.PublicURL.String()
	}
	return d
}
