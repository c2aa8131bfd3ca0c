package monitor

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/web"
)

// MaxLogBody bounds one POST of JSON lines.
const MaxLogBody = 16 << 20

// Mount adds the intake's routes (docs: internal/web/openapi.d/096-intake.json).
func (s *Service) Mount(w *web.Server) {
	if w.BodyLimits == nil {
		w.BodyLimits = map[string]int64{}
	}
	w.BodyLimits["POST /api/v1/intake/alertmanager"] = MaxWebhook
	w.BodyLimits["POST /api/v1/intake/logs"] = MaxLogBody
	w.Route("POST /api/v1/intake/alertmanager", auth.PermIntakeAlert, s.postAlertmanager)
	w.Route("POST /api/v1/intake/logs", auth.PermIntakeAlert, s.postLogs)
	w.Route("GET /api/v1/intake/status", auth.PermIncidentRead, s.getStatus)
	w.Route("GET /api/v1/intake/signals", auth.PermIncidentRead, s.getSignals)
	w.Route("POST /api/v1/intake/signals/{id}/confirm-fix", auth.PermIncidentTransition, s.confirmFix)
	w.Route("GET /api/v1/intake/probes", auth.PermIncidentRead, s.getProbes)
	w.Route("POST /api/v1/intake/probes", auth.PermIntakeManage, s.postProbe)
	w.Route("PUT /api/v1/intake/probes/{id}", auth.PermIntakeManage, s.putProbe)
	w.Route("GET /api/v1/intake/probes/{id}/results", auth.PermIncidentRead, s.getProbeResults)
	w.Route("POST /api/v1/intake/probes/{id}/check", auth.PermIntakeManage, s.postCheck)
	w.Route("GET /api/v1/intake/module-map", auth.PermIncidentRead, s.getModuleMap)
	w.Route("PUT /api/v1/intake/module-map", auth.PermIntakeManage, s.putModuleMap)
	w.Route("GET /api/v1/intake/log-rules", auth.PermIncidentRead, s.getLogRules)
	w.Route("POST /api/v1/intake/log-rules", auth.PermIntakeManage, s.postLogRule)
	w.Route("DELETE /api/v1/intake/log-rules/{id}", auth.PermIntakeManage, s.deleteLogRule)
}

// postAlertmanager is the webhook receiver: 200 once every alert of the
// payload is stored; a bad payload is refused whole (400 naming the
// field), so no part of it is half-accepted.
func (s *Service) postAlertmanager(w http.ResponseWriter, r *http.Request) error {
	hook, err := DecodeWebhook(r.Body)
	if err != nil {
		return err
	}
	evs, err := s.AlertmanagerEvents(r.Context(), hook, s.Now().UTC())
	if err != nil {
		return err
	}
	if err := s.Accept(r.Context(), evs); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"accepted": len(evs)})
	return nil
}

// postLogs takes JSON lines (one object a line): every line is checked
// first — a bad one refuses the body, naming "lines[N].field" — then the
// matching lines are stored before the answer.
func (s *Service) postLogs(w http.ResponseWriter, r *http.Request) error {
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 64<<10), MaxSyslogMessage)
	var lines []Line
	v := apperr.Validation{}
	for i := 1; sc.Scan(); i++ {
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		l, f, err := ParseJSONLine(b)
		if err != nil {
			v.Add(fmt.Sprintf("lines[%d].%s", i, f), err.Error())
			if len(v) >= 20 {
				break
			}
			continue
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.New(apperr.TooLarge, "body larger than %d bytes", tooBig.Limit)
		}
		if errors.Is(err, bufio.ErrTooLong) {
			return &apperr.Error{Code: apperr.Invalid, Message: "line too long",
				Fields: map[string]string{"lines": fmt.Sprintf("a line is at most %d bytes", MaxSyslogMessage)}}
		}
		return apperr.New(apperr.Invalid, "cannot read body: %v", err)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if len(lines) == 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "no lines", Fields: map[string]string{"lines": "required: one JSON object a line"}}
	}
	g := s.Logs()
	before := g.Stats().Matched
	now := s.Now().UTC()
	for _, l := range lines {
		g.Add(l, now)
	}
	if err := g.Flush(r.Context()); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"lines": len(lines), "matched": g.Stats().Matched - before})
	return nil
}

// Totals are the events a source stored, the alerts or lines they stand
// for, and how many are applied.
type Totals struct {
	Source  string `json:"source"`
	Events  int64  `json:"events"`
	Alerts  int64  `json:"alerts"`
	Applied int64  `json:"applied"`
}

// Status is what the intake has heard, for the console and the API.
type Status struct {
	Totals []Totals `json:"totals"`
	Logs   LogStats `json:"logs"`
}

// CurrentStatus sums the stored events per source.
func (s *Service) CurrentStatus(ctx context.Context) (Status, error) {
	st := Status{Totals: []Totals{}, Logs: s.Logs().Stats()}
	rows, err := s.DB.R.QueryContext(ctx, Q.EventTotals)
	if err != nil {
		return st, apperr.Wrap(err, "intake totals")
	}
	defer rows.Close()
	for rows.Next() {
		var t Totals
		if err := rows.Scan(&t.Source, &t.Events, &t.Alerts, &t.Applied); err != nil {
			return st, apperr.Wrap(err, "intake totals")
		}
		st.Totals = append(st.Totals, t)
	}
	return st, apperr.Wrap(rows.Err(), "intake totals")
}

func (s *Service) getStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.CurrentStatus(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, st)
	return nil
}

// Signal is one source's appeal on an open incident, with its count and
// the failure's start and fix-time candidate.
type Signal struct {
	ID             int64         `json:"id"`
	Source         string        `json:"source"`
	Module         string        `json:"module"`
	IncidentID     int64         `json:"incident_id"`
	IncidentNumber string        `json:"incident_number"`
	IncidentState  journal.State `json:"incident_state"`
	Appeal         string        `json:"appeal"`
	Status         string        `json:"status"`
	Title          string        `json:"title"`
	FirstAt        time.Time     `json:"failure_started_at"`
	LastAt         time.Time     `json:"last_at"`
	ResolvedAt     *time.Time    `json:"fixed_at_candidate,omitempty"`
	Count          int64         `json:"count"`
}

func scanSignal(r interface{ Scan(...any) error }) (Signal, error) {
	var g Signal
	var first, last, resolved store.Time
	err := r.Scan(&g.ID, &g.Source, &g.Module, &g.IncidentID, &g.IncidentNumber, &g.IncidentState, &g.Appeal, &g.Status, &g.Title,
		&first, &last, &resolved, &g.Count)
	g.FirstAt, g.LastAt, g.ResolvedAt = first.Time, last.Time, resolved.Ptr()
	return g, err
}

// Signals lists signals, newest first; incidentID 0: all.
func (s *Service) Signals(ctx context.Context, incidentID int64, limit int) ([]Signal, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.Signals, incidentID, limit)
	if err != nil {
		return nil, apperr.Wrap(err, "signals")
	}
	defer rows.Close()
	out := []Signal{}
	for rows.Next() {
		g, err := scanSignal(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "signals")
		}
		out = append(out, g)
	}
	return out, apperr.Wrap(rows.Err(), "signals")
}

func (s *Service) getSignals(w http.ResponseWriter, r *http.Request) error {
	q, v := r.URL.Query(), apperr.Validation{}
	var inc int64
	if q.Has("incident_id") {
		var err error
		if inc, err = strconv.ParseInt(q.Get("incident_id"), 10, 64); err != nil || inc <= 0 {
			v.Add("incident_id", "a positive incident id")
		}
	}
	limit := intParam(v, q.Get("limit"), "limit", 100, 1, 1000)
	if err := v.Err(); err != nil {
		return err
	}
	gs, err := s.Signals(r.Context(), inc, limit)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"signals": gs})
	return nil
}

func intParam(v apperr.Validation, s, field string, def, lo, hi int) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		v.Add(field, fmt.Sprintf("an integer %d–%d", lo, hi))
		return def
	}
	return n
}

func actor(r *http.Request) audit.Actor { return web.Principal(r).Actor(web.ClientAddr(r)) }

func pathID(r *http.Request) (int64, error) {
	return web.PathID(r, func(_ string) error {
		return &apperr.Error{Code: apperr.Invalid, Message: "bad id", Fields: map[string]string{"id": "a positive integer"}}
	})
}

// ConfirmFix records the signal's fix-time candidate as the incident's
// actual fix: the specialist confirms it with the Journal's decision, by
// the lifecycle's fix transition, so its clocks and notices follow.
func (s *Service) ConfirmFix(ctx context.Context, by audit.Actor, id int64, decision, note string) (journal.Incident, error) {
	g, err := scanSignal(s.DB.R.QueryRowContext(ctx, Q.SignalByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return journal.Incident{}, apperr.New(apperr.NotFound, "no signal %d", id)
	}
	if err != nil {
		return journal.Incident{}, apperr.Wrap(err, "signal")
	}
	if g.ResolvedAt == nil {
		return journal.Incident{}, apperr.New(apperr.Conflict, "signal %d has no fix-time candidate: an alert of it still fires", id)
	}
	if note == "" {
		note = fmt.Sprintf("время устранения по данным источника %s (сигнал %d)", g.Source, g.ID)
	}
	return s.Journal.Transition(ctx, by, g.IncidentID, journal.TransitionInput{Action: journal.ActFix, FixedAt: g.ResolvedAt, Decision: decision, Note: note})
}

func (s *Service) confirmFix(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Decision string `json:"decision"`
		Note     string `json:"note"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	inc, err := s.ConfirmFix(r.Context(), actor(r), id, in.Decision, in.Note)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, inc)
	return nil
}

func (s *Service) getProbes(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.Probes(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"probes": ps})
	return nil
}

func (s *Service) postProbe(w http.ResponseWriter, r *http.Request) error {
	var in ProbeInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	p, err := s.SaveProbe(r.Context(), actor(r), 0, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/intake/probes/%d/results", p.ID))
	web.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Service) putProbe(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in ProbeInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	p, err := s.SaveProbe(r.Context(), actor(r), id, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) getProbeResults(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q, v := r.URL.Query(), apperr.Validation{}
	since := s.Now().Add(-24 * time.Hour)
	if q.Has("since") {
		if t := web.ParseTime(v, "since", q.Get("since")); t != nil {
			since = *t
		}
	}
	limit := intParam(v, q.Get("limit"), "limit", 1000, 1, 10000)
	if err := v.Err(); err != nil {
		return err
	}
	p, err := s.Probe(r.Context(), id)
	if err != nil {
		return err
	}
	rs, err := s.ProbeResults(r.Context(), id, since, limit)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"probe": p, "results": rs, "uptime": Uptime(rs)})
	return nil
}

// Uptime is the share of successful checks, 0–1 (1 with no checks).
func Uptime(rs []ProbeResult) float64 {
	if len(rs) == 0 {
		return 1
	}
	ok := 0
	for _, r := range rs {
		if r.OK {
			ok++
		}
	}
	return float64(ok) / float64(len(rs))
}

func (s *Service) postCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	res, err := s.CheckProbe(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *Service) getModuleMap(w http.ResponseWriter, r *http.Request) error {
	m, err := s.ModuleMap(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"entries": m, "module_label": ModuleLabel})
	return nil
}

func (s *Service) putModuleMap(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Entries []MapEntry `json:"entries"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	if err := s.SetModuleMap(r.Context(), actor(r), in.Entries); err != nil {
		return err
	}
	return s.getModuleMap(w, r)
}

func (s *Service) getLogRules(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.LogRules(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"rules": rs})
	return nil
}

func (s *Service) postLogRule(w http.ResponseWriter, r *http.Request) error {
	var in NewLogRule
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	rule, err := s.AddLogRule(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, rule)
	return nil
}

func (s *Service) deleteLogRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.DeleteLogRule(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
