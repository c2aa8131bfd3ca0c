package app

import (
	"context"

	"tenderdesk/internal/procurement"
)

// openExt14b (issue 14, ext14b): the recorded force majeure's facts for the
// incident's plan and its bidders' message (Q17, Q37.10), and the desk's
// profile for a maintenance window's own plan (Q41).
func (a *App) openExt14b() {
	fm := a.ForceMajeure
	a.Procurement.ForceMajeure = func(ctx context.Context, id int64) (procurement.ForceMajeureFacts, error) {
		r, ok, err := fm.Find(ctx, id)
		if err != nil || !ok {
			return procurement.ForceMajeureFacts{}, err
		}
		f := procurement.ForceMajeureFacts{Recorded: true, AgreedDays: r.AgreedDays, Started: r.StartedAt, ExpectedEnd: r.ExpectedEnd}
		if r.EndedAt != nil {
			f.Ended = *r.EndedAt
		}
		return f, nil
	}
	a.Procurement.DefaultProfile = a.Cfg.DefaultProfile
	a.Web.Mounts = append(a.Web.Mounts, a.PublicNotice.MountEnd)
}
