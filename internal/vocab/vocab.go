// Package vocab is the one home of the desk's words: criticality levels,
// intake channels, procedure deadline kinds, incident states and regulation
// clocks, each one Go type with its Russian, Kazakh and English labels,
// worded as ../shared/GLOSSARY.md has them; and the citation of a rule ID
// in words (Cite). Emails, the status page, the feeds and the console take
// their words from here, so a user sees the same word everywhere.
//
// The package is pure: no I/O, no clock, no dependencies.
package vocab

import (
	"fmt"
	"slices"
	"strings"
)

// Languages are the languages every word has a label in; the first is the
// fallback.
var Languages = []string{"ru", "kk", "en"}

// Lang maps a recipient's language ("kk-KZ", "kz", "EN", "") to one of
// Languages, falling back to Russian.
func Lang(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	switch l {
	case "kk", "kz", "kaz":
		return "kk"
	case "en", "eng":
		return "en"
	}
	return "ru"
}

// LanguageName is a language's own name, for a language switcher
// (GLOSSARY review D7): «Русский», «Қазақша», «English».
func LanguageName(lang string) string {
	switch Lang(lang) {
	case "kk":
		return "Қазақша"
	case "en":
		return "English"
	}
	return "Русский"
}

// Labels are one word's ru, kk and en labels.
type Labels struct{ RU, KK, EN string }

func (l Labels) in(lang string) string {
	switch Lang(lang) {
	case "kk":
		return l.KK
	case "en":
		return l.EN
	}
	return l.RU
}

// Criticality is the level of a confirmed technical failure (Q33, Q34, E23).
type Criticality string

const (
	Low    Criticality = "low"
	Medium Criticality = "medium"
	High   Criticality = "high"
)

// Criticalities lists the levels, lowest first.
func Criticalities() []Criticality { return []Criticality{Low, Medium, High} }

// Valid reports whether c is a level.
func (c Criticality) Valid() bool { return slices.Contains(Criticalities(), c) }

// Extends reports whether the level extends procedure deadlines (Q36, Q37;
// a low failure does not, Q35).
func (c Criticality) Extends() bool { return c == Medium || c == High }

// Label is the level in lang, lower case as inside a sentence; "—" for
// none (a failure still being analysed).
func (c Criticality) Label(lang string) string { return label(lang, string(c)) }

// ParseCriticality accepts "low", "medium" or "high".
func ParseCriticality(s string) (Criticality, error) {
	if c := Criticality(s); c.Valid() {
		return c, nil
	}
	return "", fmt.Errorf("one of %s", join(Criticalities()))
}

// Channel is how an appeal arrives (Q20, Q27, Q28.2, Q46, E19, R1).
type Channel string

const (
	Email      Channel = "email"
	Phone      Channel = "phone"
	Voice      Channel = "voice"
	Letter     Channel = "letter"
	Forum      Channel = "forum"
	Cabinet    Channel = "cabinet"
	Monitoring Channel = "monitoring"
	SystemLog  Channel = "system_log"
	Specialist Channel = "specialist"
	Authority  Channel = "authority"
)

// Channels lists every channel, in the order of the API's documentation.
func Channels() []Channel {
	return []Channel{Email, Phone, Voice, Letter, Forum, Cabinet, Monitoring, SystemLog, Specialist, Authority}
}

// ChannelNames are Channels as strings, for messages and flags.
func ChannelNames() []string { return names(Channels()) }

// Valid reports whether c is a channel.
func (c Channel) Valid() bool { return slices.Contains(Channels(), c) }

// Person reports whether a person reports through c, so a contact is
// required (machines and the operator's own specialists need none).
func (c Channel) Person() bool { return c != Monitoring && c != SystemLog && c != Specialist }

// Label is the channel in lang.
func (c Channel) Label(lang string) string { return label(lang, string(c)) }

// ParseChannel accepts one of ChannelNames.
func ParseChannel(s string) (Channel, error) {
	if c := Channel(s); c.Valid() {
		return c, nil
	}
	return "", fmt.Errorf("unknown channel %q; accepted: %s", s, join(Channels()))
}

// IncidentState is the lifecycle state of an incident (a technical
// failure). An appeal has no state of its own: it shows its incident's.
type IncidentState string

const (
	Registered    IncidentState = "registered"
	Analysing     IncidentState = "analysing"
	InfoRequested IncidentState = "info_requested" // paused while the user is asked (Q38)
	Confirmed     IncidentState = "confirmed"
	Refuted       IncidentState = "refuted"
	Fixing        IncidentState = "fixing"
	Fixed         IncidentState = "fixed"
	Closed        IncidentState = "closed"
	Merged        IncidentState = "merged" // all its appeals moved to another incident
)

// IncidentStates lists every state in lifecycle order.
func IncidentStates() []IncidentState {
	return []IncidentState{Registered, Analysing, InfoRequested, Confirmed, Refuted, Fixing, Fixed, Closed, Merged}
}

// Valid reports whether s is a state.
func (s IncidentState) Valid() bool { return slices.Contains(IncidentStates(), s) }

// Label is the state in lang, as a status ("анализируется", "талдануда").
func (s IncidentState) Label(lang string) string { return label(lang, "state."+string(s)) }

// ParseIncidentState accepts one of IncidentStates.
func ParseIncidentState(s string) (IncidentState, error) {
	if st := IncidentState(s); st.Valid() {
		return st, nil
	}
	return "", fmt.Errorf("unknown state %q; accepted: %s", s, join(IncidentStates()))
}

// DeadlineKind is the kind of a procedure deadline in the procurement
// mirror and the extension engine (internal/impact).
type DeadlineKind string

const (
	DiscussionEnd     DeadlineKind = "discussion_end"
	BidsStart         DeadlineKind = "bids_start"
	BidsEnd           DeadlineKind = "bids_end"
	PriceOffersEnd    DeadlineKind = "price_offers_end"
	AuctionRound      DeadlineKind = "auction_round"
	AuctionTrading    DeadlineKind = "auction_trading"
	Decryption        DeadlineKind = "decryption"
	OpeningProtocol   DeadlineKind = "opening_protocol"
	AdmissionProtocol DeadlineKind = "admission_protocol"
	ResultsProtocol   DeadlineKind = "results_protocol"
	ContractApproval  DeadlineKind = "contract_approval"
	ContractSigning   DeadlineKind = "contract_signing"
	ComplaintsEnd     DeadlineKind = "complaints_end"
	TariffEnd         DeadlineKind = "tariff_end"
)

// DeadlineKinds lists every deadline kind.
func DeadlineKinds() []DeadlineKind {
	return []DeadlineKind{DiscussionEnd, BidsStart, BidsEnd, PriceOffersEnd, AuctionRound, AuctionTrading,
		Decryption, OpeningProtocol, AdmissionProtocol, ResultsProtocol, ContractApproval, ContractSigning,
		ComplaintsEnd, TariffEnd}
}

// publicCode is a kind's code in the public feeds (deadline_kind,
// docs/status-feed.md) and in queued notices; approval and signing of a
// contract are one public step.
var publicCode = map[DeadlineKind]string{
	BidsEnd: "bid_acceptance", PriceOffersEnd: "price_offer_acceptance", BidsStart: "acceptance_start",
	AuctionRound: "auction_round", AuctionTrading: "auction_trading", Decryption: "decryption",
	OpeningProtocol: "opening_protocol", AdmissionProtocol: "admission_protocol", ResultsProtocol: "results_protocol",
	ContractApproval: "contract_signing", ContractSigning: "contract_signing", ComplaintsEnd: "complaint",
	DiscussionEnd: "documentation_discussion", TariffEnd: "tariff",
}

// Valid reports whether k is a deadline kind.
func (k DeadlineKind) Valid() bool { return slices.Contains(DeadlineKinds(), k) }

// Public is k's code in the public feeds and notices ("bids_end" →
// "bid_acceptance"); an unknown kind is returned as is.
func (k DeadlineKind) Public() string {
	if c, ok := publicCode[k]; ok {
		return c
	}
	return string(k)
}

// Label is the deadline in lang, as the rules name it.
func (k DeadlineKind) Label(lang string) string { return label(lang, "deadline."+k.Public()) }

// Clock is a regulation clock, by the names of internal/regulation.
type Clock string

// Label is the clock's duty in lang («регистрация обращения»); an unknown
// clock is its name.
func (c Clock) Label(lang string) string { return label(lang, "clock."+string(c)) }

// Label is the label of any word of this package in lang: a level, a
// channel, a state, a deadline kind in either code (engine or public), a
// clock name. An unknown word is returned as is; "" is "—".
func Label(lang, word string) string {
	if word == "" {
		return "—"
	}
	for _, k := range []string{word, "state." + word, "deadline." + word, "deadline." + DeadlineKind(word).Public(), "clock." + word} {
		if l, ok := labels[k]; ok {
			return l.in(lang)
		}
	}
	return word
}

func label(lang, key string) string {
	if l, ok := labels[key]; ok {
		return l.in(lang)
	}
	if key == "" {
		return "—"
	}
	_, word, _ := strings.Cut(key, ".")
	if word == "" {
		word = key
	}
	return word
}

func names[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func join[T ~string](xs []T) string { return strings.Join(names(xs), ", ") }
