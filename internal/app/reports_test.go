package app_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/auth"
)

// Issue 13: the authorized body reads the Journal extract through
// /api/v1/reports/journal, by format= or by Accept (text/csv is CSV now,
// not JSON), the compliance report and its charts; operators do not;
// a bad parameter is a 400 naming it. Q44.
func TestReportsAPI(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		body := d.user("ministry", auth.RoleAuthority, "", "")
		op := d.user("op", auth.RoleOperator, "", "")
		number, _ := d.register(op, map[string]any{"organization": "ТОО «Әділ Құрылыс»"})
		today := time.Now().In(d.App.Cfg.Zone).Format("2006-01-02")
		period := "from=" + today + "&to=" + today

		if r := d.req("GET", "/api/v1/reports/journal?"+period, op, nil); r.Status != http.StatusForbidden {
			t.Fatalf("an operator read the extract: %s", r)
		}
		r := d.must(d.req("GET", "/api/v1/reports/journal?"+period, body, nil, "Accept", "text/csv"), http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("Accept: text/csv answered %s", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "journal_"+today+"_"+today+".csv") {
			t.Errorf("Content-Disposition %q", cd)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Raw, []byte("\uFEFF")))).ReadAll()
		if err != nil || len(recs) != 2 || recs[1][0] != number || recs[1][1] != "ТОО «Әділ Құрылыс»" {
			t.Fatalf("CSV %v %v", recs, err)
		}
		for format, magic := range map[string]string{"xlsx": "PK", "pdf": "%PDF-"} {
			r := d.must(d.req("GET", "/api/v1/reports/journal?format="+format+"&"+period, body, nil), http.StatusOK)
			if !bytes.HasPrefix(r.Raw, []byte(magic)) {
				t.Errorf("%s starts %q", format, r.Raw[:min(8, len(r.Raw))])
			}
		}
		j := d.must(d.req("GET", "/api/v1/reports/journal?"+period+"&lang=kk", body, nil), http.StatusOK)
		if j.JSON["count"] != float64(1) {
			t.Errorf("JSON listing %s", j)
		}
		for q, field := range map[string]string{"format=docx": "format", "from=2026-13-01": "from", "lang=de": "lang",
			"from=2026-03-02&to=2026-03-01": "to", "profile=nowhere": "profile"} {
			if r := d.req("GET", "/api/v1/reports/journal?"+q, body, nil); r.Status != http.StatusBadRequest || r.errField(field) == "" {
				t.Errorf("%s: %s", q, r)
			}
		}
		s := d.must(d.req("GET", "/api/v1/reports/sla?"+period, body, nil), http.StatusOK)
		total, _ := s.JSON["total"].(map[string]any)
		if total["ran"].(float64) < 1 {
			t.Errorf("the registration started no clock: %s", s)
		}
		c := d.must(d.req("GET", "/api/v1/reports/sla/charts/days.svg?"+period+"&lang=kk", body, nil), http.StatusOK)
		if !strings.HasPrefix(c.Header.Get("Content-Type"), "image/svg+xml") || !bytes.HasPrefix(c.Raw, []byte("<svg")) {
			t.Errorf("chart: %s", c)
		}
		if r := d.req("GET", "/api/v1/reports/sla/charts/pie", body, nil); r.Status != http.StatusBadRequest || r.errField("chart") == "" {
			t.Errorf("chart pie: %s", r)
		}
	})
}
