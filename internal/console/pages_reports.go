package console

import (
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/reports"
)

// reportsRoutes are the authorized body's and administrators' report
// pages (issue 13): a form, then the download or the compliance report.
func (c *Console) reportsRoutes() {
	if c.d.Reports == nil {
		return
	}
	c.route("GET /reports", auth.PermReportRead, c.reportsPage)
	c.route("GET /reports/journal", auth.PermReportRead, c.reportsJournal)
	c.route("GET /reports/sla", auth.PermReportRead, c.reportsSLA)
}

type reportsData struct {
	Profiles []string
	Formats  []string
	SLA      *slaView
}

// slaView is the compliance report as the page shows it.
type slaView struct {
	Rep        *reports.Compliance
	Rows       []slaRow
	Total      slaRow
	Days, Use  template.HTML // the SVG charts, drawn by internal/reports
	From, To   string
	ProfileArg string
}

type slaRow struct {
	Clock, Level, Basis                 string
	Ran, Met, Breached, Paused, Running int
	Share, P50, P90                     string
	Worst                               []slaCase
}

type slaCase struct {
	IncidentID                       int64
	Incident, Appeal, Deadline, Over string
	Open                             bool // still overdue
}

// localDate reads a console date: ДД.ММ.ГГГГ as the form's placeholder
// says, or YYYY-MM-DD; it returns the API's form.
var dmy = regexp.MustCompile(`^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$`)

func localDate(s string) string {
	if m := dmy.FindStringSubmatch(s); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		return m[3] + "-" + pad2(mo) + "-" + pad2(d)
	}
	return s
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func dotted(d calendar.Date) string {
	return pad2(d.Day) + "." + pad2(int(d.Month)) + "." + strconv.Itoa(d.Year)
}

// reportsForm renders the forms with what was asked, the bad fields marked.
func (c *Console) reportsForm(q *req, code int, data *reportsData, bad error) {
	data.Formats = reports.FormatNames
	data.Profiles = regulation.Default().Names()
	p := c.page(q, q.L.T("reports.title"), data)
	v := q.r.URL.Query()
	now := calendar.DateOf(c.d.Now().In(c.d.Zone))
	p.Form.Set("from", dotted(calendar.D(now.Year, time.January, 1)))
	p.Form.Set("to", dotted(now))
	p.Form.Set("format", "xlsx")
	for _, k := range []string{"from", "to", "profile", "organization", "bin", "format", "doclang"} {
		if s := v.Get(k); s != "" {
			p.Form.Set(k, s)
		}
	}
	if p.Form.Get("doclang") == "" {
		p.Form.Set("doclang", q.L.Lang)
	}
	if ae, ok := bad.(*apperr.Error); ok {
		for f := range ae.Fields {
			if f == "lang" {
				f = "doclang"
			}
			p.Errors[f] = q.L.T("reports.bad_" + f)
		}
	}
	c.renderPage(q, code, "reports", p)
}

func (c *Console) reportsPage(q *req) error {
	c.reportsForm(q, http.StatusOK, &reportsData{}, nil)
	return nil
}

// filter reads the form: dates as ДД.ММ.ГГГГ, the document's language
// (doclang: the page's own is lang).
func (c *Console) reportsFilter(q *req) (reports.Filter, error) {
	v := q.r.URL.Query()
	get := func(k string) string {
		switch k {
		case "from", "to":
			return localDate(v.Get(k))
		case "lang":
			if l := v.Get("doclang"); l != "" {
				return l
			}
			return q.L.Lang
		}
		return v.Get(k)
	}
	return reports.ParseFilter(get, c.d.Now(), c.d.Zone)
}

func (c *Console) reportsJournal(q *req) error {
	format, err := reports.Negotiate(q.r.URL.Query().Get("format"), "")
	if err != nil {
		c.reportsForm(q, http.StatusBadRequest, &reportsData{}, err)
		return nil
	}
	f, err := c.reportsFilter(q)
	if err != nil {
		c.reportsForm(q, http.StatusBadRequest, &reportsData{}, err)
		return nil
	}
	// E32–E33: the extract carries the reporters' contacts; the export is
	// logged (pages_sig12.go) before the first byte leaves.
	if err := c.logRead(q, "journal", dotted(f.From)+"–"+dotted(f.To), "journal_export"); err != nil {
		return err
	}
	// A long export's progress, when the page asked (exportjobs.go).
	job := startExport(q)
	if job != nil {
		f.Progress = func(n int) { job.rows.Store(int64(n)) }
	}
	// The page's headers (CSP, no-store) stay; the file says what it is.
	err = c.d.Reports.Download(q.w, q.r, f, format)
	job.finish(err)
	return err
}

func (c *Console) reportsSLA(q *req) error {
	f, err := c.reportsFilter(q)
	if err != nil {
		c.reportsForm(q, http.StatusBadRequest, &reportsData{}, err)
		return nil
	}
	rep, err := c.d.Reports.Compliance(q.ctx(), f)
	if err != nil {
		return err
	}
	lang := q.L.Lang
	view := &slaView{Rep: rep, From: dotted(f.From), To: dotted(f.To), ProfileArg: f.Profile,
		Days: template.HTML(reports.DaysSVG(rep, lang)), Use: template.HTML(reports.UseSVG(rep, lang))}
	pct := func(x float64) string { return strconv.Itoa(int(x*100+0.5)) + " %" }
	for _, g := range rep.Groups {
		r := slaRow{Clock: q.L.Label("clock", g.Clock), Basis: q.L.Cite(g.Basis), Ran: g.Ran, Met: g.Met, Breached: g.Breached,
			Paused: g.Paused, Running: g.Running, Share: "—", P50: "—", P90: "—"}
		if g.Level != "" {
			r.Level = q.L.Label("crit", g.Level)
		}
		if g.Met+g.Breached > 0 {
			r.Share, r.P50, r.P90 = pct(g.MetShare), pct(g.P50), pct(g.P90)
		}
		for _, w := range g.Worst {
			r.Worst = append(r.Worst, slaCase{IncidentID: w.IncidentID, Incident: w.IncidentNumber, Appeal: w.Appeal,
				Deadline: q.L.Time(w.Deadline), Over: q.L.Duration(w.Over), Open: w.DoneAt.IsZero()})
		}
		view.Rows = append(view.Rows, r)
	}
	t := rep.Total
	view.Total = slaRow{Ran: t.Ran, Met: t.Met, Breached: t.Breached, Paused: t.Paused, Running: t.Running, Share: "—"}
	if t.Met+t.Breached > 0 {
		view.Total.Share = pct(t.MetShare)
	}
	c.reportsForm(q, http.StatusOK, &reportsData{SLA: view}, nil)
	return nil
}
