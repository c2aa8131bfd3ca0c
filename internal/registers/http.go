package registers

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/retention"
	"tenderdesk/internal/signature"
	"tenderdesk/internal/web"
)

// API is the HTTP face of issue 12 (documented in
// web/openapi.d/097-signatures.json): signatures, the user's IIN, role
// changes with the head's EDS (E31, E34), the small registers, call
// recordings and disputes, the destruction log.
type API struct {
	Sig       *signature.Service // nil: signing is off (no trust store)
	Registers *Service
	Retention *retention.Service
	Auth      *auth.Service
	Journal   *journal.Service
}

func (a *API) Mount(w *web.Server) {
	w.Route("GET /api/v1/signatures/document", "*", a.document)
	w.Route("POST /api/v1/signatures", "*", a.attach)
	w.Route("GET /api/v1/signatures/{id}", auth.PermAuditRead, a.get)
	w.Route("PUT /api/v1/users/{login}/iin", auth.PermUserManage, a.setIIN)
	w.Route("POST /api/v1/users/{login}/role", auth.PermUserManage, a.changeRole)
	w.Route("GET /api/v1/registers/{register}", auth.PermAuditRead, a.entries)
	w.Route("POST /api/v1/registers/{register}", auth.PermIncidentTransition, a.addEntry)
	w.Route("POST /api/v1/appeals/{number}/recordings", auth.PermIncidentTransition, a.attachRecording)
	w.Route("POST /api/v1/appeals/{number}/dispute", auth.PermIncidentTransition, a.dispute)
	w.Route("GET /api/v1/retention/destructions", auth.PermAuditRead, a.destructions)
}

func bad(field, format string, args ...any) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "validation failed", Fields: map[string]string{field: fmt.Sprintf(format, args...)}}
}

// permFor is the permission an action's signature needs: the signer must be
// allowed to take the action itself.
func permFor(action string) auth.Permission {
	switch action {
	case signature.ActRoleGrant:
		return auth.PermUserManage
	}
	return auth.PermIncidentTransition
}

func (a *API) sig() (*signature.Service, error) {
	if a.Sig == nil {
		return nil, apperr.New(apperr.Unprocessable, "EDS signing is off: the desk has no trust store (--trust-dir)")
	}
	return a.Sig, nil
}

// fields builds the canonical document's content for an action from the
// desk's own data, so what is signed is what the Journal holds.
func (a *API) fields(ctx context.Context, action, objectType, objectID string, q func(string) string) (map[string]any, error) {
	switch action {
	case signature.ActIncidentConfirm, signature.ActIncidentRefute, signature.ActIncidentClose:
		if objectType != "incident" {
			return nil, bad("object_type", "%s is about an incident", action)
		}
		id, err := strconv.ParseInt(objectID, 10, 64)
		if err != nil || id <= 0 {
			return nil, bad("object_id", "an incident id")
		}
		return incidentFields(ctx, a.Journal, id)
	case signature.ActRoleGrant:
		if objectType != "user" {
			return nil, bad("object_type", "role.grant is about a user")
		}
		if !auth.ValidRole(q("role")) {
			return nil, bad("role", "one of the desk's roles")
		}
		return map[string]any{"role": q("role"), "basis": q("basis"), "responsible": q("responsible")}, nil
	case signature.ActJournalExtract:
		// Issue 12: the yearly information's document is built and signed
		// where it is kept (internal/analysis), with its version.
		return nil, bad("action", "the yearly information (Q44) is signed at POST /api/v1/analysis/annual/{year}/sign; its document: GET /api/v1/analysis/annual/{year}/document")
	case signature.ActAuthorityReport:
		return nil, bad("action", "a written report (Q36.10, Q37.13) is signed at POST /api/v1/analysis/reports/{id}/sign; its document: GET /api/v1/analysis/reports/{id}/document")
	}
	return nil, bad("action", "one of %s", strings.Join(signature.Actions, ", "))
}

// incidentFields is an incident's signed content from the Journal's data.
func incidentFields(ctx context.Context, j *journal.Service, id int64) (map[string]any, error) {
	v, err := j.Incident(ctx, id)
	if err != nil {
		return nil, err
	}
	in := v.Incident
	f := map[string]any{"incident_number": in.Number, "state": string(in.State), "criticality": string(in.Criticality), "cause": in.Cause}
	if in.OperatorDependent != nil {
		f["operator_dependent"] = *in.OperatorDependent
	}
	for k, t := range map[string]*time.Time{"failure_started_at": in.FailureStartedAt, "planned_fix_at": in.PlannedFixAt, "fixed_at": in.FixedAt} {
		if t != nil {
			f[k] = t.UTC().Format(time.RFC3339)
		}
	}
	return f, nil
}

// IncidentDocument is the canonical document of an incident's signed
// action (incident.confirm, incident.refute, incident.close), the same
// bytes GET /api/v1/signatures/document gives: the console's sign section
// offers it for NCALayer and for signing elsewhere.
func IncidentDocument(ctx context.Context, j *journal.Service, action string, id int64) ([]byte, error) {
	if action != signature.ActIncidentConfirm && action != signature.ActIncidentRefute && action != signature.ActIncidentClose {
		return nil, bad("action", "incident.confirm, incident.refute or incident.close")
	}
	f, err := incidentFields(ctx, j, id)
	if err != nil {
		return nil, err
	}
	return signature.Canonical(action, "incident", strconv.FormatInt(id, 10), f)
}

func (a *API) document(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	action, ot, oid := q.Get("action"), q.Get("object_type"), q.Get("object_id")
	v := apperr.Validation{}
	if !slices.Contains(signature.Actions, action) {
		v.Add("action", "one of "+strings.Join(signature.Actions, ", "))
	}
	if !slices.Contains([]string{"incident", "user", "journal"}, ot) {
		v.Add("object_type", "incident, user or journal")
	}
	if oid == "" {
		v.Add("object_id", "required")
	}
	if err := v.Err(); err != nil {
		return err
	}
	p := web.Principal(r)
	if !auth.Allowed(p.Role, permFor(action)) {
		return apperr.New(apperr.Forbidden, "role %s may not sign %s", p.Role, action)
	}
	f, err := a.fields(r.Context(), action, ot, oid, q.Get)
	if err != nil {
		return err
	}
	doc, err := signature.Canonical(action, ot, oid, f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"document": base64.StdEncoding.EncodeToString(doc), "text": string(doc)})
	return nil
}

type submission struct {
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Document   string `json:"document"` // base64 of the exact bytes signed
	CMS        string `json:"cms"`      // base64 of the CMS (DER or PEM)
}

func (s submission) decode() (signature.Submission, error) {
	doc, err := base64.StdEncoding.DecodeString(s.Document)
	if err != nil {
		return signature.Submission{}, bad("document", "not base64")
	}
	cms, err := base64.StdEncoding.DecodeString(s.CMS)
	if err != nil {
		return signature.Submission{}, bad("cms", "not base64")
	}
	return signature.Submission{Action: s.Action, ObjectType: s.ObjectType, ObjectID: s.ObjectID, Document: doc, CMS: cms}, nil
}

type recordView struct {
	ID         int64     `json:"id"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	SignerIIN  string    `json:"signer_iin,omitempty"`
	SignerBIN  string    `json:"signer_bin,omitempty"`
	SignerName string    `json:"signer_name"`
	Serial     string    `json:"serial"`
	Issuer     string    `json:"issuer"`
	SignedAt   time.Time `json:"signed_at"`
	VerifiedAt time.Time `json:"verified_at"`
	Login      string    `json:"login"`
	Document   string    `json:"document"`
}

func view(r signature.Record) recordView {
	return recordView{r.ID, r.Action, r.ObjectType, r.ObjectID, r.SignerIIN, r.SignerBIN, r.SignerName, r.Serial, r.Issuer, r.SignedAt,
		r.VerifiedAt, r.Login, base64.StdEncoding.EncodeToString(r.Document)}
}

func (a *API) attach(w http.ResponseWriter, r *http.Request) error {
	var in submission
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	sub, err := in.decode()
	if err != nil {
		return err
	}
	p := web.Principal(r)
	if slices.Contains(signature.Actions, sub.Action) && !auth.Allowed(p.Role, permFor(sub.Action)) {
		return apperr.New(apperr.Forbidden, "role %s may not sign %s", p.Role, sub.Action)
	}
	if sub.Action == signature.ActRoleGrant {
		return bad("action", "a role grant is signed with the change itself: POST /api/v1/users/{login}/role")
	}
	s, err := a.sig()
	if err != nil {
		return err
	}
	if slices.Contains(signature.Actions, sub.Action) {
		f, err := a.fields(r.Context(), sub.Action, sub.ObjectType, sub.ObjectID, func(string) string { return "" })
		if err != nil {
			return err
		}
		if sub.Action == signature.ActIncidentConfirm || sub.Action == signature.ActIncidentRefute || sub.Action == signature.ActIncidentClose {
			want, _ := signature.Canonical(sub.Action, sub.ObjectType, sub.ObjectID, f)
			if string(want) != string(sub.Document) {
				return bad("document", "not the incident's current document: get it again from GET /api/v1/signatures/document")
			}
		}
	}
	rec, err := s.AttachNow(r.Context(), signature.Signer{ID: p.ID, Login: p.Login, Role: string(p.Role), Addr: web.ClientAddr(r)}, sub)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, view(rec))
	return nil
}

func pathInt(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, bad(name, "a positive whole number")
	}
	return n, nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	s, err := a.sig()
	if err != nil {
		return err
	}
	rec, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, view(rec))
	return nil
}

func (a *API) setIIN(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		IIN string `json:"iin"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	s, err := a.sig()
	if err != nil {
		return err
	}
	if err := s.SetIIN(r.Context(), web.Principal(r).Actor(web.ClientAddr(r)), r.PathValue("login"), in.IIN); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// RoleChange is a request to change a user's role: the API's JSON and the
// console's form both come here.
type RoleChangeRequest struct {
	Login       string
	Role        string
	Basis       string
	Responsible string
	// Document is the signed document as submitted (nil: the canonical
	// document of this change, which the console builds for the signer).
	Document []byte
	CMS      []byte // the head's CMS (DER or PEM); nil: unsigned
}

// RoleGrantDocument is the canonical role.grant document of a change, the
// bytes the head signs (E31).
func RoleGrantDocument(login, role, basis, responsible string) ([]byte, error) {
	return signature.Canonical(signature.ActRoleGrant, "user", strings.ToLower(login), map[string]any{"role": role, "basis": basis, "responsible": responsible})
}

// ChangeRole is the one place of the role change rules, for the API and the
// console: E34 (the register line in the change's transaction) and E31
// (granting the authorized body's role needs the EDS of the person's head:
// a CMS over the role.grant document, by a certificate of the person's
// organization, its BIN on the account).
func (a *API) ChangeRole(ctx context.Context, p auth.Principal, addr string, in RoleChangeRequest) (auth.User, error) {
	login := strings.ToLower(strings.TrimSpace(in.Login))
	by := p.Actor(addr)
	mode := signature.Off
	if a.Sig != nil {
		mode = a.Sig.Policy.Mode(signature.ActRoleGrant)
	}
	needSig := in.Role == string(auth.RoleAuthority) || mode == signature.Required
	// Every missing part at once (a form marks them all), before the
	// signature is verified.
	v := apperr.Validation{}
	if login == "" {
		v.Add("login", "required: whose role changes")
	}
	if !auth.ValidRole(in.Role) {
		v.Add("role", "one of the desk's roles")
	}
	if strings.TrimSpace(in.Basis) == "" {
		v.Add("basis", "required (E34): the document the change rests on")
	}
	if strings.TrimSpace(in.Responsible) == "" {
		v.Add("responsible", "required (E34): the responsible person")
	}
	if len(in.CMS) == 0 && needSig {
		if a.Sig == nil {
			v.Add("cms", "E31: the authorized body's role is granted with the EDS of the person's head, and signing is off (no --trust-dir)")
		} else {
			v.Add("cms", "E31: granting this role needs the head's EDS over the document of GET /api/v1/signatures/document?action=role.grant")
		}
	}
	if err := v.Err(); err != nil {
		return auth.User{}, err
	}
	target, err := a.Auth.ByLogin(ctx, login)
	if err != nil {
		return auth.User{}, err
	}
	var sub signature.Submission
	var want signature.Expect
	if len(in.CMS) != 0 {
		if _, err := a.sig(); err != nil {
			return auth.User{}, err
		}
		doc, err := RoleGrantDocument(login, in.Role, in.Basis, in.Responsible)
		if err != nil {
			return auth.User{}, err
		}
		if in.Document == nil {
			in.Document = doc
		}
		if string(doc) != string(in.Document) {
			return auth.User{}, bad("document", "not the document of this change (role, basis, responsible): get it from GET /api/v1/signatures/document?action=role.grant")
		}
		if target.BIN == "" && in.Role == string(auth.RoleAuthority) {
			return auth.User{}, bad("login", "E31: record the authorized body's BIN on the account first; the head's certificate must carry it")
		}
		sub = signature.Submission{Action: signature.ActRoleGrant, ObjectType: "user", ObjectID: login, Document: in.Document, CMS: in.CMS}
		want = signature.Expect{BIN: target.BIN}
	}
	var u auth.User
	err = a.Auth.DB.Tx(ctx, func(tx *sql.Tx) error {
		var sigID int64
		if len(in.CMS) != 0 {
			rec, err := a.Sig.AttachAs(ctx, tx, signature.Signer{ID: p.ID, Login: p.Login, Role: string(p.Role), Addr: addr}, sub, want)
			if err != nil {
				return err
			}
			sigID = rec.ID
		}
		var err error
		u, err = a.Auth.ChangeRole(ctx, tx, by, login, auth.Role(in.Role), auth.Basis{Basis: in.Basis, Responsible: in.Responsible}, sigID)
		return err
	})
	return u, err
}

func (a *API) changeRole(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Role        string `json:"role"`
		Basis       string `json:"basis"`
		Responsible string `json:"responsible"`
		Document    string `json:"document"`
		CMS         string `json:"cms"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	req := RoleChangeRequest{Login: r.PathValue("login"), Role: in.Role, Basis: in.Basis, Responsible: in.Responsible}
	if in.CMS != "" {
		sub, err := (submission{Document: in.Document, CMS: in.CMS}).decode()
		if err != nil {
			return err
		}
		req.Document, req.CMS = sub.Document, sub.CMS
		if req.Document == nil {
			req.Document = []byte{}
		}
	}
	u, err := a.ChangeRole(r.Context(), web.Principal(r), web.ClientAddr(r), req)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) entries(w http.ResponseWriter, r *http.Request) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return bad("limit", "1 to 1000")
		}
		limit = n
	}
	es, err := a.Registers.Entries(r.Context(), r.PathValue("register"), limit)
	if err != nil {
		return err
	}
	if es == nil {
		es = []Entry{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"register": r.PathValue("register"), "entries": es})
	return nil
}

func (a *API) addEntry(w http.ResponseWriter, r *http.Request) error {
	var in Entry
	reg := r.PathValue("register")
	if !slices.Contains(Small, reg) {
		return apperr.New(apperr.NotFound, "no register %q; registers: %s", reg, strings.Join(Small, ", "))
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	p := web.Principal(r)
	if !MayAdd(p.Role, reg) {
		return apperr.New(apperr.Forbidden, "the server-room register (Q25) is kept by administrators")
	}
	in.Register = reg
	e, err := a.Registers.Add(r.Context(), p.Actor(web.ClientAddr(r)), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, e)
	return nil
}

func (a *API) attachRecording(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		FileID     int64  `json:"file_id"`
		RecordedAt string `json:"recorded_at"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	v := apperr.Validation{}
	at := web.ParseTime(v, "recorded_at", in.RecordedAt)
	if at == nil {
		v.Add("recorded_at", "required: when the call was recorded, RFC 3339 with an offset")
	}
	if in.FileID <= 0 {
		v.Add("file_id", "an uploaded file's id")
	}
	if err := v.Err(); err != nil {
		return err
	}
	id, err := a.Retention.AttachRecording(r.Context(), web.Principal(r).Actor(web.ClientAddr(r)), r.PathValue("number"), in.FileID, *at)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"id": id})
	return nil
}

func (a *API) dispute(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Open *bool `json:"open"`
	}
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	if in.Open == nil {
		return bad("open", "required: true opens a dispute, false resolves it")
	}
	if err := a.Retention.Dispute(r.Context(), web.Principal(r).Actor(web.ClientAddr(r)), r.PathValue("number"), *in.Open, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) destructions(w http.ResponseWriter, r *http.Request) error {
	ds, err := a.Retention.Destructions(r.Context(), 500)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []retention.Destruction{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"destructions": ds})
	return nil
}
