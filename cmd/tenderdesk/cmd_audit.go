package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
)

func init() {
	register(command{name: "audit verify", summary: "check the audit trail's hash chain; non-zero naming the first bad record", run: runAuditVerify})
	register(command{name: "journal list", summary: "list the Journal (filters like the API)", run: runJournalList})
}

// describe renders a domain error with its field problems for the console.
func describe(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err.Error()
	}
	var parts []string
	for f, p := range ae.Fields {
		parts = append(parts, f+": "+p)
	}
	sort.Strings(parts)
	return ae.Message + ": " + strings.Join(parts, "; ")
}

func runAuditVerify(args []string, stdout, stderr io.Writer) int {
	var against string
	a, code := open("audit verify", args, stderr, func(fs *flagSet) {
		fs.StringVar(&against, "against", "", "a checkpoint document held outside (the daily witness sent to the authorized body): the chain must agree with it")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	n, err := audit.Verify(context.Background(), a.DB)
	if err == nil && against != "" {
		n, err = verifyAgainst(a, against)
	}
	var p *audit.Problem
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "audit trail intact: %d records\n", n)
		return 0
	case errors.As(err, &p):
		fmt.Fprintf(stdout, "audit trail BROKEN at record %d: %s\n", p.Seq, p.Reason)
		return 1
	default:
		fmt.Fprintf(stderr, "tenderdesk audit verify: %v\n", err)
		return 2
	}
}

func runJournalList(args []string, stdout, stderr io.Writer) int {
	var f journal.Filter
	var from, to string
	var asJSON bool
	a, code := open("journal list", args, stderr, func(fs *flagSet) {
		fs.StringVar(&from, "from", "", "registered from (YYYY-MM-DD or RFC 3339)")
		fs.StringVar(&to, "to", "", "registered before (YYYY-MM-DD inclusive, or RFC 3339)")
		fs.StringVar(&f.State, "state", "", "incident state")
		fs.StringVar(&f.Criticality, "criticality", "", "low, medium or high")
		fs.StringVar(&f.Channel, "channel", "", "channel")
		fs.StringVar(&f.Organization, "org", "", "organization")
		fs.StringVar(&f.BIN, "bin", "", "BIN/IIN")
		fs.StringVar(&f.Query, "q", "", "full-text search")
		fs.IntVar(&f.Limit, "limit", 50, "rows")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	for _, b := range []struct {
		s   string
		dst *time.Time
		end bool
	}{{from, &f.From, false}, {to, &f.To, true}} {
		if b.s == "" {
			continue
		}
		if d, err := time.ParseInLocation("2006-01-02", b.s, a.Journal.Zone); err == nil {
			if b.end {
				d = d.AddDate(0, 0, 1)
			}
			*b.dst = d
		} else if t, err := time.Parse(time.RFC3339, b.s); err == nil {
			*b.dst = t
		} else {
			fmt.Fprintf(stderr, "tenderdesk journal list: %q is neither YYYY-MM-DD nor RFC 3339\n", b.s)
			return 2
		}
	}
	page, err := a.Journal.List(context.Background(), f)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk journal list: %v\n", describe(err))
		return 2
	}
	if asJSON {
		return printJSON(stdout, page)
	}
	for _, r := range page.Rows {
		fmt.Fprintf(stdout, "%s  %s  %-10s %-14s %-6s %s  %s\n", r.Number, r.RegisteredAt.In(a.Journal.Zone).Format("2006-01-02 15:04"),
			r.Channel, r.State, r.Criticality, r.BIN, oneLine(r.Description, 60))
	}
	return 0
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
