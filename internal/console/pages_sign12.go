package console

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/signature"
)

// Issue 12 (sign12): the yearly information (Q44) and the written reports
// (Q36.10, Q37.13) are signed on their pages with the incident page's
// widget (templates/_sign_widget.html, static/ncalayer.js): NCALayer, or
// the document downloaded, signed elsewhere and its .cms uploaded here.

func (c *Console) sign12Routes() {
	if c.d.Analysis == nil {
		return
	}
	c.route("GET /analysis/annual/{year}/sign/document", auth.PermIncidentTransition, c.annualSignDocument)
	c.route("POST /analysis/annual/{year}/sign", auth.PermIncidentTransition, c.annualSignUpload)
	c.route("GET /analysis/reports/{id}/sign/document", auth.PermIncidentTransition, c.reportSignDocument)
	c.route("POST /analysis/reports/{id}/sign", auth.PermIncidentTransition, c.reportSignUpload)
}

// signedPage is the data of a page whose sign section is not an
// incident's (its "document changed" words are general).
type signedPage interface{ signedDocument() }

func (*analysisAnnualData) signedDocument() {}
func (*analysisReportData) signedDocument() {}

// docSign is the sign section of the yearly information or a report.
type docSign struct {
	Action string // signature.ActJournalExtract or ActAuthorityReport
	URL    string // NCALayer's socket
	Off    bool   // no trust store: cannot be signed
	Signed *analysis.Signed
	Widget *signWidget // nil: nothing to sign now
	Wait   string      // the message key saying why not now
	PDF    string      // the signed yearly extract (PDF with the signature inside)
}

func (c *Console) docWidget(q *req, key, base, api string, version int, doc []byte) *signWidget {
	v := strconv.Itoa(version)
	return &signWidget{Key: key, Document: base64.StdEncoding.EncodeToString(doc), Post: api + "/sign", Body: `{"version":` + v + `}`,
		Reload: base + "?done=signed&lang=" + q.L.Lang + "#sign", Download: base + "/sign/document", Upload: base + "/sign", Hidden: [][2]string{{"version", v}}}
}

func (c *Console) annualSign(q *req, st analysis.Stored) (*docSign, error) {
	d := &docSign{Action: signature.ActJournalExtract, URL: c.ncalayerURL(), Off: c.d.Analysis.Signatures == nil}
	var err error
	if d.Signed, err = c.d.Analysis.AnnualSignature(q.ctx(), st); err != nil {
		return nil, err
	}
	q.w.Header().Set("Content-Security-Policy", cspWithNCALayer(c.ncalayerURL()))
	switch {
	case d.Signed != nil:
		if q.can(auth.PermReportRead) {
			d.PDF = "/api/v1/analysis/annual/" + st.Period + "/extract.pdf?lang=" + q.L.Lang
		}
	case d.Off || st.Status == "signed" || !q.can(auth.PermIncidentTransition):
	case len(st.Narrative.Missing()) > 0:
		d.Wait = "sign12.annual.wait"
	default:
		doc, err := analysis.AnnualDocument(st)
		if err != nil {
			return nil, err
		}
		d.Widget = c.docWidget(q, d.Action, "/analysis/annual/"+st.Period, "/api/v1/analysis/annual/"+st.Period, st.Version, doc)
	}
	return d, nil
}

func (c *Console) reportSign(q *req, w analysis.Written) (*docSign, error) {
	d := &docSign{Action: signature.ActAuthorityReport, URL: c.ncalayerURL(), Off: c.d.Analysis.Signatures == nil, Signed: w.Signature}
	q.w.Header().Set("Content-Security-Policy", cspWithNCALayer(c.ncalayerURL()))
	switch {
	case d.Signed != nil || d.Off || w.Status != "draft" || !q.can(auth.PermIncidentTransition):
	case w.Report.ReadyToSend() != nil:
		d.Wait = "sign12.report.wait"
	default:
		doc, err := analysis.ReportDocument(w)
		if err != nil {
			return nil, err
		}
		id := strconv.FormatInt(w.IncidentID, 10)
		d.Widget = c.docWidget(q, d.Action, "/analysis/reports/"+id, "/api/v1/analysis/reports/"+id, w.Version, doc)
	}
	return d, nil
}

func writeSignDocument(q *req, name string, doc []byte) error {
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(name)+`.json"`)
	_, err := q.w.Write(doc)
	return err
}

func (c *Console) annualSignDocument(q *req) error {
	st, err := c.d.Analysis.Get(q.ctx(), "annual", q.r.PathValue("year"))
	if err != nil {
		return err
	}
	doc, err := analysis.AnnualDocument(st)
	if err != nil {
		return err
	}
	return writeSignDocument(q, "annual-"+st.Period, doc)
}

func (c *Console) reportSignDocument(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.fail(q, http.StatusNotFound, q.L.T("err.notfound"))
		return nil
	}
	w, err := c.d.Analysis.WrittenOf(q.ctx(), id)
	if err != nil {
		return err
	}
	doc, err := analysis.ReportDocument(w)
	if err != nil {
		return err
	}
	return writeSignDocument(q, fmt.Sprintf("report-%d", id), doc)
}

// signUpload reads the upload form (version, document, the .cms file) and
// signs with do; a refusal is put on the page under the widget, in its
// language, naming why (signature.Code).
func (c *Console) signUpload(q *req, key string, do func(version int, s analysis.Signature) error) (*Page, error) {
	p := c.page(q, "", nil)
	version, _ := strconv.Atoi(q.r.PostFormValue("version"))
	doc, derr := base64.StdEncoding.DecodeString(q.r.PostFormValue("document"))
	cms, err := cmsFile(q)
	switch {
	case err != nil || len(cms) == 0:
		p.Errors["sign-"+key] = q.L.T("sign.err.no_file")
	case derr != nil || len(doc) == 0:
		p.Errors["sign-"+key] = q.L.T("sign12.err.stale")
	default:
		err = do(version, analysis.Signature{Document: doc, CMS: cms})
		if err == nil {
			return nil, nil
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code == apperr.Internal || ae.Code == apperr.Unavailable {
			return nil, err
		}
		_, stale := ae.Fields["document"]
		if stale || ae.Code == apperr.Conflict {
			p.Errors["sign-"+key] = q.L.T("sign12.err.stale")
		} else {
			p.Errors["sign-"+key] = refusalText(q.L, ae)
		}
	}
	p.Notice = q.L.T("sign.err.notice")
	return p, nil
}

func (c *Console) annualSignUpload(q *req) error {
	year := q.r.PathValue("year")
	by := q.user.Actor(clientAddr(q.r))
	p, err := c.signUpload(q, signature.ActJournalExtract, func(v int, s analysis.Signature) error {
		_, err := c.d.Analysis.Sign(q.ctx(), by, year, v, s)
		return err
	})
	if err != nil {
		return err
	}
	if p == nil {
		http.Redirect(q.w, q.r, "/analysis/annual/"+url.PathEscape(year)+"?done=signed#sign", http.StatusSeeOther)
		return nil
	}
	return c.analysisAnnualPage(q, http.StatusBadRequest, p, year)
}

func (c *Console) reportSignUpload(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.fail(q, http.StatusNotFound, q.L.T("err.notfound"))
		return nil
	}
	by := q.user.Actor(clientAddr(q.r))
	p, err := c.signUpload(q, signature.ActAuthorityReport, func(v int, s analysis.Signature) error {
		_, err := c.d.Analysis.SignReport(q.ctx(), by, id, v, s)
		return err
	})
	if err != nil {
		return err
	}
	if p == nil {
		http.Redirect(q.w, q.r, fmt.Sprintf("/analysis/reports/%d?done=signed#sign", id), http.StatusSeeOther)
		return nil
	}
	return c.analysisReportPage(q, http.StatusBadRequest, p)
}

// cmsText is the role change's NCALayer path: the CMS NCALayer gave, in
// base64, in the form's cms_text field (static/ncalayer.js).
func cmsText(q *req) ([]byte, error) {
	v := bytes.TrimSpace([]byte(q.r.PostFormValue("cms_text")))
	if len(v) == 0 {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(v), nil)))
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"cms": "the signature NCALayer gave is not base64"}}
	}
	return b, nil
}
