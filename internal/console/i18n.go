package console

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"strconv"
	"strings"
	"sync/atomic"
	"tenderdesk/internal/vocab"
	"time"
)

// Languages of the console, Russian first (the default).
var Languages = []string{"ru", "kk", "en"}

// languageNames are shown in the switcher in their own language (glossary D7).
var languageNames = map[string]string{"ru": "Русский", "kk": "Қазақша", "en": "English"}

//go:embed messages/*.json
var messageFiles embed.FS

// message is one catalogue entry: a plain string, or plural forms keyed
// by CLDR category (ru: one/few/many; kk, en: one/other).
type message struct {
	text   string
	plural map[string]string
}

func (m *message) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.text)
	}
	return json.Unmarshal(b, &m.plural)
}

// Catalogue holds the messages of every language.
type Catalogue struct {
	msgs map[string]map[string]message
	// missing counts look-ups of absent keys; the page walk test reads it.
	missing atomic.Int64
}

func loadCatalogue() (*Catalogue, error) {
	c := &Catalogue{msgs: map[string]map[string]message{}}
	for _, lang := range Languages {
		// messages/ru.json plus any messages/ru-<part>.json: a feature keeps
		// its own keys in its own file; a key defined twice is an error.
		names, err := fs.Glob(messageFiles, "messages/"+lang+"-*.json")
		if err != nil {
			return nil, err
		}
		m := map[string]message{}
		for _, name := range append([]string{"messages/" + lang + ".json"}, names...) {
			b, err := fs.ReadFile(messageFiles, name)
			if err != nil {
				return nil, err
			}
			part := map[string]message{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("%s: key %q is defined in another messages file too", name, k)
				}
				m[k] = v
			}
		}
		c.msgs[lang] = m
	}
	return c, nil
}

// pluralCategory is the CLDR plural category of n in lang.
func pluralCategory(lang string, n int64) string {
	if n < 0 {
		n = -n
	}
	switch lang {
	case "ru":
		switch d, h := n%10, n%100; {
		case d == 1 && h != 11:
			return "one"
		case d >= 2 && d <= 4 && (h < 12 || h > 14):
			return "few"
		default:
			return "many"
		}
	default: // kk and en: one, other
		if n == 1 {
			return "one"
		}
		return "other"
	}
}

// pluralCategories are the forms each language's plural entries must have.
var pluralCategories = map[string][]string{"ru": {"one", "few", "many"}, "kk": {"one", "other"}, "en": {"one", "other"}}

// L is the translator of one request: its language, the desk's zone.
type L struct {
	Lang string
	c    *Catalogue
	zone *time.Location
}

// miss marks a missing translation visibly; tests fail on the marker.
func (l *L) miss(key string) string {
	l.c.missing.Add(1)
	return "⟦" + key + "⟧"
}

// T is the message key in the request's language; {1}, {2} … are replaced
// by args.
func (l *L) T(key string, args ...any) string {
	m, ok := l.c.msgs[l.Lang][key]
	if !ok || m.text == "" {
		return l.miss(key)
	}
	return fill(m.text, args)
}

// N is the plural message key for count n; {n} is the count.
func (l *L) N(key string, n any, args ...any) string {
	var count int64
	switch v := n.(type) {
	case int:
		count = int64(v)
	case int64:
		count = v
	}
	m, ok := l.c.msgs[l.Lang][key]
	if !ok || m.plural == nil {
		return l.miss(key)
	}
	s, ok := m.plural[pluralCategory(l.Lang, count)]
	if !ok {
		return l.miss(key)
	}
	return strings.ReplaceAll(fill(s, args), "{n}", strconv.FormatInt(count, 10))
}

func fill(s string, args []any) string {
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i+1)+"}", fmt.Sprint(a))
	}
	return s
}

// Label is a domain word in the request's language: states, channels,
// levels and clocks are internal/vocab's (one home per word, the same in
// mail, on /status and here); the console's own words (actions, causes,
// roles …) are in labels.go.
func (l *L) Label(kind string, value any) string {
	v := fmt.Sprint(value)
	if v == "" {
		return "—"
	}
	switch kind {
	case "state", "channel", "crit", "clock":
		word := v
		if kind == "state" || kind == "clock" {
			word = kind + "." + v
		}
		if vocab.Label("ru", word) != word { // vocab knows it (a Russian label never is the code)
			return vocab.Label(l.Lang, word)
		}
		return l.miss(kind + "." + v)
	}
	if s, ok := labels[l.Lang][kind+"."+v]; ok {
		return s
	}
	return l.miss(kind + "." + v)
}

// Cite is a rule ID as the regulation text names the point («п. 31
// Правил»): people are shown the point, not the catalogue's ID (GLOSSARY D2).
func (l *L) Cite(rule string) string { return vocab.Cite(rule, l.Lang) }

// Time is a time in the desk's zone, with its offset (the 2024 change of
// Kazakhstan's offset makes a bare local time ambiguous).
func (l *L) Time(t any) string {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v == nil {
			return "—"
		}
		tt = *v
	default:
		return "—"
	}
	if tt.IsZero() {
		return "—"
	}
	return tt.In(l.zone).Format("02.01.2006 15:04 UTC-07:00")
}

// Duration says a business-time remainder in days, hours and minutes.
func (l *L) Duration(seconds int64) string {
	neg := seconds < 0
	if neg {
		seconds = -seconds
	}
	d, h, m := seconds/86400, seconds%86400/3600, seconds%3600/60
	var parts []string
	if d > 0 {
		parts = append(parts, l.T("unit.d", d))
	}
	if h > 0 || d > 0 {
		parts = append(parts, l.T("unit.h", h))
	}
	parts = append(parts, l.T("unit.m", m))
	s := strings.Join(parts, " ")
	if neg {
		return l.T("clock.overdue_by", s)
	}
	return s
}

// LanguageName is lang in its own language.
func (l *L) LanguageName(lang string) string { return languageNames[lang] }

// Audit is an audit action ("appeal.register") in words; an action the
// catalogue does not name yet is shown as its code, marked not to translate.
func (l *L) Audit(action string) template.HTML {
	if m, ok := l.c.msgs[l.Lang]["audit."+action]; ok && m.text != "" {
		return template.HTML(template.HTMLEscapeString(m.text))
	}
	return template.HTML(`<span translate="no">` + template.HTMLEscapeString(action) + `</span>`)
}
