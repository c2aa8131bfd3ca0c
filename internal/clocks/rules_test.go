package clocks_test

import (
	"testing"

	"tenderdesk/internal/clocks"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
	"tenderdesk/internal/vocab"
)

// confirmed registers an appeal received 19.11.2026 10:00 (registered
// 10:05), analyses it and confirms it at 10:30 at level with the given
// kind of failure (Q26).
func confirmed(t *testing.T, d *desk, level vocab.Criticality, operatorDependent bool) journal.Registration {
	t.Helper()
	d.clock.Set(at("2026-11-19 10:05"))
	a := d.register(t, "email", at("2026-11-19 10:00"), 0)
	d.clock.Set(at("2026-11-19 10:10"))
	d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
	d.clock.Set(at("2026-11-19 10:30"))
	d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActConfirm, Criticality: level, OperatorDependent: &operatorDependent})
	return a
}

// Q38, Q26: a failure that does not depend on the operator has no
// resolution term; its notices (Q36.1–2) run all the same.
func TestNoResolutionClockForIndependentFailure(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		a := confirmed(t, d, "medium", false)
		cs := d.clocks(t, a.IncidentID)
		if v, ok := cs["resolution"]; ok {
			t.Errorf("Q26 independent failure got a resolution clock: %+v", v)
		}
		if cs["medium_public_notice"].State != clocks.Running || cs["analysis"].State != clocks.Met {
			t.Errorf("notice %s, analysis %s; want running, met", cs["medium_public_notice"].State, cs["analysis"].State)
		}
		b := confirmed(t, d, "medium", true)
		if v := d.clocks(t, b.IncidentID)["resolution"]; v.Basis != "Q38" || !v.Deadline.Equal(at("2026-11-23 10:05")) {
			t.Errorf("Q38 operator-dependent failure: resolution %s %s, want Q38 Mon 23.11 10:05", v.Basis, v.Deadline)
		}
	})
}

// Q38: a request for information while fixing pauses the resolution term
// (the notices keep running); a fix recorded later but dated before the
// deadline meets it, one dated after it is a breach.
func TestResolutionPausedAndMetByTheFixTime(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		for _, tc := range []struct {
			fixedAt string
			state   string
		}{
			{"2026-11-23 12:35", clocks.Met}, // exactly at the deadline
			{"2026-11-23 12:36", clocks.Breached},
		} {
			a := confirmed(t, d, "medium", true) // resolution: Mon 23.11 10:05
			d.clock.Set(at("2026-11-19 11:00"))
			d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActStartFix})
			d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActRequestInfo, Note: "which browser?"})
			cs := d.clocks(t, a.IncidentID)
			if cs["resolution"].State != clocks.Paused || cs["medium_supplier_notice"].State != clocks.Running {
				t.Fatalf("Q38 after request_info: resolution %s, notice %s; want paused, running", cs["resolution"].State, cs["medium_supplier_notice"].State)
			}
			d.clock.Set(at("2026-11-19 15:00"))
			d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActResume})
			// paused 11:00–15:00: 2 h before lunch + 30 min after = 2h30 of working time
			if v := d.clocks(t, a.IncidentID)["resolution"]; v.State != clocks.Running || !v.Deadline.Equal(at("2026-11-23 12:35")) {
				t.Fatalf("Q38 after resume: %s %s, want running Mon 23.11 12:35", v.State, v.Deadline)
			}
			d.clock.Set(at("2026-11-23 16:00")) // recorded after the deadline
			fixed := at(tc.fixedAt)
			d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActFix, FixedAt: &fixed, Decision: "certificate renewed"})
			cs = d.clocks(t, a.IncidentID)
			v := cs["resolution"]
			if v.State != tc.state || v.MetAt == nil || !v.MetAt.Equal(fixed) {
				t.Errorf("Q38 fixed at %s, recorded at 16:00: %s met %v; want %s", tc.fixedAt, v.State, v.MetAt, tc.state)
			}
			if _, ok := cs["authority_report"]; ok {
				t.Error("Q37.13 report clock started for a medium failure")
			}
		}
	})
}

// Q37.13: the written report to the authorized body is due 1 working day
// after the fix, for a high failure only.
func TestAuthorityReportClockForHighOnly(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		for _, level := range []vocab.Criticality{"low", "medium", "high"} {
			a := confirmed(t, d, level, true)
			d.clock.Set(at("2026-11-20 11:00"))
			d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActStartFix})
			fixed := at("2026-11-20 10:00")
			d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActFix, FixedAt: &fixed, Decision: "restarted"})
			v, ok := d.clocks(t, a.IncidentID)["authority_report"]
			switch {
			case level != "high" && ok:
				t.Errorf("Q37.13 report clock for a %s failure", level)
			case level == "high" && !ok:
				t.Error("Q37.13 no report clock for a high failure")
			case level == "high" && (v.Basis != "Q37.13" || !v.Deadline.Equal(at("2026-11-23 10:00")) || v.State != clocks.Running):
				// from the fix time Fri 10:00, not the moment it was recorded: Mon 10:00
				t.Errorf("Q37.13 report: %s %s %s, want Q37.13 running Mon 23.11 10:00", v.Basis, v.State, v.Deadline)
			}
		}
	})
}

// Q32: a refutation meets the analysis and the answer term at once and
// starts the refutation notice (30 working minutes).
func TestRefutationClocks(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		d := newDesk(t, db, at("2026-11-19 10:05"))
		a := d.register(t, "email", at("2026-11-19 10:00"), 0)
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActAnalyse})
		d.clock.Set(at("2026-11-19 11:50")) // Q31: within 2 working hours of receipt at 10:00
		d.act(t, a.IncidentID, journal.TransitionInput{Action: journal.ActRefute, Note: "works as documented"})
		cs := d.clocks(t, a.IncidentID)
		if cs["analysis"].State != clocks.Met || cs["appeal_consideration/"+a.Number].State != clocks.Met {
			t.Errorf("after refute: analysis %s, answer %s", cs["analysis"].State, cs["appeal_consideration/"+a.Number].State)
		}
		if v := cs["refutation_notice"]; v.Basis != "Q32" || !v.Deadline.Equal(at("2026-11-19 12:20")) {
			t.Errorf("Q32 notice %s %s, want 12:20 (30 working minutes)", v.Basis, v.Deadline)
		}
		if _, ok := cs["resolution"]; ok {
			t.Error("a refuted failure has a resolution clock")
		}
	})
}
