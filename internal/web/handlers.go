package web

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/vocab"
)

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := s.plainSignIn(r); err != nil {
		return err
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	tok, u, err := s.Auth.Login(r.Context(), in.Login, in.Password, clientAddr(r))
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || s.Security.PublicHTTPS, MaxAge: int(auth.SessionTTL / time.Second)})
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := csrf(r); err != nil {
			return err
		}
		if err := s.Auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil || s.Security.PublicHTTPS, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	perms := auth.Grants()[p.Role]
	writeJSON(w, http.StatusOK, map[string]any{"user": p.User, "permissions": perms})
	return nil
}

func (s *Server) roles(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, auth.Grants())
	return nil
}

// ParseTime reads an optional RFC 3339 time with offset into v's problems.
func ParseTime(v apperr.Validation, field, s string) *time.Time { return parseTime(v, field, s) }

// parseTime reads an RFC 3339 time that must carry an offset: a local time
// without one would be ambiguous across the 2024 change of Astana's offset.
func parseTime(v apperr.Validation, field, s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		v.Add(field, "must be RFC 3339 with an offset, e.g. 2026-11-20T10:15:00+05:00")
		return nil
	}
	return &t
}

type appealRequest struct {
	Channel       string   `json:"channel"`
	ReceivedAt    string   `json:"received_at"`
	DetectedAt    string   `json:"detected_at"`
	Organization  string   `json:"organization"`
	BIN           string   `json:"bin"`
	ContactEmail  string   `json:"contact_email"`
	ContactPhone  string   `json:"contact_phone"`
	Description   string   `json:"description"`
	Module        string   `json:"module"`
	Announcements []string `json:"announcements"`
	Lots          []string `json:"lots"`
	Profile       string   `json:"profile"`
	IncidentID    int64    `json:"incident_id"`
}

func caller(r *http.Request) journal.Caller {
	p := principal(r)
	return journal.Caller{Actor: p.Actor(clientAddr(r)), PortalUser: p.Role.PortalUser(), BIN: p.BIN, Organization: p.Organization,
		Email: p.Email}
}

func (s *Server) createAppeal(w http.ResponseWriter, r *http.Request) error {
	var in appealRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if p := principal(r); in.IncidentID != 0 && !auth.Allowed(p.Role, auth.PermIncidentMerge) {
		// Naming an incident attaches the appeal to another failure, maybe
		// another organization's (issue 9.3): that is a merge.
		return &apperr.Error{Code: apperr.Forbidden, Message: "only staff who merge appeals may name an incident",
			Fields: map[string]string{"incident_id": fmt.Sprintf("role %s lacks permission %s", p.Role, auth.PermIncidentMerge)}}
	}
	v := apperr.Validation{}
	n := journal.NewAppeal{Channel: in.Channel, Organization: in.Organization, BIN: in.BIN, ContactEmail: in.ContactEmail,
		ContactPhone: in.ContactPhone, Description: in.Description, Module: in.Module, Announcements: in.Announcements,
		Lots: in.Lots, Profile: in.Profile, IncidentID: in.IncidentID,
		ReceivedAt: parseTime(v, "received_at", in.ReceivedAt), DetectedAt: parseTime(v, "detected_at", in.DetectedAt)}
	if len(v) > 0 {
		return s.Journal.Validate(&n, caller(r), v) // every bad field in one answer
	}
	reg, err := s.Journal.Register(r.Context(), caller(r), n, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	code := http.StatusCreated
	if reg.Replayed {
		code = http.StatusOK
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/v1/appeals/"+reg.Number)
	writeJSON(w, code, reg)
	return nil
}

// visible enforces that portal users see only their own organization.
func visible(p auth.Principal, bin string) error {
	if p.Role.PortalUser() && bin != p.BIN {
		return apperr.New(apperr.NotFound, "no such appeal for your organization")
	}
	return nil
}

func (s *Server) getAppeal(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Journal.Appeal(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	p := principal(r)
	if err := visible(p, a.BIN); err != nil {
		return err
	}
	// E32–E33: the answer carries the reporter's contact; the read is in
	// the access log (as the console's appeal page), once per answer.
	if a.ContactEmail != "" || a.ContactPhone != "" {
		if err := audit.LogRead(r.Context(), s.DB, s.Journal.Now().UTC(), p.Actor(clientAddr(r)), "appeal", a.Number, "reporter_contact"); err != nil {
			return apperr.Wrap(err, "access log")
		}
	}
	out := map[string]any{"appeal": a}
	if inc, err := s.Journal.Incident(r.Context(), a.IncidentID); err == nil {
		out["incident"] = map[string]any{"id": inc.ID, "state": inc.State, "criticality": inc.Criticality,
			"planned_fix_at": inc.PlannedFixAt, "fixed_at": inc.FixedAt, "decision": inc.Decision}
	} else {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func pathID(r *http.Request) (int64, error) {
	return PathID(r, func(raw string) error {
		return apperr.New(apperr.Invalid, "incident id must be a positive integer, not %q", raw)
	})
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := s.Journal.Incident(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

type transitionRequest struct {
	Note              string   `json:"note"`
	Criticality       string   `json:"criticality"`
	Cause             string   `json:"cause"`
	OperatorDependent *bool    `json:"operator_dependent"`
	FailureStartedAt  string   `json:"failure_started_at"`
	PlannedFixAt      string   `json:"planned_fix_at"`
	FixedAt           string   `json:"fixed_at"`
	Modules           []string `json:"modules"`
	Decision          string   `json:"decision"`
	Recommendations   string   `json:"recommendations"`
	ExpectedVersion   int      `json:"expected_version"`
}

func (s *Server) transition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in transitionRequest
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	v := apperr.Validation{}
	t := journal.TransitionInput{Action: journal.Action(r.PathValue("action")), Note: in.Note, Criticality: vocab.Criticality(in.Criticality),
		Cause: in.Cause, OperatorDependent: in.OperatorDependent, Modules: in.Modules, Decision: in.Decision,
		Recommendations: in.Recommendations, ExpectedVersion: in.ExpectedVersion,
		FailureStartedAt: parseTime(v, "failure_started_at", in.FailureStartedAt),
		PlannedFixAt:     parseTime(v, "planned_fix_at", in.PlannedFixAt),
		FixedAt:          parseTime(v, "fixed_at", in.FixedAt)}
	if err := v.Err(); err != nil {
		return err
	}
	inc, err := s.Journal.Transition(r.Context(), principal(r).Actor(clientAddr(r)), id, t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

// setModules is the operators' correction of the modules a failure touches
// (its appeals name them at registration).
func (s *Server) setModules(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Modules         []string `json:"modules"`
		ExpectedVersion int      `json:"expected_version"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	inc, err := s.Journal.SetModules(r.Context(), principal(r).Actor(clientAddr(r)), id, in.Modules, in.ExpectedVersion)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

func (s *Server) mergeAppeal(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		IncidentID int64 `json:"incident_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.IncidentID <= 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"incident_id": "required: the incident to attach the appeal to"}}
	}
	inc, err := s.Journal.Merge(r.Context(), principal(r).Actor(clientAddr(r)), r.PathValue("number"), in.IncidentID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

// parseBound accepts a date (YYYY-MM-DD, local to the desk's zone) or an RFC 3339 time.
func (s *Server) parseBound(v apperr.Validation, field, val string) time.Time {
	if val == "" {
		return time.Time{}
	}
	if d, err := time.ParseInLocation("2006-01-02", val, s.Journal.Zone); err == nil {
		return d
	}
	if t, err := time.Parse(time.RFC3339Nano, val); err == nil {
		return t
	}
	v.Add(field, "a date YYYY-MM-DD or an RFC 3339 time with offset")
	return time.Time{}
}

func (s *Server) listJournal(w http.ResponseWriter, r *http.Request) error {
	// The answer depends on Accept: caches must key on it.
	w.Header().Add("Vary", "Accept")
	offers := []string{"application/json"}
	if s.JournalCSV != nil {
		offers = append(offers, "text/csv")
	}
	mt, err := Negotiate(r.Header.Get("Accept"), offers...)
	if err != nil {
		return err
	}
	if mt == "text/csv" {
		bin := ""
		if p := principal(r); p.Role.PortalUser() {
			bin = p.BIN
		}
		return s.JournalCSV(w, r, bin)
	}
	q := r.URL.Query()
	v := apperr.Validation{}
	for key := range q {
		switch key {
		case "from", "to", "state", "criticality", "channel", "organization", "bin", "q", "limit", "after":
		default:
			v.Add(key, "unknown filter; accepted: from, to, state, criticality, channel, organization, bin, q, limit, after")
		}
	}
	f := journal.Filter{From: s.parseBound(v, "from", q.Get("from")), State: q.Get("state"), Criticality: q.Get("criticality"),
		Channel: q.Get("channel"), Organization: q.Get("organization"), BIN: q.Get("bin"), Query: q.Get("q"), After: q.Get("after")}
	f.To = s.parseBound(v, "to", q.Get("to"))
	if to := q.Get("to"); len(to) == 10 && !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // a date bound includes that whole day
	}
	if q.Has("limit") { // given, it must be a page size: 0 is not "the default"
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > journal.MaxLimit {
			v.Add("limit", fmt.Sprintf("a number 1–%d (leave it out for %d)", journal.MaxLimit, journal.DefaultLimit))
		}
		f.Limit = n
	}
	if err := v.Err(); err != nil {
		return err
	}
	p := principal(r)
	if p.Role.PortalUser() {
		if f.BIN != "" && f.BIN != p.BIN {
			return apperr.New(apperr.Forbidden, "you see only your organization's appeals (BIN %s)", p.BIN)
		}
		f.BIN = p.BIN
	}
	page, err := s.Journal.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.Auth.List(r.Context())
	if err != nil {
		return err
	}
	if us == nil {
		us = []auth.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in auth.NewUser
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.Auth.CreateUser(r.Context(), principal(r).Actor(clientAddr(r)), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) suspendUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	if strings.TrimSpace(in.Reason) == "" {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"reason": "required: the basis of the suspension is recorded (E9)"}}
	}
	if err := s.Auth.Suspend(r.Context(), principal(r).Actor(clientAddr(r)), r.PathValue("login"), in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	var in auth.UserChange
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.Auth.UpdateUser(r.Context(), principal(r).Actor(clientAddr(r)), r.PathValue("login"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// reactivateUser lifts a suspension (E9), with the reason recorded.
func (s *Server) reactivateUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"reason": "required: why the account is reactivated is recorded (E9)"}}
	}
	if err := s.Auth.Reactivate(r.Context(), principal(r).Actor(clientAddr(r)), r.PathValue("login"), in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// unlockUser clears a sign-in lockout of a login (and of a client address
// when given).
func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Address string `json:"address"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	if in.Address != "" && net.ParseIP(in.Address) == nil {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"address": "an IPv4 or IPv6 address"}}
	}
	if err := s.Auth.Unlock(r.Context(), principal(r).Actor(clientAddr(r)), r.PathValue("login"), in.Address); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Label string `json:"label"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	tok, err := s.Auth.CreateToken(r.Context(), principal(r).Actor(clientAddr(r)), r.PathValue("login"), in.Label)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"token": tok})
	return nil
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	typ, id := r.URL.Query().Get("object_type"), r.URL.Query().Get("object_id")
	if typ == "" || id == "" {
		return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{"object_type": "object_type and object_id are required"}}
	}
	recs, err := audit.ForObject(r.Context(), s.DB, typ, id)
	if err != nil {
		return apperr.Wrap(err, "audit")
	}
	if recs == nil {
		recs = []audit.Record{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": recs})
	return nil
}

func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) error {
	n, err := audit.Verify(r.Context(), s.DB)
	var p *audit.Problem
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]any{"intact": true, "records": n})
	case asProblem(err, &p):
		writeJSON(w, http.StatusOK, map[string]any{"intact": false, "records": n, "first_bad": p.Seq, "reason": p.Reason})
	default:
		return apperr.Wrap(err, "verify")
	}
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.Auth.ChangeOwnPassword(r.Context(), principal(r), clientAddr(r), in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resetPassword is the administrator's reset (Q22: through the contact
// center, after the person's identity is checked).
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		NewPassword string `json:"new_password"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.Auth.SetPassword(r.Context(), principal(r).Actor(clientAddr(r)), r.PathValue("login"), in.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// PathID parses the request path's {id} as a positive integer; bad makes
// the error for anything else (each resource says what a wrong id is).
func PathID(r *http.Request, bad func(raw string) error) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, bad(raw)
	}
	return id, nil
}
