package profiles_test

import (
	"testing"

	"tenderdesk/internal/profiles"
	"tenderdesk/internal/regulation"
)

// What a version changed: goszakup 2022 (order 1322) adds the Q30 notice of
// the incident number within 1 working hour and takes lunch hours; the
// catalogue's terms G6.1, G7, G9 stay as they were.
func TestChangesQ30AddedInGoszakup2022(t *testing.T) {
	reg := regulation.Default()
	prev, _ := reg.Get("kz-goszakup@2020")
	cur, _ := reg.Get("kz-goszakup@2022")
	got := profiles.Changes(prev, cur)
	var added, hours, changed int
	for _, c := range got {
		switch c.What {
		case "added":
			added++
			if c.Clock != regulation.ClockIncidentIDNotice || c.New.Basis != "Q30" || c.Old != nil {
				t.Errorf("added: %+v", c)
			}
		case "hours":
			hours++
		default:
			changed++
			t.Errorf("unexpected change %+v", c)
		}
	}
	if added != 1 || hours != 1 || changed != 0 {
		t.Errorf("changes 2020 → 2022: %+v", got)
	}
	// A version against itself changes nothing.
	if c := profiles.Changes(cur, cur); len(c) != 0 {
		t.Errorf("a version against itself: %+v", c)
	}
}
