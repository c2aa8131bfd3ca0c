package signature_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"tenderdesk/internal/signature"
	"tenderdesk/internal/signature/ncanodefake"
	"tenderdesk/internal/signature/sigtest"
)

// gostify turns an openssl-made RSA CMS into one whose certificates carry
// NCA's GOST 34.310 key OID (1.2.398.3.10.1.1.1.1, the same DER length as
// rsaEncryption), so the verifier must hand it to the external service.
func gostify(cms []byte) []byte {
	rsa := []byte{0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01}
	gost := []byte{0x06, 0x09, 0x2A, 0x83, 0x0E, 0x03, 0x0A, 0x01, 0x01, 0x01, 0x01}
	return bytes.ReplaceAll(cms, rsa, gost)
}

// Q6–Q7: GOST keys (also NCA's) go through the External verifier: an
// NCANode-style API, here its stand-in.
func TestGOSTGoesToTheExternalVerifier_Q6_Q7(t *testing.T) {
	p := sigtest.NewPKI(t)
	c := p.Inter.Issue(sigtest.NCASubject("ИВАНОВ", "ИВАН", userIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	doc := []byte(`{"action":"role.grant"}`)
	cms := gostify(sigtest.Sign(t, c, []string{p.Inter.Cert}, doc, false))
	ctx := context.Background()
	ts, err := signature.LoadTrustDir(p.Dir)
	if err != nil {
		t.Fatal(err)
	}

	if _, _, err := (&signature.Verifier{Roots: ts.Roots}).Verify(ctx, cms, doc, signature.Expect{}); signature.CodeOf(err) != signature.CodeUnsupported {
		t.Fatalf("without an external verifier: %v", err)
	}
	fake := ncanodefake.New()
	defer fake.Close()
	v := &signature.Verifier{Roots: ts.Roots, External: signature.NCANode{URL: fake.URL}}
	if _, _, err := v.Verify(ctx, cms, doc, signature.Expect{}); signature.CodeOf(err) != signature.CodeExternal {
		t.Fatalf("the service said not valid: %v", err)
	}
	var ok signature.NCANodeResponse
	if err := json.Unmarshal([]byte(`{"valid":true,"signers":[{"signingTime":"2026-12-01T10:00:00Z","certificates":[
		{"subject":{"commonName":"ИВАНОВ ИВАН","iin":"`+userIIN+`"},"issuer":{"commonName":"ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST)"},
		 "serialNumber":"1a2b","valid":true,"signAlg":"ECGOST34310"}]}]}`), &ok); err != nil {
		t.Fatal(err)
	}
	fake.Answer(cms, ok)
	res, _, err := v.Verify(ctx, cms, doc, signature.Expect{IIN: userIIN})
	if err != nil {
		t.Fatal(err)
	}
	if res.Signer.IIN != userIIN || res.Revocation != "external" || !res.SignedAt.Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v", res)
	}
	if _, _, err := v.Verify(ctx, cms, doc, signature.Expect{IIN: otherIIN}); signature.CodeOf(err) != signature.CodeWrongSigner {
		t.Fatalf("the external answer's IIN is matched like a local one: %v", err)
	}
}
