package sla

import (
	"math/rand/v2"
	"testing"
	"time"

	rcal "github.com/rickar/cal/v2"

	"tenderdesk/internal/calendar"
)

// BenchmarkDeadline compares, on the same 1024 arrival instants of 2024–2025
// in kz-quasi@2021 (9:00–13:00, 14:30–18:30, KZ holidays and moved days):
//   - tenderdesk: Rule.Deadline for a real clock of each term (compiled once,
//     as a scheduler re-computing many clocks does); tenderdesk-lookup also
//     looks the term up on every call (sla.Deadline);
//   - reference: the minute-stepping reference of the tests;
//   - rickar: github.com/rickar/cal/v2 AddWorkHours with the same working
//     days (WorkdayFunc over the same data) and hours 9:00–18:30 — it has no
//     lunch break, so its 5-day term is 5 × 9.5 h.
func BenchmarkDeadline(b *testing.B) {
	p := profile(b, quasi)
	c := p.Calendar()
	r := rand.New(rand.NewPCG(1, 2))
	starts := make([]time.Time, 1024)
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, c.Location())
	for i := range starts {
		starts[i] = from.Add(time.Duration(r.IntN(2*365*24*60)) * time.Minute)
	}
	workdays := map[calendar.Date]bool{}
	for _, d := range c.Days(calendar.D(2023, 12, 1), calendar.D(2026, 12, 31)) {
		workdays[d.Date] = d.Working
	}
	rc := rcal.NewBusinessCalendar()
	rc.SetWorkHours(9*time.Hour, 18*time.Hour+30*time.Minute)
	rc.WorkdayFunc = func(t time.Time) bool { return workdays[calendar.DateOf(t)] }

	terms := []struct {
		name, clock, level string
		business, rickar   time.Duration
	}{
		{"30min", "refutation_notice", "", 30 * time.Minute, 30 * time.Minute},       // Q32
		{"2h", "analysis", "", 2 * time.Hour, 2 * time.Hour},                         // Q31
		{"5workdays", "resolution", "low", 5 * 8 * time.Hour, 5 * 570 * time.Minute}, // Q38
	}
	var sink time.Time
	for _, tc := range terms {
		rule, err := Compile(p, tc.clock, tc.level, "")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name+"/tenderdesk", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d, err := rule.Deadline(starts[i&1023])
				if err != nil {
					b.Fatal(err)
				}
				sink = d
				i++
			}
		})
		// the same including the look-up of profile term and channel per call
		b.Run(tc.name+"/tenderdesk-lookup", func(b *testing.B) {
			i := 0
			for b.Loop() {
				sink, _ = Deadline(p, Spec{Clock: tc.clock, Level: tc.level, At: starts[i&1023]})
				i++
			}
		})
		b.Run(tc.name+"/reference", func(b *testing.B) {
			i := 0
			for b.Loop() {
				sink = refAddBusiness(c, starts[i&1023], tc.business)
				i++
			}
		})
		b.Run(tc.name+"/rickar", func(b *testing.B) {
			i := 0
			for b.Loop() {
				sink = rc.AddWorkHours(starts[i&1023], tc.rickar)
				i++
			}
		})
	}
	_ = sink
}
