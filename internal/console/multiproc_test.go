package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store/storetest"
)

// Issue 15: with two desk processes on one PostgreSQL, an appeal registered
// through either reaches the consoles connected to both (NOTIFY at commit,
// a listener in each process), and each console hears it once: the next
// appeal event after the first is the second appeal, not the first again.
func TestLiveEventsReachConsolesOfEveryProcess(t *testing.T) {
	url := storetest.PostgresURL(t)
	a, b := boot(t, url), boot(t, url)
	op := a.browser()
	op.signIn("admin", adminPassword)
	onB := &browser{d: b, hc: op.hc} // the same session, on the other process
	streams := map[string]*sse{"a": op.stream(t), "b": onB.stream(t)}
	for _, d := range []*desk{a, b} { // each listener is up (it may start after the stream)
		for hasLiveWarning(d.App.Web.Warnings()) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	by := journal.Caller{Actor: audit.Actor{Login: "admin", Role: "admin"}}
	register := func(d *desk) string {
		recv := time.Now().Add(-time.Minute)
		reg, err := d.App.Journal.Register(context.Background(), by, journal.NewAppeal{Channel: "phone", ReceivedAt: &recv,
			ContactPhone: "+7 701 123 45 67", Description: "Не подписывается договор"}, "")
		if err != nil {
			t.Fatal(err)
		}
		return reg.Number
	}
	first, second := register(a), register(b)
	for name, s := range streams {
		for _, want := range []string{first, second} {
			e := s.until(t, func(e sseEvent) bool { return e.Name == "appeal" })
			if e.Data.Number != want {
				t.Fatalf("console on %s: appeal event %s, want %s (each once, in order)", name, e.Data.Number, want)
			}
		}
	}
}

func hasLiveWarning(ws []string) bool {
	for _, w := range ws {
		if strings.HasPrefix(w, "live console updates") {
			return true
		}
	}
	return false
}
