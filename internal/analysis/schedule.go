package analysis

import (
	"time"

	"tenderdesk/internal/calendar"
)

// MaxCatchUp bounds how many past days one morning generates after the desk
// was down (older days are generated on request).
const MaxCatchUp = 31

// DueDays are the local dates whose daily analysis (Q43) is due at now:
// analyses are made on working mornings, at time-of-day at in the profile's
// local time, on its calendar. The morning of working day M covers every
// calendar day since the previous working day — Monday's covers Friday,
// Saturday and Sunday, the morning after a holiday covers the holiday —
// and, when last (the newest analysed day) is known, every day after it
// that is not yet analysed, at most MaxCatchUp days back. Reading:
// docs/analysis.md, Q43.
func DueDays(now time.Time, cal *calendar.Calendar, at time.Duration, last calendar.Date) []calendar.Date {
	m, ok := lastMorning(now, cal, at)
	if !ok {
		return nil
	}
	first := prevWorkingDay(cal, m)
	if !last.IsZero() {
		first = last.AddDays(1)
	}
	if floor := m.AddDays(-MaxCatchUp); first.Before(floor) {
		first = floor
	}
	var out []calendar.Date
	for d := first; d.Before(m); d = d.AddDays(1) {
		out = append(out, d)
	}
	return out
}

// lastMorning is the newest working day whose analysis time has passed.
func lastMorning(now time.Time, cal *calendar.Calendar, at time.Duration) (calendar.Date, bool) {
	local := now.In(cal.Location())
	d := calendar.DateOf(local)
	for i := 0; i < 400; i, d = i+1, d.AddDays(-1) {
		if ok, _ := cal.IsWorkingDay(d); !ok {
			continue
		}
		from, _ := DayWindow(d, cal.Location())
		if !now.Before(from.Add(at)) {
			return d, true
		}
	}
	return calendar.Date{}, false
}

func prevWorkingDay(cal *calendar.Calendar, d calendar.Date) calendar.Date {
	p := d.AddDays(-1)
	for i := 0; i < 400; i, p = i+1, p.AddDays(-1) {
		if ok, _ := cal.IsWorkingDay(p); ok {
			return p
		}
	}
	return d.AddDays(-1)
}

// DueYear is the year whose annual information (Q44) is due at now: the
// previous year, from the first working morning of the new one.
func DueYear(now time.Time, cal *calendar.Calendar, at time.Duration) (int, bool) {
	m, ok := lastMorning(now, cal, at)
	if !ok || m.Year != calendar.DateOf(now.In(cal.Location())).Year {
		return 0, false
	}
	return m.Year - 1, true
}
