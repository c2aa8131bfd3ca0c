package console

// The cabinet's later parts (issue 11): extensions granted to the
// organization's procedures on "my appeals"; the System sections of R2 on
// the report form and the R-escalation of a late request (shown to the
// requester, flagged to staff); /help, the approved answers of the
// knowledge base (Q21), and their suggestion on the report form;
// invitations of colleagues with the consents of E6–E7.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/intake/email"
	"tenderdesk/internal/invite"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/kb"
	"tenderdesk/internal/procurement"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/sla"
	"tenderdesk/internal/vocab"
)

// CabinetDeps are the cabinet's later services; zero fields turn their
// parts off.
type CabinetDeps struct {
	KB      *kb.Service
	Invites *invite.Service
	// Profile is the regulation profile the cabinet's appeals are
	// registered under (the desk's default): a Russian one asks for the
	// System section (R2).
	Profile string
	// Escalation is where a requester turns about a late request
	// (R-escalation); "" names the department without an address.
	Escalation string
	// PublicURL is the base of the links mailed (invitations); "" the
	// request's own host.
	PublicURL string
}

func (c *Console) cabinetMoreRoutes() {
	c.route("GET /help", "", c.helpPage)
	c.route("GET /help/{id}", "", c.helpArticle)
	c.route("GET /cabinet/invite", "*", c.inviteForm)
	c.route("POST /cabinet/invite", "*", c.invitePost)
	c.route("GET /invite/{token}", "", c.acceptForm)
	c.route("POST /invite/{token}", "", c.acceptPost)
}

// russian: the Russian profile's rules (R1–R5, R-escalation) apply.
func russian(profile string) bool { return strings.HasPrefix(profile, "ru-") }

// Sections are the System sections an appeal under the Russian profile
// names (R2), for the report form; nil under other profiles.
func (p *Page) Sections() []string {
	if p.q == nil || !russian(p.cab().Profile) {
		return nil
	}
	return email.SectionNames()
}

func (p *Page) cab() CabinetDeps { return p.deps.Cabinet }

// Late reports a late request (R-escalation): an appeal under the Russian
// profile whose term is past — a clock of it breached or running past its
// deadline (R6's auxiliary_function clock, paused while the requester is
// asked, so their wait extends the term). A request registered before the
// desk started that clock has its R6 term computed here from registration,
// while it is neither fixed, refuted nor closed. A request waiting on the
// requester's information (Q38's pause) is not the desk's lateness and is
// not flagged (docs/regulations.md, R-escalation).
func (p *Page) Late(a journal.Appeal, state journal.State, cs []clocks.View) bool {
	if !russian(a.Profile) {
		return false
	}
	now := p.deps.Now()
	if slices.ContainsFunc(cs, func(v clocks.View) bool {
		return v.State == "breached" || (v.State == "running" && !v.Deadline.IsZero() && now.After(v.Deadline))
	}) {
		return true
	}
	if slices.ContainsFunc(cs, func(v clocks.View) bool { return v.Clock == regulation.ClockAuxiliaryFunction }) {
		return false // the R6 clock is in cs and not late
	}
	switch state {
	case journal.Fixed, journal.Closed, journal.Refuted, journal.Merged, journal.InfoRequested:
		return false
	}
	return !p.deps.r6Deadline(a).IsZero() && now.After(p.deps.r6Deadline(a))
}

// r6Deadline is R6's term of a request for an auxiliary function: the end
// of working hours of the 3rd working day after registration, in the
// profile's calendar (with the administrator's overrides); zero without
// the clocks service or the term.
func (d *Deps) r6Deadline(a journal.Appeal) time.Time {
	if d.Clocks == nil {
		return time.Time{}
	}
	prof, err := d.Clocks.Profile(a.Profile)
	if err != nil {
		return time.Time{}
	}
	t, err := sla.Deadline(prof, sla.Spec{Clock: regulation.ClockAuxiliaryFunction, At: a.RegisteredAt})
	if err != nil {
		return time.Time{}
	}
	return t
}

// Escalation is the address of R-escalation, "" when not set.
func (p *Page) Escalation() string { return p.cab().Escalation }

// EscalationLink is a mailto: naming the request's number in the subject.
func (p *Page) EscalationLink(number string) string {
	return "mailto:" + p.cab().Escalation + "?subject=" + url.PathEscape(p.L.T("escalation.subject", number))
}

// Deadline is a deadline kind in words.
func (l *L) Deadline(kind string) string { return vocab.DeadlineKind(kind).Label(l.Lang) }

// validSection checks the R2 section of a cabinet report: it marks the
// field and returns the problem ("" when the section is fine).
func (c *Console) validSection(p *Page, module string) string {
	if module == "" || !russian(c.d.Cabinet.Profile) || slices.Contains(email.SectionNames(), module) {
		return ""
	}
	p.Errors["module"] = p.L.T("section.unknown")
	return p.Errors["module"]
}

// granted are the extensions the appeal's failure gave the organization's
// procedures.
func (c *Console) granted(q *req, incidentID int64, bin string) ([]procurement.Granted, error) {
	if c.d.Procurement == nil {
		return nil, nil
	}
	return c.d.Procurement.GrantedTo(q.ctx(), incidentID, bin)
}

// appealClocks are the appeal's clocks (nil without the clocks service).
func (c *Console) appealClocks(q *req, number string) ([]clocks.View, error) {
	if c.d.Clocks == nil {
		return nil, nil
	}
	cs, _, err := c.d.Clocks.OfAppeal(q.ctx(), number)
	return cs, err
}

// suggestion is an approved answer matching a description (Q21), its
// question in the page's language.
type suggestion struct {
	ID       int64
	Question string
}

// suggest finds at most 5 approved answers matching text: in the page's
// language first, then in the others (a Kazakh page's user may well write
// in Russian); the questions are shown in the page's language.
func (c *Console) suggest(q *req, text string) []suggestion {
	if c.d.Cabinet.KB == nil || strings.TrimSpace(text) == "" {
		return nil
	}
	all, err := c.d.Cabinet.KB.List(q.ctx(), "approved")
	if err != nil {
		c.d.Log.Error("help: suggestions", "error", err.Error())
		return nil
	}
	terms := significant(text)
	var out []suggestion
	seen := map[int64]bool{}
	for _, lang := range append([]string{q.L.Lang}, slices.DeleteFunc(slices.Clone(Languages), func(l string) bool { return l == q.L.Lang })...) {
		for _, a := range kb.Search(all, lang, terms) {
			if !seen[a.ID] && len(out) < 5 {
				seen[a.ID] = true
				out = append(out, suggestion{a.ID, a.Question[q.L.Lang]})
			}
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}

// significant keeps the longer words of a description (kb.Search wants
// every word; a report has many a short one that no answer repeats) — the
// three longest, which name the subject.
func significant(text string) string {
	ws := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x400 && r <= 0x4ff)
	})
	ws = slices.DeleteFunc(ws, func(w string) bool { return len([]rune(w)) < 5 })
	slices.SortStableFunc(ws, func(a, b string) int { return len([]rune(b)) - len([]rune(a)) })
	ws = slices.Compact(ws)
	if len(ws) > 3 {
		ws = ws[:3]
	}
	for i, w := range ws { // a stem: "подписи" finds "подпись"
		if r := []rune(w); len(r) > 6 {
			ws[i] = string(r[:len(r)-2])
		}
	}
	return strings.Join(ws, " ")
}

type helpData struct {
	Query    string
	Articles []kb.Article
	Article  *kb.Article
}

// helpPage lists the approved answers (Q21), searchable with ?q=.
func (c *Console) helpPage(q *req) error {
	d := &helpData{Query: strings.TrimSpace(q.r.URL.Query().Get("q"))}
	if len(d.Query) > 200 {
		return &apperr.Error{Code: apperr.Invalid, Message: "q: at most 200 characters", Fields: map[string]string{"q": "at most 200 characters"}}
	}
	if c.d.Cabinet.KB != nil {
		all, err := c.d.Cabinet.KB.List(q.ctx(), "approved")
		if err != nil {
			return err
		}
		d.Articles = kb.Search(all, q.L.Lang, d.Query)
	}
	p := c.page(q, q.L.T("help.title"), d)
	p.Form.Set("q", d.Query)
	c.renderPage(q, http.StatusOK, "help", p)
	return nil
}

func (c *Console) helpArticle(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 || c.d.Cabinet.KB == nil {
		return apperr.New(apperr.NotFound, "no answer %q", q.r.PathValue("id"))
	}
	all, err := c.d.Cabinet.KB.List(q.ctx(), "approved")
	if err != nil {
		return err
	}
	i := slices.IndexFunc(all, func(a kb.Article) bool { return a.ID == id })
	if i < 0 { // a draft or a withdrawn answer is not public (Q21)
		return apperr.New(apperr.NotFound, "no answer %d", id)
	}
	c.render(q, http.StatusOK, "help", all[i].Question[q.L.Lang], &helpData{Article: &all[i]})
	return nil
}

type inviteData struct {
	Sent        []invite.Invitation
	CanInvite   bool
	Invitation  invite.Invitation
	Consents    []invite.Consent
	Token       string
	Created     string // the login created (acceptance)
	LangOptions []string
}

func (c *Console) inviteForm(q *req) error {
	return c.inviteRender(q, c.page(q, q.L.T("invite.title"), nil), http.StatusOK)
}

func (c *Console) inviteRender(q *req, p *Page, code int) error {
	d := &inviteData{CanInvite: invite.CanInvite(*q.user), LangOptions: Languages}
	if !d.CanInvite || c.d.Cabinet.Invites == nil {
		c.fail(q, http.StatusForbidden, q.L.T("err.forbidden", q.L.Label("role", q.user.Role)))
		return nil
	}
	var err error
	if d.Sent, err = c.d.Cabinet.Invites.Of(q.ctx(), q.user.BIN); err != nil {
		return err
	}
	if q.user.BIN == "" { // the authorized body: its own invitations only
		d.Sent = slices.DeleteFunc(d.Sent, func(i invite.Invitation) bool { return i.Role != q.user.Role })
	}
	if p.Form.Get("language") == "" {
		p.Form.Set("language", q.L.Lang)
	}
	p.Title, p.Data = q.L.T("invite.title"), d
	c.renderPage(q, code, "cabinet_invite", p)
	return nil
}

// base is where mailed links point: --public-url, else this request's host.
func (c *Console) base(q *req) string {
	if c.d.Cabinet.PublicURL != "" {
		return c.d.Cabinet.PublicURL
	}
	scheme := "http"
	if q.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + q.r.Host
}

func (c *Console) invitePost(q *req) error {
	if c.d.Cabinet.Invites == nil || !invite.CanInvite(*q.user) {
		c.fail(q, http.StatusForbidden, q.L.T("err.forbidden", q.L.Label("role", q.user.Role)))
		return nil
	}
	p := c.page(q, "", nil)
	p.Form = q.r.PostForm
	_, inv, err := c.d.Cabinet.Invites.Invite(q.ctx(), *q.user, clientAddr(q.r), c.base(q), q.r.PostFormValue("email"), q.r.PostFormValue("language"))
	if err != nil {
		if c.formErrors(p, err) {
			return c.inviteRender(q, p, http.StatusBadRequest)
		}
		return err
	}
	p.Form = url.Values{}
	p.Notice = q.L.T("invite.sent", inv.Email)
	return c.inviteRender(q, p, http.StatusCreated)
}

func (c *Console) acceptRender(q *req, p *Page, code int) error {
	tok := q.r.PathValue("token")
	// The token is in the URL: the console's Referrer-Policy same-origin
	// keeps it from other sites (no-referrer would make the form's POST
	// arrive with Origin: null, refused as cross-origin).
	if c.d.Cabinet.Invites == nil {
		return apperr.New(apperr.NotFound, "invitations are off")
	}
	inv, err := c.d.Cabinet.Invites.Open(q.ctx(), tok)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			c.fail(q, http.StatusNotFound, q.L.T("invite.gone"))
			return nil
		}
		return err
	}
	p.Title = q.L.T("invite.accept_title")
	p.Data = &inviteData{Invitation: inv, Consents: invite.Required(inv.Role), Token: tok}
	c.renderPage(q, code, "invite_accept", p)
	return nil
}

func (c *Console) acceptForm(q *req) error {
	return c.acceptRender(q, c.page(q, "", nil), http.StatusOK)
}

func (c *Console) acceptPost(q *req) error {
	if c.d.Cabinet.Invites == nil {
		return apperr.New(apperr.NotFound, "invitations are off")
	}
	p := c.page(q, "", nil)
	f := q.r.PostForm
	p.Form = f
	given := map[string]bool{}
	for _, id := range f["consent"] {
		given[id] = true
	}
	v := apperr.Validation{}
	if f.Get("password") != f.Get("password2") {
		v.Add("password2", "the passwords differ")
	}
	if err := v.Err(); err != nil {
		c.formErrors(p, err)
		return c.acceptRender(q, p, http.StatusBadRequest)
	}
	u, err := c.d.Cabinet.Invites.Accept(q.ctx(), q.r.PathValue("token"), clientAddr(q.r), invite.Acceptance{Login: f.Get("login"),
		Password: f.Get("password"), FullName: f.Get("full_name"), Lang: q.L.Lang, Consents: given})
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			c.fail(q, http.StatusNotFound, q.L.T("invite.gone"))
			return nil
		}
		if c.formErrors(p, err) {
			return c.acceptRender(q, p, http.StatusBadRequest)
		}
		return err
	}
	p.Title, p.Data = q.L.T("invite.done_title"), &inviteData{Created: u.Login}
	c.renderPage(q, http.StatusCreated, "invite_done", p)
	return nil
}

// inviteTTL is shown on the form.
var inviteTTLDays = int(invite.TTL / (24 * time.Hour))

// InviteDays is how many days an invitation can be accepted.
func (p *Page) InviteDays() int { return inviteTTLDays }

// Has says whether the submitted form had value among name's values (a
// checkbox shown again after an error keeps its tick).
func (p *Page) Has(name, value string) bool { return slices.Contains(p.Form[name], value) }
