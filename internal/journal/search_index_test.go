package journal_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
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

// A rare word in the queue's urgent order (issue 10): on PostgreSQL its few
// matches are listed by one bitmap scan of the GIN index and sorted, no
// longer looked up by id; the pages are the same rows in the same order as
// the queue without the word, filtered — on both backends, paged by keyset
// (two matches: fewer than commonMin in the sample, so "rare").
func TestUrgentRareWordPagesInQueueOrder(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c := newService(t, db, time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC))
		recv := c.Now().Add(-time.Hour)
		rare := map[string]bool{}
		for i := range 12 {
			text := "Договор не подписывается"
			if i%6 == 1 {
				text += ", срочнейший случай"
			}
			a := mustRegister(t, s, appeal(text, recv.Add(time.Duration(i)*time.Minute)))
			if i%6 == 1 {
				rare[a.Number] = true
			}
		}
		pages := func(f journal.Filter) []string {
			var out []string
			for range 20 {
				p, err := s.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range p.Rows {
					out = append(out, r.Number)
				}
				if p.Next == "" {
					return out
				}
				f.After = p.Next
			}
			t.Fatalf("paging does not end: %v", out)
			return nil
		}
		var want []string
		for _, n := range pages(journal.Filter{Open: true, Urgent: true, Limit: 5}) {
			if rare[n] {
				want = append(want, n)
			}
		}
		got := pages(journal.Filter{Open: true, Urgent: true, Limit: 2, Query: "срочн"})
		if len(want) != 2 || !slices.Equal(got, want) {
			t.Fatalf("the rare word's pages: %v, want %v", got, want)
		}
	})
}
