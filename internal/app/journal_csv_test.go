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

// Issue 13: GET /api/v1/journal asked with Accept: text/csv answers the
// Journal extract as CSV — the very bytes of the report's CSV
// (/api/v1/reports/journal?format=csv: UTF-8 with a byte-order mark, the
// annex's columns) — streamed as an attachment; other Accept values keep
// the JSON listing; an Accept taking neither is a 406 naming the header;
// a listing-only parameter with CSV is a 400 naming it; a portal user's
// CSV is their organization's only, as their listing is. Q44.
func TestJournalCSVByAccept(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		op := d.user("op", auth.RoleOperator, "", "")
		body := d.user("ministry", auth.RoleAuthority, "", "")
		alfa := d.user("alfa", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		mine, _ := d.register(op, map[string]any{"organization": "ТОО «Әділ Құрылыс»", "bin": "990340005977"})
		theirs, _ := d.register(op, map[string]any{"organization": "ТОО «Альфа»", "bin": "123456789013"})
		today := time.Now().In(d.App.Cfg.Zone).Format("2006-01-02")
		period := "from=" + today + "&to=" + today

		r := d.must(d.req("GET", "/api/v1/journal?"+period, op, nil, "Accept", "text/html;q=0.9, text/csv"), http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Fatalf("Accept: text/csv answered %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "journal_"+today+"_"+today+".csv") {
			t.Errorf("Content-Disposition %q", cd)
		}
		if v := r.Header.Values("Vary"); !strings.Contains(strings.Join(v, ","), "Accept") {
			t.Errorf("Vary %q: the answer depends on Accept", v)
		}
		if !bytes.HasPrefix(r.Raw, []byte("\uFEFF")) {
			t.Fatalf("no byte-order mark: %q", r.Raw[:min(12, len(r.Raw))])
		}
		recs, err := csv.NewReader(bytes.NewReader(r.Raw[3:])).ReadAll()
		if err != nil || len(recs) != 3 || recs[0][0] != "№ п/п" || recs[1][0] != mine || recs[1][1] != "ТОО «Әділ Құрылыс»" || recs[2][0] != theirs {
			t.Fatalf("CSV %q %v", recs, err)
		}
		rep := d.must(d.req("GET", "/api/v1/reports/journal?format=csv&"+period, body, nil), http.StatusOK)
		if !bytes.Equal(r.Raw, rep.Raw) {
			t.Errorf("the journal's CSV differs from the report's:\n%s\n%s", r.Raw, rep.Raw)
		}
		kk := d.must(d.req("GET", "/api/v1/journal?lang=kk&"+period, op, nil, "Accept", "text/csv"), http.StatusOK)
		if !strings.Contains(string(kk.Raw), "Өтініш берген ұйымның атауы") {
			t.Errorf("lang=kk: %s", kk.Raw)
		}
		head := d.must(d.req("HEAD", "/api/v1/journal?"+period, op, nil, "Accept", "text/csv"), http.StatusOK)
		if !strings.HasPrefix(head.Header.Get("Content-Type"), "text/csv") || len(head.Raw) != 0 {
			t.Errorf("HEAD: %s %q", head.Header.Get("Content-Type"), head.Raw)
		}

		for _, accept := range []string{"", "application/json", "*/*", "text/csv;q=0.5, application/json", "application/*"} {
			j := d.must(d.req("GET", "/api/v1/journal", op, nil, "Accept", accept), http.StatusOK)
			if !strings.HasPrefix(j.Header.Get("Content-Type"), "application/json") || j.JSON["rows"] == nil {
				t.Errorf("Accept %q: %s %s", accept, j.Header.Get("Content-Type"), j.Raw)
			}
		}
		for _, accept := range []string{"text/html", "application/pdf", "text/csv;q=0, application/json;q=0"} {
			n := d.req("GET", "/api/v1/journal", op, nil, "Accept", accept)
			if n.Status != http.StatusNotAcceptable || n.errField("Accept") == "" || n.JSON["error"].(map[string]any)["code"] != "not_acceptable" {
				t.Errorf("Accept %q: %s, want a 406 naming Accept", accept, n)
			}
		}
		for q, field := range map[string]string{"state=closed": "state", "limit=10": "limit", "q=портал": "q",
			"from=2026-03-02T10:00:00Z": "from", "lang=de": "lang", "bin=12ab": "bin"} {
			if n := d.req("GET", "/api/v1/journal?"+q, op, nil, "Accept", "text/csv"); n.Status != http.StatusBadRequest || n.errField(field) == "" {
				t.Errorf("CSV with %s: %s, want a 400 naming %s", q, n, field)
			}
		}

		own := d.must(d.req("GET", "/api/v1/journal?"+period, alfa, nil, "Accept", "text/csv"), http.StatusOK)
		recs, err = csv.NewReader(bytes.NewReader(own.Raw[3:])).ReadAll()
		if err != nil || len(recs) != 2 || recs[1][0] != theirs {
			t.Errorf("a portal user's CSV holds other organizations' appeals: %q %v", recs, err)
		}
		if n := d.req("GET", "/api/v1/journal?bin=990340005977&"+period, alfa, nil, "Accept", "text/csv"); n.Status != http.StatusForbidden {
			t.Errorf("a portal user asked for another BIN: %s", n)
		}
	})
}
