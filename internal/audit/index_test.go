package audit_test

import (
	"strings"
	"testing"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// An object's history is a search of the audit_log_object index, not a
// scan of the whole chain (the appeal page reads it on every view; a
// desk of 1.2M appeals holds about 3.6M records). PostgreSQL is asked with
// sequential scans discouraged: on a small table it rightly prefers one.
func TestObjectHistoryUsesTheObjectIndex(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		for name, q := range map[string]struct {
			sql  string
			args []any
		}{"list-object": {audit.Q.ListObject, []any{"appeal", "2026-000001"}}, "list-object-id": {audit.Q.ListObjectID, []any{"2026-000001"}}} {
			tx, err := db.W.Begin()
			if err != nil {
				t.Fatal(err)
			}
			explain := "EXPLAIN QUERY PLAN "
			if db.Dialect == store.Postgres {
				explain = "EXPLAIN "
				if _, err := tx.Exec("SET LOCAL enable_seqscan = off"); err != nil {
					t.Fatal(err)
				}
			}
			rows, err := tx.Query(explain+q.sql, q.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for _, v := range vals {
					if s, ok := v.(string); ok {
						plan = append(plan, s)
					} else if b, ok := v.([]byte); ok {
						plan = append(plan, string(b))
					}
				}
			}
			rows.Close()
			tx.Rollback()
			if p := strings.Join(plan, " | "); !strings.Contains(p, "audit_log_object") {
				t.Errorf("%s: the plan does not use audit_log_object: %s", name, p)
			}
		}
	})
}
