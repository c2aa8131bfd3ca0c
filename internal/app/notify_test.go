package app_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/notify/notifytest"
)

// outboxTo delivers the desk's outbox to an SMTP sink, as the desk's worker
// does with --smtp-relay, driven by the test instead of by time.
func outboxTo(t *testing.T, d *desk, sink *notifytest.Sink) func() {
	t.Helper()
	s, err := mail.NewSender(mail.Config{RelayURL: sink.URL(), From: "Tenderdesk <support@tenderdesk.local>", Now: d.App.Now})
	if err != nil {
		t.Fatal(err)
	}
	w := &notify.Worker{DB: d.App.DB, Sender: s, Now: d.App.Now, StatusURL: d.App.Outbox.StatusURL, Open: d.App.Secrets.Open}
	return func() { t.Helper(); notifytest.Drain(t, w) }
}

// Registration through the real API: the reporter gets the Q30 mail with the
// number in the subject, the organization's users see it in their cabinet
// (E11) and mark it read; a relay's permanent 5xx shows as failed in the
// staff API and the metrics, and an operator's retry sends it.
func TestNotificationsEndToEnd(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := boot(t, dsn)
		sink := notifytest.Start(t)
		deliver := outboxTo(t, d, sink)
		alfa := d.user("alfa", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		beta := d.user("beta", auth.RoleApplicant, "990340005977", "ТОО «Бета»")

		number, _ := d.register(d.Admin, map[string]any{"contact_email": "reporter@example.kz"})
		// The desk runs without --smtp-relay: the notice waits, due in 1 working hour (Q30), and the desk is ready.
		r := d.must(d.req("GET", "/api/v1/notifications?status=pending&channel=email", d.Admin, nil), http.StatusOK)
		if p, _ := r.JSON["items"].([]any); len(p) != 1 || p[0].(map[string]any)["due_by"] == nil ||
			p[0].(map[string]any)["event"] != "appeal.registered:"+number {
			t.Fatalf("pending: %s", r)
		}
		d.must(d.req("GET", "/readyz", "", nil), http.StatusOK)
		deliver()
		msgs, copies := sink.Inbox("reporter@example.kz")
		if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "["+number+"]") || !strings.Contains(msgs[0].Text, number) {
			t.Fatalf("Q30 mail: %+v", msgs)
		}
		if copies[msgs[0].MessageID] != 1 {
			t.Fatalf("copies: %v", copies)
		}

		r = d.must(d.req("GET", "/api/v1/me/notifications?unread=1", alfa, nil), http.StatusOK)
		items, _ := r.JSON["items"].([]any)
		if len(items) != 1 || r.JSON["unread"] != float64(1) {
			t.Fatalf("cabinet: %s", r)
		}
		it := items[0].(map[string]any)
		if it["number"] != number || !strings.Contains(it["subject"].(string), number) {
			t.Fatalf("cabinet item: %v", it)
		}
		id := itoa(it["id"])
		d.must(d.req("GET", "/api/v1/me/notifications?unread=1", beta, nil), http.StatusOK)
		if r := d.req("POST", "/api/v1/me/notifications/"+id+"/read", beta, nil); r.Status != http.StatusNotFound {
			t.Fatalf("another organization read it: %s", r)
		}
		d.must(d.req("POST", "/api/v1/me/notifications/"+id+"/read", alfa, nil), http.StatusNoContent)
		if r := d.must(d.req("GET", "/api/v1/me/notifications/unread", alfa, nil), http.StatusOK); r.JSON["unread"] != float64(0) {
			t.Fatalf("unread after read: %s", r)
		}
		if r := d.must(d.req("GET", "/api/v1/me/notifications", alfa, nil), http.StatusOK); len(r.JSON["items"].([]any)) != 1 {
			t.Fatalf("read notifications stay listed: %s", r)
		}

		sink.Reject("gone@example.kz")
		d.register(d.Admin, map[string]any{"contact_email": "gone@example.kz"})
		deliver()
		r = d.must(d.req("GET", "/api/v1/notifications?status=failed", d.Admin, nil), http.StatusOK)
		failed, _ := r.JSON["items"].([]any)
		if len(failed) != 1 {
			t.Fatalf("failed list: %s", r)
		}
		f := failed[0].(map[string]any)
		if f["to"] != "gone@example.kz" || f["attempts"] != float64(1) || !strings.Contains(f["last_error"].(string), "550") {
			t.Fatalf("failed row: %v", f)
		}
		if r := d.req("GET", "/api/v1/notifications?status=failed", alfa, nil); r.Status != http.StatusForbidden {
			t.Fatalf("an applicant reads the outbox: %s", r)
		}
		if m := metrics(t, d); !strings.Contains(m, "tenderdesk_outbox_failed 1") || !strings.Contains(m, "tenderdesk_outbox_pending 0") {
			t.Fatalf("metrics:\n%s", grep(m, "tenderdesk_outbox"))
		}
		sink.Stop() // the address is fixed later; the relay is down meanwhile
		d.must(d.req("POST", "/api/v1/notifications/"+itoa(f["id"])+"/retry", d.Admin, nil), http.StatusNoContent)
		if r := d.req("POST", "/api/v1/notifications/"+itoa(f["id"])+"/retry", d.Admin, nil); r.Status != http.StatusConflict {
			t.Fatalf("retry of a pending row: %s", r)
		}
		if r := d.must(d.req("GET", "/api/v1/notifications?status=pending&channel=email", d.Admin, nil), http.StatusOK); len(r.JSON["items"].([]any)) != 1 {
			t.Fatalf("requeued row: %s", r)
		}
	})
}

func itoa(v any) string { f, _ := v.(float64); return strconv.FormatInt(int64(f), 10) }

func metrics(t *testing.T, d *desk) string {
	t.Helper()
	resp, err := d.hc.Get(d.Base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
