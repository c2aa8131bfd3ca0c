package console

import (
	"net/http"
	"strconv"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/textmod"
)

// Text modules (issue 10): administrators keep reply templates in ru, kk
// and en; operators insert them into a reply on the appeal page
// (pages_thread.go), filled from the appeal.

type textModsData struct {
	Modules      []textmod.Module
	Placeholders []string
	Edit         int64 // the module in the form (0: a new one)
	Langs        []string
	Unknown      map[string][]string // placeholders the desk cannot fill, by field
}

func (c *Console) textModRoutes() {
	c.route("GET /admin/text-modules", auth.PermTextModuleManage, c.textMods)
	c.route("POST /admin/text-modules", auth.PermTextModuleManage, c.textModSave)
	c.route("POST /admin/text-modules/{id}", auth.PermTextModuleManage, c.textModSave)
	c.route("POST /admin/text-modules/{id}/delete", auth.PermTextModuleManage, c.textModDelete)
}

func (c *Console) textModsPage(q *req, code int, p *Page) error {
	if c.d.TextModules == nil {
		return apperr.New(apperr.NotFound, "text modules are not wired")
	}
	ms, err := c.d.TextModules.List(q.ctx())
	if err != nil {
		return err
	}
	d := p.Data.(*textModsData)
	d.Modules, d.Placeholders, d.Langs = ms, textmod.Placeholders, textmod.Languages
	c.renderPage(q, code, "textmods", p)
	return nil
}

func (c *Console) textMods(q *req) error {
	d := &textModsData{}
	p := c.page(q, q.L.T("textmod.title"), d)
	switch q.r.URL.Query().Get("done") {
	case "saved":
		p.Notice = q.L.T("textmod.saved")
	case "deleted":
		p.Notice = q.L.T("textmod.deleted")
	}
	if e := q.r.URL.Query().Get("edit"); e != "" && c.d.TextModules != nil {
		id, err := strconv.ParseInt(e, 10, 64)
		if err != nil || id <= 0 {
			return apperr.New(apperr.NotFound, "no text module %q", e)
		}
		m, err := c.d.TextModules.Get(q.ctx(), id)
		if err != nil {
			return err
		}
		d.Edit = id
		p.Form.Set("name", m.Name)
		for _, l := range textmod.Languages {
			p.Form.Set("body_"+l, m.Body[l])
		}
	}
	return c.textModsPage(q, http.StatusOK, p)
}

// textModSave creates a module, or (with {id}) replaces one. A placeholder
// the desk cannot fill comes back as a 400 naming it, in every language.
func (c *Console) textModSave(q *req) error {
	if c.d.TextModules == nil {
		return apperr.New(apperr.NotFound, "text modules are not wired")
	}
	var id int64
	if s := q.r.PathValue("id"); s != "" {
		var err error
		if id, err = strconv.ParseInt(s, 10, 64); err != nil || id <= 0 {
			return apperr.New(apperr.NotFound, "no text module %q", s)
		}
	}
	f := q.r.PostForm
	d := &textModsData{Edit: id}
	p := c.page(q, q.L.T("textmod.title"), d)
	p.Form = f
	in := textmod.Input{Name: f.Get("name"), Body: map[string]string{}}
	for _, l := range textmod.Languages {
		in.Body[l] = f.Get("body_" + l)
	}
	by := q.user.Actor(clientAddr(q.r))
	var err error
	if id == 0 {
		_, err = c.d.TextModules.Create(q.ctx(), by, in)
	} else {
		_, err = c.d.TextModules.Update(q.ctx(), by, id, in)
	}
	if err != nil {
		if !c.formErrors(p, err) {
			return err
		}
		// The domain speaks English; in ru and kk each field says its
		// problem, and the unknown placeholders by name in every language.
		if q.L.Lang != "en" {
			for f := range p.Errors {
				switch {
				case f == "name":
					p.Errors[f] = q.L.T("textmod.bad_name", textmod.MaxName)
				case strings.HasPrefix(f, "body_"):
					p.Errors[f] = q.L.T("textmod.bad_body", textmod.MaxBody)
				}
			}
		}
		for _, l := range textmod.Languages {
			if u := textmod.Unknown(in.Body[l]); len(u) > 0 {
				p.Errors["body_"+l] = q.L.T("textmod.unknown")
				if d.Unknown == nil {
					d.Unknown = map[string][]string{}
				}
				d.Unknown["body_"+l] = u
			}
		}
		return c.textModsPage(q, http.StatusBadRequest, p)
	}
	http.Redirect(q.w, q.r, "/admin/text-modules?done=saved", http.StatusSeeOther)
	return nil
}

func (c *Console) textModDelete(q *req) error {
	if c.d.TextModules == nil {
		return apperr.New(apperr.NotFound, "text modules are not wired")
	}
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "no text module %q", q.r.PathValue("id"))
	}
	if err := c.d.TextModules.Delete(q.ctx(), q.user.Actor(clientAddr(q.r)), id); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/admin/text-modules?done=deleted", http.StatusSeeOther)
	return nil
}
