package config

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c := Default()
	if c.Addr != "127.0.0.1:8080" || c.DB != "tenderdesk-data" || c.DefaultProfile != "kz-quasi" || c.Zone.String() != "Asia/Almaty" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.ClockTick != 5*time.Second || c.ClockWarn.Fraction != 0.2 || c.ShutdownGrace != 20*time.Second {
		t.Fatalf("durations: %+v", c)
	}
	if c.MailFrom.Domain != "tenderdesk.local" || c.SMTPRelay != nil || c.PublicURL != nil {
		t.Fatalf("mail/public: %+v", c)
	}
}

// Issue 8, defect 1: the mail domain is the parsed address's, not a cut of
// the raw text ("desk.example>").
func TestMailFromDomain(t *testing.T) {
	c := MustParse(map[string]string{"mail-from": "Tenderdesk <support@Desk.Example>"})
	if c.MailFrom.Domain != "desk.example" || c.MailFrom.Address != "support@Desk.Example" || c.MailFrom.Name != "Tenderdesk" {
		t.Fatalf("mail-from parsed as %+v", c.MailFrom)
	}
	if got := c.MailFrom.String(); got != `"Tenderdesk" <support@Desk.Example>` {
		t.Fatalf("header form %q", got)
	}
}

// A bad start names every bad setting in one message, each with what it accepts.
func TestEveryBadSettingNamed(t *testing.T) {
	_, err := Parse(map[string]string{"clock-tick": "soon", "clock-warn": "150%", "mail-from": "nobody", "zone": "Mars/Olympus",
		"smtp-relay": "http://relay", "public-url": "support.kz", "profile": "kz-nowhere", "addr": "8080", "log-level": "loud",
		"mail-profile": "a@b.kz=kz-nowhere", "authority-email": "Body <a@b.kz>", "db": "mysql://x", "bogus": "1"})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"--clock-tick", "--clock-warn", "--mail-from", "--zone", "--smtp-relay", "--public-url", "--profile",
		"--addr", "--log-level", "--mail-profile", "--authority-email", "--db", `unknown setting "bogus"`, "accepted: a positive duration"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n  "); n != 13 {
		t.Errorf("%d lines, want 13:\n%v", n, err)
	}
}

func TestTypedValues(t *testing.T) {
	c := MustParse(map[string]string{"clock-warn": "30m", "smtp-relay": "smtps://u:p@mail.kz:465", "public-url": "https://support.portal.kz/desk/",
		"mail-profile": " Zakaz@Ugra.example = ru-khmao-goszakaz , @quasi.kz=kz-quasi ,", "authority-email": "body@gov.kz"})
	if c.ClockWarn.Before != 30*time.Minute || c.SMTPRelay.Host != "mail.kz:465" || c.PublicURL.String() != "https://support.portal.kz/desk" {
		t.Fatalf("%+v", c)
	}
	if c.MailProfile["zakaz@ugra.example"] != "ru-khmao-goszakaz" || c.MailProfile["@quasi.kz"] != "kz-quasi" || len(c.MailProfile) != 2 {
		t.Fatalf("mail profile %v", c.MailProfile)
	}
	if c.AuthorityEmail.Address != "body@gov.kz" {
		t.Fatalf("authority %+v", c.AuthorityEmail)
	}
}

// Flags restricted to a command's own take the others from the environment.
func TestBindOnly(t *testing.T) {
	t.Setenv("TENDERDESK_CLOCK_TICK", "9s")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f := Bind(fs, "db")
	if fs.Lookup("clock-tick") != nil || fs.Lookup("db") == nil {
		t.Fatal("only db should be a flag")
	}
	if err := fs.Parse([]string{"--db", "/tmp/x"}); err != nil {
		t.Fatal(err)
	}
	c, err := f.Load()
	if err != nil || c.DB != "/tmp/x" || c.ClockTick != 9*time.Second {
		t.Fatalf("%v %+v", err, c)
	}
}

// Issue 9: the hardening settings, typed, and the pairs that go together.
func TestHardeningSettings(t *testing.T) {
	c := Default()
	if c.MetricsAccess != "loopback" || c.HashMemory != 128<<20 || c.SecurePublic() || c.TLSCert != "" ||
		!c.AnnouncementPattern.MatchString("1234567-1") || !c.LotPattern.MatchString("1234567-ЗЦП1") ||
		c.LotPattern.MatchString("позвоните 8-701-000") || c.AnnouncementPattern.MatchString("<b>1</b>") {
		t.Fatalf("defaults: %+v", c)
	}
	if c = MustParse(map[string]string{"public-url": "https://desk.kz"}); !c.SecurePublic() {
		t.Fatal("https public URL not secure")
	}
	for _, raw := range []map[string]string{
		{"tls-cert": "cert.pem"}, {"metrics-access": "token"}, {"metrics-access": "everyone"}, {"metrics-token": "short"},
		{"hash-memory": "0"}, {"lot-pattern": "(["},
	} {
		if _, err := Parse(raw); err == nil {
			t.Errorf("%v accepted", raw)
		}
	}
}

// --witness-email (issue 12): an address, or empty; anything else is named.
func TestWitnessEmailSetting(t *testing.T) {
	c, err := Parse(map[string]string{"witness-email": "witness@authority.kz"})
	if err != nil || c.WitnessEmail.Address != "witness@authority.kz" {
		t.Fatalf("%+v %v", c.WitnessEmail, err)
	}
	if _, err := Parse(map[string]string{"witness-email": "nobody"}); err == nil || !strings.Contains(err.Error(), "--witness-email") {
		t.Fatalf("a bad address was not named: %v", err)
	}
}

// --ncalayer-url (issue 12) defaults to NCALayer's own socket; it goes into
// the incident page's CSP, so only a ws(s):// host and port is taken.
func TestNCALayerURLSetting(t *testing.T) {
	if c := Default(); c.Signatures.NCALayerURL != "wss://127.0.0.1:13579" {
		t.Fatalf("default %q", c.Signatures.NCALayerURL)
	}
	c, err := Parse(map[string]string{"ncalayer-url": "ws://127.0.0.1:4444/"})
	if err != nil || c.Signatures.NCALayerURL != "ws://127.0.0.1:4444" {
		t.Fatalf("%q %v", c.Signatures.NCALayerURL, err)
	}
	for _, bad := range []string{"https://127.0.0.1:13579", "wss://127.0.0.1:13579/x", "wss://a:b@127.0.0.1:13579", "wss://127.0.0.1:13579 'unsafe-inline'"} {
		if _, err := Parse(map[string]string{"ncalayer-url": bad}); err == nil || !strings.Contains(err.Error(), "--ncalayer-url") {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

// --analysis-email (issue 13, Q43): a list of bare addresses, or empty; a
// bad one is named.
func TestAnalysisEmailSetting(t *testing.T) {
	c, err := Parse(map[string]string{"analysis-email": "a@authority.kz, b@operator.kz"})
	if err != nil || len(c.AnalysisEmail) != 2 || c.AnalysisEmail[1].Address != "b@operator.kz" {
		t.Fatalf("%+v %v", c.AnalysisEmail, err)
	}
	if c, err := Parse(map[string]string{}); err != nil || len(c.AnalysisEmail) != 0 {
		t.Fatalf("%+v %v", c.AnalysisEmail, err)
	}
	if _, err := Parse(map[string]string{"analysis-email": "a@authority.kz,not an address"}); err == nil || !strings.Contains(err.Error(), "analysis-email") || !strings.Contains(err.Error(), "not an address") {
		t.Fatalf("%v", err)
	}
}
