package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"tenderdesk/internal/procurement"
)

// Issue 4: the procurement mirror, extension plans (preview, apply,
// revert), the change feed and its webhook worker.
func init() {
	register("procurement", func(ctx context.Context, a *App) error {
		if err := a.DB.Check(ctx, procurement.Queries); err != nil {
			return err
		}
		domain := "tenderdesk.local"
		if _, d, ok := strings.Cut(a.Cfg.MailFrom, "@"); ok && d != "" {
			domain = d
		}
		svc := procurement.New(a.DB, a.Now, a.Journal, a.Log, domain)
		a.Procurement = svc
		a.Web.Mounts = append(a.Web.Mounts, svc.Mount)
		client := &http.Client{Timeout: 30 * time.Second}
		a.Workers = append(a.Workers, func(ctx context.Context) { svc.RunWebhook(ctx, client, a.Now, 5*time.Second) })
		return nil
	})
}
