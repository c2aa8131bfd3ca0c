package impact

import "time"

// Calendar is all the engine needs from business time: the portal's zone
// and whether a local date is a working day. Kept this narrow so the engine
// and its tests do not depend on internal/calendar; RegulationCalendar adapts
// the real profiles.
type Calendar interface {
	Location() *time.Location
	// IsWorkingDay reports whether the local date of t (in Location) is a
	// working day, with holidays and moved days applied.
	IsWorkingDay(t time.Time) bool
}

// maxScanDays bounds the search for the next working day; no calendar has a
// run of days off this long, so hitting it means broken calendar data.
const maxScanDays = 60

// dayAt is the instant of the wall clock of ref on the date y-m-d in loc.
func dayAt(y int, m time.Month, d int, ref time.Time, loc *time.Location) time.Time {
	ref = ref.In(loc)
	return time.Date(y, m, d, ref.Hour(), ref.Minute(), ref.Second(), ref.Nanosecond(), loc)
}

// nextWorkingDate returns noon of the first working date strictly after the
// local date of t. Noon keeps the probe away from midnight offset jumps.
func nextWorkingDate(cal Calendar, t time.Time) time.Time {
	loc := cal.Location()
	y, m, d := t.In(loc).Date()
	for i := 1; i <= maxScanDays; i++ {
		probe := time.Date(y, m, d+i, 12, 0, 0, 0, loc)
		if cal.IsWorkingDay(probe) {
			return probe
		}
	}
	return time.Date(y, m, d+1, 12, 0, 0, 0, loc)
}

// addWorkingDays returns the n-th working date after the local date of t, at
// t's wall-clock time (Q37.10: "5 working days from the fix").
func addWorkingDays(cal Calendar, t time.Time, n int) time.Time {
	loc := cal.Location()
	cur := t
	for range n {
		cur = nextWorkingDate(cal, cur)
	}
	y, m, d := cur.In(loc).Date()
	return dayAt(y, m, d, t, loc)
}

// startOfDay is local midnight of t's date.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// WeekCalendar is a plain calendar: Saturday and Sunday off, plus listed
// days off and listed working weekend days (dates as "2006-01-02"). It is for
// tests and for callers without a regulation profile.
type WeekCalendar struct {
	Loc    *time.Location
	Off    map[string]bool // weekdays that are days off (holidays, moved days)
	Worked map[string]bool // weekend days that are working days
}

func (c WeekCalendar) Location() *time.Location { return c.Loc }

func (c WeekCalendar) IsWorkingDay(t time.Time) bool {
	t = t.In(c.Loc)
	s := t.Format(time.DateOnly)
	if c.Worked[s] {
		return true
	}
	if c.Off[s] {
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}
