package console_test

import (
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/journal"
	"tenderdesk/internal/journal/journaltest"
	"tenderdesk/internal/store"
)

// TestQueuePageAtScale is issue 10's queue measurement: the whole page
// (GET / through HTTP on 127.0.0.1: session, listing, clocks, assignees,
// counts, template) over the seeded Journal of journaltest.Cached —
//
//	TENDERDESK_BENCH_APPEALS=1000000 go test ./internal/console -run TestQueuePageAtScale -v
//
// 1,000,000 appeals, 100,000 open, each open one with two running clocks.
// It prints p50/p99 per case (after one untimed page) and the load average,
// and asserts each page shows rows, never how fast.
func TestQueuePageAtScale(t *testing.T) {
	n, runs := journaltest.Scale(t)
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			dsn, db := journaltest.Cached(t, dialect, n)
			db.Close()
			d := boot(t, dsn)
			op := d.browser()
			op.signIn("admin", adminPassword)
			deep := func(f journal.Filter) string { // 1,000 rows into the queue
				f.Open, f.Urgent, f.Limit = true, true, 500
				for range 2 {
					p, err := d.App.Journal.List(t.Context(), f)
					if err != nil {
						t.Fatal(err)
					}
					f.After = p.Next
				}
				return f.After
			}
			// The machine's load while measuring: the figures are only
			// comparable between runs at similar load (docs/BENCHMARKS.md).
			t.Logf("load average at start: %s", loadAvg())
			defer func() { t.Logf("load average at end: %s", loadAvg()) }()
			for _, c := range []struct{ name, query string }{
				{"first page", ""},
				{"1,000 rows deep", "after=" + url.QueryEscape(deep(journal.Filter{}))},
				{"state=analysing", "state=analysing"},
				{"state=fixing, 1,000 deep", "state=fixing&after=" + url.QueryEscape(deep(journal.Filter{State: "fixing"}))},
				{"channel=phone", "channel=phone"},
				{"criticality=high", "criticality=high"},
				{"unassigned", "who=unassigned"},
				{"full text, common word", "q=" + url.QueryEscape("договор")},
				{"full text, rare word", "q=" + url.QueryEscape("срочнейший")},
				{"breaching within 8 h", "within=8"},
			} {
				// one untimed page first: the statement's first preparation and
				// the pages it reads are not what a desk serving all day pays
				if p := op.get("/?" + c.query); p.Status != 200 {
					t.Fatalf("%s: %d %s", c.name, p.Status, p.Body)
				}
				var took []time.Duration
				rows := 0
				cpu0 := cpuTime()
				for range runs {
					t0 := time.Now()
					p := op.get("/?" + c.query)
					took = append(took, time.Since(t0))
					if p.Status != 200 {
						t.Fatalf("%s: %d %s", c.name, p.Status, p.Body)
					}
					rows = strings.Count(p.Body, "data-row")
				}
				if rows == 0 && c.name != "breaching within 8 h" {
					t.Errorf("%s: no rows", c.name)
				}
				cpu := (cpuTime() - cpu0) / time.Duration(runs)
				slices.Sort(took)
				t.Logf("%-26s rows %2d  p50 %8s  p99 %8s  CPU/page %8s", c.name, rows, took[len(took)/2].Round(10*time.Microsecond),
					took[len(took)*99/100].Round(10*time.Microsecond), cpu.Round(10*time.Microsecond))
			}
		})
	}
}

// loadAvg is /proc/loadavg's 1-, 5- and 15-minute figures ("" elsewhere).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
