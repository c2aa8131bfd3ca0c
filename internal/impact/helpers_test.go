package impact

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/vocab"
)

var almaty = mustLoad("Asia/Almaty")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// kz2026 is the 2026 Kazakhstan calendar of calendars.md, written out by hand
// so the expected values below do not depend on internal/calendar.
var kz2026 = WeekCalendar{Loc: almaty, Off: map[string]bool{
	"2026-01-01": true, "2026-01-02": true, "2026-01-07": true, "2026-03-09": true,
	"2026-03-23": true, "2026-03-24": true, "2026-03-25": true, "2026-05-01": true,
	"2026-05-07": true, "2026-05-11": true, "2026-05-27": true, "2026-07-06": true,
	"2026-10-26": true, "2026-12-16": true,
}}

// at parses "2006-01-02 15:04" in Astana time.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, almaty)
	if err != nil {
		panic(err)
	}
	return t
}

func dl(kind Kind, when string) Deadline { return Deadline{Kind: kind, At: at(when)} }

func proc(id string, m Method, module string, ds ...Deadline) Procedure {
	return Procedure{ID: id, Method: m, Module: module, Deadlines: ds,
		Participants: []Participant{{Supplier: "990140000123"}}}
}

// line renders an action compactly for exact comparison:
// "bids_end 2026-03-20 15:00 -> 2026-03-26 15:00 extend Q36.7".
func line(a Action) string {
	const f = "2006-01-02 15:04"
	var b strings.Builder
	if a.Lot != "" {
		fmt.Fprintf(&b, "lot%s ", a.Lot)
	}
	if a.Deadline != "" {
		b.WriteString(string(a.Deadline) + " ")
	}
	if !a.Old.IsZero() {
		fmt.Fprintf(&b, "%s -> %s ", a.Old.In(almaty).Format(f), a.New.In(almaty).Format(f))
	}
	b.WriteString(string(a.Action) + " " + a.Rule)
	return b.String()
}

func lines(as []Action) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, line(a))
	}
	return out
}

func plan(t *testing.T, profile string, opt Options, in Input, procs ...Procedure) []Action {
	t.Helper()
	in.Profile = profile
	pl, err := NewPlanner(in, kz2026, opt)
	if err != nil {
		t.Fatalf("NewPlanner: %v", err)
	}
	acts, err := pl.PlanAll(procs)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	for _, a := range acts {
		// Each language cites the rule by its point, as its reader finds it
		// in the text (GLOSSARY review D2), not by the catalogue ID.
		for lang, text := range map[string]string{"ru": a.Reason.RU, "kk": a.Reason.KK, "en": a.Reason.EN} {
			if cite := vocab.Cite(a.Rule, lang); text == "" || !strings.Contains(text, cite) || strings.Contains(text, a.Rule) {
				t.Errorf("action %s: the %s reason must cite %s as %q: %q", line(a), lang, a.Rule, cite, text)
			}
		}
		if strings.ContainsAny(a.Reason.RU, "ёЁ") {
			t.Errorf("action %s: ё in %q (the rules write е, GLOSSARY review D5)", line(a), a.Reason.RU)
		}
		// no no-op actions: a move changes the deadline (a re-plan may shorten one)
		if a.Action.moves() && a.New.Equal(a.Old) {
			t.Errorf("action %s moves nothing", line(a))
		}
	}
	return acts
}

func assertLines(t *testing.T, got []Action, want ...string) {
	t.Helper()
	g := lines(got)
	if !slices.Equal(g, want) {
		t.Errorf("plan mismatch\n got: %q\nwant: %q", g, want)
	}
}

// apply does what the store will do with a plan: set the new values and
// record the actions, so a re-plan sees them as applied.
func apply(p *Procedure, acts []Action) {
	for _, a := range acts {
		if a.Procedure != p.ID {
			continue
		}
		if a.Action.moves() {
			for i := range p.Deadlines {
				if keyOf(&p.Deadlines[i]) == actionKey(&a) {
					p.Deadlines[i].At = a.New
				}
			}
		}
		p.Applied = append(p.Applied, a)
	}
}

func inputOf(incs ...Incident) Input { return Input{Incidents: incs} }
