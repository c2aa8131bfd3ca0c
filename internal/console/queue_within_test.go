package console_test

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/regulation"
)

// "Breaching within N h" (issue 10) is a bound in the listing's SQL, not a
// cut of the page after it: with 130 matching appeals among 70 whose
// nearest deadline is days away and 3 whose clocks are all paused, the
// queue's pages show 50, 50 and 30 rows in urgency order, none twice and
// none missing, the paused ones on none — the same appeals, in the same
// order, as computed here from the clocks themselves. Both backends.
func TestQueueWithinFillsPages(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		// Tuesday 24.11.2026 09:00 in Astana (UTC+5): working time, so the
		// Q30 notice's 60 working minutes end an hour after registration.
		clk := &fakeNow{t: time.Date(2026, 11, 24, 4, 0, 0, 0, time.UTC)}
		d := boot(t, dsn, withClock(clk))
		ctx := context.Background()
		type filed struct {
			number   string
			id       int64
			incident int64
		}
		var all []filed
		reg := func(i int) filed {
			t.Helper()
			at := clk.Now().Add(-time.Minute)
			r, err := d.App.Journal.Register(ctx, journal.Caller{Actor: sysActor}, journal.NewAppeal{
				Channel: []string{"phone", "email", "letter"}[i%3], ReceivedAt: &at,
				Organization: "ТОО «Сауда»", BIN: "123456789013", ContactPhone: "+7 701 000 0000", ContactEmail: "user@sauda.kz",
				Description: "Не подписывается договор"}, "")
			if err != nil {
				t.Fatal(err)
			}
			a, err := d.App.Journal.Appeal(ctx, r.Number)
			if err != nil {
				t.Fatal(err)
			}
			f := filed{r.Number, a.ID, r.IncidentID}
			all = append(all, f)
			clk.Add(5 * time.Second) // distinct registrations, so distinct deadlines
			return f
		}
		for i := range 203 {
			f := reg(i)
			switch {
			case i < 200 && i%20 < 7:
				// 70 appeals whose Q30 notice was sent: their nearest
				// deadline is Q20's, working days away
				if _, err := d.App.Clocks.Meet(ctx, audit.System, f.incident, regulation.ClockIncidentIDNotice, f.number, clk.Now()); err != nil {
					t.Fatal(err)
				}
			case i >= 200:
				// 3 appeals whose requester is asked (Q38) after the Q30
				// notice was sent: every clock left is paused
				if _, err := d.App.Clocks.Meet(ctx, audit.System, f.incident, regulation.ClockIncidentIDNotice, f.number, clk.Now()); err != nil {
					t.Fatal(err)
				}
				for _, act := range []journal.Action{journal.ActAnalyse, journal.ActRequestInfo} {
					if _, err := d.App.Journal.Transition(ctx, sysActor, f.incident, journal.TransitionInput{Action: act, Note: "пришлите снимок экрана"}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		clk.Add(10 * time.Minute)
		now := clk.Now()

		// The expectation, from the clocks as the clock service shows them
		// (not the appeals' stored urgency): an appeal's nearest running or
		// breached deadline among its own and its incident's clocks.
		type due struct {
			number string
			id     int64
			at     time.Time
		}
		var want []due
		paused := map[string]bool{}
		for _, f := range all {
			vs, err := d.App.Clocks.OfIncident(ctx, f.incident)
			if err != nil {
				t.Fatal(err)
			}
			var at time.Time
			someOpen := false
			for _, v := range vs {
				if v.Appeal != "" && v.Appeal != f.number {
					continue
				}
				if v.State == clocks.Paused {
					someOpen = true
				}
				if v.State == clocks.Running || v.State == clocks.Breached {
					someOpen = true
					if at.IsZero() || v.Deadline.Before(at) {
						at = v.Deadline
					}
				}
			}
			if at.IsZero() && someOpen {
				paused[f.number] = true
			}
			if !at.IsZero() && !at.After(now.Add(2*time.Hour)) {
				want = append(want, due{f.number, f.id, at})
			}
		}
		slices.SortFunc(want, func(a, b due) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return int(a.id - b.id)
		})
		if len(want) != 130 || len(paused) != 3 {
			t.Fatalf("the clocks give %d appeals due within 2 h and %d paused ones, want 130 and 3", len(want), len(paused))
		}

		op := d.browser()
		op.signIn("admin", adminPassword)
		rowRe := regexp.MustCompile(`<tr class="[^"]*" data-row>\s*<td[^>]*><a href="/appeals/([0-9-]+)"`)
		nextRe := regexp.MustCompile(`<p class="pager"><a href="([^"]+)">`)
		var got []string
		var sizes []int
		path := "/?within=2"
		for range 5 {
			p := op.get(path)
			if p.Status != 200 {
				t.Fatalf("%s: %d", path, p.Status)
			}
			ms := rowRe.FindAllStringSubmatch(p.Body, -1)
			sizes = append(sizes, len(ms))
			for _, m := range ms {
				got = append(got, m[1])
			}
			n := nextRe.FindStringSubmatch(p.Body)
			if n == nil {
				break
			}
			path = strings.ReplaceAll(n[1], "&amp;", "&")
			if u, err := url.Parse(path); err != nil || u.Query().Get("within") != "2" {
				t.Fatalf("the next page's link %q lost the filter", path)
			}
		}
		if !slices.Equal(sizes, []int{50, 50, 30}) {
			t.Errorf("pages of within=2 hold %v rows, want [50 50 30]", sizes)
		}
		var wantNumbers []string
		for _, w := range want {
			wantNumbers = append(wantNumbers, w.number)
		}
		if !slices.Equal(got, wantNumbers) {
			t.Errorf("within=2 lists\n%v\nwant (from the clocks, nearest deadline first)\n%v", got, wantNumbers)
		}
		seen := map[string]bool{}
		for _, n := range got {
			if seen[n] {
				t.Errorf("%s listed twice", n)
			}
			seen[n] = true
			if paused[n] {
				t.Errorf("%s has only paused clocks and is listed as breaching within 2 h", n)
			}
		}
	})
}
