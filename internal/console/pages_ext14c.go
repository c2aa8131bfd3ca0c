package console

import (
	"net/http"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/procurement"
)

// ext14c (issue 14): a maintenance window's own plan (Q41) is previewed on
// the maintenance page before it is applied — what moves, from when to
// when, by which rule — as an incident's plan is on the incident page; the
// apply form carries the previewed plan's hash.

func (c *Console) ext14cRoutes() {
	c.route("POST /maintenance/{id}/plan", auth.PermImpactApply, c.maintenancePlan)
}

// maintenancePlan shows the maintenance page with window id's plan
// previewed (procurement.PlanWindow; nothing is changed).
func (c *Console) maintenancePlan(q *req) error {
	if c.d.Procurement == nil || c.d.Notices == nil {
		return apperr.New(apperr.NotFound, "the procurement mirror is not wired")
	}
	id, err := maintID(q)
	if err != nil {
		return err
	}
	pd := &planData{}
	pd.Summary, err = c.d.Procurement.PlanWindow(q.ctx(), id, procurement.PlanRequest{}, func(a procurement.PlannedAction) error {
		if len(pd.Actions) < planLimit {
			pd.Actions = append(pd.Actions, a)
		} else {
			pd.More++
		}
		return nil
	})
	if err != nil {
		return c.maintenanceFail(q, id, err)
	}
	ms, err := c.d.Notices.ListMaintenance(q.ctx())
	if err != nil {
		return err
	}
	rows, err := c.maintRows(q, ms)
	if err != nil {
		return err
	}
	for i := range rows {
		if rows[i].ID == id {
			rows[i].Preview = pd
		}
	}
	p := c.page(q, q.L.T("maint.title"), rows)
	c.renderPage(q, http.StatusOK, "maintenance", p)
	return nil
}
