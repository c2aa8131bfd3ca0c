package events

import "strconv"

// appealEvents are the events raised per appeal; a versioned one (a
// re-plan, an information request, a reply) has its key followed by
// ":v…" or ":m…".
var appealEvents = []func(string) string{Registered, Refuted, LevelPlanned, Fixed, Closed,
	func(n string) string { return "appeal.info_request:" + n },
	func(n string) string { return "appeal.reply:" + n },
	func(n string) string { return "appeal.info_answered:" + n },
}

// OfIncident are the event keys of every notification an incident causes
// (notify.ForEvents reads their rows): those of each of its appeals, its
// notice to the authorized body, and the bidders' notices of its applied
// plans.
func OfIncident(incidentID int64, appeals []string, plans []int64) []string {
	keys := []string{AuthorityNotice(incidentID)}
	for _, n := range appeals {
		for _, ev := range appealEvents {
			keys = append(keys, ev(n))
		}
	}
	for _, p := range plans {
		keys = append(keys, PlanExtensions(p), PlanWithdrawn(p))
	}
	return keys
}

// PlanExtensions is the bidders' notice of an applied plan
// (internal/procurement, ExtensionsGranted).
func PlanExtensions(planID int64) string {
	return "impact.extensions:plan:" + strconv.FormatInt(planID, 10)
}

// PlanWithdrawn is the bidders' notice that an applied plan was reverted
// (internal/procurement, ExtensionsWithdrawn; issue 14).
func PlanWithdrawn(planID int64) string {
	return "impact.withdrawn:plan:" + strconv.FormatInt(planID, 10)
}
