package calendar

import (
	"fmt"
	"time"
)

// Date is a civil date with no zone: holidays and moved days are facts about
// dates, not instants, so they must not shift with an offset change.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// D is a short constructor for literals in data and tests.
func D(year int, month time.Month, day int) Date { return Date{year, month, day} }

// DateOf is the date of t on its own wall clock (convert t with In first).
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// ordinal counts days since 1970-01-01; used for indexing and arithmetic.
func (d Date) ordinal() int {
	return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func fromOrdinal(n int) Date { return DateOf(time.Unix(int64(n)*86400, 0).UTC()) }

// AddDays moves d by n calendar days (normalised, so 29 Feb + 1 = 1 Mar).
func (d Date) AddDays(n int) Date { return fromOrdinal(d.ordinal() + n) }

// Weekday of d.
func (d Date) Weekday() time.Weekday { return time.Weekday((d.ordinal()%7 + 7 + 4) % 7) } // 1970-01-01 was a Thursday

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.ordinal() < o.ordinal() }

// Sub is the number of days from o to d.
func (d Date) Sub(o Date) int { return d.ordinal() - o.ordinal() }

// At is the instant of the wall-clock offset off (0..24h) on d in loc;
// 24h is the next midnight, which on 2024-02-29 in Asia/Almaty is 25 hours
// after this one.
func (d Date) At(off time.Duration, loc *time.Location) time.Time {
	if off >= 24*time.Hour {
		return time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, int(off-24*time.Hour), loc)
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(off), loc)
}
