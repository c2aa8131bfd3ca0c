package journal_test

import (
	"context"
	"strings"
	"testing"

	"tenderdesk/internal/store/storetest"
)

// Issue 10, the queue's rare-word search at 1M appeals: PostgreSQL's
// full-text index keeps no fast-update pending list (migration 0029). With
// it, new entries wait unsorted in a list of up to 4 MB until a vacuum and
// every search reads the whole list (381 pages after 200,000 appeals: the
// index's part of a rare word 14.5 ms instead of 0.1 ms).
func TestSearchIndexHasNoPendingList(t *testing.T) {
	db := storetest.Postgres(t)
	var opts string
	if err := db.R.QueryRowContext(context.Background(),
		`SELECT COALESCE(array_to_string(c.reloptions, ','), '') FROM pg_class c WHERE c.oid = 'appeals_search'::regclass`).Scan(&opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(opts, "fastupdate=off") {
		t.Fatalf("appeals_search keeps a pending list: reloptions %q, want fastupdate=off", opts)
	}
}
