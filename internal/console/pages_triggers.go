package console

import (
	"net/http"
	"slices"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/triggers"
)

// Appeals that trigger point rules (issue 14): staff record on the appeal
// page what the user's appeal says — a protocol formed while they could not
// take part (Q49), a supplier taken off the unreliable register early
// (Q50), questions they could not submit during the discussion (Q51), a
// supplier put on the unreliable list (E29.6), results affected (E29.5),
// the last day of acceptance affected (E29.3) — and the incident's plan
// takes it from the database, as the API's POST
// /api/v1/appeals/{number}/triggers does (same service, same permission).

// triggerKinds are the kinds in the order the form offers them.
var triggerKinds = []string{"could_not_participate", "unreliable_register", "discussion_questions", "unreliable_list",
	triggers.ResultsAffected, triggers.LastDayAcceptanceAffected}

type triggerChoice struct{ Kind, Rule string }

// triggerData is the appeal page's part: the triggers recorded on this
// appeal and the kinds to choose from.
type triggerData struct {
	List  []triggers.Trigger
	Kinds []triggerChoice
}

func (c *Console) triggerRoutes() {
	c.route("POST /appeals/{number}/triggers", auth.PermImpactApply, c.appealTrigger)
}

// appealTriggers fills the page's part for staff who may record triggers.
func (c *Console) appealTriggers(q *req, d *appealPageData) error {
	if c.d.Triggers == nil || !q.can(auth.PermImpactApply) {
		return nil
	}
	all, err := c.d.Triggers.OfIncident(q.ctx(), d.Appeal.IncidentID)
	if err != nil {
		return err
	}
	td := &triggerData{List: []triggers.Trigger{}}
	for _, t := range all {
		if t.Appeal == d.Appeal.Number {
			td.List = append(td.List, t)
		}
	}
	for _, k := range triggerKinds {
		td.Kinds = append(td.Kinds, triggerChoice{k, triggers.Kinds[k]})
	}
	d.Triggers = td
	return nil
}

func (c *Console) appealTrigger(q *req) error {
	if c.d.Triggers == nil {
		return apperr.New(apperr.NotFound, "triggers are not wired")
	}
	number := q.r.PathValue("number")
	f := q.r.PostForm
	p, _, err := c.appealView(q, number)
	if err != nil {
		return err
	}
	n := triggers.New{Kind: f.Get("kind"), Procedure: f.Get("procedure"), Lot: f.Get("lot"), Supplier: strings.TrimSpace(f.Get("supplier")),
		DraftSentToSecondWinner: f.Get("draft_sent_to_second_winner") != ""}
	n.ExcludedAt = c.localTime(p, "excluded_at", f.Get("excluded_at"))
	n.ActApprovedAt = c.localTime(p, "act_approved_at", f.Get("act_approved_at"))
	if !slices.Contains(triggerKinds, n.Kind) {
		p.Errors["kind"] = q.L.T("trig.bad_kind")
	}
	return c.submit(q, p, "/appeals/"+number+"?done=trigger#triggers", "appeal", func() error {
		_, err := c.d.Triggers.Record(q.ctx(), q.user.Actor(clientAddr(q.r)), number, n)
		return err
	}, nil)
}

// submit runs save when the form read without problems and redirects to
// done; otherwise (or when save refuses the input, naming fields) the page
// comes back with the fields marked and what was typed, after again (when
// set) has filled what the page needs beside the form.
func (c *Console) submit(q *req, p *Page, done, page string, save func() error, again func() error) error {
	if len(p.Errors) == 0 {
		err := save()
		if err == nil {
			http.Redirect(q.w, q.r, done, http.StatusSeeOther)
			return nil
		}
		if !c.formErrors(p, err) {
			return err
		}
	} else {
		p.Notice = q.L.T("form.fix_marked")
	}
	p.Form = q.r.PostForm
	if again != nil {
		if err := again(); err != nil {
			return err
		}
	}
	c.renderPage(q, http.StatusBadRequest, page, p)
	return nil
}
