package console

import (
	"net/http"
	"strconv"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
)

// formChannels are the channels a person registers by hand; the others
// (email, cabinet, monitoring…) arrive by themselves.
var formChannels = []string{"phone", "letter", "forum", "voice", "specialist", "authority"}

type appealFormData struct {
	Channels []string
	Similar  []journal.IncidentView
	Asked    bool // the similar incidents were shown: the next submit decides
}

func (c *Console) appealForm(q *req) error {
	p := c.page(q, q.L.T("appeal.new.title"), &appealFormData{Channels: formChannels})
	p.Form.Set("channel", "phone")
	p.Form.Set("received_at", c.d.Now().In(c.d.Zone).Format("02.01.2006 15:04"))
	c.renderPage(q, http.StatusOK, "appeal_new", p)
	return nil
}

func caller(q *req) journal.Caller {
	p := q.user
	return journal.Caller{Actor: p.Actor(clientAddr(q.r)), PortalUser: p.Role.PortalUser(), BIN: p.BIN, Organization: p.Organization}
}

// appealPost registers the appeal. When open incidents of the same module
// or announcement exist and the operator has not yet chosen, the form comes
// back once with them listed, to attach the appeal to one or not.
func (c *Console) appealPost(q *req) error {
	if err := q.r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "bad form")
	}
	d := &appealFormData{Channels: formChannels}
	p := c.page(q, q.L.T("appeal.new.title"), d)
	p.Form = q.r.PostForm
	f := q.r.PostForm
	n := journal.NewAppeal{Channel: f.Get("channel"), Organization: f.Get("organization"), BIN: strings.TrimSpace(f.Get("bin")),
		ContactEmail: strings.TrimSpace(f.Get("contact_email")), ContactPhone: strings.TrimSpace(f.Get("contact_phone")),
		Description: f.Get("description"), Module: strings.TrimSpace(f.Get("module")),
		Announcements: splitRefs(f.Get("announcements")), Lots: splitRefs(f.Get("lots"))}
	n.ReceivedAt = c.localTime(p, "received_at", f.Get("received_at"))
	if inc := f.Get("incident_id"); inc != "" && inc != "new" {
		id, err := strconv.ParseInt(inc, 10, 64)
		if err != nil || id <= 0 {
			p.Errors["incident_id"] = q.L.T("bad.incident_id")
		}
		n.IncidentID = id
	}
	v := apperr.Validation{}
	for k, m := range p.Errors {
		v[k] = m
	}
	if err := c.d.Journal.Validate(&n, caller(q), v); err != nil {
		c.formErrors(p, err)
		c.renderPage(q, http.StatusBadRequest, "appeal_new", p)
		return nil
	}
	if f.Get("decided") == "" && n.IncidentID == 0 {
		ann := ""
		if len(n.Announcements) > 0 {
			ann = n.Announcements[0]
		}
		sim, err := c.d.Journal.OpenIncidentsLike(q.ctx(), n.Module, ann)
		if err != nil {
			return err
		}
		if len(sim) > 0 {
			d.Similar, d.Asked = sim, true
			p.Notice = q.L.N("appeal.new.similar", len(sim))
			c.renderPage(q, http.StatusOK, "appeal_new", p)
			return nil
		}
	}
	reg, err := c.d.Journal.Register(q.ctx(), caller(q), n, f.Get("idem"))
	if err != nil {
		if c.formErrors(p, err) {
			c.renderPage(q, http.StatusBadRequest, "appeal_new", p)
			return nil
		}
		return err
	}
	http.Redirect(q.w, q.r, "/appeals/"+reg.Number+"?registered=1", http.StatusSeeOther)
	return nil
}

// appealSuggest answers the form's script: the organization and contacts
// of the latest appeals of a BIN, and open incidents of a module or
// announcement.
func (c *Console) appealSuggest(q *req) error {
	v := q.r.URL.Query()
	out := map[string]any{}
	if bin := strings.TrimSpace(v.Get("bin")); bin != "" {
		page, err := c.d.Journal.List(q.ctx(), journal.Filter{BIN: bin, Limit: 5})
		if err != nil && apperr.CodeOf(err) != apperr.Invalid {
			return err
		}
		type contact struct {
			Organization string `json:"organization"`
			Email        string `json:"contact_email,omitempty"`
			Phone        string `json:"contact_phone,omitempty"`
		}
		var cs []contact
		seen := map[contact]bool{}
		for _, r := range page.Rows {
			x := contact{r.Organization, r.ContactEmail, r.ContactPhone}
			if !seen[x] {
				seen[x] = true
				cs = append(cs, x)
			}
		}
		out["contacts"] = cs
	}
	if m, a := strings.TrimSpace(v.Get("module")), strings.TrimSpace(v.Get("announcement")); m != "" || a != "" {
		sim, err := c.d.Journal.OpenIncidentsLike(q.ctx(), m, a)
		if err != nil {
			return err
		}
		type inc struct {
			ID    int64  `json:"id"`
			Name  string `json:"name"` // «инцидент № N», as the page says it
			State string `json:"state"`
			Label string `json:"label"`
		}
		var is []inc
		for _, s := range sim {
			label := ""
			if len(s.Appeals) > 0 {
				label = s.Appeals[0].Number + " · " + s.Appeals[0].Organization
			}
			is = append(is, inc{s.ID, q.L.T("queue.incident_short", s.ID), q.L.Label("state", s.State), label})
		}
		out["incidents"] = is
	}
	writeJSON(q.w, out)
	return nil
}

type appealPageData struct {
	Appeal   journal.Appeal
	Incident journal.IncidentView
	Clocks   []clocks.View
	History  []audit.Record
	New      bool
	Assignee string
	Conv     *conversation // the thread and the reply box (pages_thread.go)
	Triggers *triggerData  // point-rule triggers, for staff who may record them (pages_triggers.go)
}

func (c *Console) appealPage(q *req) error {
	p, d, err := c.appealView(q, q.r.PathValue("number"))
	if err != nil {
		return err
	}
	// E32–E33: the page shows the reporter's contact; the read is logged
	// (pages_sig12.go), once per showing.
	if d.Appeal.ContactEmail != "" || d.Appeal.ContactPhone != "" {
		if err := c.logRead(q, "appeal", d.Appeal.Number, "reporter_contact"); err != nil {
			return err
		}
	}
	switch {
	case d.New:
		p.Notice = q.L.T("appeal.registered", d.Appeal.Number)
	case q.r.URL.Query().Get("done") == "replied":
		p.Notice = q.L.T("thread.replied")
	case q.r.URL.Query().Get("done") == "noted":
		p.Notice = q.L.T("thread.noted")
	case q.r.URL.Query().Get("done") == "trigger":
		p.Notice = q.L.T("trig.recorded")
	}
	c.renderPage(q, http.StatusOK, "appeal", p)
	return nil
}

// appealView is the appeal page's content, for showing it and for showing
// it again with a reply's problems.
func (c *Console) appealView(q *req, number string) (*Page, *appealPageData, error) {
	a, err := c.d.Journal.Appeal(q.ctx(), number)
	if err != nil {
		return nil, nil, err
	}
	if q.user.Role.PortalUser() && a.BIN != q.user.BIN {
		return nil, nil, apperr.New(apperr.NotFound, "no such appeal for your organization")
	}
	d := &appealPageData{Appeal: a, New: q.r.URL.Query().Get("registered") != ""}
	if d.Incident, err = c.d.Journal.Incident(q.ctx(), a.IncidentID); err != nil {
		return nil, nil, err
	}
	if d.Assignee, err = c.d.Journal.Assignee(q.ctx(), a.IncidentID); err != nil {
		return nil, nil, err
	}
	if c.d.Clocks != nil {
		if d.Clocks, _, err = c.d.Clocks.OfAppeal(q.ctx(), a.Number); err != nil {
			return nil, nil, err
		}
	}
	if q.can(auth.PermAuditRead) || q.can(auth.PermIncidentRead) {
		if d.History, err = audit.ForObject(q.ctx(), c.d.DB, "appeal", a.Number); err != nil {
			return nil, nil, apperr.Wrap(err, "history")
		}
	}
	if d.Conv, err = c.conversation(q, a, d.Incident); err != nil {
		return nil, nil, err
	}
	if err := c.appealTriggers(q, d); err != nil {
		return nil, nil, err
	}
	p := c.page(q, q.L.T("appeal.title", a.Number), d)
	p.Form.Set("module_lang", d.Conv.ReporterLang)
	c.present(q, p, presenceKey("incident", strconv.FormatInt(a.IncidentID, 10)))
	return p, d, nil
}

func (c *Console) appealMerge(q *req) error {
	number := q.r.PathValue("number")
	id, err := strconv.ParseInt(strings.TrimSpace(q.r.PostFormValue("incident_id")), 10, 64)
	if err != nil || id <= 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "incident_id: a positive number", Fields: map[string]string{"incident_id": "a positive number"}}
	}
	if _, err := c.d.Journal.Merge(q.ctx(), q.user.Actor(clientAddr(q.r)), number, id); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/incidents/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
