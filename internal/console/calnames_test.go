package console

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/vocab"
)

var latin = regexp.MustCompile(`[A-Za-z]`)

// Every name the calendar data and the regulation catalogue carry — each
// holiday and moved day of every profile's calendar, each document and
// note, each procurement deadline kind — has its ru, kk and en text, the
// ru and kk ones without an English word, the English one the data's own
// words. A name added to the data without its messages fails here.
func TestCalendarNamesTranslated(t *testing.T) {
	cat, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	check := func(what, lang, got string) {
		t.Helper()
		if got == "" || strings.Contains(got, "⟦") {
			t.Errorf("%s: no %s text (%q)", what, lang, got)
		} else if lang != "en" && latin.MatchString(got) {
			t.Errorf("%s: the %s text %q has Latin letters", what, lang, got)
		}
	}
	names := 0
	for _, lang := range Languages {
		l := &L{Lang: lang, c: cat, zone: time.UTC}
		for _, p := range regulation.Default().Profiles() {
			for _, d := range p.Calendar().Days(calendar.D(2015, time.January, 1), calendar.D(2044, time.December, 31)) {
				if d.Name == "" {
					continue
				}
				names++
				got := l.DayName(d.Name, d.Basis)
				check(p.ID()+" "+d.Date.String()+" "+d.Name, lang, got)
				if lang == "en" && !strings.ContainsAny(d.Name, "0123456789") && got != d.Name {
					t.Errorf("%s %s: en %q, the data says %q", p.ID(), d.Date, got, d.Name)
				}
			}
			check(p.ID()+" source", lang, l.DocName(p.Source))
			check(p.ID()+" note", lang, l.ProfileNote(p))
			if lang == "en" && (l.DocName(p.Source) != p.Source || l.ProfileNote(p) != p.Note) {
				t.Errorf("%s: en %q / %q, the catalogue says %q / %q", p.ID(), l.DocName(p.Source), l.ProfileNote(p), p.Source, p.Note)
			}
		}
		// an hours override laid over a holiday keeps the reason as written
		if got := l.DayName("Victory Day (hours extended: дежурство)", "known"); !strings.Contains(got, "дежурство") {
			t.Errorf("%s: hours override %q lost its reason", lang, got)
		} else {
			check("hours override", lang, strings.ReplaceAll(got, "дежурство", ""))
		}
		for _, k := range vocab.DeadlineKinds() {
			got := l.Word(string(k))
			check("deadline "+string(k), lang, got)
			if lang != "en" && got == string(k) {
				t.Errorf("deadline %s: no %s name", k, lang)
			}
		}
	}
	if names == 0 {
		t.Fatal("the calendars name no day")
	}
	if n := cat.missing.Load(); n != 0 {
		t.Errorf("%d look-ups of absent messages", n)
	}
}

// The names read as a person writes them.
func TestCalendarNamesRead(t *testing.T) {
	cat, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, name, want string }{
		{"ru", "Nauryz meyramy", "Наурыз мейрамы"},
		{"kk", "Nauryz meyramy", "Наурыз мейрамы"},
		{"ru", "Victory Day", "День Победы"},
		{"kk", "Victory Day", "Жеңіс күні"},
		{"ru", "Independence Day", "День Независимости"},
		{"kk", "Independence Day", "Тәуелсіздік күні"},
		{"ru", "Nauryz meyramy (on Sat 2020-03-21)", "Наурыз мейрамы (21.03.2020, Сб — выходной день)"},
		{"kk", "moved from Sun 2020-01-05", "05.01.2020 (Жс) күнінен ауыстырылды"},
		{"ru", "worked for the day off on 2020-01-03", "рабочий день вместо выходного 03.01.2020"},
		{"en", "Nauryz meyramy (on Sat 2020-03-21)", "Nauryz meyramy (on Sat 21.03.2020)"},
		{"ru", "Субботник", "Субботник"}, // an administrator's override: their words
	} {
		l := &L{Lang: c.lang, c: cat, zone: time.UTC}
		basis := "known"
		if c.name == "Субботник" {
			basis = "override"
		}
		if got := l.DayName(c.name, basis); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.lang, c.name, got, c.want)
		}
	}
}
