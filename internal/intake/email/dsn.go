package email

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
)

// DSN is what a bounce says (RFC 3464): which of our messages it answers
// and, per recipient, what happened.
type DSN struct {
	// OriginalMessageID is the Message-ID of the message that bounced
	// (without brackets), from the returned message or its headers.
	OriginalMessageID string
	// Event is the returned message's X-Tenderdesk-Event header, if any.
	Event      string
	Recipients []DSNRecipient
}

// DSNRecipient is one per-recipient block of a delivery status.
type DSNRecipient struct {
	Address    string // Final-Recipient (or Original-Recipient) without the "rfc822;" type
	Action     string // failed, delayed, delivered, relayed, expanded
	Status     string // e.g. 5.1.1
	Diagnostic string // Diagnostic-Code without its type
}

// Failed reports whether the recipient's delivery failed for good.
func (r DSNRecipient) Failed() bool {
	return strings.EqualFold(r.Action, "failed") || strings.HasPrefix(r.Status, "5.")
}

// Reason is a line for the outbox: status and diagnostic.
func (r DSNRecipient) Reason() string {
	s := strings.TrimSpace(r.Status + " " + r.Diagnostic)
	if s == "" {
		s = r.Action
	}
	return s
}

// midRe finds a Message-ID header line in returned text (bounces that are
// not RFC 3464 quote the original headers in their body).
var midRe = regexp.MustCompile(`(?im)^message-id:\s*<([^<>\s]+@[^<>\s]+)>`)

// ParseDSN reads a bounce. ok is false when it names no message of ours to
// match (no delivery status and no quoted Message-ID).
func ParseDSN(raw []byte) (d DSN, ok bool) {
	ent, err := message.Read(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil && ent == nil {
		return d, false
	}
	parts := 0
	var walk func(e *message.Entity, depth int)
	walk = func(e *message.Entity, depth int) {
		if parts++; parts > 100 || depth > 10 {
			return
		}
		ct, _, _ := e.Header.ContentType()
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if p == nil || errors.Is(err, io.EOF) {
					return
				}
				walk(p, depth+1)
			}
		}
		body, _ := io.ReadAll(io.LimitReader(e.Body, 256<<10))
		switch ct {
		case "message/delivery-status", "message/global-delivery-status":
			d.Recipients = append(d.Recipients, statusBlocks(body)...)
		case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
			h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(body))).ReadMIMEHeader()
			if err != nil && len(h) == 0 {
				break
			}
			if id := strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>"); id != "" && d.OriginalMessageID == "" {
				d.OriginalMessageID = id
			}
			if ev := strings.TrimSpace(h.Get("X-Tenderdesk-Event")); ev != "" && d.Event == "" {
				d.Event = ev
			}
		default:
			if d.OriginalMessageID == "" && strings.HasPrefix(ct, "text/") {
				if m := midRe.FindSubmatch(body); m != nil {
					d.OriginalMessageID = string(m[1])
				}
			}
		}
	}
	walk(ent, 0)
	return d, d.OriginalMessageID != "" || d.Event != ""
}

// statusBlocks reads the per-recipient blocks of a delivery-status body
// (the first block is the per-message one).
func statusBlocks(body []byte) []DSNRecipient {
	var out []DSNRecipient
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(body)))
	for i := 0; i < 1000; i++ {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 {
			typed := func(k string) string {
				v := h.Get(k)
				if _, rest, ok := strings.Cut(v, ";"); ok {
					v = rest
				}
				return strings.TrimSpace(v)
			}
			rcpt := DSNRecipient{Address: strings.ToLower(strings.Trim(typed("Final-Recipient"), "<>")), Action: strings.ToLower(strings.TrimSpace(h.Get("Action"))),
				Status: strings.TrimSpace(h.Get("Status")), Diagnostic: typed("Diagnostic-Code")}
			if rcpt.Address == "" {
				rcpt.Address = strings.ToLower(strings.Trim(typed("Original-Recipient"), "<>"))
			}
			if rcpt.Address != "" || rcpt.Action != "" {
				out = append(out, rcpt)
			}
		}
		if err != nil {
			break
		}
	}
	return out
}
