package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"tenderdesk/internal/clocks"
)

func init() {
	register(command{name: "calendar override add", summary: "add or replace a calendar override in the database (day off, working day, dated hours; audited)", run: runOverrideAdd})
	register(command{name: "calendar override list", summary: "list the calendar overrides stored in the database", run: runOverrideList})
	register(command{name: "calendar override remove", summary: "remove a calendar override (--id N --reason R; audited)", run: runOverrideRemove})
}

func runOverrideAdd(args []string, stdout, stderr io.Writer) int {
	var o clocks.Override
	var hours string
	a, code := open("calendar override add", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&o.Scope, "scope", "", "country (kz, ru), profile family (kz-quasi) or version (kz-quasi@2021)")
		fs.StringVar(&o.Kind, "kind", "", "day_off, working_day or hours")
		fs.StringVar(&o.From, "from", "", "first date, YYYY-MM-DD (local)")
		fs.StringVar(&o.To, "to", "", "last date, YYYY-MM-DD (default: --from)")
		fs.StringVar(&hours, "hours", "", "working intervals, e.g. 09:00-13:00,14:30-18:30 or 00:00-24:00 (hours; optional for working_day)")
		fs.BoolVar(&o.AllDays, "all-days", false, "hours: days off too (support 24/7 by agreement, Q28)")
		fs.StringVar(&o.Reason, "reason", "", "shown as the day's name, e.g. the decree moving the day (required)")
		fs.StringVar(&o.Source, "source", "", "the basis: decree, agreement with the authorized body (required)")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if hours != "" {
		o.Intervals = strings.Split(hours, ",")
	}
	s := a.Clocks
	stored, err := s.PutOverride(context.Background(), cli(), o)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk calendar override add: %v\n", describe(err))
		return 1
	}
	return printJSON(stdout, stored)
}

func runOverrideList(args []string, stdout, stderr io.Writer) int {
	var asJSON bool
	a, code := open("calendar override list", args, stderr, func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") })
	if a == nil {
		return code
	}
	defer a.Close()
	ovs, err := a.Clocks.Overrides(context.Background())
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk calendar override list: %v\n", err)
		return 1
	}
	if asJSON {
		return printJSON(stdout, ovs)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSCOPE\tKIND\tFROM\tTO\tHOURS\tREASON\tSOURCE\tBY")
	for _, o := range ovs {
		h := strings.Join(o.Intervals, ",")
		if o.AllDays {
			h += " (all days)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Scope, o.Kind, o.From, o.To, h, o.Reason, o.Source, o.CreatedBy)
	}
	tw.Flush()
	return 0
}

func runOverrideRemove(args []string, stdout, stderr io.Writer) int {
	var id int64
	var reason string
	a, code := open("calendar override remove", args, stderr, func(fs *flag.FlagSet) {
		fs.Int64Var(&id, "id", 0, "the override's id (see list) (required)")
		fs.StringVar(&reason, "reason", "", "why it is removed (recorded)")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if id <= 0 {
		fmt.Fprintln(stderr, "tenderdesk calendar override remove: --id is required (tenderdesk calendar override list shows them)")
		return 2
	}
	if err := a.Clocks.DeleteOverride(context.Background(), cli(), id, reason); err != nil {
		fmt.Fprintf(stderr, "tenderdesk calendar override remove: %v\n", describe(err))
		return 1
	}
	fmt.Fprintf(stdout, "calendar override %d removed; running clocks recomputed\n", id)
	return 0
}
