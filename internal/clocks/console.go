package clocks

import "tenderdesk/internal/regulation"

// AppliesTo reports whether o is laid over p's calendar (its scope is p's
// country, family or version): the console's month view lists them.
func (o Override) AppliesTo(p *regulation.Profile) bool { return o.applies(p) }
