package analysis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/signature"
	"tenderdesk/internal/store"
)

// Issue 12: the yearly information (Q44, "подписанные ответственными
// лицами") and the written reports (Q36.10, Q37.13) are signed with an EDS.
// Each signature covers a canonical document (signature.Canonical) built
// here from what is stored, its exact bytes kept with the signature, so
// `tenderdesk signature verify --id N` re-checks it offline.

// Signed is the signature over a document as it is now.
type Signed struct {
	ID         int64     `json:"id"`
	SignerName string    `json:"signer_name"`
	SignerIIN  string    `json:"signer_iin,omitempty"`
	SignerBIN  string    `json:"signer_bin,omitempty"`
	Serial     string    `json:"serial"`
	SignedAt   time.Time `json:"signed_at"`
	Login      string    `json:"login"`
	// SHA256 is the hex SHA-256 of the signed document's exact bytes.
	SHA256 string `json:"document_sha256"`
	// Document and CMS are the signed bytes and the signature (base64 in
	// JSON), what a delivery attaches.
	Document []byte `json:"-"`
	CMS      []byte `json:"-"`
}

func signedOf(r signature.Record) *Signed {
	sum := sha256.Sum256(r.Document)
	return &Signed{ID: r.ID, SignerName: r.SignerName, SignerIIN: r.SignerIIN, SignerBIN: r.SignerBIN, Serial: r.Serial,
		SignedAt: r.SignedAt, Login: r.Login, SHA256: hex.EncodeToString(sum[:]), Document: r.Document, CMS: r.CMS}
}

// plain turns a value into maps, slices, strings, json.Numbers and bools,
// so the canonical document's nested keys are sorted too and a re-encoding
// (signature.CheckCanonical) gives the same bytes.
func plain(v any) (any, error) {
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	err := d.Decode(&out)
	return out, err
}

// AnnualDocument is the canonical journal.extract document of the stored
// yearly information of a year (object "journal", the year): the Q44
// figures and failures as computed (body), the operator's narrative, the
// profile. It changes with the narrative, so a signature over an older one
// is refused.
func AnnualDocument(st Stored) ([]byte, error) {
	body, err := plain([]byte(st.Body))
	if err != nil {
		return nil, err
	}
	narr, err := plain(st.Narrative)
	if err != nil {
		return nil, err
	}
	return signature.Canonical(signature.ActJournalExtract, "journal", st.Period, map[string]any{
		"rule": "Q44", "year": st.Period, "profile": st.Profile, "information": body, "narrative": narr})
}

// ReportDocument is the canonical authority.report document of a written
// report (object "incident", its id): the rule and the report's content as
// it would be sent. Editing the report changes it.
func ReportDocument(w Written) ([]byte, error) {
	body, err := plain(w.Report)
	if err != nil {
		return nil, err
	}
	return signature.Canonical(signature.ActAuthorityReport, "incident", strconv.FormatInt(w.IncidentID, 10), map[string]any{
		"rule": w.Rule, "incident_number": w.Report.Number, "report": body})
}

// Signature is what a signer sends: the document's exact bytes (as the
// desk gave them) and the CMS.
type Signature struct {
	Document []byte
	CMS      []byte
}

func (s *Service) sigService() (*signature.Service, error) {
	if s.Signatures == nil {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: "EDS signing is off: the desk has no trust store (--trust-dir)",
			Fields: map[string]string{"cms": "EDS signing is off: the desk has no trust store (--trust-dir)"}}
	}
	return s.Signatures, nil
}

// check is the common part of signing: both parts given, the document the
// current one, the CMS verified as the signer's (their IIN; a refusal is a
// field error of "cms" naming the signature.Code).
func (s *Service) check(ctx context.Context, by audit.Actor, action, objectType, objectID, where string, want []byte, in Signature) (signature.Submission, signature.Result, error) {
	sig, err := s.sigService()
	if err != nil {
		return signature.Submission{}, signature.Result{}, err
	}
	v := apperr.Validation{}
	if len(in.Document) == 0 {
		v.Add("document", "required: the exact bytes of "+where+", base64")
	}
	if len(in.CMS) == 0 {
		v.Add("cms", "required: the CMS / PKCS#7 signature over "+where+", base64")
	}
	if err := v.Err(); err != nil {
		return signature.Submission{}, signature.Result{}, err
	}
	if !bytes.Equal(in.Document, want) {
		return signature.Submission{}, signature.Result{}, fieldErr("document", "not the current document: it changed since; get "+where+" again and sign it")
	}
	sub := signature.Submission{Action: action, ObjectType: objectType, ObjectID: objectID, Document: want, CMS: in.CMS}
	res, _, _, err := sig.Verify(ctx, by.Login, sub)
	return sub, res, err
}

func signer(by audit.Actor) signature.Signer {
	return signature.Signer{ID: by.ID, Login: by.Login, Role: by.Role, Addr: by.ClientAddr}
}

// Sign signs the yearly information (Q44: "подписанные ответственными
// лицами") with the responsible person's EDS: every part of the narrative
// written, a CMS over AnnualDocument of this version verified as theirs;
// the signature is stored and the information marked signed in one
// transaction. Without a trust store it cannot be signed (422).
func (s *Service) Sign(ctx context.Context, by audit.Actor, year string, version int, in Signature) (Stored, error) {
	if version <= 0 {
		return Stored{}, fieldErr("version", "the version you edited (a positive integer)")
	}
	st, err := s.Get(ctx, "annual", year)
	if err != nil {
		return st, err
	}
	if miss := st.Narrative.Missing(); len(miss) > 0 {
		v := apperr.Validation{}
		for _, m := range miss {
			v.Add(m, "required by Q44 before signing")
		}
		return st, v.Err()
	}
	if st.Status == "signed" {
		return st, apperr.New(apperr.Conflict, "the annual information for %s is signed already", year)
	}
	if st.Version != version {
		return st, apperr.New(apperr.Conflict, "version %d is not the current one (%d)", version, st.Version)
	}
	want, err := AnnualDocument(st)
	if err != nil {
		return st, err
	}
	sub, res, err := s.check(ctx, by, signature.ActJournalExtract, "journal", year, "GET /api/v1/analysis/annual/"+year+"/document", want, in)
	if err != nil {
		return st, err
	}
	now := s.Now().UTC()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		rec, err := s.Signatures.Store(ctx, tx, signer(by), sub, res)
		if err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, Q.SignAnnual, by.Login, store.T(now), year, version, rec.ID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "the annual information for %s changed while it was being signed: reload and sign again", year)
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "analysis.sign", ObjectType: "analysis", ObjectID: "annual:" + year,
			After: map[string]any{"signature": rec.ID, "signer_iin": rec.SignerIIN, "serial": rec.Serial}})
		return err
	})
	if err != nil {
		return Stored{}, err
	}
	return s.Get(ctx, "annual", year)
}

// AnnualSignature is the signature of a signed yearly information.
func (s *Service) AnnualSignature(ctx context.Context, st Stored) (*Signed, error) {
	return s.signedByID(ctx, st.SignatureID)
}

func (s *Service) signedByID(ctx context.Context, id int64) (*Signed, error) {
	if id == 0 || s.Signatures == nil {
		return nil, nil
	}
	r, err := s.Signatures.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return signedOf(r), nil
}

// SignReport signs a draft written report (Q36.10, Q37.13) with the EDS
// before it is sent: complete (ReadyToSend), a CMS over ReportDocument of
// this version verified as the signer's. Editing the report afterwards
// drops the link (the stored signature no longer covers it); sending it
// unchanged sends it signed.
func (s *Service) SignReport(ctx context.Context, by audit.Actor, incident int64, version int, in Signature) (Written, error) {
	if version <= 0 {
		return Written{}, fieldErr("version", "the version you reviewed (a positive integer)")
	}
	w, err := s.WrittenOf(ctx, incident)
	if err != nil {
		return w, err
	}
	if w.Status == "sent" {
		return w, apperr.New(apperr.Conflict, "the report of incident %d was sent already", incident)
	}
	if w.Version != version {
		return w, apperr.New(apperr.Conflict, "version %d is not the current one (%d)", version, w.Version)
	}
	if err := w.Report.ReadyToSend(); err != nil {
		return w, err
	}
	want, err := ReportDocument(w)
	if err != nil {
		return w, err
	}
	id := strconv.FormatInt(incident, 10)
	sub, res, err := s.check(ctx, by, signature.ActAuthorityReport, "incident", id, "GET /api/v1/analysis/reports/"+id+"/document", want, in)
	if err != nil {
		return w, err
	}
	now := s.Now().UTC()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		rec, err := s.Signatures.Store(ctx, tx, signer(by), sub, res)
		if err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, Q.SignReport, rec.ID, incident, version)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "the report of incident %d changed while it was being signed: reload and sign again", incident)
		}
		_, err = audit.Append(ctx, tx, s.DB.Dialect, now, by, audit.Entry{Action: "report.sign", ObjectType: "incident", ObjectID: id,
			After: map[string]any{"rule": w.Rule, "signature": rec.ID, "signer_iin": rec.SignerIIN, "serial": rec.Serial}})
		return err
	})
	if err != nil {
		return Written{}, err
	}
	return s.WrittenOf(ctx, incident)
}

// needSigned is the send's check: a signed report must go as signed
// (unchanged), and with the policy authority.report=required an unsigned
// one does not go.
func (s *Service) needSigned(w Written, before []byte, after []byte) error {
	if w.SignatureID != 0 && !bytes.Equal(before, after) {
		return fieldErr("signature", "the report was signed and this change is not: send it unchanged, or save the change and sign it again")
	}
	if w.SignatureID == 0 && s.Signatures != nil && s.Signatures.Policy.Mode(signature.ActAuthorityReport) == signature.Required {
		return fieldErr("signature", "the report is sent signed with an EDS (policy authority.report=required): sign GET /api/v1/analysis/reports/"+
			strconv.FormatInt(w.IncidentID, 10)+"/document first")
	}
	return nil
}
