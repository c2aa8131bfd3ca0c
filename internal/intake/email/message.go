// Package email is tenderdesk's inbound mail: a MIME parser that turns a raw
// message into a Message (the facts an appeal needs), and an SMTP listener
// that hands every received message to a Handler.
//
// The package knows nothing of the journal or the database; the wiring layer
// implements Handler and decides what to register (see docs/email.md).
package email

import (
	"regexp"
	"strings"
	"time"
)

// Message is what tenderdesk needs from one inbound email.
type Message struct {
	MessageID  string  // without angle brackets; "" when the sender gave none
	From       Address // first address of From
	To         []Address
	Cc         []Address
	ReplyTo    []Address
	Subject    string    // RFC 2047 decoded, UTF-8
	Date       time.Time // the sender's Date header; zero when missing or unparsable
	InReplyTo  []string  // message IDs without brackets
	References []string

	// Text is the readable body: the first text/plain part, or the text of
	// the first text/html part when the message has no plain text.
	Text         string
	TextFromHTML bool // Text was derived by stripping HTML
	TextTrimmed  bool // Text was longer than Options.MaxTextBytes and was cut
	HTML         string

	Attachments []Attachment // attachments and inline images, in message order

	Auto Automation // auto-reply / bounce signals: never answer when Auto.NoReply()

	// AppealNumber is the first appeal number (YYYY-NNNNNN) in the subject,
	// used to thread a reply onto its appeal; "" when there is none.
	AppealNumber string
	// Section is the System section named in the subject (R2, Russian
	// profile); nil when none is named.
	Section *Section

	// Problems lists what could not be decoded (unknown charset, malformed
	// header); the message is still usable.
	Problems []string
}

// Address is one mailbox.
type Address struct {
	Name    string
	Address string
}

// Attachment describes an attachment or inline image. Content is not kept in
// memory: it is hashed while streaming and optionally handed to a Store.
type Attachment struct {
	Filename    string
	ContentType string
	ContentID   string // without brackets; set for inline images referenced from HTML
	Inline      bool
	Size        int64
	SHA256      string // hex
	Ref         string // what Store.Put returned; "" without a Store
}

// Automation holds the signals that a message was sent by a machine.
type Automation struct {
	AutoReply bool     // out-of-office, auto-responder, list or bulk mail
	Bounce    bool     // delivery status notification / null return path
	Reasons   []string // which headers or parts said so, for the journal
}

// NoReply reports whether the desk must not answer the message (no mail loops).
func (a Automation) NoReply() bool { return a.AutoReply || a.Bounce }

// appealNumberRe matches tenderdesk's appeal numbers, YYYY-NNNNNN, not glued
// to other digits (a phone number or a date must not look like one).
var appealNumberRe = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)[0-9]{2}-[0-9]{6})(?:[^0-9]|$)`)

// FindAppealNumber returns the first appeal number in s, or "".
func FindAppealNumber(s string) string {
	m := appealNumberRe.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// Section is a section of the Russian regional System (003 p.2, rule R2).
type Section struct {
	ID   string // stable code
	Name string // as the instruction names it
	// stems are lower-case fragments whose presence (all of one alternative)
	// names the section in a subject.
	stems [][]string
}

// Sections are the System sections 003 p.2 names ("Планирование, Определение
// поставщика, Исполнение обязательств по контрактам, Отчеты и тд."). The
// list ends with "etc.": the instruction names no others, so neither do we.
var Sections = []Section{
	{ID: "planning", Name: "Планирование",
		stems: [][]string{{"планирован"}, {"planning"}}},
	{ID: "supplier_determination", Name: "Определение поставщика",
		stems: [][]string{{"определени", "поставщик"}, {"supplier", "determination"}}},
	{ID: "contract_execution", Name: "Исполнение обязательств по контрактам",
		stems: [][]string{{"исполнени", "контракт"}, {"contract", "execution"}}},
	{ID: "reports", Name: "Отчеты",
		stems: [][]string{{"отчет"}, {"report"}}},
}

// SectionNames lists the section names for a reply that asks for one (R2).
func SectionNames() []string {
	out := make([]string, len(Sections))
	for i, s := range Sections {
		out[i] = s.Name
	}
	return out
}

// DetectSection returns the System section named in a subject (R2), or nil.
func DetectSection(subject string) *Section {
	s := strings.ToLower(subject)
	s = strings.ReplaceAll(s, "ё", "е")
	for i := range Sections {
		for _, alt := range Sections[i].stems {
			all := true
			for _, stem := range alt {
				if !strings.Contains(s, stem) {
					all = false
					break
				}
			}
			if all {
				return &Sections[i]
			}
		}
	}
	return nil
}
