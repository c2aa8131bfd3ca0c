package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// Message is one outbound email to one or more recipients.
type Message struct {
	// MessageID is set by the caller, deterministically from the event and
	// the recipient (e.g. notify.MessageID), with or without the angle
	// brackets: a resend after a crash carries the same ID, so it can be
	// recognised.
	MessageID string
	To        []string
	ReplyTo   string
	Subject   string // UTF-8; encoded per RFC 2047 on the wire
	Text      string // text/plain part (required)
	HTML      string // text/html alternative (optional)
	// AutoSubmitted marks an automatic message ("Auto-Submitted:
	// auto-generated", RFC 3834) so well-behaved auto-responders stay quiet.
	AutoSubmitted bool
	InReplyTo     string   // message ID without brackets, for replies to an email appeal
	References    []string // message IDs without brackets
	Headers       map[string]string
	// Attachments make the message multipart/mixed: the text (and HTML
	// alternative) first, then each file base64-encoded.
	Attachments []Attachment
}

// Attachment is one file of a message.
type Attachment struct {
	// Name is the file name as the recipient sees it (UTF-8; Cyrillic and
	// Kazakh letters are sent per RFC 2231 with an RFC 2047 fallback).
	Name string
	// ContentType is a media type ("application/pdf"); empty: by the
	// name's extension, else application/octet-stream.
	ContentType string
	Data        []byte
}

// Config configures a Sender.
type Config struct {
	RelayURL string // smtp://user:pass@host:port or smtps://…; see ParseRelayURL
	From     string // "Tenderdesk <noreply@desk.example>"
	HELO     string // name announced in EHLO; default "localhost"
	Timeout  time.Duration
	// TLSConfig overrides the TLS settings (e.g. RootCAs for a private CA);
	// ServerName defaults to the relay host.
	TLSConfig *tls.Config
	Now       func() time.Time // for the Date header
}

// Mailer is what the outbox worker needs; *Sender implements it, and tests
// of the worker can fake it.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

var _ Mailer = (*Sender)(nil)

// Sender sends messages through one relay. It is safe for concurrent use:
// each Send opens its own connection.
type Sender struct {
	relay Relay
	from  string
	opts  []gomail.Option
	now   func() time.Time
}

// NewSender validates the configuration; it does not connect.
func NewSender(cfg Config) (*Sender, error) {
	r, err := ParseRelayURL(cfg.RelayURL)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		return nil, errors.New("mail: Config.Now (clock) is required")
	}
	probe := gomail.NewMsg()
	if err := probe.From(cfg.From); err != nil {
		return nil, fmt.Errorf("mail: sender address %q: %w", cfg.From, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = r.Host
	}
	opts := []gomail.Option{
		gomail.WithPort(r.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tc),
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	switch {
	case r.ImplicitTLS:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	case r.StartTLS == "required":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case r.StartTLS == "off":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if r.Username != "" {
		mech := map[string]gomail.SMTPAuthType{
			"plain": gomail.SMTPAuthPlain, "login": gomail.SMTPAuthLogin,
			"cram-md5": gomail.SMTPAuthCramMD5, "scram-sha-256": gomail.SMTPAuthSCRAMSHA256,
		}[r.Auth]
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(r.Username), gomail.WithPassword(r.Password))
	}
	return &Sender{relay: r, from: cfg.From, opts: opts, now: cfg.Now}, nil
}

// Relay reports the relay in use (without password).
func (s *Sender) Relay() Relay { return s.relay }

// Send delivers m to the relay. A nil error means the relay accepted it
// (250 after DATA). Any error is an *Error; see IsTemporary.
func (s *Sender) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return &Error{Stage: "build", Err: err} // our bug or bad data: retrying cannot help
	}
	c, err := gomail.NewClient(s.relay.Host, s.opts...)
	if err != nil {
		return &Error{Stage: "config", Err: err}
	}
	return classify(c.DialAndSendWithContext(ctx, msg))
}

func (s *Sender) build(m Message) (*gomail.Msg, error) {
	m.MessageID = unbracket(m.MessageID)
	m.InReplyTo = unbracket(m.InReplyTo)
	if err := checkMessageID(m.MessageID); err != nil {
		return nil, err
	}
	if len(m.To) == 0 {
		return nil, errors.New("no recipient")
	}
	if m.Text == "" {
		return nil, errors.New("no text part")
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(s.from); err != nil {
		return nil, err
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(s.now())
	if m.AutoSubmitted {
		msg.SetGenHeader("Auto-Submitted", "auto-generated")
		// Ask Exchange-style auto-responders not to answer an automatic message.
		msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	}
	if m.InReplyTo != "" {
		if err := checkMessageID(m.InReplyTo); err != nil {
			return nil, fmt.Errorf("in-reply-to: %w", err)
		}
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+m.InReplyTo+">")
	}
	if len(m.References) > 0 {
		refs := make([]string, len(m.References))
		for i, r := range m.References {
			r = unbracket(r)
			if err := checkMessageID(r); err != nil {
				return nil, fmt.Errorf("references: %w", err)
			}
			refs[i] = "<" + r + ">"
		}
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	for k, v := range m.Headers {
		if strings.ContainsAny(k, ": \r\n") || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("header %q: invalid name or value", k)
		}
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	files := make([]*gomail.File, 0, len(m.Attachments))
	for i, a := range m.Attachments {
		f, err := attachmentFile(a)
		if err != nil {
			return nil, fmt.Errorf("attachment %d: %w", i+1, err)
		}
		files = append(files, f)
	}
	if len(files) > 0 {
		msg.SetAttachments(files)
	}
	return msg, nil
}

// attachmentFile is a as go-mail's file with its headers written here:
// go-mail puts an encoded word inside a quoted filename, which RFC 2047
// forbids and some clients show raw. The name goes as RFC 2231's filename*
// (UTF-8, percent-encoded), which RFC 2183 readers prefer, and as an
// encoded word in filename and the Content-Type's name for older clients.
func attachmentFile(a Attachment) (*gomail.File, error) {
	name := strings.TrimSpace(a.Name)
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\") || strings.ContainsFunc(name, unicode.IsControl) {
		return nil, fmt.Errorf("file name %q: want 1–255 bytes without / \\ or control characters", a.Name)
	}
	ct := a.ContentType
	if ct == "" {
		if ct = mime.TypeByExtension(filepath.Ext(name)); ct == "" {
			ct = "application/octet-stream"
		}
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("content type %q: %w", ct, err)
	}
	delete(params, "name")
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType(mt, params)+"; name="+quotedWord(name))
	h.Set("Content-Transfer-Encoding", string(gomail.EncodingB64))
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if fallback := "; filename=" + quotedWord(name); !isASCII(name) && len(disp)+len(fallback) < 900 {
		disp += fallback // a header line stays under SMTP's 998
	}
	h.Set("Content-Disposition", disp)
	data := a.Data
	return &gomail.File{Name: name, ContentType: gomail.ContentType(mt), Enc: gomail.EncodingB64, Header: h,
		Writer: func(w io.Writer) (int64, error) {
			n, err := w.Write(data)
			return int64(n), err
		}}, nil
}

// quotedWord is name as a quoted string: plain when ASCII, else an RFC
// 2047 encoded word (base64, UTF-8) in quotes, as mail clients write it.
func quotedWord(name string) string {
	if isASCII(name) {
		return strconv.Quote(name)
	}
	return `"` + mime.BEncoding.Encode("UTF-8", name) + `"`
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return false
		}
	}
	return true
}

// unbracket drops one pair of surrounding angle brackets.
func unbracket(id string) string {
	id = strings.TrimSpace(id)
	if len(id) >= 2 && id[0] == '<' && id[len(id)-1] == '>' {
		return id[1 : len(id)-1]
	}
	return id
}

func checkMessageID(id string) error {
	at := strings.IndexByte(id, '@')
	if id == "" || at <= 0 || at == len(id)-1 || strings.ContainsAny(id, "<>\" \t\r\n") {
		return fmt.Errorf("message ID %q: want left@right without brackets or spaces", id)
	}
	return nil
}

// Error is a failed send. Temporary errors (4xx replies, connection and TLS
// trouble, a relay that is down) are worth retrying with backoff; permanent
// ones (5xx for the sender, recipient or content, a message we cannot
// build) are not: the outbox marks them failed at once.
type Error struct {
	Stage     string // "build", "config", "dial" or "send"
	Code      int    // SMTP reply code when the server gave one
	Temporary bool
	Err       error
}

func (e *Error) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	if e.Code != 0 {
		return fmt.Sprintf("mail: %s failure at %s (SMTP %d): %v", kind, e.Stage, e.Code, e.Err)
	}
	return fmt.Sprintf("mail: %s failure at %s: %v", kind, e.Stage, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether a retry may succeed. Unknown errors count as
// temporary: a notification must not be dropped on a doubt.
func IsTemporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary
	}
	return err != nil
}

// IsPermanent reports whether retrying is pointless.
func IsPermanent(err error) bool { return err != nil && !IsTemporary(err) }

func classify(err error) error {
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		if code == 0 {
			code = replyCode(err)
		}
		temp := se.IsTemp() || code/100 == 4 || code == 0
		return &Error{Stage: "send", Code: code, Temporary: temp, Err: err}
	}
	// Connecting, TLS and authentication failures: the relay is down or our
	// configuration is wrong (even a 535 for bad credentials). Neither is the
	// message's fault, so keep it temporary: the outbox retries and the
	// notification goes out once the relay or the operator's fix is back.
	return &Error{Stage: "dial", Code: replyCode(err), Temporary: true, Err: err}
}

// replyCode digs an SMTP reply code out of an error chain.
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}
