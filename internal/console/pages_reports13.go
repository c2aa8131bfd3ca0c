package console

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
)

// Issue 13's console forms for the authorized body's two procedures:
// Q46, the authority's users register a written appeal forwarded to the
// operator, with the copy of the letter; Q19, staff record on the appeal
// page that it needs a legal assessment, that the request was sent, and the
// answer.

const (
	letterPost = "POST /analysis/letters"
	legalPost  = "POST /appeals/{number}/legal"
)

func (c *Console) reports13Routes() {
	if c.d.Reports != nil {
		c.exportRoutes()
	}
	if c.d.Analysis == nil {
		return
	}
	c.route("GET /analysis/letters/new", auth.PermAuthorityLetter, c.letterForm)
	c.route(letterPost, auth.PermAuthorityLetter, c.letterPost)
	c.route(legalPost, auth.PermIncidentTransition, c.legalPost)
}

func (c *Console) letterForm(q *req) error {
	p := c.page(q, q.L.T("r13.letter_title"), nil)
	p.Form = url.Values{"received_at": {c.d.Now().In(c.d.Zone).Format("02.01.2006 15:04")}}
	c.renderPage(q, http.StatusOK, "analysis_letter", p)
	return nil
}

// letterPost registers the forwarded appeal on the authority channel with
// its copy (analysis.RegisterLetter: scanned, kept with the appeal).
func (c *Console) letterPost(q *req) error {
	f := q.r.PostForm
	p := c.page(q, q.L.T("r13.letter_title"), nil)
	p.Form = f
	var content []byte
	name, ctype := "", ""
	if file, h, err := q.r.FormFile("copy"); err == nil {
		content, err = io.ReadAll(io.LimitReader(file, analysis.MaxLetter+1))
		file.Close()
		if err != nil {
			return err
		}
		name, ctype = h.Filename, h.Header.Get("Content-Type")
	} else if !errors.Is(err, http.ErrMissingFile) {
		p.Errors["copy.content"] = q.L.T("r13.copy_too_big")
	}
	l := analysis.Letter{Ref: f.Get("letter_ref"), Copy: analysis.Copy{FileName: name, ContentType: ctype, Content: content},
		Appeal: journal.NewAppeal{Organization: f.Get("organization"), BIN: f.Get("bin"), ContactEmail: f.Get("contact_email"),
			ContactPhone: f.Get("contact_phone"), Description: f.Get("description"), Module: f.Get("module"),
			ReceivedAt: c.localTime(p, "received_at", f.Get("received_at"))}}
	u := q.user
	caller := journal.Caller{Actor: u.Actor(clientAddr(q.r)), PortalUser: u.Role.PortalUser(), BIN: u.BIN, Organization: u.Organization, Email: u.Email}
	var reg journal.Registration
	var err error
	if len(p.Errors) == 0 {
		reg, err = c.d.Analysis.RegisterLetter(q.ctx(), caller, l, f.Get("idem"))
	}
	if len(p.Errors) > 0 || err != nil {
		if err != nil && !c.formErrors(p, err) {
			return err
		}
		for k := range p.Errors {
			if k == "copy.content" && len(content) > analysis.MaxLetter {
				p.Errors[k] = q.L.T("r13.copy_too_big")
			} else if strings.HasPrefix(k, "copy.") || k == "letter_ref" {
				p.Errors[k] = q.L.T("r13.err." + k)
			}
		}
		if p.Notice == "" {
			p.Notice = q.L.T("form.fix_marked")
		}
		c.renderPage(q, http.StatusUnprocessableEntity, "analysis_letter", p)
		return nil
	}
	http.Redirect(q.w, q.r, "/appeals/"+url.PathEscape(reg.Number), http.StatusSeeOther)
	return nil
}

// Legal is the Q19 request of an appeal for its page's section; nil: none.
func (p *Page) Legal(number string) *analysis.Legal {
	if p.deps == nil || p.deps.Analysis == nil {
		return nil
	}
	l, err := p.deps.Analysis.LegalOf(p.q.ctx(), number)
	if err != nil {
		return nil
	}
	return &l
}

// HasLegal says whether the desk records Q19 requests (the section shows).
func (p *Page) HasLegal() bool { return p.deps != nil && p.deps.Analysis != nil }

// legalPost opens the request (action=open), records its sending
// (action=sent: meets the Q19 clock) or its answer (action=answer).
func (c *Console) legalPost(q *req) error {
	number, f := q.r.PathValue("number"), q.r.PostForm
	by := q.user.Actor(clientAddr(q.r))
	var err error
	switch f.Get("action") {
	case "open":
		_, err = c.d.Analysis.OpenLegal(q.ctx(), by, analysis.NewLegal{Appeal: number, Question: f.Get("question"), Addressee: f.Get("addressee")})
	case "sent":
		_, err = c.d.Analysis.LegalSent(q.ctx(), by, number)
	case "answer":
		_, err = c.d.Analysis.LegalAnswer(q.ctx(), by, number, f.Get("answer"))
	default:
		err = &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"action": "open, sent or answer"}}
	}
	if err == nil {
		http.Redirect(q.w, q.r, "/appeals/"+url.PathEscape(number)+"#legal", http.StatusSeeOther)
		return nil
	}
	p, d, verr := c.appealView(q, number)
	if verr != nil {
		return verr
	}
	if !c.formErrors(p, err) {
		return err
	}
	errs := map[string]string{}
	for k := range p.Errors {
		errs["legal."+k] = q.L.T("r13.err.legal")
	}
	var ae *apperr.Error
	if asAppErr(err, &ae) && ae.Code == apperr.NotFound && f.Get("action") == "open" {
		errs["legal.question"] = q.L.T("r13.err.no_q19")
	}
	p.Errors = errs
	p.Form = f
	if d.Appeal.ContactEmail != "" || d.Appeal.ContactPhone != "" { // E32–E33, as the appeal page
		if err := c.logRead(q, "appeal", d.Appeal.Number, "reporter_contact"); err != nil {
			return err
		}
	}
	c.renderPage(q, http.StatusUnprocessableEntity, "appeal", p)
	return nil
}
