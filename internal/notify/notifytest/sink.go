// Package notifytest is an SMTP sink for tests and benchmarks of the outbox:
// a real SMTP server (emersion/go-smtp) on 127.0.0.1 that keeps or discards
// what it receives, can be taken down and brought back on the same port,
// can answer 421 to everything or 550 to chosen recipients, and dedupes by
// Message-ID as a well-behaved receiver does.
package notifytest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/emersion/go-message/charset"
	gmail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"tenderdesk/internal/notify"
)

// Message is one delivery as received.
type Message struct {
	To        string // one recipient per delivery (the outbox sends one per row)
	MessageID string // without brackets
	Subject   string // decoded
	Text      string // the text/plain part, decoded
	Header    map[string]string
	// Attachments are the attachment parts, decoded (name per RFC 2231 or
	// RFC 2047, bytes from base64).
	Attachments []Attachment
	Raw         []byte // the message as received
}

// Attachment is one attachment part as received.
type Attachment struct {
	Name        string
	ContentType string
	Header      map[string]string // the part's raw header fields
	Data        []byte
}

// Sink is the SMTP server.
type Sink struct {
	Addr string // host:port, stable across Stop/Start

	mu       sync.Mutex
	srv      *smtp.Server
	got      []Message
	tempFail bool
	reject   map[string]bool
	count    atomic.Int64
	discard  atomic.Bool
	delay    atomic.Int64 // nanoseconds each DATA waits before its 250
	inFlight atomic.Int64
}

// Slow makes every message wait d before the sink accepts it (250), so
// deliveries are in flight long enough for a test to kill the sender
// between its DATA and the answer.
func (s *Sink) Slow(d time.Duration) { s.delay.Store(int64(d)) }

// InFlight is the number of messages being received (DATA begun, not yet
// answered).
func (s *Sink) InFlight() int64 { return s.inFlight.Load() }

// Discard drops bodies from now on (benchmarks): only Count grows.
func (s *Sink) Discard() { s.discard.Store(true) }

// Start runs a sink on a free port of 127.0.0.1 until the test ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	s := &Sink{reject: map[string]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// URL is the relay URL of the sink for mail.Config.
func (s *Sink) URL() string { return "smtp://" + s.Addr + "?starttls=off" }

func (s *Sink) serve(ln net.Listener) {
	srv := smtp.NewServer(backend{s})
	srv.Domain = "sink.test"
	srv.ErrorLog = nopLog{}
	srv.MaxRecipients = 10
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(ln)
}

// Stop takes the server down: connections are refused until Restart.
func (s *Sink) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Restart listens again on the same address.
func (s *Sink) Restart() error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.serve(ln)
	return nil
}

// TemporaryFailure makes the server answer 421 to every MAIL FROM.
func (s *Sink) TemporaryFailure(on bool) {
	s.mu.Lock()
	s.tempFail = on
	s.mu.Unlock()
}

// Reject makes RCPT TO:<addr> answer 550 (a permanent failure).
func (s *Sink) Reject(addr string) {
	s.mu.Lock()
	s.reject[strings.ToLower(addr)] = true
	s.mu.Unlock()
}

// Count is the number of deliveries accepted (duplicates included).
func (s *Sink) Count() int64 { return s.count.Load() }

// Messages returns every delivery accepted, duplicates included.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.got...)
}

// Inbox returns what addr got, deduplicated by Message-ID as a receiver
// does, and how many copies of each arrived.
func (s *Sink) Inbox(addr string) (msgs []Message, copies map[string]int) {
	copies = map[string]int{}
	for _, m := range s.Messages() {
		if !strings.EqualFold(m.To, addr) {
			continue
		}
		if copies[m.MessageID]++; copies[m.MessageID] == 1 {
			msgs = append(msgs, m)
		}
	}
	return msgs, copies
}

type backend struct{ s *Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s  *Sink
	to []string
}

func (ss *session) Mail(string, *smtp.MailOptions) error {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.tempFail {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.reject[strings.ToLower(to)] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	ss.s.inFlight.Add(1)
	defer ss.s.inFlight.Add(-1)
	if d := time.Duration(ss.s.delay.Load()); d > 0 {
		time.Sleep(d)
	}
	if ss.s.discard.Load() {
		_, err := io.Copy(io.Discard, r)
		ss.s.count.Add(int64(len(ss.to)))
		return err
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparsable message: " + err.Error()}
	}
	ss.s.mu.Lock()
	for _, to := range ss.to {
		m.To = to
		ss.s.got = append(ss.s.got, m)
	}
	ss.s.mu.Unlock()
	ss.s.count.Add(int64(len(ss.to)))
	return nil
}

func (ss *session) Reset()        { ss.to = nil }
func (ss *session) Logout() error { return nil }

func parse(raw []byte) (Message, error) {
	mr, err := gmail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	m := Message{Raw: raw}
	if m.Subject, err = mr.Header.Subject(); err != nil {
		return m, err
	}
	if m.MessageID, err = mr.Header.MessageID(); err != nil {
		return m, err
	}
	m.Header = map[string]string{}
	for f := mr.Header.Fields(); f.Next(); {
		m.Header[f.Key()] = f.Value()
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, err
		}
		if h, ok := p.Header.(*gmail.AttachmentHeader); ok {
			a := Attachment{Header: map[string]string{}}
			if a.Name, err = h.Filename(); err != nil {
				return m, err
			}
			a.ContentType, _, _ = h.ContentType()
			for f := h.Fields(); f.Next(); {
				a.Header[f.Key()] = f.Value()
			}
			if a.Data, err = io.ReadAll(p.Body); err != nil {
				return m, err
			}
			m.Attachments = append(m.Attachments, a)
			continue
		}
		if h, ok := p.Header.(*gmail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" && m.Text == "" {
				b, err := io.ReadAll(p.Body)
				if err != nil {
					return m, err
				}
				m.Text = string(b)
			}
		}
	}
	return m, nil
}

type nopLog struct{}

func (nopLog) Printf(string, ...any) {}
func (nopLog) Println(...any)        {}

// Drain runs w until nothing is due at its clock's now.
func Drain(t testing.TB, w *notify.Worker) {
	t.Helper()
	for {
		n, err := w.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}
