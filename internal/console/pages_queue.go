package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
)

// queueRow is one line of the queue: the Journal row and its most urgent
// running clock.
type queueRow struct {
	journal.Row
	Clock    *clocks.View
	Level    string // "", "warned", "breached", "paused"
	Assignee string
}

type queueData struct {
	Rows     []queueRow
	Next     string
	Counts   map[journal.State]int
	Total    int
	States   []journal.State
	Channels []string
	Crits    []string
	Within   int
}

// urgent is the running (or paused) clock with the least time left.
func urgent(vs []clocks.View, now time.Time) (*clocks.View, string) {
	var best *clocks.View
	for i := range vs {
		v := &vs[i]
		if v.State != clocks.Running && v.State != clocks.Paused {
			continue
		}
		if best == nil || (v.State == clocks.Running && (best.State == clocks.Paused || v.RemainingSeconds < best.RemainingSeconds)) {
			best = v
		}
	}
	if best == nil {
		return nil, ""
	}
	switch {
	case best.State == clocks.Paused:
		return best, "paused"
	case best.RemainingSeconds <= 0:
		return best, "breached"
	case !best.WarnAt.IsZero() && !now.Before(best.WarnAt):
		return best, "warned"
	}
	return best, ""
}

// queue is the operators' list: open appeals, the most urgent first.
// Paging is the Journal's keyset (stays fast deep into the list); the
// urgency order holds within a page.
func (c *Console) queue(q *req) error {
	v := q.r.URL.Query()
	f := journal.Filter{Open: v.Get("all") == "", State: v.Get("state"), Channel: v.Get("channel"), Criticality: v.Get("criticality"),
		Query: v.Get("q"), BIN: v.Get("bin"), After: v.Get("after"), Limit: 50}
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
	if err := journal.ValidateFilter(&f); err != nil {
		c.formErrors(p, err)
	}
	code := http.StatusOK
	if len(p.Errors) == 0 {
		page, err := c.d.Journal.List(q.ctx(), f)
		if err != nil {
			return err
		}
		now := c.d.Now()
		assignees := map[int64]string{}
		for _, r := range page.Rows {
			row := queueRow{Row: r}
			who, seen := assignees[r.IncidentID]
			if !seen {
				if who, err = c.d.Journal.Assignee(q.ctx(), r.IncidentID); err != nil {
					return err
				}
				assignees[r.IncidentID] = who
			}
			row.Assignee = who
			if c.d.Clocks != nil {
				vs, _, err := c.d.Clocks.OfAppeal(q.ctx(), r.Number)
				if err != nil && apperr.CodeOf(err) != apperr.NotFound {
					return err
				}
				row.Clock, row.Level = urgent(vs, now)
			}
			if d.Within > 0 && (row.Clock == nil || row.Clock.RemainingSeconds > int64(d.Within)*3600) {
				continue
			}
			d.Rows = append(d.Rows, row)
		}
		slices.SortStableFunc(d.Rows, func(a, b queueRow) int {
			switch {
			case a.Clock == nil && b.Clock == nil:
				return 0
			case a.Clock == nil:
				return 1
			case b.Clock == nil:
				return -1
			}
			return int(a.Clock.RemainingSeconds - b.Clock.RemainingSeconds)
		})
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
