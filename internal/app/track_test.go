package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tenderdesk/internal/auth"
)

// accessCode reads the code printed in the registration notice of number:
// the outbox keeps it sealed (never readable), the desk's key opens it as
// the worker does when it renders the mail.
func (d *desk) accessCode(number string) string {
	d.t.Helper()
	var data string
	if err := d.App.DB.R.QueryRow(`SELECT data FROM outbox WHERE event = $1 AND channel = 'email'`, "appeal.registered:"+number).Scan(&data); err != nil {
		d.t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(data), &m)
	sealed, _ := m["AccessCode"].(string)
	if !strings.HasPrefix(sealed, "sealed:v1:") {
		d.t.Fatalf("R7: the outbox holds the access code readable: %q", sealed)
	}
	code, err := d.App.Secrets.Open(sealed)
	if err != nil {
		d.t.Fatal(err)
	}
	return code
}

// R7: tracking by number. The acknowledgement carries an access code (the
// desk keeps only its hash); number + code give the state, the failure's
// number and level, planned and actual fix and nothing else; a wrong code
// gets exactly the answer of an unknown number; attempts are rate-limited.
func TestTrackByNumberR7(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		alfa := d.user("alfa", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		number, inc := d.register(alfa, map[string]any{"contact_email": "alfa@example.kz"})
		code := d.accessCode(number)
		if len(code) != 10 {
			t.Fatalf("R7: the acknowledgement carries the access code: %q", code)
		}
		var hash string
		if err := d.App.DB.R.QueryRow(`SELECT code_hash FROM appeal_access`).Scan(&hash); err != nil || strings.Contains(hash, code) || len(hash) != 64 {
			t.Fatalf("the code is stored hashed: %q %v", hash, err)
		}
		id := strconv.FormatInt(inc, 10)
		d.must(d.req("POST", "/api/v1/incidents/"+id+"/analyse", d.Admin, nil), http.StatusOK)
		d.must(d.req("POST", "/api/v1/incidents/"+id+"/confirm", d.Admin, map[string]any{"criticality": "medium", "operator_dependent": true,
			"planned_fix_at": "2026-11-21T18:00:00+05:00"}), http.StatusOK)

		track := func(n, c string) reply {
			return d.req("GET", "/api/v1/track?number="+url.QueryEscape(n)+"&code="+url.QueryEscape(c), "", nil)
		}
		r := d.must(track(number, strings.ToLower(code)), http.StatusOK) // typed in lower case: still the code
		want := map[string]bool{"number": true, "state": true, "failure_number": true, "level": true, "planned_fix_at": true}
		for k := range r.JSON {
			if !want[k] {
				t.Errorf("R7: tracking shows %q (only state, failure number and level, planned and actual fix)", k)
			}
		}
		if r.JSON["state"] != "confirmed" || r.JSON["level"] != "medium" || !strings.HasPrefix(r.JSON["failure_number"].(string), "TF-") || r.JSON["planned_fix_at"] == nil {
			t.Fatalf("R7: %s", r)
		}
		wrong, unknown := track(number, "AAAAAAAAAA"), track("2026-999999", code)
		if wrong.Status != http.StatusNotFound || string(wrong.Raw) != string(unknown.Raw) {
			t.Fatalf("a wrong code answers like an unknown number: %s / %s", wrong, unknown)
		}
		if r := track("", ""); r.Status != http.StatusBadRequest || r.errField("number") == "" || r.errField("code") == "" {
			t.Fatalf("missing fields: %s", r)
		}
		// the public page /track (the console's) shows the same, and the same not-found
		page := d.req("GET", "/track?lang=kk&number="+number+"&code="+code, "", nil)
		if page.Status != http.StatusOK || !strings.Contains(string(page.Raw), "расталды") || !strings.Contains(string(page.Raw), r.JSON["failure_number"].(string)) ||
			strings.Contains(string(page.Raw), "Не удаётся") || page.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("/track: %d %s", page.Status, page.Raw)
		}
		if page := d.req("GET", "/track?number="+number+"&code=AAAAAAAAAA", "", nil); page.Status != http.StatusNotFound ||
			!strings.Contains(string(page.Raw), "не найдено") {
			t.Fatalf("/track with a wrong code: %d %s", page.Status, page.Raw)
		}
		limited := false
		for range 12 {
			if r := track(number, "BBBBBBBBBB"); r.Status == http.StatusTooManyRequests {
				limited = r.Header.Get("Retry-After") != ""
				break
			}
		}
		if !limited {
			t.Fatal("R7: guessing codes is rate-limited per address")
		}
	})
}
