// Package config is the desk's one configuration struct, filled from flags
// with environment variables as defaults, and passed explicitly.
package config

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type Config struct {
	Addr           string // HTTP listen address
	DB             string // postgres://… URL, or a directory for SQLite
	AdminLogin     string
	AdminPassword  string // first start only; generated and printed once when empty
	DefaultProfile string // regulation profile for appeals that name none
	Zone           string // IANA zone for numbering years and date filters
	LogLevel       string
	ShutdownGrace  time.Duration
	SMTPListen     string // inbound mail listener; off when empty
	SMTPRelay      string // outbound relay URL smtp:// or smtps://
	MailFrom       string
	ClockWarn      string // when a clock warns before its breach: "20%" of the term left, or "30m" before
	ClockTick      string // how often the scheduler scans for due clocks
	// MailProfile maps support addresses to regulation profiles of inbound
	// mail: "addr=profile,@domain=profile" (issue 5; R1's separate addresses).
	MailProfile string
	// The authorized body's and its IT-security unit's addresses for the
	// notices of Q37.1 and Q42 (issue 5).
	AuthorityEmail         string
	AuthoritySecurityEmail string

	// Issue 9 (hardening). PublicURL is the address users reach the desk
	// at; https:// makes the session cookie Secure behind a TLS proxy, sends
	// HSTS and refuses sign-in over plain HTTP from off the machine (E30).
	PublicURL string
	TLSCert   string // PEM certificate chain: the desk serves TLS itself (reloaded on change)
	TLSKey    string
	// MetricsAccess is who may read /metrics: open, token (MetricsToken as
	// a bearer token) or loopback.
	MetricsAccess string
	MetricsToken  string
	HashMemoryMiB string // memory all concurrent password checks share
	// Patterns of the portal's announcement and lot numbers an appeal may
	// name (they are published on the status page).
	AnnouncementPattern string
	LotPattern          string
}

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

// Var is one setting: flag name, environment variable, default, help.
type Var struct {
	Flag, Env, Default, Help string
	Dest                     *string
}

func (c *Config) vars() []Var {
	return []Var{
		{"addr", "TENDERDESK_ADDR", "127.0.0.1:8080", "HTTP listen address", &c.Addr},
		{"db", "TENDERDESK_DB", "tenderdesk-data", "database: postgres://user@host/db URL, or a directory for the embedded SQLite", &c.DB},
		{"admin-login", "TENDERDESK_ADMIN_LOGIN", "admin", "login of the administrator created on first start", &c.AdminLogin},
		{"admin-password", "TENDERDESK_ADMIN_PASSWORD", "", "password of that administrator (first start only; generated and printed once when empty)", &c.AdminPassword},
		{"profile", "TENDERDESK_PROFILE", "kz-quasi", "regulation profile for appeals that name none (bare name: the version in force)", &c.DefaultProfile},
		{"zone", "TENDERDESK_ZONE", "Asia/Almaty", "time zone of the desk (numbering year, date filters)", &c.Zone},
		{"log-level", "TENDERDESK_LOG_LEVEL", "info", "debug, info, warn or error", &c.LogLevel},
		{"smtp-listen", "TENDERDESK_SMTP_LISTEN", "", "address to receive support mail on (off when empty)", &c.SMTPListen},
		{"smtp-relay", "TENDERDESK_SMTP_RELAY", "", "outbound mail relay: smtp://user:pass@host:port or smtps://…", &c.SMTPRelay},
		{"clock-warn", "TENDERDESK_CLOCK_WARN", "20%", "when a clock warns before its breach: a share of the term left (20%) or a time before the deadline (30m), in the clock's own base", &c.ClockWarn},
		{"clock-tick", "TENDERDESK_CLOCK_TICK", "5s", "how often the scheduler looks for due clocks", &c.ClockTick},
		{"mail-from", "TENDERDESK_MAIL_FROM", "support@tenderdesk.local", "sender address of the desk's mail", &c.MailFrom},
		{"mail-profile", "TENDERDESK_MAIL_PROFILE", "", "support addresses the SMTP listener takes mail for, each with the regulation profile of its appeals: addr=profile,@domain=profile (--mail-from is always accepted, with --profile)", &c.MailProfile},
		{"authority-email", "TENDERDESK_AUTHORITY_EMAIL", "", "the authorized body's address for medium/high failure notices (Q37.1)", &c.AuthorityEmail},
		{"authority-security-email", "TENDERDESK_AUTHORITY_SECURITY_EMAIL", "", "its IT-security unit's address for those notices (Q42)", &c.AuthoritySecurityEmail},
		{"public-url", "TENDERDESK_PUBLIC_URL", "", "the address users reach the desk at; https://… marks the session cookie Secure, sends HSTS and refuses sign-in over plain HTTP except from loopback (E30)", &c.PublicURL},
		{"tls-cert", "TENDERDESK_TLS_CERT", "", "PEM certificate (chain) file: serve HTTPS; re-read when the file changes", &c.TLSCert},
		{"tls-key", "TENDERDESK_TLS_KEY", "", "PEM private key file for --tls-cert", &c.TLSKey},
		{"metrics-access", "TENDERDESK_METRICS_ACCESS", "loopback", "who may read /metrics: open, token (bearer --metrics-token) or loopback", &c.MetricsAccess},
		{"metrics-token", "TENDERDESK_METRICS_TOKEN", "", "bearer token for /metrics when --metrics-access=token", &c.MetricsToken},
		{"hash-memory", "TENDERDESK_HASH_MEMORY", "128", "MiB that concurrent password checks may use together (64 MiB each; more sign-ins at once get 429)", &c.HashMemoryMiB},
		{"announcement-pattern", "TENDERDESK_ANNOUNCEMENT_PATTERN", DefaultAnnouncementPattern, "regular expression an announcement number in an appeal must match (it is published)", &c.AnnouncementPattern},
		{"lot-pattern", "TENDERDESK_LOT_PATTERN", DefaultLotPattern, "regular expression a lot number in an appeal must match (it is published)", &c.LotPattern},
	}
}

// Vars lists the settings, for the README table and --help.
func Vars() []Var { return (&Config{}).vars() }

// Bind registers the flags named in only (all when empty) on fs.
func (c *Config) Bind(fs *flag.FlagSet, only ...string) {
	for _, v := range c.vars() {
		if len(only) > 0 && !contains(only, v.Flag) {
			*v.Dest = envOr(v.Env, v.Default)
			continue
		}
		fs.StringVar(v.Dest, v.Flag, envOr(v.Env, v.Default), v.Help+" (env "+v.Env+")")
	}
	c.ShutdownGrace = 20 * time.Second
}

func (c *Config) Validate() error {
	if _, err := time.LoadLocation(c.Zone); err != nil {
		return fmt.Errorf("zone %q: %v", c.Zone, err)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log-level %q: accepted: debug, info, warn, error", c.LogLevel)
	}
	if strings.TrimSpace(c.DB) == "" {
		return fmt.Errorf("db: empty")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("public-url %q: want http://host… or https://host…", c.PublicURL)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("tls-cert and tls-key: give both or neither")
	}
	switch c.MetricsAccess {
	case "", "open", "loopback":
	case "token":
		if len(c.MetricsToken) < 16 {
			return fmt.Errorf("metrics-token: at least 16 characters with metrics-access=token")
		}
	default:
		return fmt.Errorf("metrics-access %q: accepted: open, token, loopback", c.MetricsAccess)
	}
	if c.HashMemoryMiB != "" {
		if n, err := strconv.Atoi(c.HashMemoryMiB); err != nil || n < 1 {
			return fmt.Errorf("hash-memory %q: a whole number of MiB", c.HashMemoryMiB)
		}
	}
	for name, p := range map[string]string{"announcement-pattern": c.AnnouncementPattern, "lot-pattern": c.LotPattern} {
		if _, err := regexp.Compile(p); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
	}
	return nil
}

// SecurePublic reports whether the public URL is https (E30).
func (c *Config) SecurePublic() bool {
	return strings.HasPrefix(strings.ToLower(c.PublicURL), "https://")
}

// HashMemory is the hash-memory setting in bytes (0: the default).
func (c *Config) HashMemory() int64 {
	n, _ := strconv.Atoi(c.HashMemoryMiB)
	return int64(n) << 20
}

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
