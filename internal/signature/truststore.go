package signature

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// TrustStore is the NCA certificates the desk trusts, read from a
// directory of .pem/.crt/.cer files (PEM or DER): self-signed ones are
// roots, the others intermediates.
type TrustStore struct {
	Roots         *x509.CertPool
	Intermediates []*x509.Certificate
	RootCerts     []*x509.Certificate
}

// LoadTrustDir reads dir. A file that is not a certificate is an error
// naming it (a misplaced file must not silently weaken the store).
func LoadTrustDir(dir string) (*TrustStore, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	ts := &TrustStore{Roots: x509.NewCertPool()}
	for _, e := range ents {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || !slices.Contains([]string{".pem", ".crt", ".cer", ".der"}, ext) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("trust store: %w", err)
		}
		certs, err := ParseCertificates(b)
		if err != nil {
			return nil, fmt.Errorf("trust store: %s: %w", e.Name(), err)
		}
		for _, c := range certs {
			ts.Add(c)
		}
	}
	if len(ts.RootCerts) == 0 {
		return nil, fmt.Errorf("trust store: %s holds no self-signed (root) certificate", dir)
	}
	return ts, nil
}

// Add puts c among the roots (self-signed) or the intermediates.
func (ts *TrustStore) Add(c *x509.Certificate) {
	if c.CheckSignatureFrom(c) == nil && c.IsCA {
		ts.Roots.AddCert(c)
		ts.RootCerts = append(ts.RootCerts, c)
		return
	}
	ts.Intermediates = append(ts.Intermediates, c)
}

// ParseCertificates reads PEM (one or more CERTIFICATE blocks) or DER.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		return out, nil
	}
	return x509.ParseCertificates(b)
}

// LoadCRLs reads CRL files (PEM "X509 CRL" or DER).
func LoadCRLs(paths []string) ([]*x509.RevocationList, error) {
	var out []*x509.RevocationList
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("crl: %w", err)
		}
		der := b
		if blk, _ := pem.Decode(b); blk != nil {
			der = blk.Bytes
		}
		l, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, fmt.Errorf("crl %s: %w", p, err)
		}
		out = append(out, l)
	}
	return out, nil
}
