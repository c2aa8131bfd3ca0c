package signature

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// External verifies a CMS signature the desk cannot verify itself (GOST
// 34.310 / 34.10-2015 keys, which have no Go implementation). It returns a
// *Refusal when the service says the signature is not valid.
type External interface {
	VerifyCMS(ctx context.Context, cms, content []byte) (Result, error)
}

// NCANode talks to an NCANode-style verification service over HTTP: POST
// {URL}/cms/verify with {"cms": base64, "data": base64, "revocationCheck":
// ["OCSP","CRL"]}, answered with {"valid": bool, "signers": [{"certificates":
// [{"subject": {...}, "serialNumber", "notBefore", "notAfter", "valid"}],
// "signingTime"}], "message"} — the shape of NCANode 3's /cms/verify.
type NCANode struct {
	URL    string
	Client *http.Client
}

type ncaSubject struct {
	CommonName string `json:"commonName"`
	Surname    string `json:"surName"`
	GivenName  string `json:"lastName"`
	IIN        string `json:"iin"`
	BIN        string `json:"bin"`
	Org        string `json:"organization"`
	Country    string `json:"country"`
}

type ncaCert struct {
	Subject      ncaSubject `json:"subject"`
	Issuer       ncaSubject `json:"issuer"`
	SerialNumber string     `json:"serialNumber"`
	NotBefore    time.Time  `json:"notBefore"`
	NotAfter     time.Time  `json:"notAfter"`
	Valid        bool       `json:"valid"`
	Revoked      bool       `json:"revoked,omitempty"`
	SignAlg      string     `json:"signAlg"`
}

// NCANodeRequest and NCANodeResponse are the wire shapes (the stand-in
// server in tests answers them too).
type NCANodeRequest struct {
	CMS             string   `json:"cms"`
	Data            string   `json:"data,omitempty"`
	RevocationCheck []string `json:"revocationCheck"`
}

type NCANodeResponse struct {
	Valid   bool   `json:"valid"`
	Message string `json:"message,omitempty"`
	Code    string `json:"code,omitempty"`
	Signers []struct {
		Certificates []ncaCert `json:"certificates"`
		SigningTime  time.Time `json:"signingTime"`
	} `json:"signers"`
}

func (n NCANode) VerifyCMS(ctx context.Context, cms, content []byte) (Result, error) {
	body, _ := json.Marshal(NCANodeRequest{CMS: base64.StdEncoding.EncodeToString(cms),
		Data: base64.StdEncoding.EncodeToString(content), RevocationCheck: []string{"OCSP", "CRL"}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL+"/cms/verify", bytes.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	c := n.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Result{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Result{}, fmt.Errorf("NCANode answered %s", resp.Status)
	}
	var r NCANodeResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return Result{}, fmt.Errorf("NCANode answer: %w", err)
	}
	if !r.Valid {
		code := Code(r.Code)
		if code == "" {
			code = CodeExternal
		}
		return Result{}, refuse(code, "the external verification service refused: %s", r.Message)
	}
	if len(r.Signers) != 1 || len(r.Signers[0].Certificates) == 0 {
		return Result{}, fmt.Errorf("NCANode answer: exactly one signer with its certificate expected")
	}
	s := r.Signers[0]
	ee := s.Certificates[0]
	res := Result{Signer: Subject{CommonName: ee.Subject.CommonName, Surname: ee.Subject.Surname, GivenName: ee.Subject.GivenName,
		IIN: ee.Subject.IIN, BIN: ee.Subject.BIN, Organization: ee.Subject.Org, Country: ee.Subject.Country},
		Serial: ee.SerialNumber, Issuer: ee.Issuer.CommonName, SignedAt: s.SigningTime.UTC(), Algorithm: ee.SignAlg, Revocation: "external"}
	for _, c := range s.Certificates {
		res.Chain = append(res.Chain, c.Subject.CommonName)
	}
	return res, nil
}
