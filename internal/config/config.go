// Package config is the desk's one configuration struct, filled from flags
// with environment variables as defaults, and passed explicitly.
package config

import (
	"flag"
	"fmt"
	"os"
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
	// Uploads (issue 11): the clamd every file is scanned by ("off": no
	// scanning, a warning at start; empty: uploads refused), the files
	// directory, and the largest file.
	Clamd     string
	FilesDir  string
	UploadMax string
}

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
		{"clamd", "TENDERDESK_CLAMD", "", "ClamAV clamd every uploaded file is scanned by: unix:/path/to/clamd.ctl or tcp:host:port; off turns scanning off (a warning at start); empty refuses uploads (Q26)", &c.Clamd},
		{"files-dir", "TENDERDESK_FILES_DIR", "", "directory of uploaded files (content-addressed); default: files/ in the SQLite data directory, ./tenderdesk-files with PostgreSQL", &c.FilesDir},
		{"upload-max", "TENDERDESK_UPLOAD_MAX", "100MB", "largest uploaded file (parts are at most 20 MB, Q8), e.g. 100MB", &c.UploadMax},
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
	return nil
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
