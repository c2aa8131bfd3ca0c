package impact

import (
	"fmt"
	"sync"
	"time"
)

// step is one move of one deadline by one event.
type step struct {
	old, new time.Time
	act      ActionKind
	rule     string
	ev       *event
}

// dstate is the planning state of one deadline.
type dstate struct {
	base  time.Time // value before any tenderdesk action
	cur   time.Time // value after the events processed so far
	steps []step
	prior []*Action // applied moving actions on this deadline, oldest first
}

// cand is the best candidate value an event offers a deadline.
type cand struct {
	at   time.Time
	act  ActionKind
	rule string
	set  bool
}

// oneShot is an action that does not move a deadline.
type oneShot struct {
	lot      string
	kind     Kind
	supplier string
	act      ActionKind
	rule     string
	ev       *event
	note     string // extra words for the reason
}

// work holds the per-procedure scratch state.
type work struct {
	pl      *Planner
	p       *Procedure
	ds      []dstate
	best    []cand
	shots   []oneShot
	touched [4]*event
	nt      int
	more    map[*event]bool // touched events beyond the inline four
}

// workPool recycles the scratch state: a module of a million procedures
// would otherwise allocate it a million times.
var workPool = sync.Pool{New: func() any { return new(work) }}

// reset prepares w for p, keeping the capacity of its slices.
func (w *work) reset(pl *Planner, p *Procedure) {
	n := len(p.Deadlines)
	w.pl, w.p = pl, p
	if cap(w.ds) < n {
		w.ds, w.best = make([]dstate, n), make([]cand, n)
	}
	w.ds, w.best = w.ds[:n], w.best[:n]
	for i := range w.ds {
		w.ds[i] = dstate{steps: w.ds[i].steps[:0], prior: w.ds[i].prior[:0]}
		w.best[i] = cand{}
	}
	w.shots = w.shots[:0]
	w.touched, w.nt, w.more = [4]*event{}, 0, nil
}

func (w *work) touch(ev *event) {
	for _, e := range w.touched[:w.nt] {
		if e == ev {
			return
		}
	}
	if w.nt < len(w.touched) {
		w.touched[w.nt] = ev
		w.nt++
		return
	}
	if w.more == nil {
		w.more = map[*event]bool{}
	}
	w.more[ev] = true
}

func (w *work) wasTouched(ev *event) bool {
	for _, e := range w.touched[:w.nt] {
		if e == ev {
			return true
		}
	}
	return w.more[ev]
}

// AppendProcedure appends the plan for one procedure to dst.
//
// Delta semantics: every deadline is planned from its baseline — the old
// value of the first applied moving action on it (Procedure.Applied), or its
// current value when nothing was applied — through all events in order. The
// result is compared with the current value: when no earlier action touched
// the deadline, each step is emitted (old → new, one per event and rule);
// otherwise one action takes the current value to the new target. Applying
// the plan twice therefore changes nothing the second time, and a moved fix
// time never extends twice. An applied extension is not shortened unless
// Options.AllowShorten; a hold always is. One-shot actions (annul, re-submit,
// withdraw, rerun) already applied are not repeated. Applied actions must
// come from events in the input, else the baseline would be wrong: that is an
// error.
func (pl *Planner) AppendProcedure(dst []Action, p *Procedure) ([]Action, error) {
	if len(p.Applied) == 0 && !pl.mayTouch(p) {
		return dst, nil
	}
	if err := p.Validate(); err != nil {
		return dst, err
	}
	w := workPool.Get().(*work)
	defer workPool.Put(w)
	w.reset(pl, p)
	for i := range p.Applied {
		a := &p.Applied[i]
		if a.Event != "" && !pl.known[a.Event] {
			return dst, fmt.Errorf("procedure %s: applied action %s/%s comes from event %q, which is not in the input; plan with every event that touched the procedure", p.ID, a.Rule, a.Action, a.Event)
		}
	}
	for i := range p.Deadlines {
		d := &p.Deadlines[i]
		s := &w.ds[i]
		s.base = d.At
		k := keyOf(d)
		for j := range p.Applied {
			a := &p.Applied[j]
			if a.Action.moves() && actionKey(a) == k {
				if len(s.prior) == 0 && !a.Old.IsZero() {
					s.base = a.Old
				}
				s.prior = append(s.prior, a)
			}
		}
		s.cur = s.base
	}
	for _, ev := range pl.events {
		if ev.maint != nil {
			if pl.rules.q41 {
				w.maintenance(ev)
			}
			continue
		}
		w.incident(ev)
	}
	if pl.rules.q41 {
		w.outOfWindows()
	}
	return w.emit(dst), nil
}

func inside(t, a, b time.Time) bool { return !t.Before(a) && !t.After(b) }

// offer proposes a value; the latest value wins, ties keep the earlier
// offer (rules are offered most specific first).
func (w *work) offer(i int, at time.Time, rule string, act ActionKind) {
	b := &w.best[i]
	if !b.set || at.After(b.at) {
		*b = cand{at: at, act: act, rule: rule, set: true}
	}
}

// commit turns the best offers of one event into steps. An event never moves
// a deadline earlier; a hold may set any value (it is provisional).
func (w *work) commit(ev *event) {
	for i := range w.best {
		b := w.best[i]
		w.best[i] = cand{}
		if !b.set {
			continue
		}
		s := &w.ds[i]
		if !b.at.After(s.cur) && !(b.act == Hold && !b.at.Equal(s.cur)) {
			continue
		}
		s.steps = append(s.steps, step{old: s.cur, new: b.at, act: b.act, rule: b.rule, ev: ev})
		s.cur = b.at
	}
}

func (w *work) shot(ev *event, lot string, kind Kind, supplier string, act ActionKind, rule, note string) {
	for _, s := range w.shots {
		if s.ev == ev && s.lot == lot && s.kind == kind && s.supplier == supplier && s.act == act && s.rule == rule {
			return
		}
	}
	w.shots = append(w.shots, oneShot{lot: lot, kind: kind, supplier: supplier, act: act, rule: rule, ev: ev, note: note})
}

// nextDay is the next working day after the local date of fix, at the time
// of day of orig (or the end of that day, Options.NextDay).
func (w *work) nextDay(fix, orig time.Time) time.Time {
	loc := w.pl.loc
	d := nextWorkingDate(w.pl.cal, fix)
	y, m, dd := d.Date()
	if w.pl.opt.NextDay == NextDayEndOfDay {
		return time.Date(y, m, dd+1, 0, 0, 0, 0, loc).Add(-time.Second)
	}
	return dayAt(y, m, dd, orig, loc)
}

func (w *work) addDays(t time.Time, n int) time.Time {
	t = t.In(w.pl.loc)
	return t.AddDate(0, 0, n) // calendar days on the local wall clock
}

// lotMatch: a deadline common to all lots ("" lot) matches any lot.
func lotMatch(a, b string) bool { return a == "" || b == "" || a == b }

// find returns the current value of the first deadline of kind k for lot.
func (w *work) find(k Kind, lot string) (time.Time, bool) {
	for i := range w.p.Deadlines {
		d := &w.p.Deadlines[i]
		if d.Kind == k && lotMatch(d.Lot, lot) {
			return w.ds[i].cur, true
		}
	}
	return time.Time{}, false
}

func (w *work) incident(ev *event) {
	pl, p, inc := w.pl, w.p, ev.inc
	covered := ev.covers(p)
	switch ev.state {
	case pending:
		// G-000: acceptance ending while the failure is being analysed is held
		// until the expected decision.
		if pl.rules.hold && covered {
			for i := range p.Deadlines {
				if acceptance(p.Deadlines[i].Kind) && !w.ds[i].cur.Before(ev.reported) && w.ds[i].cur.Before(inc.HoldUntil) {
					w.offer(i, inc.HoldUntil, "G-000", Hold)
				}
			}
		}
		w.commit(ev)
		return
	case refuted:
		// G-000: on refutation a held deadline becomes the refutation time.
		if pl.rules.hold && covered {
			for i := range p.Deadlines {
				if acceptance(p.Deadlines[i].Kind) && inside(w.ds[i].cur, ev.reported, inc.RefutedAt) {
					w.offer(i, inc.RefutedAt, "G-000", Extend)
				}
			}
		}
		w.commit(ev)
		return
	}
	level := inc.Criticality
	if level == Low && pl.rules.hold && covered {
		// A low failure gets no hold, but one already applied while it was
		// analysed ends at the confirmation, not retroactively: bids sent
		// during the hold stay in time.
		for i := range p.Deadlines {
			if w.heldBy(i, ev) && inside(w.ds[i].cur, ev.reported, inc.ConfirmedAt) {
				w.offer(i, inc.ConfirmedAt, "G-000", Extend)
			}
		}
	}
	if level != Low {
		if pl.rules.points {
			w.appealsQ(ev)
		}
		if pl.rules.levels && covered {
			switch level {
			case Medium:
				w.medium(ev)
			case High:
				w.high(ev)
			}
		}
		if pl.rules.hold && covered {
			// G-000: held until confirmation; the level rules above replace
			// the hold when they give a value (offered first, so they win ties).
			for i := range p.Deadlines {
				if acceptance(p.Deadlines[i].Kind) && inside(w.ds[i].cur, ev.reported, inc.ConfirmedAt) {
					w.offer(i, inc.ConfirmedAt, "G-000", Extend)
				}
			}
		}
		if pl.rules.points && covered && pl.rules.levels {
			w.tariffs(ev)
		}
	}
	if pl.rules.energy {
		w.energy(ev, covered)
	}
	w.commit(ev)
}

// heldBy reports whether a G-000 hold of ev was applied to deadline i.
func (w *work) heldBy(i int, ev *event) bool {
	for _, a := range w.ds[i].prior {
		if a.Action == Hold && a.Event == ev.id {
			return true
		}
	}
	return false
}

// medium implements Q36.3–Q36.7.
func (w *work) medium(ev *event) {
	p := w.p
	m := p.Method
	for i := range p.Deadlines {
		d := &p.Deadlines[i]
		v := w.ds[i].cur
		in := inside(v, ev.start, ev.end)
		switch {
		case acceptance(d.Kind):
			if in { // Q36.7: the failure outlasts the end of acceptance
				w.offer(i, w.nextDay(ev.end, v), "Q36.7", Extend)
			}
			if m == Tender || m == PriceRequest || m == PriceRequestNotGZ { // Q36.3, not auctions
				open := !v.Before(ev.start)
				if bs, ok := w.find(BidsStart, d.Lot); ok && bs.After(ev.end) {
					open = false // acceptance had not begun when the failure ended
				}
				if w.pl.opt.Q36_3InsideOnly {
					open = in
				}
				if open {
					w.offer(i, v.Add(ev.dur), "Q36.3", Extend)
				}
			}
		case d.Kind == AuctionRound && m == Auction && in:
			w.offer(i, w.nextDay(ev.end, v), "Q36.4", Extend)
		case d.Kind == ResultsProtocol && m == Auction && in:
			w.shot(ev, d.Lot, d.Kind, "", AnnulProtocol, "Q36.4", "")
			w.shot(ev, d.Lot, BidsEnd, "", RequireResubmission, "Q36.4", "")
		case contract(d.Kind) && in:
			w.offer(i, w.addDays(v, ev.days), "Q36.5", Extend)
		case d.Kind == ComplaintsEnd && in:
			w.offer(i, w.addDays(v, ev.days), "Q36.6", Extend)
		}
	}
}

// high implements Q37.2 and Q37.4–Q37.10.
func (w *work) high(ev *event) {
	p, inc, opt := w.p, w.ev(ev), w.pl.opt
	m := p.Method
	decryptMethod := m == PriceRequestNotGZ || m == Auction || m == Tender
	for i := range p.Deadlines {
		d := &p.Deadlines[i]
		v := w.ds[i].cur
		in := inside(v, ev.start, ev.end)
		k := d.Kind
		if acceptance(k) && inc.DecryptionImpossible && decryptMethod {
			if v.After(ev.start) { // Q37.9: acceptance still open when the failure began
				w.offer(i, v.Add(ev.dur), "Q37.9", Extend)
				w.shot(ev, d.Lot, k, "", RequireResubmission, "Q37.9", "")
			} else if w.encryptedAtStart(d.Lot, ev) { // Q37.10: acceptance had ended
				nv := addWorkingDays(w.pl.cal, ev.end, 5)
				if fm := inc.ForceMajeure; fm != nil {
					nv = w.addDays(ev.end, fm.AgreedDays) // agreed with the authorized body
				}
				w.offer(i, nv, "Q37.10", Extend)
				w.shot(ev, d.Lot, k, "", RequireResubmission, "Q37.10", "")
			}
		}
		if acceptance(k) && w.longerThanAcceptance(d.Lot, v, ev) {
			if opt.Q37_8MoveStart {
				for j := range p.Deadlines {
					if p.Deadlines[j].Kind == BidsStart && lotMatch(p.Deadlines[j].Lot, d.Lot) {
						w.offer(j, w.ds[j].cur.Add(ev.dur), "Q37.8", Extend)
					}
				}
			} else {
				w.offer(i, v.Add(ev.dur), "Q37.8", Extend)
			}
		}
		if !in {
			continue
		}
		switch {
		case acceptance(k) && (m == Tender || m == Auction || m == Housing || m == PriceRequest || m == PriceRequestNotGZ):
			w.offer(i, v.Add(ev.dur), "Q37.4", Extend)
		case contract(k):
			w.offer(i, w.addDays(v, ev.days), "Q37.5", Extend)
		case k == ComplaintsEnd:
			w.offer(i, w.addDays(v, ev.days), "Q37.6", Extend)
		case k == AuctionTrading && m == Auction:
			w.offer(i, w.nextDay(ev.end, v), "Q37.7", Extend)
		case k == ResultsProtocol && m == Auction:
			w.shot(ev, d.Lot, k, "", AnnulProtocol, "Q37.7", "")
			w.shot(ev, d.Lot, BidsEnd, "", RequireResubmission, "Q37.7", "")
			continue // an annulled protocol is not also extended by Q37.2
		}
		if k != BidsStart && k != TariffEnd { // Q37.2: every ending procedure in the module
			w.offer(i, v.Add(ev.dur), "Q37.2", Extend)
		}
	}
}

func (w *work) ev(ev *event) *Incident { return ev.inc }

// encryptedAtStart: the offers were still waiting for decryption when the
// failure began (decryption, else opening, at or after its start). Without
// either deadline we cannot tell and do not reopen acceptance.
func (w *work) encryptedAtStart(lot string, ev *event) bool {
	if t, ok := w.find(Decryption, lot); ok {
		return !t.Before(ev.start)
	}
	if t, ok := w.find(OpeningProtocol, lot); ok {
		return !t.Before(ev.start)
	}
	return false
}

// longerThanAcceptance: Q37.8 "a failure exceeding the acceptance period" —
// the failure overlaps acceptance [bids_start, end] and lasts longer than it.
func (w *work) longerThanAcceptance(lot string, end time.Time, ev *event) bool {
	bs, ok := w.find(BidsStart, lot)
	if !ok || !end.After(bs) {
		return false
	}
	return !ev.start.After(end) && !ev.end.Before(bs) && ev.end.Sub(ev.start) > end.Sub(bs)
}

// tariffs implements Q48: a tariff ending on a date of the failure is
// extended by the longest acceptance or contract extension this event gives
// the procedure.
func (w *work) tariffs(ev *event) {
	p := w.p
	var ext time.Duration
	for i := range p.Deadlines {
		k := p.Deadlines[i].Kind
		if b := w.best[i]; b.set && (acceptance(k) || contract(k)) {
			ext = max(ext, b.at.Sub(w.ds[i].cur))
		}
	}
	if ext <= 0 {
		return
	}
	loc := w.pl.loc
	first, last := startOfDay(ev.start, loc), startOfDay(ev.end, loc)
	for i := range p.Deadlines {
		if p.Deadlines[i].Kind != TariffEnd {
			continue
		}
		v := w.ds[i].cur
		if day := startOfDay(v, loc); !day.Before(first) && !day.After(last) {
			w.offer(i, v.Add(ext), "Q48", Extend)
		}
	}
}

// appealsQ implements the point rules that start from a user's appeal:
// Q49, Q50, Q51.
func (w *work) appealsQ(ev *event) {
	p := w.p
	for _, a := range ev.appeals[p.ID] {
		switch a.Kind {
		case AppealCouldNotParticipate: // Q49
			annulled := false
			for i := range p.Deadlines {
				d := &p.Deadlines[i]
				if (d.Kind == OpeningProtocol || d.Kind == ResultsProtocol) && lotMatch(d.Lot, a.Lot) && inside(w.ds[i].cur, ev.start, ev.end) {
					w.shot(ev, d.Lot, d.Kind, "", AnnulProtocol, "Q49", "")
					annulled = true
				}
			}
			if !annulled {
				continue
			}
			decided := a.At
			if ev.inc.ConfirmedAt.After(decided) {
				decided = ev.inc.ConfirmedAt
			}
			for i := range p.Deadlines {
				d := &p.Deadlines[i]
				if d.Kind == BidsEnd && lotMatch(d.Lot, a.Lot) {
					v := w.ds[i].cur
					from := v
					if !w.pl.opt.Q49FromOldDeadline && decided.After(from) {
						from = decided // acceptance reopens from the decision
					}
					w.offer(i, w.addDays(from, 1), "Q49", Extend)
				}
			}
		case AppealUnreliableRegister: // Q50
			for i := range p.Deadlines {
				d := &p.Deadlines[i]
				if d.Kind == ContractSigning && lotMatch(d.Lot, a.Lot) {
					w.offer(i, w.addDays(a.ExcludedAt, 1), "Q50", Extend)
				}
			}
			if a.DraftSentToSecondWinner {
				w.shot(ev, a.Lot, ContractSigning, "", WithdrawDraft, "Q50", "")
			}
			w.shot(ev, a.Lot, ContractSigning, a.Supplier, Notify, "Q50", "authority")
		case AppealDiscussionQuestions: // Q51
			for i := range p.Deadlines {
				d := &p.Deadlines[i]
				if d.Kind == DiscussionEnd && lotMatch(d.Lot, a.Lot) && !w.ds[i].cur.Before(ev.start) {
					w.offer(i, w.addDays(w.ds[i].cur, 1), "Q51", Extend)
				}
			}
		}
	}
}

// energy implements E29.3–E29.6 (004 ties them to no level).
func (w *work) energy(ev *event, covered bool) {
	p, inc, loc := w.p, ev.inc, w.pl.loc
	if covered {
		for i := range p.Deadlines {
			d := &p.Deadlines[i]
			v := w.ds[i].cur
			// E29.3: the failure happened on the last day of acceptance, before
			// its end, and affected submission.
			if acceptance(d.Kind) && inc.LastDayAcceptanceAffected && !ev.start.After(v) && !ev.end.Before(startOfDay(v, loc)) {
				w.offer(i, w.nextDay(ev.end, v), "E29.3", Extend)
			}
			// E29.4: protocols formed automatically during the failure.
			if protocol(d.Kind) && inside(v, ev.start, ev.end) {
				w.shot(ev, d.Lot, d.Kind, "", AnnulProtocol, "E29.4", "")
			}
		}
	}
	if ev.results[p.ID] { // E29.5
		w.shot(ev, "", "", "", RerunProcedure, "E29.5", "")
	}
	for _, a := range ev.appeals[p.ID] {
		if a.Kind == AppealUnreliableList && !a.ActApprovedAt.IsZero() { // E29.6
			w.shot(ev, a.Lot, "", a.Supplier, Notify, "E29.6", "unreliable")
		}
	}
}

// q41Kind: deadlines Q41 names — end of acceptance, opening, admission,
// results, contract approval and signing.
func q41Kind(k Kind) bool { return acceptance(k) || protocol(k) || contract(k) }

// maintenance implements Q41: a deadline on a date of the works moves by the
// length of the works that day; one inside the window gets the time it lost
// back after the window.
func (w *work) maintenance(ev *event) {
	p, loc := w.p, w.pl.loc
	if !ev.covers(p) {
		return
	}
	for i := range p.Deadlines {
		if !q41Kind(p.Deadlines[i].Kind) {
			continue
		}
		v := w.ds[i].cur
		var nv time.Time
		if !v.Before(ev.start) && v.Before(ev.end) {
			nv = ev.end.Add(v.Sub(ev.start))
		} else {
			day := startOfDay(v, loc)
			next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
			lo, hi := maxT(day, ev.start), minT(next, ev.end)
			if !hi.After(lo) {
				continue // no works on this date
			}
			shift := hi.Sub(lo)
			if w.pl.opt.Q41WholeWindow {
				shift = ev.end.Sub(ev.start)
			}
			nv = v.Add(shift)
			if !nv.Before(ev.start) && nv.Before(ev.end) {
				nv = ev.end.Add(nv.Sub(ev.start))
			}
		}
		w.offer(i, nv, "Q41", Extend)
	}
	w.commit(ev)
}

// outOfWindows: Q41 reading "never into a window" — after all events, a
// deadline that an incident pushed into a maintenance window leaves it.
func (w *work) outOfWindows() {
	p := w.p
	for i := range p.Deadlines {
		if !q41Kind(p.Deadlines[i].Kind) {
			continue
		}
		for range len(w.pl.events) + 1 {
			moved := false
			for _, ev := range w.pl.events {
				s := &w.ds[i]
				if ev.maint == nil || !ev.covers(p) || s.cur.Before(ev.start) || !s.cur.Before(ev.end) {
					continue
				}
				nv := ev.end.Add(s.cur.Sub(ev.start))
				s.steps = append(s.steps, step{old: s.cur, new: nv, act: Extend, rule: "Q41", ev: ev})
				s.cur = nv
				moved = true
			}
			if !moved {
				break
			}
		}
	}
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// emit writes the delta between the planned and the applied state.
func (w *work) emit(dst []Action) []Action {
	p, loc := w.p, w.pl.loc
	for i := range p.Deadlines {
		d := &p.Deadlines[i]
		s := &w.ds[i]
		if len(s.prior) == 0 {
			for _, st := range s.steps {
				dst = append(dst, Action{Procedure: p.ID, Lot: d.Lot, Deadline: d.Kind, Supplier: d.Supplier,
					Old: st.old.In(loc), New: st.new.In(loc), Action: st.act, Rule: st.rule, Event: st.ev.id,
					Reason: w.pl.reason(st.rule, st.ev, st.old, st.new, "")})
				w.touch(st.ev)
			}
			continue
		}
		cur := d.At
		if s.cur.Equal(cur) {
			continue
		}
		last := s.prior[len(s.prior)-1]
		if s.cur.Before(cur) && last.Action != Hold && !w.pl.opt.AllowShorten {
			continue
		}
		a := Action{Procedure: p.ID, Lot: d.Lot, Deadline: d.Kind, Supplier: d.Supplier,
			Old: cur.In(loc), New: s.cur.In(loc), Action: Extend, Rule: last.Rule, Event: last.Event}
		if n := len(s.steps); n > 0 {
			st := s.steps[n-1]
			a.Action, a.Rule, a.Event = st.act, st.rule, st.ev.id
			a.Reason = w.pl.reason(st.rule, st.ev, cur, s.cur, "delta")
			w.touch(st.ev)
		} else {
			a.Reason = Text{
				RU: fmt.Sprintf("Пересчёт: правило %s больше не применяется, срок возвращён к %s.", last.Rule, fmtT(s.cur, loc)),
				EN: fmt.Sprintf("Re-plan: rule %s no longer applies; the deadline returns to %s.", last.Rule, fmtT(s.cur, loc)),
			}
		}
		dst = append(dst, a)
	}
	for _, sh := range w.shots {
		if w.appliedShot(sh) {
			continue
		}
		a := Action{Procedure: p.ID, Lot: sh.lot, Deadline: sh.kind, Supplier: sh.supplier, Action: sh.act,
			Rule: sh.rule, Event: sh.ev.id, Reason: w.pl.reason(sh.rule, sh.ev, time.Time{}, time.Time{}, string(sh.act)+":"+sh.note)}
		if sh.act == Notify && sh.supplier != "" {
			a.Recipients = []string{sh.supplier}
		}
		dst = append(dst, a)
		w.touch(sh.ev)
	}
	// Tell the participants of every procedure this plan changes, once per
	// event (Q36.2, Q37.12, E29.2); a re-plan re-notifies, as the rules ask.
	for _, ev := range w.pl.events {
		if !w.wasTouched(ev) || ev.inc == nil || ev.state != confirmed {
			continue
		}
		rule := w.pl.notifyRule(ev)
		if rule == "" {
			continue
		}
		a := Action{Procedure: p.ID, Action: Notify, Rule: rule, Event: ev.id,
			Reason: w.pl.reason(rule, ev, time.Time{}, time.Time{}, "notify:")}
		for _, pt := range p.Participants {
			a.Recipients = append(a.Recipients, pt.Supplier)
		}
		dst = append(dst, a)
	}
	return dst
}

func (w *work) appliedShot(sh oneShot) bool {
	for i := range w.p.Applied {
		a := &w.p.Applied[i]
		if a.Action == sh.act && a.Rule == sh.rule && a.Event == sh.ev.id && a.Lot == sh.lot && a.Deadline == sh.kind && a.Supplier == sh.supplier {
			return true
		}
	}
	return false
}

func (pl *Planner) notifyRule(ev *event) string {
	switch {
	case pl.rules.energy:
		return "E29.2"
	case pl.rules.levels && ev.inc.Criticality == Medium:
		return "Q36.2"
	case pl.rules.levels && ev.inc.Criticality == High:
		return "Q37.12"
	}
	return ""
}
