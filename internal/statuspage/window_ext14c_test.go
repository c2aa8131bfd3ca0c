package statuspage

import (
	"encoding/json"
	"strings"
	"testing"
)

// Q41 (ext14c): the deadlines a maintenance window's own plan moved are
// shown with the window — announcement, lot, deadline, old → new, the
// rule's point — on the page in every language, in the Atom content and in
// the JSON feed (valid against feed.schema.json).
func TestPageShowsWindowExtensionsQ41(t *testing.T) {
	snap := sampleSnapshot()
	snap.Maintenance[0].Extensions = []Extension{
		{Announcement: "2223334-1", Lot: "3", DeadlineKind: "bid_acceptance", Old: at("2026-02-07 23:00"), New: at("2026-02-08 04:00"), Rule: "Q41"},
		{Announcement: "2223335-1", DeadlineKind: "price_offer_acceptance", Old: at("2026-02-08 01:00"), New: at("2026-02-08 06:00"), Rule: "Q41"},
	}
	h, _ := newHandler(t, &fakeSource{snap: snap})
	for lang, want := range map[string][]string{
		"ru": {"Продленные сроки", "2223334-1", "окончание приема заявок", "07.02.2026 23:00 (UTC&#43;5)", "08.02.2026 04:00 (UTC&#43;5)", "п. 41 Правил"},
		"kk": {"Ұзартылған мерзімдер", "2223334-1", "08.02.2026 04:00 (UTC&#43;5)", "Бұрынғы мерзім"},
		"en": {"Extended deadlines", "2223335-1", "2026-02-08 06:00 (UTC&#43;5)", "Was"},
	} {
		body := get(h, "/status?lang="+lang).Body.String()
		i := strings.Index(body, `id="m-m-17"`)
		j := strings.Index(body, `id="m-m-18"`)
		if i < 0 || j < i {
			t.Fatalf("%s: windows not found", lang)
		}
		card := body[i:j]
		for _, w := range want {
			if !strings.Contains(card, w) {
				t.Errorf("%s: the window's card lacks %q:\n%s", lang, w, card)
			}
		}
		if strings.Contains(body[j:], "2223334-1") || strings.Contains(card, "Q41") {
			t.Errorf("%s: the window's extensions shown elsewhere, or the catalogue ID shown", lang)
		}
	}
	atom := get(h, "/status/feed.atom?lang=ru").Body.String()
	if !strings.Contains(atom, "- Объявление 2223334-1, лот 3: окончание приема заявок 07.02.2026 23:00 (UTC+5) → 08.02.2026 04:00 (UTC+5)") {
		t.Errorf("atom content lacks the window's extension:\n%s", atom)
	}
	var schema map[string]any
	_ = json.Unmarshal(FeedSchema, &schema)
	raw := get(h, "/status/feed.json?lang=kk").Body.Bytes()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if errs := validate(schema, schema, doc, "$"); len(errs) > 0 {
		t.Errorf("feed does not match feed.schema.json:\n%s", strings.Join(errs, "\n"))
	}
	var f jsonFeed
	_ = json.Unmarshal(raw, &f)
	var found bool
	for _, it := range f.Items {
		if it.Ext.Kind != "maintenance" || it.Ext.Maintenance != "m-17" {
			continue
		}
		found = true
		x := it.Ext.Extensions
		if len(x) != 2 || x[0].Announcement != "2223334-1" || *x[0].Lot != "3" || x[0].Old != "2026-02-07T18:00:00Z" ||
			x[0].New != "2026-02-07T23:00:00Z" || *x[0].Rule != "Q41" || x[1].Lot != nil {
			t.Errorf("json extensions of the window: %+v", x)
		}
		if !strings.Contains(it.ContentText, "Ұзартылған мерзімдер:") {
			t.Errorf("content_text: %s", it.ContentText)
		}
	}
	if !found {
		t.Fatal("no item of window m-17")
	}
}
