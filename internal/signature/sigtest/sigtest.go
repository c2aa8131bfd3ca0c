// Package sigtest makes a test PKI with the real openssl command line: an
// NCA-like root, an intermediate, and signer certificates with NCA's subject
// layout (serialNumber=IIN…, OU=BIN…), and signs documents with `openssl cms
// -sign`. It is for tests only; nothing here is a fake of the verifier.
package sigtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

const cnf = `[ca]
default_ca = CA_default
[CA_default]
dir = %[1]s
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 365
default_crl_days = 30
policy = policy_any
unique_subject = no
email_in_dn = no
utf8 = yes
string_mask = utf8only
[policy_any]
commonName = supplied
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_inter]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_sign]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_auth]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`

// CA is a certificate authority kept in a directory with openssl's ca files.
type CA struct {
	t    testing.TB
	Dir  string
	Cert string // PEM path
	Key  string
	cnf  string
}

var seq atomic.Int64

// Run runs openssl with args in dir and fails the test on error.
func Run(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.Bytes()
}

func newDir(t testing.TB, base, name string) (string, string) {
	t.Helper()
	dir := filepath.Join(base, fmt.Sprintf("%s-%d", name, seq.Add(1)))
	for _, d := range []string{dir, filepath.Join(dir, "newcerts")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for f, v := range map[string]string{"index.txt": "", "serial": "1000\n", "crlnumber": "1000\n"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := filepath.Join(dir, "openssl.cnf")
	if err := os.WriteFile(c, []byte(fmt.Sprintf(cnf, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, c
}

// NewRoot makes a self-signed root CA (RSA 2048) valid 2020–2045.
func NewRoot(t testing.TB, base, subject string) *CA {
	t.Helper()
	dir, c := newDir(t, base, "root")
	ca := &CA{t: t, Dir: dir, Cert: filepath.Join(dir, "ca.pem"), Key: filepath.Join(dir, "ca.key"), cnf: c}
	Run(t, dir, "req", "-config", c, "-x509", "-utf8", "-newkey", "rsa:2048", "-nodes", "-keyout", ca.Key, "-out", ca.Cert,
		"-subj", subject, "-days", "9000", "-extensions", "v3_ca", "-set_serial", "1")
	return ca
}

// Key kinds for Issue.
const (
	RSA   = "rsa:2048"
	ECDSA = "ec"
)

// Cert is an issued certificate and its key.
type Cert struct {
	Cert, Key string
	Serial    string // hex, as openssl prints it
}

// Issue makes a certificate signed by ca. ext is a section of the config
// (v3_inter, v3_sign, v3_auth); start and end are openssl dates
// (YYYYMMDDHHMMSSZ).
func (ca *CA) Issue(subject, keyKind, ext, start, end string) Cert {
	t := ca.t
	t.Helper()
	n := seq.Add(1)
	key := filepath.Join(ca.Dir, fmt.Sprintf("c%d.key", n))
	csr := filepath.Join(ca.Dir, fmt.Sprintf("c%d.csr", n))
	crt := filepath.Join(ca.Dir, fmt.Sprintf("c%d.pem", n))
	if keyKind == ECDSA {
		Run(t, ca.Dir, "req", "-config", ca.cnf, "-new", "-utf8", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
			"-keyout", key, "-out", csr, "-subj", subject)
	} else {
		Run(t, ca.Dir, "req", "-config", ca.cnf, "-new", "-utf8", "-newkey", keyKind, "-nodes", "-keyout", key, "-out", csr, "-subj", subject)
	}
	Run(t, ca.Dir, "ca", "-batch", "-config", ca.cnf, "-cert", ca.Cert, "-keyfile", ca.Key, "-extensions", ext, "-in", csr, "-out", crt,
		"-startdate", start, "-enddate", end, "-preserveDN", "-notext", "-utf8")
	serial := strings.TrimSpace(strings.TrimPrefix(string(Run(t, ca.Dir, "x509", "-in", crt, "-noout", "-serial")), "serial="))
	return Cert{Cert: crt, Key: key, Serial: serial}
}

// Intermediate issues a sub-CA that can itself issue.
func (ca *CA) Intermediate(subject string) *CA {
	t := ca.t
	t.Helper()
	c := ca.Issue(subject, RSA, "v3_inter", "20200101000000Z", "20450101000000Z")
	dir, cf := newDir(t, filepath.Dir(ca.Dir), "inter")
	return &CA{t: t, Dir: dir, Cert: c.Cert, Key: c.Key, cnf: cf}
}

// Revoke revokes c (now) and returns a fresh CRL (PEM path).
func (ca *CA) Revoke(c Cert) string {
	ca.t.Helper()
	Run(ca.t, ca.Dir, "ca", "-config", ca.cnf, "-cert", ca.Cert, "-keyfile", ca.Key, "-revoke", c.Cert, "-crl_reason", "keyCompromise")
	return ca.CRL()
}

// CRL writes the CA's current CRL and returns its path.
func (ca *CA) CRL() string {
	ca.t.Helper()
	out := filepath.Join(ca.Dir, fmt.Sprintf("crl%d.pem", seq.Add(1)))
	Run(ca.t, ca.Dir, "ca", "-config", ca.cnf, "-cert", ca.Cert, "-keyfile", ca.Key, "-gencrl", "-out", out)
	return out
}

// Sign signs content with `openssl cms -sign` (SHA-256, signing time
// attribute, the chain certificates included); attached puts the content
// inside (-nodetach). It returns the DER CMS.
func Sign(t testing.TB, signer Cert, chain []string, content []byte, attached bool) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "doc")
	out := filepath.Join(dir, "doc.cms")
	if err := os.WriteFile(in, content, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"cms", "-sign", "-binary", "-md", "sha256", "-in", in, "-signer", signer.Cert, "-inkey", signer.Key,
		"-outform", "DER", "-out", out}
	if len(chain) > 0 {
		cf := filepath.Join(dir, "chain.pem")
		var all []byte
		for _, p := range chain {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		if err := os.WriteFile(cf, all, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-certfile", cf)
	}
	if attached {
		args = append(args, "-nodetach")
	}
	Run(t, dir, args...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// NCASubject is a signer's subject in NCA's layout; bin "" for a person.
func NCASubject(surname, given, iin, org, bin string) string {
	s := fmt.Sprintf("/C=KZ/CN=%s %s/SN=%s/GN=%s/serialNumber=IIN%s", surname, given, surname, given, iin)
	if bin != "" {
		s += fmt.Sprintf("/O=%s/OU=BIN%s", org, bin)
	}
	return s
}

// PKI is the usual set: an NCA-like root and intermediate, and a signer.
type PKI struct {
	Root, Inter *CA
	Dir         string // a trust-store directory holding the root and the intermediate
}

// NewPKI makes the root and the intermediate under t.TempDir().
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	base := t.TempDir()
	root := NewRoot(t, base, "/C=KZ/CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST ROOT")
	inter := root.Intermediate("/C=KZ/CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST")
	ts := filepath.Join(base, "trust")
	if err := os.MkdirAll(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"root.pem": root.Cert, "inter.pem": inter.Cert} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ts, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &PKI{Root: root, Inter: inter, Dir: ts}
}

// Valid dates for a signer certificate in force now (tests run 2020–2045).
const (
	From = "20200101000000Z"
	To   = "20450101000000Z"
)

// Complete returns the 12-digit IIN/BIN whose first 11 digits are p11 and
// whose control digit is right (the first that validates).
func Complete(p11 string, valid func(string) error) string {
	for d := '0'; d <= '9'; d++ {
		if s := p11 + string(d); valid(s) == nil {
			return s
		}
	}
	panic("sigtest: no control digit for " + p11)
}
