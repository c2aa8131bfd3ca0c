package calendar

import (
	"strings"
	"testing"
	"time"
)

// yearExceptions lists, as "MM-DD" strings, the weekdays that are not
// worked and the Saturdays/Sundays that are worked in one year.
func yearExceptions(c *Calendar, y int) (daysOff, weekendWorked string) {
	var off, worked []string
	for _, d := range c.Days(D(y, 1, 1), D(y, 12, 31)) {
		weekend := d.Date.Weekday() == time.Saturday || d.Date.Weekday() == time.Sunday
		switch {
		case !weekend && !d.Working:
			off = append(off, d.Date.String()[5:])
		case weekend && d.Working:
			worked = append(worked, d.Date.String()[5:])
		}
	}
	return strings.Join(off, " "), strings.Join(worked, " ")
}

// The weekdays off and the worked weekend days of each year, as verified
// against the decrees, laws and published calendars listed in
// docs/calendars.md. A wrong or missing row of data/*.csv fails here.
func TestVerifiedYears(t *testing.T) {
	hours := WeekdayHours(Span("09:00", "18:00"))
	cases := []struct {
		country string
		year    int
		off     string
		worked  string
	}{
		// KZ 2020: decree moving days off in 2020 (5 Jan -> 3 Jan, Mon 11 May -> 8 May,
		// 20 Dec -> 18 Dec); First President Day 1 Dec; Independence Day 16-17 Dec;
		// Kurban Ait 31 Jul; 9 Mar, 24-25 Mar, 31 Aug by the law's art.5.
		{"kz", 2020,
			"01-01 01-02 01-03 01-07 03-09 03-23 03-24 03-25 05-01 05-07 05-08 07-06 07-31 08-31 12-01 12-16 12-17 12-18",
			"01-05 12-20"},
		// KZ 2021: decree Sat 3 Jul -> Mon 5 Jul; Kurban Ait 20 Jul; 1 Dec; 16-17 Dec.
		{"kz", 2021,
			"01-01 01-04 01-07 03-08 03-22 03-23 03-24 05-03 05-07 05-10 07-05 07-06 07-20 08-30 12-01 12-16 12-17",
			"07-03"},
		// KZ 2022: decree No. 713 of 06.10.2021 (5 Mar -> 7 Mar, 27 Aug -> 29 Aug) as
		// supplemented in Oct 2022 (22 Oct -> 24 Oct); Law of 29.09.2022: Republic Day
		// 25 Oct, no First President Day, Independence Day one day. Kurban Ait Sat 9 Jul.
		{"kz", 2022,
			"01-03 01-04 01-07 03-07 03-08 03-21 03-22 03-23 05-02 05-09 05-10 07-06 08-29 08-30 10-24 10-25 12-16",
			"03-05 08-27 10-22"},
		// KZ 2023: decree of 25.04.2023 (1 Jul -> 7 Jul); Kurban Ait 28 Jun.
		{"kz", 2023,
			"01-02 01-03 03-08 03-21 03-22 03-23 05-01 05-08 05-09 06-28 07-06 07-07 08-30 10-25 12-18",
			"07-01"},
		// RU 2025: decree No. 1335 of 04.10.2024 (4 Jan -> 2 May, 5 Jan -> 31 Dec,
		// 23 Feb -> 8 May, 8 Mar -> 13 Jun, Sat 1 Nov -> 3 Nov).
		{"ru", 2025,
			"01-01 01-02 01-03 01-06 01-07 01-08 05-01 05-02 05-08 05-09 06-12 06-13 11-03 11-04 12-31",
			"11-01"},
		// RU 2026: decree No. 1466 of 24.09.2025 (3 Jan -> 9 Jan, 4 Jan -> 31 Dec);
		// 9 Mar and 11 May by the Labour Code art.112; no working Saturdays.
		{"ru", 2026,
			"01-01 01-02 01-05 01-06 01-07 01-08 01-09 02-23 03-09 05-01 05-11 06-12 11-04 12-31",
			""},
	}
	for _, tc := range cases {
		c := mustNew(t, tc.country, hours)
		off, worked := yearExceptions(c, tc.year)
		if off != tc.off {
			t.Errorf("%s %d weekdays off:\n got %s\nwant %s", tc.country, tc.year, off, tc.off)
		}
		if worked != tc.worked {
			t.Errorf("%s %d weekend days worked:\n got %q\nwant %q", tc.country, tc.year, worked, tc.worked)
		}
		// every decree row of a verified year names its source: none is left "recalled"
		for _, d := range c.Days(D(tc.year, 1, 1), D(tc.year, 12, 31)) {
			if d.Basis == "recalled" {
				t.Errorf("%s %s: still recalled (%s)", tc.country, d.Date, d.Source)
			}
		}
	}
}
