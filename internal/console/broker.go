package console

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
)

// Event is what an open console is told: something in the queue changed.
type Event struct {
	Kind     string `json:"kind"` // "appeal" (registered), "incident" (state change, merge)
	Number   string `json:"number,omitempty"`
	Incident int64  `json:"incident"`
	State    string `json:"state,omitempty"`
}

// Broker fans events out to every open console (server-sent events). It
// is fed by Journal hooks, which run inside the event's transaction; so it
// sends an event only after a short settle time, by which the commit is
// done (a commit is a few milliseconds), and the page that refetches on the
// event sees the row. Slow consoles drop events rather than block the
// Journal: the next event or the periodic refresh brings them up to date.
type Broker struct {
	mu     sync.Mutex
	subs   map[chan Event]struct{}
	Settle time.Duration
	// Remote, set on PostgreSQL, carries every event through the database
	// so consoles connected to any desk process hear it (issue 15): a
	// hook's event is sent inside its transaction (NOTIFY, delivered at
	// commit and never for a rollback, so no settle time is needed), any
	// other at once (tx nil). Every process's listener, this one's too,
	// hands it back through Receive; nothing is sent locally besides, so a
	// console hears each event once.
	Remote func(ctx context.Context, tx *sql.Tx, payload string) error
}

func NewBroker() *Broker {
	return &Broker{subs: map[chan Event]struct{}{}, Settle: 150 * time.Millisecond}
}

func (b *Broker) subscribe() chan Event {
	ch := make(chan Event, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch
}

func (b *Broker) unsubscribe(ch chan Event) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

// Publish sends e to every subscriber after the settle time (or, with
// Remote, through the database at once).
func (b *Broker) Publish(e Event) {
	if b.Remote != nil {
		go b.sendRemote(e)
		return
	}
	time.AfterFunc(b.Settle, func() { b.send(e) })
}

// inTx publishes a hook's event with its transaction.
func (b *Broker) inTx(ctx context.Context, tx *sql.Tx, e Event) error {
	if b.Remote == nil {
		b.Publish(e)
		return nil
	}
	p, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.Remote(ctx, tx, string(p))
}

// sendRemote sends a committed event through the database; if the
// database cannot take it, this process's consoles still hear it.
func (b *Broker) sendRemote(e Event) {
	p, err := json.Marshal(e)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = b.Remote(ctx, nil, string(p))
		cancel()
	}
	if err != nil {
		b.send(e)
	}
}

// Receive hands an event heard from the database (Remote) to this
// process's consoles; a payload that is not an event is dropped.
func (b *Broker) Receive(payload string) {
	var e Event
	if json.Unmarshal([]byte(payload), &e) == nil && e.Kind != "" {
		b.send(e)
	}
}

// send gives e to every subscriber now (an event already committed).
func (b *Broker) send(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// ClockFired tells every console of a warning or breach the clock
// scheduler raised (clocks.Service.OnFired, after its commit): kind
// "clock", state "warned" or "breached".
func (b *Broker) ClockFired(f clocks.Fired) {
	st := "warned"
	if f.Breach {
		st = "breached"
	}
	e := Event{Kind: "clock", Number: f.Appeal, Incident: f.IncidentID, State: st}
	if b.Remote != nil {
		go b.sendRemote(e)
		return
	}
	b.send(e)
}

// Subscribers is how many consoles are connected.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// AppealRegistered and IncidentChanged make the broker a journal.Hooks.
func (b *Broker) AppealRegistered(ctx context.Context, tx journal.HookTx, a journal.Appeal, _ bool) error {
	return b.inTx(ctx, tx.Tx, Event{Kind: "appeal", Number: a.Number, Incident: a.IncidentID})
}

func (b *Broker) IncidentChanged(ctx context.Context, tx journal.HookTx, _ journal.Action, _ audit.Actor, _, after journal.Incident) error {
	return b.inTx(ctx, tx.Tx, Event{Kind: "incident", Incident: after.ID, State: string(after.State)})
}

// events streams the broker to one console.
func (c *Console) events(q *req) error {
	fl, ok := q.w.(http.Flusher)
	if !ok {
		return fmt.Errorf("streaming unsupported")
	}
	// The server's write timeout would cut the stream; this one is long-lived.
	_ = http.NewResponseController(q.w).SetWriteDeadline(time.Time{})
	h := q.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	q.w.WriteHeader(http.StatusOK)
	ch := c.Broker.subscribe()
	defer c.Broker.unsubscribe(ch)
	fmt.Fprint(q.w, "retry: 2000\n: hello\n\n")
	fl.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-q.ctx().Done():
			return nil
		case e := <-ch:
			fmt.Fprintf(q.w, "event: %s\ndata: {\"kind\":%q,\"number\":%q,\"incident\":%s,\"state\":%q}\n\n",
				e.Kind, e.Kind, e.Number, strconv.FormatInt(e.Incident, 10), e.State)
			fl.Flush()
		case <-ping.C:
			fmt.Fprint(q.w, ": ping\n\n")
			fl.Flush()
		}
	}
}
