package console

import (
	"net/http"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
)

func (c *Console) loginForm(q *req) error {
	if q.user != nil {
		http.Redirect(q.w, q.r, "/", http.StatusSeeOther)
		return nil
	}
	p := c.page(q, q.L.T("login.title"), nil)
	p.Form.Set("next", q.r.URL.Query().Get("next"))
	c.renderPage(q, http.StatusOK, "login", p)
	return nil
}

// safeNext keeps a redirect after sign-in on this site.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return "/"
	}
	return s
}

// throttled: the auth service's code for too many failed sign-ins (added by
// another change; any of these names is read as one).
func throttled(err error) bool {
	switch string(apperr.CodeOf(err)) {
	case "too_many", "too_many_requests", "throttled", "rate_limited":
		return true
	}
	return false
}

func (c *Console) loginPost(q *req) error {
	login, pw := strings.TrimSpace(q.r.PostFormValue("login")), q.r.PostFormValue("password")
	p := c.page(q, q.L.T("login.title"), nil)
	p.Form.Set("login", login)
	p.Form.Set("next", q.r.PostFormValue("next"))
	if login == "" {
		p.Errors["login"] = q.L.T("login.need_login")
	}
	if pw == "" {
		p.Errors["password"] = q.L.T("login.need_password")
	}
	if len(p.Errors) > 0 {
		c.renderPage(q, http.StatusBadRequest, "login", p)
		return nil
	}
	tok, u, err := c.d.Auth.Login(q.ctx(), login, pw, clientAddr(q.r))
	if err != nil {
		code := http.StatusUnauthorized
		switch {
		case throttled(err):
			code, p.Notice = http.StatusTooManyRequests, q.L.T("login.throttled")
		case apperr.CodeOf(err) == apperr.Unauthorized:
			p.Notice = q.L.T("login.wrong")
			p.Errors["password"] = q.L.T("login.wrong_short")
		case apperr.CodeOf(err) == apperr.Forbidden:
			code, p.Notice = http.StatusForbidden, q.L.T("login.suspended")
		default:
			return err
		}
		c.renderPage(q, code, "login", p)
		return nil
	}
	http.SetCookie(q.w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: q.r.TLS != nil, MaxAge: int(auth.SessionTTL / time.Second)})
	if validLang(u.Language) {
		c.setLangCookie(q, u.Language) // signing in applies the profile's language
	}
	http.Redirect(q.w, q.r, safeNext(q.r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

func (c *Console) logout(q *req) error {
	if q.tok != "" {
		if err := c.d.Auth.Logout(q.ctx(), q.tok); err != nil {
			return err
		}
	}
	http.SetCookie(q.w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(q.w, q.r, "/login", http.StatusSeeOther)
	return nil
}

func (c *Console) account(q *req) error {
	p := c.page(q, q.L.T("account.title"), nil)
	switch q.r.URL.Query().Get("done") {
	case "password":
		p.Notice = q.L.T("account.password_changed")
	case "language":
		p.Notice = q.L.T("account.language_saved")
	}
	c.renderPage(q, http.StatusOK, "account", p)
	return nil
}

func (c *Console) accountPassword(q *req) error {
	cur, next, again := q.r.PostFormValue("current_password"), q.r.PostFormValue("new_password"), q.r.PostFormValue("new_password2")
	p := c.page(q, q.L.T("account.title"), nil)
	if len([]rune(next)) < auth.MinPasswordLen {
		p.Errors["new_password"] = q.L.T("account.too_short", auth.MinPasswordLen)
	} else if next != again {
		p.Errors["new_password2"] = q.L.T("account.mismatch")
	}
	if len(p.Errors) == 0 {
		err := c.d.Auth.ChangeOwnPassword(q.ctx(), *q.user, clientAddr(q.r), cur, next)
		if err == nil {
			// The change ended every browser session, this one too: sign in again.
			http.SetCookie(q.w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
			http.Redirect(q.w, q.r, "/login?changed=1", http.StatusSeeOther)
			return nil
		}
		var ae *apperr.Error
		if !asAppErr(err, &ae) || ae.Code == apperr.Internal {
			return err
		}
		for f := range ae.Fields {
			p.Errors[f] = c.fieldProblem(q.L, f, ae.Fields[f])
		}
		if len(p.Errors) == 0 {
			p.Notice = c.explain(q.L, ae)
		}
	}
	c.renderPage(q, http.StatusBadRequest, "account", p)
	return nil
}
