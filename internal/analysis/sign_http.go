package analysis

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/web"
)

// The signing endpoints (issue 12; web/openapi.d/103-sign12.json).

// signIn is a signing request: the version signed, the document's exact
// bytes and the CMS, both base64.
type signIn struct {
	Version  int    `json:"version"`
	Document string `json:"document"`
	CMS      string `json:"cms"`
}

// readSign decodes a signing request's body.
func readSign(r *http.Request) (int, Signature, error) {
	var in signIn
	if err := web.Decode(r, &in); err != nil {
		return 0, Signature{}, err
	}
	sig, err := in.decode()
	return in.Version, sig, err
}

func (in signIn) decode() (Signature, error) {
	doc, err := base64.StdEncoding.DecodeString(in.Document)
	if err != nil {
		return Signature{}, fieldErr("document", "not base64")
	}
	cms, err := base64.StdEncoding.DecodeString(in.CMS)
	if err != nil {
		return Signature{}, fieldErr("cms", "not base64")
	}
	return Signature{Document: doc, CMS: cms}, nil
}

func writeDocument(w http.ResponseWriter, doc []byte, version int) {
	web.WriteJSON(w, http.StatusOK, map[string]any{"document": base64.StdEncoding.EncodeToString(doc), "text": string(doc), "version": version})
}

func (s *Service) annualDocument(w http.ResponseWriter, r *http.Request) error {
	p, err := period(r, "annual")
	if err != nil {
		return err
	}
	st, err := s.Get(r.Context(), "annual", p)
	if err != nil {
		return err
	}
	doc, err := AnnualDocument(st)
	if err != nil {
		return err
	}
	writeDocument(w, doc, st.Version)
	return nil
}

func (s *Service) postSign(w http.ResponseWriter, r *http.Request) error {
	p, err := period(r, "annual")
	if err != nil {
		return err
	}
	version, sig, err := readSign(r)
	if err != nil {
		return err
	}
	st, err := s.Sign(r.Context(), actor(r), p, version, sig)
	if err != nil {
		return err
	}
	if st.Signature, err = s.AnnualSignature(r.Context(), st); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, st)
	return nil
}

// Attachment is a file embedded in a PDF (internal/reports/pdfw).
type Attachment struct {
	Name, Description, MIME string
	Data                    []byte
}

// ExtractPDF writes the Journal extract of [from, to] (local dates) in
// lang as PDF with files embedded (internal/reports.ExportPDF, wired by
// the app).
type ExtractPDF func(ctx context.Context, w io.Writer, from, to time.Time, lang string, files []Attachment) error

// SignedAttachments are the files a signed document's PDF carries: the
// signed document's exact bytes and the detached CMS over them, so
// `pdfdetach` and `openssl cms -verify -binary -content` check it.
func SignedAttachments(base string, sg *Signed) []Attachment {
	return []Attachment{
		{Name: base + ".json", MIME: "application/json", Description: "the signed canonical document (" + sg.SHA256 + ")", Data: sg.Document},
		{Name: base + ".cms", MIME: "application/pkcs7-signature", Description: "CMS signature by " + sg.SignerName + ", certificate " + sg.Serial, Data: sg.CMS},
	}
}

// signedExtract serves the year's Journal extract as PDF once the yearly
// information is signed (Q44): the signed document and its CMS embedded.
func (s *Service) signedExtract(w http.ResponseWriter, r *http.Request) error {
	_, lang, err := Format(r)
	if err != nil {
		return err
	}
	p, err := period(r, "annual")
	if err != nil {
		return err
	}
	st, err := s.Get(r.Context(), "annual", p)
	if err != nil {
		return err
	}
	sg, err := s.AnnualSignature(r.Context(), st)
	if err != nil {
		return err
	}
	if sg == nil {
		return apperr.New(apperr.Conflict, "the yearly information for %s is not signed yet: POST /api/v1/analysis/annual/%s/sign", p, p)
	}
	if s.Extract == nil {
		return apperr.New(apperr.Unavailable, "the Journal extract is not available on this desk")
	}
	var a Annual
	if err := json.Unmarshal(st.Body, &a); err != nil {
		return err
	}
	// E32–E33: the extract carries the reporters' contacts.
	if err := audit.LogRead(r.Context(), s.DB, s.Now().UTC(), web.Principal(r).Actor(web.ClientAddr(r)), "journal", p, "journal_export"); err != nil {
		return apperr.Wrap(err, "access log")
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="journal-%s-signed-%s.pdf"`, p, lang))
	w.Header().Set("Cache-Control", "no-store")
	return s.Extract(r.Context(), w, a.From, a.To.AddDate(0, 0, -1), lang, SignedAttachments("journal-extract-"+p, sg))
}

func (s *Service) reportDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := s.WrittenOf(r.Context(), id)
	if err != nil {
		return err
	}
	doc, err := ReportDocument(x)
	if err != nil {
		return err
	}
	writeDocument(w, doc, x.Version)
	return nil
}

func (s *Service) postReportSign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, sig, err := readSign(r)
	if err != nil {
		return err
	}
	x, err := s.SignReport(r.Context(), actor(r), id, version, sig)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, x)
	return nil
}

// reportSignature gives the signed report's document and CMS, what its
// delivery attaches.
func (s *Service) reportSignature(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := s.WrittenOf(r.Context(), id)
	if err != nil {
		return err
	}
	if x.Signature == nil {
		return apperr.New(apperr.NotFound, "the report of incident %s is not signed", strconv.FormatInt(id, 10))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"signature": x.Signature, "document": base64.StdEncoding.EncodeToString(x.Signature.Document),
		"cms": base64.StdEncoding.EncodeToString(x.Signature.CMS)})
	return nil
}
