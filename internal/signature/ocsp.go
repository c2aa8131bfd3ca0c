package signature

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/ocsp"
)

// OCSPStatus is a responder's answer about one certificate.
type OCSPStatus struct {
	Revoked   bool
	RevokedAt time.Time
}

// OCSPChecker asks about a certificate; an error means "no answer" (the
// CRLs then decide), not "revoked".
type OCSPChecker interface {
	Check(ctx context.Context, cert, issuer *x509.Certificate) (OCSPStatus, error)
}

// HTTPOCSP asks the responder named in the certificate (or URL, when set).
type HTTPOCSP struct {
	URL    string
	Client *http.Client
}

func (o HTTPOCSP) Check(ctx context.Context, cert, issuer *x509.Certificate) (OCSPStatus, error) {
	url := o.URL
	if url == "" && len(cert.OCSPServer) > 0 {
		url = cert.OCSPServer[0]
	}
	if url == "" {
		return OCSPStatus{}, errors.New("ocsp: no responder")
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return OCSPStatus{}, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return OCSPStatus{}, err
	}
	hr.Header.Set("Content-Type", "application/ocsp-request")
	c := o.Client
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Second}
	}
	resp, err := c.Do(hr)
	if err != nil {
		return OCSPStatus{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return OCSPStatus{}, fmt.Errorf("ocsp: responder answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return OCSPStatus{}, err
	}
	r, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil {
		return OCSPStatus{}, err
	}
	switch r.Status {
	case ocsp.Good:
		return OCSPStatus{}, nil
	case ocsp.Revoked:
		return OCSPStatus{Revoked: true, RevokedAt: r.RevokedAt}, nil
	}
	return OCSPStatus{}, errors.New("ocsp: status unknown")
}
