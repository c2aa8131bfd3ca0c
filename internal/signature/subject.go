package signature

import (
	"crypto/x509"
	"encoding/asn1"
	"strings"

	"tenderdesk/internal/iin"
)

// Subject is what an NCA certificate says of its holder. NCA puts the IIN
// in the subject's serialNumber as "IIN" + 12 digits and, on a legal
// entity's certificate, the BIN in an organizationalUnit as "BIN" + 12
// digits; surname (2.5.4.4) and givenName (2.5.4.42) beside the CN.
type Subject struct {
	CommonName   string `json:"common_name"`
	Surname      string `json:"surname,omitempty"`
	GivenName    string `json:"given_name,omitempty"`
	IIN          string `json:"iin,omitempty"`
	BIN          string `json:"bin,omitempty"`
	Organization string `json:"organization,omitempty"`
	Country      string `json:"country,omitempty"`
}

var (
	oidSurname   = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName = asn1.ObjectIdentifier{2, 5, 4, 42}
)

// ParseSubject reads c's subject in NCA's layout. An IIN or BIN that fails
// its check digit is not taken (a malformed certificate identifies nobody).
func ParseSubject(c *x509.Certificate) Subject {
	n := c.Subject
	s := Subject{CommonName: n.CommonName}
	if len(n.Organization) > 0 {
		s.Organization = n.Organization[0]
	}
	if len(n.Country) > 0 {
		s.Country = n.Country[0]
	}
	for _, a := range n.Names {
		v, _ := a.Value.(string)
		switch {
		case a.Type.Equal(oidSurname):
			s.Surname = v
		case a.Type.Equal(oidGivenName):
			s.GivenName = v
		}
	}
	s.IIN = tagged(n.SerialNumber, "IIN")
	for _, ou := range n.OrganizationalUnit {
		if b := tagged(ou, "BIN"); b != "" {
			s.BIN = b
		}
	}
	return s
}

func tagged(v, tag string) string {
	d, ok := strings.CutPrefix(strings.TrimSpace(v), tag)
	if !ok || iin.Validate(d) != nil {
		return ""
	}
	return d
}

// Who names a certificate's holder for a reason: "CN (IIN …, BIN …)".
func Who(c *x509.Certificate) string {
	s := ParseSubject(c)
	name := s.CommonName
	if name == "" {
		name = c.Subject.String()
	}
	var ids []string
	if s.IIN != "" {
		ids = append(ids, "IIN "+s.IIN)
	}
	if s.BIN != "" {
		ids = append(ids, "BIN "+s.BIN)
	}
	if len(ids) > 0 {
		name += " (" + strings.Join(ids, ", ") + ")"
	}
	return name
}
