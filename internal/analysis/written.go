package analysis

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/regulation"
	"tenderdesk/internal/vocab"
)

// Extension is one procedure deadline the failure moved.
type Extension struct {
	Announcement string    `json:"announcement"`
	Lot          string    `json:"lot,omitempty"`
	Kind         string    `json:"kind"`
	Old          time.Time `json:"old"`
	New          time.Time `json:"new"`
	Rule         string    `json:"rule"`
}

// Report is the written report to the authorized body of a fixed medium
// (Q36.10) or high (Q37.13) failure: "о техническом сбое, причине
// возникновения и выполненных мероприятиях по устранению, результате
// устранения, факте продления закупок с указанием предложений по
// недопущению технического сбоя".
type Report struct {
	Rule      string     `json:"rule"` // Q36.10 or Q37.13
	To        string     `json:"to"`   // the authorized body
	Number    string     `json:"number"`
	Level     string     `json:"level"`
	Modules   []string   `json:"modules"`
	Summary   string     `json:"summary"` // the failure, in the first appeal's words
	Started   *time.Time `json:"started,omitempty"`
	Confirmed *time.Time `json:"confirmed,omitempty"`
	FixedAt   time.Time  `json:"fixed_at"`
	Cause     string     `json:"cause"`
	Actions   string     `json:"actions"`
	Result    string     `json:"result"`
	// Extensions are the deadlines moved ("факт продления закупок"), and
	// PerRule how many each rule moved.
	Extensions []Extension `json:"extensions"`
	PerRule    []Count     `json:"per_rule"`
	Proposals  string      `json:"proposals"`
	// Due is the term: Q37.13 one working day from the fix; Q36.10 names
	// none (nil). Reading: docs/analysis.md.
	Due *time.Time `json:"due,omitempty"`
	// Zone is the profile's zone the times are told in.
	Zone string `json:"zone,omitempty"`
}

// ReportRule is the rule requiring a written report of a failure of level:
// Q36.10 (medium), Q37.13 (high); a low failure needs none (Q35).
func ReportRule(level vocab.Criticality) (string, bool) {
	switch level {
	case vocab.Medium:
		return "Q36.10", true
	case vocab.High:
		return "Q37.13", true
	}
	return "", false
}

// Draft drafts the report of a fixed failure from the incident: its cause,
// decision (the actions), recommendations (the proposals) and the
// extensions applied. p gives the term (Q37.13: 1 working day from the fix
// on the profile's calendar).
func Draft(f Failure, summary string, exts []Extension, p *regulation.Profile) (Report, bool) {
	rule, ok := ReportRule(vocab.Criticality(f.Level))
	if !ok || f.FixedAt == nil {
		return Report{}, false
	}
	r := Report{Rule: rule, To: "authority", Number: f.Number, Level: f.Level, Modules: slices.Clone(f.Modules), Summary: summary,
		Started: f.FailureStartedAt, Confirmed: f.ConfirmedAt, FixedAt: *f.FixedAt, Cause: f.Cause, Actions: f.Decision,
		Proposals: f.Recommendations, Extensions: slices.Clone(exts)}
	if r.Modules == nil {
		r.Modules = []string{}
	}
	if r.Extensions == nil {
		r.Extensions = []Extension{}
	}
	r.Result = "fixed"
	r.PerRule = perRule(r.Extensions)
	if p != nil {
		r.Zone = p.Location().String()
	}
	if rule == "Q37.13" && p != nil {
		if t, err := p.Term(regulation.ClockAuthorityReport, ""); err == nil && t.Days > 0 {
			due := p.Calendar().AddWorkingDays(*f.FixedAt, t.Days)
			r.Due = &due
		}
	}
	return r, true
}

func perRule(exts []Extension) []Count {
	c := counter{}
	for _, e := range exts {
		c.add(e.Rule)
	}
	out := c.list()
	slices.SortFunc(out, func(a, b Count) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// Edit is the reviewer's change of a draft; empty fields keep the draft's.
type Edit struct {
	Cause     *string `json:"cause"`
	Actions   *string `json:"actions"`
	Result    *string `json:"result"`
	Proposals *string `json:"proposals"`
	Version   int     `json:"version"`
}

// Apply lays e over r.
func (e Edit) Apply(r *Report) {
	for _, p := range []struct {
		in  *string
		out *string
	}{{e.Cause, &r.Cause}, {e.Actions, &r.Actions}, {e.Result, &r.Result}, {e.Proposals, &r.Proposals}} {
		if p.in != nil {
			*p.out = strings.TrimSpace(*p.in)
		}
	}
}

// ReadyToSend checks that the report says everything Q36.10 / Q37.13 name:
// the cause, the actions taken, the result and the proposals (the failure
// and the extensions come from the Journal and the applied plans).
func (r Report) ReadyToSend() error {
	v := apperr.Validation{}
	for _, p := range []struct{ k, v string }{{"cause", r.Cause}, {"actions", r.Actions}, {"result", r.Result}, {"proposals", r.Proposals}} {
		if strings.TrimSpace(p.v) == "" {
			v.Add(p.k, "required by "+r.Rule+" before the report is sent")
		}
	}
	return v.Err()
}
