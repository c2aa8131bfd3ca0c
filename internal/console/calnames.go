package console

import (
	"regexp"
	"strings"
	"time"

	"tenderdesk/internal/regulation"
)

// The calendar data and the regulation catalogue are written in English
// (internal/calendar/data/*.csv, internal/regulation/profiles.go): they are
// the record, with their sources. A page in Russian or Kazakh says the same
// in its language through the messages q10.hol.*, q10.day.*, q10.doc.* and
// q10.note.* (official names of the public holidays); the English messages
// repeat the data's own words, and TestCalendarNamesTranslated fails when
// the data gains a name the messages do not have.

var (
	// "Nauryz meyramy (on Sat 2020-03-21)": a holiday on a day off, moved
	dayOnRe = regexp.MustCompile(`^(.+) \(on (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{4}-\d\d-\d\d)\)$`)
	// "moved from Sun 2020-01-05": a day off moved by decree
	dayMovedRe = regexp.MustCompile(`^moved from (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{4}-\d\d-\d\d)$`)
	// "worked for the day off on 2020-01-03": the weekend day worked for it
	dayWorkedOffRe = regexp.MustCompile(`^worked for the day off on (\d{4}-\d\d-\d\d)$`)
	// "worked for Fri 2024-11-01" (the Russian calendar's wording)
	dayWorkedRe = regexp.MustCompile(`^worked for (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{4}-\d\d-\d\d)$`)
	// an hours override laid over a day off (calendar.compute)
	dayHoursRe = regexp.MustCompile(`^(.*) \(hours extended: (.*)\)$`)
)

var weekdayNo = map[string]int{"Mon": 1, "Tue": 2, "Wed": 3, "Thu": 4, "Fri": 5, "Sat": 6, "Sun": 7}

// holidaySlug is a holiday name as a message key: "International Women's
// Day" → "international_women_s_day".
func holidaySlug(name string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// isoToDMY writes a data date (2020-03-21) as people here write it (21.03.2020).
func isoToDMY(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.Format("02.01.2006")
}

// DayName is a calendar day's name (holiday, moved day) in the page's
// language. An administrator's override is named by its reason, in the
// words they wrote; so is the reason of an hours override.
func (l *L) DayName(name, basis string) string {
	if name == "" || basis == "override" {
		return name
	}
	if m := dayHoursRe.FindStringSubmatch(name); m != nil {
		base := m[1]
		if base != "" {
			base = l.DayName(base, basis)
		}
		return l.T("q10.day.hours_extended", base, m[2])
	}
	wd := func(s string) string { return l.T("cb.wds." + string(rune('0'+weekdayNo[s]))) }
	if m := dayOnRe.FindStringSubmatch(name); m != nil {
		return l.T("q10.day.on", l.T("q10.hol."+holidaySlug(m[1])), wd(m[2]), isoToDMY(m[3]))
	}
	if m := dayMovedRe.FindStringSubmatch(name); m != nil {
		return l.T("q10.day.moved_from", wd(m[1]), isoToDMY(m[2]))
	}
	if m := dayWorkedOffRe.FindStringSubmatch(name); m != nil {
		return l.T("q10.day.worked_for_off", isoToDMY(m[1]))
	}
	if m := dayWorkedRe.FindStringSubmatch(name); m != nil {
		return l.T("q10.day.worked_for", wd(m[1]), isoToDMY(m[2]))
	}
	return l.T("q10.hol." + holidaySlug(name))
}

// DocName is a regulation document ("001: MinFin order 139 …", the
// catalogue's Source) in the page's language: its code in the regulations
// folder and what it is.
func (l *L) DocName(source string) string {
	code, _, _ := strings.Cut(source, ":")
	return code + ": " + l.T("q10.doc."+code)
}

// ProfileNote is the catalogue's note on a profile version (how its period
// was settled) in the page's language.
func (l *L) ProfileNote(p *regulation.Profile) string {
	if p.Note == "" {
		return ""
	}
	return l.T("q10.note." + p.ID())
}
