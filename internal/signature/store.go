package signature

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/store"
)

//go:embed queries.sql
var queriesSQL string

var Queries = store.MustParse(queriesSQL)

// Mode is an action's signature policy.
type Mode string

const (
	Required Mode = "required"
	Optional Mode = "optional"
	Off      Mode = "off"
)

// The signed actions (issue 12): the incident decision the Journal shows as
// signed (confirm / refute), closing, the yearly Journal extract (Q44), the
// written reports to the authorized body, granting roles to authorized
// persons (E31).
const (
	ActIncidentConfirm = "incident.confirm"
	ActIncidentRefute  = "incident.refute"
	ActIncidentClose   = "incident.close"
	ActJournalExtract  = "journal.extract"
	ActAuthorityReport = "authority.report"
	ActRoleGrant       = "role.grant"
	ActAuditCheckpoint = "audit.checkpoint" // signed by the desk's own key
)

var Actions = []string{ActIncidentConfirm, ActIncidentRefute, ActIncidentClose, ActJournalExtract, ActAuthorityReport, ActRoleGrant}

// Policy maps an action to its mode; a missing action is Optional.
type Policy map[string]Mode

// ParsePolicy reads "action=mode,action=mode".
func ParsePolicy(s string) (Policy, error) {
	p := Policy{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, m, ok := strings.Cut(part, "=")
		if !ok || !known(a) || (Mode(m) != Required && Mode(m) != Optional && Mode(m) != Off) {
			return nil, fmt.Errorf("signature policy %q: want action=required|optional|off with action one of %s", part, strings.Join(Actions, ", "))
		}
		p[a] = Mode(m)
	}
	return p, nil
}

func known(a string) bool {
	for _, x := range Actions {
		if x == a {
			return true
		}
	}
	return false
}

func (p Policy) Mode(action string) Mode {
	if m, ok := p[action]; ok {
		return m
	}
	return Optional
}

// Record is a stored signature.
type Record struct {
	ID         int64     `json:"id"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Document   []byte    `json:"document"` // base64 in JSON
	CMS        []byte    `json:"cms"`
	SignerIIN  string    `json:"signer_iin,omitempty"`
	SignerBIN  string    `json:"signer_bin,omitempty"`
	SignerName string    `json:"signer_name"`
	Serial     string    `json:"serial"`
	Issuer     string    `json:"issuer"`
	SignedAt   time.Time `json:"signed_at"`
	VerifiedAt time.Time `json:"verified_at"`
	UserID     int64     `json:"user_id,omitempty"`
	Login      string    `json:"login"`
}

// Service stores signatures after verifying them.
type Service struct {
	DB       *store.DB
	Verifier *Verifier
	Policy   Policy
	Now      func() time.Time
}

// Signer is the signed-in user who signs.
type Signer struct {
	ID    int64
	Login string
	Role  string
	Addr  string
}

// Submission is what a user sends: the canonical document and the CMS.
type Submission struct {
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Document   []byte `json:"document"`
	CMS        []byte `json:"cms"`
}

func (s Submission) validate() error {
	v := apperr.Validation{}
	if !known(s.Action) {
		v.Add("action", "one of "+strings.Join(Actions, ", "))
	}
	if s.ObjectType == "" {
		v.Add("object_type", "required")
	}
	if s.ObjectID == "" {
		v.Add("object_id", "required")
	}
	if len(s.Document) == 0 {
		v.Add("document", "required: the canonical document's exact bytes, base64")
	}
	if len(s.CMS) == 0 {
		v.Add("cms", "required: the CMS / PKCS#7 signature, base64")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := CheckCanonical(s.Document, s.Action, s.ObjectType, s.ObjectID); err != nil {
		v.Add("document", err.Error())
	}
	return v.Err()
}

// Expected is who the user's signature must name: their IIN (recorded by an
// administrator) and, for a portal user, their organization's BIN.
func (s *Service) Expected(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, login string) (int64, Expect, error) {
	var id int64
	var role, bin, userIIN string
	if err := q.QueryRowContext(ctx, Q.UserIin, login).Scan(&id, &login, &role, &bin, &userIIN); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, Expect{}, apperr.New(apperr.NotFound, "no user %q", login)
		}
		return 0, Expect{}, apperr.Wrap(err, "user")
	}
	if userIIN == "" {
		return id, Expect{}, field(apperr.Invalid, "signer", "no IIN is recorded for %q: an administrator records it (tenderdesk user set-iin) before the user can sign", login)
	}
	e := Expect{IIN: userIIN}
	if role == "applicant" || role == "customer" {
		if len(bin) == 12 && bin != userIIN {
			e.BIN = bin
		}
	}
	return id, e, nil
}

// SetIIN records the IIN of a user's EDS certificate.
func (s *Service) SetIIN(ctx context.Context, by audit.Actor, login, value string) error {
	if err := iin.Validate(value); err != nil {
		return field(apperr.Invalid, "iin", "%v", err)
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var role, bin, old string
		if err := tx.QueryRowContext(ctx, Q.UserIin, login).Scan(&id, &login, &role, &bin, &old); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.NotFound, "no user %q", login)
			}
			return apperr.Wrap(err, "user")
		}
		if _, err := tx.ExecContext(ctx, Q.SetUserIin, id, value); err != nil {
			return apperr.Wrap(err, "set iin")
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, s.Now(), by, audit.Entry{Action: "user.set_iin", ObjectType: "user", ObjectID: login,
			Before: map[string]string{"iin": old}, After: map[string]string{"iin": value}})
		return err
	})
}

// Verify checks a submission by login without storing it.
func (s *Service) Verify(ctx context.Context, login string, sub Submission) (Result, Expect, int64, error) {
	if err := sub.validate(); err != nil {
		return Result{}, Expect{}, 0, err
	}
	id, want, err := s.Expected(ctx, s.DB.R, login)
	if err != nil {
		return Result{}, want, id, err
	}
	res, _, err := s.Verifier.Verify(ctx, sub.CMS, sub.Document, want)
	if err != nil {
		var r *Refusal
		if errors.As(err, &r) {
			return Result{}, want, id, refused(r)
		}
		return Result{}, want, id, err
	}
	return res, want, id, nil
}

// Attach verifies sub as signed by the user and stores it (and its audit
// record) in tx.
func (s *Service) Attach(ctx context.Context, tx *sql.Tx, by Signer, sub Submission) (Record, error) {
	res, _, _, err := s.Verify(ctx, by.Login, sub)
	if err != nil {
		return Record{}, err
	}
	return s.save(ctx, tx, by, sub, res)
}

// AttachAs verifies sub against want (not the submitting user: E31's head
// signs a grant an administrator submits) and stores it in tx.
func (s *Service) AttachAs(ctx context.Context, tx *sql.Tx, by Signer, sub Submission, want Expect) (Record, error) {
	if err := sub.validate(); err != nil {
		return Record{}, err
	}
	res, _, err := s.Verifier.Verify(ctx, sub.CMS, sub.Document, want)
	if err != nil {
		var r *Refusal
		if errors.As(err, &r) {
			return Record{}, refused(r)
		}
		return Record{}, err
	}
	return s.save(ctx, tx, by, sub, res)
}

// AttachNow is Attach in its own transaction.
func (s *Service) AttachNow(ctx context.Context, by Signer, sub Submission) (Record, error) {
	res, _, _, err := s.Verify(ctx, by.Login, sub)
	if err != nil {
		return Record{}, err
	}
	var rec Record
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		rec, err = s.save(ctx, tx, by, sub, res)
		return err
	})
	return rec, err
}

func (s *Service) save(ctx context.Context, tx *sql.Tx, by Signer, sub Submission, res Result) (Record, error) {
	now := s.Now().UTC()
	r := Record{Action: sub.Action, ObjectType: sub.ObjectType, ObjectID: sub.ObjectID, Document: sub.Document, CMS: sub.CMS,
		SignerIIN: res.Signer.IIN, SignerBIN: res.Signer.BIN, SignerName: res.Signer.CommonName, Serial: res.Serial, Issuer: res.Issuer,
		SignedAt: res.SignedAt, VerifiedAt: now, UserID: by.ID, Login: by.Login}
	var uid any
	if by.ID != 0 {
		uid = by.ID
	}
	if err := tx.QueryRowContext(ctx, Q.InsertSignature, r.Action, r.ObjectType, r.ObjectID, r.Document, r.CMS, r.SignerIIN, r.SignerBIN,
		r.SignerName, r.Serial, r.Issuer, store.T(r.SignedAt), store.T(now), uid, r.Login).Scan(&r.ID); err != nil {
		return Record{}, apperr.Wrap(err, "insert signature")
	}
	_, err := audit.Append(ctx, tx, s.DB.Dialect, now, audit.Actor{ID: by.ID, Login: by.Login, Role: by.Role, ClientAddr: by.Addr},
		audit.Entry{Action: "signature.attach", ObjectType: r.ObjectType, ObjectID: r.ObjectID,
			After: map[string]any{"signature": r.ID, "action": r.Action, "signer_iin": r.SignerIIN, "signer_bin": r.SignerBIN, "serial": r.Serial}})
	return r, err
}

// Signed reports whether the object has a signature for action; Need
// refuses when the policy requires one and there is none.
func (s *Service) Signed(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, action, objectType, objectID string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, Q.CountSigned, objectType, objectID, action).Scan(&n); err != nil {
		return false, apperr.Wrap(err, "signed")
	}
	return n > 0, nil
}

// Need is the policy check for an action about to be taken.
func (s *Service) Need(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, action, objectType, objectID string) error {
	if s.Policy.Mode(action) != Required {
		return nil
	}
	ok, err := s.Signed(ctx, q, action, objectType, objectID)
	if err != nil || ok {
		return err
	}
	return field(apperr.Invalid, "signature", "%s of %s %s needs an EDS signature first (policy: required); sign the document of GET /api/v1/signatures/document", action, objectType, objectID)
}

func scanRecord(r interface{ Scan(...any) error }) (Record, error) {
	var x Record
	var signed, verified store.Time
	err := r.Scan(&x.ID, &x.Action, &x.ObjectType, &x.ObjectID, &x.Document, &x.CMS, &x.SignerIIN, &x.SignerBIN, &x.SignerName,
		&x.Serial, &x.Issuer, &signed, &verified, &x.UserID, &x.Login)
	x.SignedAt, x.VerifiedAt = signed.Time, verified.Time
	return x, err
}

// Get returns one stored signature.
func (s *Service) Get(ctx context.Context, id int64) (Record, error) {
	r, err := scanRecord(s.DB.R.QueryRowContext(ctx, Q.Signature, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "no signature %d", id)
	}
	return r, err
}

// Of lists an object's signatures, oldest first.
func (s *Service) Of(ctx context.Context, objectType, objectID string) ([]Record, error) {
	rows, err := s.DB.R.QueryContext(ctx, Q.SignaturesOf, objectType, objectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Recheck verifies a stored signature again, offline, over the stored
// document bytes: the chain and revocation as of the recorded signing time.
func (v *Verifier) Recheck(ctx context.Context, r Record) (Result, error) {
	want := Expect{IIN: r.SignerIIN, BIN: r.SignerBIN}
	res, _, err := v.Verify(ctx, r.CMS, r.Document, want)
	return res, err
}

// field is an error naming the bad field.
// refused is a refusal as a field error of "cms" that still unwraps to the
// *Refusal, so a page can name the reason by its code (CodeOf).
func refused(r *Refusal) error {
	e := field(apperr.Unprocessable, "cms", "%s", r.Error()).(*apperr.Error)
	e.Err = r
	return e
}

func field(code apperr.Code, name, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	return &apperr.Error{Code: code, Message: msg, Fields: map[string]string{name: msg}}
}

// Store saves in tx a submission Verify accepted (res its answer): the
// verification runs before the caller's transaction, the storing in it, so
// the writer is not held while a certificate's status is looked up.
func (s *Service) Store(ctx context.Context, tx *sql.Tx, by Signer, sub Submission, res Result) (Record, error) {
	return s.save(ctx, tx, by, sub, res)
}
