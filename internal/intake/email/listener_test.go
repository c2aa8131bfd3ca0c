package email

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var arrival = time.Date(2026, 2, 2, 5, 15, 0, 0, time.UTC) // 10:15 Astana (UTC+5)

type recorder struct {
	mu   sync.Mutex
	envs []Envelope
	msgs []*Message
	raws [][]byte
	fail error // returned by Deliver while set
}

func (r *recorder) Deliver(ctx context.Context, env Envelope, raw Raw) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	// Read twice, as the wiring will: parse, then keep the original.
	m, err := Parse(ctx, raw.Reader(), Options{Envelope: &env})
	if err != nil {
		return err
	}
	b, err := io.ReadAll(raw.Reader())
	if err != nil {
		return err
	}
	if int64(len(b)) != raw.Size() || NewRaw(b).SHA256() != raw.SHA256() {
		return errors.New("raw size or digest mismatch")
	}
	r.envs, r.msgs, r.raws = append(r.envs, env), append(r.msgs, m), append(r.raws, b)
	return nil
}

func (r *recorder) setFail(err error) { r.mu.Lock(); r.fail = err; r.mu.Unlock() }

func startListener(t *testing.T, h Handler, mod func(*ListenerConfig)) *Listener {
	t.Helper()
	cfg := ListenerConfig{
		Addr:   "127.0.0.1:0",
		Accept: []string{"support@goszakup.example.kz", "@support.example.ru"},
		Now:    func() time.Time { return arrival },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	l, err := Listen(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return l
}

func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// A real SMTP conversation: net/smtp (the client side every Go program has)
// sends a Kazakh message to the listener, and the handler gets it intact
// with the envelope and the injected arrival time.
func TestListenerReceivesRealSMTPConversation(t *testing.T) {
	rec := &recorder{}
	l := startListener(t, rec, nil)
	raw, err := os.ReadFile("testdata/kazakh_subject_base64.eml")
	if err != nil {
		t.Fatal(err)
	}
	if err := smtp.SendMail(l.Addr().String(), nil, "aigerim@example.kz", []string{"Support@Goszakup.example.kz"}, raw); err != nil {
		t.Fatal(err)
	}
	if len(rec.msgs) != 1 {
		t.Fatalf("handler got %d messages", len(rec.msgs))
	}
	env, m := rec.envs[0], rec.msgs[0]
	if env.From != "aigerim@example.kz" || len(env.To) != 1 || !env.ReceivedAt.Equal(arrival) || env.RemoteAddr == "" || env.Helo == "" {
		t.Errorf("envelope = %+v", env)
	}
	if !strings.Contains(m.Subject, kazakhLetters) || m.MessageID != "kk-b64-1@example.kz" || m.Auto.NoReply() {
		t.Errorf("message = %+v", m)
	}
	if !bytes.Equal(rec.raws[0], raw) {
		t.Error("raw bytes differ from what was sent")
	}
}

func TestListenerRefusesForeignRecipients(t *testing.T) {
	rec := &recorder{}
	l := startListener(t, rec, nil)
	err := smtp.SendMail(l.Addr().String(), nil, "spammer@example.com", []string{"someone@elsewhere.example"}, []byte("Subject: relay?\r\n\r\nx"))
	if smtpCode(err) != 550 {
		t.Fatalf("want 550 for a foreign recipient, got %v", err)
	}
	// A whole accepted domain works.
	if err := smtp.SendMail(l.Addr().String(), nil, "ivan@example.ru", []string{"zakaz@support.example.ru"}, []byte("Subject: x\r\n\r\ny")); err != nil {
		t.Fatal(err)
	}
	if len(rec.msgs) != 1 {
		t.Fatalf("got %d", len(rec.msgs))
	}
}

// A handler failure (say, the database is down) answers 451 so the sending
// server keeps the message and retries; the retry then gets through.
func TestListenerHandlerErrorIsTemporary(t *testing.T) {
	rec := &recorder{}
	rec.setFail(errors.New("database is down"))
	l := startListener(t, rec, nil)
	msg := []byte("Subject: retry me\r\nMessage-ID: <r1@x>\r\n\r\nbody")
	err := smtp.SendMail(l.Addr().String(), nil, "a@example.kz", []string{"support@goszakup.example.kz"}, msg)
	if smtpCode(err) != 451 {
		t.Fatalf("want 451, got %v", err)
	}
	rec.setFail(nil)
	if err := smtp.SendMail(l.Addr().String(), nil, "a@example.kz", []string{"support@goszakup.example.kz"}, msg); err != nil {
		t.Fatal(err)
	}
	if len(rec.msgs) != 1 || rec.msgs[0].MessageID != "r1@x" {
		t.Fatalf("retry not delivered: %+v", rec.msgs)
	}
}

func TestListenerRejectIsPermanent(t *testing.T) {
	l := startListener(t, HandlerFunc(func(context.Context, Envelope, Raw) error {
		return Reject(errors.New("not a message"))
	}), nil)
	err := smtp.SendMail(l.Addr().String(), nil, "a@example.kz", []string{"support@goszakup.example.kz"}, []byte("x"))
	if smtpCode(err) != 554 {
		t.Fatalf("want 554, got %v", err)
	}
}

func TestListenerMaxMessageSize(t *testing.T) {
	rec := &recorder{}
	l := startListener(t, rec, func(c *ListenerConfig) { c.MaxMessageBytes = 10 << 10 })
	big := append([]byte("Subject: big\r\n\r\n"), bytes.Repeat([]byte("0123456789abcdef\r\n"), 2000)...)
	err := smtp.SendMail(l.Addr().String(), nil, "a@example.kz", []string{"support@goszakup.example.kz"}, big)
	if smtpCode(err) != 552 {
		t.Fatalf("want 552, got %v", err)
	}
	if len(rec.msgs) != 0 {
		t.Fatal("oversized message reached the handler")
	}
}

// Messages above the memory threshold are spooled to disk; the handler reads
// them twice and the spool file is gone afterwards.
func TestListenerSpoolsLargeMessagesToDisk(t *testing.T) {
	dir := t.TempDir()
	rec := &recorder{}
	l := startListener(t, rec, func(c *ListenerConfig) { c.SpoolMemoryBytes = 4 << 10; c.SpoolDir = dir })
	payload := bytes.Repeat([]byte{0xd2, 0x9b}, 300<<10) // 600 KB of "қ"
	raw := buildMultipart(t, payload)
	if err := smtp.SendMail(l.Addr().String(), nil, "a@example.kz", []string{"support@goszakup.example.kz"}, raw); err != nil {
		t.Fatal(err)
	}
	if len(rec.msgs) != 1 || rec.msgs[0].Attachments[0].Size != int64(len(payload)) {
		t.Fatalf("got %+v", rec.msgs)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("spool files left: %v", left)
	}
}

func TestListenerNeedsClockAndHandler(t *testing.T) {
	if _, err := Listen(ListenerConfig{Addr: "127.0.0.1:0"}, &recorder{}); err == nil {
		t.Error("no clock accepted")
	}
	if _, err := Listen(ListenerConfig{Addr: "127.0.0.1:0", Now: time.Now}, nil); err == nil {
		t.Error("nil handler accepted")
	}
}

// Close waits for a conversation in progress, and gives up on it when its
// context ends instead of hanging.
func TestListenerCloseDropsIdleConversationsAtDeadline(t *testing.T) {
	l, err := Listen(ListenerConfig{Addr: "127.0.0.1:0", Now: time.Now, Accept: []string{"x.kz"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.Dial(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // already over: Close must not wait for the idle client
	if err := l.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("close = %v", err)
	}
	if err := c.Noop(); err == nil {
		t.Error("conversation still open after Close")
	}
}
