package app

import (
	"context"
	"time"

	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/statuspage"
)

// The public failure notice and maintenance announcements (issue 5): the
// page and feeds at /status (no login), served from bytes rendered once per
// version of publicnotice's data; the maintenance and public-text API.
func init() { register("status", wireStatus) }

func wireStatus(ctx context.Context, a *App) error {
	if err := a.DB.Check(ctx, publicnotice.Queries); err != nil {
		return err
	}
	zone, err := time.LoadLocation(a.Cfg.Zone)
	if err != nil {
		return err
	}
	now := func() time.Time { return a.Now() }
	src := &publicnotice.Service{DB: a.DB, Now: now, NoticeBy: publicnotice.NoticeDeadline(a.Cfg.DefaultProfile)}
	h, err := statuspage.New(src, statuspage.Options{Now: now, Location: zone, Logger: a.Log.With("component", "statuspage")})
	if err != nil {
		return err
	}
	src.Changed = h.Invalidate
	a.Notices = src
	a.Journal.AddHooks(publicnotice.Hooks{})
	a.Web.Extra["/status"] = h
	a.Web.Extra["/status/"] = h
	a.Web.Mounts = append(a.Web.Mounts, src.Mount)
	return nil
}
