package console_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
)

// The queue's order (issue 10): the nearest running deadline first, paged
// by keyset on it without losing or repeating a row.
func TestQueueMostUrgentFirst(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		op := d.browser()
		op.signIn("admin", adminPassword)
		var numbers []string
		for i, ago := range []time.Duration{5 * time.Minute, 6 * time.Minute, 7 * time.Minute} {
			op.get("/appeals/new")
			p := op.post("/appeals/new", url.Values{"channel": {"phone"}, "received_at": {nowLocal(time.Now().Add(-ago))},
				"contact_phone": {"+7 701 000 000" + string(rune('0'+i))}, "description": {"Сбой"}, "decided": {"1"}})
			numbers = append(numbers, strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/appeals/"))
		}
		// Clocks run from registration, so all three end alike; the agreed
		// extension (Q38) of two of them moves their deadlines apart.
		for k, days := range map[int]int{0: 3, 2: 1} {
			a, err := d.App.Journal.Appeal(t.Context(), numbers[k])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.App.Clocks.Extend(t.Context(), audit.System, a.IncidentID, "incident_id_notice",
				clocks.Extension{Appeal: numbers[k], Days: days, Basis: "письмо уполномоченного органа"}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		f := journal.Filter{Open: true, Urgent: true, Limit: 1}
		for range 5 {
			page, err := d.App.Journal.List(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Rows {
				got = append(got, r.Number)
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
		if len(got) != 3 {
			t.Fatalf("pages gave %v", got)
		}
		if want := []string{numbers[1], numbers[2], numbers[0]}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("urgent order %v, want %v (the nearest deadline first)", got, want)
		}
	})
}
