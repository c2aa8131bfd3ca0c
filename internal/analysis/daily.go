package analysis

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
)

// Daily is the analysis of one day's failures (Q43): what came in, by level,
// channel, module, cause and kind; how the fixes of the day stood against
// their terms (Q38); and what is still open.
type Daily struct {
	Date        string    `json:"date"` // the analysed local date, YYYY-MM-DD
	Profile     string    `json:"profile"`
	Zone        string    `json:"zone"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	GeneratedAt time.Time `json:"generated_at"`
	Appeals     int       `json:"appeals"`  // appeals registered that day
	Failures    int       `json:"failures"` // distinct failures those appeals report
	ByLevel     []Count   `json:"by_level"`
	ByChannel   []Count   `json:"by_channel"`
	ByModule    []Count   `json:"by_module"`
	ByCause     []Count   `json:"by_cause"`
	ByKind      []Count   `json:"by_kind"`
	Fixes       []Fix     `json:"fixes"` // failures fixed that day
	Open        []Open    `json:"open"`  // failures still open when the analysis was made
	// Overdue counts open failures past their fixing term (Q38) when the
	// analysis was made: what "as fast as possible" (Q43) must clear first.
	Overdue int `json:"overdue"`
}

// Fix is one failure fixed on the analysed day, against its term.
type Fix struct {
	Number   string     `json:"number"`
	Level    string     `json:"level,omitempty"`
	Kind     string     `json:"kind"`
	FixedAt  time.Time  `json:"fixed_at"`
	Basis    string     `json:"basis,omitempty"`    // Q38, or "" when no term applies (Q26, Q38)
	Deadline *time.Time `json:"deadline,omitempty"` // the term's end with pauses and extensions
	Met      *bool      `json:"met,omitempty"`
	Late     string     `json:"late,omitempty"` // how far past the term, e.g. "3h0m0s"
}

// Open is one failure still open.
type Open struct {
	Number   string     `json:"number"`
	State    string     `json:"state"`
	Level    string     `json:"level,omitempty"`
	Since    time.Time  `json:"since"`
	Deadline *time.Time `json:"deadline,omitempty"`
	Overdue  bool       `json:"overdue"`
}

// DayWindow is the local day d of loc as instants [from, to).
func DayWindow(d calendar.Date, loc *time.Location) (from, to time.Time) {
	from = time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	n := d.AddDays(1)
	return from, time.Date(n.Year, n.Month, n.Day, 0, 0, 0, 0, loc)
}

// Facts are what the analyses are computed from: appeals, the failures they
// report or that are open or fixed in the period, and the failures' clocks.
type Facts struct {
	Appeals  []AppealFact
	Failures []Failure
	Clocks   []ClockFact
}

func (f Facts) resolution(id int64) *ClockFact {
	for i := range f.Clocks {
		if c := &f.Clocks[i]; c.IncidentID == id && c.Clock == regulation.ClockResolution {
			return c
		}
	}
	return nil
}

// ComputeDaily computes the analysis of local day d (Q43) from the facts; now
// is when it is made (open items are those open then). Facts outside the day
// are ignored where the figure is about the day.
func ComputeDaily(d calendar.Date, profile string, loc *time.Location, facts Facts, now time.Time) Daily {
	from, to := DayWindow(d, loc)
	out := Daily{Date: d.String(), Profile: profile, Zone: loc.String(), From: from, To: to, GeneratedAt: now,
		ByLevel: []Count{}, ByChannel: []Count{}, ByModule: []Count{}, ByCause: []Count{}, ByKind: []Count{},
		Fixes: []Fix{}, Open: []Open{}}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	byID := map[int64]Failure{}
	for _, f := range facts.Failures {
		byID[f.ID] = f
	}
	channels, reported := counter{}, map[int64]bool{}
	for _, a := range facts.Appeals {
		if !in(a.RegisteredAt) {
			continue
		}
		out.Appeals++
		channels.add(a.Channel)
		reported[a.IncidentID] = true
	}
	levels, modules, causes, kinds := counter{}, counter{}, counter{}, counter{}
	for id := range reported {
		f, ok := byID[id]
		if !ok {
			continue
		}
		out.Failures++
		levels.add(levelKey(f))
		kinds.add(kindKey(f))
		causes.add(causeKey(f.Cause))
		if len(f.Modules) == 0 {
			modules.add("")
		}
		for _, m := range f.Modules {
			modules.add(m)
		}
	}
	out.ByLevel, out.ByChannel, out.ByModule, out.ByCause, out.ByKind = levels.list(), channels.list(), modules.list(), causes.list(), kinds.list()
	for _, f := range facts.Failures {
		if f.FixedAt != nil && in(*f.FixedAt) {
			out.Fixes = append(out.Fixes, fixOf(f, facts.resolution(f.ID)))
		}
		if !final(f.State) && f.FirstRegisteredAt.Before(to) {
			o := Open{Number: f.Number, State: f.State, Level: f.Level, Since: f.FirstRegisteredAt}
			if c := facts.resolution(f.ID); c != nil {
				dl := c.Deadline
				o.Deadline, o.Overdue = &dl, now.After(dl)
			}
			if o.Overdue {
				out.Overdue++
			}
			out.Open = append(out.Open, o)
		}
	}
	slices.SortFunc(out.Fixes, func(a, b Fix) int { return cmp.Or(a.FixedAt.Compare(b.FixedAt), strings.Compare(a.Number, b.Number)) })
	slices.SortFunc(out.Open, func(a, b Open) int {
		if a.Overdue != b.Overdue { // overdue first: they are the ones to clear (Q43)
			if a.Overdue {
				return -1
			}
			return 1
		}
		return cmp.Or(a.Since.Compare(b.Since), strings.Compare(a.Number, b.Number))
	})
	return out
}

// fixOf states a fix against its fixing term (Q38); a failure not dependent
// on the operator has no term (Q26, Q38), and so no clock.
func fixOf(f Failure, c *ClockFact) Fix {
	x := Fix{Number: f.Number, Level: f.Level, Kind: kindKey(f), FixedAt: *f.FixedAt}
	if c == nil {
		return x
	}
	dl := c.Deadline
	met := !f.FixedAt.After(dl)
	x.Basis, x.Deadline, x.Met = c.Basis, &dl, &met
	if !met {
		x.Late = f.FixedAt.Sub(dl).String()
	}
	return x
}

// causeKey groups causes as typed, ignoring case and surrounding space;
// "" is a failure whose cause is not yet recorded.
func causeKey(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

type counter map[string]int

func (c counter) add(k string) { c[k]++ }

// list is the buckets, largest first, then by key: a stable order to read.
func (c counter) list() []Count {
	out := make([]Count, 0, len(c))
	for k, n := range c {
		out = append(out, Count{k, n})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(b.N-a.N, strings.Compare(a.Key, b.Key)) })
	return out
}
