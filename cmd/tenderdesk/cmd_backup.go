package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"tenderdesk/internal/backup"
)

func init() {
	register(command{name: "backup", summary: "take a consistent online copy of a running SQLite desk (database and files) into a new directory", run: runBackup})
	register(command{name: "restore", summary: "bring a backup back into a data directory (checked: integrity and audit verify)", run: runRestore})
}

func runBackup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("db", "tenderdesk-data", "the SQLite desk's data directory")
	files := fs.String("files-dir", "", "its file store (default: <db>/files)")
	to := fs.String("to", "", "a new or empty directory for the backup (required)")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if *to == "" {
		fmt.Fprintln(stderr, "tenderdesk backup: --to is required")
		return 2
	}
	start := time.Now()
	m, err := backup.Take(context.Background(), *data, *files, *to, time.Now)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup in %s: database %d bytes, %d appeals, %d audit records (chain verified), %d files (%d bytes) in %s\n",
		*to, m.DBBytes, m.Appeals, m.AuditRecords, m.Files, m.FileBytes, time.Since(start).Round(time.Millisecond))
	return 0
}

func runRestore(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the backup directory (required)")
	to := fs.String("to", "tenderdesk-data", "the data directory to restore into (the desk must be stopped)")
	force := fs.Bool("force", false, "overwrite a data directory that holds a desk")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if *from == "" {
		fmt.Fprintln(stderr, "tenderdesk restore: --from is required")
		return 2
	}
	m, err := backup.Restore(context.Background(), *from, *to, *force)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored the backup of %s taken %s into %s (integrity and audit chain checked)\n", m.Source, m.TakenAt.Format(time.RFC3339), *to)
	return 0
}

// parseExit: --help is an answer (0), a bad flag a usage error (2).
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
