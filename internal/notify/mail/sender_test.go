package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/emersion/go-message/charset"
	gmail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const kazakhLetters = "ә ғ қ ң ө ұ ү һ і"

var fixedNow = time.Date(2026, 2, 2, 5, 30, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

// sink is an in-process SMTP server that records what it receives.
type sink struct {
	mu       sync.Mutex
	got      []received
	user     string // when set, AUTH PLAIN with user/pass is required
	pass     string
	rcptCode int // when set, RCPT answers this code
}

type received struct {
	from   string
	to     []string
	raw    []byte
	tls    bool
	authed bool
}

func (s *sink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &sinkSession{s: s, c: c}, nil
}

type sinkSession struct {
	s      *sink
	c      *smtp.Conn
	from   string
	to     []string
	authed bool
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if c := ss.s.rcptCode; c != 0 {
		return &smtp.SMTPError{Code: c, EnhancedCode: smtp.EnhancedCode{c / 100, 1, 1}, Message: "no"}
	}
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, received{from: ss.from, to: ss.to, raw: b, tls: isTLS, authed: ss.authed})
	ss.s.mu.Unlock()
	return nil
}
func (ss *sinkSession) Reset()        {}
func (ss *sinkSession) Logout() error { return nil }

func (s *sink) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// serve starts the sink on ln; implicit wraps the listener in TLS.
func serve(t *testing.T, s *sink, ln net.Listener, tc *tls.Config, implicit bool) {
	t.Helper()
	srv := smtp.NewServer(s)
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = tc == nil
	srv.ErrorLog = nopLog{}
	if tc != nil && !implicit {
		srv.TLSConfig = tc
	}
	if implicit {
		ln = tls.NewListener(ln, tc)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

type nopLog struct{}

func (nopLog) Printf(string, ...any) {}
func (nopLog) Println(...any)        {}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sink.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func newSender(t testing.TB, url string, pool *x509.CertPool) *Sender {
	t.Helper()
	cfg := Config{RelayURL: url, From: "Tenderdesk <noreply@desk.example>", HELO: "desk.example", Timeout: 10 * time.Second, Now: clock}
	if pool != nil {
		cfg.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sample() Message {
	return Message{
		MessageID:     "n-42.r-7@desk.example",
		To:            []string{"aigerim@example.kz"},
		Subject:       "Өтінім 2026-000123 тіркелді (" + kazakhLetters + ")",
		Text:          "Сіздің өтініміңіз тіркелді: 2026-000123.\nҚұрметпен, қолдау қызметі.",
		HTML:          "<p>Сіздің өтініміңіз тіркелді: <b>2026-000123</b>.</p>",
		AutoSubmitted: true,
		InReplyTo:     "kk-b64-1@example.kz",
		References:    []string{"kk-b64-1@example.kz"},
	}
}

// decoded is what a recipient's mail program would show.
type decoded struct {
	subject, messageID, autoSubmitted, inReplyTo, text, html string
	date                                                     time.Time
}

func decode(t *testing.T, raw []byte) decoded {
	t.Helper()
	r, err := gmail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("received mail does not parse: %v\n%s", err, raw)
	}
	var d decoded
	d.subject, _ = r.Header.Subject()
	d.messageID, _ = r.Header.MessageID()
	d.date, _ = r.Header.Date()
	d.autoSubmitted = r.Header.Get("Auto-Submitted")
	d.inReplyTo = r.Header.Get("In-Reply-To")
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		h, ok := p.Header.(*gmail.InlineHeader)
		if !ok {
			continue // an attachment (attach_test.go reads those)
		}
		ct, _, _ := h.ContentType()
		switch ct {
		case "text/plain":
			d.text = string(b)
		case "text/html":
			d.html = string(b)
		}
	}
	return d
}

func checkSample(t *testing.T, got received) {
	t.Helper()
	d := decode(t, got.raw)
	want := sample()
	if d.subject != want.Subject {
		t.Errorf("subject = %q, want %q", d.subject, want.Subject)
	}
	if d.messageID != want.MessageID {
		t.Errorf("message-id = %q", d.messageID)
	}
	if d.autoSubmitted != "auto-generated" || d.inReplyTo != "<kk-b64-1@example.kz>" {
		t.Errorf("auto-submitted %q in-reply-to %q", d.autoSubmitted, d.inReplyTo)
	}
	// QP on the wire uses CRLF line ends; a mail program shows plain lines.
	if strings.TrimRight(strings.ReplaceAll(d.text, "\r\n", "\n"), "\n") != want.Text || strings.TrimRight(d.html, "\r\n") != want.HTML {
		t.Errorf("parts: text %q html %q", d.text, d.html)
	}
	if !d.date.Equal(fixedNow) {
		t.Errorf("date = %v, want the injected clock's %v", d.date, fixedNow)
	}
	if got.from != "noreply@desk.example" || len(got.to) != 1 || got.to[0] != "aigerim@example.kz" {
		t.Errorf("envelope %s → %v", got.from, got.to)
	}
}

// A real SMTP conversation with a plain relay: the Kazakh subject, both
// parts and the caller's Message-ID arrive intact.
func TestSendPlainRelay(t *testing.T) {
	s := &sink{}
	ln := listen(t)
	serve(t, s, ln, nil, false)
	snd := newSender(t, "smtp://"+ln.Addr().String(), nil)
	if err := snd.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	got := s.messages()
	if len(got) != 1 {
		t.Fatalf("sink got %d messages", len(got))
	}
	checkSample(t, got[0])
	if got[0].tls {
		t.Error("TLS without a certificate?")
	}
}

// STARTTLS is used when offered (self-signed certificate trusted by the
// test's pool) and AUTH PLAIN happens inside it.
func TestSendStartTLSWithAuth(t *testing.T) {
	tc, pool := selfSigned(t)
	s := &sink{user: "desk", pass: "p@ss:word/ә"}
	ln := listen(t)
	serve(t, s, ln, tc, false)
	snd := newSender(t, "smtp://desk:p%40ss%3Aword%2F%D3%99@"+ln.Addr().String()+"?starttls=required", pool)
	if err := snd.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	got := s.messages()
	if len(got) != 1 || !got[0].tls || !got[0].authed {
		t.Fatalf("got %+v", got)
	}
	checkSample(t, got[0])
}

func TestSendImplicitTLS(t *testing.T) {
	tc, pool := selfSigned(t)
	s := &sink{user: "desk", pass: "secret"}
	ln := listen(t)
	serve(t, s, ln, tc, true)
	snd := newSender(t, "smtps://desk:secret@"+ln.Addr().String(), pool)
	if err := snd.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if got := s.messages(); len(got) != 1 || !got[0].tls || !got[0].authed {
		t.Fatalf("got %+v", got)
	}
}

// An untrusted certificate is not silently accepted.
func TestSendRefusesUntrustedCertificate(t *testing.T) {
	tc, _ := selfSigned(t)
	s := &sink{}
	ln := listen(t)
	serve(t, s, ln, tc, false)
	snd := newSender(t, "smtp://"+ln.Addr().String()+"?starttls=required", nil)
	err := snd.Send(context.Background(), sample())
	if err == nil || len(s.messages()) != 0 {
		t.Fatalf("sent over an unverified TLS connection: %v", err)
	}
}

func TestSendWrongPasswordIsTemporary(t *testing.T) {
	tc, pool := selfSigned(t)
	s := &sink{user: "desk", pass: "right"}
	ln := listen(t)
	serve(t, s, ln, tc, false)
	err := newSender(t, "smtp://desk:wrong@"+ln.Addr().String(), pool).Send(context.Background(), sample())
	if err == nil || !IsTemporary(err) {
		t.Fatalf("want a temporary error (a credentials fix makes the retry succeed), got %v", err)
	}
}

// The relay is down: the sender says "temporary"; once it is back up the
// same message (same Message-ID) goes through.
// The outbox's IDs come with brackets (notify.MessageID); they are the same ID.
func TestSendAcceptsBracketedMessageID(t *testing.T) {
	s := &sink{}
	ln := listen(t)
	serve(t, s, ln, nil, false)
	m := sample()
	m.MessageID, m.InReplyTo = "<"+m.MessageID+">", "<"+m.InReplyTo+">"
	if err := newSender(t, "smtp://"+ln.Addr().String(), nil).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	checkSample(t, s.messages()[0])
}

func TestSendRelayDownThenUp(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	snd := newSender(t, "smtp://"+addr, nil)
	err := snd.Send(context.Background(), sample())
	if err == nil || !IsTemporary(err) || IsPermanent(err) {
		t.Fatalf("relay down: want a temporary error, got %v", err)
	}
	var me *Error
	if !errors.As(err, &me) || me.Stage != "dial" {
		t.Errorf("error = %#v", err)
	}

	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("reopen %s: %v", addr, err)
	}
	s := &sink{}
	serve(t, s, ln2, nil, false)
	if err := snd.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if got := s.messages(); len(got) != 1 {
		t.Fatalf("got %d", len(got))
	} else {
		checkSample(t, got[0])
	}
}

func TestSendRejectedRecipientIsPermanent(t *testing.T) {
	for code, temp := range map[int]bool{550: false, 451: true} {
		s := &sink{rcptCode: code}
		ln := listen(t)
		serve(t, s, ln, nil, false)
		err := newSender(t, "smtp://"+ln.Addr().String(), nil).Send(context.Background(), sample())
		var me *Error
		if !errors.As(err, &me) || me.Temporary != temp || me.Code != code {
			t.Errorf("RCPT %d: got %v (%#v), want temporary=%v", code, err, me, temp)
		}
	}
}

func TestSendRefusesBadMessages(t *testing.T) {
	snd := newSender(t, "smtp://127.0.0.1:1", nil)
	for name, mod := range map[string]func(*Message){
		"no id":         func(m *Message) { m.MessageID = "" },
		"id without @":  func(m *Message) { m.MessageID = "<ab>" },
		"id with space": func(m *Message) { m.MessageID = "a b@c" },
		"no recipient":  func(m *Message) { m.To = nil },
		"bad recipient": func(m *Message) { m.To = []string{"not an address"} },
		"no text":       func(m *Message) { m.Text = "" },
		"header inject": func(m *Message) { m.Headers = map[string]string{"X-A": "1\r\nBcc: x@y"} },
	} {
		m := sample()
		mod(&m)
		err := snd.Send(context.Background(), m)
		if !IsPermanent(err) {
			t.Errorf("%s: want permanent error, got %v", name, err)
		}
	}
}

func TestParseRelayURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Relay
		err  string
	}{
		{in: "smtp://mx.example.kz", want: Relay{Host: "mx.example.kz", Port: 25, StartTLS: "opportunistic"}},
		{in: "smtp://u:p@mx.example.kz:587", want: Relay{Host: "mx.example.kz", Port: 587, Username: "u", Password: "p", StartTLS: "opportunistic", Auth: "plain"}},
		{in: "smtps://u:p%40x@mx.example.kz", want: Relay{Host: "mx.example.kz", Port: 465, Username: "u", Password: "p@x", ImplicitTLS: true, StartTLS: "opportunistic", Auth: "plain"}},
		{in: "SMTP://[::1]:2525?starttls=off", want: Relay{Host: "::1", Port: 2525, StartTLS: "off"}},
		{in: "smtp://u:p@h?auth=login&starttls=required", want: Relay{Host: "h", Port: 25, Username: "u", Password: "p", StartTLS: "required", Auth: "login"}},
		{in: "", err: "empty"},
		{in: "mx.example.kz:25", err: "scheme"},
		{in: "http://mx", err: "not supported"},
		{in: "smtp://", err: "no host"},
		{in: "smtp://h:99999", err: "1–65535"},
		{in: "smtp://h:x", err: "smtp relay URL"},
		{in: "smtp://h/path", err: "path"},
		{in: "smtp://h?tls=1", err: "unknown"},
		{in: "smtp://h?starttls=maybe", err: "starttls"},
		{in: "smtp://h?auth=login", err: "user name"},
		{in: "smtp://h?auth=ntlm", err: "auth="},
		{in: "smtp://:secret@h", err: "no user name"},
	} {
		got, err := ParseRelayURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRelayURL(%q) error = %v, want it to mention %q", tc.in, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("password leaked in %v", err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRelayURL(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	r, _ := ParseRelayURL("smtp://u:secret@h:587")
	if s := r.String(); strings.Contains(s, "secret") || s != "smtp://u@h:587" {
		t.Errorf("String() = %q", s)
	}
}

func TestNewSenderValidates(t *testing.T) {
	if _, err := NewSender(Config{RelayURL: "smtp://h", From: "x@y"}); err == nil {
		t.Error("no clock accepted")
	}
	if _, err := NewSender(Config{RelayURL: "smtp://h", From: "not an address", Now: clock}); err == nil {
		t.Error("bad From accepted")
	}
	if _, err := NewSender(Config{RelayURL: "ftp://h", From: "x@y", Now: clock}); err == nil {
		t.Error("bad URL accepted")
	}
}

// BenchmarkSendToLocalSink: one connection per message (as the outbox worker
// sends), to an in-process SMTP sink; the issue asks for ≥ 300 messages/s.
func BenchmarkSendToLocalSink(b *testing.B) {
	s := &sink{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := smtp.NewServer(s)
	srv.ErrorLog = nopLog{}
	go srv.Serve(ln)
	defer srv.Close()
	snd := newSender(b, "smtp://"+ln.Addr().String(), nil)
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			if err := snd.Send(context.Background(), sample()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("parallel-4xGOMAXPROCS", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := snd.Send(context.Background(), sample()); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}
