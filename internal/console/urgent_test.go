package console_test

import (
	"net/url"
	"regexp"
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

// Q47: the authorized body's appeals are first in the queue, marked, and
// listed once — above appeals whose deadlines are nearer. Both backends.
func TestQueueAuthorityFirst(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		op := d.browser()
		op.signIn("admin", adminPassword)
		register := func(channel string, ago time.Duration, phone string) string {
			op.get("/appeals/new")
			p := op.post("/appeals/new", url.Values{"channel": {channel}, "received_at": {nowLocal(time.Now().Add(-ago))},
				"contact_phone": {phone}, "description": {"Сбой"}, "decided": {"1"}})
			return strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/appeals/")
		}
		phone1 := register("phone", 9*time.Minute, "+7 701 000 0001")
		phone2 := register("phone", 8*time.Minute, "+7 701 000 0002")
		auth := register("authority", 1*time.Minute, "+7 701 000 0003")
		rowRe := regexp.MustCompile(`<tr class="([^"]*)" data-row>\s*<td[^>]*><a href="/appeals/([0-9-]+)"`)
		order := func(path string) (numbers []string, marked map[string]bool) {
			marked = map[string]bool{}
			for _, m := range rowRe.FindAllStringSubmatch(op.get(path).Body, -1) {
				numbers = append(numbers, m[2])
				marked[m[2]] = strings.Contains(m[1], "prio")
			}
			return numbers, marked
		}
		got, marked := order("/")
		if want := []string{auth, phone1, phone2}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("queue order %v, want %v (the authorized body's appeal first, then the nearest deadline)", got, want)
		}
		if !marked[auth] || marked[phone1] || marked[phone2] {
			t.Errorf("priority marks %v: only %s is the authorized body's", marked, auth)
		}
		if got, _ := order("/?channel=phone"); strings.Join(got, " ") != phone1+" "+phone2 {
			t.Errorf("phone filter lists %v", got)
		}
		if got, marked := order("/?channel=authority"); strings.Join(got, " ") != auth || !marked[auth] {
			t.Errorf("authority filter lists %v %v", got, marked)
		}
	})
}
