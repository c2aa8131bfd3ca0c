package journal_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/journal"
	"tenderdesk/internal/journal/journaltest"
	"tenderdesk/internal/store"
)

// oldUrgent is the urgent order before 0015_queue_urgency, the peer of the
// measurement: the nearest deadline computed per appeal in a derived table.
const oldUrgent = `SELECT * FROM (SELECT a.id, COALESCE((SELECT MIN(c.deadline) FROM clocks c WHERE c.state IN ('running', 'breached')
	AND c.incident_id = a.incident_id AND (c.appeal_number = a.number OR c.appeal_number = '')), %s) AS urgent_at
	FROM appeals a JOIN incidents i ON i.id = a.incident_id WHERE a.state NOT IN ('closed', 'merged')) u %s ORDER BY u.urgent_at, u.id LIMIT 51`

// TestListingAtScale is the issue-10 measurement of the listing the queue
// stands on: TENDERDESK_BENCH_APPEALS=1000000 go test -run TestListingAtScale
// -v ./internal/journal/ prints p50/p99 per filter on both backends (the
// seeded databases are cached, journaltest.Cached). It asserts what each
// filter returns, never how fast.
func TestListingAtScale(t *testing.T) {
	n, runs := journaltest.Scale(t)
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			start := time.Now()
			_, db := journaltest.Cached(t, dialect, n)
			t.Logf("database ready in %s", time.Since(start).Round(time.Second))
			s, _ := newService(t, db, time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC))
			ctx := context.Background()
			deep := func(f journal.Filter) string { // the cursor 1,000 rows in
				f.Limit = 500
				p, err := s.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				f.After = p.Next
				p, err = s.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				return p.Next
			}
			queue := journal.Filter{Open: true, Urgent: true}
			deepQueue := queue
			deepQueue.After = deep(queue)
			with := func(f journal.Filter, set func(*journal.Filter)) journal.Filter { set(&f); return f }
			cases := []struct {
				name string
				f    journal.Filter
			}{
				{"first page", journal.Filter{}},
				{"1,000 rows deep", journal.Filter{After: deep(journal.Filter{})}},
				{"state=analysing (rare)", journal.Filter{State: "analysing"}},
				{"state=closed (common)", journal.Filter{State: "closed"}},
				{"state=fixing 1,000 deep", journal.Filter{State: "fixing", After: deep(journal.Filter{})}},
				{"criticality=high", journal.Filter{Criticality: "high"}},
				{"channel=phone", journal.Filter{Channel: "phone"}},
				{"organization=", journal.Filter{Organization: "ТОО «Организация 17»"}},
				{"bin=", journal.Filter{BIN: "000000000017"}},
				{"period, no match", journal.Filter{From: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)}},
				{"period, three days", journal.Filter{From: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC)}},
				{"full text, rare word", journal.Filter{Query: "редкостный"}},
				{"full text, common word", journal.Filter{Query: "договор"}},
				{"queue: first page", queue},
				{"queue: 1,000 rows deep", deepQueue},
				{"queue: state=analysing", with(queue, func(f *journal.Filter) { f.State = "analysing" })},
				{"queue: state=fixing 1,000 deep", with(queue, func(f *journal.Filter) { f.State = "fixing"; f.After = deep(*f) })},
				{"queue: channel=phone", with(queue, func(f *journal.Filter) { f.Channel = "phone" })},
				{"queue: channel=phone 1,000 deep", with(queue, func(f *journal.Filter) { f.Channel = "phone"; f.After = deep(*f) })},
				{"queue: criticality=high", with(queue, func(f *journal.Filter) { f.Criticality = "high" })},
				{"queue: organization=", with(queue, func(f *journal.Filter) { f.Organization = "ТОО «Организация 50»" })},
				{"queue: full text, rare", with(queue, func(f *journal.Filter) { f.Query = "срочнейший" })},
				{"queue: full text, common", with(queue, func(f *journal.Filter) { f.Query = "договор" })},
				{"queue: all (closed too)", with(queue, func(f *journal.Filter) { f.Open = false })},
			}
			measure := func(name string, runs int, fn func() (int, error)) {
				var took []time.Duration
				var rows int
				for range runs {
					t0 := time.Now()
					n, err := fn()
					took = append(took, time.Since(t0))
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					rows = n
				}
				slices.Sort(took)
				if name != "period, no match" && rows == 0 {
					t.Errorf("%s: no rows", name)
				}
				t.Logf("%-34s rows %3d  p50 %8s  p99 %8s", name, rows, took[len(took)/2].Round(10*time.Microsecond), took[len(took)*99/100].Round(10*time.Microsecond))
			}
			for _, c := range cases {
				measure(c.name, runs, func() (int, error) {
					p, err := s.List(ctx, c.f)
					return len(p.Rows), err
				})
			}
			// the peer: the urgent order as computed before 0015
			far := "'9999-12-31T00:00:00.000000Z'"
			if dialect == store.Postgres {
				far = "'9999-12-31T00:00:00Z'::timestamptz"
			}
			us, id, _ := strings.Cut(deepQueue.After, "_") // the cursor 1,000 rows in: "<µs>_<id>"
			µs, _ := strconv.ParseInt(us, 10, 64)
			lastAt := time.UnixMicro(µs).UTC().Format("2006-01-02T15:04:05.000000Z")
			for _, c := range []struct{ name, where string }{
				{"peer (old query): queue first page", ""},
				{"peer (old query): queue 1,000 deep", fmt.Sprintf("WHERE (u.urgent_at, u.id) > ('%s', %s)", lastAt, id)},
			} {
				measure(c.name, min(runs, 5), func() (int, error) {
					rs, err := db.R.QueryContext(ctx, fmt.Sprintf(oldUrgent, far, c.where))
					if err != nil {
						return 0, err
					}
					defer rs.Close()
					n := 0
					for rs.Next() {
						n++
					}
					return n, rs.Err()
				})
			}
		})
	}
}
