package console

// The applicant's cabinet (issue 11): applicants and customers report a
// failure, follow their organization's appeals and answer the desk, read
// their notifications (E11); anyone tracks an appeal by number and access
// code (R7). It calls journal, convo, files and notify — no SQL here.

import (
	"context"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"tenderdesk/internal/analysis"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/convo"
	"tenderdesk/internal/files"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/procurement"
)

const (
	cabinetReport = "POST /cabinet/report"
	cabinetReply  = "POST /cabinet/appeals/{number}/reply"
	staffReply    = "POST /appeals/{number}/reply"
)

// bodyLimit is the largest form body of a route: forms with a file take
// one part (Q8, 20 MB) plus the fields; larger files go by tus (JS).
func bodyLimit(pattern string) int64 {
	if pattern == cabinetReport || pattern == cabinetReply || pattern == staffReply {
		return files.PartMax + 1<<20
	}
	if pattern == letterPost { // the copy of the letter (Q46), at most 20 MB
		return analysis.MaxLetter + 1<<20
	}
	return 1 << 20
}

func (c *Console) cabinetRoutes() {
	c.route("GET /cabinet", auth.PermAppealCreate, c.cabinetHome)
	c.route("GET /cabinet/report", auth.PermAppealCreate, c.cabinetReportForm)
	c.route(cabinetReport, auth.PermAppealCreate, c.cabinetReportPost)
	c.route("GET /cabinet/appeals/{number}", auth.PermAppealRead, c.cabinetAppeal)
	c.route(cabinetReply, auth.PermAppealRead, c.cabinetReplyPost)
	c.route("GET /cabinet/notifications", "*", c.cabinetNotifications)
	c.route("POST /cabinet/notifications/{id}/read", "*", c.cabinetRead)
	c.route("GET /track", "", c.trackPage)
	c.cabinetMoreRoutes()
	c.consentRoutes()
}

// SetCabinet supplies the conversation and the files (wired after the
// console).
func (c *Console) SetCabinet(cv *convo.Service, f *files.Service) { c.d.Convo, c.d.Files = cv, f }

// home: staff land on the queue, applicants and customers on the cabinet.
func (c *Console) home(q *req) error {
	if q.user.Role.PortalUser() {
		http.Redirect(q.w, q.r, "/cabinet", http.StatusSeeOther)
		return nil
	}
	if !q.can(auth.PermIncidentRead) {
		c.fail(q, http.StatusForbidden, q.L.T("err.forbidden", q.L.Label("role", q.user.Role)))
		return nil
	}
	return c.queue(q)
}

func (c *Console) unreadOf(q *req) func() int {
	return func() int {
		if q.user == nil || c.d.DB == nil {
			return 0
		}
		n, err := notify.Unread(q.ctx(), c.d.DB.R, q.user.ID)
		if err != nil {
			c.d.Log.Error("cabinet: unread count", "error", err.Error())
		}
		return n
	}
}

// Unread is the signed-in user's unread cabinet notifications (header).
func (p *Page) Unread() int {
	if p.unread == nil {
		return 0
	}
	return p.unread()
}

// ownAppeal is an appeal of the caller's organization; any other — and any
// appeal for a portal user without a BIN — is "not found", the same answer
// as for a number that does not exist.
func (c *Console) ownAppeal(q *req, number string) (journal.Appeal, error) {
	a, err := c.d.Journal.Appeal(q.ctx(), number)
	if err != nil {
		return a, err
	}
	if q.user.Role.PortalUser() && (q.user.BIN == "" || a.BIN != q.user.BIN) {
		return journal.Appeal{}, apperr.New(apperr.NotFound, "no such appeal for your organization")
	}
	return a, nil
}

// cabinetRow is one of my appeals with its failure.
type cabinetRow struct {
	journal.Row
	PlannedFixAt, FixedAt *time.Time
}

type cabinetHomeData struct {
	Rows []cabinetRow
	Next string
}

func (c *Console) cabinetHome(q *req) error {
	d := &cabinetHomeData{}
	if q.user.BIN != "" { // an empty filter would be everyone's appeals
		page, err := c.d.Journal.List(q.ctx(), journal.Filter{BIN: q.user.BIN, Limit: 20, After: q.r.URL.Query().Get("after")})
		if err != nil {
			return err
		}
		// One look-up for the page's incidents (issue 11: p99 ≤ 50 ms at
		// 10,000 of 1,000,000 appeals; loading each incident whole cost 20).
		ids := make([]int64, 0, len(page.Rows))
		for _, r := range page.Rows {
			ids = append(ids, r.IncidentID)
		}
		fix, err := c.d.Journal.FixTimesOf(q.ctx(), ids)
		if err != nil {
			return err
		}
		for _, r := range page.Rows {
			d.Rows = append(d.Rows, cabinetRow{Row: r, PlannedFixAt: fix[r.IncidentID].Planned, FixedAt: fix[r.IncidentID].Fixed})
		}
		d.Next = page.Next
	}
	c.render(q, http.StatusOK, "cabinet_home", q.L.T("cabinet.title"), d)
	return nil
}

type reportData struct {
	Organization, BIN, Zone string
	Number, Code            string // after registration
	// Suggestions are approved answers matching the description (Q21),
	// after a preview or the registration (without JavaScript).
	Suggestions []suggestion
	Previewed   bool
}

func (c *Console) zoneHint() string {
	return c.d.Now().In(c.d.Zone).Format("UTC-07:00")
}

func (c *Console) cabinetReportForm(q *req) error {
	p := c.page(q, q.L.T("cabinet.report.title"), &reportData{Organization: q.user.Organization, BIN: q.user.BIN, Zone: c.zoneHint()})
	p.Form.Set("contact_email", q.user.Email)
	c.renderPage(q, http.StatusOK, "cabinet_report", p)
	return nil
}

// attachments stores the form's files sent whole (no JavaScript) and adds
// the ids the tus script put in the form. A blocked or refused file marks
// the field "files" and returns false.
func (c *Console) attachments(q *req, p *Page) ([]int64, bool) {
	var ids []int64
	for _, s := range q.r.PostForm["attachments"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			p.Errors["files"] = q.L.T("bad.files")
			return nil, false
		}
		ids = append(ids, id)
	}
	if q.r.MultipartForm == nil {
		return ids, true
	}
	for _, fh := range q.r.MultipartForm.File["file"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		id, err := c.putFile(q, fh)
		if err != nil {
			var ae *apperr.Error
			if !asAppErr(err, &ae) || ae.Code == apperr.Internal {
				c.d.Log.Error("cabinet: upload", "error", err.Error())
				p.Errors["files"] = q.L.T("err.internal")
			} else {
				p.Errors["files"] = c.fileProblem(q.L, ae)
			}
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

func (c *Console) putFile(q *req, fh *multipart.FileHeader) (int64, error) {
	if c.d.Files == nil {
		return 0, apperr.New(apperr.Unprocessable, "uploads are off")
	}
	f, err := fh.Open()
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return c.d.Files.Put(q.ctx(), *q.user, clientAddr(q.r), fh.Filename, fh.Header.Get("Content-Type"), f)
}

// fileProblem: a blocked file says why in every language (the signature
// stays as clamd names it).
func (c *Console) fileProblem(l *L, ae *apperr.Error) string {
	switch {
	case ae.Code == apperr.Unprocessable && strings.Contains(ae.Message, " is infected ("):
		sig, _, _ := strings.Cut(ae.Message[strings.LastIndex(ae.Message, " is infected (")+len(" is infected ("):], ")")
		return l.T("cabinet.file_infected", sig)
	case ae.Code == apperr.TooLarge:
		return l.T("cabinet.file_too_large")
	case ae.Code == apperr.Unprocessable:
		return l.T("cabinet.file_unscanned")
	}
	return c.explain(l, ae)
}

func (c *Console) cabinetReportPost(q *req) error {
	d := &reportData{Organization: q.user.Organization, BIN: q.user.BIN, Zone: c.zoneHint()}
	p := c.page(q, q.L.T("cabinet.report.title"), d)
	if err := q.r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "bad form")
	}
	f := q.r.PostForm
	p.Form = f
	now := c.d.Now()
	n := journal.NewAppeal{Channel: "cabinet", ReceivedAt: &now, Organization: strings.TrimSpace(f.Get("organization")),
		ContactEmail: strings.TrimSpace(f.Get("contact_email")), ContactPhone: strings.TrimSpace(f.Get("contact_phone")),
		Description: f.Get("description"), Module: strings.TrimSpace(f.Get("module")),
		Announcements: splitRefs(f.Get("announcements")), Lots: splitRefs(f.Get("lots"))}
	n.DetectedAt = c.localTime(p, "detected_at", f.Get("detected_at"))
	badSection := c.validSection(p, n.Module)
	if f.Get("preview") != "" { // "find answers": nothing is registered
		d.Suggestions, d.Previewed = c.suggest(q, n.Description), true
		c.renderPage(q, http.StatusOK, "cabinet_report", p)
		return nil
	}
	v := apperr.Validation{}
	for k, m := range p.Errors {
		v[k] = m
	}
	if err := c.d.Journal.Validate(&n, caller(q), v); err != nil {
		if !c.formErrors(p, err) {
			return err
		}
		if badSection != "" { // R2: the list's own words, not the module's length
			p.Errors["module"] = badSection
		}
		c.renderPage(q, http.StatusBadRequest, "cabinet_report", p)
		return nil
	}
	ids, ok := c.attachments(q, p)
	if !ok {
		p.Notice = q.L.T("form.fix_marked")
		c.renderPage(q, http.StatusUnprocessableEntity, "cabinet_report", p)
		return nil
	}
	// The access code exists only inside the registration (R7: the desk
	// keeps its hash); the last run of InTx is the one that committed.
	var code string
	n.InTx = func(_ context.Context, _ journal.HookTx, a journal.Appeal) error { code = a.AccessCode; return nil }
	reg, err := c.d.Journal.Register(q.ctx(), caller(q), n, f.Get("idem"))
	if err != nil {
		if c.formErrors(p, err) {
			c.renderPage(q, http.StatusBadRequest, "cabinet_report", p)
			return nil
		}
		return err
	}
	d.Number, d.Code = reg.Number, code
	d.Suggestions = c.suggest(q, n.Description)
	if len(ids) > 0 && c.d.Convo != nil {
		if _, err := c.d.Convo.Write(q.ctx(), *q.user, clientAddr(q.r), reg.Number,
			convo.Post{Text: q.L.T("cabinet.files_message"), Attachments: ids}); err != nil {
			c.d.Log.Error("cabinet: files of a new appeal", "number", reg.Number, "error", err.Error())
			p.Notice = q.L.T("cabinet.files_failed")
		}
	}
	c.renderPage(q, http.StatusCreated, "cabinet_reported", p)
	return nil
}

type cabinetAppealData struct {
	Appeal   journal.Appeal
	Incident journal.IncidentView
	Thread   []convo.Message
	// Granted: the deadlines of our procedures the failure moved;
	// Clocks: the appeal's terms (a late request, R-escalation).
	Granted []procurement.Granted
	Clocks  []clocks.View
}

func (c *Console) cabinetAppealPage(q *req, p *Page, code int) error {
	a, err := c.ownAppeal(q, q.r.PathValue("number"))
	if err != nil {
		return err
	}
	d := &cabinetAppealData{Appeal: a}
	if d.Incident, err = c.d.Journal.Incident(q.ctx(), a.IncidentID); err != nil {
		return err
	}
	if c.d.Convo != nil {
		if d.Thread, err = c.d.Convo.Thread(q.ctx(), a, !q.user.Role.PortalUser()); err != nil {
			return err
		}
	}
	if d.Granted, err = c.granted(q, a.IncidentID, a.BIN); err != nil {
		return err
	}
	if d.Clocks, err = c.appealClocks(q, a.Number); err != nil {
		return err
	}
	if p == nil {
		p = c.page(q, "", nil)
	}
	p.Title, p.Data = q.L.T("appeal.title", a.Number), d
	c.renderPage(q, code, "cabinet_appeal", p)
	return nil
}

func (c *Console) cabinetAppeal(q *req) error {
	p := c.page(q, "", nil)
	switch q.r.URL.Query().Get("done") {
	case "reply":
		p.Notice = q.L.T("cabinet.replied")
	case "resumed":
		p.Notice = q.L.T("cabinet.resumed")
	}
	return c.cabinetAppealPage(q, p, http.StatusOK)
}

func (c *Console) cabinetReplyPost(q *req) error {
	number := q.r.PathValue("number")
	if _, err := c.ownAppeal(q, number); err != nil {
		return err
	}
	if err := q.r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "bad form")
	}
	p := c.page(q, "", nil)
	p.Form = q.r.PostForm
	if c.d.Convo == nil {
		return apperr.New(apperr.Unprocessable, "the conversation is off")
	}
	ids, ok := c.attachments(q, p)
	if !ok {
		p.Notice = q.L.T("form.fix_marked")
		return c.cabinetAppealPage(q, p, http.StatusUnprocessableEntity)
	}
	out, err := c.d.Convo.Write(q.ctx(), *q.user, clientAddr(q.r), number, convo.Post{Text: q.r.PostFormValue("text"), Attachments: ids})
	if err != nil {
		if c.formErrors(p, err) {
			return c.cabinetAppealPage(q, p, http.StatusBadRequest)
		}
		return err
	}
	done := "reply"
	if out.Resumed {
		done = "resumed"
	}
	http.Redirect(q.w, q.r, "/cabinet/appeals/"+number+"?done="+done+"#thread", http.StatusSeeOther)
	return nil
}

type notificationsData struct {
	Items []notify.CabinetItem
	Next  int64
}

func (c *Console) cabinetNotifications(q *req) error {
	var before int64
	if s := q.r.URL.Query().Get("before"); s != "" {
		var err error
		if before, err = strconv.ParseInt(s, 10, 64); err != nil || before < 0 {
			return &apperr.Error{Code: apperr.Invalid, Message: "before: a notification id", Fields: map[string]string{"before": "a notification id"}}
		}
	}
	const limit = 30
	items, err := notify.Cabinet(q.ctx(), c.d.DB.R, q.user.ID, q.r.URL.Query().Get("unread") == "1", before, limit)
	if err != nil {
		return err
	}
	d := &notificationsData{Items: items}
	if len(items) == limit {
		d.Next = items[len(items)-1].ID
	}
	c.render(q, http.StatusOK, "cabinet_notifications", q.L.T("cabinet.notifications"), d)
	return nil
}

func (c *Console) cabinetRead(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "no notification %q", q.r.PathValue("id"))
	}
	if err := notify.MarkRead(q.ctx(), c.d.DB, c.d.Now().UTC(), q.user.ID, id); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/cabinet/notifications", http.StatusSeeOther)
	return nil
}

type trackData struct {
	Asked  bool
	Result *convo.Tracked
}

// trackPage is public (R7): number and access code give the state, the
// failure's number and level, planned and actual fix — nothing else. A
// wrong code reads exactly as an unknown number; attempts are limited.
func (c *Console) trackPage(q *req) error {
	q.w.Header().Set("Referrer-Policy", "no-referrer") // the access code is in the URL
	v := q.r.URL.Query()
	d := &trackData{}
	p := c.page(q, q.L.T("track.title"), d)
	number, code := strings.TrimSpace(v.Get("number")), strings.TrimSpace(v.Get("code"))
	p.Form.Set("number", number)
	status := http.StatusOK
	if v.Has("number") || v.Has("code") {
		d.Asked = true
		if number == "" {
			p.Errors["number"] = q.L.T("track.need_number")
		}
		if code == "" {
			p.Errors["code"] = q.L.T("track.need_code")
		}
		if len(p.Errors) > 0 {
			c.renderPage(q, http.StatusBadRequest, "cabinet_track", p)
			return nil
		}
		if c.d.Convo == nil {
			return apperr.New(apperr.Unprocessable, "tracking is off")
		}
		t, err := c.d.Convo.TrackFrom(q.ctx(), clientAddr(q.r), number, code)
		switch {
		case err == nil:
			d.Result = &t
		case apperr.CodeOf(err) == apperr.NotFound:
			status, p.Notice = http.StatusNotFound, q.L.T("track.not_found")
		case apperr.CodeOf(err) == apperr.TooMany:
			status, p.Notice = http.StatusTooManyRequests, q.L.T("track.too_many")
		default:
			return err
		}
	}
	c.renderPage(q, status, "cabinet_track", p)
	return nil
}
