package app

import "tenderdesk/internal/forcemajeure"

// openForceMajeure records force majeure on a failure (issue 14, Q17,
// Q37.10): its routes, and the agreed days fed to the incident's planner.
func (a *App) openForceMajeure() {
	a.ForceMajeure = &forcemajeure.Service{DB: a.DB, Now: a.Now, AuthorityEmail: a.Cfg.AuthorityEmail.Address,
		AuthoritySecurityEmail: a.Cfg.AuthoritySecurityEmail.Address, MailDomain: a.Cfg.MailFrom.Domain, Zone: a.Cfg.Zone}
	a.openExt14b()
	a.Web.Mounts = append(a.Web.Mounts, a.ForceMajeure.Mount)
}
