package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store/storetest"
)

// db copy from the command line (issue 15): the moved desk's audit trail
// verifies with audit verify on PostgreSQL; a second run says there is
// nothing to do; a used target is refused, naming the table; flags are
// checked before anything is opened.
func TestCLIDBCopy(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	tdRun(t, 0, "", "migrate", "--db", data)
	a := openApp(t, data)
	at := time.Now()
	if _, err := a.Journal.Register(context.Background(), journal.Caller{Actor: audit.System}, journal.NewAppeal{Channel: "email", ReceivedAt: &at,
		Organization: "ТОО «Пример»", ContactEmail: "u@example.kz", Description: "Не подписывается договор"}, ""); err != nil {
		t.Fatal(err)
	}
	a.Close() // two audit records: the appeal's, and one the desk writes when it first opens

	pg := storetest.PostgresURL(t)
	files := filepath.Join(t.TempDir(), "files")
	out, _ := tdRun(t, 0, "", "db", "copy", "--from", data, "--to", pg, "--files-to", files, "--quiet")
	if !strings.Contains(out, "row counts match, audit trail intact (2 records)") || !strings.Contains(out, "--files-dir "+files) {
		t.Errorf("db copy: %q", out)
	}
	out, _ = tdRun(t, 0, "", "db", "copy", "--from", data, "--to", pg, "--files-to", files)
	if !strings.Contains(out, "nothing to do: this copy finished") {
		t.Errorf("second db copy: %q", out)
	}
	out, _ = tdRun(t, 0, "", "audit", "verify", "--db", pg)
	if !strings.Contains(out, "audit trail intact: 2 records") {
		t.Errorf("audit verify on the copy: %q", out)
	}

	used := storetest.PostgresURL(t)
	tdRun(t, 0, "", "user", "add", "--login", "op1", "--role", "operator", "--db", used)
	_, errOut := tdRun(t, 1, "", "db", "copy", "--from", data, "--to", used, "--files-to", t.TempDir())
	if !strings.Contains(errOut, "not empty: table audit_log holds rows") {
		t.Errorf("used target: %q", errOut)
	}

	_, errOut = tdRun(t, 2, "", "db", "copy", "--from", data)
	if !strings.Contains(errOut, "--to is required") {
		t.Errorf("no --to: %q", errOut)
	}
	tdRun(t, 2, "", "db", "copy", "--to", pg, "--batch", "0")
	_, errOut = tdRun(t, 1, "", "db", "copy", "--from", t.TempDir(), "--to", pg)
	if !strings.Contains(errOut, "no SQLite desk") {
		t.Errorf("no source: %q", errOut)
	}
}
