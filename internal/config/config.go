// Package config is the desk's one configuration: every setting is read from
// a flag (with an environment variable as its default), parsed and checked
// once at start into a typed value, and passed explicitly. A bad setting stops
// the start with one message naming every bad setting and what it accepts.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/regulation"
	"tenderdesk/internal/sla"
)

// Config is every setting, typed. Build it with Parse (or Default in code);
// the zero value of an optional setting means "not set".
type Config struct {
	Addr           string // HTTP listen address, host:port
	DB             string // postgres://… URL, or a directory for SQLite
	AdminLogin     string
	AdminPassword  string // first start only; generated and printed once when empty
	DefaultProfile string // regulation profile (family or family@version) for appeals that name none
	Zone           *time.Location
	LogLevel       slog.Level
	ShutdownGrace  time.Duration
	SMTPListen     string   // inbound mail listener host:port; off when empty
	SMTPRelay      *url.URL // outbound relay smtp:// or smtps://; nil: mail waits in the outbox
	MailFrom       Mailbox  // sender of the desk's mail; its domain names Message-IDs
	ClockWarn      sla.Warn // when a clock warns before its breach
	ClockTick      time.Duration
	// AnalysisAt is the local time of day of the daily analysis (Q43), on
	// working days of the default profile's calendar.
	AnalysisAt time.Duration
	// Syslog receivers (issue 14, Q27): TCP (TLS with the desk's
	// certificate when SyslogTLS) and UDP host:port; off when empty.
	SyslogListen, SyslogUDP string
	SyslogTLS               bool
	// MailProfile maps support addresses ("zakaz@x.kz") and domains
	// ("@x.kz") to the regulation profile of the mail they receive (R1).
	MailProfile map[string]string
	// The authorized body's and its IT-security unit's addresses for the
	// notices of Q37.1 and Q42; zero when not set.
	AuthorityEmail         Mailbox
	AuthoritySecurityEmail Mailbox
	// PublicURL is where people reach the desk (absolute links in feeds,
	// emails and pages); nil: links are relative to the request. https://
	// also makes the session cookie Secure behind a TLS proxy, sends HSTS
	// and refuses sign-in over plain HTTP from off the machine (E30).
	PublicURL *url.URL
	// Uploads (issue 11): Clamd is the clamd every file is scanned by
	// ("unix:/path" or "tcp:host:port"; "off": scanning off, a warning;
	// empty: uploads refused); FilesDir the file store ("" beside the
	// SQLite data, ./tenderdesk-files with PostgreSQL); UploadMax the
	// largest file in bytes.
	Clamd     string
	FilesDir  string
	UploadMax int64

	// Issue 9 (hardening).
	TLSCert, TLSKey string // PEM files: the desk serves TLS itself, re-read on change
	// MetricsAccess is who may read /metrics: "open", "token"
	// (MetricsToken as a bearer token) or "loopback".
	MetricsAccess string
	MetricsToken  string
	HashMemory    int64 // bytes all concurrent password checks share
	// The formats of the portal's announcement and lot numbers an appeal
	// may name (they are published on the status page).
	AnnouncementPattern, LotPattern *regexp.Regexp

	Signatures Signatures // issue 12: EDS, registers, retention (signatures.go)
	// EscalationEmail is where a requester turns about a late request
	// under the Russian profile (R-escalation: the department of state
	// order of KhMAO-Yugra, methodological support unit); zero: the page
	// names the department without an address.
	EscalationEmail Mailbox
	// WitnessEmail receives the day's signed witness of the audit chain
	// head (issue 12); zero: AuthorityEmail, the authorized body's address.
	WitnessEmail Mailbox
	// AnalysisEmail receive the daily analysis with its PDF (Q43, issue
	// 13); none: it is kept and shown in the console only.
	AnalysisEmail []Mailbox
}

// SecurePublic reports whether the desk is reached over https (E30).
func (c Config) SecurePublic() bool { return c.PublicURL != nil && c.PublicURL.Scheme == "https" }

// Default patterns of the portals' numbers: letters and digits in groups
// joined by hyphens, as goszakup's announcements ("1234567-1"), lots ("1",
// "1234567-ЗЦП1") and the quasi-state portal's long ones
// ("2026-ЗЦП-0001234567-1", "ЛОТ-0001234567-0000000001"), and the Russian
// region's 19-digit notice numbers; no spaces, markup, links or phone
// numbers in words. Narrow them per portal with the settings.
const (
	DefaultAnnouncementPattern = `^[\p{L}0-9]{1,24}(-[\p{L}0-9]{1,24}){0,5}$`
	DefaultLotPattern          = `^[\p{L}0-9]{1,24}(-[\p{L}0-9]{1,24}){0,5}$`
)

// Mailbox is a parsed address: Name may be empty; Domain is derived once.
type Mailbox struct {
	Name, Address, Domain string
}

func (m Mailbox) IsZero() bool { return m.Address == "" }

// String is the header form: "Name <addr>" or "addr".
func (m Mailbox) String() string {
	if m.Address == "" {
		return ""
	}
	return (&mail.Address{Name: m.Name, Address: m.Address}).String()
}

// ParseMailbox reads one address with net/mail; the domain is what follows
// the last "@" of the parsed address, so "Desk <a@b.kz>" gives "b.kz".
func ParseMailbox(s string) (Mailbox, error) {
	if strings.ContainsAny(s, "\r\n") {
		return Mailbox{}, errors.New("contains a line break")
	}
	p, err := mail.ParseAddress(s)
	if err != nil {
		return Mailbox{}, err
	}
	i := strings.LastIndex(p.Address, "@")
	if i <= 0 || i == len(p.Address)-1 {
		return Mailbox{}, errors.New("no domain")
	}
	return Mailbox{Name: p.Name, Address: p.Address, Domain: strings.ToLower(p.Address[i+1:])}, nil
}

// MustMailbox is ParseMailbox for literals in code and tests.
func MustMailbox(s string) Mailbox {
	m, err := ParseMailbox(s)
	if err != nil {
		panic(fmt.Sprintf("config.MustMailbox(%q): %v", s, err))
	}
	return m
}

// Setting is one setting: flag name, environment variable, default, help,
// and how its text is turned into the typed field.
type Setting struct {
	Flag, Env, Default, Help string
	// Accepts says what a good value looks like, for the error message.
	Accepts string
	parse   func(c *Config, v string) error
}

var settings = append([]Setting{
	{"addr", "TENDERDESK_ADDR", "127.0.0.1:8080", "HTTP listen address", "host:port, e.g. 127.0.0.1:8080 or :8080",
		func(c *Config, v string) (err error) { c.Addr, err = hostPort(v); return }},
	{"db", "TENDERDESK_DB", "tenderdesk-data", "database: postgres://user@host/db URL, or a directory for the embedded SQLite", "postgres://… or a directory",
		func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("empty")
			}
			if strings.Contains(v, "://") {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
					return errors.New("not a postgres:// URL")
				}
			}
			c.DB = v
			return nil
		}},
	{"admin-login", "TENDERDESK_ADMIN_LOGIN", "admin", "login of the administrator created on first start", "a login",
		func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("empty")
			}
			c.AdminLogin = v
			return nil
		}},
	{"admin-password", "TENDERDESK_ADMIN_PASSWORD", "", "password of that administrator (first start only; generated and printed once when empty)", "any text",
		func(c *Config, v string) error { c.AdminPassword = v; return nil }},
	{"profile", "TENDERDESK_PROFILE", "kz-quasi", "regulation profile for appeals that name none (bare name: the version in force)", "one of " + strings.Join(regulation.Names(), ", "),
		func(c *Config, v string) error {
			if !knownProfile(v) {
				return errors.New("unknown profile")
			}
			c.DefaultProfile = v
			return nil
		}},
	{"zone", "TENDERDESK_ZONE", "Asia/Almaty", "time zone of the desk (numbering year, date filters)", "an IANA zone, e.g. Asia/Almaty",
		func(c *Config, v string) (err error) { c.Zone, err = time.LoadLocation(v); return }},
	{"log-level", "TENDERDESK_LOG_LEVEL", "info", "debug, info, warn or error", "debug, info, warn, error",
		func(c *Config, v string) error {
			if !slices.Contains([]string{"debug", "info", "warn", "error"}, v) {
				return errors.New("unknown level")
			}
			return c.LogLevel.UnmarshalText([]byte(v))
		}},
	{"shutdown-grace", "TENDERDESK_SHUTDOWN_GRACE", "20s", "how long a stop waits for requests in flight", "a positive duration, e.g. 20s",
		func(c *Config, v string) (err error) { c.ShutdownGrace, err = positive(v); return }},
	{"smtp-listen", "TENDERDESK_SMTP_LISTEN", "", "address to receive support mail on (off when empty)", "host:port, or empty for off",
		func(c *Config, v string) (err error) {
			if v != "" {
				c.SMTPListen, err = hostPort(v)
			}
			return
		}},
	{"syslog-listen", "TENDERDESK_SYSLOG_LISTEN", "", "address to receive syslog over TCP on (RFC 5424/6587; off when empty)", "host:port, or empty for off",
		func(c *Config, v string) (err error) {
			if v != "" {
				c.SyslogListen, err = hostPort(v)
			}
			return
		}},
	{"syslog-udp", "TENDERDESK_SYSLOG_UDP", "", "address to receive syslog over UDP on (off when empty)", "host:port, or empty for off",
		func(c *Config, v string) (err error) {
			if v != "" {
				c.SyslogUDP, err = hostPort(v)
			}
			return
		}},
	{"syslog-tls", "TENDERDESK_SYSLOG_TLS", "false", "serve the TCP syslog receiver over TLS (RFC 5425) with --tls-cert and --tls-key", "true or false",
		func(c *Config, v string) (err error) { c.SyslogTLS, err = strconv.ParseBool(v); return }},
	{"smtp-relay", "TENDERDESK_SMTP_RELAY", "", "outbound mail relay: smtp://user:pass@host:port or smtps://…", "smtp://[user:pass@]host:port or smtps://…, or empty",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
				return errors.New("not an smtp:// or smtps:// URL with a host")
			}
			c.SMTPRelay = u
			return nil
		}},
	{"clock-warn", "TENDERDESK_CLOCK_WARN", "20%", "when a clock warns before its breach: a share of the term left (20%) or a time before the deadline (30m), in the clock's own base", "a percentage of the term left (0–100%, e.g. 20%) or a duration before the deadline (e.g. 30m)",
		func(c *Config, v string) (err error) { c.ClockWarn, err = parseWarn(v); return }},
	{"clock-tick", "TENDERDESK_CLOCK_TICK", "5s", "how often the scheduler looks for due clocks", "a positive duration, e.g. 5s",
		func(c *Config, v string) (err error) { c.ClockTick, err = positive(v); return }},
	{"analysis-time", "TENDERDESK_ANALYSIS_TIME", "09:00", "local time of day, on working days, of the daily analysis of the previous day's failures (Q43)", "HH:MM, 00:00–23:59",
		func(c *Config, v string) error {
			t, err := time.Parse("15:04", v)
			if err != nil {
				return errors.New("not HH:MM")
			}
			c.AnalysisAt = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
			return nil
		}},
	{"mail-from", "TENDERDESK_MAIL_FROM", "support@tenderdesk.local", "sender address of the desk's mail; its domain names Message-IDs", "an address, e.g. support@desk.kz or \"Desk <support@desk.kz>\"",
		func(c *Config, v string) (err error) { c.MailFrom, err = ParseMailbox(v); return }},
	{"mail-profile", "TENDERDESK_MAIL_PROFILE", "", "support addresses the SMTP listener takes mail for, each with the regulation profile of its appeals: addr=profile,@domain=profile (--mail-from is always accepted, with --profile)", "address=profile or @domain=profile, comma-separated, with known profiles",
		func(c *Config, v string) (err error) { c.MailProfile, err = parseMailProfile(v); return }},
	{"authority-email", "TENDERDESK_AUTHORITY_EMAIL", "", "the authorized body's address for medium/high failure notices (Q37.1)", "an address name@domain, or empty",
		func(c *Config, v string) (err error) { c.AuthorityEmail, err = optionalAddress(v); return }},
	{"escalation-email", "TENDERDESK_ESCALATION_EMAIL", "", "where a requester turns about a late request under the Russian profile (R-escalation: the regional department of state order), shown in the cabinet", "an address name@domain, or empty",
		func(c *Config, v string) (err error) { c.EscalationEmail, err = optionalAddress(v); return }},
	{"analysis-email", "TENDERDESK_ANALYSIS_EMAIL", "", "who receive the daily analysis of the previous day's failures (Q43) with its PDF in Russian and Kazakh (empty: kept and shown in the console, not mailed)", "addresses name@domain, comma-separated, or empty",
		func(c *Config, v string) error {
			c.AnalysisEmail = nil
			for _, a := range strings.Split(v, ",") {
				if a = strings.TrimSpace(a); a == "" {
					continue
				}
				m, err := optionalAddress(a)
				if err != nil {
					return fmt.Errorf("%q: %w", a, err)
				}
				c.AnalysisEmail = append(c.AnalysisEmail, m)
			}
			return nil
		}},
	{"witness-email", "TENDERDESK_WITNESS_EMAIL", "", "the authorized body's address the daily signed witness of the audit chain head is mailed to (empty: --authority-email; neither: not mailed, a warning)", "an address name@domain, or empty",
		func(c *Config, v string) (err error) { c.WitnessEmail, err = optionalAddress(v); return }},
	{"authority-security-email", "TENDERDESK_AUTHORITY_SECURITY_EMAIL", "", "its IT-security unit's address for those notices (Q42)", "an address name@domain, or empty",
		func(c *Config, v string) (err error) { c.AuthoritySecurityEmail, err = optionalAddress(v); return }},
	{"public-url", "TENDERDESK_PUBLIC_URL", "", "where people reach the desk, for absolute links in feeds, emails and pages (e.g. https://support.portal.kz)", "an absolute http:// or https:// URL, or empty",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
				return errors.New("not an absolute http(s) URL without query")
			}
			u.Path = strings.TrimSuffix(u.Path, "/")
			c.PublicURL = u
			return nil
		}},
	{"clamd", "TENDERDESK_CLAMD", "", "ClamAV clamd every uploaded file and inbound attachment is scanned by; off turns scanning off (a warning at start); empty refuses uploads (Q26)",
		"unix:/path/to/clamd.ctl, tcp:host:port, off, or empty",
		func(c *Config, v string) error {
			switch {
			case v == "", v == "off", strings.HasPrefix(v, "unix:/"), strings.HasPrefix(v, "/"):
			default:
				if _, _, err := net.SplitHostPort(strings.TrimPrefix(v, "tcp:")); err != nil {
					return errors.New("not a clamd address")
				}
			}
			c.Clamd = v
			return nil
		}},
	{"files-dir", "TENDERDESK_FILES_DIR", "", "directory of uploaded files (content-addressed); default: files/ in the SQLite data directory, ./tenderdesk-files with PostgreSQL", "a directory, or empty",
		func(c *Config, v string) error { c.FilesDir = v; return nil }},
	{"upload-max", "TENDERDESK_UPLOAD_MAX", "100MB", "largest uploaded file (parts are at most 20 MB, Q8)", "a size such as 100MB, 512KB, 1GB",
		func(c *Config, v string) (err error) { c.UploadMax, err = parseSize(v); return }},
	{"tls-cert", "TENDERDESK_TLS_CERT", "", "PEM certificate (chain) file: serve HTTPS (TLS ≥ 1.2); re-read when it changes", "a file path, or empty for plain HTTP",
		func(c *Config, v string) error { c.TLSCert = v; return nil }},
	{"tls-key", "TENDERDESK_TLS_KEY", "", "PEM private key file for --tls-cert", "a file path, with --tls-cert",
		func(c *Config, v string) error { c.TLSKey = v; return nil }},
	{"metrics-access", "TENDERDESK_METRICS_ACCESS", "loopback", "who may read /metrics: open, token (bearer --metrics-token) or loopback", "open, token, loopback",
		func(c *Config, v string) error {
			if !slices.Contains([]string{"open", "token", "loopback"}, v) {
				return errors.New("unknown access")
			}
			c.MetricsAccess = v
			return nil
		}},
	{"metrics-token", "TENDERDESK_METRICS_TOKEN", "", "bearer token for /metrics when --metrics-access=token", "at least 16 characters, or empty",
		func(c *Config, v string) error {
			if v != "" && len(v) < 16 {
				return errors.New("shorter than 16 characters")
			}
			c.MetricsToken = v
			return nil
		}},
	{"hash-memory", "TENDERDESK_HASH_MEMORY", "128", "MiB that concurrent password checks share (argon2id, 64 MiB each; at most 2 per CPU); more sign-ins at once wait up to 2 s, then get 429", "a whole number of MiB ≥ 1",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return errors.New("not a positive whole number")
			}
			c.HashMemory = int64(n) << 20
			return nil
		}},
	{"announcement-pattern", "TENDERDESK_ANNOUNCEMENT_PATTERN", DefaultAnnouncementPattern, "regular expression an appeal's announcement numbers must match (they are published on /status)", "a Go regular expression",
		func(c *Config, v string) (err error) { c.AnnouncementPattern, err = regexp.Compile(v); return }},
	{"lot-pattern", "TENDERDESK_LOT_PATTERN", DefaultLotPattern, "regular expression an appeal's lot numbers must match (they are published on /status)", "a Go regular expression",
		func(c *Config, v string) (err error) { c.LotPattern, err = regexp.Compile(v); return }},
}, signatureSettings...)

// parseSize reads "100MB", "20MiB", "512KB" or bytes; MB means MiB here.
func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GIB", 1 << 30}, {"GB", 1 << 30}, {"MIB", 1 << 20}, {"MB", 1 << 20}, {"KIB", 1 << 10}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 1<<40/mult {
		return 0, errors.New("not a size")
	}
	return n * mult, nil
}

// together checks settings that only make sense with one another.
func (c Config) together() []string {
	var bad []string
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad = append(bad, "--tls-cert and --tls-key: give both or neither")
	}
	if c.MetricsAccess == "token" && c.MetricsToken == "" {
		bad = append(bad, "--metrics-access=token needs --metrics-token")
	}
	return bad
}

// Settings lists every setting, for the README table and --help.
func Settings() []Setting { return slices.Clone(settings) }

// Parse builds a Config from raw values by flag name; a missing name takes
// its default. Every bad value is named in the one error returned.
func Parse(raw map[string]string) (Config, error) {
	var c Config
	var bad []string
	for name := range raw {
		if !slices.ContainsFunc(settings, func(s Setting) bool { return s.Flag == name }) {
			bad = append(bad, fmt.Sprintf("unknown setting %q", name))
		}
	}
	for _, s := range settings {
		v, ok := raw[s.Flag]
		if !ok {
			v = s.Default
		}
		if err := s.parse(&c, strings.TrimSpace(v)); err != nil {
			bad = append(bad, fmt.Sprintf("--%s (env %s) %q: %v; accepted: %s", s.Flag, s.Env, v, err, s.Accepts))
		}
	}
	if len(bad) == 0 {
		bad = c.together()
	}
	if len(bad) > 0 {
		return c, fmt.Errorf("bad settings:\n  %s", strings.Join(bad, "\n  "))
	}
	return c, nil
}

// Default is every setting at its default (SQLite in ./tenderdesk-data).
func Default() Config { return MustParse(nil) }

// MustParse is Parse for code and tests, where a bad literal is a bug.
func MustParse(raw map[string]string) Config {
	c, err := Parse(raw)
	if err != nil {
		panic(err)
	}
	return c
}

// Flags binds every setting (or those named in only) to fs; the others
// take their environment value or default. Load turns what was given into
// a Config after fs.Parse.
type Flags struct {
	raw map[string]*string
}

// Bind registers the flags on fs, defaults from the environment.
func Bind(fs *flag.FlagSet, only ...string) *Flags {
	f := &Flags{raw: map[string]*string{}}
	for _, s := range settings {
		v := envOr(s.Env, s.Default)
		if len(only) > 0 && !slices.Contains(only, s.Flag) {
			f.raw[s.Flag] = &v
			continue
		}
		f.raw[s.Flag] = fs.String(s.Flag, v, s.Help+" (env "+s.Env+")")
	}
	return f
}

// Load parses the bound values.
func (f *Flags) Load() (Config, error) {
	raw := make(map[string]string, len(f.raw))
	for k, v := range f.raw {
		raw[k] = *v
	}
	return Parse(raw)
}

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

func hostPort(v string) (string, error) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", errors.New("bad port")
	}
	if strings.ContainsAny(host, " /") {
		return "", errors.New("bad host")
	}
	return v, nil
}

func positive(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, errors.New("not positive")
	}
	return d, nil
}

// parseWarn reads "20%" (warn when a fifth of the term is left) or "30m"
// (that long before the deadline, in the clock's base).
func parseWarn(v string) (sla.Warn, error) {
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(pct, 64)
		if err != nil || f <= 0 || f >= 100 {
			return sla.Warn{}, errors.New("percentage out of range")
		}
		return sla.Warn{Fraction: f / 100}, nil
	}
	d, err := positive(v)
	if err != nil {
		return sla.Warn{}, err
	}
	return sla.Warn{Before: d}, nil
}

// optionalAddress is a bare address (no display name) or empty.
func optionalAddress(v string) (Mailbox, error) {
	if v == "" {
		return Mailbox{}, nil
	}
	m, err := ParseMailbox(v)
	if err != nil {
		return Mailbox{}, err
	}
	if m.Address != v {
		return Mailbox{}, errors.New("not a bare address")
	}
	return m, nil
}

// parseMailProfile reads "addr=profile,@domain=profile".
func parseMailProfile(s string) (map[string]string, error) {
	out := map[string]string{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		addr, prof, ok := strings.Cut(part, "=")
		addr, prof = strings.ToLower(strings.TrimSpace(addr)), strings.TrimSpace(prof)
		if !ok || addr == "" || prof == "" || !strings.Contains(addr, "@") {
			return nil, fmt.Errorf("%q is not address=profile or @domain=profile", part)
		}
		if !knownProfile(prof) {
			return nil, fmt.Errorf("%q: unknown profile %q", part, prof)
		}
		out[addr] = prof
	}
	return out, nil
}

// knownProfile is a family or a full version ID of the catalogue. Whether a
// version is in force is not a setting's business: an appeal is registered
// on the family's last version and flagged when none is (defect 3 of issue 8).
func knownProfile(name string) bool {
	for _, p := range regulation.Default().Profiles() {
		if p.Family == name || p.ID() == name {
			return true
		}
	}
	return false
}
