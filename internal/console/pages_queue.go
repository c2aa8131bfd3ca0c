package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/vocab"
)

// queueRow is one line of the queue as the template shows it: the Journal
// row's fields and its most urgent running clock, with every word already
// in the page's language. It is flat on purpose: text/template looks a field
// up by name on every use, and a name promoted from an embedded struct
// (journal.Row → Appeal) costs a breadth-first search with allocations —
// 50 rows × 10 such fields were the larger part of the page's template time
// at 1M appeals (docs/BENCHMARKS.md, console queue).
type queueRow struct {
	Number       string
	IncidentID   int64
	Incident     string // "incident № 12"
	Organization string
	BIN          string
	Channel      string // the label
	State        string // the label
	CritCode     string // low | medium | high | ""
	Crit         string // the label
	Assignee     string
	Priority     bool   // the authorized body's appeal, listed first (Q47)
	Level        string // "", "warned", "breached", "paused"
	LevelText    string
	HasClock     bool
	Running      bool  // the countdown ticks in the browser
	Remaining    int64 // seconds, for the countdown
	Left         string
	ClockName    string
}

type queueData struct {
	Rows []queueRow
	Next string
	// MorePriority: more of the authorized body's appeals than the first
	// page lists above the rest; the link filters the queue by its channel.
	MorePriority bool
	Counts       map[journal.State]int
	Total        int
	States       []journal.State
	Channels     []string
	Crits        []string
	Within       int
}

// urgent is the clock that matters most: a breached one, else the running
// one with the least time left, else a paused one.
func urgent(vs []clocks.View, now time.Time) (*clocks.View, string) {
	rank := func(v *clocks.View) int {
		switch v.State {
		case clocks.Breached:
			return 0
		case clocks.Running:
			return 1
		case clocks.Paused:
			return 2
		}
		return 3
	}
	var best *clocks.View
	for i := range vs {
		v := &vs[i]
		if rank(v) == 3 {
			continue
		}
		if best == nil || rank(v) < rank(best) || (rank(v) == rank(best) && v.RemainingSeconds < best.RemainingSeconds) {
			best = v
		}
	}
	if best == nil {
		return nil, ""
	}
	switch {
	case best.State == clocks.Paused:
		return best, "paused"
	case best.State == clocks.Breached || best.RemainingSeconds <= 0:
		return best, "breached"
	case !best.WarnAt.IsZero() && !now.Before(best.WarnAt):
		return best, "warned"
	}
	return best, ""
}

// queue is the operators' list: open appeals, the nearest running deadline
// first (the Journal's urgent order, paged by keyset on it).
func (c *Console) queue(q *req) error {
	v := q.r.URL.Query()
	f := journal.Filter{Open: v.Get("all") == "", State: v.Get("state"), Channel: v.Get("channel"), Criticality: v.Get("criticality"),
		Query: v.Get("q"), BIN: v.Get("bin"), After: v.Get("after"), Limit: 50, Urgent: true}
	d := queueData{States: journal.OpenStates, Channels: journal.Channels, Crits: []string{"low", "medium", "high"}}
	p := c.page(q, q.L.T("queue.title"), &d)
	switch v.Get("who") {
	case "":
	case "mine":
		f.AssigneeID = q.user.ID
	case "unassigned":
		f.Unassigned = true
	default:
		p.Errors["who"] = q.L.T("bad.field")
	}
	for _, k := range []string{"state", "channel", "criticality", "q", "bin", "within", "all", "who"} {
		p.Form.Set(k, v.Get(k))
	}
	if w := v.Get("within"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n <= 0 || n > 24*30 {
			p.Errors["within"] = q.L.T("bad.within")
		}
		d.Within = n
	}
	// "Breaching within N h": the nearest running deadline no later than
	// N hours from now, asked of SQL as a bound on the queue's own order
	// (urgent_at), so every page is full while more rows exist and paging
	// by keyset is unchanged. A breached clock's deadline is past, so it is
	// within any N; paused clocks run toward no deadline and never count.
	now := c.d.Now()
	if d.Within > 0 {
		f.DueBy = now.Add(time.Duration(d.Within) * time.Hour)
	}
	if err := journal.ValidateFilter(&f); err != nil {
		c.formErrors(p, err)
	}
	code := http.StatusOK
	if len(p.Errors) == 0 {
		// The authorized body's appeals come first (Q47): on the first page
		// of a queue not filtered by channel they are listed above the rest,
		// which then leaves them out on every page.
		var rows []journal.Row
		if f.Channel == "" {
			f.ExceptChannel = string(vocab.Authority)
			if f.After == "" {
				pf := f
				pf.Channel, pf.ExceptChannel = string(vocab.Authority), ""
				pp, err := c.d.Journal.List(q.ctx(), pf)
				if err != nil {
					return err
				}
				rows, d.MorePriority = pp.Rows, pp.Next != ""
			}
		}
		page, err := c.d.Journal.List(q.ctx(), f)
		if err != nil {
			return err
		}
		rows = append(rows, page.Rows...)
		// The rows' assignees and clocks in one query each, not per row.
		var ids []int64
		var numbers []string
		for _, r := range rows {
			numbers = append(numbers, r.Number)
			if !slices.Contains(ids, r.IncidentID) {
				ids = append(ids, r.IncidentID)
			}
		}
		assignees, err := c.d.Journal.Assignees(q.ctx(), ids)
		if err != nil {
			return err
		}
		var views map[int64][]clocks.View
		if c.d.Clocks != nil {
			if views, err = c.d.Clocks.OfQueue(q.ctx(), ids, numbers); err != nil {
				return err
			}
		}
		for _, r := range rows {
			own := slices.DeleteFunc(slices.Clone(views[r.IncidentID]), func(v clocks.View) bool { return v.Appeal != "" && v.Appeal != r.Number })
			clock, level := urgent(own, now)
			d.Rows = append(d.Rows, q.L.queueRow(r, assignees[r.IncidentID], clock, level))
		}
		d.Next = page.Next
		if d.Counts, err = c.d.Journal.CountOpen(q.ctx()); err != nil {
			return err
		}
		for _, n := range d.Counts {
			d.Total += n
		}
	} else {
		code = http.StatusBadRequest
	}
	if v.Get("partial") == "rows" {
		c.renderPage(q, code, "part_queue", p)
		return nil
	}
	c.renderPage(q, code, "queue", p)
	return nil
}

// queueRow says one Journal row in the page's language.
func (l *L) queueRow(r journal.Row, assignee string, clock *clocks.View, level string) queueRow {
	row := queueRow{Number: r.Number, IncidentID: r.IncidentID, Incident: l.T("queue.incident_short", r.IncidentID),
		Organization: r.Organization, BIN: r.BIN, Channel: l.Label("channel", r.Channel), State: l.Label("state", r.State),
		CritCode: r.Criticality, Assignee: assignee, Priority: vocab.Channel(r.Channel) == vocab.Authority, Level: level}
	if r.Criticality != "" {
		row.Crit = l.Label("crit", r.Criticality)
	}
	if level != "" {
		row.LevelText = l.T("queue.level_" + level)
	}
	if clock != nil {
		row.HasClock, row.Running, row.Remaining = true, clock.State == clocks.Running, clock.RemainingSeconds
		if clock.State == clocks.Breached {
			row.Left = l.Time(clock.Deadline)
		} else {
			row.Left = l.Duration(clock.RemainingSeconds)
		}
		row.ClockName = l.Label("clock", clock.Clock)
	}
	return row
}

// NextURL is the next page of the queue with the same filters.
func (d *queueData) NextURL(p *Page) string {
	w := url.Values{}
	for k, x := range p.Query {
		w[k] = x
	}
	w.Del("partial")
	w.Set("after", d.Next)
	return "/?" + w.Encode()
}
