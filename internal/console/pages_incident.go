package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/vocab"
)

type incidentData struct {
	Incident journal.IncidentView
	Clocks   []clocks.View
	Actions  []journal.Action // allowed from the current state only
	Crits    []string
	Causes   []string
	History  []audit.Record
	Plan     *planData
	Impact   bool // the procurement mirror is wired
	Assignee string
	Staff    []string   // who it can be handed to
	B        *incidentB // notifications, public notice preview, applied plans (pages_incident_b.go)
	Sign     *signData  // the EDS sign section (pages_incident_sign.go); nil: nothing to sign
	FM       *fmData    // force majeure, for staff who may apply plans (pages_forcemajeure.go)
}

type planData struct {
	Summary procurement.Summary
	Actions []procurement.PlannedAction
	More    int // actions not listed (the table shows the first planLimit)
}

const planLimit = 500

func incidentID(q *req) (int64, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "no incident %q", q.r.PathValue("id"))
	}
	return id, nil
}

func causeList() []string {
	var out []string
	for c := range journal.Causes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func (c *Console) incidentData(q *req, id int64) (*incidentData, error) {
	v, err := c.d.Journal.Incident(q.ctx(), id)
	if err != nil {
		return nil, err
	}
	d := &incidentData{Incident: v, Crits: []string{"low", "medium", "high"}, Causes: causeList(), Impact: c.d.Procurement != nil}
	if q.can("incident:transition") {
		d.Actions = journal.ActionsFrom(v.State)
	}
	if d.Assignee, err = c.d.Journal.Assignee(q.ctx(), id); err != nil {
		return nil, err
	}
	if q.can("incident:transition") {
		us, err := c.d.Auth.List(q.ctx())
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if u.Status == "active" && (u.Role == "operator" || u.Role == "specialist" || u.Role == "admin") && u.Login != d.Assignee {
				d.Staff = append(d.Staff, u.Login)
			}
		}
	}
	if c.d.Clocks != nil {
		if d.Clocks, err = c.d.Clocks.OfIncident(q.ctx(), id); err != nil {
			return nil, err
		}
	}
	if d.History, err = audit.ForObject(q.ctx(), c.d.DB, "incident", strconv.FormatInt(id, 10)); err != nil {
		return nil, apperr.Wrap(err, "history")
	}
	if d.B, err = c.incidentB(q, v); err != nil {
		return nil, err
	}
	if d.Sign, err = c.incidentSign(q, v); err != nil {
		return nil, err
	}
	return d, nil
}

// incidentPageOf is the incident page of the request's {id}.
func (c *Console) incidentPageOf(q *req) (*Page, *incidentData, int64, error) {
	id, err := incidentID(q)
	if err != nil {
		return nil, nil, 0, err
	}
	d, err := c.incidentData(q, id)
	if err != nil {
		return nil, nil, 0, err
	}
	return c.page(q, q.L.T("incident.title", id), d), d, id, nil
}

func (c *Console) incidentPage(q *req) error {
	p, d, id, err := c.incidentPageOf(q)
	if err != nil {
		return err
	}
	c.present(q, p, presenceKey("incident", strconv.FormatInt(id, 10)))
	q.w.Header().Set("Content-Security-Policy", cspWithNCALayer(c.ncalayerURL()))
	if err := c.incidentFM(q, p, d, true); err != nil {
		return err
	}
	switch q.r.URL.Query().Get("done") {
	case "":
	case "signed":
		p.Notice = q.L.T("sign.done")
	case "force_majeure":
		p.Notice = q.L.T("fm.recorded")
	case "applied":
		p.Notice = q.L.N("plan.applied", atoi(q.r.URL.Query().Get("n")))
	case "retried", "reverted":
		p.Notice = q.L.T("cb.done." + q.r.URL.Query().Get("done"))
	default:
		p.Notice = q.L.T("incident.done")
	}
	c.renderPage(q, http.StatusOK, "incident", p)
	return nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// incidentAct runs one lifecycle transition. An action the current state
// does not allow is not offered; forced anyway, it is refused here with
// the reason, before the Journal would refuse it too.
func (c *Console) incidentAct(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	d, err := c.incidentData(q, id)
	if err != nil {
		return err
	}
	act := journal.Action(q.r.PathValue("action"))
	if !slices.Contains(journal.Actions, act) {
		return apperr.New(apperr.NotFound, "unknown action %q", act)
	}
	if !slices.Contains(d.Actions, act) {
		var from []string
		for _, s := range journal.StatesFor(act) {
			from = append(from, "«"+q.L.Label("state", s)+"»")
		}
		c.fail(q, http.StatusConflict, q.L.T("incident.not_allowed", q.L.Label("action", act), q.L.Label("state", d.Incident.State), strings.Join(from, ", ")))
		return nil
	}
	f := q.r.PostForm
	p := c.page(q, q.L.T("incident.title", id), d)
	p.Form = f
	p.Form.Set("open", string(act))
	in := journal.TransitionInput{Action: act, Note: f.Get("note"), Criticality: vocab.Criticality(f.Get("criticality")), Cause: f.Get("cause"),
		Decision: f.Get("decision"), Recommendations: f.Get("recommendations"), ExpectedVersion: atoi(f.Get("version"))}
	in.FailureStartedAt = c.localTime(p, "failure_started_at", f.Get("failure_started_at"))
	in.PlannedFixAt = c.localTime(p, "planned_fix_at", f.Get("planned_fix_at"))
	in.FixedAt = c.localTime(p, "fixed_at", f.Get("fixed_at"))
	if m := strings.TrimSpace(f.Get("modules")); m != "" {
		for _, x := range strings.Split(m, "\n") {
			if x = strings.TrimSpace(x); x != "" {
				in.Modules = append(in.Modules, x)
			}
		}
	}
	if len(p.Errors) == 0 {
		_, err = c.d.Journal.Transition(q.ctx(), q.user.Actor(clientAddr(q.r)), id, in)
		if err == nil {
			http.Redirect(q.w, q.r, fmt.Sprintf("/incidents/%d?done=%s", id, act), http.StatusSeeOther)
			return nil
		}
		if !c.formErrors(p, err) {
			return err
		}
	} else {
		p.Notice = q.L.T("form.fix_marked")
	}
	c.renderPage(q, http.StatusBadRequest, "incident", p)
	return nil
}

// incidentPlan previews the extension plan: counts per action and the
// table; the apply form names how many procedures change.
func (c *Console) incidentPlan(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	if c.d.Procurement == nil {
		return apperr.New(apperr.NotFound, "the procurement mirror is not wired")
	}
	d, err := c.incidentData(q, id)
	if err != nil {
		return err
	}
	pd := &planData{}
	pd.Summary, err = c.d.Procurement.Plan(q.ctx(), id, procurement.PlanRequest{}, func(a procurement.PlannedAction) error {
		if len(pd.Actions) < planLimit {
			pd.Actions = append(pd.Actions, a)
		} else {
			pd.More++
		}
		return nil
	})
	p := c.page(q, q.L.T("incident.title", id), d)
	if err != nil {
		if !c.formErrors(p, err) {
			return err
		}
		c.renderPage(q, http.StatusConflict, "incident", p)
		return nil
	}
	d.Plan = pd
	c.renderPage(q, http.StatusOK, "incident", p)
	return nil
}

func (c *Console) incidentApply(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	if c.d.Procurement == nil {
		return apperr.New(apperr.NotFound, "the procurement mirror is not wired")
	}
	if q.r.PostFormValue("confirm") == "" {
		d, err := c.incidentData(q, id)
		if err != nil {
			return err
		}
		p := c.page(q, q.L.T("incident.title", id), d)
		p.Notice = q.L.T("plan.need_confirm")
		c.renderPage(q, http.StatusBadRequest, "incident", p)
		return nil
	}
	return c.startApply(q, id, q.r.PostFormValue("plan_hash"))
}

// incidentAssign takes the incident (assignee "me") or hands it to a
// colleague; back is the page to return to.
func (c *Console) incidentAssign(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	who := strings.TrimSpace(q.r.PostFormValue("assignee"))
	if who == "me" {
		who = q.user.Login
	}
	if err := c.d.Journal.Assign(q.ctx(), q.user.Actor(clientAddr(q.r)), id, who); err != nil {
		return err
	}
	c.Broker.Publish(Event{Kind: "incident", Incident: id})
	back := safeNext(q.r.PostFormValue("back"))
	if back == "/" {
		back = fmt.Sprintf("/incidents/%d", id)
	}
	http.Redirect(q.w, q.r, back, http.StatusSeeOther)
	return nil
}
