package store_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"tenderdesk/internal/store"
)

// 0027 (ext14b) rebuilds applied_plans on SQLite to make incident_id
// nullable (a maintenance window's own plan): the rows, the foreign keys
// that point at it (plan_reasons, plan_changes, procurement_feed,
// plan_windows) and its indexes survive; an applied plan names exactly one
// of an incident and a window; and foreign keys are back on afterwards.
func TestAppliedPlansRebuildKeepsRowsAndKeys(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "td.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.MigrateTo(ctx, "0025_audit_object_index"); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.W.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ts := "2026-04-14T04:00:00Z"
	exec("INSERT INTO incidents (id, state, profile, first_registered_at, created_at, updated_at) VALUES (7, 'confirmed', 'kz-quasi@2021', $1, $1, $1)", ts)
	exec("INSERT INTO procedures (id, external_id, method, content_hash, imported_at, updated_at) VALUES (3, 'P', 'tender', 'h', $1, $1)", ts)
	exec("INSERT INTO applied_plans (id, incident_id, status, profile, input, plan_hash, procedures, changes, applied_at, applied_by) VALUES (5, 7, 'applied', 'kz-quasi@2021', '{}', 'abc', 1, 1, $1, 'op')", ts)
	exec("INSERT INTO plan_reasons (id, plan_id, ru, kk, en) VALUES (1, 5, 'р', 'к', 'e')")
	exec("INSERT INTO plan_changes (id, plan_id, procedure_id, action, rule, event, reason_id) VALUES (1, 5, 3, 'extend', 'Q41', '7', 1)")
	exec("INSERT INTO procurement_feed (plan_id, change_id, op, at) VALUES (5, 1, 'apply', $1)", ts)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var inc, win any
	var hash string
	if err := db.R.QueryRowContext(ctx, "SELECT incident_id, maintenance_id, plan_hash FROM applied_plans WHERE id = 5").Scan(&inc, &win, &hash); err != nil {
		t.Fatal(err)
	}
	if inc != int64(7) || win != nil || hash != "abc" {
		t.Fatalf("row after the rebuild: incident %v, window %v, hash %q", inc, win, hash)
	}
	for _, child := range []string{"plan_reasons", "plan_changes", "procurement_feed", "plan_windows"} {
		var n int
		if err := db.R.QueryRowContext(ctx, "SELECT count(*) FROM pragma_foreign_key_list($1) WHERE \"table\" = 'applied_plans'", child).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d foreign keys to applied_plans (%v)", child, n, err)
		}
	}
	rows, err := db.R.QueryContext(ctx, "SELECT name FROM pragma_index_list('applied_plans') WHERE origin = 'c' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var idx []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		idx = append(idx, s)
	}
	rows.Close()
	if want := []string{"applied_plans_active", "applied_plans_incident", "applied_plans_maintenance"}; !slices.Equal(idx, want) {
		t.Errorf("indexes %v, want %v", idx, want)
	}
	var fk int
	if err := db.W.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign keys after the migration: %d %v", fk, err)
	}
	if _, err := db.W.ExecContext(ctx, "INSERT INTO applied_plans (incident_id, status, profile, input, plan_hash, procedures, changes, applied_at, applied_by) VALUES (NULL, 'applied', 'p', '{}', '', 0, 0, $1, 'op')", ts); err == nil {
		t.Error("a plan of neither an incident nor a window was accepted")
	}
	if _, err := db.W.ExecContext(ctx, "INSERT INTO plan_changes (plan_id, procedure_id, action, rule, event, reason_id) VALUES (99, 3, 'extend', 'Q41', '7', 1)"); err == nil {
		t.Error("a change of a missing plan was accepted: the foreign key is gone")
	}
}
