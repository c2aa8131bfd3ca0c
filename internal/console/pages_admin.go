package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/publicnotice"
	"tenderdesk/internal/statuspage"
	"tenderdesk/internal/web"
)

// --- users (administrators) ---

type usersData struct {
	Users []auth.User
	Roles []auth.Role
	Token string // a token just created, shown once
	For   string
}

func (c *Console) usersPage(q *req, code int, p *Page) error {
	us, err := c.d.Auth.List(q.ctx())
	if err != nil {
		return err
	}
	d := p.Data.(*usersData)
	d.Users, d.Roles = us, auth.Roles
	c.renderPage(q, code, "users", p)
	return nil
}

func (c *Console) users(q *req) error {
	// E32–E33: the list shows every user's name and role; the read is logged.
	if err := c.logRead(q, "user", "*", "user_list"); err != nil {
		return err
	}
	p := c.page(q, q.L.T("users.title"), &usersData{})
	if q.r.URL.Query().Get("done") != "" {
		p.Notice = q.L.T("incident.done")
	}
	return c.usersPage(q, http.StatusOK, p)
}

func (c *Console) userCreate(q *req) error {
	f := q.r.PostForm
	p := c.page(q, q.L.T("users.title"), &usersData{})
	p.Form = f
	_, err := c.d.Auth.CreateUser(q.ctx(), q.user.Actor(clientAddr(q.r)), auth.NewUser{Login: f.Get("login"), Password: f.Get("password"),
		Role: f.Get("role"), FullName: f.Get("full_name"), Organization: f.Get("organization"), BIN: f.Get("bin"),
		Email: f.Get("email"), Language: f.Get("language")})
	return c.usersDone(q, p, err)
}

// usersDone shows the users page again with the problems of err, or
// goes back to it when all went well.
func (c *Console) usersDone(q *req, p *Page, err error) error {
	if err != nil {
		if !c.formErrors(p, err) {
			return err
		}
		return c.usersPage(q, web.HTTPStatus(apperr.CodeOf(err)), p) // 400, or 409 for an account already so
	}
	http.Redirect(q.w, q.r, "/admin/users?done=1", http.StatusSeeOther)
	return nil
}

// userAction: suspend or reactivate (with the reason, E9), reset the password (Q22), or
// issue an API token (shown once).
func (c *Console) userAction(q *req) error {
	login, act := q.r.PathValue("login"), q.r.PathValue("action")
	by := q.user.Actor(clientAddr(q.r))
	p := c.page(q, q.L.T("users.title"), &usersData{})
	var err error
	switch act {
	case "suspend":
		reason := strings.TrimSpace(q.r.PostFormValue("reason"))
		if reason == "" {
			err = &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"reason-" + login: "required"}}
			break
		}
		err = c.d.Auth.Suspend(q.ctx(), by, login, reason)
	case "reactivate":
		// E9: suspended accounts are brought back, never deleted; the
		// reason is kept in the audit as for a suspension.
		reason := strings.TrimSpace(q.r.PostFormValue("reason"))
		if reason == "" {
			err = &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"reason-" + login: "required"}}
			break
		}
		err = c.d.Auth.Reactivate(q.ctx(), by, login, reason)
	case "password":
		err = c.d.Auth.SetPassword(q.ctx(), by, login, q.r.PostFormValue("new_password"))
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Fields["new_password"] != "" {
			ae.Fields = map[string]string{"new_password-" + login: ae.Fields["new_password"]}
		}
	case "token":
		var tok string
		if tok, err = c.d.Auth.CreateToken(q.ctx(), by, login, q.r.PostFormValue("label")); err == nil {
			d := p.Data.(*usersData)
			d.Token, d.For = tok, login
			p.Notice = q.L.T("users.token_once", login)
			return c.usersPage(q, http.StatusOK, p)
		}
	default:
		return apperr.New(apperr.NotFound, "no such action %q", act)
	}
	return c.usersDone(q, p, err)
}

// --- failed notifications ---

func (c *Console) notifications(q *req) error {
	status := q.r.URL.Query().Get("status")
	if status == "" {
		status = "failed"
	}
	rows, err := notify.List(q.ctx(), c.d.DB.R, notify.Filter{Status: status, Limit: 200})
	if err != nil {
		return err
	}
	p := c.page(q, q.L.T("notif.title"), rows)
	p.Form.Set("status", status)
	if q.r.URL.Query().Get("done") != "" {
		p.Notice = q.L.T("notif.requeued")
	}
	c.renderPage(q, http.StatusOK, "notifications", p)
	return nil
}

func (c *Console) notificationRetry(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "no notification %q", q.r.PathValue("id"))
	}
	if err := notify.Retry(q.ctx(), c.d.DB, c.d.Now().UTC(), q.user.Actor(clientAddr(q.r)), id); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/admin/notifications?done=1", http.StatusSeeOther)
	return nil
}

// --- audit: browse by object, verify the chain ---

type auditData struct {
	Records  []audit.Record
	Verified bool
	Intact   bool
	Count    int64
	FirstBad int64
	Reason   string
}

func (c *Console) auditPage(q *req) error {
	v := q.r.URL.Query()
	d := &auditData{}
	p := c.page(q, q.L.T("audit.title"), d)
	typ, id := strings.TrimSpace(v.Get("object_type")), strings.TrimSpace(v.Get("object_id"))
	p.Form.Set("object_type", typ)
	p.Form.Set("object_id", id)
	// The type is one of the list (or "" for any); a number is needed
	// once a type is chosen. A bad filter is the form again, the field
	// marked, with 400.
	switch {
	case typ != "" && !slices.Contains(auditObjectTypes, typ):
		p.Errors["object_type"] = q.L.T("audit.bad_type")
	case typ != "" && id == "":
		p.Errors["object_id"] = q.L.T("audit.need_both")
	case id != "":
		recs, err := audit.ForObject(q.ctx(), c.d.DB, typ, id)
		if err != nil {
			return apperr.Wrap(err, "audit")
		}
		d.Records = recs
	}
	code := http.StatusOK
	if len(p.Errors) > 0 {
		code = http.StatusBadRequest
	}
	c.renderPage(q, code, "audit", p)
	return nil
}

func (c *Console) auditVerify(q *req) error {
	d := &auditData{Verified: true}
	n, err := audit.Verify(q.ctx(), c.d.DB)
	var pr *audit.Problem
	switch {
	case err == nil:
		d.Intact, d.Count = true, n
	case errors.As(err, &pr):
		d.Count, d.FirstBad, d.Reason = n, pr.Seq, pr.Reason
	default:
		return apperr.Wrap(err, "verify")
	}
	c.renderPage(q, http.StatusOK, "audit", c.page(q, q.L.T("audit.title"), d))
	return nil
}

// --- maintenance: announce (the Q41/Q18 check), list, withdraw ---

func (c *Console) maintenancePage(q *req, code int, p *Page) error {
	if c.d.Notices == nil {
		return apperr.New(apperr.NotFound, "public notices are not wired")
	}
	ms, err := c.d.Notices.ListMaintenance(q.ctx())
	if err != nil {
		return err
	}
	if p.Data, err = c.maintRows(q, ms); err != nil { // with each window's own plans (ext14b)
		return err
	}
	if n := q.r.URL.Query().Get("applied"); n != "" {
		p.Notice = q.L.N("plan.applied", atoi(n))
	}
	c.renderPage(q, code, "maintenance", p)
	return nil
}

func (c *Console) maintenance(q *req) error {
	p := c.page(q, q.L.T("maint.title"), nil)
	if q.r.URL.Query().Get("done") != "" {
		p.Notice = q.L.T("incident.done")
	}
	return c.maintenancePage(q, http.StatusOK, p)
}

func (c *Console) maintenanceAnnounce(q *req) error {
	if c.d.Notices == nil {
		return apperr.New(apperr.NotFound, "public notices are not wired")
	}
	f := q.r.PostForm
	p := c.page(q, q.L.T("maint.title"), nil)
	p.Form = f
	n := publicnotice.NewMaintenance{Title: statuspage.Text{}, Unplanned: f.Get("unplanned") != "", Agreement: strings.TrimSpace(f.Get("agreement"))}
	for _, l := range Languages {
		if t := strings.TrimSpace(f.Get("title_" + l)); t != "" {
			n.Title[l] = t
		}
	}
	n.Start = c.localTime(p, "start", f.Get("start"))
	n.End = c.localTime(p, "end", f.Get("end"))
	if len(p.Errors) == 0 {
		_, err := c.d.Notices.Announce(q.ctx(), q.user.Actor(clientAddr(q.r)), n)
		if err == nil {
			http.Redirect(q.w, q.r, "/maintenance?done=1", http.StatusSeeOther)
			return nil
		}
		if !c.formErrors(p, err) {
			return err
		}
	} else {
		p.Notice = q.L.T("form.fix_marked")
	}
	return c.maintenancePage(q, http.StatusBadRequest, p)
}

func (c *Console) maintenanceWithdraw(q *req) error {
	if c.d.Notices == nil {
		return apperr.New(apperr.NotFound, "public notices are not wired")
	}
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "no maintenance %q", q.r.PathValue("id"))
	}
	if _, err := c.d.Notices.Withdraw(q.ctx(), q.user.Actor(clientAddr(q.r)), id, q.r.PostFormValue("reason")); err != nil {
		p := c.page(q, q.L.T("maint.title"), nil)
		if !c.formErrors(p, err) {
			return err
		}
		return c.maintenancePage(q, http.StatusBadRequest, p)
	}
	http.Redirect(q.w, q.r, "/maintenance?done=1", http.StatusSeeOther)
	return nil
}
