package templates

import (
	"fmt"
	"strings"
	"time"

	"tenderdesk/internal/vocab"
)

// units are the few words the templates compute rather than write; every
// other word (levels, deadline kinds, clocks) is internal/vocab's.
var units = map[string]map[string]string{
	"ru": {"d": "дн.", "h": "ч", "min": "мин"},
	"kk": {"d": "күн", "h": "сағ", "min": "мин"},
	"en": {"d": "d", "h": "h", "min": "min"},
}

// FormatTime shows t in loc with its UTC offset ("02.01.2006 15:04 (UTC+5)";
// ISO order in English), since Kazakhstan changed offset in 2024 and
// readers compare with logs. The zero time is "—".
func FormatTime(lang string, loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	layout := "02.01.2006 15:04"
	if Lang(lang) == "en" {
		layout = "2006-01-02 15:04"
	}
	t = t.In(loc)
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	z := fmt.Sprintf("UTC%s%d", sign, off/3600)
	if m := off % 3600 / 60; m != 0 {
		z += fmt.Sprintf(":%02d", m)
	}
	return t.Format(layout) + " (" + z + ")"
}

func funcs(lang string) map[string]any {
	w := units[lang]
	return map[string]any{
		// word is a level, deadline kind or clock in lang (vocab.Label).
		"word": func(k string) string { return vocab.Label(lang, k) },
		// cite is a rule ID as a reader finds it in the text (GLOSSARY D2).
		"cite": func(rule string) string { return vocab.Cite(rule, lang) },
		"dt":   func(loc *time.Location, t time.Time) string { return FormatTime(lang, loc, t) },
		// shift is how far a deadline moved, e.g. "+1 дн. 3 ч".
		"shift": func(old, new time.Time) string {
			if old.IsZero() || new.IsZero() {
				return ""
			}
			d := new.Sub(old)
			sign := "+"
			if d < 0 {
				sign, d = "−", -d
			}
			days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
			var parts []string
			if days > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", days, w["d"]))
			}
			if hours > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", hours, w["h"]))
			}
			if mins > 0 || len(parts) == 0 {
				parts = append(parts, fmt.Sprintf("%d %s", mins, w["min"]))
			}
			return sign + strings.Join(parts, " ")
		},
		// ruDesk: the Russian profile's desk is a technical support service;
		// in the Kazakh rules it is the Contact center (Q20, G6, G7).
		// wrap cuts a base64 block into 76-character lines (RFC 2045), so no
		// relay folds or truncates it and a reader can copy it as is.
		"wrap": func(s string) string {
			var b strings.Builder
			for len(s) > 76 {
				b.WriteString(s[:76])
				b.WriteByte('\n')
				s = s[76:]
			}
			b.WriteString(s)
			return b.String()
		},
		"ruDesk":  func(profile string) bool { return strings.HasPrefix(profile, "ru-") },
		"extends": func(level string) bool { return vocab.Criticality(level).Extends() },
	}
}
