package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/vocab"
)

// The authorized body's view and the staff's work on what the operator owes
// it (issue 13): the daily analyses (Q43), the annual information (Q44),
// the written reports (Q36.10, Q37.13) and the legal-assessment requests
// (Q19). The authority and the auditor read; staff generate, edit, send.
func (c *Console) analysisRoutes() {
	if c.d.Analysis == nil {
		return
	}
	c.route("GET /analysis", auth.PermIncidentRead, c.analysisIndex)
	c.route("POST /analysis/daily", auth.PermIncidentTransition, c.analysisGenerate)
	c.route("GET /analysis/daily/{date}", auth.PermIncidentRead, c.analysisDaily)
	c.route("GET /analysis/annual/{year}", auth.PermIncidentRead, c.analysisAnnual)
	c.route("POST /analysis/annual/{year}", auth.PermIncidentTransition, c.analysisAnnualPost)
	c.route("GET /analysis/reports/{id}", auth.PermIncidentRead, c.analysisReport)
	c.route("POST /analysis/reports/{id}", auth.PermIncidentTransition, c.analysisReportPost)
}

// words gives templates the documents' words (internal/analysis) in the
// page's language, so the page and the downloaded document say the same.
type words struct{ lang string }

func (w words) W(key string) string { return analysis.Word(w.lang, key) }
func (w words) Bucket(by, key string) string {
	return analysis.BucketLabel(w.lang, by, key, CauseLabel)
}
func (w words) Deadline(kind string) string { return vocab.DeadlineKind(kind).Label(w.lang) }
func (w words) Level(level string) string   { return w.Bucket("by_level", orPending(level)) }

// Date is a stored day (YYYY-MM-DD) as the console writes dates: ДД.ММ.ГГГГ.
func (w words) Date(iso string) string {
	if d, err := calendar.ParseDate(iso); err == nil {
		return fmt.Sprintf("%02d.%02d.%04d", d.Day, int(d.Month), d.Year)
	}
	return iso
}
func (w words) Download(path, lang string) string {
	return path + "?" + url.Values{"format": {"text"}, "lang": {lang}}.Encode()
}

func orPending(level string) string {
	if level == "" {
		return "pending"
	}
	return level
}

type analysisIndexData struct {
	words
	Daily   []analysis.Stored
	Annual  []analysis.Stored
	Reports []analysis.Written
	Legal   []analysis.Legal
}

func (c *Console) analysisIndex(q *req) error {
	ctx, a := q.ctx(), c.d.Analysis
	d := &analysisIndexData{words: words{q.L.Lang}}
	var err error
	if d.Daily, err = a.List(ctx, "daily", 60); err != nil {
		return err
	}
	if d.Annual, err = a.List(ctx, "annual", 20); err != nil {
		return err
	}
	if d.Reports, err = a.Reports(ctx, 100); err != nil {
		return err
	}
	if d.Legal, err = a.Legals(ctx, 100); err != nil {
		return err
	}
	p := c.page(q, q.L.T("analysis.title"), d)
	if q.r.URL.Query().Get("done") != "" {
		p.Notice = q.L.T("incident.done")
	}
	c.renderPage(q, http.StatusOK, "analysis", p)
	return nil
}

// analysisGenerate makes the analysis of a past day on request (the
// scheduler makes them on working mornings; a day it missed, or one before
// the desk ran, is made here).
func (c *Console) analysisGenerate(q *req) error {
	date := q.r.PostFormValue("date")
	if d, err := calendar.ParseDate(date); err == nil {
		date = d.String()
	} else if t := c.localDate(date); t != "" {
		date = t
	}
	_, _, err := c.d.Analysis.Generate(q.ctx(), q.user.Actor(clientAddr(q.r)), "daily", date)
	if err != nil {
		p := c.page(q, q.L.T("analysis.title"), nil)
		if !c.formErrors(p, err) {
			return err
		}
		if p.Errors["date"] != "" {
			p.Errors["date"] = q.L.T("analysis.bad_date")
		}
		d := &analysisIndexData{words: words{q.L.Lang}}
		d.Daily, _ = c.d.Analysis.List(q.ctx(), "daily", 60)
		d.Annual, _ = c.d.Analysis.List(q.ctx(), "annual", 20)
		d.Reports, _ = c.d.Analysis.Reports(q.ctx(), 100)
		d.Legal, _ = c.d.Analysis.Legals(q.ctx(), 100)
		p.Data, p.Form = d, q.r.PostForm
		c.renderPage(q, http.StatusUnprocessableEntity, "analysis", p)
		return nil
	}
	http.Redirect(q.w, q.r, "/analysis/daily/"+date, http.StatusSeeOther)
	return nil
}

// localDate reads ДД.ММ.ГГГГ, as dates are typed in the console.
func (c *Console) localDate(v string) string {
	d, err := parseDMY(v)
	if err != nil {
		return ""
	}
	return d.String()
}

func parseDMY(v string) (calendar.Date, error) {
	if len(v) != 10 || v[2] != '.' || v[5] != '.' {
		return calendar.Date{}, strconv.ErrSyntax
	}
	return calendar.ParseDate(v[6:] + "-" + v[3:5] + "-" + v[:2])
}

type analysisDailyData struct {
	words
	Stored analysis.Stored
	Daily  analysis.Daily
	API    string
}

func (c *Console) analysisDaily(q *req) error {
	st, err := c.d.Analysis.Get(q.ctx(), "daily", q.r.PathValue("date"))
	if err != nil {
		return err
	}
	d := &analysisDailyData{words: words{q.L.Lang}, Stored: st, API: "/api/v1/analysis/daily/" + st.Period}
	if err := json.Unmarshal(st.Body, &d.Daily); err != nil {
		return err
	}
	c.render(q, http.StatusOK, "analysis_daily", q.L.T("analysis.daily_of", d.Date(st.Period)), d)
	return nil
}

type analysisAnnualData struct {
	words
	Stored analysis.Stored
	Annual analysis.Annual
	API    string
	Sign   *docSign // the EDS of Q44 (pages_sign12.go)
}

func (c *Console) analysisAnnualPage(q *req, code int, p *Page, year string) error {
	st, err := c.d.Analysis.Get(q.ctx(), "annual", year)
	if err != nil {
		return err
	}
	d := &analysisAnnualData{words: words{q.L.Lang}, Stored: st, API: "/api/v1/analysis/annual/" + st.Period}
	if err := json.Unmarshal(st.Body, &d.Annual); err != nil {
		return err
	}
	if d.Sign, err = c.annualSign(q, st); err != nil {
		return err
	}
	if p == nil {
		p = c.page(q, q.L.T("analysis.annual_of", st.Period), d)
	} else {
		p.Title, p.Data = q.L.T("analysis.annual_of", st.Period), d
	}
	c.renderPage(q, code, "analysis_annual", p)
	return nil
}

func (c *Console) analysisAnnual(q *req) error {
	var p *Page
	if done := q.r.URL.Query().Get("done"); done != "" {
		p = c.page(q, "", nil)
		p.Notice = q.L.T("incident.done")
		if done == "signed" {
			p.Notice = q.L.T("sign.done")
		}
	}
	return c.analysisAnnualPage(q, http.StatusOK, p, q.r.PathValue("year"))
}

func (c *Console) analysisAnnualPost(q *req) error {
	year, f := q.r.PathValue("year"), q.r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	by := q.user.Actor(clientAddr(q.r))
	// Signing is the sign section's (an EDS, issue 12: pages_sign12.go).
	_, err := c.d.Analysis.SetNarrative(q.ctx(), by, year, analysis.Narrative{Causes: f.Get("causes"), Actions: f.Get("actions"),
		Results: f.Get("results"), Proposals: f.Get("proposals")}, version)
	if err != nil {
		p := c.page(q, "", nil)
		if !c.formErrors(p, err) {
			return err
		}
		for k := range p.Errors {
			p.Errors[k] = q.L.T("analysis.required")
		}
		p.Form = f
		return c.analysisAnnualPage(q, http.StatusUnprocessableEntity, p, year)
	}
	http.Redirect(q.w, q.r, "/analysis/annual/"+year+"?done=1", http.StatusSeeOther)
	return nil
}

type analysisReportData struct {
	words
	Written analysis.Written
	API     string
	Sign    *docSign // the report's EDS (pages_sign12.go)
}

func (c *Console) analysisReportPage(q *req, code int, p *Page) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.fail(q, http.StatusNotFound, q.L.T("err.notfound"))
		return nil
	}
	w, err := c.d.Analysis.WrittenOf(q.ctx(), id)
	if err != nil {
		return err
	}
	d := &analysisReportData{words: words{q.L.Lang}, Written: w, API: "/api/v1/analysis/reports/" + strconv.FormatInt(id, 10)}
	if d.Sign, err = c.reportSign(q, w); err != nil {
		return err
	}
	title := analysis.Word(q.L.Lang, "report.title") // the TF number is data: in the page, not the title
	if p == nil {
		p = c.page(q, title, d)
	} else {
		p.Title, p.Data = title, d
	}
	if len(p.Form) == 0 {
		p.Form = url.Values{"cause": {w.Report.Cause}, "actions": {w.Report.Actions}, "result": {w.Report.Result}, "proposals": {w.Report.Proposals}}
		if w.Report.Result == "fixed" { // the report is written in Russian, whatever the page's language
			p.Form.Set("result", analysis.Word("ru", "fixed"))
		}
	}
	c.renderPage(q, code, "analysis_report", p)
	return nil
}

func (c *Console) analysisReport(q *req) error {
	var p *Page
	if done := q.r.URL.Query().Get("done"); done != "" {
		p = c.page(q, "", nil)
		p.Notice = q.L.T("incident.done")
		if done == "signed" {
			p.Notice = q.L.T("sign.done")
		}
	}
	return c.analysisReportPage(q, http.StatusOK, p)
}

func (c *Console) analysisReportPost(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.fail(q, http.StatusNotFound, q.L.T("err.notfound"))
		return nil
	}
	f := q.r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	// A field the form does not carry is kept (a signed report is sent
	// as it was signed: its form has no fields).
	given := func(k string) *string {
		if _, ok := f[k]; !ok {
			return nil
		}
		v := f.Get(k)
		return &v
	}
	e := analysis.Edit{Cause: given("cause"), Actions: given("actions"), Result: given("result"), Proposals: given("proposals"), Version: version}
	by := q.user.Actor(clientAddr(q.r))
	if f.Get("action") == "send" {
		_, err = c.d.Analysis.SendReport(q.ctx(), by, id, e)
	} else {
		_, err = c.d.Analysis.EditReport(q.ctx(), by, id, e)
	}
	if err != nil {
		p := c.page(q, "", nil)
		if !c.formErrors(p, err) {
			return err
		}
		for k := range p.Errors {
			p.Errors[k] = q.L.T("analysis.required")
		}
		p.Form = f
		return c.analysisReportPage(q, http.StatusUnprocessableEntity, p)
	}
	http.Redirect(q.w, q.r, "/analysis/reports/"+strconv.FormatInt(id, 10)+"?done=1", http.StatusSeeOther)
	return nil
}
