package main

import (
	"strings"
	"testing"
)

// Every package's typed query set matches its queries.sql, no code looks a
// query up by string, and every query is used (issue 8: typed query sets).
func TestQueriesCurrent(t *testing.T) {
	problems, err := run("../../..", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("run `go run ./internal/store/querygen`, then remove unused queries:\n%s", strings.Join(problems, "\n"))
	}
}

func TestField(t *testing.T) {
	for in, want := range map[string]string{"appeal-by-number": "AppealByNumber", "claim-sqlite": "ClaimSQLite",
		"incident-by-id": "IncidentByID", "fts-index-sqlite": "FTSIndexSQLite", "due-postgres": "DuePostgres"} {
		if got := Field(in); got != want {
			t.Errorf("Field(%q) = %q, want %q", in, got, want)
		}
	}
}
