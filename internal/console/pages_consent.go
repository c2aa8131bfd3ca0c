package console

import (
	"net/http"
	"net/url"

	"tenderdesk/internal/invite"
)

// E6–E7 for accounts an administrator registers: a person invited gives the
// consents of their role on the invitation form; a person whose account an
// administrator created has given none, so their first signed-in page is
// the consent form, and every page waits until they give them
// (docs/regulations.md, E5–E7). A new version of a text is asked again.

// consentFree are the signed-in pages a person reaches before consenting:
// the form itself, signing out, the language.
var consentFree = map[string]bool{"GET /consent": true, "POST /consent": true, "POST /logout": true, "POST /account/language": true}

func (c *Console) consentRoutes() {
	c.route("GET /consent", "*", c.consentForm)
	c.route("POST /consent", "*", c.consentPost)
}

// consented reports whether the signed-in user has given the consents
// their role needs; a failure to read is logged and lets them through (the
// desk's own fault must not lock a person out).
func (c *Console) consented(q *req) bool {
	inv := c.d.Cabinet.Invites
	if inv == nil || len(invite.Required(q.user.Role)) == 0 {
		return true
	}
	if _, ok := c.consentOK.Load(q.user.ID); ok {
		return true
	}
	missing, err := inv.Missing(q.ctx(), q.user.ID, q.user.Role)
	if err != nil {
		c.d.Log.Error("consents: read", "user", q.user.Login, "error", err.Error())
		return true
	}
	if len(missing) == 0 {
		c.consentOK.Store(q.user.ID, true)
		return true
	}
	return false
}

// askConsent sends a page view to the form and refuses anything else
// (a form post, the live stream) with a message naming the form.
func (c *Console) askConsent(q *req) {
	if q.r.Method == http.MethodGet && q.r.Header.Get("Accept") != "text/event-stream" {
		http.Redirect(q.w, q.r, "/consent?next="+url.QueryEscape(q.r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	c.fail(q, http.StatusForbidden, q.L.T("consent.required"))
}

type consentData struct {
	Consents []invite.Consent
}

func (c *Console) consentRender(q *req, p *Page, code int) error {
	missing, err := c.d.Cabinet.Invites.Missing(q.ctx(), q.user.ID, q.user.Role)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		http.Redirect(q.w, q.r, safeNext(p.Form.Get("next")), http.StatusSeeOther)
		return nil
	}
	p.Title, p.Data = q.L.T("consent.title"), &consentData{Consents: missing}
	c.renderPage(q, code, "consent", p)
	return nil
}

func (c *Console) consentForm(q *req) error {
	if c.d.Cabinet.Invites == nil {
		http.Redirect(q.w, q.r, "/", http.StatusSeeOther)
		return nil
	}
	p := c.page(q, "", nil)
	p.Form.Set("next", q.r.URL.Query().Get("next"))
	return c.consentRender(q, p, http.StatusOK)
}

func (c *Console) consentPost(q *req) error {
	if c.d.Cabinet.Invites == nil {
		http.Redirect(q.w, q.r, "/", http.StatusSeeOther)
		return nil
	}
	p := c.page(q, "", nil)
	p.Form = q.r.PostForm
	given := map[string]bool{}
	for _, id := range p.Form["consent"] {
		given[id] = true
	}
	if err := c.d.Cabinet.Invites.Give(q.ctx(), *q.user, clientAddr(q.r), q.L.Lang, given); err != nil {
		if c.formErrors(p, err) {
			return c.consentRender(q, p, http.StatusBadRequest)
		}
		return err
	}
	c.consentOK.Store(q.user.ID, true)
	http.Redirect(q.w, q.r, safeNext(p.Form.Get("next")), http.StatusSeeOther)
	return nil
}
