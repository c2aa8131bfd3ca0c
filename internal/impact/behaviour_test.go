package impact

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// The same failure under each profile: what differs is which rule groups the
// regulation text carries.
func TestProfileDifferences(t *testing.T) {
	inc := with(medium(), func(i *Incident) { i.ReportedAt = at("2026-03-20 10:10") })
	p := proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 10:30"), dl(ResultsProtocol, "2026-03-20 12:00"))
	quasiPlan := []string{"bids_end 2026-03-20 10:30 -> 2026-03-26 10:30 extend Q36.7", "notify Q36.2"}
	tests := []struct {
		name, profile string
		opt           Options
		want          []string
	}{
		{"quasi: level rules (Q36.7 replaces the G-000 hold)", quasi, Options{}, quasiPlan},
		{"goszakup 2022: only the hold of 000 (G-000), to the confirmation", "kz-goszakup@2022", Options{},
			[]string{"bids_end 2026-03-20 10:30 -> 2026-03-20 11:00 extend G-000"}},
		{"goszakup 2020: 001 has neither the hold nor level rules", "kz-goszakup@2020", Options{}, nil},
		{"goszakup 2022 with the level rules switched on = quasi", "kz-goszakup@2022", Options{GoszakupLevelRules: true}, quasiPlan},
		{"energy: no level rules; E29.4 annuls the automatic protocol", energy, Options{},
			[]string{"results_protocol annul_protocol E29.4", "notify E29.2"}},
		{"Russian instruction: no procurement consequences", "ru-khmao-goszakaz", Options{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertLines(t, plan(t, tt.profile, tt.opt, inputOf(inc), p), tt.want...)
		})
	}
}

// The adapter to internal/regulation must agree with the hand-written
// calendar: Nauryz 2026 from the profile's own data.
func TestProfileCalendarAdapter(t *testing.T) {
	id, cal, err := ResolveProfile("kz-quasi", at("2026-03-20 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := NewPlanner(Input{Profile: id, Incidents: []Incident{medium()}}, cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	acts, err := pl.PlanAll([]Procedure{proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 15:00"))})
	if err != nil {
		t.Fatal(err)
	}
	assertLines(t, acts, "bids_end 2026-03-20 15:00 -> 2026-03-26 15:00 extend Q36.7", "notify Q36.2")
	// 2024-02-29 is under UTC+6, the day after under UTC+5: a contract
	// deadline keeps its wall-clock time across the change (Q36.5 days are
	// calendar days on the local clock).
	_, cal24, err := ResolveProfile("kz-quasi", time.Date(2024, 2, 29, 4, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	loc := cal24.Location()
	inc := Incident{ID: "X", Criticality: Medium, Modules: []string{"m"}, StartedAt: time.Date(2024, 2, 29, 10, 0, 0, 0, loc),
		ConfirmedAt: time.Date(2024, 2, 29, 10, 30, 0, 0, loc), FixedAt: time.Date(2024, 2, 29, 12, 0, 0, 0, loc)}
	pl, err = NewPlanner(Input{Profile: "kz-quasi@2021", Incidents: []Incident{inc}}, cal24, Options{})
	if err != nil {
		t.Fatal(err)
	}
	acts, err = pl.PlanAll([]Procedure{{ID: "P", Method: Tender, Module: "m", Deadlines: []Deadline{{Kind: ContractSigning, At: time.Date(2024, 2, 29, 11, 0, 0, 0, loc)}}}})
	if err != nil || len(acts) != 2 {
		t.Fatalf("got %v, %v", acts, err)
	}
	if got := acts[0].New.Format(time.RFC3339); got != "2024-03-01T11:00:00+05:00" {
		t.Errorf("Q36.5 across the 2024 offset change: got %s, want 2024-03-01T11:00:00+05:00", got)
	}
}

func TestUntouched(t *testing.T) {
	in := inputOf(high(), medium())
	procs := []Procedure{
		proc("other-module", Tender, "x", dl(BidsEnd, "2026-04-14 10:00"), dl(ContractSigning, "2026-03-20 12:00")),
		proc("before", Tender, "m", dl(BidsEnd, "2026-03-19 10:00"), dl(ContractSigning, "2026-03-20 09:59")),
		proc("between", Auction, "m", dl(AuctionTrading, "2026-03-20 16:31"), dl(ContractSigning, "2026-04-14 13:16"), dl(ComplaintsEnd, "2026-04-14 08:59")),
		proc("long-after", Tender, "m", dl(ContractSigning, "2026-06-01 12:00"), dl(OpeningProtocol, "2026-06-01 12:00")),
	}
	in.Profile = quasi
	pl, err := NewPlanner(in, kz2026, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range procs {
		acts, err := pl.AppendProcedure(nil, &procs[i])
		if err != nil || len(acts) != 0 {
			t.Errorf("%s: want untouched, got %q (%v)", procs[i].ID, lines(acts), err)
		}
	}
	sc := pl.Scope()
	if !slices.Equal(sc.Modules, []string{"m"}) || !sc.From.Equal(at("2026-03-20 10:00")) || sc.AllModules {
		t.Errorf("scope = %+v", sc)
	}
}

func TestDeltaNeverExtendsTwice(t *testing.T) {
	inc := medium()
	p := proc("P", Tender, "m", dl(ContractSigning, "2026-03-20 12:00"), dl(BidsEnd, "2026-03-20 15:00"))
	step := func(opt Options, want ...string) {
		t.Helper()
		acts := plan(t, quasi, opt, inputOf(inc), p)
		assertLines(t, acts, want...)
		apply(&p, acts)
	}
	step(Options{}, "contract_signing 2026-03-20 12:00 -> 2026-03-21 12:00 extend Q36.5",
		"bids_end 2026-03-20 15:00 -> 2026-03-26 15:00 extend Q36.7", "notify Q36.2")
	step(Options{}) // applying the same plan again changes nothing

	// The actual fix came later (25 h): one more day, not two more.
	inc.FixedAt, inc.FixActual = at("2026-03-21 11:00"), true
	step(Options{}, "contract_signing 2026-03-21 12:00 -> 2026-03-22 12:00 extend Q36.5", "notify Q36.2")
	step(Options{})

	// Fixed sooner after all: an announced extension is not shortened...
	inc.FixedAt = at("2026-03-20 13:00")
	step(Options{})
	// ...unless the operator chooses to: the acceptance deadline is now after
	// the fix, so Q36.7 gives way to Q36.3 (+3 h).
	step(Options{AllowShorten: true}, "contract_signing 2026-03-22 12:00 -> 2026-03-21 12:00 extend Q36.5",
		"bids_end 2026-03-26 15:00 -> 2026-03-20 18:00 extend Q36.3", "notify Q36.2")
	step(Options{AllowShorten: true})
}

func TestHoldIsReplaced(t *testing.T) {
	inc := Incident{ID: "G", Modules: []string{"m"}, StartedAt: at("2026-04-14 09:00"),
		ReportedAt: at("2026-04-14 09:10"), HoldUntil: at("2026-04-14 11:10")}
	p := proc("P", Tender, "m", dl(BidsEnd, "2026-04-14 10:00"))
	acts := plan(t, quasi, Options{}, inputOf(inc), p)
	assertLines(t, acts, "bids_end 2026-04-14 10:00 -> 2026-04-14 11:10 hold G-000")
	apply(&p, acts)

	refutedEarly := with(inc, func(i *Incident) { i.RefutedAt = at("2026-04-14 10:40") })
	assertLines(t, plan(t, quasi, Options{}, inputOf(refutedEarly), p),
		"bids_end 2026-04-14 11:10 -> 2026-04-14 10:40 extend G-000")

	confirmedLow := with(inc, func(i *Incident) {
		i.ConfirmedAt, i.Criticality, i.FixedAt = at("2026-04-14 10:40"), Low, at("2026-04-14 12:00")
	})
	assertLines(t, plan(t, quasi, Options{}, inputOf(confirmedLow), p),
		"bids_end 2026-04-14 11:10 -> 2026-04-14 10:40 extend G-000")

	confirmedHigh := with(inc, func(i *Incident) {
		i.ConfirmedAt, i.Criticality, i.FixedAt = at("2026-04-14 10:40"), High, at("2026-04-14 12:00")
	})
	acts = plan(t, quasi, Options{}, inputOf(confirmedHigh), p)
	assertLines(t, acts, "bids_end 2026-04-14 11:10 -> 2026-04-14 13:00 extend Q37.4", "notify Q37.12")
	apply(&p, acts)
	assertLines(t, plan(t, quasi, Options{}, inputOf(confirmedHigh), p))
}

func TestOneShotsNotRepeated(t *testing.T) {
	p := proc("P", Auction, "m", dl(AuctionTrading, "2026-04-14 10:30"), dl(ResultsProtocol, "2026-04-14 12:30"))
	acts := plan(t, quasi, Options{}, inputOf(high()), p)
	apply(&p, acts)
	assertLines(t, plan(t, quasi, Options{}, inputOf(high()), p))
}

func TestAppliedFromUnknownEvent(t *testing.T) {
	p := proc("P", Tender, "m", dl(ContractSigning, "2026-03-21 12:00"))
	p.Applied = []Action{{Procedure: "P", Deadline: ContractSigning, Old: at("2026-03-20 12:00"), New: at("2026-03-21 12:00"), Action: Extend, Rule: "Q36.5", Event: "gone"}}
	pl, err := NewPlanner(Input{Profile: quasi, Incidents: []Incident{medium()}}, kz2026, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pl.AppendProcedure(nil, &p); err == nil || !strings.Contains(err.Error(), `"gone"`) {
		t.Errorf("want an error naming the unknown event, got %v", err)
	}
}

// Re-planning with a random sequence of fix times: after each apply the
// deadline equals the highest from-scratch target so far (never the sum of
// extensions), or exactly the latest target with AllowShorten.
func TestDeltaProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, shorten := range []bool{false, true} {
		opt := Options{AllowShorten: shorten}
		inc := high()
		orig := proc("P", Auction, "m", dl(BidsEnd, "2026-04-14 10:00"), dl(ContractSigning, "2026-04-14 11:00"),
			dl(AuctionTrading, "2026-04-14 12:00"), dl(ComplaintsEnd, "2026-04-14 09:30"))
		p := orig
		p.Deadlines = slices.Clone(orig.Deadlines)
		best := map[Kind]time.Time{}
		for range 40 {
			inc.FixedAt = inc.StartedAt.Add(time.Duration(1+r.IntN(72*60)) * time.Minute)
			scratch := plan(t, quasi, opt, inputOf(inc), orig)
			target := map[Kind]time.Time{}
			for _, d := range orig.Deadlines {
				target[d.Kind] = d.At
			}
			for _, a := range scratch {
				if a.Action.moves() {
					target[a.Deadline] = a.New
				}
			}
			apply(&p, plan(t, quasi, opt, inputOf(inc), p))
			for _, d := range p.Deadlines {
				want := target[d.Kind]
				if !shorten {
					if best[d.Kind].After(want) {
						want = best[d.Kind]
					}
					best[d.Kind] = want
				}
				if !d.At.Equal(want) {
					t.Fatalf("shorten=%v fix %s: %s = %s, want %s", shorten, inc.FixedAt, d.Kind, d.At, want)
				}
			}
		}
	}
}

// Two incidents and a maintenance window on one deadline: they compose in
// the order of their start, each acting on the value the previous left, and
// the result does not depend on the order of the input.
func TestComposition(t *testing.T) {
	a := high()
	b := with(high(), func(i *Incident) {
		i.ID, i.StartedAt, i.ConfirmedAt, i.FixedAt = "H2", at("2026-04-14 14:00"), at("2026-04-14 14:10"), at("2026-04-14 15:00")
	})
	w := Maintenance{ID: "W", Start: at("2026-04-14 20:00"), End: at("2026-04-14 22:00")}
	p := proc("P", Tender, "m", dl(BidsEnd, "2026-04-14 10:00"))
	want := []string{
		"bids_end 2026-04-14 10:00 -> 2026-04-14 14:15 extend Q37.4",
		"bids_end 2026-04-14 14:15 -> 2026-04-14 15:15 extend Q37.4",
		"bids_end 2026-04-14 15:15 -> 2026-04-14 17:15 extend Q41",
		"notify Q37.12", "notify Q37.12",
	}
	orders := []Input{
		{Incidents: []Incident{a, b}, Maintenance: []Maintenance{w}},
		{Incidents: []Incident{b, a}, Maintenance: []Maintenance{w}},
	}
	for _, in := range orders {
		acts := plan(t, quasi, Options{}, in, p)
		assertLines(t, acts, want...)
		if acts[0].Event != "H" || acts[1].Event != "H2" || acts[2].Event != "W" {
			t.Errorf("events: %s %s %s", acts[0].Event, acts[1].Event, acts[2].Event)
		}
		q := p
		q.Deadlines = slices.Clone(p.Deadlines)
		apply(&q, acts)
		assertLines(t, plan(t, quasi, Options{}, in, q))
	}
	// Within one incident the latest value wins (Q36.7 over Q36.3 here).
	assertLines(t, plan(t, quasi, Options{}, inputOf(medium()), proc("P", Tender, "m", dl(BidsEnd, "2026-03-20 16:00"))),
		"bids_end 2026-03-20 16:00 -> 2026-03-26 16:00 extend Q36.7", "notify Q36.2")
}

func TestQ38DefaultFix(t *testing.T) {
	inc := high()
	inc.FixedAt, inc.OperatorDependent = time.Time{}, true
	// Q38 high: 12 hours from the first registration (09:00) → 21:00.
	assertLines(t, plan(t, quasi, Options{}, inputOf(inc), proc("P", Tender, "m", dl(OpeningProtocol, "2026-04-14 20:00"))),
		"opening_protocol 2026-04-14 20:00 -> 2026-04-15 08:00 extend Q37.2", "notify Q37.12")
	inc.OperatorDependent = false
	if _, err := NewPlanner(Input{Profile: quasi, Incidents: []Incident{inc}}, kz2026, Options{}); err == nil || !strings.Contains(err.Error(), "fixed_at") {
		t.Errorf("third-party failure without a fix time: want an error naming fixed_at, got %v", err)
	}
}

func TestNewPlannerErrors(t *testing.T) {
	bad := []struct {
		name, profile string
		inc           Incident
		want          string
	}{
		{"unknown profile", "kz-nope@1", medium(), "unknown profile"},
		{"no version", "kz-quasi", medium(), "needs a version"},
		{"fix before start", quasi, with(medium(), func(i *Incident) { i.FixedAt = at("2026-03-20 09:00") }), "before started_at"},
		{"confirmed and refuted", quasi, with(medium(), func(i *Incident) { i.RefutedAt = at("2026-03-20 12:00") }), "both"},
		{"pending without hold_until", quasi, with(medium(), func(i *Incident) { i.ConfirmedAt = time.Time{} }), "hold_until"},
		{"bad criticality", quasi, with(medium(), func(i *Incident) { i.Criticality = "severe" }), "criticality"},
		{"no start", quasi, with(medium(), func(i *Incident) { i.StartedAt = time.Time{} }), "started_at"},
		{"appeal kind", quasi, with(medium(), func(i *Incident) { i.Appeals = []Appeal{{Kind: "x", Procedure: "P"}} }), "unknown kind"},
	}
	for _, tt := range bad {
		_, err := NewPlanner(Input{Profile: tt.profile, Incidents: []Incident{tt.inc}}, kz2026, Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: want error containing %q, got %v", tt.name, tt.want, err)
		}
	}
}

// Plan (one action at a time) and PlanEach agree with PlanAll, and a Planner
// is safe to share between goroutines (run with -race).
func TestStreamingDrivers(t *testing.T) {
	pl, err := NewPlanner(Input{Profile: quasi, Incidents: []Incident{high()}}, kz2026, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var procs []Procedure
	for p := range synthetic(2000) {
		q := *p
		q.Deadlines = slices.Clone(p.Deadlines)
		procs = append(procs, q)
	}
	want, err := pl.PlanAll(procs)
	if err != nil || len(want) == 0 {
		t.Fatalf("PlanAll: %d actions, %v", len(want), err)
	}
	seq := func(yield func(*Procedure, error) bool) {
		for i := range procs {
			if !yield(&procs[i], nil) {
				return
			}
		}
	}
	var got []Action
	for a, err := range pl.Plan(seq) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	if !slices.Equal(lines(got), lines(want)) {
		t.Fatal("Plan differs from PlanAll")
	}
	done := make(chan []Action, 4)
	for range 4 {
		go func() {
			var all []Action
			_ = pl.PlanEach(seq, func(_ *Procedure, acts []Action) error {
				all = append(all, acts...)
				return nil
			})
			done <- all
		}()
	}
	for range 4 {
		if g := <-done; !slices.Equal(lines(g), lines(want)) {
			t.Error("concurrent PlanEach differs")
		}
	}
	if sc := pl.Scope(); sc.To.IsZero() || !sc.From.Equal(at("2026-04-14 09:00")) {
		t.Errorf("high failure without decryption: scope should be bounded, got %+v", sc)
	}
}
