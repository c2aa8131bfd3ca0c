package analysis

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Annual is the yearly information for the authorized body (Q44): the
// Journal extract (its document is internal/reports'; here its totals and
// where to fetch it), and for each failure its cause, the actions taken,
// the result and the proposals against recurrence; the operator adds the
// narrative and the responsible persons sign it.
type Annual struct {
	Year        int          `json:"year"`
	Profile     string       `json:"profile"`
	Zone        string       `json:"zone"`
	From        time.Time    `json:"from"`
	To          time.Time    `json:"to"`
	GeneratedAt time.Time    `json:"generated_at"`
	Appeals     int          `json:"appeals"`
	Failures    int          `json:"failures"` // failures first registered in the year, not refuted or merged
	Refuted     int          `json:"refuted"`
	ByLevel     []Count      `json:"by_level"`
	ByKind      []Count      `json:"by_kind"`
	ByChannel   []Count      `json:"by_channel"`
	ByModule    []Count      `json:"by_module"`
	ByCause     []Count      `json:"by_cause"`
	ByMonth     []Month      `json:"by_month"`
	Fixed       int          `json:"fixed"`
	FixedInTerm int          `json:"fixed_in_term"`
	FixedLate   int          `json:"fixed_late"`
	NoTerm      int          `json:"fixed_no_term"` // not dependent on the operator: no term (Q26, Q38)
	Items       []AnnualItem `json:"items"`
	// Extract is the API path of the year's Journal extract (Q44's first
	// part), served by internal/reports.
	Extract string `json:"extract"`
}

// Month is one month's appeals and failures.
type Month struct {
	Month    int `json:"month"`
	Appeals  int `json:"appeals"`
	Failures int `json:"failures"`
}

// AnnualItem is one failure of the year with what Q44 asks of it.
type AnnualItem struct {
	Number    string     `json:"number"`
	Level     string     `json:"level,omitempty"`
	Kind      string     `json:"kind"`
	State     string     `json:"state"`
	Appeals   int        `json:"appeals"`
	Cause     string     `json:"cause"`
	Actions   string     `json:"actions"`
	FixedAt   *time.Time `json:"fixed_at,omitempty"`
	Met       *bool      `json:"met,omitempty"`
	Proposals string     `json:"proposals"`
}

// Narrative is the operator's text of Q44: causes, actions, results,
// proposals, in the language it was written in.
type Narrative struct {
	Causes    string `json:"causes"`
	Actions   string `json:"actions"`
	Results   string `json:"results"`
	Proposals string `json:"proposals"`
}

// Missing names the parts of Q44 the narrative lacks.
func (n Narrative) Missing() []string {
	var out []string
	for _, p := range []struct{ k, v string }{{"causes", n.Causes}, {"actions", n.Actions}, {"results", n.Results}, {"proposals", n.Proposals}} {
		if strings.TrimSpace(p.v) == "" {
			out = append(out, p.k)
		}
	}
	return out
}

// ComputeAnnual computes the information of year y (Q44) in loc.
func ComputeAnnual(y int, profile string, loc *time.Location, facts Facts, now time.Time) Annual {
	from, to := time.Date(y, 1, 1, 0, 0, 0, 0, loc), time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	out := Annual{Year: y, Profile: profile, Zone: loc.String(), From: from, To: to, GeneratedAt: now,
		Items: []AnnualItem{}, ByMonth: make([]Month, 12),
		Extract: "/api/v1/reports/journal?from=" + from.Format(time.DateOnly) + "&to=" + to.AddDate(0, 0, -1).Format(time.DateOnly) + "&format=pdf"}
	for i := range out.ByMonth {
		out.ByMonth[i].Month = i + 1
	}
	channels, appealsOf := counter{}, map[int64]int{}
	for _, a := range facts.Appeals {
		if !in(a.RegisteredAt) {
			continue
		}
		out.Appeals++
		channels.add(a.Channel)
		appealsOf[a.IncidentID]++
		out.ByMonth[a.RegisteredAt.In(loc).Month()-1].Appeals++
	}
	levels, kinds, modules, causes := counter{}, counter{}, counter{}, counter{}
	for _, f := range facts.Failures {
		if !in(f.FirstRegisteredAt) || f.State == "merged" {
			continue
		}
		if f.State == "refuted" {
			out.Refuted++
			continue
		}
		out.Failures++
		out.ByMonth[f.FirstRegisteredAt.In(loc).Month()-1].Failures++
		levels.add(levelKey(f))
		kinds.add(kindKey(f))
		causes.add(causeKey(f.Cause))
		for _, m := range f.Modules {
			modules.add(m)
		}
		it := AnnualItem{Number: f.Number, Level: f.Level, Kind: kindKey(f), State: f.State, Appeals: appealsOf[f.ID],
			Cause: f.Cause, Actions: f.Decision, FixedAt: f.FixedAt, Proposals: f.Recommendations}
		if f.FixedAt != nil {
			out.Fixed++
			x := fixOf(f, facts.resolution(f.ID))
			it.Met = x.Met
			switch {
			case x.Met == nil:
				out.NoTerm++
			case *x.Met:
				out.FixedInTerm++
			default:
				out.FixedLate++
			}
		}
		out.Items = append(out.Items, it)
	}
	out.ByLevel, out.ByKind, out.ByChannel, out.ByModule, out.ByCause = levels.list(), kinds.list(), channels.list(), modules.list(), causes.list()
	slices.SortFunc(out.Items, func(a, b AnnualItem) int { return cmp.Compare(a.Number, b.Number) })
	return out
}
