package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"tenderdesk/internal/regulation"
	"tenderdesk/internal/sla"
)

func init() {
	register(command{name: "sla deadline", summary: "what-if: the deadline of a regulation clock (no database)", run: runSLADeadline})
}

// slaDeadline is the JSON the command prints; times are RFC 3339 in the
// profile's local offset of their own date.
type slaDeadline struct {
	Profile     string `json:"profile"`
	Clock       string `json:"clock"`
	Level       string `json:"level,omitempty"`
	Channel     string `json:"channel,omitempty"`
	Start       string `json:"start"`
	CountedFrom string `json:"counted_from"`
	Deadline    string `json:"deadline"`
	Basis       string `json:"basis"`
	TimeBase    string `json:"time_base"`
	Term        string `json:"term"`
	Reading     string `json:"reading"`
	Zone        string `json:"zone"`
	Business    string `json:"business_time,omitempty"` // working time between start and deadline
}

// newFlags is a flag set that reports errors on one line (flag's own usage
// dump is only for --help).
func newFlags(name, synopsis string, stdout io.Writer) (*flag.FlagSet, func(args []string, stderr io.Writer) (int, bool)) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	parse := func(args []string, stderr io.Writer) (int, bool) {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage: tenderdesk %s\n\n", synopsis)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0, false
		}
		if err != nil {
			fmt.Fprintf(stderr, "tenderdesk %s: %v; usage: tenderdesk %s\n", name, err, synopsis)
			return 2, false
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "tenderdesk %s: unexpected argument %q; usage: tenderdesk %s\n", name, fs.Arg(0), synopsis)
			return 2, false
		}
		return 0, true
	}
	return fs, parse
}

// parseInstant accepts RFC 3339 with an offset only: a wall time without one
// is ambiguous (Asia/Almaty changed offset on 2024-03-01).
func parseInstant(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q: not a time with an offset; accepted: RFC 3339 with an offset, e.g. 2024-03-21T10:00:00+05:00", s)
}

func runSLADeadline(args []string, stdout, stderr io.Writer) int {
	const synopsis = "sla deadline --profile P --clock C --at T [--channel CH] [--level L] [--after-hours-email R]"
	fs, parse := newFlags("sla deadline", synopsis, stdout)
	profile := fs.String("profile", "", "profile name, bare (resolved at --at) or full: "+strings.Join(regulation.Names(), ", "))
	clock := fs.String("clock", "", "clock: "+strings.Join(regulation.ClockNames(), ", "))
	at := fs.String("at", "", "the moment that starts the clock, RFC 3339 with an offset")
	channel := fs.String("channel", "", "intake channel for registration (default email): "+strings.Join(sla.Channels, ", "))
	level := fs.String("level", "", "criticality for resolution: low, medium, high")
	after := fs.String("after-hours-email", "", "reading of Q29/G7 after-hours email: "+string(regulation.Within30)+" (default) or "+string(regulation.AnyTimeNextDay))
	if code, ok := parse(args, stderr); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "tenderdesk sla deadline: %v\n", err)
		return 2
	}
	if *profile == "" || *clock == "" || *at == "" {
		return fail(fmt.Errorf("--profile, --clock and --at are required; usage: tenderdesk %s", synopsis))
	}
	t, err := parseInstant(*at)
	if err != nil {
		return fail(err)
	}
	p, err := regulation.Resolve(*profile, t)
	if err != nil {
		return fail(err)
	}
	if regulation.Default().LapsedAt(p.ID(), t) {
		fmt.Fprintf(stderr, "warning: %s is used past its end (%s): the catalogue has no later version of %s\n", p.ID(), p.Until, p.Family)
	}
	switch regulation.AfterHoursEmail(*after) {
	case "":
	case regulation.Within30, regulation.AnyTimeNextDay:
		o := p.Options
		o.AfterHoursEmail = regulation.AfterHoursEmail(*after)
		p = p.WithOptions(o)
	default:
		return fail(fmt.Errorf("--after-hours-email %q; accepted: %s, %s", *after, regulation.Within30, regulation.AnyTimeNextDay))
	}
	c, err := sla.New(p, sla.Spec{Clock: *clock, Level: *level, Channel: *channel, At: t})
	if err != nil {
		return fail(err)
	}
	out := slaDeadline{Profile: p.ID(), Clock: c.Term.Clock, Level: c.Term.Level, Start: rfc(c.Event), CountedFrom: rfc(c.Start),
		Deadline: rfc(c.Base), Basis: c.Term.Basis, TimeBase: string(c.Term.Base), Term: c.Term.Describe(),
		Reading: c.Term.Reading, Zone: p.Location().String()}
	if c.Term.Clock == regulation.ClockRegistration {
		out.Channel = c.Channel
	}
	if c.Term.Base != regulation.Calendar && c.Term.Base != regulation.CalendarDaysBefore {
		out.Business = p.Calendar().BusinessBetween(c.Event, c.Base).String()
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(out); err != nil {
		return fail(err)
	}
	return 0
}

func rfc(t time.Time) string { return t.Format(time.RFC3339) }
