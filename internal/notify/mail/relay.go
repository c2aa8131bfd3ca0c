// Package mail sends tenderdesk's outbound email through an SMTP relay
// (STARTTLS or implicit TLS, with authentication), one message at a time,
// with the caller's Message-ID so a retry after a crash is recognisably the
// same message. Errors say whether a retry can help (see Error).
package mail

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Relay is a parsed relay URL.
type Relay struct {
	Host        string
	Port        int
	Username    string
	Password    string
	ImplicitTLS bool   // smtps://: TLS from the first byte (port 465)
	StartTLS    string // "opportunistic" (default: use it when offered), "required" or "off"
	Auth        string // "plain" (default when a user is given), "login", "cram-md5", "scram-sha-256"
}

// Addr is host:port.
func (r Relay) Addr() string { return net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) }

// String prints the relay without its password, for logs and errors.
func (r Relay) String() string {
	scheme := "smtp"
	if r.ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: r.Addr()}
	if r.Username != "" {
		u.User = url.User(r.Username)
	}
	return u.String()
}

// ParseRelayURL parses smtp://user:pass@host:port (STARTTLS when the server
// offers it; ?starttls=required refuses a server that does not, ?starttls=off
// never uses it) or smtps://user:pass@host:port (implicit TLS). Default
// ports: 25 for smtp, 465 for smtps. ?auth= picks the mechanism.
// Special characters in the password must be percent-encoded.
func ParseRelayURL(raw string) (Relay, error) {
	var r Relay
	if strings.TrimSpace(raw) == "" {
		return r, fmt.Errorf("smtp relay URL is empty (want smtp://user:pass@host:port or smtps://…)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return r, fmt.Errorf("smtp relay URL: %v (a '@' or ':' in the password must be percent-encoded)", redactErr(err, raw))
	}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		r.Port = 25
	case "smtps":
		r.Port, r.ImplicitTLS = 465, true
	case "":
		return r, fmt.Errorf("smtp relay URL has no scheme: want smtp://host:port or smtps://host:port")
	default:
		return r, fmt.Errorf("smtp relay URL scheme %q is not supported: want smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return r, fmt.Errorf("smtp relay URL has no host: want %s://host:port", u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return r, fmt.Errorf("smtp relay URL must not have a path (%q)", u.Path)
	}
	r.Host = u.Hostname()
	if r.Host == "" {
		return r, fmt.Errorf("smtp relay URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return r, fmt.Errorf("smtp relay URL port %q is not a number in 1–65535", p)
		}
		r.Port = n
	}
	if u.User != nil {
		r.Username = u.User.Username()
		r.Password, _ = u.User.Password()
		if r.Username == "" {
			return r, fmt.Errorf("smtp relay URL has a password but no user name")
		}
	}
	q := u.Query()
	for k := range q {
		if k != "starttls" && k != "auth" {
			return r, fmt.Errorf("smtp relay URL parameter %q is unknown (known: starttls, auth)", k)
		}
	}
	r.StartTLS = strings.ToLower(q.Get("starttls"))
	switch r.StartTLS {
	case "":
		r.StartTLS = "opportunistic"
	case "opportunistic", "required", "off":
	default:
		return r, fmt.Errorf("smtp relay URL starttls=%q: want opportunistic, required or off", r.StartTLS)
	}
	if r.ImplicitTLS && r.StartTLS == "required" {
		r.StartTLS = "off" // already encrypted; STARTTLS is not spoken inside TLS
	}
	r.Auth = strings.ToLower(q.Get("auth"))
	switch r.Auth {
	case "":
		if r.Username != "" {
			r.Auth = "plain"
		}
	case "plain", "login", "cram-md5", "scram-sha-256":
		if r.Username == "" {
			return r, fmt.Errorf("smtp relay URL auth=%s needs a user name", r.Auth)
		}
	default:
		return r, fmt.Errorf("smtp relay URL auth=%q: want plain, login, cram-md5 or scram-sha-256", r.Auth)
	}
	return r, nil
}

// redactErr keeps the password out of url.Parse's error text.
func redactErr(err error, raw string) string {
	s := err.Error()
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			s = strings.ReplaceAll(s, p, "xxxxx")
		}
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		if at := strings.LastIndex(raw, "@"); at > i {
			s = strings.ReplaceAll(s, raw[i+3:at], "xxxxx")
		}
	}
	return s
}
