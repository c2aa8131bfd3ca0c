package config

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// Signatures are the settings of issue 12: EDS verification, the policy per
// action, the desk's own key, the published register's fields, retention.
// Values stay as given here (paths, lists); signature and registers parse
// them into their types at Open, where a bad file fails the boot.
type Signatures struct {
	TrustDir          string   // NCA root and intermediate certificates; "": signatures cannot be verified
	CRLFiles          []string // CRL files (PEM or DER)
	RequireRevocation bool     // refuse a signer whose revocation cannot be checked
	OCSP              string   // "off", "on" (the certificate's responder) or a responder URL
	NCANodeURL        string   // external verifier for GOST keys; "": off
	Policy            string   // action=required|optional|off,…
	DeskKey           string   // PKCS#12 of the desk's organization key; "": checkpoints unsigned
	DeskKeyPassword   string
	RegisterFields    string // fields of the role register that are published
	AccessLogYears    int    // E33: default 3
	AuditYears        int    // other audit records: at least 3 (E34)
	NCALayerURL       string // the user's local NCALayer socket the incident page signs through
}

var signatureSettings = []Setting{
	{"trust-dir", "TENDERDESK_TRUST_DIR", "", "directory of the NCA root and intermediate certificates EDS signatures are verified against (empty: signing is off)", "a directory",
		func(c *Config, v string) error { c.Signatures.TrustDir = v; return nil }},
	{"crl-files", "TENDERDESK_CRL_FILES", "", "CRL files of the NCA, comma-separated (re-read at start)", "paths, comma-separated",
		func(c *Config, v string) error { c.Signatures.CRLFiles = splitList(v); return nil }},
	{"require-revocation", "TENDERDESK_REQUIRE_REVOCATION", "true", "refuse a signature whose certificate's revocation cannot be checked (no CRL, no OCSP answer)", "true or false",
		func(c *Config, v string) (err error) {
			c.Signatures.RequireRevocation, err = strconv.ParseBool(v)
			return
		}},
	{"ocsp", "TENDERDESK_OCSP", "off", "OCSP for the signer's certificate: off, on (the responder the certificate names) or a responder URL", "off, on or an http(s) URL",
		func(c *Config, v string) error {
			if v != "off" && v != "on" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
					return errors.New("neither off, on nor an http(s) URL")
				}
			}
			c.Signatures.OCSP = v
			return nil
		}},
	{"ncanode-url", "TENDERDESK_NCANODE_URL", "", "NCANode-style verification service for GOST 34.310 signatures (empty: such signatures are refused)", "an http(s) URL",
		func(c *Config, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
					return errors.New("not an http(s) URL")
				}
			}
			c.Signatures.NCANodeURL = strings.TrimRight(v, "/")
			return nil
		}},
	{"signature-policy", "TENDERDESK_SIGNATURE_POLICY", "", "EDS per action: action=required|optional|off, comma-separated (actions: incident.confirm, incident.refute, incident.close, journal.extract, authority.report, role.grant; unnamed: optional)", "action=mode,…",
		func(c *Config, v string) error { c.Signatures.Policy = v; return nil }},
	{"desk-key", "TENDERDESK_DESK_KEY", "", "PKCS#12 file of the desk's own organization key, for the documents the desk signs itself (audit checkpoints)", "a .p12 path",
		func(c *Config, v string) error { c.Signatures.DeskKey = v; return nil }},
	{"desk-key-password", "TENDERDESK_DESK_KEY_PASSWORD", "", "password of --desk-key (prefer the environment variable)", "any text",
		func(c *Config, v string) error { c.Signatures.DeskKeyPassword = v; return nil }},
	{"register-fields", "TENDERDESK_REGISTER_FIELDS", "full_name,organization,role,previous,basis,responsible", "fields of the role register (E34) published on /registers/roles and its feeds; the date and the change always are", "full_name, organization, role, previous, basis, responsible, login, by; comma-separated",
		func(c *Config, v string) error { c.Signatures.RegisterFields = v; return nil }},
	{"ncalayer-url", "TENDERDESK_NCALAYER_URL", "wss://127.0.0.1:13579", "NCALayer's WebSocket on the user's machine, which the incident page's sign button talks to (the page's Content-Security-Policy connect-src allows only it)", "a ws:// or wss:// URL without path, query or credentials",
		func(c *Config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
				return errors.New("not a ws:// or wss:// URL of a host and port")
			}
			// As given, without a trailing slash: it is a CSP source.
			c.Signatures.NCALayerURL = u.Scheme + "://" + u.Host
			return nil
		}},
	{"access-log-retention", "TENDERDESK_ACCESS_LOG_RETENTION", "3", "years sign-in and access records are kept (E33)", "a whole number of years ≥ 1",
		func(c *Config, v string) error { return years(&c.Signatures.AccessLogYears, v, 1) }},
	{"audit-retention", "TENDERDESK_AUDIT_RETENTION", "3", "years other audit records are kept (the Journal's history is kept always)", "a whole number of years ≥ 3",
		func(c *Config, v string) error { return years(&c.Signatures.AuditYears, v, 3) }},
}

func years(dst *int, v string, least int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < least || n > 100 {
		return errors.New("not a whole number of years in range")
	}
	*dst = n
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
