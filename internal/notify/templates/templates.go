// Package templates renders the messages the regulations prescribe (Q30,
// Q32, Q35–Q37, Q42, R2, R5, E15) as subject, plain text and HTML, in
// Russian, Kazakh and English. The appeal or incident number is always in
// the subject, in brackets, so a reply threads back onto it.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"
	"time"

	"tenderdesk/internal/vocab"
)

// Kind names a prescribed message.
type Kind string

const (
	// Registered: the registration number, within 1 hour of registration
	// (Q30, R5, E15); for the Russian profile it asks for the System section
	// when the subject named none (R2).
	Registered Kind = "registered"
	// Refuted: the failure was not confirmed, with supporting information (Q32).
	Refuted Kind = "refuted"
	// LevelPlanned: the level and planned fix, and for medium/high the
	// extension (Q35.1, Q36.2); sent again when the plan changes (Data.Changed).
	LevelPlanned Kind = "level_planned"
	// Fixed: the failure is fixed, with the actual time (Q35.3, Q36.9, Q37.12).
	Fixed Kind = "fixed"
	// AuthorityNotice: at once to the authorized body and its IT-security
	// unit (Q37.1, Q42).
	AuthorityNotice Kind = "authority_notice"
	// AuthorityReport: the written report on a fixed failure (Q36.10, Q37.13).
	AuthorityReport Kind = "authority_report"
	// ExtensionsGranted: the deadlines moved for one bidder (Q36.3–7, Q37.2–10).
	ExtensionsGranted Kind = "extensions_granted"
	// ExtensionsWithdrawn: an applied plan was reverted by an administrator
	// and the deadlines it moved for one bidder are back to their former
	// values (issue 14): Data.Extensions with Old the date the bidder was
	// told and New the restored one, Data.Reason the revert's reason.
	ExtensionsWithdrawn Kind = "extensions_withdrawn"
	// ForceMajeure: to the authorized body at once, and again on every
	// change, of force majeure on a failure (Q17, Q37.10): Data.Started,
	// ExpectedEnd, Ended, Evidence, AgreedDays.
	ForceMajeure Kind = "force_majeure"
	// ForceMajeureExtensions: to a bidder whose deadlines a plan of a
	// failure caused by force majeure moves (Q17, Q37.10): the force
	// majeure (Data.Received its start, ExpectedEnd, Ended, AgreedDays)
	// and the deadlines moved (Data.Extensions), in place of
	// ExtensionsGranted.
	ForceMajeureExtensions Kind = "force_majeure_extensions"
	// MaintenanceExtensions: to a bidder whose deadlines a maintenance
	// window's own plan moves (Q41): Data.Started–Ended the works,
	// Data.Extensions the deadlines.
	MaintenanceExtensions Kind = "maintenance_extensions"
	// MaintenanceWithdrawn: a maintenance window's own plan was reverted
	// (ext14c): ExtensionsWithdrawn's data naming the works
	// (Data.Started–Ended) instead of a technical failure.
	MaintenanceWithdrawn Kind = "maintenance_withdrawn"
	// BreachWarning: to staff, a term is about to be or has been missed.
	BreachWarning Kind = "breach_warning"
	// InfoRequested: staff ask the reporter for information; the terms
	// pause until the answer (Q38). Data.Message is the question.
	InfoRequested Kind = "info_requested"
	// Reply: a staff reply to the reporter (Data.Message).
	Reply Kind = "reply"
	// InfoAnswered: to staff, the reporter answered the information
	// request; the terms resumed (Q38). Data.Message is the answer.
	InfoAnswered Kind = "info_answered"
	// Closed: the specialist's description of the cause and the actions
	// taken, sent on closing (R1–R5): Data.Cause, Data.Actions.
	Closed Kind = "closed"
	// Invitation: a colleague invites the recipient to register in the
	// cabinet (E5–E7): Data.Inviter, Data.InviteURL (sealed in the outbox).
	Invitation Kind = "invitation"
	// AuditWitness: the day's signed head of the audit chain, to the
	// authorized body (issue 12's outside witness): Data.Witness*. The
	// outbox has no attachments, so the detached CMS travels in base64 in
	// the text beside the exact document it covers.
	AuditWitness Kind = "audit_witness"
	// DailyAnalysis: the daily analysis of the previous day's failures
	// (Q43) to its recipients, the document attached as PDF in Russian
	// and Kazakh (issue 13); Data.Number is the day, ДД.ММ.ГГГГ.
	DailyAnalysis Kind = "daily_analysis"
)

// Kinds lists every kind, in a stable order.
var Kinds = []Kind{Registered, Refuted, LevelPlanned, Fixed, AuthorityNotice, AuthorityReport, ExtensionsGranted, BreachWarning,
	InfoRequested, Reply, InfoAnswered, Closed, Invitation, AuditWitness, ExtensionsWithdrawn, ForceMajeure, ForceMajeureExtensions, MaintenanceExtensions,
	DailyAnalysis, MaintenanceWithdrawn}

// Languages are the languages templates exist in; the first is the fallback.
var Languages = vocab.Languages

// Data is everything a template may show. Each kind uses a subset; Number
// is always required.
type Data struct {
	Number         string // appeal number (YYYY-NNNNNN), or the failure's number in notices about the failure itself
	IncidentNumber string // the failure's number (TF-YYYY-NNNN) in notices about an appeal
	Profile        string // the regulation profile: which desk signs (Contact center, or technical support in Russia)
	RecipientName  string
	Portal         string // e.g. "goszakup.gov.kz"; shown in the signature
	StatusURL      string // the public failure page, when there is one

	Received   time.Time // the appeal was received
	Started    time.Time // the failure started
	Confirmed  time.Time // the failure was confirmed
	PlannedFix time.Time // planned fix
	FixedAt    time.Time // actual fix
	Level      string    // "low", "medium" or "high"
	Changed    bool      // a re-notification because the plan changed (Q35.1, Q36.1–2)
	Summary    string    // what fails, in the operator's words
	Modules    string    // affected module(s), for Q37

	Reason    string // refutation: why it is not a failure and what to do (Q32)
	Cause     string // reports: cause of the failure
	Actions   string // reports: actions taken
	Result    string // reports: result
	Proposals string // reports: proposals against recurrence

	Extensions []Extension // deadlines moved (plan or granted)

	ExpectedEnd time.Time // force majeure: start + expected duration (Q17)
	Ended       time.Time // force majeure: its end, once known
	Evidence    string    // force majeure: the documents that evidence it
	AgreedDays  int       // force majeure: days agreed with the authorized body (Q37.10), 0 = not yet

	SectionMissing bool     // R2: the subject named no System section
	Sections       []string // R2: the sections to choose from

	Clock    string    // breach warning: the regulation clock, e.g. "registration", shown in words
	Rule     string    // breach warning: the clock's rule ID, e.g. "Q29", shown as its point
	Term     string    // breach warning queued before Clock existed: the term as text
	Deadline time.Time // breach warning: when the term ends or ended
	Overdue  bool      // breach warning: already missed

	Message string // info request: the question; reply: its text; info answered: the answer
	// Attached are the names of the files a staff reply's mail carries as
	// attachments (issue 10 follow-up).
	Attached []string
	// Linked are the names of a staff reply's files the mail does not carry
	// (too large for it together): it names them as such and points to the
	// appeal in the cabinet, where they are downloaded.
	Linked []string
	// Files: rows queued before the mail carried files (issue 10) name
	// every file of the reply here, all downloaded from the cabinet.
	Files []string
	// CabinetURL is the appeal in the cabinet: queued as a path
	// ("/cabinet/appeals/N"); the worker prefixes --public-url, and drops it
	// when no public address is set.
	CabinetURL string
	Author     string // info answered: who answered
	AccessCode string // registered: the code of tracking by number (R7); sealed in the outbox (internal/secret)
	InviteURL  string // invitation: the link that opens the invitation (E6); sealed in the outbox
	Inviter    string // invitation: who invites, and their organization

	// audit witness: the record the chain's head is at, its hash, when it
	// was signed, the canonical document signed (its exact bytes, one line)
	// and the names of the attachments that carry that document and the
	// desk's detached CMS over it ("" when unsigned). WitnessCMS: rows
	// queued before the outbox had attachments carry the CMS in base64 in
	// the text.
	WitnessSeq      int64
	WitnessHash     string
	WitnessAt       time.Time
	WitnessDocument string
	WitnessDocFile  string
	WitnessCMSFile  string
	WitnessCMS      string

	// Times are shown in Location, else in the IANA zone Zone (which
	// survives a JSON round trip through the outbox), else in UTC.
	Location *time.Location `json:"-"`
	Zone     string
}

// Extension is one moved deadline of one procurement.
type Extension struct {
	Announcement string // announcement number
	Lot          string // lot number, "" for the whole announcement
	DeadlineKind string // vocab.DeadlineKind, public code ("bid_acceptance") or engine's ("bids_end")
	Old, New     time.Time
	Rule         string // requirement ID that moved it, e.g. "Q36.3"; shown as its point (vocab.Cite)
}

// Errors returned by Render.
var (
	ErrUnknownKind = errors.New("templates: unknown message kind")
	ErrNoNumber    = errors.New("templates: Data.Number is required")
)

//go:embed files
var files embed.FS

// text[lang][kind] holds the subject and text of each message. HTML is not
// written per message: the one html/template layout renders the text's
// paragraphs, lists and links, so the two parts can never say different
// things. All is parsed once at start-up, so a broken template fails the
// boot (the package's init panics), never a notification.
var (
	text   = mustLoad()
	layout = htmltemplate.Must(htmltemplate.ParseFS(files, "files/layout.html"))
)

func mustLoad() map[string]map[Kind]*texttemplate.Template {
	out := map[string]map[Kind]*texttemplate.Template{}
	for _, lang := range Languages {
		out[lang] = map[Kind]*texttemplate.Template{}
		common, err := fs.ReadFile(files, "files/"+lang+"/common.tmpl")
		if err != nil {
			panic(err)
		}
		for _, k := range Kinds {
			name := "files/" + lang + "/" + string(k) + ".tmpl"
			body, err := fs.ReadFile(files, name)
			if err != nil {
				panic(fmt.Sprintf("templates: %s: %v", name, err))
			}
			t := texttemplate.Must(texttemplate.New(name).Option("missingkey=error").Funcs(funcs(lang)).Parse(string(common)))
			texttemplate.Must(t.Parse(string(body)))
			for _, def := range []string{"subject", "text"} {
				if t.Lookup(def) == nil {
					panic(fmt.Sprintf("templates: %s has no %q block", name, def))
				}
			}
			out[lang][k] = t
		}
	}
	return out
}

// Lang maps a recipient's language ("kk-KZ", "kz", "EN", "") to one of
// Languages, falling back to Russian.
func Lang(lang string) string { return vocab.Lang(lang) }

// Render produces the subject, plain text and HTML of a prescribed message.
// An unknown language falls back to Russian; an unknown kind is an error.
func Render(kind Kind, lang string, d Data) (subject, plain, html string, err error) {
	if strings.TrimSpace(d.Number) == "" {
		return "", "", "", ErrNoNumber
	}
	l := Lang(lang)
	t, ok := text[l][kind]
	if !ok {
		return "", "", "", fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	if d.Location == nil {
		d.Location = time.UTC
		if d.Zone != "" {
			loc, err := time.LoadLocation(d.Zone)
			if err != nil {
				return "", "", "", fmt.Errorf("templates: zone %q: %w", d.Zone, err)
			}
			d.Location = loc
		}
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "subject", d); err != nil {
		return "", "", "", err
	}
	// One line, no control characters: it goes into a header.
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := t.ExecuteTemplate(&b, "text", d); err != nil {
		return "", "", "", err
	}
	body := tidy(b.String())
	b.Reset()
	page := struct {
		Lang, Subject, Number string
		Blocks                []block
	}{l, subject, d.Number, blocks(body)}
	if err := layout.ExecuteTemplate(&b, "layout", page); err != nil {
		return "", "", "", err
	}
	return subject, body, b.String(), nil
}

// tidy trims trailing spaces and collapses the blank-line runs that template
// conditionals leave behind.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}

// block is a paragraph, a list or the signature of a rendered text.
type block struct {
	List, Footer bool
	Lines        [][]segment
}

// segment is a run of text or a link.
type segment struct{ Text, URL string }

// blocks splits plain text into paragraphs (blank-line separated), lists
// (lines starting "- ") and the footer after the "--" line.
func blocks(s string) []block {
	var out []block
	footer := false
	cur := -1
	for _, line := range strings.Split(s, "\n") {
		switch {
		case line == "":
			cur = -1
			continue
		case line == "--":
			footer, cur = true, -1
			continue
		}
		list := !footer && strings.HasPrefix(line, "- ")
		if list {
			line = line[2:]
		}
		if cur < 0 || out[cur].List != list {
			out = append(out, block{List: list, Footer: footer})
			cur = len(out) - 1
		}
		out[cur].Lines = append(out[cur].Lines, links(line))
	}
	return out
}

// links cuts http(s) URLs out of a line so the layout can make them links.
func links(line string) []segment {
	var out []segment
	for {
		i := strings.Index(line, "https://")
		if j := strings.Index(line, "http://"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			if line != "" {
				out = append(out, segment{Text: line})
			}
			return out
		}
		if i > 0 {
			out = append(out, segment{Text: line[:i]})
		}
		end := strings.IndexAny(line[i:], " \t)")
		if end < 0 {
			end = len(line) - i
		}
		u := strings.TrimRight(line[i:i+end], ".,;:")
		out = append(out, segment{Text: u, URL: u})
		line = line[i+len(u):]
	}
}
