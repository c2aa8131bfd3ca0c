package console

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/retention"
	"tenderdesk/internal/signature"
)

// Issue 12 in the console: the index of the registers, the small registers
// of Q25, Q39 and Q23 (list with filters and paging, the form to add), the
// role change with the head's EDS (E31, E34), the call recordings and their
// dispute (E20–E21) and the access log of personal-data reads (E32–E33).
// Each page declares the API's permission for the same thing and calls the
// API's service functions: the rules live in internal/registers,
// internal/retention and internal/audit.
func (c *Console) sig12Routes() {
	if c.d.Registers == nil {
		return
	}
	c.route("GET /registers", "", c.registersIndex)
	c.route("GET /registers/{register}", auth.PermAuditRead, c.smallRegister)
	c.route("GET /registers/{register}/new", auth.PermIncidentTransition, c.smallRegisterForm)
	c.route("POST /registers/{register}", auth.PermIncidentTransition, c.smallRegisterAdd)
	c.route("GET /audit/access", auth.PermAuditRead, c.accessLog)
	if c.d.Acts == nil {
		return
	}
	c.route("GET /registers/roles/change", auth.PermUserManage, c.roleChangeForm)
	c.route("GET /registers/roles/change/document", auth.PermUserManage, c.roleChangeDocument)
	c.route("POST /registers/roles/change", auth.PermUserManage, c.roleChangePost)
	c.route("GET /appeals/{number}/recordings", auth.PermIncidentRead, c.recordingsPage)
	c.route("POST /appeals/{number}/dispute", auth.PermIncidentTransition, c.recordingsDispute)
}

// regBad is a field's problem in the page's language: the domain's English
// in English; in Russian and Kazakh this feature's own words for the field
// when it has them ("reg.bad.<field>"), else the console's.
func (c *Console) regBad(p *Page, err error) bool {
	if !c.formErrors(p, err) {
		return false
	}
	if p.L.Lang != "en" {
		var ae *apperr.Error
		errors.As(err, &ae)
		for f := range ae.Fields {
			if _, ok := c.cat.msgs[p.L.Lang]["reg.bad."+f]; ok {
				p.Errors[f] = p.L.T("reg.bad." + f)
			}
		}
	}
	// A refused signature is named by its reason (signature.Code), in the
	// page's language, whatever the language.
	if code := signature.CodeOf(err); code != "" {
		p.Errors["cms"] = p.L.T("reg.refusal." + string(code))
		p.Notice = p.L.T("reg.refused", p.L.T("reg.refusal."+string(code)))
	}
	return true
}

// --- the index ---

type regIndexData struct {
	Small   []string
	Read    bool // may list the small registers
	Add     map[string]bool
	Change  bool // may change roles
	Access  bool // may read the access log
	Signing bool
}

func (c *Console) registersIndex(q *req) error {
	d := &regIndexData{Small: registers.Small, Add: map[string]bool{}, Read: q.can(auth.PermAuditRead), Access: q.can(auth.PermAuditRead),
		Change: c.d.Acts != nil && q.can(auth.PermUserManage), Signing: c.d.Acts != nil && c.d.Acts.Sig != nil}
	for _, r := range registers.Small {
		d.Add[r] = q.user != nil && registers.MayAdd(q.user.Role, r)
	}
	c.render(q, http.StatusOK, "registers_index", q.L.T("reg.index.title"), d)
	return nil
}

// --- the small registers ---

type smallRegData struct {
	Register string
	Rows     []registers.Entry
	Next     int64
	More     template.URL // the next page (built by url.Values.Encode)
	CanAdd   bool
	Done     bool
}

func (c *Console) smallRegisterOf(q *req) (string, error) {
	reg := q.r.PathValue("register")
	if !slices.Contains(registers.Small, reg) {
		return "", apperr.New(apperr.NotFound, "no register %q; registers: %s", reg, strings.Join(registers.Small, ", "))
	}
	return reg, nil
}

// dateIn reads a date (a date field's YYYY-MM-DD, or DD.MM.YYYY as typed)
// as the start of that day in the desk's zone.
func (c *Console) dateIn(p *Page, field, v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02", "02.01.2006"} {
		if t, err := time.ParseInLocation(layout, v, c.d.Zone); err == nil {
			return t
		}
	}
	p.Errors[field] = p.L.T("reg.bad.date")
	return time.Time{}
}

func (c *Console) smallRegister(q *req) error {
	reg, err := c.smallRegisterOf(q)
	if err != nil {
		return err
	}
	v := q.r.URL.Query()
	d := &smallRegData{Register: reg, CanAdd: registers.MayAdd(q.user.Role, reg), Done: v.Get("done") != ""}
	p := c.page(q, q.L.T("reg."+reg+".title"), d)
	for _, k := range []string{"person", "incident", "from", "to"} {
		p.Form.Set(k, strings.TrimSpace(v.Get(k)))
	}
	f := registers.Filter{Person: p.Val("person"), Limit: registerPage + 1}
	if s := p.Val("incident"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err != nil || n <= 0 {
			p.Errors["incident"] = q.L.T("reg.bad.incident_id")
		} else {
			f.IncidentID = n
		}
	}
	f.From = c.dateIn(p, "from", p.Val("from"))
	if to := c.dateIn(p, "to", p.Val("to")); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole of the last day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		p.Errors["to"] = q.L.T("reg.bad.range")
	}
	f.Before, _ = strconv.ParseInt(v.Get("before"), 10, 64)
	if d.Done {
		p.Notice = q.L.T("reg.added")
	}
	if len(p.Errors) > 0 {
		p.Notice = q.L.T("form.fix_marked")
		c.renderPage(q, http.StatusBadRequest, "registers_small", p)
		return nil
	}
	rows, err := c.d.Registers.Find(q.ctx(), reg, f)
	if err != nil {
		return err
	}
	if len(rows) > registerPage {
		rows = rows[:registerPage]
		d.Next = rows[len(rows)-1].ID
		more := url.Values{}
		for _, k := range []string{"person", "incident", "from", "to"} {
			if p.Val(k) != "" {
				more.Set(k, p.Val(k))
			}
		}
		more.Set("lang", q.L.Lang)
		more.Set("before", strconv.FormatInt(d.Next, 10))
		d.More = template.URL("/registers/" + reg + "?" + more.Encode())
	}
	d.Rows = rows
	c.renderPage(q, http.StatusOK, "registers_small", p)
	return nil
}

// addingTo is the register of a form's path when q's role may add to it
// (registers.MayAdd, as the API); "" when the refusal was shown.
func (c *Console) addingTo(q *req) (string, error) {
	reg, err := c.smallRegisterOf(q)
	if err != nil {
		return "", err
	}
	if !registers.MayAdd(q.user.Role, reg) {
		c.fail(q, http.StatusForbidden, q.L.T("err.forbidden", q.L.Label("role", q.user.Role)))
		return "", nil
	}
	return reg, nil
}

func (c *Console) smallRegisterForm(q *req) error {
	reg, err := c.addingTo(q)
	if reg == "" {
		return err
	}
	p := c.page(q, q.L.T("reg."+reg+".add"), &smallRegData{Register: reg, CanAdd: true})
	if q.r.URL.Query().Get("done") != "" {
		p.Notice = q.L.T("reg.added")
	}
	c.renderPage(q, http.StatusOK, "registers_entry", p)
	return nil
}

func (c *Console) smallRegisterAdd(q *req) error {
	reg, err := c.addingTo(q)
	if reg == "" {
		return err
	}
	f := q.r.PostForm
	p := c.page(q, q.L.T("reg."+reg+".add"), &smallRegData{Register: reg, CanAdd: true})
	p.Form = f
	e := registers.Entry{Register: reg, Person: f.Get("person"), Detail: f.Get("detail"), Agreed: f.Get("agreed")}
	if s := strings.TrimSpace(f.Get("incident_id")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			p.Errors["incident_id"] = q.L.T("reg.bad.incident_id")
		}
		e.IncidentID = n
	}
	if len(p.Errors) == 0 {
		_, err = c.d.Registers.Add(q.ctx(), q.user.Actor(clientAddr(q.r)), e)
		if err == nil {
			to := "/registers/" + reg + "/new?done=1"
			if q.can(auth.PermAuditRead) {
				to = "/registers/" + reg + "?done=1"
			}
			http.Redirect(q.w, q.r, to, http.StatusSeeOther)
			return nil
		}
		if !c.regBad(p, err) {
			return err
		}
	} else {
		p.Notice = q.L.T("form.fix_marked")
	}
	c.renderPage(q, http.StatusBadRequest, "registers_entry", p)
	return nil
}

// --- the role change (E31, E34) ---

type roleChangeData struct {
	Users   []auth.User
	Roles   []auth.Role
	Signing bool   // a trust store is configured
	Socket  string // NCALayer's WebSocket (the head signs here: static/ncalayer.js)
	Done    string
}

func (c *Console) roleChangePage(q *req, code int, p *Page) error {
	us, err := c.d.Auth.List(q.ctx())
	if err != nil {
		return err
	}
	d := p.Data.(*roleChangeData)
	d.Users, d.Roles, d.Signing = us, auth.Roles, c.d.Acts.Sig != nil
	d.Socket = c.ncalayerURL()
	q.w.Header().Set("Content-Security-Policy", cspWithNCALayer(d.Socket)) // the NCALayer path (issue 12)
	c.renderPage(q, code, "registers_role_change", p)
	return nil
}

func (c *Console) roleChangeForm(q *req) error {
	p := c.page(q, q.L.T("reg.role.title"), &roleChangeData{})
	v := q.r.URL.Query()
	for _, k := range []string{"login", "role", "basis", "responsible"} {
		p.Form.Set(k, v.Get(k))
	}
	if done := v.Get("done"); done != "" {
		p.Data.(*roleChangeData).Done = done
		p.Notice = q.L.T("reg.role.done", done)
	}
	return c.roleChangePage(q, http.StatusOK, p)
}

// roleChangeDocument gives the exact bytes the head signs for the change
// typed in the form (the API's GET /api/v1/signatures/document for
// role.grant), as a file for the signing tool.
func (c *Console) roleChangeDocument(q *req) error {
	v := q.r.URL.Query()
	p := c.page(q, q.L.T("reg.role.title"), &roleChangeData{})
	for _, k := range []string{"login", "role", "basis", "responsible"} {
		p.Form.Set(k, strings.TrimSpace(v.Get(k)))
	}
	if _, err := c.d.Auth.ByLogin(q.ctx(), p.Val("login")); err != nil {
		p.Errors["login"] = q.L.T("reg.bad.login")
	}
	if !auth.ValidRole(p.Val("role")) {
		p.Errors["role"] = q.L.T("reg.bad.role")
	}
	if len(p.Errors) > 0 {
		p.Notice = q.L.T("form.fix_marked")
		return c.roleChangePage(q, http.StatusBadRequest, p)
	}
	doc, err := registers.RoleGrantDocument(p.Val("login"), p.Val("role"), p.Val("basis"), p.Val("responsible"))
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	q.w.Header().Set("Content-Disposition", `attachment; filename="role-grant-`+url.PathEscape(strings.ToLower(p.Val("login")))+`.json"`)
	_, err = q.w.Write(doc)
	return err
}

// cmsFile reads the uploaded signature: DER, PEM, or the base64 text that
// signing tools (NCALayer) give.
func cmsFile(q *req) ([]byte, error) {
	f, _, err := q.r.FormFile("cms")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"cms": "the signature file could not be read"}}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 512<<10))
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"cms": "the signature file could not be read"}}
	}
	if len(b) > 0 && b[0] == 0x30 {
		// DER is binary: trimming "spaces" would cut a signature whose last
		// byte happens to be 0x0a or 0x20 (about 1 in 40), refused as malformed.
		return b, nil
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] != 0x30 && !bytes.HasPrefix(b, []byte("-----BEGIN")) {
		if d, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(b), nil))); err == nil {
			return d, nil
		}
	}
	return b, nil
}

func (c *Console) roleChangePost(q *req) error {
	p := c.page(q, q.L.T("reg.role.title"), &roleChangeData{})
	f := q.r.PostForm
	for _, k := range []string{"login", "role", "basis", "responsible"} {
		p.Form.Set(k, strings.TrimSpace(f.Get(k))) // as the document the head signed (roleChangeDocument)
	}
	cms, err := cmsFile(q)
	if err == nil && len(cms) == 0 {
		cms, err = cmsText(q) // NCALayer's signature (static/ncalayer.js)
	}
	if err == nil {
		in := registers.RoleChangeRequest{Login: p.Val("login"), Role: p.Val("role"), Basis: p.Val("basis"), Responsible: p.Val("responsible"), CMS: cms}
		if _, err = c.d.Acts.ChangeRole(q.ctx(), *q.user, clientAddr(q.r), in); err == nil {
			http.Redirect(q.w, q.r, "/registers/roles/change?done="+url.QueryEscape(strings.ToLower(in.Login)), http.StatusSeeOther)
			return nil
		}
	}
	var nf *apperr.Error
	if errors.As(err, &nf) && nf.Code == apperr.NotFound {
		// The API's path names the user (404); here it is a field of the form.
		err = &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"login": nf.Message}}
	}
	if !c.regBad(p, err) {
		return err
	}
	return c.roleChangePage(q, web4xx(err), p)
}

// web4xx is the status of a refused form: 400, 404, 409 or 422 as the API.
func web4xx(err error) int {
	switch apperr.CodeOf(err) {
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unprocessable:
		return http.StatusUnprocessableEntity
	case apperr.Forbidden:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// --- call recordings and their dispute (E20–E21) ---

type recordingsData struct {
	Appeal     string
	Recordings []retention.Recording
	Open       bool // a dispute is open (on a recording still kept)
	Kept       int  // recordings not destroyed
	CanAct     bool
}

func (c *Console) recordingsPage(q *req) error {
	p, err := c.recordingsView(q)
	if err != nil {
		return err
	}
	if v := q.r.URL.Query().Get("done"); v == "open" || v == "resolve" {
		p.Notice = q.L.T("rec.done." + v)
	}
	c.renderPage(q, http.StatusOK, "recordings", p)
	return nil
}

// recordingsView is the recordings page of an appeal: each recording, kept
// or destroyed, and whether a dispute keeps them.
func (c *Console) recordingsView(q *req) (*Page, error) {
	number := q.r.PathValue("number")
	if _, err := c.d.Journal.Appeal(q.ctx(), number); err != nil {
		return nil, err
	}
	rs, err := c.d.Acts.Retention.Recordings(q.ctx(), number)
	if err != nil {
		return nil, err
	}
	d := &recordingsData{Appeal: number, Recordings: rs, CanAct: q.can(auth.PermIncidentTransition)}
	for _, r := range rs {
		if r.Destroyed.IsZero() {
			d.Kept++
			if !r.DisputeAt.IsZero() && r.ResolvedAt.IsZero() {
				d.Open = true
			}
		}
	}
	return c.page(q, q.L.T("rec.title", number), d), nil
}

func (c *Console) recordingsDispute(q *req) error {
	number := q.r.PathValue("number")
	f := q.r.PostForm
	open := f.Get("open") == "1"
	var err error
	if reason := strings.TrimSpace(f.Get("reason")); reason == "" {
		// The console asks why: the audit record keeps it beside who and when.
		err = &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"reason": "required: why the dispute is opened or resolved"}}
	} else {
		err = c.d.Acts.Retention.Dispute(q.ctx(), q.user.Actor(clientAddr(q.r)), number, open, reason)
	}
	if err == nil {
		done := map[bool]string{true: "open", false: "resolve"}[open]
		http.Redirect(q.w, q.r, "/appeals/"+url.PathEscape(number)+"/recordings?done="+done, http.StatusSeeOther)
		return nil
	}
	if apperr.CodeOf(err) == apperr.NotFound {
		return err
	}
	p, e := c.recordingsView(q)
	if e != nil {
		return e
	}
	p.Form = f
	if !c.regBad(p, err) {
		return err
	}
	c.renderPage(q, web4xx(err), "recordings", p)
	return nil
}

// --- the access log (E32–E33) ---

// accessObjects are the kinds of object whose personal data is read.
var accessObjects = []string{"appeal", "user", "journal"}

type accessData struct {
	Records []audit.Record
	Next    int64
	More    template.URL // the next page (built by url.Values.Encode)
}

// What is what a read showed (the record's "what"), one of readWhat.
func (d *accessData) What(r audit.Record) string {
	var v struct {
		What string `json:"what"`
	}
	_ = json.Unmarshal(r.After, &v)
	if !slices.Contains(readWhat, v.What) {
		return "other"
	}
	return v.What
}

// readWhat are the kinds of personal data a logged read shows.
var readWhat = []string{"reporter_contact", "user_list", "journal_export"}

func (c *Console) accessLog(q *req) error {
	v := q.r.URL.Query()
	d := &accessData{}
	p := c.page(q, q.L.T("access.title"), d)
	p.Form.Set("actor", strings.TrimSpace(v.Get("actor")))
	p.Form.Set("object_type", strings.TrimSpace(v.Get("object_type")))
	if t := p.Val("object_type"); t != "" && !slices.Contains(accessObjects, t) {
		p.Errors["object_type"] = q.L.T("reg.bad.object_type")
		p.Notice = q.L.T("form.fix_marked")
		c.renderPage(q, http.StatusBadRequest, "access_log", p)
		return nil
	}
	before, _ := strconv.ParseInt(v.Get("before"), 10, 64)
	recs, err := audit.Reads(q.ctx(), c.d.DB, audit.AccessFilter{Actor: p.Val("actor"), ObjectType: p.Val("object_type"), Before: before, Limit: registerPage + 1})
	if err != nil {
		return apperr.Wrap(err, "access log")
	}
	if len(recs) > registerPage {
		recs = recs[:registerPage]
		d.Next = recs[len(recs)-1].Seq
		more := url.Values{"lang": {q.L.Lang}, "before": {strconv.FormatInt(d.Next, 10)}}
		for _, k := range []string{"actor", "object_type"} {
			if p.Val(k) != "" {
				more.Set(k, p.Val(k))
			}
		}
		d.More = template.URL("/audit/access?" + more.Encode())
	}
	d.Records = recs
	c.renderPage(q, http.StatusOK, "access_log", p)
	return nil
}

// logRead records that q's user was shown personal data of an object
// (E32–E33). A read that cannot be logged is not shown: the error fails
// the page.
func (c *Console) logRead(q *req, objectType, objectID, what string) error {
	if err := audit.LogRead(q.ctx(), c.d.DB, c.d.Now().UTC(), q.user.Actor(clientAddr(q.r)), objectType, objectID, what); err != nil {
		return apperr.Wrap(err, "access log")
	}
	return nil
}
