package reports_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tenderdesk/internal/reports"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// procKB reads a field (VmRSS, VmHWM) of /proc/self/status in KB.
func procKB(t *testing.T, field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// cpuTime is the process's user and system CPU time: on a shared machine
// the wall time follows the load, the CPU time much less (issue 13).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// seed writes n appeals (one incident per ten, closed with a decision and
// recommendations) in one transaction, registered a minute apart from
// 1 January 2026 on.
func seed(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	inc, err := tx.PrepareContext(ctx, `INSERT INTO incidents (id, state, profile, first_registered_at, criticality, operator_dependent, cause,
		decision, recommendations, created_at, updated_at, number) VALUES ($1, 'closed', 'kz-quasi@2021', $2, 'medium', $3, 'third_party_outage',
		'Сбой устранен, сроки приема заявок продлены на 1 календарный день', 'Резервный канал связи; мониторингті күшейту', $2, $2, $4)`)
	if err != nil {
		t.Fatal(err)
	}
	app, err := tx.PrepareContext(ctx, `INSERT INTO appeals (number, year, seq, incident_id, channel, received_at, registered_at, organization, bin,
		contact_email, contact_phone, description, profile, state, criticality) VALUES ($1, 2026, $2, $3, 'email', $4, $4, $5, '990340005977',
		'info@adil.kz', '+7 701 555 12 34', 'Өтінім берілмейді: портал жауап бермейді', 'kz-quasi@2021', 'closed', 'medium')`)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 4, 0, 0, 0, time.UTC)
	for i := range n {
		at := store.T(t0.Add(time.Duration(i) * time.Minute))
		if i%10 == 0 {
			if _, err := inc.ExecContext(ctx, i/10+1, at, i%20 == 0, fmt.Sprintf("TF-2026-%06d", i/10+1)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := app.ExecContext(ctx, fmt.Sprintf("2026-%06d", i+1), i+1, i/10+1, at,
			fmt.Sprintf("ТОО «Әділ Құрылыс Ғылым %d»", i%500)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if db.Dialect == store.Postgres {
		db.W.ExecContext(ctx, "ANALYZE appeals; ANALYZE incidents")
	}
}

// TestMeasureExtract is a measurement, not a check: the Journal extract of
// TENDERDESK_MEASURE_ROWS appeals (default 100,000) in each format, its
// time and how far the process's peak RSS rose above the RSS before;
// beside them, in the same run, the peers: the PDF as fpdf wrote it before
// pdfw, excelize's in-memory File (not the StreamWriter) and a CSV of the
// rows first collected in a slice. TENDERDESK_MEASURE_FORMATS (e.g.
// "pdf,peer:pdf-fpdf") limits the runs.
// Run with TENDERDESK_MEASURE=1 (docs/BENCHMARKS.md).
func TestMeasureExtract(t *testing.T) {
	if os.Getenv("TENDERDESK_MEASURE") == "" {
		t.Skip("a measurement: set TENDERDESK_MEASURE=1 to run it")
	}
	n := 100_000
	if s := os.Getenv("TENDERDESK_MEASURE_ROWS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		start := time.Now()
		seed(t, db, n)
		t.Logf("%s: seeded %d appeals in %.1f s", db.Dialect, n, time.Since(start).Seconds())
		svc := &reports.Service{DB: db, Now: time.Now, Zone: almaty}
		q := map[string]string{"from": "2026-01-01", "to": "2026-12-31"}
		f, err := reports.ParseFilter(func(k string) string { return q[k] }, time.Now(), almaty)
		if err != nil {
			t.Fatal(err)
		}
		only := os.Getenv("TENDERDESK_MEASURE_FORMATS")
		run := func(name string, fn func(w io.Writer) (int, error)) {
			if only != "" && !slices.Contains(strings.Split(only, ","), name) {
				return
			}
			runtime.GC()
			debug.FreeOSMemory()
			_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM
			rss0 := procKB(t, "VmRSS")
			var c counter
			cpu0 := cpuTime()
			t0 := time.Now()
			rows, err := fn(&c)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			el := time.Since(t0)
			cpu := cpuTime() - cpu0
			peak := procKB(t, "VmHWM")
			load, _ := os.ReadFile("/proc/loadavg")
			t.Logf("%-8s %-14s rows %7d  %6.2f s (CPU %5.2f s)  peak RSS +%4d MB (RSS before %d MB)  output %6.1f MB  load %s",
				db.Dialect, name, rows, el.Seconds(), cpu.Seconds(), (peak-rss0)/1024, rss0/1024, float64(c.n)/(1<<20), strings.Join(strings.Fields(string(load))[:3], " "))
		}
		for _, format := range []string{"csv", "json", "xlsx", "pdf"} {
			run(format, func(w io.Writer) (int, error) { return svc.Export(context.Background(), w, f, format) })
		}
		run("peer:pdf-fpdf", func(w io.Writer) (int, error) { return svc.ExportFPDF(context.Background(), w, f) })
		run("peer:csv-slice", func(w io.Writer) (int, error) {
			var all [][]string
			_, err := svc.Each(context.Background(), f, func(l *reports.Line) error { all = append(all, l.Cells("ru")); return nil })
			if err != nil {
				return 0, err
			}
			for _, r := range all {
				io.WriteString(w, strings.Join(r, ",")+"\r\n")
			}
			return len(all), nil
		})
		run("peer:xlsx-file", func(w io.Writer) (int, error) {
			x := excelize.NewFile()
			defer x.Close()
			row := 1
			_, err := svc.Each(context.Background(), f, func(l *reports.Line) error {
				cells := make([]any, 0, 8)
				for _, c := range l.Cells("ru") {
					cells = append(cells, c)
				}
				cell, _ := excelize.CoordinatesToCellName(1, row)
				row++
				return x.SetSheetRow("Sheet1", cell, &cells)
			})
			if err != nil {
				return 0, err
			}
			_, err = x.WriteTo(w)
			return row - 1, err
		})
	})
}

// TestMeasureCompliance is a measurement: the compliance report over
// TENDERDESK_MEASURE_CLOCKS clocks (default 200,000) of one year, half
// working-time (registration, Q29) and half calendar-time (high fixing,
// Q38), read through the index clocks_event.
func TestMeasureCompliance(t *testing.T) {
	if os.Getenv("TENDERDESK_MEASURE") == "" {
		t.Skip("a measurement: set TENDERDESK_MEASURE=1 to run it")
	}
	n := 200_000
	if s := os.Getenv("TENDERDESK_MEASURE_CLOCKS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db, 10)
		tx, err := db.W.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO clocks (incident_id, appeal_number, clock, level, channel, profile, basis, event_at, start_at,
			base_deadline, deadline, warn_at, state, met_at, created_at, updated_at)
			VALUES (1, $1, $2, $3, 'email', 'kz-quasi@2021', $4, $5, $5, $6, $6, $6, $7, $8, $5, $5)`)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 1, 1, 4, 0, 0, 0, time.UTC)
		for i := range n {
			start := t0.Add(time.Duration(i) * 150 * time.Second)
			clock, level, basis, term := "registration", "", "Q29", 30*time.Minute
			if i%2 == 1 {
				clock, level, basis, term = "resolution", "high", "Q38", 12*time.Hour
			}
			state, met := "met", start.Add(time.Duration(i%40)*time.Minute)
			if i%7 == 0 {
				state, met = "breached", start.Add(term+time.Hour)
			}
			if _, err := st.ExecContext(ctx, strconv.Itoa(i), clock, level, basis, store.T(start), store.T(start.Add(term)), state, store.T(met)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if db.Dialect == store.Postgres {
			db.W.ExecContext(ctx, "ANALYZE clocks")
		}
		svc := &reports.Service{DB: db, Now: time.Now, Zone: almaty}
		q := map[string]string{"from": "2026-01-01", "to": "2026-12-31"}
		f, _ := reports.ParseFilter(func(k string) string { return q[k] }, time.Now(), almaty)
		start := time.Now()
		rep, err := svc.Compliance(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-8s compliance over %d clocks: %.2f s (%d groups, %d days)", db.Dialect, rep.Total.Ran, time.Since(start).Seconds(), len(rep.Groups), len(rep.Days))
	})
}
