package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"tenderdesk/internal/profiles"
)

func init() {
	register(command{name: "profile list", summary: "regulation profile versions with the dates the desk applies", run: runProfileList})
	register(command{name: "profile period", summary: "record a profile version's period (--id V --from D [--until D] --basis B; audited, no release needed)", run: runProfilePeriod})
}

func runProfileList(args []string, stdout, stderr io.Writer) int {
	var asJSON bool
	a, code := open("profile list", args, stderr, func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") })
	if a == nil {
		return code
	}
	defer a.Close()
	vs := a.Profiles.Versions()
	if asJSON {
		return printJSON(stdout, vs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tFROM\tUNTIL\tIN FORCE\tLAPSED\tRECORDED BY")
	for _, v := range vs {
		until, by := v.Until, ""
		if until == "" {
			until = "—"
		}
		if v.Recorded != nil {
			by = v.Recorded.SetBy + ": " + v.Recorded.Basis
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\t%s\n", v.ID, v.From, until, v.InForce, v.Lapsed, by)
	}
	tw.Flush()
	return 0
}

func runProfilePeriod(args []string, stdout, stderr io.Writer) int {
	var r profiles.Record
	a, code := open("profile period", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&r.Profile, "id", "", "profile version, e.g. kz-goszakup@2022")
		fs.StringVar(&r.From, "from", "", "first day in force, YYYY-MM-DD")
		fs.StringVar(&r.Until, "until", "", "last day in force, YYYY-MM-DD (empty: until further notice)")
		fs.StringVar(&r.Basis, "basis", "", "the act or letter that sets the period (required)")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	v, err := a.Profiles.SetPeriod(context.Background(), cli(), r)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk profile period: %s\n", describe(err))
		return 1
	}
	return printJSON(stdout, v)
}
