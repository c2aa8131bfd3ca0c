package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/forcemajeure"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/publicnotice"
)

// ext14b (issue 14): on the maintenance page, a window's own plan (Q41) —
// enter the end of a window announced without one (Q41-open: no plan
// until then), apply the window's plan, revert it; on the incident page's
// force majeure part, the calls to the authorized body (kept informed,
// Q17/Q37.10).

// maintRow is one window of the maintenance page with its own plans.
type maintRow struct {
	publicnotice.Maintenance
	Plans   []procurement.PlanRecord
	Preview *planData // the window's plan previewed (ext14c), before apply
}

func (c *Console) ext14bRoutes() {
	c.route("POST /maintenance/{id}/end", auth.PermMaintenanceManage, c.maintenanceEnd)
	c.route("POST /maintenance/{id}/apply", auth.PermImpactApply, c.maintenanceApply)
	c.route("POST /maintenance/{id}/plans/{plan}/revert", auth.PermImpactRevert, c.maintenanceRevert)
	c.route("POST /incidents/{id}/force-majeure/calls", auth.PermImpactApply, c.incidentFMCall)
}

// maintRows adds each window's own plans (when the mirror is wired).
func (c *Console) maintRows(q *req, ms []publicnotice.Maintenance) ([]maintRow, error) {
	out := make([]maintRow, len(ms))
	for i, m := range ms {
		out[i].Maintenance = m
		if c.d.Procurement == nil {
			continue
		}
		ps, err := c.d.Procurement.PlansOfWindow(q.ctx(), m.ID)
		if err != nil {
			return nil, err
		}
		out[i].Plans = ps
	}
	return out, nil
}

func maintID(q *req) (int64, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "no maintenance %q", q.r.PathValue("id"))
	}
	return id, nil
}

// maintenanceFail shows the page again with err's problems (field ones
// under the window's row, keyed "<field>_<id>").
func (c *Console) maintenanceFail(q *req, id int64, err error) error {
	p := c.page(q, q.L.T("maint.title"), nil)
	if !c.formErrors(p, err) {
		return err
	}
	for f, m := range p.Errors {
		delete(p.Errors, f)
		p.Errors[fmt.Sprintf("%s_%d", f, id)] = m
	}
	p.Form = q.r.PostForm
	return c.maintenancePage(q, http.StatusBadRequest, p)
}

func (c *Console) maintenanceEnd(q *req) error {
	if c.d.Notices == nil {
		return apperr.New(apperr.NotFound, "public notices are not wired")
	}
	id, err := maintID(q)
	if err != nil {
		return err
	}
	p := c.page(q, q.L.T("maint.title"), nil)
	end := c.localTime(p, "end", q.r.PostFormValue("end"))
	if len(p.Errors) > 0 {
		return c.maintenanceFail(q, id, &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"end": "a date and time"}})
	}
	if _, err := c.d.Notices.SetEnd(q.ctx(), q.user.Actor(clientAddr(q.r)), id, end); err != nil {
		return c.maintenanceFail(q, id, err)
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/maintenance?done=1#m-%d", id), http.StatusSeeOther)
	return nil
}

func (c *Console) maintenanceApply(q *req) error {
	if c.d.Procurement == nil {
		return apperr.New(apperr.NotFound, "the procurement mirror is not wired")
	}
	id, err := maintID(q)
	if err != nil {
		return err
	}
	// ext14c: applied from its preview only — confirmed, with the
	// previewed plan's hash (a plan changed since is refused, 409).
	if q.r.PostFormValue("confirm") == "" {
		p := c.page(q, q.L.T("maint.title"), nil)
		p.Notice = q.L.T("plan.need_confirm")
		return c.maintenancePage(q, http.StatusBadRequest, p)
	}
	res, err := c.d.Procurement.ApplyWindow(q.ctx(), id, procurement.PlanRequest{PlanHash: q.r.PostFormValue("plan_hash")}, q.user.Actor(clientAddr(q.r)))
	if err != nil {
		return c.maintenanceFail(q, id, err)
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/maintenance?applied=%d#m-%d", res.Changes, id), http.StatusSeeOther)
	return nil
}

func (c *Console) maintenanceRevert(q *req) error {
	if c.d.Procurement == nil {
		return apperr.New(apperr.NotFound, "the procurement mirror is not wired")
	}
	id, err := maintID(q)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(q.r.PathValue("plan"), 10, 64)
	if err != nil || pid <= 0 {
		return apperr.New(apperr.NotFound, "no applied plan %q", q.r.PathValue("plan"))
	}
	plan, err := c.d.Procurement.PlanByID(q.ctx(), pid)
	if err != nil {
		return err
	}
	if plan.Maintenance != id {
		return apperr.New(apperr.NotFound, "applied plan %d is not one of window %d", pid, id)
	}
	if _, err := c.d.Procurement.Revert(q.ctx(), pid, q.r.PostFormValue("reason"), q.user.Actor(clientAddr(q.r))); err != nil {
		return c.maintenanceFail(q, id, err)
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/maintenance?done=1#m-%d", id), http.StatusSeeOther)
	return nil
}

// incidentFMCall records a call to the authorized body on the incident's
// force majeure (forcemajeure.AddCall).
func (c *Console) incidentFMCall(q *req) error {
	if c.d.ForceMajeure == nil {
		return apperr.New(apperr.NotFound, "force majeure is not wired")
	}
	p, d, id, err := c.incidentPageOf(q)
	if err != nil {
		return err
	}
	f := q.r.PostForm
	in := forcemajeure.CallInput{CalledAt: c.localTime(p, "called_at", f.Get("called_at")), Person: strings.TrimSpace(f.Get("person")),
		Summary: strings.TrimSpace(f.Get("summary"))}
	return c.submit(q, p, "/incidents/"+strconv.FormatInt(id, 10)+"?done=fm_call#fm-calls", "incident", func() error {
		_, err := c.d.ForceMajeure.AddCall(q.ctx(), q.user.Actor(clientAddr(q.r)), id, in)
		return err
	}, func() error { return c.incidentFM(q, p, d, false) })
}
