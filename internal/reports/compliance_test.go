package reports_test

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/reports"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// clockRow is a clock as the test writes it into the clocks table.
type clockRow struct {
	inc                    int64
	appeal, clock, level   string
	basis                  string
	start, deadline, metAt time.Time
	state                  string
}

func insertClocks(t *testing.T, db *store.DB, rows []clockRow) {
	t.Helper()
	for _, r := range rows {
		_, err := db.W.Exec(`INSERT INTO clocks (incident_id, appeal_number, clock, level, channel, profile, basis, event_at, start_at,
			base_deadline, deadline, warn_at, state, met_at, breached_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'email', 'kz-quasi@2021', $5, $6, $6, $7, $7, $7, $8, $9, $10, $6, $6)`,
			r.inc, r.appeal, r.clock, r.level, r.basis, store.T(r.start), store.T(r.deadline), r.state, store.T(r.metAt),
			store.T(map[bool]time.Time{true: r.deadline}[r.state == "breached"]))
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Mon 2 March 2026 10:00 in Astana (UTC+5).
var mon10 = time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)

// The clocks of the scenario: registration (Q29, 30 working minutes) met
// at 10, 20 and 29 minutes, breached at 40, one running, one paused;
// high fixing (Q38, 12 calendar hours) met at 6 h, one breached and still
// open; medium fixing (Q38, 2 working days) met on its first evening.
func scenario(f *fixture) []clockRow {
	reg := func(a string, met time.Duration, state string) clockRow {
		r := clockRow{inc: f.inc[0], appeal: a, clock: "registration", basis: "Q29", start: mon10, deadline: mon10.Add(30 * time.Minute), state: state}
		if met > 0 {
			r.metAt = mon10.Add(met)
		}
		return r
	}
	tue10 := mon10.AddDate(0, 0, 1)
	return []clockRow{
		reg("A1", 10*time.Minute, "met"), reg("A2", 20*time.Minute, "met"), reg("A3", 29*time.Minute, "met"),
		reg("A4", 40*time.Minute, "breached"), reg("A5", 0, "running"), reg("A6", 0, "paused"),
		{inc: f.inc[1], clock: "resolution", level: "high", basis: "Q38", start: mon10, deadline: mon10.Add(12 * time.Hour), metAt: mon10.Add(6 * time.Hour), state: "met"},
		{inc: f.inc[2], clock: "resolution", level: "high", basis: "Q38", start: tue10, deadline: tue10.Add(12 * time.Hour), state: "breached"},
		// Wed 10:00 is 2 working days on; met Mon 18:00: 6.5 working hours
		// (10:00–13:00, 14:30–18:00) of 16 (Mon 7, Tue 8, Wed 1).
		{inc: f.inc[3], clock: "resolution", level: "medium", basis: "Q38", start: mon10, deadline: mon10.AddDate(0, 0, 2), metAt: mon10.Add(8 * time.Hour), state: "met"},
	}
}

// The figures of the compliance report equal those computed here from the
// clocks table: counts by a GROUP BY of its own, the time used against
// the term by plain arithmetic (calendar clocks, and working clocks that
// stay inside one working morning), the one multi-day working clock by
// hand. Q29, Q38.
func TestComplianceEqualsTheClocksTable_Q29_Q38(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		insertClocks(t, db, scenario(f))
		f.clk.Set(mon10.AddDate(0, 0, 2)) // Wed 10:00: the open breach is 24 h old
		rep, err := f.svc.Compliance(context.Background(), f.filter(t, map[string]string{}))
		if err != nil {
			t.Fatal(err)
		}
		// Counts, independently.
		rows, err := db.R.Query(`SELECT clock, level, basis, state, COUNT(*) FROM clocks GROUP BY clock, level, basis, state`)
		if err != nil {
			t.Fatal(err)
		}
		want := map[[3]string]map[string]int{}
		for rows.Next() {
			var c, l, b, s string
			var n int
			if err := rows.Scan(&c, &l, &b, &s, &n); err != nil {
				t.Fatal(err)
			}
			k := [3]string{c, l, b}
			if want[k] == nil {
				want[k] = map[string]int{}
			}
			want[k][s] = n
		}
		rows.Close()
		if len(rep.Groups) != len(want) {
			t.Fatalf("%d groups, the table has %d", len(rep.Groups), len(want))
		}
		total := 0
		for _, g := range rep.Groups {
			w := want[[3]string{g.Clock, g.Level, g.Basis}]
			ran := w["met"] + w["breached"] + w["paused"] + w["running"]
			total += ran
			if g.Ran != ran || g.Met != w["met"] || g.Breached != w["breached"] || g.Paused != w["paused"] || g.Running != w["running"] {
				t.Errorf("%s/%s/%s: %+v, table %v", g.Clock, g.Level, g.Basis, g.Counts, w)
			}
			if e := w["met"] + w["breached"]; e > 0 && math.Abs(g.MetShare-float64(w["met"])/float64(e)) > 1e-9 {
				t.Errorf("%s: share %v", g.Clock, g.MetShare)
			}
		}
		if rep.Total.Ran != total {
			t.Errorf("total %d, want %d", rep.Total.Ran, total)
		}
		// Time used against the term: registration 10/30, 20/30, 29/30, 40/30.
		reg := group(t, rep, "registration", "")
		uses := []float64{10.0 / 30, 20.0 / 30, 29.0 / 30, 40.0 / 30}
		sort.Float64s(uses)
		if !near(reg.P50, uses[1]) || !near(reg.P90, uses[3]) {
			t.Errorf("registration p50 %v p90 %v, want %v %v", reg.P50, reg.P90, uses[1], uses[3])
		}
		if len(reg.Worst) != 1 || reg.Worst[0].Appeal != "A4" || reg.Worst[0].Over != 600 {
			t.Errorf("registration worst %+v, want A4 10 min over", reg.Worst)
		}
		high := group(t, rep, "resolution", "high")
		// met at 6 of 12 h; the open breach: Tue 10:00 → Wed 10:00 = 24 of 12 h.
		if !near(high.P50, 0.5) || !near(high.P90, 2) {
			t.Errorf("high p50 %v p90 %v, want 0.5 2", high.P50, high.P90)
		}
		if len(high.Worst) != 1 || high.Worst[0].Over != 12*3600 || !high.Worst[0].DoneAt.IsZero() {
			t.Errorf("high worst %+v", high.Worst)
		}
		med := group(t, rep, "resolution", "medium")
		if !near(med.P50, 6.5/16) {
			t.Errorf("medium fixing used %v of its term, want 6.5/16 working hours (not the %v of wall time)", med.P50, 8.0/48)
		}
		// The distribution: 10/30, 20/30, 29/30, 40/30, 0.5, 2, 6.5/16.
		wantUse := map[float64]int{0.25: 2, 0.5: 2, 0.75: 1, 1: 1, 2: 1}
		for _, b := range rep.Use {
			if b.Count != wantUse[b.From] {
				t.Errorf("bucket from %v: %d, want %d", b.From, b.Count, wantUse[b.From])
			}
		}
		// Days (of the event, Astana): Mon 2 March 6 met + 1 breached … by the table.
		days := map[string][2]int{}
		for _, d := range rep.Days {
			days[d.Date.String()] = [2]int{d.Met, d.Breached}
		}
		if days["2026-03-02"] != [2]int{5, 1} || days["2026-03-03"] != [2]int{0, 1} || len(days) != 2 {
			t.Errorf("days %v", days)
		}
		// The profile filter: another family has none of these clocks.
		other, err := f.svc.Compliance(context.Background(), f.filter(t, map[string]string{"profile": "kz-energy"}))
		if err != nil || other.Total.Ran != 0 {
			t.Errorf("kz-energy: %+v %v", other.Total, err)
		}
		// A period before the clocks: none.
		early, _ := f.svc.Compliance(context.Background(), f.filter(t, map[string]string{"from": "2026-02-01", "to": "2026-03-01"}))
		if early.Total.Ran != 0 {
			t.Errorf("February: %+v", early.Total)
		}
	})
}

// The charts are SVG without script or inline style, with a title, and
// readable without colour: breached bars hatched, numbers written.
func TestComplianceCharts(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	insertClocks(t, db, scenario(f))
	rep, err := f.svc.Compliance(context.Background(), f.filter(t, map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	for name, svg := range map[string]string{"days": reports.DaysSVG(rep, "kk"), "use": reports.UseSVG(rep, "ru")} {
		if !strings.HasPrefix(svg, "<svg ") || !strings.HasSuffix(svg, "</svg>") || strings.Contains(svg, "<script") ||
			strings.Contains(svg, "style=") || !strings.Contains(svg, "<title") || !strings.Contains(svg, "-hatch)") {
			t.Errorf("%s: %s", name, svg)
		}
	}
	if !strings.Contains(reports.DaysSVG(rep, "kk"), "сақталмады") || !strings.Contains(reports.UseSVG(rep, "ru"), "≥ 200 %") {
		t.Error("chart words")
	}
	empty, _ := f.svc.Compliance(context.Background(), f.filter(t, map[string]string{"from": "2025-01-01", "to": "2025-01-31"}))
	if !strings.Contains(reports.DaysSVG(empty, "ru"), "За период сроков нет.") {
		t.Error("an empty period's chart does not say so")
	}
}

func group(t *testing.T, rep *reports.Compliance, clock, level string) reports.Group {
	t.Helper()
	i := slices.IndexFunc(rep.Groups, func(g reports.Group) bool { return g.Clock == clock && g.Level == level })
	if i < 0 {
		t.Fatalf("no group %s %s in %+v", clock, level, rep.Groups)
	}
	return rep.Groups[i]
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.001 }
