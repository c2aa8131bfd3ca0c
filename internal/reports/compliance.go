package reports

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

// Compliance is the report on the regulation's terms for a period and
// profile: each clock (Q29 registration, Q31 analysis, the notices, Q38
// fixing per level, the written reports …) with how its runs ended.
type Compliance struct {
	From    string    `json:"from"` // YYYY-MM-DD
	To      string    `json:"to"`
	Profile string    `json:"profile,omitempty"`
	Now     time.Time `json:"now"`
	Total   Counts    `json:"total"`
	Groups  []Group   `json:"groups"`
	// Days are the met and breached clocks per local date of the event
	// that started them (the bars of the first chart).
	Days []Day `json:"days"`
	// Use is the distribution of the time used against the term over the
	// clocks that ended (the second chart).
	Use []Bucket `json:"use"`
}

// Counts are how the clocks of a group stand.
type Counts struct {
	Ran      int `json:"ran"`
	Met      int `json:"met"`
	Breached int `json:"breached"`
	Paused   int `json:"paused"`
	Running  int `json:"running"`
	// MetShare is met ÷ (met + breached), the ended clocks; 0 when none ended.
	MetShare float64 `json:"met_share"`
}

func (c *Counts) add(state string) {
	c.Ran++
	switch state {
	case "met":
		c.Met++
	case "breached":
		c.Breached++
	case "paused":
		c.Paused++
	default:
		c.Running++
	}
}

func (c *Counts) share() {
	if e := c.Met + c.Breached; e > 0 {
		c.MetShare = float64(c.Met) / float64(e)
	}
}

// Group is one clock of one rule (and level, for Q38's fixing terms).
type Group struct {
	Clock string `json:"clock"`
	Level string `json:"level,omitempty"`
	Basis string `json:"basis"` // rule ID: Q29, G7, Q38 …
	Counts
	// P50 and P90 are the time used ÷ the term over the ended clocks (1.0:
	// done at the deadline; above 1: breached), in the clock's own base.
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	// Worst are the ended or overdue clocks that used most of their term,
	// at most WorstCases, the longest overrun first.
	Worst []Case `json:"worst"`
	uses  []float64
}

// WorstCases is how many worst cases a group lists.
const WorstCases = 5

// Case is one clock among the worst of its group.
type Case struct {
	IncidentID     int64     `json:"incident_id"`
	IncidentNumber string    `json:"incident_number"`
	Appeal         string    `json:"appeal,omitempty"`
	State          string    `json:"state"`
	Deadline       time.Time `json:"deadline"`
	// DoneAt is when the duty was done; zero while still overdue (the
	// report's time counts then).
	DoneAt time.Time `json:"done_at,omitzero"`
	Use    float64   `json:"use"`
	// Over is the time past the deadline, in the clock's base (seconds);
	// negative: done before it.
	Over int64 `json:"over_seconds"`
}

// Day counts the clocks started on one local date.
type Day struct {
	Date     calendar.Date `json:"-"`
	Day      string        `json:"date"` // YYYY-MM-DD
	Met      int           `json:"met"`
	Breached int           `json:"breached"`
}

// Bucket is a range of the time used against the term: [From, To).
type Bucket struct {
	From  float64 `json:"from"`
	To    float64 `json:"to,omitempty"` // 0: open (the last bucket)
	Count int     `json:"count"`
}

// useEdges are the buckets' bounds: quarters of the term, then overruns.
var useEdges = []float64{0, 0.25, 0.5, 0.75, 1, 1.5, 2}

// termKey finds the base a clock counts in (compiled once per key).
type termKey struct{ profile, clock, level string }

// Compliance computes the report from the clocks table. Counting is the
// stored state; the time used is measured in each clock's base (working
// time by its profile's calendar, or elapsed time), from the start of
// counting to the act (met_at), or to now for a clock still overdue, over
// the term from the start to the deadline (pauses and extensions in both).
func (s *Service) Compliance(ctx context.Context, f Filter) (*Compliance, error) {
	from, to := s.period(f)
	pv, pf := profileArgs(f.Profile)
	now := s.Now()
	rep := &Compliance{From: f.From.String(), To: f.To.String(), Profile: f.Profile, Now: now.UTC()}
	rows, err := s.DB.R.QueryContext(ctx, Q.SlaClocks, store.T(from), store.T(to), pv, pf)
	if err != nil {
		return nil, apperr.Wrap(err, "compliance")
	}
	defer rows.Close()
	groups := map[[3]string]*Group{}
	days := map[calendar.Date]*Day{}
	bases := map[termKey]*measure{}
	for rows.Next() {
		var c clockRow
		var ev, st, dl, met, br store.Time
		if err := rows.Scan(&c.incident, &c.appeal, &c.clock, &c.level, &c.channel, &c.profile, &c.basis, &ev, &st, &dl,
			&c.state, &met, &br, &c.number); err != nil {
			return nil, apperr.Wrap(err, "compliance")
		}
		c.event, c.start, c.deadline, c.met = ev.Time, st.Time, dl.Time, met.Time
		k := [3]string{c.clock, c.level, c.basis}
		g := groups[k]
		if g == nil {
			g = &Group{Clock: c.clock, Level: c.level, Basis: c.basis}
			groups[k] = g
		}
		g.add(c.state)
		rep.Total.add(c.state)
		if c.state != "met" && c.state != "breached" {
			continue
		}
		d := calendar.DateOf(c.event.In(s.Zone))
		day := days[d]
		if day == nil {
			day = &Day{Date: d, Day: d.String()}
			days[d] = day
		}
		if c.state == "met" {
			day.Met++
		} else {
			day.Breached++
		}
		tk := termKey{c.profile, c.clock, c.level}
		m, ok := bases[tk]
		if !ok {
			m = s.measureOf(tk)
			bases[tk] = m
		}
		end := c.met
		if end.IsZero() {
			end = now
		}
		term := m.between(c.start, c.deadline)
		used := m.between(c.start, end)
		use := 0.0
		switch {
		case term > 0:
			use = float64(used) / float64(term)
		case used > 0:
			use = math.Inf(1)
		}
		g.uses = append(g.uses, use)
		over := m.between(c.deadline, end)
		if end.Before(c.deadline) {
			over = -m.between(end, c.deadline)
		}
		cs := Case{IncidentID: c.incident, IncidentNumber: c.number, Appeal: c.appeal, State: c.state, Deadline: c.deadline,
			DoneAt: c.met, Use: finite(use), Over: int64(over / time.Second)}
		g.Worst = worst(g.Worst, cs)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "compliance")
	}
	rep.Total.share()
	rep.Use = make([]Bucket, len(useEdges))
	for i, e := range useEdges {
		rep.Use[i].From = e
		if i+1 < len(useEdges) {
			rep.Use[i].To = useEdges[i+1]
		}
	}
	for _, g := range groups {
		g.share()
		slices.Sort(g.uses)
		g.P50, g.P90 = finite(quantile(g.uses, 0.5)), finite(quantile(g.uses, 0.9))
		for _, u := range g.uses {
			rep.Use[bucketOf(u)].Count++
		}
		if g.Worst == nil {
			g.Worst = []Case{}
		}
		rep.Groups = append(rep.Groups, *g)
	}
	slices.SortFunc(rep.Groups, func(a, b Group) int {
		return cmp.Or(cmp.Compare(clockOrder(a.Clock), clockOrder(b.Clock)), cmp.Compare(a.Clock, b.Clock),
			cmp.Compare(levelOrder(a.Level), levelOrder(b.Level)), cmp.Compare(a.Basis, b.Basis))
	})
	if rep.Groups == nil {
		rep.Groups = []Group{}
	}
	for _, d := range days {
		rep.Days = append(rep.Days, *d)
	}
	slices.SortFunc(rep.Days, func(a, b Day) int { return a.Date.Sub(b.Date) })
	if rep.Days == nil {
		rep.Days = []Day{}
	}
	return rep, nil
}

type clockRow struct {
	incident                                      int64
	appeal, clock, level, channel, profile, basis string
	event, start, deadline, met                   time.Time
	state, number                                 string
}

// measure is how a clock's time is counted: working time by its profile's
// calendar, or elapsed time.
type measure struct{ cal *calendar.Calendar }

func (m *measure) between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if m.cal == nil {
		return b.Sub(a)
	}
	return m.cal.BusinessBetween(a, b)
}

// measureOf finds the clock's base from its profile's term; a term the
// catalogue no longer has counts elapsed time.
func (s *Service) measureOf(k termKey) *measure {
	p, err := s.profile(k.profile)
	if err != nil {
		return &measure{}
	}
	t, err := p.Term(k.clock, k.level)
	if err != nil || t.Base == regulation.Calendar || t.Base == regulation.CalendarDaysBefore {
		return &measure{}
	}
	return &measure{cal: p.Calendar()}
}

// worst keeps the WorstCases cases with the longest overrun.
func worst(ws []Case, c Case) []Case {
	if c.Over <= 0 && c.State != "breached" {
		return ws
	}
	i, _ := slices.BinarySearchFunc(ws, c, func(a, b Case) int { return cmp.Compare(b.Over, a.Over) })
	if i >= WorstCases {
		return ws
	}
	ws = slices.Insert(ws, i, c)
	if len(ws) > WorstCases {
		ws = ws[:WorstCases]
	}
	return ws
}

// quantile of sorted xs by the nearest rank (p50 of 1..4 is 2).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[max(i, 0)]
}

func bucketOf(u float64) int {
	for i := len(useEdges) - 1; i > 0; i-- {
		if u >= useEdges[i] {
			return i
		}
	}
	return 0
}

// finite caps an infinite use (a term of zero length) for JSON.
func finite(x float64) float64 {
	if math.IsInf(x, 1) {
		return math.MaxFloat32
	}
	return math.Round(x*1000) / 1000
}

// clockOrder lists the clocks in the order an appeal meets them.
func clockOrder(c string) int {
	order := []string{"registration", "incident_id_notice", "analysis", "refutation_notice", "low_notice",
		"medium_public_notice", "medium_supplier_notice", "high_public_notice", "resolution", "authority_report",
		"appeal_consideration", "legal_forwarding"}
	if i := slices.Index(order, c); i >= 0 {
		return i
	}
	return len(order)
}

func levelOrder(l string) int {
	if i := slices.Index(vocab.Criticalities(), vocab.Criticality(l)); i >= 0 {
		return i
	}
	return -1
}
