package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"tenderdesk/internal/calendar"
	"tenderdesk/internal/regulation"
)

func init() {
	register(command{name: "calendar", summary: "list a profile's days: working or not, why, working hours", run: runCalendar})
}

// calendarDay is one line of --json output.
type calendarDay struct {
	Date      string   `json:"date"`
	Weekday   string   `json:"weekday"`
	Working   bool     `json:"working"`
	Reason    string   `json:"reason"`
	Intervals []string `json:"intervals"`
	Basis     string   `json:"basis"`
	Source    string   `json:"source"`
}

func runCalendar(args []string, stdout, stderr io.Writer) int {
	const synopsis = "calendar --profile P --from YYYY-MM-DD --to YYYY-MM-DD [--json]"
	fs, parse := newFlags("calendar", synopsis, stdout)
	profile := fs.String("profile", "", "profile name, bare (resolved at --from) or full: "+strings.Join(regulation.Names(), ", "))
	fromS := fs.String("from", "", "first date, YYYY-MM-DD")
	toS := fs.String("to", "", "last date, YYYY-MM-DD (at most 3660 days after --from)")
	asJSON := fs.Bool("json", false, "one JSON object per day")
	if code, ok := parse(args, stderr); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "tenderdesk calendar: %v\n", err)
		return 2
	}
	if *profile == "" || *fromS == "" || *toS == "" {
		return fail(fmt.Errorf("--profile, --from and --to are required; usage: tenderdesk %s", synopsis))
	}
	from, err := calendar.ParseDate(*fromS)
	if err != nil {
		return fail(fmt.Errorf("--from: %v", err))
	}
	to, err := calendar.ParseDate(*toS)
	if err != nil {
		return fail(fmt.Errorf("--to: %v", err))
	}
	if to.Before(from) || to.Sub(from) > 3660 {
		return fail(fmt.Errorf("--from %s --to %s: want from <= to, at most 3660 days apart", from, to))
	}
	// a bare name resolves at noon UTC of --from: the same date on the
	// profiles' clocks (UTC+5/+6)
	p, err := regulation.Resolve(*profile, from.At(12*time.Hour, time.UTC))
	if err != nil {
		return fail(err)
	}
	if regulation.Default().LapsedAt(p.ID(), from.At(12*time.Hour, time.UTC)) {
		fmt.Fprintf(stderr, "warning: %s is used past its end (%s): the catalogue has no later version of %s\n", p.ID(), p.Until, p.Family)
	}
	cal := p.Calendar()
	if !*asJSON {
		fmt.Fprintf(stdout, "# %s, zone %s\n", p.ID(), cal.Location())
	}
	enc := json.NewEncoder(stdout)
	for _, d := range cal.Days(from, to) {
		var ivs []string
		for _, iv := range d.Intervals {
			ivs = append(ivs, iv.String())
		}
		if *asJSON {
			_ = enc.Encode(calendarDay{Date: d.Date.String(), Weekday: d.Date.Weekday().String()[:3], Working: d.Working,
				Reason: d.Reason(), Intervals: append([]string{}, ivs...), Basis: d.Basis, Source: d.Source})
			continue
		}
		state := "off"
		if d.Working {
			state = "working"
		}
		fmt.Fprintf(stdout, "%s %s %-7s %-23s %-45s [%s] %s\n", d.Date, d.Date.Weekday().String()[:3], state,
			strings.Join(ivs, " "), d.Reason(), d.Basis, d.Source)
	}
	return 0
}
