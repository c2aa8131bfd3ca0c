package console

import (
	"net/http"
	"net/url"

	"tenderdesk/internal/auth"
)

// A person's language (issue 10) is kept in their profile (auth.User
// .Language), not only in this browser: choosing one on the account page or
// in the header saves it there, and signing in applies it. ?lang= still
// picks the language of a request (and, as before, of this browser until
// the next sign-in or choice), so a link can show a page in another
// language. The reading is in docs/console-language.md.

// Back is this page's address without ?lang=, for the language switcher's
// "come back here".
func (p *Page) Back() string {
	v := url.Values{}
	for k, vs := range p.Query {
		if k != "lang" {
			v[k] = vs
		}
	}
	if len(v) == 0 {
		return p.Path
	}
	return p.Path + "?" + v.Encode()
}

func (c *Console) setLangCookie(q *req, l string) {
	http.SetCookie(q.w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode, Secure: q.r.TLS != nil})
}

// accountLanguage saves the choice in the profile (audited as the user's
// own change) and in this browser, then goes back where it was made.
func (c *Console) accountLanguage(q *req) error {
	l := q.r.PostFormValue("lang")
	if !validLang(l) {
		p := c.page(q, q.L.T("account.title"), nil)
		p.Errors["lang"] = q.L.T("account.bad_lang")
		c.renderPage(q, http.StatusBadRequest, "account", p)
		return nil
	}
	if l != q.user.Language {
		if _, err := c.d.Auth.UpdateUser(q.ctx(), q.user.Actor(clientAddr(q.r)), q.user.Login, auth.UserChange{Language: &l}); err != nil {
			return err
		}
	}
	c.setLangCookie(q, l)
	next := q.r.PostFormValue("next")
	if next == "" {
		next = "/account?done=language"
	}
	http.Redirect(q.w, q.r, safeNext(next), http.StatusSeeOther)
	return nil
}
