package vocab_test

import (
	"testing"

	"tenderdesk/internal/regulation"
	"tenderdesk/internal/vocab"
)

// Every word has a ru, kk and en label of its own (not the code echoed).
func TestEveryWordHasThreeLabels(t *testing.T) {
	var words []string
	for _, c := range vocab.Criticalities() {
		words = append(words, string(c))
	}
	words = append(words, vocab.ChannelNames()...)
	for _, s := range vocab.IncidentStates() {
		words = append(words, string(s))
	}
	for _, k := range vocab.DeadlineKinds() {
		words = append(words, string(k), k.Public())
	}
	words = append(words, regulation.ClockNames()...)
	for _, w := range words {
		for _, lang := range vocab.Languages {
			if l := vocab.Label(lang, w); l == "" || l == w && lang != "en" {
				t.Errorf("%s has no %s label (got %q)", w, lang, l)
			}
		}
		if vocab.Label("ru", w) == vocab.Label("kk", w) && w != "phone" && w != "forum" && w != "monitoring" {
			t.Errorf("%s: the kk label is the ru one (%q)", w, vocab.Label("kk", w))
		}
	}
	if got := len(vocab.Clocks()); got != len(regulation.ClockNames()) {
		t.Errorf("labels for %d clocks, regulation has %d", got, len(regulation.ClockNames()))
	}
}

// The typed labels and the generic one agree; the glossary's corrected terms
// (review A1–A6) are the ones used.
func TestLabels(t *testing.T) {
	cases := []struct{ got, want string }{
		{vocab.High.Label("kk"), "жоғары"},
		{vocab.Criticality("").Label("ru"), "—"},
		{vocab.Channel("system_log").Label("en"), "system log"},
		{vocab.Analysing.Label("kk"), "талдануда"},
		{vocab.OpeningProtocol.Label("kk"), "өтінімдерді ашу хаттамасы"},
		{vocab.AdmissionProtocol.Label("kk"), "жіберу туралы хаттама"},
		{vocab.Label("kk", "documentation_discussion"), "конкурстық құжаттама жобасын талқылау"},
		{vocab.Label("ru", "decryption"), "расшифрование ценовых предложений"},
		{vocab.ResultsProtocol.Label("ru"), "протокол об итогах"},
		{vocab.AuctionTrading.Label("kk"), "аукциондық сауда-саттық кезеңі"},
		{vocab.Label("ru", "bids_end"), vocab.Label("ru", "bid_acceptance")},
		{vocab.Clock(regulation.ClockRegistration).Label("ru"), "регистрация обращения"},
		{vocab.Label("kk", "nonsense"), "nonsense"},
		{vocab.LanguageName("kk"), "Қазақша"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("%d: %q, want %q", i, c.got, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	if c, err := vocab.ParseCriticality("medium"); err != nil || c != vocab.Medium || !c.Extends() {
		t.Fatalf("medium: %v %v", c, err)
	}
	if _, err := vocab.ParseCriticality("severe"); err == nil {
		t.Fatal("severe accepted")
	}
	if _, err := vocab.ParseChannel("web"); err == nil {
		t.Fatal("web accepted: the API's channel is cabinet")
	}
	if c, err := vocab.ParseChannel("system_log"); err != nil || c.Person() {
		t.Fatalf("system_log: %v person=%v", err, c.Person())
	}
	if _, err := vocab.ParseIncidentState("done"); err == nil {
		t.Fatal("done accepted")
	}
}

// D2: users read the rule's point, not the catalogue's ID.
func TestCite(t *testing.T) {
	cases := []struct{ rule, lang, want string }{
		{"Q36.3", "ru", "пп. 3) п. 36 Правил"},
		{"Q36.3", "kk", "Қағидалардың 36-тармағының 3) тармақшасы"},
		{"Q36.3", "en", "Rules, para 36(3)"},
		{"Q41", "ru", "п. 41 Правил"},
		{"Q41", "kk", "Қағидалардың 41-тармағы"},
		{"E29.6", "en", "Rules, para 29(6)"},
		{"R6", "ru", "п. 6 Инструкции"},
		{"G-000", "ru", "приказ № 1322 от 21.12.2021"},
		{"custom", "ru", "custom"},
		{"", "kk", ""},
	}
	for _, c := range cases {
		if got := vocab.Cite(c.rule, c.lang); got != c.want {
			t.Errorf("Cite(%q, %s) = %q, want %q", c.rule, c.lang, got, c.want)
		}
	}
}
