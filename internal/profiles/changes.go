package profiles

import (
	"fmt"
	"slices"

	"tenderdesk/internal/regulation"
)

// Change is one difference of a version from the family's previous one.
type Change struct {
	What  string // "added", "removed", "changed" (a term); "hours"; "first" (no previous version)
	Clock string
	Level string
	Old   *regulation.Term
	New   *regulation.Term
}

// History is a family's versions in order with what each changed.
type History struct {
	Family   string
	Versions []VersionChanges
}

// VersionChanges is a version, its dates as applied now, and its changes.
type VersionChanges struct {
	Version
	Profile *regulation.Profile
	Changes []Change
}

// Histories groups Versions by family, oldest version first, each with the
// terms it added, removed or changed against the version before it and
// whether its working hours changed.
func (s *Service) Histories() []History {
	reg := s.Registry()
	var out []History
	idx := map[string]int{}
	for _, v := range s.Versions() {
		p, ok := reg.Get(v.ID)
		if !ok {
			continue
		}
		i, seen := idx[v.Family]
		if !seen {
			i = len(out)
			idx[v.Family] = i
			out = append(out, History{Family: v.Family})
		}
		out[i].Versions = append(out[i].Versions, VersionChanges{Version: v, Profile: p})
	}
	for i := range out {
		vs := out[i].Versions
		slices.SortStableFunc(vs, func(a, b VersionChanges) int {
			switch {
			case a.Profile.From.Before(b.Profile.From):
				return -1
			case b.Profile.From.Before(a.Profile.From):
				return 1
			}
			return 0
		})
		for j := range vs {
			if j == 0 {
				vs[j].Changes = []Change{{What: "first"}}
				continue
			}
			vs[j].Changes = Changes(vs[j-1].Profile, vs[j].Profile)
		}
	}
	return out
}

// Changes lists what cur changes against prev: terms by clock and level
// (added, removed, or with another basis, count or start) and the hours.
func Changes(prev, cur *regulation.Profile) []Change {
	key := func(t regulation.Term) string { return t.Clock + "/" + t.Level }
	old := map[string]regulation.Term{}
	for _, t := range prev.Terms {
		old[key(t)] = t
	}
	var out []Change
	seen := map[string]bool{}
	for _, t := range cur.Terms {
		t := t
		seen[key(t)] = true
		o, had := old[key(t)]
		switch {
		case !had:
			out = append(out, Change{What: "added", Clock: t.Clock, Level: t.Level, New: &t})
		case o.Basis != t.Basis || o.Base != t.Base || o.Amount != t.Amount || o.Days != t.Days || o.From != t.From:
			out = append(out, Change{What: "changed", Clock: t.Clock, Level: t.Level, Old: &o, New: &t})
		}
	}
	for _, t := range prev.Terms {
		t := t
		if !seen[key(t)] {
			out = append(out, Change{What: "removed", Clock: t.Clock, Level: t.Level, Old: &t})
		}
	}
	if fmt.Sprint(prev.Hours) != fmt.Sprint(cur.Hours) {
		out = append(out, Change{What: "hours"})
	}
	return out
}
