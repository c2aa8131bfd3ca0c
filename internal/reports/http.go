package reports

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/web"
)

// Mount adds the reports' routes (documented in web/openapi.d/094-reports.json).
func (s *Service) Mount(w *web.Server) {
	w.Route("GET /api/v1/reports/journal", auth.PermReportRead, s.getJournal)
	w.Route("GET /api/v1/reports/sla", auth.PermReportRead, s.getSLA)
	w.Route("GET /api/v1/reports/sla/charts/{chart}", auth.PermReportRead, s.getChart)
	w.JournalCSV = s.JournalCSV
}

// journalCSVFilters are the query parameters GET /api/v1/journal takes
// when asked for text/csv: the extract's filter (ParseFilter), not the
// listing's (state, q, paging), which the extract does not have.
var journalCSVFilters = []string{"from", "to", "profile", "organization", "bin", "lang"}

// JournalCSV is GET /api/v1/journal with Accept: text/csv (web.Server's
// JournalCSV): the same extract as GET /api/v1/reports/journal?format=csv
// (UTF-8 with a byte-order mark, the annex's columns, streamed in
// chunks), under the listing's permission; a portal user's extract is
// their organization's (bin), as their listing is.
func (s *Service) JournalCSV(w http.ResponseWriter, r *http.Request, bin string) error {
	v := apperr.Validation{}
	for key := range r.URL.Query() {
		if !slices.Contains(journalCSVFilters, key) {
			v.Add(key, "not a filter of the CSV extract; accepted: "+strings.Join(journalCSVFilters, ", ")+
				" (the JSON listing takes state, criticality, channel, q, limit, after)")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	f, err := s.Filter(r)
	if err != nil {
		return err
	}
	if bin != "" {
		if f.BIN != "" && f.BIN != bin {
			return apperr.New(apperr.Forbidden, "you see only your organization's appeals (BIN %s)", bin)
		}
		f.BIN = bin
	}
	return s.Download(w, r, f, "csv")
}

// Filter reads a request's filter (the console's form uses the same names).
func (s *Service) Filter(r *http.Request) (Filter, error) {
	return ParseFilter(r.URL.Query().Get, s.Now(), s.Zone)
}

func (s *Service) getJournal(w http.ResponseWriter, r *http.Request) error {
	format, err := Negotiate(r.URL.Query().Get("format"), r.Header.Get("Accept"))
	if err != nil {
		return err
	}
	f, err := s.Filter(r)
	if err != nil {
		return err
	}
	// E32–E33: the extract carries the reporters' contacts; the export is in
	// the access log (as the console's download), before its first byte.
	period := fmt.Sprintf("%02d.%02d.%04d–%02d.%02d.%04d", f.From.Day, int(f.From.Month), f.From.Year, f.To.Day, int(f.To.Month), f.To.Year)
	if err := audit.LogRead(r.Context(), s.DB, s.Now().UTC(), web.Principal(r).Actor(web.ClientAddr(r)), "journal", period, "journal_export"); err != nil {
		return apperr.Wrap(err, "access log")
	}
	return s.Download(w, r, f, format)
}

// Download streams the extract as an attachment. A failure before the
// first byte is the usual error answer; after it the connection is cut, so
// a truncated file is never taken for a whole one.
func (s *Service) Download(w http.ResponseWriter, r *http.Request, f Filter, format string) error {
	// A year's extract can take longer than the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	cw := &lazyWriter{w: w, start: func() {
		h := w.Header()
		h.Set("Content-Type", Formats[format])
		if format != "json" {
			h.Set("Content-Disposition", `attachment; filename="`+FileName(f, format)+`"`)
		}
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	}}
	if r.Method == http.MethodHead {
		cw.start()
		return nil
	}
	_, err := s.Export(r.Context(), cw, f, format)
	if err != nil && cw.started {
		panic(http.ErrAbortHandler)
	}
	return err
}

// lazyWriter sends the headers with the first byte, so an error found
// before any output still gets its 4xx.
type lazyWriter struct {
	w       io.Writer
	start   func()
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	return l.w.Write(p)
}

func (s *Service) getSLA(w http.ResponseWriter, r *http.Request) error {
	f, err := s.Filter(r)
	if err != nil {
		return err
	}
	c, err := s.Compliance(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Service) getChart(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSuffix(r.PathValue("chart"), ".svg")
	if !slices.Contains(ChartNames, name) {
		return invalid("chart", "one of "+strings.Join(ChartNames, ", "))
	}
	f, err := s.Filter(r)
	if err != nil {
		return err
	}
	c, err := s.Compliance(r.Context(), f)
	if err != nil {
		return err
	}
	svg := DaysSVG(c, f.Lang)
	if name == "use" {
		svg = UseSVG(c, f.Lang)
	}
	w.Header().Set("Content-Type", "image/svg+xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(svg)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, err = io.WriteString(w, svg)
	}
	return err
}
