package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"tenderdesk/internal/procurement"
)

func init() {
	register(command{name: "impact apply", summary: "apply (or --dry-run) an incident's extension plan to the mirrored procedures", run: runImpactApply})
	register(command{name: "impact revert", summary: "revert an applied extension plan (--plan N --reason R)", run: runImpactRevert})
}

func runImpactApply(args []string, stdout, stderr io.Writer) int {
	var incident int64
	var dry bool
	var plan string
	a, code := open("impact apply", args, stderr, func(fs *flagSet) {
		fs.Int64Var(&incident, "incident", 0, "incident id")
		fs.BoolVar(&dry, "dry-run", false, "print the plan as NDJSON (one action per line, then the summary) and change nothing")
		fs.StringVar(&plan, "request", "", `JSON of what the Journal does not keep, e.g. {"decryption_impossible":true} (docs/procurement-api.md)`)
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if incident <= 0 {
		fmt.Fprintln(stderr, "tenderdesk impact apply: --incident N is required")
		return 2
	}
	var req procurement.PlanRequest
	if plan != "" {
		if err := json.Unmarshal([]byte(plan), &req); err != nil {
			fmt.Fprintf(stderr, "tenderdesk impact apply: --request: %v\n", err)
			return 2
		}
	}
	svc := a.Procurement
	ctx := context.Background()
	if dry {
		w := bufio.NewWriter(stdout)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		sum, err := svc.Plan(ctx, incident, req, func(pa procurement.PlannedAction) error { return enc.Encode(pa) })
		if err != nil {
			w.Flush()
			fmt.Fprintf(stderr, "tenderdesk impact apply: %s\n", describe(err))
			return 1
		}
		enc.Encode(map[string]any{"summary": sum})
		if w.Flush() != nil {
			return 1
		}
		return 0
	}
	res, err := svc.Apply(ctx, incident, req, cli())
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk impact apply: %s\n", describe(err))
		return 1
	}
	return printJSON(stdout, res)
}

func runImpactRevert(args []string, stdout, stderr io.Writer) int {
	var plan int64
	var reason string
	a, code := open("impact revert", args, stderr, func(fs *flagSet) {
		fs.Int64Var(&plan, "plan", 0, "applied plan id")
		fs.StringVar(&reason, "reason", "", "why the plan is reverted (recorded in the audit trail)")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if plan <= 0 || reason == "" {
		fmt.Fprintln(stderr, "tenderdesk impact revert: --plan N and --reason R are required")
		return 2
	}
	rec, err := a.Procurement.Revert(context.Background(), plan, reason, cli())
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk impact revert: %s\n", describe(err))
		return 1
	}
	return printJSON(stdout, rec)
}
