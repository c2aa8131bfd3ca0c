package console

import (
	"net/http"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/profiles"
	"tenderdesk/internal/regulation"
)

// profilesPage lists the regulation profiles' versions with their periods
// as the desk applies them, the records administrators made, and what each
// version changed against the one before.
func (c *Console) profilesPage(q *req) error {
	p := c.page(q, q.L.T("cb.prof.title"), nil)
	if q.r.URL.Query().Get("done") != "" {
		p.Notice = q.L.T("incident.done")
	}
	return c.profilesRender(q, http.StatusOK, p)
}

func (c *Console) profilesRender(q *req, code int, p *Page) error {
	if c.d.Profiles == nil {
		return apperr.New(apperr.NotFound, "the profile periods are not wired")
	}
	p.Data = c.d.Profiles.Histories()
	c.renderPage(q, code, "profiles", p)
	return nil
}

// profilePeriod records a version's period (profiles.SetPeriod: audited,
// in force at once).
func (c *Console) profilePeriod(q *req) error {
	if c.d.Profiles == nil {
		return apperr.New(apperr.NotFound, "the profile periods are not wired")
	}
	id := q.r.PathValue("pid")
	f := q.r.PostForm
	_, err := c.d.Profiles.SetPeriod(q.ctx(), q.user.Actor(clientAddr(q.r)), profiles.Record{Profile: id,
		From: strings.TrimSpace(f.Get("from")), Until: strings.TrimSpace(f.Get("until")), Basis: strings.TrimSpace(f.Get("basis"))})
	if err == nil {
		http.Redirect(q.w, q.r, "/admin/profiles?done=1#v-"+id, http.StatusSeeOther)
		return nil
	}
	p := c.page(q, q.L.T("cb.prof.title"), nil)
	if !c.formErrors(p, err) {
		return err
	}
	// The fields are per version on the page.
	for k, m := range p.Errors {
		delete(p.Errors, k)
		p.Errors[k+"-"+id] = m
	}
	for _, k := range []string{"from", "until", "basis"} {
		p.Form.Set(k+"-"+id, f.Get(k))
	}
	code := http.StatusBadRequest
	if apperr.CodeOf(err) == apperr.Conflict {
		code = http.StatusConflict
	}
	return c.profilesRender(q, code, p)
}

// Term says a regulation term in words: its amount or days and how they
// are counted.
func (l *L) Term(t *regulation.Term) string {
	if t == nil {
		return "—"
	}
	if t.Amount > 0 {
		return l.Duration(int64(t.Amount/time.Second)) + " · " + l.T("cb.base."+string(t.Base))
	}
	return l.T("cb.base."+string(t.Base), t.Days)
}
