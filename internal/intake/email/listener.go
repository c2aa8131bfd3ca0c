package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Envelope is the SMTP envelope of one received message.
type Envelope struct {
	From       string    // MAIL FROM; "" is the null sender (bounces)
	To         []string  // accepted RCPT TO addresses
	RemoteAddr string    // the client's address
	Helo       string    // the name the client gave in EHLO/HELO
	ReceivedAt time.Time // arrival time from the listener's clock: the appeal's received_at
}

// Raw is a received message as it came over the wire, spooled so the handler
// can read it more than once (parse it, then store it).
type Raw struct {
	r      io.ReaderAt
	size   int64
	sha256 string
}

// NewRaw wraps bytes as a Raw (tests, re-processing stored messages).
func NewRaw(b []byte) Raw {
	sum := sha256.Sum256(b)
	return Raw{r: bytes.NewReader(b), size: int64(len(b)), sha256: hex.EncodeToString(sum[:])}
}

// Reader returns a fresh reader from the first byte.
func (r Raw) Reader() io.Reader { return io.NewSectionReader(r.r, 0, r.size) }

// Size is the message size in bytes.
func (r Raw) Size() int64 { return r.size }

// SHA256 is the hex digest of the raw message: a de-duplication key for
// messages without a Message-ID.
func (r Raw) SHA256() string { return r.sha256 }

// Handler takes a received message. The listener answers the client only
// after Deliver returns: nil → 250 (the message is tenderdesk's now), an
// error → 451 temporary failure so the sending server retries and nothing is
// lost; wrap an error with Reject for a permanent 554. Raw is valid only
// until Deliver returns.
type Handler interface {
	Deliver(ctx context.Context, env Envelope, raw Raw) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, env Envelope, raw Raw) error

// Deliver calls f.
func (f HandlerFunc) Deliver(ctx context.Context, env Envelope, raw Raw) error {
	return f(ctx, env, raw)
}

// RejectError marks a handler error as permanent (the sender must not retry).
type RejectError struct{ Err error }

func (e *RejectError) Error() string { return "rejected: " + e.Err.Error() }
func (e *RejectError) Unwrap() error { return e.Err }

// Reject wraps err so the listener answers 554 instead of 451.
func Reject(err error) error { return &RejectError{Err: err} }

// ListenerConfig configures the inbound SMTP listener.
type ListenerConfig struct {
	Addr   string // host:port; ":0" picks a free port
	Domain string // announced in the greeting; default "tenderdesk"
	// Accept lists the recipients tenderdesk takes mail for: full addresses
	// ("support@goszakup.kz") or whole domains ("@goszakup.kz" or
	// "goszakup.kz"). Empty accepts nothing: the listener is not an open relay.
	Accept          []string
	MaxMessageBytes int64         // default 35 MiB (a 25 MiB attachment in base64)
	MaxRecipients   int           // default 50
	Timeout         time.Duration // per read/write; default 5 minutes (RFC 5321 4.5.3.2)
	// SpoolDir holds messages larger than SpoolMemoryBytes while the handler
	// runs; default os.TempDir(). SpoolMemoryBytes defaults to 1 MiB.
	SpoolDir         string
	SpoolMemoryBytes int
	TLSConfig        *tls.Config // when set, STARTTLS is offered
	Now              func() time.Time
	Logger           *slog.Logger
}

// Listener is tenderdesk's inbound SMTP server.
type Listener struct {
	cfg     ListenerConfig
	handler Handler
	srv     *smtp.Server
	ln      net.Listener
	accept  map[string]bool
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan error

	mu    sync.Mutex
	conns map[*session]net.Conn // open conversations, to drop them when Close's ctx ends
}

// Listen opens the port and starts serving in the background.
func Listen(cfg ListenerConfig, h Handler) (*Listener, error) {
	if h == nil {
		return nil, errors.New("email: nil handler")
	}
	if cfg.Now == nil {
		return nil, errors.New("email: ListenerConfig.Now (clock) is required")
	}
	if cfg.Domain == "" {
		cfg.Domain = "tenderdesk"
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 35 << 20
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 50
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.SpoolMemoryBytes <= 0 {
		cfg.SpoolMemoryBytes = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Listener{cfg: cfg, handler: h, accept: map[string]bool{}, done: make(chan error, 1), conns: map[*session]net.Conn{}}
	for _, a := range cfg.Accept {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		if !strings.Contains(a, "@") {
			a = "@" + a
		}
		l.accept[a] = true
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("email: listen %s: %w", cfg.Addr, err)
	}
	l.ln = ln
	l.ctx, l.cancel = context.WithCancel(context.Background())
	s := smtp.NewServer(smtp.BackendFunc(l.newSession))
	s.Domain = cfg.Domain
	s.MaxMessageBytes = cfg.MaxMessageBytes
	s.MaxRecipients = cfg.MaxRecipients
	s.ReadTimeout = cfg.Timeout
	s.WriteTimeout = cfg.Timeout
	s.TLSConfig = cfg.TLSConfig
	s.EnableSMTPUTF8 = true // we parse UTF-8 headers
	s.ErrorLog = slogAdapter{cfg.Logger}
	l.srv = s
	go func() { l.done <- s.Serve(ln) }()
	return l, nil
}

// Addr is the address actually listened on (useful with ":0").
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops accepting, lets running conversations finish until ctx ends,
// then drops them. A message whose handler has not returned gets no 250, so
// the sender keeps it and retries.
func (l *Listener) Close(ctx context.Context) error {
	err := l.srv.Shutdown(ctx)
	if err != nil {
		// go-smtp's Close is a no-op after Shutdown, so drop the conversations ourselves.
		l.cancel() // abort handlers still running
		l.mu.Lock()
		for _, c := range l.conns {
			_ = c.Close()
		}
		l.mu.Unlock()
	}
	l.cancel()
	if serr := <-l.done; serr != nil && !errors.Is(serr, smtp.ErrServerClosed) && !errors.Is(serr, net.ErrClosed) {
		return serr
	}
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

func (l *Listener) accepts(rcpt string) bool {
	rcpt = strings.ToLower(rcpt)
	if l.accept[rcpt] {
		return true
	}
	if i := strings.LastIndexByte(rcpt, '@'); i >= 0 {
		return l.accept[rcpt[i:]]
	}
	return false
}

func (l *Listener) newSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{l: l, c: c, remote: c.Conn().RemoteAddr().String()}
	l.mu.Lock()
	l.conns[s] = c.Conn()
	l.mu.Unlock()
	return s, nil
}

type session struct {
	l      *Listener
	c      *smtp.Conn
	remote string
	from   string
	to     []string
}

func (s *session) Reset() { s.from, s.to = "", nil }
func (s *session) Logout() error {
	s.l.mu.Lock()
	delete(s.l.conns, s)
	s.l.mu.Unlock()
	return nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from, s.to = from, nil
	return nil
}

var errNoRelay = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here (this is not a relay)"}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.l.accepts(to) {
		return errNoRelay
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	env := Envelope{From: s.from, To: s.to, RemoteAddr: s.remote, Helo: s.c.Hostname(), ReceivedAt: s.l.cfg.Now()}
	raw, cleanup, err := spool(r, s.l.cfg.SpoolMemoryBytes, s.l.cfg.SpoolDir)
	defer cleanup()
	if err != nil {
		if errors.Is(err, smtp.ErrDataTooLarge) {
			return smtp.ErrDataTooLarge
		}
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se
		}
		s.l.cfg.Logger.Error("email: spooling message", "err", err, "remote", s.remote)
		return tempFailure
	}
	if err := s.l.handler.Deliver(s.l.ctx, env, raw); err != nil {
		var rej *RejectError
		if errors.As(err, &rej) {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message rejected"}
		}
		s.l.cfg.Logger.Error("email: handler failed, sender will retry", "err", err, "from", env.From, "remote", s.remote)
		return tempFailure
	}
	return nil
}

var tempFailure = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, please try again later"}

// spool reads the whole DATA stream: into memory up to memMax, then into a
// temporary file, so a 30 MB message costs no more than memMax of heap.
func spool(r io.Reader, memMax int, dir string) (Raw, func(), error) {
	h := sha256.New()
	tr := io.TeeReader(r, h)
	var b bytes.Buffer
	n, err := io.Copy(&b, io.LimitReader(tr, int64(memMax)+1))
	if err != nil {
		return Raw{}, func() {}, err
	}
	if n <= int64(memMax) {
		return Raw{r: bytes.NewReader(b.Bytes()), size: n, sha256: hex.EncodeToString(h.Sum(nil))}, func() {}, nil
	}
	f, err := os.CreateTemp(dir, "tenderdesk-mail-*.eml")
	if err != nil {
		return Raw{}, func() {}, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := f.Write(b.Bytes()); err != nil {
		return Raw{}, cleanup, err
	}
	m, err := io.Copy(f, tr)
	if err != nil {
		return Raw{}, cleanup, err
	}
	return Raw{r: f, size: n + m, sha256: hex.EncodeToString(h.Sum(nil))}, cleanup, nil
}

type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) { a.l.Warn(fmt.Sprintf("smtp: "+format, v...)) }
func (a slogAdapter) Println(v ...any)               { a.l.Warn("smtp: " + fmt.Sprint(v...)) }
