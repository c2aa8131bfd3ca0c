package email

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers windows-1251, koi8-r, … for bodies and RFC 2047 words
	"github.com/emersion/go-message/mail"
)

// Store receives attachment contents while the message is parsed, so a large
// attachment goes to disk or object storage and never sits in memory.
// Put must read r to the end (or return an error).
type Store interface {
	Put(ctx context.Context, a Attachment, r io.Reader) (ref string, err error)
}

// Options tune Parse. The zero value is usable.
type Options struct {
	// MaxTextBytes caps Text and HTML each (default 1 MiB); the rest is
	// read and dropped, and TextTrimmed is set.
	MaxTextBytes int
	// MaxParts caps the number of MIME parts examined (default 1000), so a
	// crafted message cannot make the parser spin.
	MaxParts int
	// Store, when set, receives every attachment's content.
	Store Store
	// Envelope, when known, adds the SMTP envelope's signals (null sender).
	Envelope *Envelope
}

// ErrNotMessage means the input has no parsable header block.
var ErrNotMessage = errors.New("email: not a MIME message")

// Parse reads one RFC 5322 message. It fails only when the header block
// cannot be read at all or the Store fails; anything odd inside the message
// is recorded in Message.Problems and parsing goes on, because an appeal
// must be registered even from a badly formed email.
func Parse(ctx context.Context, r io.Reader, opt Options) (*Message, error) {
	if opt.MaxTextBytes <= 0 {
		opt.MaxTextBytes = 1 << 20
	}
	if opt.MaxParts <= 0 {
		opt.MaxParts = 1000
	}
	ent, err := message.Read(bufio.NewReader(r))
	if err != nil && ent == nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMessage, err)
	}
	m := &Message{}
	if err != nil {
		m.problem(err)
	}
	p := &parser{ctx: ctx, opt: opt, msg: m}
	p.header(mail.Header{Header: ent.Header})
	if err := p.entity(ent, 0); err != nil {
		return m, err
	}
	if m.Text == "" && p.html != "" {
		m.Text = HTMLToText(p.html)
		m.TextFromHTML = true
	}
	m.HTML = p.html
	p.automation(ent.Header)
	m.AppealNumber = FindAppealNumber(m.Subject)
	m.Section = DetectSection(m.Subject)
	return m, nil
}

type parser struct {
	ctx                context.Context
	opt                Options
	msg                *Message
	html               string
	parts              int
	haveText, haveHTML bool
	sawDSN             bool
}

func (m *Message) problem(err error) {
	if len(m.Problems) < 20 {
		m.Problems = append(m.Problems, err.Error())
	}
}

func (p *parser) header(h mail.Header) {
	m := p.msg
	var err error
	if m.MessageID, err = h.MessageID(); err != nil {
		// A malformed ID is still an ID for de-duplication.
		m.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	if m.Subject, err = h.Subject(); err != nil {
		m.problem(fmt.Errorf("subject: %w", err))
	}
	m.Subject = strings.ToValidUTF8(m.Subject, "\uFFFD")
	if m.Date, err = h.Date(); err != nil {
		m.problem(fmt.Errorf("date: %w", err))
	}
	if from := p.addresses(h, "From"); len(from) > 0 {
		m.From = from[0]
	}
	m.To = p.addresses(h, "To")
	m.Cc = p.addresses(h, "Cc")
	m.ReplyTo = p.addresses(h, "Reply-To")
	if m.InReplyTo, err = h.MsgIDList("In-Reply-To"); err != nil {
		m.InReplyTo = looseIDs(h.Get("In-Reply-To"))
	}
	if m.References, err = h.MsgIDList("References"); err != nil {
		m.References = looseIDs(h.Get("References"))
	}
}

// looseIDs extracts <…> tokens from a header that failed strict parsing;
// threading must survive mailers that put comments or junk there.
func looseIDs(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return out
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
}

func (p *parser) addresses(h mail.Header, key string) []Address {
	if h.Get(key) == "" {
		return nil
	}
	list, err := h.AddressList(key)
	if err != nil {
		p.msg.problem(fmt.Errorf("%s: %w", strings.ToLower(key), err))
		// Fall back to the bare address so the reporter can still be answered.
		if a := looseAddress(h.Get(key)); a != "" {
			return []Address{{Address: a}}
		}
		return nil
	}
	out := make([]Address, 0, len(list))
	for _, a := range list {
		out = append(out, Address{Name: a.Name, Address: a.Address})
	}
	return out
}

func looseAddress(v string) string {
	if ids := looseIDs(v); len(ids) > 0 && strings.Contains(ids[0], "@") {
		return ids[0]
	}
	for _, f := range strings.Fields(v) {
		if strings.Contains(f, "@") {
			return strings.Trim(f, "<>,;\"'")
		}
	}
	return ""
}

// entity walks one MIME entity depth-first.
func (p *parser) entity(e *message.Entity, depth int) error {
	p.parts++
	if p.parts > p.opt.MaxParts || depth > 30 {
		p.msg.problem(errors.New("too many or too deeply nested parts; rest ignored"))
		return nil
	}
	if err := p.ctx.Err(); err != nil {
		return err
	}
	ct, params, err := e.Header.ContentType()
	if err != nil || ct == "" {
		ct = "text/plain"
	}
	if mr := e.MultipartReader(); mr != nil {
		if ct == "multipart/report" && strings.EqualFold(params["report-type"], "delivery-status") {
			p.sawDSN = true
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil && part == nil {
				p.msg.problem(fmt.Errorf("multipart: %w", err))
				return nil
			}
			if err != nil {
				p.msg.problem(err)
			}
			if err := p.entity(part, depth+1); err != nil {
				return err
			}
		}
	}
	if ct == "message/delivery-status" || ct == "message/global-delivery-status" {
		p.sawDSN = true
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	// Outlook and 1C put RFC 2047 words in file names, often in windows-1251.
	if dec, err := (&mime.WordDecoder{CharsetReader: message.CharsetReader}).DecodeHeader(filename); err == nil {
		filename = dec
	}
	isText := ct == "text/plain" || ct == "text/html"
	if isText && disp != "attachment" && filename == "" {
		return p.text(e, ct)
	}
	return p.attachment(e, ct, disp, filename)
}

func (p *parser) text(e *message.Entity, ct string) error {
	done := (ct == "text/plain" && p.haveText) || (ct == "text/html" && p.haveHTML)
	if done {
		// A second body part (e.g. a forwarded message) is not the appeal text.
		_, err := io.Copy(io.Discard, e.Body)
		p.bodyErr(err)
		return nil
	}
	s, trimmed, err := readCapped(e.Body, p.opt.MaxTextBytes)
	p.bodyErr(err)
	s = strings.ToValidUTF8(s, "\uFFFD")
	if ct == "text/plain" {
		p.msg.Text, p.haveText = s, true
	} else {
		p.html, p.haveHTML = s, true
	}
	p.msg.TextTrimmed = p.msg.TextTrimmed || trimmed
	return nil
}

func (p *parser) bodyErr(err error) {
	if err != nil {
		p.msg.problem(fmt.Errorf("body: %w", err))
	}
}

func readCapped(r io.Reader, max int) (string, bool, error) {
	var b strings.Builder
	n, err := io.Copy(&b, io.LimitReader(r, int64(max)+1))
	if err != nil {
		return b.String(), false, err
	}
	if n <= int64(max) {
		return b.String(), false, nil
	}
	s := b.String()[:max]
	for i := 0; i < utf8.UTFMax && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1] // do not cut a letter in half
	}
	_, err = io.Copy(io.Discard, r)
	return s, true, err
}

func (p *parser) attachment(e *message.Entity, ct, disp, filename string) error {
	a := Attachment{
		Filename:    filename,
		ContentType: ct,
		ContentID:   strings.Trim(strings.TrimSpace(e.Header.Get("Content-Id")), "<>"),
		Inline:      disp == "inline" || (disp == "" && e.Header.Get("Content-Id") != ""),
	}
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(e.Body, h)}
	var err error
	if p.opt.Store != nil {
		a.Ref, err = p.opt.Store.Put(p.ctx, a, cr)
		if err != nil {
			return fmt.Errorf("email: storing attachment %q: %w", a.Filename, err)
		}
		_, err = io.Copy(io.Discard, cr) // in case Put stopped early
	} else {
		_, err = io.Copy(io.Discard, cr)
	}
	p.bodyErr(err)
	a.Size = cr.n
	a.SHA256 = hex.EncodeToString(h.Sum(nil))
	p.msg.Attachments = append(p.msg.Attachments, a)
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// automation sets the auto-reply and bounce signals (RFC 3834, RFC 3464 and
// the common non-standard headers) so the desk never answers a machine.
func (p *parser) automation(h message.Header) {
	a := &p.msg.Auto
	auto := func(reason string) { a.AutoReply = true; a.Reasons = append(a.Reasons, reason) }
	bounce := func(reason string) { a.Bounce = true; a.Reasons = append(a.Reasons, reason) }

	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		auto("Auto-Submitted: " + v)
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if h.Get(k) != "" {
			auto(k)
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); v {
	case "bulk", "junk", "list", "auto_reply":
		auto("Precedence: " + v)
	}
	if h.Get("X-Auto-Response-Suppress") != "" {
		// Exchange puts it on its own automatic messages (OOF, receipts).
		auto("X-Auto-Response-Suppress")
	}
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" {
		auto("mailing list")
	}
	if h.Has("Return-Path") {
		v := strings.TrimSpace(h.Get("Return-Path"))
		if v == "<>" || v == "" {
			bounce("Return-Path: <>")
		} else if isDaemon(v) {
			bounce("Return-Path: " + v)
		}
	}
	if env := p.opt.Envelope; env != nil {
		if env.From == "" {
			bounce("MAIL FROM: <>") // the null sender is reserved for bounces (RFC 5321 4.5.5)
		} else if isDaemon(env.From) {
			bounce("MAIL FROM: " + env.From)
		}
	}
	if isDaemon(p.msg.From.Address) {
		bounce("From: " + p.msg.From.Address)
	}
	if p.sawDSN {
		bounce("delivery-status report")
	}
	if ct, params, _ := h.ContentType(); ct == "multipart/report" && strings.EqualFold(params["report-type"], "disposition-notification") {
		auto("read receipt")
	}
}

func isDaemon(addr string) bool {
	local := strings.ToLower(strings.Trim(addr, "<> "))
	if i := strings.LastIndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	return local == "mailer-daemon" || local == "postmaster"
}
