package calendar

import (
	"testing"
	"time"
)

// Working intervals are half-open [opening, closing) (docs/regulations.md
// "Edges"): both sides of each of the day's four edges, and where the next
// working moment and the business time counted from each side fall.
func TestWorkingIntervalEdges(t *testing.T) {
	c := mustNew(t, "kz", quasiHours)
	cases := []struct {
		at      string
		working bool
		next    string // NextWorkingMoment
	}{
		{"2024-03-19T08:59:59+05:00", false, "2024-03-19T09:00:00+05:00"},
		{"2024-03-19T09:00:00+05:00", true, "2024-03-19T09:00:00+05:00"},
		{"2024-03-19T12:59:59+05:00", true, "2024-03-19T12:59:59+05:00"},
		{"2024-03-19T13:00:00+05:00", false, "2024-03-19T14:30:00+05:00"},
		{"2024-03-19T14:29:59+05:00", false, "2024-03-19T14:30:00+05:00"},
		{"2024-03-19T14:30:00+05:00", true, "2024-03-19T14:30:00+05:00"},
		{"2024-03-19T18:29:59+05:00", true, "2024-03-19T18:29:59+05:00"},
		{"2024-03-19T18:30:00+05:00", false, "2024-03-20T09:00:00+05:00"},
	}
	for _, tc := range cases {
		at := ts(t, tc.at)
		if got := c.IsWorkingTime(at); got != tc.working {
			t.Errorf("IsWorkingTime(%s) = %v, want %v", tc.at, got, tc.working)
		}
		if got := c.NextWorkingMoment(at).Format(time.RFC3339); got != tc.next {
			t.Errorf("NextWorkingMoment(%s) = %s, want %s", tc.at, got, tc.next)
		}
	}
	// one working second on each side of lunch and of the evening
	for _, span := range [][2]string{
		{"2024-03-19T12:59:59+05:00", "2024-03-19T14:30:01+05:00"},
		{"2024-03-19T18:29:59+05:00", "2024-03-20T09:00:01+05:00"},
	} {
		if got := c.BusinessBetween(ts(t, span[0]), ts(t, span[1])); got != 2*time.Second {
			t.Errorf("BusinessBetween(%s, %s) = %s, want 2s", span[0], span[1], got)
		}
	}
	// the day's end is its last closing, not the last working second
	if end, ok := c.EndOfWorkingDay(D(2024, time.March, 19)); !ok || end.Format(time.RFC3339) != "2024-03-19T18:30:00+05:00" {
		t.Errorf("EndOfWorkingDay = %s %v", end.Format(time.RFC3339), ok)
	}
}
