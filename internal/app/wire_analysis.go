package app

import (
	"time"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/console"
	"tenderdesk/internal/regulation"
)

// openAnalysis builds the analyses and reports for the authorized body
// (issue 13): the default profile's calendar decides the working mornings;
// the Journal hook drafts the written report when a failure is fixed.
func (a *App) openAnalysis() {
	a.Analysis = &analysis.Service{DB: a.DB, Now: a.Now, Log: a.Log.With("component", "analysis"),
		Profile: func(at time.Time) (*regulation.Profile, error) {
			r, err := a.Profiles.Registry().ResolveLenient(a.Cfg.DefaultProfile, at)
			if err != nil {
				return nil, err
			}
			return a.Clocks.Profile(r.Profile.ID())
		},
		ProfileByID: a.Clocks.Profile, At: a.Cfg.AnalysisAt, Tick: time.Minute,
		Clocks: a.Clocks, Journal: a.Journal, Scan: a.Files.ScanVerdict, Servable: a.Files.Servable,
		AuthorityEmail: a.Cfg.AuthorityEmail.Address, MailDomain: a.Cfg.MailFrom.Domain, CauseLabel: console.CauseLabel}
	for _, m := range a.Cfg.AnalysisEmail {
		a.Analysis.DailyEmail = append(a.Analysis.DailyEmail, m.Address)
	}
	a.Journal.AddHooks(a.Analysis)
}
