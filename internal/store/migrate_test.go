package store_test

import (
	"context"
	"slices"
	"testing"

	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Both dialects have the same migrations, in the same order, and applying
// them twice applies nothing the second time.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	keys := func(d store.Dialect) []string {
		ms, err := store.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		var ks []string
		for _, m := range ms {
			ks = append(ks, m.Key())
		}
		return ks
	}
	lite, pg := keys(store.SQLite), keys(store.Postgres)
	if !slices.Equal(lite, pg) {
		t.Fatalf("sqlite %v\npostgres %v", lite, pg)
	}
	if !slices.IsSorted(lite) || len(lite) == 0 || lite[0] != "0001_foundation" {
		t.Fatalf("order: %v", lite)
	}
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		again, err := db.Migrate(context.Background())
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, %v", again, err)
		}
	})
}
