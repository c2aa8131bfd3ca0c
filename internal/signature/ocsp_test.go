package signature_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"tenderdesk/internal/signature"
	"tenderdesk/internal/signature/sigtest"
)

func readPEM(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	return blk.Bytes
}

// Revocation by OCSP where a responder is reachable: a "revoked" answer
// dated before the signing time refuses; "good" counts as checked; an
// unreachable responder leaves the decision to the CRLs.
func TestOCSP(t *testing.T) {
	p := sigtest.NewPKI(t)
	c := p.Inter.Issue(sigtest.NCASubject("ИВАНОВ", "ИВАН", userIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	issuer, err := x509.ParseCertificate(readPEM(t, p.Inter.Cert))
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.ParsePKCS8PrivateKey(readPEM(t, p.Inter.Key))
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := new(big.Int).SetString(c.Serial, 16)
	status := ocsp.Good
	revokedAt := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(body)
		if err != nil || req.SerialNumber.Cmp(serial) != 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		resp, err := ocsp.CreateResponse(issuer, issuer, ocsp.Response{Status: status, SerialNumber: serial, RevokedAt: revokedAt,
			ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}, key.(crypto.Signer))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(resp)
	}))
	defer srv.Close()
	ts, err := signature.LoadTrustDir(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"action":"incident.close"}`)
	cms := sigtest.Sign(t, c, []string{p.Inter.Cert}, doc, false)
	rootCRL, err := signature.LoadCRLs([]string{p.Root.CRL()}) // the intermediate's own status
	if err != nil {
		t.Fatal(err)
	}
	v := &signature.Verifier{Roots: ts.Roots, Intermediates: ts.Intermediates, CRLs: rootCRL, RequireRevocation: true, OCSP: signature.HTTPOCSP{URL: srv.URL}}
	ctx := context.Background()
	res, _, err := v.Verify(ctx, cms, doc, signature.Expect{})
	if err != nil || res.Revocation != "crl+ocsp" {
		t.Fatalf("good: %+v %v", res.Revocation, err)
	}
	status = ocsp.Revoked
	if _, _, err := v.Verify(ctx, cms, doc, signature.Expect{}); signature.CodeOf(err) != signature.CodeRevoked {
		t.Fatalf("revoked: %v", err)
	}
	v.OCSP = signature.HTTPOCSP{URL: "http://127.0.0.1:1"}
	if _, _, err := v.Verify(ctx, cms, doc, signature.Expect{}); signature.CodeOf(err) != signature.CodeRevoked {
		t.Fatalf("unreachable responder and no CRL, revocation required: %v", err)
	}
}
