package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/app"
)

// sse is one console's event stream (/events) read as the browser's
// EventSource reads it.
type sse struct {
	resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

type sseEvent struct {
	Name string
	Data struct {
		Kind     string `json:"kind"`
		Number   string `json:"number"`
		Incident int64  `json:"incident"`
		State    string `json:"state"`
	}
}

// stream opens the signed-in browser's event stream; it is closed with the test.
func (b *browser) stream(t testing.TB) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", b.d.Base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	hc := &http.Client{Jar: b.hc.Jar} // no timeout: the stream is long-lived
	resp, err := hc.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	s := &sse{resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel}
	return s
}

// next reads the next named event (comments and pings are skipped).
func (s *sse) next() (sseEvent, error) {
	var e sseEvent
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return e, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			e.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e.Data); err != nil {
				return e, err
			}
		case line == "" && e.Name != "":
			return e, nil
		}
	}
}

// until reads events until want accepts one; the stream's end fails, and
// so does a minute without it (a guard against hanging, not a timing).
func (s *sse) until(t *testing.T, want func(sseEvent) bool) sseEvent {
	t.Helper()
	guard := time.AfterFunc(time.Minute, s.cancel)
	defer guard.Stop()
	for {
		e, err := s.next()
		if err != nil {
			t.Fatalf("event stream ended before the event: %v", err)
		}
		if want(e) {
			return e
		}
	}
}

// A warning and a breach raised by the clock scheduler reach every open
// console as an event (issue 10: "a breach appears on every open console
// within a second"), not only with the minute's refresh.
func TestClockWarningAndBreachPushed(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		clock := &fakeNow{t: time.Date(2026, 11, 19, 5, 5, 0, 0, time.UTC)} // Thu 10:05 in Astana
		ticks := make(chan time.Time)
		scanned := make(chan int, 16)
		d := boot(t, dsn, withClock(clock), bootOpt{Opts: []app.Option{app.WithClockScans(ticks, func(n int, err error) {
			if err != nil {
				t.Errorf("scan: %v", err)
			}
			scanned <- n
		})}})
		<-scanned // the scan at start
		op, other := d.browser(), d.browser()
		op.signIn("admin", adminPassword)
		d.user("op2", "operator")
		other.signIn("op2", "password-of-op2")
		streams := []*sse{op.stream(t), other.stream(t)}

		op.get("/appeals/new")
		p := op.post("/appeals/new", url.Values{"channel": {"phone"}, "received_at": {nowLocal(clock.Now())},
			"contact_phone": {"+7 701 000 0001"}, "description": {"Сбой подписи"}, "decided": {"1"}})
		number := strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/appeals/")
		if number == "" {
			t.Fatalf("registration: %d %s", p.Status, p.Body)
		}
		for _, s := range streams {
			s.until(t, func(e sseEvent) bool { return e.Name == "appeal" && e.Data.Number == number })
		}
		// Q30: the incident's number within 60 working minutes; the warning a fifth before
		for _, step := range []struct {
			after time.Duration
			state string
		}{{50 * time.Minute, "warned"}, {15 * time.Minute, "breached"}} {
			clock.Add(step.after)
			ticks <- clock.Now()
			if n := <-scanned; n == 0 {
				t.Fatalf("the scan raised nothing at %s", clock.Now())
			}
			for i, s := range streams {
				e := s.until(t, func(e sseEvent) bool { return e.Name == "clock" })
				if e.Data.Kind != "clock" || e.Data.State != step.state || e.Data.Number != number || e.Data.Incident == 0 {
					t.Errorf("console %d: %+v, want the %s of %s", i, e, step.state, number)
				}
			}
		}
	})
}
