package signature_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"testing/quick"

	"tenderdesk/internal/iin"
	"tenderdesk/internal/signature"
	"tenderdesk/internal/signature/sigtest"
)

var (
	userIIN  = sigtest.Complete("85010130012", iin.Validate)
	otherIIN = sigtest.Complete("90020240023", iin.Validate)
	orgBIN   = sigtest.Complete("12034050006", iin.Validate)
)

type fixture struct {
	pki      *sigtest.PKI
	v        *signature.Verifier
	good     sigtest.Cert // RSA, legal entity's employee
	ecdsa    sigtest.Cert // ECDSA P-256, a person
	expired  sigtest.Cert
	authOnly sigtest.Cert
	other    sigtest.Cert // a different person's IIN
	foreign  sigtest.Cert // issued by a root the desk does not trust
	chain    []string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	p := sigtest.NewPKI(t)
	f := &fixture{pki: p, chain: []string{p.Inter.Cert}}
	f.good = p.Inter.Issue(sigtest.NCASubject("ИВАНОВ", "ИВАН", userIIN, "ТОО «Ромашка»", orgBIN), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	f.ecdsa = p.Inter.Issue(sigtest.NCASubject("ӘБІЛОВА", "ӘСЕЛ", userIIN, "", ""), sigtest.ECDSA, "v3_sign", sigtest.From, sigtest.To)
	f.expired = p.Inter.Issue(sigtest.NCASubject("ИВАНОВ", "ИВАН", userIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, "20210101000000Z")
	f.authOnly = p.Inter.Issue(sigtest.NCASubject("ИВАНОВ", "ИВАН", userIIN, "", ""), sigtest.RSA, "v3_auth", sigtest.From, sigtest.To)
	f.other = p.Inter.Issue(sigtest.NCASubject("ПЕТРОВ", "ПЁТР", otherIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	rogue := sigtest.NewRoot(t, t.TempDir(), "/C=KZ/CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST")
	f.foreign = rogue.Issue(sigtest.NCASubject("ИВАНОВ", "ИВАН", userIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	ts, err := signature.LoadTrustDir(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	crls, err := signature.LoadCRLs([]string{p.Inter.CRL(), p.Root.CRL()})
	if err != nil {
		t.Fatal(err)
	}
	f.v = &signature.Verifier{Roots: ts.Roots, Intermediates: ts.Intermediates, CRLs: crls, RequireRevocation: true}
	return f
}

// Q4, Q6–Q7, E10, E12: signatures made by OpenSSL over a chain with NCA's
// subject layout verify; each defect is refused with its own reason.
func TestOpenSSLInterop_Q4_Q6_Q7_E10_E12(t *testing.T) {
	f := newFixture(t)
	doc := []byte(`{"action":"incident.confirm","incident":"И-2026-000017","decision":"confirmed"}`)
	ctx := context.Background()

	t.Run("rsa detached, legal entity: IIN and BIN read and matched", func(t *testing.T) {
		cms := sigtest.Sign(t, f.good, f.chain, doc, false)
		res, signed, err := f.v.Verify(ctx, cms, doc, signature.Expect{IIN: userIIN, BIN: orgBIN})
		if err != nil {
			t.Fatal(err)
		}
		if res.Signer.IIN != userIIN || res.Signer.BIN != orgBIN || res.Signer.Surname != "ИВАНОВ" || res.Signer.Organization != "ТОО «Ромашка»" {
			t.Fatalf("subject read as %+v", res.Signer)
		}
		if !bytes.Equal(signed, doc) || len(res.Chain) != 3 || res.Revocation != "crl" {
			t.Fatalf("chain %v revocation %q", res.Chain, res.Revocation)
		}
	})
	t.Run("ecdsa attached: the document comes out of the signature", func(t *testing.T) {
		cms := sigtest.Sign(t, f.ecdsa, f.chain, doc, true)
		res, signed, err := f.v.Verify(ctx, cms, nil, signature.Expect{IIN: userIIN})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(signed, doc) || res.Signer.GivenName != "ӘСЕЛ" || res.Signer.BIN != "" {
			t.Fatalf("%+v %q", res.Signer, signed)
		}
	})

	revokedCert := f.pki.Inter.Issue(sigtest.NCASubject("СИДОРОВ", "СИДОР", userIIN, "", ""), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	crlAfter := f.pki.Inter.Revoke(revokedCert)
	revokedCMS := sigtest.Sign(t, revokedCert, f.chain, doc, false)

	refusals := []struct {
		name string
		cms  func() []byte
		doc  []byte
		want signature.Expect
		v    *signature.Verifier
		code signature.Code
	}{
		{"tampered content", func() []byte { return sigtest.Sign(t, f.good, f.chain, doc, false) },
			bytes.Replace(doc, []byte("confirmed"), []byte("refuted"), 1), signature.Expect{}, f.v, signature.CodeTampered},
		{"attached, other document given", func() []byte { return sigtest.Sign(t, f.good, f.chain, doc, true) },
			[]byte("{}"), signature.Expect{}, f.v, signature.CodeTampered},
		{"detached without the document", func() []byte { return sigtest.Sign(t, f.good, f.chain, doc, false) },
			nil, signature.Expect{}, f.v, signature.CodeNoContent},
		{"wrong chain (a root the desk does not trust)", func() []byte { return sigtest.Sign(t, f.foreign, nil, doc, false) },
			doc, signature.Expect{}, f.v, signature.CodeUntrusted},
		{"expired certificate", func() []byte { return sigtest.Sign(t, f.expired, f.chain, doc, false) },
			doc, signature.Expect{}, f.v, signature.CodeExpired},
		{"revoked certificate (CRL)", func() []byte { return revokedCMS }, doc, signature.Expect{},
			withCRL(t, f.v, crlAfter), signature.CodeRevoked},
		{"authentication-only key", func() []byte { return sigtest.Sign(t, f.authOnly, f.chain, doc, false) },
			doc, signature.Expect{}, f.v, signature.CodeKeyUsage},
		{"signer's IIN is not the user's", func() []byte { return sigtest.Sign(t, f.other, f.chain, doc, false) },
			doc, signature.Expect{IIN: userIIN}, f.v, signature.CodeWrongSigner},
		{"personal key where the organization must sign", func() []byte { return sigtest.Sign(t, f.ecdsa, f.chain, doc, false) },
			doc, signature.Expect{IIN: userIIN, BIN: orgBIN}, f.v, signature.CodeWrongSigner},
		{"no CRL for the issuer while revocation is required", func() []byte { return sigtest.Sign(t, f.good, f.chain, doc, false) },
			doc, signature.Expect{}, &signature.Verifier{Roots: f.v.Roots, Intermediates: f.v.Intermediates, RequireRevocation: true}, signature.CodeRevoked},
		{"not a CMS", func() []byte { return []byte("MIIB not a signature") }, doc, signature.Expect{}, f.v, signature.CodeMalformed},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := c.v.Verify(ctx, c.cms(), c.doc, c.want)
			if got := signature.CodeOf(err); got != c.code {
				t.Fatalf("got %v (code %q), want code %q", err, got, c.code)
			}
			t.Log(err)
		})
	}
	t.Run("the revoked certificate's signature passes without that CRL entry (the refusal is the CRL's)", func(t *testing.T) {
		if _, _, err := f.v.Verify(ctx, revokedCMS, doc, signature.Expect{}); err != nil {
			t.Fatal(err)
		}
	})
	// Q4: any change to a signed document's bytes fails verification
	// (property: one byte flipped anywhere, or a byte added or removed).
	t.Run("Q4 any change to the bytes fails", func(t *testing.T) { anyChangeFails(t, f) })
}

func withCRL(t *testing.T, v *signature.Verifier, path string) *signature.Verifier {
	t.Helper()
	l, err := signature.LoadCRLs([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	c := *v
	c.CRLs = append(l, v.CRLs...)
	return &c
}

func anyChangeFails(t *testing.T, f *fixture) {
	doc := []byte(`{"action":"journal.extract","year":2026,"rows":42,"text":"Журнал инцидентов — выписка"}`)
	cms := sigtest.Sign(t, f.good, f.chain, doc, false)
	ctx := context.Background()
	if _, _, err := f.v.Verify(ctx, cms, doc, signature.Expect{}); err != nil {
		t.Fatal(err)
	}
	prop := func(pos uint16, delta byte, op uint8) bool {
		m := bytes.Clone(doc)
		i := int(pos) % len(m)
		switch op % 3 {
		case 0:
			m[i] ^= delta | 1 // never zero: a real change
		case 1:
			m = append(m[:i:i], append([]byte{delta}, doc[i:]...)...)
		case 2:
			m = append(m[:i:i], doc[i+1:]...)
		}
		_, _, err := f.v.Verify(ctx, cms, m, signature.Expect{})
		return signature.CodeOf(err) == signature.CodeTampered
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 500}); err != nil {
		t.Fatal(err)
	}
}

func TestLoadTrustDirRefusesAStrayFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/x.pem", []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := signature.LoadTrustDir(dir); err == nil {
		t.Fatal("a trust directory with no root was accepted")
	}
}

// The desk's own key (PKCS#12 made by openssl) signs what the desk issues;
// the signature verifies like any other, and openssl verifies it too.
func TestDeskKeySigns(t *testing.T) {
	p := sigtest.NewPKI(t)
	c := p.Inter.Issue(sigtest.NCASubject("ТЕНДЕРДЕСК", "СЛУЖБА", userIIN, "АО «Оператор»", orgBIN), sigtest.ECDSA, "v3_sign", sigtest.From, sigtest.To)
	dir := t.TempDir()
	p12 := dir + "/desk.p12"
	sigtest.Run(t, dir, "pkcs12", "-export", "-in", c.Cert, "-inkey", c.Key, "-certfile", p.Inter.Cert, "-out", p12, "-passout", "pass:секрет")
	k, err := signature.LoadPKCS12(p12, "секрет")
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"action":"audit.checkpoint","seq":42}`)
	cms, err := k.Sign(doc)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := signature.LoadTrustDir(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	v := &signature.Verifier{Roots: ts.Roots, Intermediates: ts.Intermediates}
	res, _, err := v.Verify(context.Background(), cms, doc, signature.Expect{BIN: orgBIN})
	if err != nil {
		t.Fatal(err)
	}
	if res.Signer.BIN != orgBIN {
		t.Fatalf("%+v", res.Signer)
	}
	if err := os.WriteFile(dir+"/doc", doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/sig.der", cms, 0o644); err != nil {
		t.Fatal(err)
	}
	sigtest.Run(t, dir, "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der", "-content", "doc", "-CAfile", p.Root.Cert,
		"-certfile", p.Inter.Cert, "-purpose", "any", "-out", "/dev/null")
	if _, err := signature.LoadPKCS12(p12, "wrong"); err == nil {
		t.Fatal("a wrong password opened the desk key")
	}
}
