package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

func init() {
	register(command{name: "procedures import", summary: "import procedures from an NDJSON file (upsert by external_id; docs/procurement-api.md)", run: runProceduresImport})
}

func runProceduresImport(args []string, stdout, stderr io.Writer) int {
	var file string
	a, code := open("procedures import", args, stderr, func(fs *flagSet) {
		fs.StringVar(&file, "file", "", "NDJSON file, one procedure per line (- for standard input)")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if file == "" {
		fmt.Fprintln(stderr, "tenderdesk procedures import: --file F is required (- for standard input)")
		return 2
	}
	var r io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintf(stderr, "tenderdesk procedures import: %v\n", err)
			return 1
		}
		defer f.Close()
		r = f
	}
	res, err := a.Procurement.Import(context.Background(), r, cli())
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk procedures import: %s (imported before the error: %d inserted, %d updated)\n", describe(err), res.Inserted, res.Updated)
		return 1
	}
	printJSON(stdout, res)
	if res.Failed > 0 {
		fmt.Fprintf(stderr, "tenderdesk procedures import: %d line(s) failed, the others were imported\n", res.Failed)
		return 1
	}
	return 0
}
