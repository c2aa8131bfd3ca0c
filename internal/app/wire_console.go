package app

import (
	"context"
	"time"

	"tenderdesk/internal/console"
	"tenderdesk/internal/web"
)

// The operator console (issue 10) at "/": its live-queue broker listens to
// the Journal from Open; the pages are built when the handler is, after
// every feature is wired, so they reach the clocks, the procurement mirror
// and the public notices.
func init() {
	register("console", func(ctx context.Context, a *App) error {
		broker := console.NewBroker()
		a.Journal.AddHooks(broker)
		zone, err := time.LoadLocation(a.Cfg.Zone)
		if err != nil {
			return err
		}
		c, err := console.New(console.Deps{Log: a.Log.With("component", "console"), DB: a.DB, Auth: a.Auth, Journal: a.Journal,
			Zone: zone, Now: func() time.Time { return a.Now() }, Broker: broker})
		if err != nil {
			return err
		}
		a.Console = c
		a.Web.Mounts = append(a.Web.Mounts, func(s *web.Server) {
			c.SetServices(a.Clocks, a.Procurement, a.Notices)
			c.SetCabinet(a.Convo, a.Files)
			s.Extra["/"] = c.Handler()
		})
		return nil
	})
}
