package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/notify/notifytest"
)

// convoDesk is a clockDesk with an SMTP listener, an operator with an
// email, and an applicant of BIN 123456789013 who reads Kazakh.
type convoDesk struct {
	*clockDesk
	smtp, admin, op, alfa, beta string
}

func newConvoDesk(t *testing.T, dsn string, now time.Time) *convoDesk {
	d := &convoDesk{clockDesk: newClockDesk(t, dsn, now)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.smtp = ln.Addr().String()
	ln.Close()
	d.opts = append(d.opts, func(c *config.Config) { c.SMTPListen = d.smtp })
	d.start()
	for i := 0; ; i++ { // the listener is a worker: wait until it answers
		c, err := net.Dial("tcp", d.smtp)
		if err == nil {
			c.Close()
			break
		}
		if i > 500 {
			t.Fatalf("SMTP listener: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx := context.Background()
	mk := func(login, role, bin, email, lang string) string {
		if _, err := d.a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Login: login, Password: "password-of-" + login, Role: role,
			BIN: bin, Organization: "ТОО " + login, Email: email, Language: lang}); err != nil {
			t.Fatal(err)
		}
		tok, err := d.a.Auth.CreateToken(ctx, audit.System, login, "t")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	d.op = mk("op", "operator", "", "op@tenderdesk.kz", "ru")
	d.alfa = mk("alfa", "applicant", "123456789013", "alfa@example.kz", "kk")
	d.beta = mk("beta", "applicant", "990340005977", "beta@example.kz", "en")
	tok, err := d.a.Auth.CreateToken(ctx, audit.System, "admin", "t")
	if err != nil {
		t.Fatal(err)
	}
	d.admin = tok
	return d
}

func (d *convoDesk) must(r apiReply, status int) apiReply {
	d.t.Helper()
	if r.status != status {
		d.t.Fatalf("want %d, got %d %s", status, r.status, r.raw)
	}
	return r
}

// outbox lists the rows of events starting with prefix: channel, address or
// user, language and data.
func (d *convoDesk) outbox(prefix string) []map[string]any {
	d.t.Helper()
	rows, err := d.a.DB.R.Query(`SELECT event, channel, to_address, COALESCE(user_id, 0), lang, data, message_id, in_reply_to FROM outbox WHERE event LIKE $1 || '%' ORDER BY id`, prefix)
	if err != nil {
		d.t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var ev, ch, to, lang, data, mid, irt string
		var uid int64
		if err := rows.Scan(&ev, &ch, &to, &uid, &lang, &data, &mid, &irt); err != nil {
			d.t.Fatal(err)
		}
		var dm map[string]any
		_ = json.Unmarshal([]byte(data), &dm)
		out = append(out, map[string]any{"event": ev, "channel": ch, "to": to, "user": uid, "lang": lang, "data": dm, "message_id": mid, "in_reply_to": irt})
	}
	return out
}

// relay is an SMTP sink and a function delivering the outbox to it, as
// the worker does, driven by the test at the desk's clock.
func (d *convoDesk) relay() (*notifytest.Sink, func()) {
	d.t.Helper()
	sink := notifytest.Start(d.t)
	s, err := mail.NewSender(mail.Config{RelayURL: sink.URL(), From: "desk@tenderdesk.kz", Now: d.now.Now})
	if err != nil {
		d.t.Fatal(err)
	}
	return sink, func() {
		notifytest.Drain(d.t, &notify.Worker{DB: d.a.DB, Sender: s, Now: d.now.Now, Open: d.a.Secrets.Open})
	}
}

func find(rows []map[string]any, key string, val any) map[string]any {
	for _, r := range rows {
		if r[key] == val {
			return r
		}
	}
	return nil
}

// Q38 end to end: staff request information; every reporter is told in
// their language with the question (email and cabinet); the clocks pause;
// the reporter's answer in the cabinet is added to the thread, resumes the
// clocks with the deadline moved by exactly the paused time, returns the
// incident to the state it was in and tells who asked. Then a second
// request answered by an email reply does the same.
func TestInfoRequestQ38PausesUntilTheReporterAnswers(t *testing.T) {
	clockBackends(t, func(t *testing.T, dsn string) {
		d := newConvoDesk(t, dsn, astana("2026-11-19 10:00"))
		reg := d.must(d.call("POST", "/api/v1/appeals", d.alfa, map[string]any{"channel": "cabinet", "received_at": "2026-11-19T10:00:00+05:00",
			"organization": "ТОО alfa", "bin": "123456789013", "contact_email": "alfa@example.kz", "description": "не подписывается заявка"}), 201)
		number, inc := reg.body["number"].(string), int64(reg.body["incident_id"].(float64))
		// a second reporter of the same failure, by phone, with another address
		d.must(d.call("POST", "/api/v1/appeals", d.op, map[string]any{"channel": "phone", "received_at": "2026-11-19T10:01:00+05:00",
			"organization": "ТОО Бета", "bin": "990340005977", "contact_email": "second@example.kz", "contact_phone": "+7 701 000 0000",
			"description": "то же самое", "incident_id": inc}), 201)
		ipath := "/api/v1/incidents/" + itoa(inc)
		d.now.Set(astana("2026-11-19 10:05"))
		d.must(d.call("POST", ipath+"/analyse", d.op, nil), 200)
		before := d.must(d.call("GET", ipath+"/clocks", d.op, nil), 200).clock("analysis")
		if before["state"] != "running" {
			t.Fatalf("analysis clock %v", before)
		}

		d.now.Set(astana("2026-11-19 10:30"))
		question := "Пришлите снимок экрана с текстом ошибки"
		d.must(d.call("POST", ipath+"/request_info", d.op, map[string]any{"note": question}), 200)
		asks := d.outbox("appeal.info_request:")
		alfaMail := find(asks, "to", "alfa@example.kz")
		if alfaMail == nil || alfaMail["lang"] != "kk" || alfaMail["data"].(map[string]any)["Message"] != question {
			t.Fatalf("Q38: the reporter's email in Kazakh with the question: %v", asks)
		}
		if find(asks, "to", "second@example.kz") == nil {
			t.Fatalf("Q38: every reporter of the incident is told: %v", asks)
		}
		var cab map[string]any
		for _, r := range asks {
			if r["channel"] == "cabinet" && r["user"] != int64(0) && r["lang"] == "kk" {
				cab = r
			}
		}
		if cab == nil {
			t.Fatalf("Q38: alfa's cabinet: %v", asks)
		}
		if c := d.must(d.call("GET", ipath+"/clocks", d.op, nil), 200).clock("analysis"); c["state"] != "paused" {
			t.Fatalf("Q38: the analysis clock pauses: %v", c)
		}
		conv := d.must(d.call("GET", "/api/v1/appeals/"+number+"/conversation", d.alfa, nil), 200)
		if ms := conv.body["messages"].([]any); len(ms) != 1 || ms[0].(map[string]any)["kind"] != "info_request" || ms[0].(map[string]any)["text"] != question {
			t.Fatalf("the request is in the thread: %s", conv.raw)
		}
		// another organization cannot answer it
		d.must(d.call("POST", "/api/v1/appeals/"+number+"/messages", d.beta, map[string]any{"text": "не моё"}), 404)

		d.now.Set(astana("2026-11-19 11:30")) // the reporter took one working hour
		ans := d.must(d.call("POST", "/api/v1/appeals/"+number+"/messages", d.alfa, map[string]any{"text": "Ошибка: «Сертификат отозван»"}), 201)
		if ans.body["resumed"] != true || ans.body["state"] != "analysing" {
			t.Fatalf("Q38: the answer resumes the incident to the state it was in: %s", ans.raw)
		}
		after := d.must(d.call("GET", ipath+"/clocks", d.op, nil), 200).clock("analysis")
		bd, _ := time.Parse(time.RFC3339, before["deadline"].(string))
		ad, _ := time.Parse(time.RFC3339, after["deadline"].(string))
		if after["state"] != "running" || ad.Sub(bd) != time.Hour || after["deadline"] != "2026-11-19T13:00:00+05:00" {
			t.Fatalf("Q38: the term is extended by exactly the paused hour: before %v, after %v (%v)", before["deadline"], after["deadline"], after)
		}
		told := d.outbox("appeal.info_answered:" + number)
		if find(told, "to", "op@tenderdesk.kz") == nil || len(told) != 2 {
			t.Fatalf("Q38: the operator who asked is told (cabinet and email): %v", told)
		}
		conv = d.must(d.call("GET", "/api/v1/appeals/"+number+"/conversation", d.alfa, nil), 200)
		if ms := conv.body["messages"].([]any); len(ms) != 2 || ms[1].(map[string]any)["kind"] != "reply" || ms[1].(map[string]any)["author"] != "alfa" {
			t.Fatalf("the answer is in the thread: %s", conv.raw)
		}

		// a second request, answered by replying to the desk's email (threaded by Message-ID)
		d.now.Set(astana("2026-11-19 12:00"))
		d.must(d.call("POST", ipath+"/request_info", d.op, map[string]any{"note": "Укажите номер объявления"}), 200)
		var mid string
		for _, r := range d.outbox("appeal.info_request:" + number + ":") {
			if r["to"] == "alfa@example.kz" && strings.Contains(r["event"].(string), ":v") && r["data"].(map[string]any)["Message"] == "Укажите номер объявления" {
				mid = r["message_id"].(string)
			}
		}
		if mid == "" {
			t.Fatal("no email of the second request")
		}
		d.now.Set(astana("2026-11-19 12:20"))
		msg := fmt.Sprintf("From: alfa@example.kz\r\nTo: desk@tenderdesk.kz\r\nSubject: Re: request\r\nMessage-ID: <answer-2@example.kz>\r\n"+
			"In-Reply-To: %s\r\nReferences: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nОбъявление 100200-1\r\n", mid, mid)
		if err := smtp.SendMail(d.smtp, nil, "alfa@example.kz", []string{"desk@tenderdesk.kz"}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		v := d.must(d.call("GET", ipath, d.op, nil), 200)
		if v.body["state"] != "analysing" {
			t.Fatalf("Q38: the email reply resumes the incident: %s", v.raw)
		}
		// 20 working minutes more: 13:00 + 20 min runs into the 13:00–14:30 lunch break, so 14:50
		if again := d.must(d.call("GET", ipath+"/clocks", d.op, nil), 200).clock("analysis"); again["deadline"] != "2026-11-19T14:50:00+05:00" ||
			again["state"] != "running" || len(again["pauses"].([]any)) != 2 {
			t.Fatalf("Q38: both pauses extend the term (12:00 → 13:00 → 14:50): %v", again)
		}
		conv = d.must(d.call("GET", "/api/v1/appeals/"+number+"/conversation", d.op, nil), 200)
		ms := conv.body["messages"].([]any)
		if last := ms[len(ms)-1].(map[string]any); last["via"] != "email" || !strings.Contains(last["text"].(string), "100200-1") {
			t.Fatalf("the email answer is in the thread: %s", conv.raw)
		}
	})
}

// Staff replies reach the reporter by email, threaded under their own
// message (In-Reply-To/References) with the number in the subject, and in
// the cabinet; internal notes reach nobody and are hidden from portal
// users; only staff write notes, and read-only roles do not write.
func TestStaffRepliesAndInternalNotes(t *testing.T) {
	clockBackends(t, func(t *testing.T, dsn string) {
		d := newConvoDesk(t, dsn, astana("2026-11-19 10:00"))
		sink, deliver := d.relay()

		// an email appeal: the reply threads under the reporter's message
		raw := "From: mailer@example.kz\r\nTo: desk@tenderdesk.kz\r\nSubject: Portal down\r\nMessage-ID: <orig-1@example.kz>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nНе открывается портал\r\n"
		if err := smtp.SendMail(d.smtp, nil, "mailer@example.kz", []string{"desk@tenderdesk.kz"}, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		var number string
		if err := d.a.DB.R.QueryRow(`SELECT number FROM appeals WHERE contact_email = 'mailer@example.kz'`).Scan(&number); err != nil {
			t.Fatal(err)
		}
		d.must(d.call("POST", "/api/v1/appeals/"+number+"/messages", d.op, map[string]any{"text": "Проверьте, пожалуйста, ещё раз"}), 201)
		deliver()
		msgs, _ := sink.Inbox("mailer@example.kz")
		var reply *notifytest.Message
		for i := range msgs {
			if strings.Contains(msgs[i].Text, "Проверьте, пожалуйста") {
				reply = &msgs[i]
			}
		}
		if reply == nil || !strings.Contains(reply.Subject, "["+number+"]") || reply.Header["In-Reply-To"] != "<orig-1@example.kz>" ||
			!strings.Contains(reply.Header["References"], "orig-1@example.kz") {
			t.Fatalf("the staff reply threads under the reporter's message with the number in the subject: %+v", reply)
		}

		// a cabinet appeal: email under the registration notice, and the cabinet
		reg := d.must(d.call("POST", "/api/v1/appeals", d.alfa, map[string]any{"channel": "cabinet", "received_at": "2026-11-19T10:00:00+05:00",
			"organization": "ТОО alfa", "bin": "123456789013", "contact_email": "alfa@example.kz", "description": "ошибка подписи"}), 201)
		n2 := reg.body["number"].(string)
		d.must(d.call("POST", "/api/v1/appeals/"+n2+"/messages", d.op, map[string]any{"text": "Обновите NCALayer"}), 201)
		rows := d.outbox("appeal.reply:" + n2)
		regMail := find(d.outbox("appeal.registered:"+n2), "channel", "email")
		em := find(rows, "channel", "email")
		if em == nil || regMail == nil || "<"+em["in_reply_to"].(string)+">" != regMail["message_id"] || find(rows, "channel", "cabinet") == nil {
			t.Fatalf("the reply goes by email under the registration notice and to the cabinet: %v / %v", rows, regMail)
		}
		before := len(d.outbox(""))
		note := d.must(d.call("POST", "/api/v1/appeals/"+n2+"/messages", d.op, map[string]any{"text": "Похоже на отзыв сертификата НУЦ", "internal": true}), 201)
		if note.body["message"].(map[string]any)["kind"] != "note" || len(d.outbox("")) != before {
			t.Fatalf("an internal note is sent to nobody: %s", note.raw)
		}
		for _, who := range []struct {
			tok  string
			want int
		}{{d.alfa, 1}, {d.op, 2}} {
			c := d.must(d.call("GET", "/api/v1/appeals/"+n2+"/conversation", who.tok, nil), 200)
			if ms := c.body["messages"].([]any); len(ms) != who.want {
				t.Errorf("conversation seen by %s: %d messages, want %d: %s", who.tok[:4], len(ms), who.want, c.raw)
			}
		}
		if r := d.call("POST", "/api/v1/appeals/"+n2+"/messages", d.alfa, map[string]any{"text": "x", "internal": true}); r.status != 400 ||
			!strings.Contains(r.raw, "internal") {
			t.Errorf("a portal user's internal note: %d %s", r.status, r.raw)
		}
		auditor := d.user("aud", auth.RoleAuditor, "")
		if r := d.call("POST", "/api/v1/appeals/"+n2+"/messages", auditor, map[string]any{"text": "x"}); r.status != 403 {
			t.Errorf("an auditor wrote: %d %s", r.status, r.raw)
		}
		if r := d.call("POST", "/api/v1/appeals/"+n2+"/messages", d.op, map[string]any{"text": "  "}); r.status != 400 || !strings.Contains(r.raw, `"text"`) {
			t.Errorf("an empty message: %d %s", r.status, r.raw)
		}
	})
}

// Bounces: a notice the relay accepted and the recipient's server returned
// (RFC 3464) is matched by its Message-ID, marked bounced with the reason
// (GET /api/v1/notifications?status=bounced, the metrics), and the notice
// clock it had met is flagged: Q36.2's notice must be given another way.
func TestBouncedNoticeFlagsItsClock(t *testing.T) {
	clockBackends(t, func(t *testing.T, dsn string) {
		d := newConvoDesk(t, dsn, astana("2026-11-19 10:00"))
		_, deliver := d.relay()
		reg := d.must(d.call("POST", "/api/v1/appeals", d.op, map[string]any{"channel": "phone", "received_at": "2026-11-19T10:00:00+05:00",
			"organization": "ТОО Бидер", "bin": "990340005977", "contact_email": "bidder@example.kz", "contact_phone": "+7 701 000 0000",
			"description": "не подаётся ценовое предложение"}), 201)
		number, inc := reg.body["number"].(string), int64(reg.body["incident_id"].(float64))
		ipath := "/api/v1/incidents/" + itoa(inc)
		d.must(d.call("POST", ipath+"/analyse", d.op, nil), 200)
		d.must(d.call("POST", ipath+"/confirm", d.op, map[string]any{"criticality": "medium", "operator_dependent": true}), 200)
		deliver()
		d.now.Set(astana("2026-11-19 10:50")) // the scheduler looks at its warning time and finds the notice sent
		d.scan()
		if c := d.must(d.call("GET", ipath+"/clocks", d.op, nil), 200).clock("medium_supplier_notice"); c["state"] != "met" || c["flag"] != nil {
			t.Fatalf("Q36.2 notice clock before the bounce: %v", c)
		}
		level := find(d.outbox("appeal.level:"+number), "to", "bidder@example.kz")
		report := "From: MAILER-DAEMON@mx.example.kz\r\nTo: desk@tenderdesk.kz\r\nSubject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n" +
			"Message-ID: <bounce-1@mx.example.kz>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
			"--B\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver.\r\n" +
			"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.kz\r\n\r\n" +
			"Final-Recipient: rfc822; bidder@example.kz\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 mailbox unavailable\r\n" +
			"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: " + level["message_id"].(string) + "\r\nSubject: x\r\n--B--\r\n"
		if err := smtp.SendMail(d.smtp, nil, "", []string{"desk@tenderdesk.kz"}, []byte(report)); err != nil {
			t.Fatal(err)
		}
		r := d.must(d.call("GET", "/api/v1/notifications?status=bounced", d.op, nil), 200)
		items := r.body["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["to"] != "bidder@example.kz" || !strings.Contains(items[0].(map[string]any)["bounce_reason"].(string), "5.1.1") {
			t.Fatalf("the bounced notice is listed with its reason: %s", r.raw)
		}
		c := d.must(d.call("GET", ipath+"/clocks", d.op, nil), 200).clock("medium_supplier_notice")
		if f, _ := c["flag"].(string); !strings.Contains(f, "notice bounced, tell another way") {
			t.Fatalf("Q36.2: the clock shows the bounce: %v", c)
		}
		if m := d.call("GET", "/metrics", "", nil); !strings.Contains(m.raw, "tenderdesk_outbox_bounced 1") {
			t.Errorf("metrics lack the bounce")
		}
	})
}
