package signature_test

import (
	"context"
	"testing"

	"tenderdesk/internal/signature"
	"tenderdesk/internal/signature/sigtest"
)

// BenchmarkVerifyCMS: one openssl-made detached RSA-2048 signature with a
// 3-certificate chain (signer, intermediate, root) and the CRL check of the
// signer and the intermediate. Issue 12's target: ≥ 1,000 verifications/s
// on one core (≤ 1,000 µs/op with -cpu 1). Peer: openssl cms -verify over
// the same files (see docs/BENCHMARKS.md for the command).
func BenchmarkVerifyCMS(b *testing.B) {
	p := sigtest.NewPKI(b)
	c := p.Inter.Issue(sigtest.NCASubject("ИВАНОВ", "ИВАН", userIIN, "ТОО «Ромашка»", orgBIN), sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	doc := []byte(`{"action":"incident.confirm","desk":"tenderdesk","object_id":"17","object_type":"incident"}`)
	cms := sigtest.Sign(b, c, []string{p.Inter.Cert}, doc, false)
	ts, err := signature.LoadTrustDir(p.Dir)
	if err != nil {
		b.Fatal(err)
	}
	crls, err := signature.LoadCRLs([]string{p.Inter.CRL(), p.Root.CRL()})
	if err != nil {
		b.Fatal(err)
	}
	v := &signature.Verifier{Roots: ts.Roots, Intermediates: ts.Intermediates, CRLs: crls, RequireRevocation: true}
	ctx := context.Background()
	want := signature.Expect{IIN: userIIN, BIN: orgBIN}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := v.Verify(ctx, cms, doc, want); err != nil {
			b.Fatal(err)
		}
	}
}
