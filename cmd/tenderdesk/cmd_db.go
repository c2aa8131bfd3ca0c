package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"tenderdesk/internal/dbcopy"
)

func init() {
	register(command{name: "db copy", summary: "move a stopped SQLite desk (database and files) into an empty PostgreSQL database; resumable, checked by row counts and audit verify", run: runDBCopy})
}

func runDBCopy(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("db copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o dbcopy.Options
	fs.StringVar(&o.From, "from", "tenderdesk-data", "the SQLite desk's data directory (serve's --db); stop the desk first")
	fs.StringVar(&o.FilesFrom, "files-from", "", "its file store (default: <from>/files)")
	fs.StringVar(&o.To, "to", "", "postgres:// URL of an empty database (required)")
	fs.StringVar(&o.FilesTo, "files-to", "tenderdesk-files", "the PostgreSQL desk's file store (its --files-dir)")
	fs.IntVar(&o.Batch, "batch", dbcopy.DefaultBatch, "rows per COPY and per progress record")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tenderdesk db copy: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if o.To == "" {
		fmt.Fprintln(stderr, "tenderdesk db copy: --to is required (postgres://…)")
		return 2
	}
	if o.Batch <= 0 {
		fmt.Fprintln(stderr, "tenderdesk db copy: --batch must be a positive number of rows")
		return 2
	}
	o.Now = time.Now
	var lastLine time.Time
	o.Progress = func(table string, copied, total int64) error {
		if *quiet || (copied < total && time.Since(lastLine) < 2*time.Second) {
			return nil
		}
		lastLine = time.Now()
		fmt.Fprintf(stdout, "  %-28s %d/%d rows\n", table, copied, total)
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	r, err := dbcopy.Copy(ctx, o)
	var ne *dbcopy.NotEmptyError
	switch {
	case errors.As(err, &ne):
		fmt.Fprintf(stderr, "tenderdesk db copy: %v\n", err)
		return 1
	case err != nil && ctx.Err() != nil:
		fmt.Fprintf(stderr, "tenderdesk db copy: interrupted (%v); run the same command again to continue where it stopped\n", err)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "tenderdesk db copy: %v\n", err)
		return 1
	case r.AlreadyDone:
		fmt.Fprintf(stdout, "nothing to do: this copy finished %s (%d rows in %d tables, still matching the source)\n",
			r.FinishedAt.Format(time.RFC3339), r.Rows(), len(r.Tables))
		return 0
	}
	how := "copied"
	if r.Resumed {
		how = "copy resumed and finished:"
	}
	fmt.Fprintf(stdout, "%s %d rows in %d tables, %d files (%d bytes) into %s; row counts match, audit trail intact (%d records); %s\n",
		how, r.Rows(), len(r.Tables), r.Files, r.FileBytes, o.FilesTo, r.AuditRecords, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "start the desk with --db <that URL> --files-dir %s\n", o.FilesTo)
	return 0
}
