package signature

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/smallstep/pkcs7"
	"software.sslmate.com/src/go-pkcs12"
)

// DeskKey is the desk's own organization key (an NCA-issued legal-entity
// RSA or ECDSA certificate in a PKCS#12 file) for documents the desk issues
// itself: the audit checkpoints and the daily witness.
type DeskKey struct {
	Cert  *x509.Certificate
	Key   crypto.PrivateKey
	Chain []*x509.Certificate
}

// LoadPKCS12 reads the desk's key (modern AES/PBES2 or legacy 3DES files).
func LoadPKCS12(path, password string) (*DeskKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("desk key: %w", err)
	}
	key, cert, chain, err := pkcs12.DecodeChain(b, password)
	if err != nil {
		return nil, fmt.Errorf("desk key %s: %w", path, err)
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return nil, fmt.Errorf("desk key %s: the certificate of %s is not for signing", path, Who(cert))
	}
	return &DeskKey{Cert: cert, Key: key, Chain: chain}, nil
}

// Sign makes a detached CMS signature (SHA-256, signing time, the chain
// included) over doc.
func (k *DeskKey) Sign(doc []byte) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(doc)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSignerChain(k.Cert, k.Key, k.Chain, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("desk key: %w", err)
	}
	sd.Detach()
	return sd.Finish()
}
