package app_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// get fetches a public path (no token) and returns status and body.
func (d *desk) public(path string) (int, string) {
	d.t.Helper()
	resp, err := d.hc.Get(d.Base + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// eventually polls cond until it holds: the page re-reads its source's
// version at most once a second (or at once after an API change), so a
// Journal transition shows within about a second. Readiness, not timing.
func (d *desk) eventually(what string, cond func() bool) {
	d.t.Helper()
	for i := 0; !cond(); i++ {
		if i > 300 {
			d.t.Fatalf("never: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type feedItem struct {
	ID         string `json:"id"`
	Tenderdesk struct {
		Kind      string `json:"kind"`
		Number    string `json:"number"`
		Level     string `json:"level"`
		State     string `json:"state"`
		ActualFix string `json:"actual_fix"`
		Affected  []struct {
			Announcement string   `json:"announcement"`
			Lots         []string `json:"lots"`
		} `json:"affected"`
		MaintenanceID string `json:"maintenance_id"`
	} `json:"_tenderdesk"`
}

func (d *desk) feed() []feedItem {
	d.t.Helper()
	code, body := d.public("/status/feed.json")
	if code != http.StatusOK {
		d.t.Fatalf("feed.json: %d %s", code, body)
	}
	var f struct {
		Version string     `json:"version"`
		Items   []feedItem `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &f); err != nil || f.Version != "https://jsonfeed.org/version/1.1" {
		d.t.Fatalf("feed.json does not parse as JSON Feed 1.1: %v %s", err, body)
	}
	return f.Items
}

func (d *desk) feedItem(id string) *feedItem {
	for _, it := range d.feed() {
		if it.ID == id {
			return &it
		}
	}
	return nil
}

// Issue 5, public notice: a confirmed high failure is posted on /status
// with its level, planned fix and the announcement and lot numbers of its
// appeals (Q37.3), then its actual fix time (Q37.12); the operator's
// public text shows; maintenance announcements are refused with 422 naming
// Q41 when planned too late, accepted as unplanned only with the authorized
// body's agreement (Q18); the feeds parse.
func TestStatusPage(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		_, inc := d.register(d.Admin, map[string]any{"announcements": []string{"100200-1"}, "lots": []string{"1", "2"}})
		d.register(d.Admin, map[string]any{"incident_id": inc, "announcements": []string{"300400-2"}, "lots": []string{}})
		label := d.incidentNumber(inc)
		if code, page := d.public("/status"); code != http.StatusOK || strings.Contains(page, label) {
			t.Fatalf("an unconfirmed incident is on the page (%d)", code)
		}
		act := func(action string, body any) {
			t.Helper()
			if body == nil {
				body = map[string]any{}
			}
			d.must(d.req("POST", fmt.Sprintf("/api/v1/incidents/%d/%s", inc, action), d.Admin, body), http.StatusOK)
		}
		started := time.Now().Add(-30 * time.Minute).UTC().Truncate(time.Second)
		planned := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
		act("analyse", nil)
		act("confirm", map[string]any{"criticality": "high", "cause": "operator_staff_error", "modules": []string{"Тендеры"},
			"failure_started_at": started.Format(time.RFC3339), "planned_fix_at": planned.Format(time.RFC3339)})

		d.eventually("the confirmed failure is posted", func() bool { return d.feedItem("urn:tenderdesk:failure:"+label) != nil })
		it := d.feedItem("urn:tenderdesk:failure:" + label)
		if it.Tenderdesk.Level != "high" || it.Tenderdesk.State != "confirmed" || len(it.Tenderdesk.Affected) != 2 ||
			it.Tenderdesk.Affected[0].Announcement != "100200-1" || strings.Join(it.Tenderdesk.Affected[0].Lots, ",") != "1,2" ||
			it.Tenderdesk.Affected[1].Announcement != "300400-2" || len(it.Tenderdesk.Affected[1].Lots) != 0 {
			t.Fatalf("feed item: %+v", it.Tenderdesk)
		}
		_, page := d.public("/status?lang=ru")
		for _, want := range []string{label, "100200-1", "300400-2", "Тендеры"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}

		// The operator's words for the public.
		d.must(d.req("PUT", fmt.Sprintf("/api/v1/incidents/%d/public-notice", inc), d.Admin,
			map[string]any{"title": map[string]string{"ru": "Недоступна подача заявок", "en": "Bids cannot be submitted"}}), http.StatusOK)
		if _, page := d.public("/status?lang=en"); !strings.Contains(page, "Bids cannot be submitted") {
			t.Errorf("public text not shown at once after the API change")
		}

		// Fixed: the actual fix time is posted (Q37.12).
		act("start_fix", nil)
		act("fix", map[string]any{"decision": "Перезапущен сервис подписи"})
		d.eventually("the fix is posted", func() bool {
			it := d.feedItem("urn:tenderdesk:failure:" + label)
			return it != nil && it.Tenderdesk.State == "fixed" && it.Tenderdesk.ActualFix != ""
		})

		// Maintenance (Q41, Q18).
		soon := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
		r := d.must(d.req("POST", "/api/v1/maintenance", d.Admin, map[string]any{"title": map[string]string{"ru": "Обновление"}, "start": soon}),
			http.StatusUnprocessableEntity)
		if !strings.Contains(r.errField(""), "Q41") {
			t.Errorf("too-late planned works: %s", r)
		}
		r = d.must(d.req("POST", "/api/v1/maintenance", d.Admin, map[string]any{"title": map[string]string{"ru": "Авария"}, "start": soon,
			"unplanned": true}), http.StatusUnprocessableEntity)
		if !strings.Contains(r.errField(""), "Q18") {
			t.Errorf("unplanned without agreement: %s", r)
		}
		d.must(d.req("POST", "/api/v1/maintenance", d.Admin, map[string]any{"title": map[string]string{"ru": "Замена дисков"}, "start": soon,
			"unplanned": true, "agreement": "письмо УО № 12-3/456"}), http.StatusCreated)
		far := time.Now().Add(10 * 24 * time.Hour).UTC()
		m := d.must(d.req("POST", "/api/v1/maintenance", d.Admin, map[string]any{"title": map[string]string{"ru": "Плановое обновление"},
			"start": far.Format(time.RFC3339), "end": far.Add(4 * time.Hour).Format(time.RFC3339)}), http.StatusCreated)
		if m.JSON["notice_by"] == nil {
			t.Errorf("planned works without their Q41 deadline: %s", m)
		}
		mid := fmt.Sprintf("urn:tenderdesk:maintenance:m-%.0f", m.JSON["id"].(float64))
		if d.feedItem(mid) == nil {
			t.Fatalf("announced maintenance not in the feed at once")
		}
		d.must(d.req("DELETE", fmt.Sprintf("/api/v1/maintenance/%.0f?reason=перенесено", m.JSON["id"].(float64)), d.Admin, nil), http.StatusOK)
		if d.feedItem(mid) != nil {
			t.Errorf("withdrawn maintenance still in the feed")
		}
		applicant := d.user("alfa", "applicant", "123456789013", "ТОО «Альфа»")
		d.must(d.req("POST", "/api/v1/maintenance", applicant, map[string]any{"title": map[string]string{"ru": "x"}, "start": soon}), http.StatusForbidden)

		// The Atom feed parses.
		code, atom := d.public("/status/feed.atom")
		var af struct {
			XMLName xml.Name
			Entries []struct {
				ID string `xml:"id"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(atom), &af); err != nil || code != http.StatusOK || af.XMLName.Local != "feed" || len(af.Entries) < 2 {
			t.Fatalf("atom: %d %v %d entries", code, err, len(af.Entries))
		}
		d.verifyAudit()
	})
}
