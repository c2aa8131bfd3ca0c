// Package calendar is business time for the desk: working days, working
// hours split into several intervals (lunch), public holidays, moved days off
// and moved working days, per country and year, with a source note per day.
//
// It is pure: no I/O at run time (the data is embedded), no time.Now. A
// Calendar is immutable and safe for concurrent use; overrides make a new one.
//
// Every working interval of 2015–2044 is precomputed as absolute instants
// with a running total of working time, so adding or measuring business time
// is two binary searches, whatever the distance (no minute-stepping). Working
// time outside that range is treated as absent.
package calendar

import (
	"fmt"
	"strings"
	"time"
)

// Interval is a span of working hours on the wall clock: offsets from local
// midnight, Start inclusive, End exclusive, End at most 24h.
type Interval struct {
	Start, End time.Duration
}

// Span builds an interval from "HH:MM" strings; it panics on malformed input,
// so use it for literals only (ParseInterval for user input).
func Span(from, to string) Interval {
	iv, err := ParseInterval(from + "-" + to)
	if err != nil {
		panic(err)
	}
	return iv
}

// ParseInterval reads "HH:MM-HH:MM" (24:00 allowed as an end).
func ParseInterval(s string) (Interval, error) {
	var h1, m1, h2, m2 int
	if _, err := fmt.Sscanf(s, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil {
		return Interval{}, fmt.Errorf("interval %q: want HH:MM-HH:MM", s)
	}
	iv := Interval{time.Duration(h1)*time.Hour + time.Duration(m1)*time.Minute, time.Duration(h2)*time.Hour + time.Duration(m2)*time.Minute}
	if m1 > 59 || m2 > 59 || iv.Start < 0 || iv.End > 24*time.Hour || iv.Start >= iv.End {
		return Interval{}, fmt.Errorf("interval %q: want HH:MM-HH:MM, start before end, within 00:00-24:00", s)
	}
	return iv, nil
}

func (iv Interval) String() string {
	f := func(d time.Duration) string {
		return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return f(iv.Start) + "-" + f(iv.End)
}

// Hours is a working week: the intervals of each weekday (none = day off by
// the week) and the intervals of a weekend day made working by a decree.
type Hours struct {
	Week            [7][]Interval // indexed by time.Weekday
	MovedWorkingDay []Interval
}

// WeekdayHours is Monday–Friday with the same intervals, which a moved
// working Saturday also uses.
func WeekdayHours(ivs ...Interval) Hours {
	var h Hours
	for wd := time.Monday; wd <= time.Friday; wd++ {
		h.Week[wd] = ivs
	}
	h.MovedWorkingDay = ivs
	return h
}

// AllDay is the whole day, for 24/7 overrides (Q28).
var AllDay = []Interval{{0, 24 * time.Hour}}

// Kind says why a day is or is not worked.
type Kind uint8

const (
	Workday         Kind = iota + 1 // an ordinary working day of the week
	Weekend                         // a day off of the week
	Holiday                         // a public holiday
	MovedDayOff                     // a weekday made a day off (holiday on a weekend, or a decree)
	MovedWorkingDay                 // a weekend day made working by a decree
	AdminDayOff                     // an administrator's override
	AdminWorkingDay                 // an administrator's override
)

var kindNames = map[Kind]string{Workday: "working day", Weekend: "weekend", Holiday: "holiday", MovedDayOff: "moved day off",
	MovedWorkingDay: "moved working day", AdminDayOff: "day off (override)", AdminWorkingDay: "working day (override)"}

func (k Kind) String() string { return kindNames[k] }

// DayInfo is everything known about one date.
type DayInfo struct {
	Date      Date
	Working   bool
	Kind      Kind
	Name      string     // holiday or move name, empty for ordinary days
	Basis     string     // known | derived | provisional | override | rule
	Source    string     // where the fact comes from
	Intervals []Interval // working hours of the day; empty on a day off
}

// Reason is a short human explanation: "weekend", "holiday: Nauryz meyramy".
func (d DayInfo) Reason() string {
	if d.Name == "" {
		return d.Kind.String()
	}
	return d.Kind.String() + ": " + d.Name
}

// table range: every interval of these dates is precomputed.
var (
	tableFirst = Date{2015, time.January, 1}
	tableEnd   = Date{2045, time.January, 1} // exclusive
)

// Calendar is one country's days with one set of working hours.
type Calendar struct {
	country string
	loc     *time.Location
	hours   Hours
	facts   map[Date]fact // country data, then day overrides on top
	hourOvs []Override
	ovs     []Override

	first    int      // ordinal of tableFirst
	days     []dayRec // one per date of the table
	midnight []int64  // unix ns of each date's local midnight, plus the end of the table
	start    []int64  // unix ns of each working interval, ascending
	end      []int64  // unix ns, end[i] <= start[i+1]
	pre      []int64  // working ns before start[i]
	post     []int64  // working ns up to end[i] (pre[i] + end[i] - start[i])
}

type dayRec struct {
	info   DayInfo
	lo, hi int32 // its intervals: start[lo:hi]
}

// fact is one dated entry of the data files or an override.
type fact struct {
	kind                Kind
	name, basis, source string
	intervals           []Interval // for admin working days; nil = regular hours
}

// New builds the calendar of a country ("kz", "ru") with the given hours.
func New(country string, hours Hours) (*Calendar, error) {
	data, err := countryData(country)
	if err != nil {
		return nil, err
	}
	c := &Calendar{country: country, loc: data.loc, hours: hours, facts: data.facts}
	c.build()
	return c, nil
}

// Country is the data set's name ("kz", "ru").
func (c *Calendar) Country() string { return c.country }

// Location is the zone of the calendar's wall clock.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours is the working week the calendar was built with.
func (c *Calendar) Hours() Hours { return c.hours }

// Overrides are the overrides layered on the country data, in order.
func (c *Calendar) Overrides() []Override { return append([]Override(nil), c.ovs...) }

func (c *Calendar) build() {
	c.first = tableFirst.ordinal()
	n := tableEnd.ordinal() - c.first
	c.days = make([]dayRec, n)
	c.midnight = make([]int64, n+1)
	c.start, c.end, c.pre, c.post = c.start[:0], c.end[:0], c.pre[:0], c.post[:0]
	var total int64
	for i := range n {
		d := fromOrdinal(c.first + i)
		c.midnight[i] = d.At(0, c.loc).UnixNano()
		info := c.compute(d)
		rec := dayRec{info: info, lo: int32(len(c.start))}
		for _, iv := range info.Intervals {
			s, e := d.At(iv.Start, c.loc).UnixNano(), d.At(iv.End, c.loc).UnixNano()
			if e <= s {
				continue // a wall-clock span swallowed by a clock change
			}
			if k := len(c.end) - 1; k >= 0 && c.end[k] > s {
				s = c.end[k] // keep intervals disjoint and ascending
				if e <= s {
					continue
				}
			}
			c.start, c.end, c.pre = append(c.start, s), append(c.end, e), append(c.pre, total)
			total += e - s
			c.post = append(c.post, total)
		}
		rec.hi = int32(len(c.start))
		c.days[i] = rec
	}
	c.midnight[n] = tableEnd.At(0, c.loc).UnixNano()
}

// compute decides one date from the week, the data and the overrides.
func (c *Calendar) compute(d Date) DayInfo {
	info := DayInfo{Date: d, Kind: Workday, Working: true, Basis: "rule", Source: "working week"}
	wd := d.Weekday()
	if len(c.hours.Week[wd]) == 0 {
		info.Kind, info.Working = Weekend, false
	}
	if f, ok := c.facts[d]; ok {
		info.Kind, info.Name, info.Basis, info.Source = f.kind, f.name, f.basis, f.source
		info.Working = f.kind == MovedWorkingDay || f.kind == AdminWorkingDay || f.kind == Workday
	}
	if info.Working {
		switch {
		case c.facts[d].intervals != nil:
			info.Intervals = c.facts[d].intervals
		case len(c.hours.Week[wd]) > 0:
			info.Intervals = c.hours.Week[wd]
		default:
			info.Intervals = c.hours.MovedWorkingDay
		}
	}
	for _, o := range c.hourOvs {
		if o.covers(d) && (info.Working || o.AllDays) {
			info.Intervals = o.Intervals
			info.Source += "; hours: " + o.Source
			if !info.Working {
				// business time counts, but the date stays a day off for
				// terms counted in working days (docs/regulations.md, Q28)
				info.Name = strings.TrimSpace(info.Name + " (hours extended: " + o.Reason + ")")
			}
		}
	}
	return info
}

// day returns the record of a date, computing it when outside the table.
func (c *Calendar) day(d Date) DayInfo {
	if i := d.ordinal() - c.first; i >= 0 && i < len(c.days) {
		return c.days[i].info
	}
	return c.compute(d)
}

// Day is everything known about a date.
func (c *Calendar) Day(d Date) DayInfo { return c.day(d) }

// IsWorkingDay reports whether d is worked and why (or why not).
func (c *Calendar) IsWorkingDay(d Date) (bool, string) {
	info := c.day(d)
	return info.Working, info.Reason()
}

// Days lists the dates from..to inclusive.
func (c *Calendar) Days(from, to Date) []DayInfo {
	var out []DayInfo
	for d := from; !to.Before(d); d = d.AddDays(1) {
		out = append(out, c.day(d))
	}
	return out
}

// hasHours: a working day with no intervals (an override set none) has no
// start, so day-based operations skip it.
func (c *Calendar) hasHours(d Date) bool {
	info := c.day(d)
	return info.Working && len(info.Intervals) > 0
}

// local is the date of t on the calendar's wall clock.
func (c *Calendar) local(t time.Time) Date { return DateOf(t.In(c.loc)) }

// at turns unix ns into a time on the calendar's wall clock.
func (c *Calendar) at(ns int64) time.Time { return time.Unix(0, ns).In(c.loc) }

// idx is the last interval starting at or before ns (-1 if none). The date
// is found arithmetically (days are 24 h but for the rare offset change, so
// the guess is off by at most one), then only that date's few intervals are
// scanned: no search over the whole table.
func (c *Calendar) idx(ns int64) int {
	if ns < c.midnight[0] {
		return -1
	}
	i, ok := c.dayIndex(ns)
	if !ok {
		return len(c.start) - 1
	}
	k := int(c.days[i].lo) - 1 // intervals of earlier dates all start before ns
	for j := int(c.days[i].lo); j < int(c.days[i].hi) && c.start[j] <= ns; j++ {
		k = j
	}
	return k
}

// dayIndex is the table date containing the instant ns.
func (c *Calendar) dayIndex(ns int64) (int, bool) {
	n := len(c.days)
	if ns < c.midnight[0] || ns >= c.midnight[n] {
		return 0, false
	}
	i := min(int((ns-c.midnight[0])/int64(24*time.Hour)), n-1)
	for c.midnight[i] > ns {
		i--
	}
	for c.midnight[i+1] <= ns {
		i++
	}
	return i, true
}

// regular: date i lasts 24 hours, so a wall-clock time on it is its
// midnight plus the time of day (not so on 2024-02-29 in Asia/Almaty).
func (c *Calendar) regular(i int) bool { return c.midnight[i+1]-c.midnight[i] == int64(24*time.Hour) }

// worksAt: table date i is a working date with working time.
func (c *Calendar) worksAt(i int) bool { return c.days[i].info.Working && c.days[i].hi > c.days[i].lo }

// stepWorkingDays walks n working dates from table date i (backwards when
// step is -1); ok is false when the walk leaves the table.
func (c *Calendar) stepWorkingDays(i, n, step int) (int, bool) {
	for n > 0 {
		i += step
		if i < 0 || i >= len(c.days) {
			return 0, false
		}
		if c.worksAt(i) {
			n--
		}
	}
	return i, true
}

// worked is the working time from the table's start up to ns.
func (c *Calendar) worked(ns int64) int64 {
	k := c.idx(ns)
	if k < 0 {
		return 0
	}
	return c.pre[k] + min(ns, c.end[k]) - c.start[k]
}

// BusinessBetween is the working time in [a, b); negative when b is before a.
func (c *Calendar) BusinessBetween(a, b time.Time) time.Duration {
	return time.Duration(c.worked(b.UnixNano()) - c.worked(a.UnixNano()))
}

// AddBusiness is the earliest instant u with BusinessBetween(t, u) == d; d may
// be negative (the latest working moments before t count backwards). So
// 30 minutes from 18:00 ends at 18:30, not at 9:00 the next morning.
func (c *Calendar) AddBusiness(t time.Time, d time.Duration) time.Time {
	if d == 0 || len(c.start) == 0 {
		return t
	}
	ns := t.UnixNano()
	k := c.idx(ns) // once: both the running total at t and the search start
	var target int64
	if k >= 0 {
		target = c.pre[k] + min(ns, c.end[k]) - c.start[k]
	}
	target += int64(d)
	if target <= 0 {
		return c.at(c.start[0])
	}
	n := len(c.post)
	if target > c.post[n-1] {
		return c.at(c.end[n-1]) // beyond the table: no working time known
	}
	// first interval whose running total reaches target: gallop from t's
	// interval (terms are short compared with the table), then bisect
	lo, hi := max(k, 0), n
	if d < 0 {
		lo, hi = 0, min(lo+1, n)
	} else {
		for step := 1; lo+step < n; step *= 2 {
			if c.post[lo+step] >= target {
				hi = lo + step
				break
			}
			lo += step
		}
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.post[m] < target {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return c.at(c.start[lo] + target - c.pre[lo])
}

// NextWorkingMoment is t itself when it is inside working hours, else the
// start of the next working interval.
func (c *Calendar) NextWorkingMoment(t time.Time) time.Time {
	ns := t.UnixNano()
	k := c.idx(ns)
	if k >= 0 && ns < c.end[k] {
		return t.In(c.loc)
	}
	if k+1 < len(c.start) {
		return c.at(c.start[k+1])
	}
	return t.In(c.loc)
}

// IsWorkingTime reports whether t falls inside working hours.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	ns := t.UnixNano()
	k := c.idx(ns)
	return k >= 0 && ns < c.end[k]
}

// nextWorkingDate is the first date after d (before it when step is -1)
// with working hours; inside the table it walks the day array directly.
func (c *Calendar) nextWorkingDate(d Date, step int) Date {
	i := d.ordinal() - c.first
	for n := 0; n < 3660; n++ { // ten years without a working day means bad data
		i += step
		if i >= 0 && i < len(c.days) {
			if c.days[i].info.Working && c.days[i].hi > c.days[i].lo {
				return c.days[i].info.Date
			}
			continue
		}
		if d := fromOrdinal(c.first + i); c.hasHours(d) {
			return d
		}
	}
	return fromOrdinal(c.first + i)
}

// StartOfNextWorkingDay is the start of the first working interval of the
// first working date strictly after t's local date (so 07:00 on a working
// Monday gives Tuesday; NextWorkingMoment gives Monday 9:00).
func (c *Calendar) StartOfNextWorkingDay(t time.Time) time.Time {
	d := c.nextWorkingDate(c.local(t), 1)
	return d.At(c.day(d).Intervals[0].Start, c.loc)
}

// EndOfWorkingDay is the end of the last working interval of d; ok is false
// when d is not worked.
func (c *Calendar) EndOfWorkingDay(d Date) (end time.Time, ok bool) {
	info := c.day(d)
	if !info.Working || len(info.Intervals) == 0 {
		return time.Time{}, false
	}
	return d.At(info.Intervals[len(info.Intervals)-1].End, c.loc), true
}

// AddWorkingDays is the same wall-clock time on the n-th working date after
// t's local date (before it when n < 0); t's own date is not counted, and
// n == 0 returns t. Use it to move a deadline "by N working days".
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	if n == 0 {
		return t.In(c.loc)
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	// fast path: whole-day arithmetic on the table when both dates are 24 h long
	ns := t.UnixNano()
	if i, ok := c.dayIndex(ns); ok && c.regular(i) {
		if j, ok := c.stepWorkingDays(i, n, step); ok && c.regular(j) {
			return c.at(c.midnight[j] + ns - c.midnight[i])
		}
	}
	lt := t.In(c.loc)
	d := DateOf(lt)
	for range n {
		d = c.nextWorkingDate(d, step)
	}
	h, m, s := lt.Clock()
	return time.Date(d.Year, d.Month, d.Day, h, m, s, lt.Nanosecond(), c.loc)
}

// EndOfWorkingDaysAfter is the end of working hours of the n-th working date
// after t's local date, not counting that date (Q38: answer terms "not
// counting the day of the appeal"); n <= 0 gives the end of t's own date's
// hours or, on a day off, of the next working date.
func (c *Calendar) EndOfWorkingDaysAfter(t time.Time, n int) time.Time {
	if i, ok := c.dayIndex(t.UnixNano()); ok {
		if n <= 0 && !c.worksAt(i) {
			n = 1
		}
		if j, ok := c.stepWorkingDays(i, max(n, 0), 1); ok {
			return c.at(c.end[c.days[j].hi-1])
		}
	}
	d := c.local(t)
	if n <= 0 && !c.hasHours(d) {
		n = 1
	}
	for range n {
		d = c.nextWorkingDate(d, 1)
	}
	e, _ := c.EndOfWorkingDay(d)
	return e
}

// AddCalendar adds elapsed (physical) time: 12 calendar hours across the
// 2024-03-01 change are 12 real hours, although the wall clock shows 11.
func (c *Calendar) AddCalendar(t time.Time, d time.Duration) time.Time { return t.Add(d).In(c.loc) }

// AddCalendarDays is the same wall-clock time n calendar days later.
func (c *Calendar) AddCalendarDays(t time.Time, n int) time.Time { return t.In(c.loc).AddDate(0, 0, n) }

// Intervals are the working intervals of d as instants.
func (c *Calendar) Intervals(d Date) [][2]time.Time {
	var out [][2]time.Time
	if i := d.ordinal() - c.first; i >= 0 && i < len(c.days) {
		r := c.days[i]
		for k := r.lo; k < r.hi; k++ {
			out = append(out, [2]time.Time{c.at(c.start[k]), c.at(c.end[k])})
		}
		return out
	}
	for _, iv := range c.day(d).Intervals {
		out = append(out, [2]time.Time{d.At(iv.Start, c.loc), d.At(iv.End, c.loc)})
	}
	return out
}
