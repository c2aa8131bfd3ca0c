package analysis_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/analysis"
	"tenderdesk/internal/app"
	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/signature"
	"tenderdesk/internal/signature/sigtest"
	"tenderdesk/internal/vocab"
)

// resp is the responsible person who signs.
var resp = audit.Actor{Login: "resp", Role: "admin"}

// signing is a desk verifying EDS against a test NCA, the administrator's
// IIN recorded, their certificate and another person's.
type signing struct {
	a            *app.App
	pki          *sigtest.PKI
	mine, others sigtest.Cert
}

func openSigning(t *testing.T, dsn string, c *clock, policy string) *signing {
	t.Helper()
	p := sigtest.NewPKI(t)
	mineIIN := sigtest.Complete("85010130012", iin.Validate)
	otherIIN := sigtest.Complete("90020240023", iin.Validate)
	s := &signing{pki: p,
		mine:   p.Inter.Issue(sigtest.NCASubject("ОТВЕТСТВЕННЫЙ", "ОЛЕГ", mineIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To),
		others: p.Inter.Issue(sigtest.NCASubject("ДРУГОВ", "ДАНИЯР", otherIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)}
	s.a = open(t, dsn, c, map[string]string{"trust-dir": p.Dir, "crl-files": p.Inter.CRL() + "," + p.Root.CRL(), "signature-policy": policy})
	t.Cleanup(func() { s.a.Close() })
	if _, err := s.a.Auth.CreateUser(context.Background(), audit.System, auth.NewUser{Login: "resp", Password: "password-of-resp", Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := s.a.Signatures.SetIIN(context.Background(), audit.System, "resp", mineIIN); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *signing) sign(t *testing.T, c sigtest.Cert, doc []byte) []byte {
	return sigtest.Sign(t, c, []string{s.pki.Inter.Cert}, doc, false)
}

// fieldCode is the field error's text and the refusal's code.
func fieldOf(err error, field string) (string, signature.Code) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return "", ""
	}
	return ae.Fields[field], signature.CodeOf(err)
}

// Q44, issue 12: the yearly information is signed only with a valid EDS of
// the responsible person over its canonical document: without a CMS the
// field cms is named; a signature over another document, by another
// person, or over an older version is refused naming the field and the
// verifier's code; a good one is stored with the document's exact bytes
// (re-verified offline) and the information is signed. The signed extract
// PDF carries the document and the CMS as embedded files (qpdf --check,
// pdfdetach). Both backends.
func TestQ44AnnualSignedWithEDS_Issue12(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		c := &clock{t: local(2026, 12, 11, 11, 0)}
		s := openSigning(t, dsn, c, "")
		a := s.a
		st, _, err := a.Analysis.Generate(ctx, staff, "annual", "2025")
		if err != nil {
			t.Fatal(err)
		}
		doc, err := analysis.AnnualDocument(st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Analysis.Sign(ctx, resp, "2025", st.Version, analysis.Signature{Document: doc, CMS: s.sign(t, s.mine, doc)}); err == nil {
			t.Fatal("Q44: signed without the narrative")
		} else if msg, _ := fieldOf(err, "causes"); msg == "" {
			t.Fatalf("Q44: the missing narrative is named: %v", err)
		}
		st, err = a.Analysis.SetNarrative(ctx, staff, "2025", analysis.Narrative{Causes: "Обновления", Actions: "Откаты", Results: "Устранены", Proposals: "Стенд"}, st.Version)
		if err != nil {
			t.Fatal(err)
		}
		old := doc
		if doc, err = analysis.AnnualDocument(st); err != nil || bytes.Equal(doc, old) {
			t.Fatalf("the document carries the narrative: %v", err)
		}
		if err := signature.CheckCanonical(doc, signature.ActJournalExtract, "journal", "2025"); err != nil {
			t.Fatalf("not canonical: %v\n%s", err, doc)
		}
		if !bytes.Contains(doc, []byte(`"rule":"Q44"`)) || !bytes.Contains(doc, []byte(`"causes":"Обновления"`)) {
			t.Fatalf("document: %s", doc)
		}
		for _, tc := range []struct {
			name  string
			in    analysis.Signature
			field string
			code  signature.Code
		}{
			{"no cms", analysis.Signature{Document: doc}, "cms", ""},
			{"no document", analysis.Signature{CMS: s.sign(t, s.mine, doc)}, "document", ""},
			{"older version", analysis.Signature{Document: old, CMS: s.sign(t, s.mine, old)}, "document", ""},
			{"another document signed", analysis.Signature{Document: doc, CMS: sigtest.Sign(t, s.mine, []string{s.pki.Inter.Cert}, old, true)}, "cms", signature.CodeTampered},
			{"another person", analysis.Signature{Document: doc, CMS: s.sign(t, s.others, doc)}, "cms", signature.CodeWrongSigner},
			{"not a CMS", analysis.Signature{Document: doc, CMS: []byte("not a signature")}, "cms", signature.CodeMalformed},
		} {
			_, err := a.Analysis.Sign(ctx, resp, "2025", st.Version, tc.in)
			msg, code := fieldOf(err, tc.field)
			if msg == "" || code != tc.code || apperr.CodeOf(err) == apperr.Internal {
				t.Errorf("%s: want field %s code %q, got %v (%q)", tc.name, tc.field, tc.code, err, code)
			}
		}
		if got, _ := a.Analysis.Get(ctx, "annual", "2025"); got.Status == "signed" {
			t.Fatal("a refused signature signed the information")
		}
		st, err = a.Analysis.Sign(ctx, resp, "2025", st.Version, analysis.Signature{Document: doc, CMS: s.sign(t, s.mine, doc)})
		if err != nil || st.Status != "signed" || st.SignatureID == 0 || st.SignedBy != "resp" {
			t.Fatalf("Q44 signed: %+v %v", st, err)
		}
		rec, err := a.Signatures.Get(ctx, st.SignatureID)
		if err != nil || !bytes.Equal(rec.Document, doc) || rec.Action != signature.ActJournalExtract || rec.ObjectID != "2025" {
			t.Fatalf("stored: %+v %v", rec, err)
		}
		if _, err := a.Signatures.Verifier.Recheck(ctx, rec); err != nil {
			t.Fatalf("offline re-check: %v", err)
		}
		if _, err := a.Analysis.Sign(ctx, resp, "2025", st.Version, analysis.Signature{Document: doc, CMS: s.sign(t, s.mine, doc)}); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("signed twice: %v", err)
		}

		// The API: the document, a refusal naming field and code, the PDF.
		tok, err := a.Auth.CreateToken(ctx, audit.System, "resp", "test")
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Web.Handler())
		defer srv.Close()
		call := func(method, path string, body any) (int, []byte) {
			var rd io.Reader
			if body != nil {
				b, _ := json.Marshal(body)
				rd = bytes.NewReader(b)
			}
			rq, _ := http.NewRequest(method, srv.URL+path, rd)
			rq.Header.Set("Authorization", "Bearer "+tok)
			rq.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(rq)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, raw
		}
		if code, raw := call("GET", "/api/v1/analysis/annual/2025", nil); code != 200 || !strings.Contains(string(raw), `"signer_name":"ОТВЕТСТВЕННЫЙ ОЛЕГ"`) {
			t.Fatalf("GET annual: %d %s", code, raw)
		}
		if code, raw := call("POST", "/api/v1/analysis/annual/2025/sign", map[string]any{"version": 1, "document": "%%", "cms": ""}); code != 400 || !strings.Contains(string(raw), `"document"`) {
			t.Fatalf("bad base64: %d %s", code, raw)
		}
		if code, raw := call("POST", "/api/v1/signatures", map[string]any{"action": "journal.extract", "object_type": "journal", "object_id": "2025",
			"document": base64.StdEncoding.EncodeToString(doc), "cms": base64.StdEncoding.EncodeToString(s.sign(t, s.mine, doc))}); code != 400 || !strings.Contains(string(raw), "/api/v1/analysis/annual/{year}/sign") {
			t.Fatalf("the generic endpoint takes the yearly information: %d %s", code, raw)
		}
		code, pdf := call("GET", "/api/v1/analysis/annual/2025/extract.pdf?lang=ru", nil)
		if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("signed extract: %d %.300s", code, pdf)
		}
		checkSignedPDF(t, pdf, "journal-extract-2025", doc, rec.CMS)
	})
}

// checkSignedPDF: qpdf finds the file sound, pdftotext reads it, pdfdetach
// lists and saves the two embedded files, byte for byte.
func checkSignedPDF(t *testing.T, pdf []byte, base string, doc, cms []byte) {
	t.Helper()
	dir := t.TempDir()
	f := filepath.Join(dir, "x.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"qpdf", "pdftotext", "pdfdetach"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed (poppler-utils, qpdf)", tool)
		}
	}
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	if out, err := exec.Command("pdftotext", f, "-").CombinedOutput(); err != nil || !strings.Contains(string(out), "Журнал") {
		t.Fatalf("pdftotext: %v\n%.500s", err, out)
	}
	out, err := exec.Command("pdfdetach", "-list", f).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "2 embedded files") || !strings.Contains(string(out), base+".cms") || !strings.Contains(string(out), base+".json") {
		t.Fatalf("pdfdetach -list: %v\n%s", err, out)
	}
	if out, err := exec.Command("pdfdetach", "-saveall", "-o", dir, f).CombinedOutput(); err != nil {
		t.Fatalf("pdfdetach -saveall: %v\n%s", err, out)
	}
	for name, want := range map[string][]byte{base + ".json": doc, base + ".cms": cms} {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s embedded is not the stored bytes (%v)", name, err)
		}
	}
}

// Q36.10 / Q37.13, issue 12: a written report is signed with the EDS over
// its canonical document before sending; with authority.report=required
// an unsigned report is not sent (field signature); a signature over an
// older text is refused (field document); editing a signed report drops
// the signature; sent unchanged, it goes signed. Both backends.
func TestQ37_13ReportSignedBeforeSending_Issue12(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		c := &clock{t: local(2026, 12, 4, 10, 0)}
		s := openSigning(t, dsn, c, "authority.report=required")
		a := s.a
		r := register(t, a, c, "email", "Аукционы")
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		started := local(2026, 12, 4, 9, 40)
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: vocab.High, Cause: "operator_staff_error", FailureStartedAt: &started})
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActStartFix})
		c.add(time.Hour)
		act(t, a, r.IncidentID, journal.TransitionInput{Action: journal.ActFix, Decision: "Откат обновления", Recommendations: "Проверка обновлений на стенде"})
		w, err := a.Analysis.WrittenOf(ctx, r.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		res := "Устранён"
		if w, err = a.Analysis.EditReport(ctx, staff, r.IncidentID, analysis.Edit{Result: &res, Version: w.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Analysis.SendReport(ctx, staff, r.IncidentID, analysis.Edit{Version: w.Version}); func() bool { m, _ := fieldOf(err, "signature"); return m == "" }() {
			t.Fatalf("policy required: an unsigned report was sent (%v)", err)
		}
		doc, err := analysis.ReportDocument(w)
		if err != nil {
			t.Fatal(err)
		}
		if err := signature.CheckCanonical(doc, signature.ActAuthorityReport, "incident", w.Report.Number); err == nil {
			t.Fatal("the object is the incident's id, not its number")
		}
		if _, err := a.Analysis.SignReport(ctx, resp, r.IncidentID, w.Version, analysis.Signature{Document: doc, CMS: s.sign(t, s.others, doc)}); func() bool {
			_, code := fieldOf(err, "cms")
			return code != signature.CodeWrongSigner
		}() {
			t.Fatalf("another person's signature: %v", err)
		}
		w, err = a.Analysis.SignReport(ctx, resp, r.IncidentID, w.Version, analysis.Signature{Document: doc, CMS: s.sign(t, s.mine, doc)})
		if err != nil || w.SignatureID == 0 || w.Signature == nil || w.Signature.SignerName != "ОТВЕТСТВЕННЫЙ ОЛЕГ" {
			t.Fatalf("signed: %+v %v", w, err)
		}
		// A change after signing drops the signature; the old one no longer signs it.
		prop := "Стенд и откат за 5 минут"
		if w, err = a.Analysis.EditReport(ctx, staff, r.IncidentID, analysis.Edit{Proposals: &prop, Version: w.Version}); err != nil || w.SignatureID != 0 {
			t.Fatalf("edited after signing: %+v %v", w, err)
		}
		if _, err := a.Analysis.SignReport(ctx, resp, r.IncidentID, w.Version, analysis.Signature{Document: doc, CMS: s.sign(t, s.mine, doc)}); func() bool { m, _ := fieldOf(err, "document"); return m == "" }() {
			t.Fatalf("a signature over the older text: %v", err)
		}
		doc, _ = analysis.ReportDocument(w)
		if w, err = a.Analysis.SignReport(ctx, resp, r.IncidentID, w.Version, analysis.Signature{Document: doc, CMS: s.sign(t, s.mine, doc)}); err != nil {
			t.Fatal(err)
		}
		other := "Другое"
		if _, err := a.Analysis.SendReport(ctx, staff, r.IncidentID, analysis.Edit{Cause: &other, Version: w.Version}); func() bool { m, _ := fieldOf(err, "signature"); return m == "" }() {
			t.Fatalf("a signed report sent changed: %v", err)
		}
		w, err = a.Analysis.SendReport(ctx, staff, r.IncidentID, analysis.Edit{Version: w.Version})
		if err != nil || w.Status != "sent" || w.Signature == nil {
			t.Fatalf("sent signed: %+v %v", w, err)
		}
		rec, err := a.Signatures.Get(ctx, w.SignatureID)
		if err != nil || !bytes.Equal(rec.Document, doc) {
			t.Fatalf("stored: %v", err)
		}
		if _, err := a.Signatures.Verifier.Recheck(ctx, rec); err != nil {
			t.Fatalf("offline re-check: %v", err)
		}
		// The letter carries the PDFs, the signed document and its CMS.
		files, err := notify.Attachments(ctx, a.DB.R, analysis.ReportEvent(r.IncidentID))
		if err != nil {
			t.Fatal(err)
		}
		var gotDoc, gotCMS bool
		for _, f := range files {
			switch {
			case strings.HasSuffix(f.Name, ".json") && f.ContentType == "application/json":
				gotDoc = bytes.Equal(f.Data, doc)
			case strings.HasSuffix(f.Name, ".cms") && f.ContentType == "application/pkcs7-signature":
				gotCMS = bytes.Equal(f.Data, rec.CMS)
			}
		}
		if len(files) != 4 || !gotDoc || !gotCMS {
			t.Errorf("the signed report's letter carries %d files (document %v, CMS %v), want 2 PDFs, the document and its CMS", len(files), gotDoc, gotCMS)
		}
	})
}
