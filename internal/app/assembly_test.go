package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/notify/notifytest"
)

// Issue 8, defect 3: an appeal naming a family whose last version has ended
// (kz-goszakup@2022 until 2024-12-31, no successor in the catalogue) is
// registered on that version and flagged; the administrator is told in
// /readyz. It was a 400 before.
func TestAppealOnLapsedProfileRegisteredAndFlagged(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		op := d.user("op", auth.RoleOperator, "", "")
		r := d.must(d.req("POST", "/api/v1/appeals", op, appeal(map[string]any{"profile": "kz-goszakup", "channel": "phone"})), http.StatusCreated)
		got := d.must(d.req("GET", "/api/v1/appeals/"+r.str("number"), op, nil), http.StatusOK)
		a, _ := got.JSON["appeal"].(map[string]any)
		if a["profile"] != "kz-goszakup@2022" || a["profile_lapsed"] != true {
			t.Errorf("appeal on a lapsed family: %s", got)
		}
		fresh := d.must(d.req("POST", "/api/v1/appeals", op, appeal(map[string]any{"profile": "kz-quasi", "channel": "phone"})), http.StatusCreated)
		if g := d.must(d.req("GET", "/api/v1/appeals/"+fresh.str("number"), op, nil), http.StatusOK); g.JSON["appeal"].(map[string]any)["profile_lapsed"] != nil {
			t.Errorf("appeal on a version in force flagged: %s", g)
		}
		ready := d.must(d.req("GET", "/readyz", "", nil), http.StatusOK)
		ws, _ := ready.JSON["warnings"].([]any)
		found := false
		for _, w := range ws {
			found = found || strings.Contains(w.(string), "kz-goszakup@2022 ended 2024-12-31")
		}
		if !found {
			t.Errorf("/readyz does not warn of kz-goszakup: %s", ready)
		}
		// an unknown family is still bad input, naming the field
		bad := d.must(d.req("POST", "/api/v1/appeals", op, appeal(map[string]any{"profile": "kz-nowhere", "channel": "phone"})), http.StatusBadRequest)
		if bad.errField("profile") == "" {
			t.Errorf("unknown profile: %s", bad)
		}
	})
}

// Issue 8, defect 9: a wrong method on a known path is 405 with Allow; an
// empty path segment is a 404 in the error envelope, not a 307.
func TestMethodNotAllowedAndEmptySegments(t *testing.T) {
	d := boot(t, t.TempDir()+"/data")
	n, _ := d.register(d.Admin, map[string]any{"channel": "phone", "received_at": time.Now().Add(-time.Minute).Format(time.RFC3339)})
	for _, c := range []struct{ method, path, allow string }{
		{"DELETE", "/api/v1/appeals/" + n, "GET, HEAD"},
		{"PUT", "/api/v1/appeals", "POST"},
		{"GET", "/api/v1/appeals/" + n + "/merge", "POST"},
		{"POST", "/api/v1/journal", "GET, HEAD"},
	} {
		r := d.req(c.method, c.path, d.Admin, nil)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != c.allow || r.JSON["error"] == nil {
			t.Errorf("%s %s: %s (Allow %q), want 405 with Allow %q", c.method, c.path, r, r.Header.Get("Allow"), c.allow)
		}
	}
	for _, p := range []string{"/api/v1/appeals//merge", "/api/v1//journal", "/api/v1/./journal"} {
		r := d.req("GET", p, d.Admin, nil)
		if r.Status != http.StatusNotFound || r.JSON["error"] == nil {
			t.Errorf("GET %s: %s, want 404 in the envelope", p, r)
		}
	}
	if r := d.req("GET", "/api/v1/nothing-here", d.Admin, nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown path: %s", r)
	}
}

// Issue 8, defect 11: with --public-url the feeds and the emails link to
// the desk absolutely; without it the feeds stay relative.
func TestPublicURLMakesLinksAbsolute(t *testing.T) {
	d := boot(t, t.TempDir()+"/data", func(c *config.Config) {
		u, _ := url.Parse("https://support.portal.kz")
		c.PublicURL = u
	})
	sink := notifytest.Start(t)
	deliver := outboxTo(t, d, sink)
	d.register(d.Admin, map[string]any{"contact_email": "reporter@example.kz"})
	deliver()
	msgs, _ := sink.Inbox("reporter@example.kz")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "https://support.portal.kz/status") {
		t.Fatalf("registration mail does not link the public page: %+v", msgs)
	}
	for _, feed := range []string{"/status/feed.atom", "/status/feed.json"} {
		r := d.req("GET", feed, "", nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Raw), "https://support.portal.kz/status") {
			t.Errorf("%s: %d %.300s", feed, r.Status, r.Raw)
		}
	}
	plain := boot(t, t.TempDir()+"/data")
	if r := plain.req("GET", "/status/feed.atom", "", nil); strings.Contains(string(r.Raw), "https://") {
		t.Errorf("feed without --public-url names an absolute origin: %.300s", r.Raw)
	}
}

// Issue 8, defect 3: profile dates are data. An administrator records that
// kz-goszakup@2022 stays in force until further notice (audited): appeals
// naming the family are then no longer flagged and /readyz stops warning;
// recorded dates that overlap another version are refused.
func TestProfilePeriodRecordedByAdministrator(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		op := d.user("op", auth.RoleOperator, "", "")
		d.must(d.req("PUT", "/api/v1/profiles/kz-goszakup@2022/period", op, map[string]any{"from": "2022-01-07", "basis": "x"}), http.StatusForbidden)
		bad := d.must(d.req("PUT", "/api/v1/profiles/kz-goszakup@2022/period", d.Admin, map[string]any{"from": "7.1.2022", "basis": "x"}), http.StatusBadRequest)
		if bad.errField("from") == "" {
			t.Errorf("bad date: %s", bad)
		}
		if r := d.req("PUT", "/api/v1/profiles/kz-goszakup@2022/period", d.Admin, map[string]any{"from": "2022-01-07"}); r.errField("basis") == "" {
			t.Errorf("no basis: %s", r)
		}
		d.must(d.req("PUT", "/api/v1/profiles/kz-goszakup@2022/period", d.Admin, map[string]any{"from": "2021-01-01", "basis": "x"}), http.StatusConflict)
		d.must(d.req("PUT", "/api/v1/profiles/kz-nowhere@1/period", d.Admin, map[string]any{"from": "2021-01-01", "basis": "x"}), http.StatusNotFound)

		v := d.must(d.req("PUT", "/api/v1/profiles/kz-goszakup@2022/period", d.Admin,
			map[string]any{"from": "2022-01-07", "until": "", "basis": "письмо уполномоченного органа № 1 от 01.12.2026"}), http.StatusOK)
		if v.JSON["until"] != nil || v.JSON["in_force"] != true || v.JSON["lapsed"] != false {
			t.Fatalf("recorded period: %s", v)
		}
		r := d.must(d.req("POST", "/api/v1/appeals", op, appeal(map[string]any{"profile": "kz-goszakup", "channel": "phone"})), http.StatusCreated)
		got := d.must(d.req("GET", "/api/v1/appeals/"+r.str("number"), op, nil), http.StatusOK)
		if a := got.JSON["appeal"].(map[string]any); a["profile"] != "kz-goszakup@2022" || a["profile_lapsed"] != nil {
			t.Errorf("appeal after the record: %s", got)
		}
		if ready := d.must(d.req("GET", "/readyz", "", nil), http.StatusOK); strings.Contains(string(ready.Raw), "kz-goszakup@2022 ended") {
			t.Errorf("/readyz still warns: %s", ready)
		}
		list := d.must(d.req("GET", "/api/v1/profiles", op, nil), http.StatusOK)
		if !strings.Contains(string(list.Raw), `"basis":"письмо уполномоченного органа № 1 от 01.12.2026"`) {
			t.Errorf("versions: %s", list)
		}
		audits := d.must(d.req("GET", "/api/v1/audit?object_type=profile&object_id=kz-goszakup@2022", d.Admin, nil), http.StatusOK)
		if !strings.Contains(string(audits.Raw), "profile.period") {
			t.Errorf("no audit record: %s", audits)
		}
		d.verifyAudit()
	})
}
