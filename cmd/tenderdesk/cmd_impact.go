package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"tenderdesk/internal/impact"
)

func init() {
	register(command{name: "impact plan", summary: "plan what a failure does to procurements (dry run of a JSON scenario)", run: runImpactPlan})
}

func runImpactPlan(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("impact plan", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // help goes to stdout, errors to stderr, each once
	scenario := fs.String("scenario", "", "JSON scenario file (docs/impact.md); - reads standard input")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, `Usage: tenderdesk impact plan --scenario FILE

Reads {"profile":…, "incident":{…}, "procedures":[…]} and prints the extension
plan {"actions":[…]}: every deadline moved, protocol annulled, re-submission
and notification, each with its rule ID and a reason in Russian and English.
Nothing is stored. The format and one example per rule: docs/impact.md.

Flags:`)
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			usage(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "tenderdesk impact plan: %v\n", err)
		usage(stderr)
		return 2
	}
	if *scenario == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "tenderdesk impact plan: --scenario FILE is required (and no other arguments)")
		return 2
	}
	var data []byte
	var err error
	if *scenario == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(*scenario)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk impact plan: %v\n", err)
		return 1
	}
	sc, err := impact.ParseScenario(data)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk impact plan: %s: %v\n", *scenario, err)
		return 1
	}
	actions, loc, err := impact.PlanScenario(sc)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk impact plan: %s: %v\n", *scenario, err)
		return 1
	}
	out, err := impact.MarshalPlan(actions, loc)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk impact plan: %v\n", err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		return 1
	}
	return 0
}
