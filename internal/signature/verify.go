// Package signature verifies EDS (ЭЦП) signatures in CMS / PKCS#7 form, as
// the National Certification Authority of Kazakhstan (NCA) issues keys for
// them (Q4, Q6–Q7, E10, E12, E31): the signature over the exact document
// bytes, the certificate chain to the configured NCA root and intermediate
// certificates, the validity period at the signing time, revocation from
// CRL files (and OCSP where configured), the key usage, and the signer's
// IIN / BIN from the certificate subject matched to the user and the
// organization. RSA and ECDSA are verified here, in Go; GOST 34.310 keys go
// to an External verifier (an NCANode-style service).
//
// The verifier is pure apart from the clock it is given and the optional
// OCSP and External calls: no database.
package signature

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/smallstep/pkcs7"
)

// Code says why a signature was refused; the API and the CLI show Reason.
type Code string

const (
	CodeMalformed    Code = "malformed"     // not a CMS SignedData the desk can read
	CodeNoContent    Code = "no_content"    // detached signature without the document
	CodeTampered     Code = "tampered"      // the document's bytes are not the signed ones
	CodeBadSignature Code = "bad_signature" // the signature value does not verify
	CodeUntrusted    Code = "untrusted"     // no chain to a configured NCA root
	CodeExpired      Code = "expired"       // signed outside the certificate's validity period
	CodeRevoked      Code = "revoked"       // revoked (CRL or OCSP) before the signing time
	CodeKeyUsage     Code = "key_usage"     // the certificate is not for signing
	CodeWrongSigner  Code = "wrong_signer"  // IIN / BIN is not the user's / the organization's
	CodeUnsupported  Code = "unsupported"   // a key the desk cannot verify and no External is set
	CodeExternal     Code = "external"      // the external verifier refused or failed
	CodeNotSigned    Code = "not_signed"    // the action's policy requires a signature and none was given
)

// Refusal is a verification failure with a reason a person can act on.
type Refusal struct {
	Code   Code
	Reason string
}

func (r *Refusal) Error() string { return "signature refused (" + string(r.Code) + "): " + r.Reason }

func refuse(c Code, format string, a ...any) error {
	return &Refusal{Code: c, Reason: fmt.Sprintf(format, a...)}
}

// CodeOf returns the refusal code of err, or "" when err is no Refusal.
func CodeOf(err error) Code {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

// Expect is who must have signed: the user's IIN and, for a legal entity,
// the organization's BIN ("" = not checked).
type Expect struct {
	IIN string
	BIN string
}

// Result describes a verified signature.
type Result struct {
	Signer      Subject           `json:"signer"`
	Serial      string            `json:"serial"`    // the signer certificate's serial number, hex
	Issuer      string            `json:"issuer"`    // the issuing CA's subject
	SignedAt    time.Time         `json:"signed_at"` // the signing-time attribute, or the verification time without one
	Algorithm   string            `json:"algorithm"`
	Chain       []string          `json:"chain"`      // subjects from the signer to the root
	Revocation  string            `json:"revocation"` // how revocation was checked: "crl", "ocsp", "crl+ocsp", "none"
	Certificate *x509.Certificate `json:"-"`
}

// Verifier checks CMS signatures. The zero value refuses every chain: set
// Roots (the NCA root certificates).
type Verifier struct {
	Roots         *x509.CertPool
	Intermediates []*x509.Certificate
	CRLs          []*x509.RevocationList
	// RequireRevocation refuses a signer whose issuer has no CRL (and no
	// OCSP answer): revocation must be known, not assumed.
	RequireRevocation bool
	// OCSP, when set, is asked about the signer certificate (where its
	// responder is reachable); a "revoked" answer refuses the signature.
	OCSP OCSPChecker
	// External verifies what Go cannot (GOST 34.310 keys): an NCANode-style
	// service. Nil: such signatures are refused as unsupported.
	External External
	// Now is the clock used when a signature has no signing-time attribute.
	Now func() time.Time
}

// OIDs of NCA's GOST 34.310-2004 and GOST R 34.10-2015 public keys (the
// keys are in NCA's 1.2.398.3.10.1.1 arc).
var oidGOSTArc = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1}

// Verify checks cms (DER, or PEM "CMS"/"PKCS7") over content. content may be
// nil for an attached signature (the document is then taken from it); for a
// detached signature it is required. It returns the signer and the bytes
// that were signed.
func (v *Verifier) Verify(ctx context.Context, cms, content []byte, want Expect) (Result, []byte, error) {
	der := cms
	if b, _ := pem.Decode(cms); b != nil {
		der = b.Bytes
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return Result{}, nil, refuse(CodeMalformed, "not a CMS / PKCS#7 SignedData: %v", err)
	}
	if len(p7.Signers) != 1 {
		return Result{}, nil, refuse(CodeMalformed, "exactly one signer expected, the signature has %d", len(p7.Signers))
	}
	switch {
	case len(p7.Content) == 0 && content == nil:
		return Result{}, nil, refuse(CodeNoContent, "detached signature: the signed document is needed to verify it")
	case len(p7.Content) == 0:
		p7.Content = content
	case content != nil && !bytes.Equal(p7.Content, content):
		return Result{}, nil, refuse(CodeTampered, "the document differs from the one inside the signature")
	}
	ee := p7.GetOnlySigner()
	if ee == nil {
		return Result{}, nil, refuse(CodeMalformed, "the signer's certificate is not in the signature")
	}
	if isGOST(ee) {
		return v.external(ctx, der, p7.Content, want)
	}
	signedAt := v.now()
	hasTime := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &signedAt) == nil
	if err := p7.Verify(); err != nil {
		var md *pkcs7.MessageDigestMismatchError
		var st *pkcs7.SigningTimeNotValidError
		switch {
		case errors.As(err, &md):
			return Result{}, nil, refuse(CodeTampered, "the document's digest does not match the signed digest: the bytes were changed")
		case errors.As(err, &st):
			return Result{}, nil, refuse(CodeExpired, "signed at %s, outside the certificate's validity %s – %s",
				st.SigningTime.UTC().Format(time.RFC3339), st.NotBefore.UTC().Format(time.RFC3339), st.NotAfter.UTC().Format(time.RFC3339))
		default:
			return Result{}, nil, refuse(CodeBadSignature, "the signature value does not verify: %v", err)
		}
	}
	signedAt = signedAt.UTC()
	res := Result{Signer: ParseSubject(ee), Serial: ee.SerialNumber.Text(16), Issuer: ee.Issuer.String(), SignedAt: signedAt,
		Algorithm: ee.SignatureAlgorithm.String(), Certificate: ee}
	if !hasTime && (signedAt.Before(ee.NotBefore) || signedAt.After(ee.NotAfter)) {
		return Result{}, nil, refuse(CodeExpired, "no signing time in the signature and now (%s) is outside the certificate's validity %s – %s",
			signedAt.Format(time.RFC3339), ee.NotBefore.UTC().Format(time.RFC3339), ee.NotAfter.UTC().Format(time.RFC3339))
	}
	if err := checkKeyUsage(ee); err != nil {
		return Result{}, nil, err
	}
	chain, err := v.chain(ee, p7.Certificates, signedAt)
	if err != nil {
		return Result{}, nil, err
	}
	for _, c := range chain {
		res.Chain = append(res.Chain, c.Subject.String())
	}
	if res.Revocation, err = v.revocation(ctx, chain, signedAt); err != nil {
		return Result{}, nil, err
	}
	if err := match(res.Signer, want); err != nil {
		return Result{}, nil, err
	}
	return res, p7.Content, nil
}

func (v *Verifier) now() time.Time {
	if v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

func isGOST(c *x509.Certificate) bool {
	if c.PublicKeyAlgorithm != x509.UnknownPublicKeyAlgorithm {
		return false
	}
	var spki struct {
		Raw       asn1.RawContent
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	a := spki.Algorithm.Algorithm
	return len(a) > len(oidGOSTArc) && a[:len(oidGOSTArc)].Equal(oidGOSTArc)
}

func (v *Verifier) external(ctx context.Context, der, content []byte, want Expect) (Result, []byte, error) {
	if v.External == nil {
		return Result{}, nil, refuse(CodeUnsupported, "a GOST 34.310 signature needs the external verification service, which is not configured")
	}
	res, err := v.External.VerifyCMS(ctx, der, content)
	if err != nil {
		if CodeOf(err) != "" {
			return Result{}, nil, err
		}
		return Result{}, nil, refuse(CodeExternal, "the external verification service failed: %v", err)
	}
	if err := match(res.Signer, want); err != nil {
		return Result{}, nil, err
	}
	return res, content, nil
}

// checkKeyUsage: an NCA signing certificate carries digitalSignature and,
// for legally significant signatures, nonRepudiation; a certificate that
// states key usages without either (an authentication-only key) is refused.
func checkKeyUsage(c *x509.Certificate) error {
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return refuse(CodeKeyUsage, "the certificate of %s is not for signing (its key usage has neither digitalSignature nor nonRepudiation)", Who(c))
	}
	if c.IsCA {
		return refuse(CodeKeyUsage, "the signer's certificate (%s) is a CA certificate", Who(c))
	}
	return nil
}

func (v *Verifier) chain(ee *x509.Certificate, inCMS []*x509.Certificate, at time.Time) ([]*x509.Certificate, error) {
	if v.Roots == nil {
		return nil, refuse(CodeUntrusted, "no NCA root certificates are configured (trust store)")
	}
	inter := x509.NewCertPool()
	for _, c := range slices.Concat(v.Intermediates, inCMS) {
		if !c.Equal(ee) {
			inter.AddCert(c)
		}
	}
	chains, err := ee.Verify(x509.VerifyOptions{Roots: v.Roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired {
			return nil, refuse(CodeExpired, "a certificate of the chain was not valid at the signing time %s: %v", at.Format(time.RFC3339), err)
		}
		return nil, refuse(CodeUntrusted, "no chain from the certificate of %s to a configured NCA root: %v", Who(ee), err)
	}
	return chains[0], nil
}

// revocation checks every certificate but the root against the CRLs (and
// the signer against OCSP). A revocation dated after the signing time does
// not invalidate what was signed before it.
func (v *Verifier) revocation(ctx context.Context, chain []*x509.Certificate, at time.Time) (string, error) {
	how := map[string]bool{}
	for i := 0; i+1 < len(chain); i++ {
		c, issuer := chain[i], chain[i+1]
		known := false
		for _, crl := range v.CRLs {
			if !bytes.Equal(crl.RawIssuer, c.RawIssuer) || crl.CheckSignatureFrom(issuer) != nil {
				continue
			}
			known = true
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(c.SerialNumber) == 0 && !e.RevocationTime.After(at) {
					return "", refuse(CodeRevoked, "the certificate of %s (serial %s) was revoked on %s, before the signing time %s (CRL of %s)",
						Who(c), c.SerialNumber.Text(16), e.RevocationTime.UTC().Format(time.RFC3339), at.Format(time.RFC3339), issuer.Subject.String())
				}
			}
		}
		if known {
			how["crl"] = true
		}
		if i == 0 && v.OCSP != nil {
			st, err := v.OCSP.Check(ctx, c, issuer)
			switch {
			case err != nil:
				// unreachable: CRLs decide (RequireRevocation below)
			case st.Revoked && !st.RevokedAt.After(at):
				return "", refuse(CodeRevoked, "the certificate of %s was revoked on %s (OCSP), before the signing time %s",
					Who(c), st.RevokedAt.UTC().Format(time.RFC3339), at.Format(time.RFC3339))
			default:
				known = true
				how["ocsp"] = true
			}
		}
		if !known && v.RequireRevocation {
			return "", refuse(CodeRevoked, "revocation of the certificate of %s cannot be checked: no CRL of %s is configured and OCSP gave no answer",
				Who(c), issuer.Subject.String())
		}
	}
	switch {
	case how["crl"] && how["ocsp"]:
		return "crl+ocsp", nil
	case how["crl"]:
		return "crl", nil
	case how["ocsp"]:
		return "ocsp", nil
	}
	return "none", nil
}

func match(s Subject, want Expect) error {
	if want.IIN != "" && s.IIN != want.IIN {
		if s.IIN == "" {
			return refuse(CodeWrongSigner, "the certificate carries no IIN; the user's IIN is %s", want.IIN)
		}
		return refuse(CodeWrongSigner, "signed by IIN %s, but the user's IIN is %s", s.IIN, want.IIN)
	}
	if want.BIN != "" && s.BIN != want.BIN {
		if s.BIN == "" {
			return refuse(CodeWrongSigner, "the certificate is a personal one (no BIN); the organization's BIN %s is required", want.BIN)
		}
		return refuse(CodeWrongSigner, "signed for BIN %s, but the organization's BIN is %s", s.BIN, want.BIN)
	}
	return nil
}
