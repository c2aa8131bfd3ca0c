package console

import (
	"testing"
	"time"
)

// One catalogue per language with the same keys; plural entries have every
// form their language needs (ru: one/few/many; kk, en: one/other); the
// domain labels exist in every language.
func TestCatalogueComplete(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for key, m := range c.msgs["ru"] {
			o, ok := c.msgs[lang][key]
			if !ok {
				t.Errorf("%s: no %q", lang, key)
				continue
			}
			if (m.plural == nil) != (o.plural == nil) {
				t.Errorf("%s: %q plural in one language, plain in another", lang, key)
			}
		}
		for key, m := range c.msgs[lang] {
			if _, ok := c.msgs["ru"][key]; !ok {
				t.Errorf("%s has %q, Russian has not", lang, key)
			}
			if m.plural != nil {
				for _, cat := range pluralCategories[lang] {
					if m.plural[cat] == "" {
						t.Errorf("%s: %q lacks plural form %q", lang, key, cat)
					}
				}
			} else if m.text == "" {
				t.Errorf("%s: %q is empty", lang, key)
			}
		}
		for key := range labels["ru"] {
			if labels[lang][key] == "" {
				t.Errorf("%s: no label %q", lang, key)
			}
		}
		if len(labels[lang]) != len(labels["ru"]) {
			t.Errorf("%s: %d labels, Russian %d", lang, len(labels[lang]), len(labels["ru"]))
		}
	}
}

// Russian plurals: 1 процедуры, 2–4 процедур (few), 5–20 many, 21 one, 111 many.
func TestPluralRules(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{{"ru", 1, "one"}, {"ru", 2, "few"}, {"ru", 4, "few"}, {"ru", 5, "many"}, {"ru", 11, "many"}, {"ru", 12, "many"},
		{"ru", 21, "one"}, {"ru", 22, "few"}, {"ru", 111, "many"}, {"ru", 0, "many"},
		{"kk", 1, "one"}, {"kk", 2, "other"}, {"kk", 0, "other"}, {"en", 1, "one"}, {"en", 5, "other"}} {
		if got := pluralCategory(c.lang, c.n); got != c.want {
			t.Errorf("%s %d: %s, want %s", c.lang, c.n, got, c.want)
		}
	}
	cat, _ := loadCatalogue()
	l := &L{Lang: "ru", c: cat, zone: time.UTC}
	if got := l.N("plan.apply", 3); got != "Применить к 3 процедурам" {
		t.Errorf("plural message: %q", got)
	}
	if got := l.T("no.such.key"); got != "⟦no.such.key⟧" || cat.missing.Load() != 1 {
		t.Errorf("a missing key must show and count: %q", got)
	}
}
