package impact

import (
	"time"

	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
)

// profileCalendar adapts a regulation profile's business calendar (holidays,
// moved days, administrator overrides) to the engine's narrow Calendar.
type profileCalendar struct {
	cal *calendar.Calendar
	loc *time.Location
}

// ProfileCalendar is the Calendar of a resolved regulation profile.
func ProfileCalendar(p *regulation.Profile) Calendar {
	return profileCalendar{cal: p.Calendar(), loc: p.Location()}
}

func (c profileCalendar) Location() *time.Location { return c.loc }

func (c profileCalendar) IsWorkingDay(t time.Time) bool {
	ok, _ := c.cal.IsWorkingDay(calendar.DateOf(t.In(c.loc)))
	return ok
}

// ResolveProfile turns a profile name — "family@version", or a bare family
// resolved at the time the incident was first registered — into the version
// ID the engine plans with and its calendar.
func ResolveProfile(name string, registeredAt time.Time) (string, Calendar, error) {
	p, err := regulation.Resolve(name, registeredAt)
	if err != nil {
		return "", nil, err
	}
	return p.ID(), ProfileCalendar(p), nil
}
