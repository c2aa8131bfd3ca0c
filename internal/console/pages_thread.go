package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/convo"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/textmod"
)

// The appeal's conversation on its page (issue 10): the mail it came by
// and its follow-ups (internal/intake/mailin), the cabinet's messages,
// staff replies, information requests and internal notes
// (internal/convo), oldest first, with their files; each staff reply with
// what became of its email and cabinet notices (internal/notify). Staff
// reply from the page; a text module is inserted into the reply box, with
// the script at the cursor, without it by a select and a button.

func (c *Console) threadRoutes() {
	c.route(staffReply, auth.PermIncidentTransition, c.appealReply)
}

type conversation struct {
	Entries []threadEntry
	Modules []moduleChoice
	// ReporterLang is the language the reporter is written to; the text
	// modules are offered in it first.
	ReporterLang string
	Langs        []string
	CanReply     bool
}

type threadEntry struct {
	At       time.Time
	Kind     string // mail, or a convo kind (reply, staff_reply, info_request, note, closing)
	Via      string
	Author   string
	Subject  string
	Text     string
	Internal bool
	Files    []threadFile
	// Delivery is a staff reply's notices (email and cabinet rows).
	Delivery []notify.Row
	Reply    bool // a staff reply: Delivery is meaningful
}

type threadFile struct {
	Name    string
	URL     string
	Size    int64
	Blocked bool // infected: never served (Q26)
}

// moduleChoice is a text module filled from this appeal, per language.
type moduleChoice struct {
	ID     int64
	Name   string
	Filled map[string]string
}

// conversation assembles the thread, the text modules and what the reply
// box needs; each part is skipped when its service is not wired.
func (c *Console) conversation(q *req, a journal.Appeal, inc journal.IncidentView) (*conversation, error) {
	cv := &conversation{Langs: Languages, ReporterLang: "ru", CanReply: c.d.Convo != nil && q.can(auth.PermIncidentTransition)}
	if a.ContactEmail != "" {
		l, err := notify.ReporterLanguage(q.ctx(), c.d.DB.R, a.ContactEmail)
		if err != nil {
			return nil, err
		}
		cv.ReporterLang = l
	}
	if c.d.MailIn != nil {
		ms, err := c.d.MailIn.Thread(q.ctx(), a.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			e := threadEntry{At: m.ReceivedAt, Kind: "mail", Via: "email", Author: m.From.Address, Subject: m.Subject, Text: m.Text}
			for _, at := range m.Attachments {
				e.Files = append(e.Files, threadFile{Name: at.Filename, Size: at.Size, Blocked: strings.HasPrefix(at.Scan, "infected"),
					URL: "/api/v1/appeals/" + url.PathEscape(a.Number) + "/messages/" + strconv.FormatInt(m.ID, 10) + "/attachments/" + strconv.Itoa(at.Index)})
			}
			cv.Entries = append(cv.Entries, e)
		}
	}
	if c.d.Convo != nil {
		ms, err := c.d.Convo.Thread(q.ctx(), a, !q.user.Role.PortalUser())
		if err != nil {
			return nil, err
		}
		rows, err := notify.List(q.ctx(), c.d.DB.R, notify.Filter{EventPrefix: "appeal.reply:" + a.Number + ":", Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Via == "email" && c.d.MailIn != nil {
				continue // the reporter's email: shown above as the mail itself, with its attachments
			}
			e := threadEntry{At: m.CreatedAt, Kind: m.Kind, Via: m.Via, Author: m.Author, Text: m.Text, Internal: m.Internal,
				Reply: m.Kind == convo.KindStaffReply}
			for _, f := range m.Files {
				e.Files = append(e.Files, threadFile{Name: f.Filename, Size: f.Size, URL: "/api/v1/files/" + strconv.FormatInt(f.ID, 10)})
			}
			if e.Reply {
				ev := events.StaffReply(a.Number, m.ID)
				for _, r := range rows {
					if r.Event == ev {
						e.Delivery = append(e.Delivery, r)
					}
				}
				slices.SortFunc(e.Delivery, func(x, y notify.Row) int { return int(x.ID - y.ID) })
			}
			cv.Entries = append(cv.Entries, e)
		}
	}
	slices.SortStableFunc(cv.Entries, func(x, y threadEntry) int { return x.At.Compare(y.At) })
	if cv.CanReply && c.d.TextModules != nil {
		ms, err := c.d.TextModules.List(q.ctx())
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			mc := moduleChoice{ID: m.ID, Name: m.Name, Filled: map[string]string{}}
			for _, l := range textmod.Languages {
				mc.Filled[l] = c.fillModule(q, m.Body[l], l, a, inc)
			}
			cv.Modules = append(cv.Modules, mc)
		}
	}
	return cv, nil
}

// fillModule fills a text from the appeal, its dates in the desk's zone
// and the words for "not set yet" in the text's language.
func (c *Console) fillModule(q *req, text, lang string, a journal.Appeal, inc journal.IncidentView) string {
	l := &L{Lang: lang, c: c.cat, zone: c.d.Zone}
	when := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return l.Time(t)
	}
	operator := q.user.FullName
	if operator == "" {
		operator = q.user.Login
	}
	return textmod.Fill(text, map[string]string{
		"appeal_number": a.Number, "incident_number": a.IncidentNumber, "organization": a.Organization,
		"received_at": when(&a.ReceivedAt), "planned_fix_at": when(inc.PlannedFixAt), "fixed_at": when(inc.FixedAt),
		"module": a.Module, "announcements": strings.Join(a.Announcements, ", "), "operator": operator,
	}, l.T("textmod.not_set"))
}

// appealReply sends a staff reply (or an internal note) through
// internal/convo: by email and to the cabinet, in the reporter's language,
// audited there. With "insert" it only puts the chosen text module into
// the reply box (the page without its script).
func (c *Console) appealReply(q *req) error {
	number := q.r.PathValue("number")
	if err := q.r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "bad form")
	}
	f := q.r.PostForm
	text := f.Get("text")
	// The files sent with the form are scanned and stored first (Q26); once
	// stored they ride along as ids, so a form shown again (a template
	// inserted, a field marked) keeps them and nothing is uploaded twice.
	fp := c.page(q, "", nil)
	ids, filesOK := c.attachments(q, fp)
	keep := func(p *Page) {
		p.Form.Set("text", text)
		p.Form.Set("internal", f.Get("internal"))
		p.Form.Del("attachments")
		for _, id := range ids {
			p.Form.Add("attachments", strconv.FormatInt(id, 10))
		}
	}
	if !filesOK {
		p, _, err := c.appealView(q, number)
		if err != nil {
			return err
		}
		keep(p)
		p.Errors["files"] = fp.Errors["files"]
		p.Notice = q.L.T("form.fix_marked")
		c.renderPage(q, http.StatusUnprocessableEntity, "appeal", p)
		return nil
	}
	if f.Get("insert") != "" {
		p, d, err := c.appealView(q, number)
		if err != nil {
			return err
		}
		keep(p)
		lang := f.Get("module_lang")
		id, _ := strconv.ParseInt(f.Get("text_module"), 10, 64)
		i := slices.IndexFunc(d.Conv.Modules, func(m moduleChoice) bool { return m.ID == id })
		if i < 0 || !slices.Contains(Languages, lang) {
			p.Errors["text_module"] = q.L.T("thread.bad_module")
			c.renderPage(q, http.StatusBadRequest, "appeal", p)
			return nil
		}
		if t := strings.TrimRight(text, " \r\n"); t != "" {
			text = t + "\n\n"
		}
		p.Form.Set("text", text+d.Conv.Modules[i].Filled[lang])
		p.Form.Set("text_module", f.Get("text_module"))
		p.Form.Set("module_lang", lang)
		c.renderPage(q, http.StatusOK, "appeal", p)
		return nil
	}
	if c.d.Convo == nil {
		return apperr.New(apperr.NotFound, "the conversation is not wired")
	}
	_, err := c.d.Convo.Write(q.ctx(), *q.user, clientAddr(q.r), number, convo.Post{Text: text, Internal: f.Get("internal") != "", Attachments: ids})
	if err != nil {
		p, _, verr := c.appealView(q, number)
		if verr != nil {
			return verr
		}
		if !c.formErrors(p, err) {
			return err
		}
		if _, bad := p.Errors["text"]; bad && q.L.Lang != "en" {
			p.Errors["text"] = q.L.T("thread.bad_text", convo.MaxText)
		}
		if _, bad := p.Errors["attachments"]; bad {
			p.Errors["files"], ids = q.L.T("bad.files"), nil
		}
		keep(p)
		c.renderPage(q, http.StatusBadRequest, "appeal", p)
		return nil
	}
	done := "replied"
	if f.Get("internal") != "" {
		done = "noted"
	}
	http.Redirect(q.w, q.r, "/appeals/"+url.PathEscape(number)+"?done="+done+"#thread", http.StatusSeeOther)
	return nil
}
