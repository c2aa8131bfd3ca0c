package app_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"

	"tenderdesk/internal/auth"
)

// TestMeasureStoragePerAppeal registers TENDERDESK_STORAGE_N appeals
// (default 2,000) over HTTP on SQLite and reports the bytes each table and
// its indexes take per appeal, from SQLite's dbstat (issue 15: ≤ 1.5 KB per
// appeal for the whole desk). A measurement, run with TENDERDESK_MEASURE=1;
// no size assertion (docs/BENCHMARKS.md).
func TestMeasureStoragePerAppeal(t *testing.T) {
	if os.Getenv("TENDERDESK_MEASURE") == "" {
		t.Skip("a measurement: set TENDERDESK_MEASURE=1 to run it")
	}
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("TENDERDESK_STORAGE_N")); err == nil && v > 0 {
		n = v
	}
	d := boot(t, t.TempDir()+"/data")
	op := d.user("op", auth.RoleOperator, "", "")
	var before map[string]int64
	sizes := func() map[string]int64 {
		m := map[string]int64{}
		rows, err := d.App.DB.R.Query("SELECT COALESCE(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY 1")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var size int64
			if err := rows.Scan(&name, &size); err != nil {
				t.Fatal(err)
			}
			m[name] = size
		}
		return m
	}
	before = sizes()
	for i := range n {
		d.must(d.req("POST", "/api/v1/appeals", op, appeal(map[string]any{"profile": "kz-goszakup", "channel": "phone",
			"description": fmt.Sprintf("Не удаётся подать заявку на участие, попытка %d", i)})), http.StatusCreated)
	}
	after := sizes()
	var total int64
	for name, size := range after {
		grow := size - before[name]
		total += grow
		if grow > 0 {
			t.Logf("%-28s %8.0f B per appeal", name, float64(grow)/float64(n))
		}
	}
	t.Logf("whole database: %.0f B per appeal over %d appeals", float64(total)/float64(n), n)
}
