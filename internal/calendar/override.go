package calendar

import (
	"fmt"
	"maps"
)

// OverrideKind is what an administrator's override does.
type OverrideKind uint8

const (
	// OverrideDayOff makes the dates days off (a new decree, an outage day).
	OverrideDayOff OverrideKind = iota + 1
	// OverrideWorkingDay makes the dates working, with Intervals or, when nil,
	// the regular hours.
	OverrideWorkingDay
	// OverrideHours replaces the hours of the dates' working days, and with
	// AllDays of their days off too: support extended to 24/7 by agreement (Q28).
	OverrideHours
)

// Override is one administrator-entered change over From..To inclusive. The
// database layer stores these and feeds them to WithOverrides; later ones win.
type Override struct {
	Kind      OverrideKind
	From, To  Date // To zero means From only
	Intervals []Interval
	AllDays   bool
	Reason    string // shown as the day's name: "decree No. … moves 2 Jan"
	Source    string // basis: order, agreement, who entered it
}

func (o Override) to() Date {
	if o.To.IsZero() {
		return o.From
	}
	return o.To
}

func (o Override) covers(d Date) bool { return !d.Before(o.From) && !o.to().Before(d) }

func (o Override) validate() error {
	if o.From.IsZero() || o.to().Before(o.From) {
		return fmt.Errorf("calendar override: From %s..To %s is not a range", o.From, o.to())
	}
	if o.Kind < OverrideDayOff || o.Kind > OverrideHours {
		return fmt.Errorf("calendar override %s: unknown kind %d", o.From, o.Kind)
	}
	if o.Kind == OverrideHours && len(o.Intervals) == 0 {
		return fmt.Errorf("calendar override %s: hours override without intervals", o.From)
	}
	if o.to().Sub(o.From) > 3660 {
		return fmt.Errorf("calendar override %s..%s: longer than ten years", o.From, o.to())
	}
	var prev Interval
	for i, iv := range o.Intervals {
		if iv.Start < 0 || iv.End > AllDay[0].End || iv.Start >= iv.End || (i > 0 && iv.Start < prev.End) {
			return fmt.Errorf("calendar override %s: intervals must be ascending, disjoint, within a day", o.From)
		}
		prev = iv
	}
	return nil
}

// WithOverrides returns a new calendar with the overrides layered on top of
// this one's (the receiver is unchanged, so readers never see a half-built
// table).
func (c *Calendar) WithOverrides(ovs ...Override) (*Calendar, error) {
	n := &Calendar{country: c.country, loc: c.loc, hours: c.hours, facts: maps.Clone(c.facts),
		hourOvs: append([]Override(nil), c.hourOvs...), ovs: append(append([]Override(nil), c.ovs...), ovs...)}
	for _, o := range ovs {
		if err := o.validate(); err != nil {
			return nil, err
		}
		switch o.Kind {
		case OverrideHours:
			n.hourOvs = append(n.hourOvs, o)
		default:
			k := AdminDayOff
			if o.Kind == OverrideWorkingDay {
				k = AdminWorkingDay
			}
			for d := o.From; !o.to().Before(d); d = d.AddDays(1) {
				n.facts[d] = fact{kind: k, name: o.Reason, basis: "override", source: o.Source, intervals: o.Intervals}
			}
		}
	}
	n.build()
	return n, nil
}
