package analysis

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/vocab"
	"tenderdesk/internal/web"
)

// Mount adds the routes (documented in web/openapi.d/095-analysis.json).
// Reading is for staff, the authorized body and the auditor
// (incident:read); generating, editing and sending for staff who handle
// failures (incident:transition).
func (s *Service) Mount(w *web.Server) {
	if w.BodyLimits == nil {
		w.BodyLimits = map[string]int64{}
	}
	w.BodyLimits["POST /api/v1/analysis/letters"] = MaxLetter*4/3 + 1<<20 // base64 of the copy, and the appeal
	w.Route("GET /api/v1/analysis/daily", auth.PermIncidentRead, s.listHandler("daily"))
	w.Route("GET /api/v1/analysis/daily/{date}", auth.PermIncidentRead, s.getHandler("daily"))
	w.Route("POST /api/v1/analysis/daily/{date}", auth.PermIncidentTransition, s.generateHandler("daily"))
	w.Route("GET /api/v1/analysis/annual", auth.PermIncidentRead, s.listHandler("annual"))
	w.Route("GET /api/v1/analysis/annual/{year}", auth.PermIncidentRead, s.getHandler("annual"))
	w.Route("POST /api/v1/analysis/annual/{year}", auth.PermIncidentTransition, s.generateHandler("annual"))
	w.Route("PUT /api/v1/analysis/annual/{year}/narrative", auth.PermIncidentTransition, s.putNarrative)
	w.Route("GET /api/v1/analysis/annual/{year}/document", auth.PermIncidentTransition, s.annualDocument)
	w.Route("POST /api/v1/analysis/annual/{year}/sign", auth.PermIncidentTransition, s.postSign)
	w.Route("GET /api/v1/analysis/annual/{year}/extract.pdf", auth.PermReportRead, s.signedExtract)
	w.Route("GET /api/v1/analysis/reports", auth.PermIncidentRead, s.listReports)
	w.Route("GET /api/v1/analysis/reports/{id}", auth.PermIncidentRead, s.getReport)
	w.Route("PATCH /api/v1/analysis/reports/{id}", auth.PermIncidentTransition, s.patchReport)
	w.Route("POST /api/v1/analysis/reports/{id}/send", auth.PermIncidentTransition, s.sendReport)
	w.Route("GET /api/v1/analysis/reports/{id}/document", auth.PermIncidentTransition, s.reportDocument)
	w.Route("POST /api/v1/analysis/reports/{id}/sign", auth.PermIncidentTransition, s.postReportSign)
	w.Route("GET /api/v1/analysis/reports/{id}/signature", auth.PermIncidentRead, s.reportSignature)
	w.Route("GET /api/v1/analysis/incidents/{id}/answer", auth.PermIncidentRead, s.getAnswer)
	w.Route("POST /api/v1/analysis/letters", auth.PermAuthorityLetter, s.postLetter)
	w.Route("GET /api/v1/analysis/letters/{number}", auth.PermIncidentRead, s.getLetter)
	w.Route("GET /api/v1/analysis/letters/{number}/copy", auth.PermIncidentRead, s.getLetterCopy)
	w.Route("GET /api/v1/analysis/legal", auth.PermIncidentRead, s.listLegal)
	w.Route("POST /api/v1/analysis/legal", auth.PermIncidentTransition, s.postLegal)
	w.Route("GET /api/v1/analysis/legal/{number}", auth.PermIncidentRead, s.getLegal)
	w.Route("POST /api/v1/analysis/legal/{number}/sent", auth.PermIncidentTransition, s.postLegalSent)
	w.Route("POST /api/v1/analysis/legal/{number}/answer", auth.PermIncidentTransition, s.postLegalAnswer)
}

func actor(r *http.Request) audit.Actor { return web.Principal(r).Actor(web.ClientAddr(r)) }

// period is the path's date or year, checked.
func period(r *http.Request, kind string) (string, error) {
	if kind == "daily" {
		d, err := calendar.ParseDate(r.PathValue("date"))
		if err != nil {
			return "", fieldErr("date", "a date YYYY-MM-DD")
		}
		return d.String(), nil
	}
	y, err := parseYear(r.PathValue("year"))
	if err != nil {
		return "", err
	}
	return strconv.Itoa(y), nil
}

func limitOf(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, fieldErr("limit", "an integer 1–1000")
	}
	return n, nil
}

func (s *Service) listHandler(kind string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, err := limitOf(r)
		if err != nil {
			return err
		}
		xs, err := s.List(r.Context(), kind, n)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, map[string]any{"analyses": xs})
		return nil
	}
}

// Format is how a document is asked for: format=json|text, else by Accept
// (text/plain → text); lang=ru|kk|en for the text.
func Format(r *http.Request) (format, lang string, err error) {
	q := r.URL.Query()
	format = q.Get("format")
	if format == "" {
		format = "json"
		for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
			if mt, _, e := mime.ParseMediaType(strings.TrimSpace(part)); e == nil && mt == "text/plain" {
				format = "text"
				break
			}
		}
	}
	if format != "json" && format != "text" {
		return "", "", fieldErr("format", "json or text")
	}
	lang = q.Get("lang")
	if lang == "" {
		lang = "ru"
	}
	if lang != "ru" && lang != "kk" && lang != "en" {
		return "", "", fieldErr("lang", "ru, kk or en")
	}
	return format, lang, nil
}

// Text renders a stored analysis as a document in lang.
func (s *Service) Text(st Stored, lang string) (string, error) {
	if st.Kind == "daily" {
		var x Daily
		if err := json.Unmarshal(st.Body, &x); err != nil {
			return "", err
		}
		return DailyText(x, lang, s.CauseLabel), nil
	}
	var x Annual
	if err := json.Unmarshal(st.Body, &x); err != nil {
		return "", err
	}
	return AnnualText(x, st, lang, s.CauseLabel), nil
}

func writeText(w http.ResponseWriter, name, lang, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	_, _ = w.Write([]byte("\ufeff" + text)) // BOM: office and text apps open the Cyrillic right
}

func (s *Service) getHandler(kind string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		format, lang, err := Format(r) // the query first: a bad parameter is named whatever the path
		if err != nil {
			return err
		}
		p, err := period(r, kind)
		if err != nil {
			return err
		}
		st, err := s.Get(r.Context(), kind, p)
		if err != nil {
			return err
		}
		if st.Signature, err = s.AnnualSignature(r.Context(), st); err != nil {
			return err
		}
		if format == "text" {
			t, err := s.Text(st, lang)
			if err != nil {
				return err
			}
			writeText(w, fmt.Sprintf("analysis-%s-%s-%s.txt", kind, p, lang), lang, t)
			return nil
		}
		web.WriteJSON(w, http.StatusOK, st)
		return nil
	}
}

func (s *Service) generateHandler(kind string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := period(r, kind)
		if err != nil {
			return err
		}
		st, made, err := s.Generate(r.Context(), actor(r), kind, p)
		if err != nil {
			return err
		}
		code := http.StatusOK
		if made {
			code = http.StatusCreated
		}
		web.WriteJSON(w, code, st)
		return nil
	}
}

func (s *Service) putNarrative(w http.ResponseWriter, r *http.Request) error {
	p, err := period(r, "annual")
	if err != nil {
		return err
	}
	var in struct {
		Narrative
		Version int `json:"version"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	v := apperr.Validation{}
	for _, f := range []struct{ k, v string }{{"causes", in.Causes}, {"actions", in.Actions}, {"results", in.Results}, {"proposals", in.Proposals}} {
		if len([]rune(f.v)) > 50000 {
			v.Add(f.k, "at most 50000 characters")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	st, err := s.SetNarrative(r.Context(), actor(r), p, in.Narrative, in.Version)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, st)
	return nil
}

func pathID(r *http.Request) (int64, error) {
	return web.PathID(r, func(_ string) error { return fieldErr("id", "a positive integer (the incident's id)") })
}

func (s *Service) listReports(w http.ResponseWriter, r *http.Request) error {
	n, err := limitOf(r)
	if err != nil {
		return err
	}
	xs, err := s.Reports(r.Context(), n)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"reports": xs})
	return nil
}

func (s *Service) getReport(w http.ResponseWriter, r *http.Request) error {
	format, lang, err := Format(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := s.WrittenOf(r.Context(), id)
	if err != nil {
		return err
	}
	if format == "text" {
		writeText(w, fmt.Sprintf("report-%s-%s.txt", x.Report.Number, lang), lang, ReportText(x, lang))
		return nil
	}
	web.WriteJSON(w, http.StatusOK, x)
	return nil
}

func (s *Service) patchReport(w http.ResponseWriter, r *http.Request) error {
	return s.reportChange(w, r, false)
}

func (s *Service) sendReport(w http.ResponseWriter, r *http.Request) error {
	return s.reportChange(w, r, true)
}

func (s *Service) reportChange(w http.ResponseWriter, r *http.Request, send bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var e Edit
	if err := web.Decode(r, &e); err != nil {
		return err
	}
	v := apperr.Validation{}
	for _, f := range []struct {
		k string
		v *string
	}{{"cause", e.Cause}, {"actions", e.Actions}, {"result", e.Result}, {"proposals", e.Proposals}} {
		if f.v != nil && len([]rune(*f.v)) > 20000 {
			v.Add(f.k, "at most 20000 characters")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	var x Written
	if send {
		x, err = s.SendReport(r.Context(), actor(r), id, e)
	} else {
		x, err = s.EditReport(r.Context(), actor(r), id, e)
	}
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, x)
	return nil
}

func (s *Service) getAnswer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.AnswerFor(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Service) postLetter(w http.ResponseWriter, r *http.Request) error {
	var l Letter
	if err := web.Decode(r, &l); err != nil {
		return err
	}
	p := web.Principal(r)
	if l.Appeal.IncidentID != 0 && !auth.Allowed(p.Role, auth.PermIncidentMerge) {
		return &apperr.Error{Code: apperr.Forbidden, Message: "only staff who merge appeals may name an incident",
			Fields: map[string]string{"appeal.incident_id": fmt.Sprintf("role %s lacks permission %s", p.Role, auth.PermIncidentMerge)}}
	}
	c := journal.Caller{Actor: actor(r), PortalUser: p.Role.PortalUser(), BIN: p.BIN, Organization: p.Organization, Email: p.Email}
	reg, err := s.RegisterLetter(r.Context(), c, l, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	code := http.StatusCreated
	if reg.Replayed {
		code = http.StatusOK
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/v1/appeals/"+reg.Number)
	web.WriteJSON(w, code, map[string]any{"registration": reg, "priority": Priority(string(vocab.Authority))})
	return nil
}

func (s *Service) getLetter(w http.ResponseWriter, r *http.Request) error {
	l, err := s.LetterOf(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Service) getLetterCopy(w http.ResponseWriter, r *http.Request) error {
	l, err := s.LetterOf(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	if s.Servable != nil {
		if err := s.Servable(r.Context(), l.Scan, strings.NewReader(string(l.content))); err != nil {
			return err
		}
	} else if l.Scan != "clean" {
		return apperr.New(apperr.Unprocessable, "the copy has not been checked for viruses; it is not served (Q26)")
	}
	w.Header().Set("Content-Type", l.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": l.FileName}))
	_, _ = w.Write(l.content)
	return nil
}

func (s *Service) listLegal(w http.ResponseWriter, r *http.Request) error {
	n, err := limitOf(r)
	if err != nil {
		return err
	}
	xs, err := s.Legals(r.Context(), n)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"requests": xs})
	return nil
}

func (s *Service) postLegal(w http.ResponseWriter, r *http.Request) error {
	var n NewLegal
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	l, err := s.OpenLegal(r.Context(), actor(r), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/analysis/legal/"+l.Appeal)
	web.WriteJSON(w, http.StatusCreated, l)
	return nil
}

func (s *Service) getLegal(w http.ResponseWriter, r *http.Request) error {
	l, err := s.LegalOf(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Service) postLegalSent(w http.ResponseWriter, r *http.Request) error {
	l, err := s.LegalSent(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Service) postLegalAnswer(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Answer string `json:"answer"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	l, err := s.LegalAnswer(r.Context(), actor(r), r.PathValue("number"), in.Answer)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, l)
	return nil
}
