package app_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/config"
	"tenderdesk/internal/files/clamdtest"
)

// bootMail serves the desk with its SMTP listener on a free local port and
// returns the desk and the listener's address.
func bootMail(t *testing.T, dsn string) (*desk, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	clamd := os.Getenv(clamdtest.Env) // attachments are scanned (Q26); without a clamd, scanning is off
	if clamd == "" {
		clamd = "off"
	}
	d := boot(t, dsn, func(c *config.Config) {
		c.SMTPListen = addr
		c.MailFrom = "support@portal.kz"
		c.MailProfile = "zakaz@ugra.example=ru-khmao-goszakaz"
		c.Clamd, c.FilesDir = clamd, t.TempDir()
	})
	// The listener is a worker started beside the HTTP server: wait until
	// it answers (readiness, not a timing assertion).
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i > 500 {
			t.Fatalf("SMTP listener on %s never came up: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return d, addr
}

// eml builds a message; extra are header lines.
func eml(from, to, msgID, subject, body string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?%s?=\r\nDate: Mon, 02 Feb 2026 10:00:00 +0500\r\nMIME-Version: 1.0\r\n",
		from, to, base64.StdEncoding.EncodeToString([]byte(subject)))
	if msgID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", msgID)
	}
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n")
	return b.String()
}

func sendMail(addr, from, to, msg string) error {
	return smtp.SendMail(addr, nil, from, []string{to}, []byte(msg))
}

// journalRow finds the email-channel appeal whose description contains
// token; nil when there is none.
func (d *desk) emailAppeals(token string) []map[string]any {
	d.t.Helper()
	r := d.must(d.req("GET", "/api/v1/journal?channel=email&limit=500", d.Admin, nil), http.StatusOK)
	var out []map[string]any
	for _, row := range r.JSON["rows"].([]any) {
		m := row.(map[string]any)
		if strings.Contains(m["description"].(string), token) {
			out = append(out, m)
		}
	}
	return out
}

func (d *desk) thread(number string) []any {
	d.t.Helper()
	r := d.must(d.req("GET", "/api/v1/appeals/"+number+"/messages", d.Admin, nil), http.StatusOK)
	return r.JSON["messages"].([]any)
}

// Issue 5, email in: a real SMTP conversation registers an appeal (channel
// email, received_at = arrival, Q29/Q30), replies thread onto it by the
// number in the subject and by In-Reply-To, a second delivery registers
// nothing, automatic mail is kept but not registered (no mail loops), the
// Russian profile's R2 section rule is flagged, and a database failure
// answers 451 so the sender retries.
func TestInboundMail(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d, addr := bootMail(t, dsn)

		// A new appeal with an attachment.
		shot := []byte("\x89PNG fake screenshot bytes")
		sum := sha256.Sum256(shot)
		first := "From: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Иван Петров")) + "?= <ivan@supplier.kz>\r\n" +
			"To: support@portal.kz\r\nSubject: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Не подаётся заявка token-A1")) + "?=\r\n" +
			"Message-ID: <m1@supplier.kz>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
			"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nОшибка при подписании ЭЦП, объявление 100200-1.\r\n" +
			"--XX\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"shot.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64.StdEncoding.EncodeToString(shot) + "\r\n--XX--\r\n"
		before := time.Now().UTC().Truncate(time.Microsecond)
		if err := sendMail(addr, "ivan@supplier.kz", "support@portal.kz", first); err != nil {
			t.Fatalf("SMTP: %v", err)
		}
		after := time.Now().UTC()
		rows := d.emailAppeals("token-A1")
		if len(rows) != 1 {
			t.Fatalf("want 1 appeal from the message, got %d", len(rows))
		}
		a := rows[0]
		number := a["number"].(string)
		recv, _ := time.Parse(time.RFC3339Nano, a["received_at"].(string))
		if a["channel"] != "email" || a["contact_email"] != "ivan@supplier.kz" || recv.Before(before) || recv.After(after) {
			t.Fatalf("appeal: channel %v, contact %v, received_at %v not within the SMTP conversation [%v, %v]",
				a["channel"], a["contact_email"], recv, before, after)
		}
		if !strings.Contains(a["description"].(string), "Ошибка при подписании") {
			t.Errorf("description lacks the body: %q", a["description"])
		}
		msgs := d.thread(number)
		if len(msgs) != 1 {
			t.Fatalf("thread: %d messages", len(msgs))
		}
		m0 := msgs[0].(map[string]any)
		atts := m0["attachments"].([]any)
		if m0["disposition"] != "appeal" || m0["message_id"] != "m1@supplier.kz" || len(atts) != 1 ||
			atts[0].(map[string]any)["sha256"] != hex.EncodeToString(sum[:]) || atts[0].(map[string]any)["filename"] != "shot.png" {
			t.Fatalf("first message: %v", m0)
		}
		got := d.must(d.req("GET", fmt.Sprintf("/api/v1/appeals/%s/messages/%.0f/attachments/0", number, m0["id"].(float64)), d.Admin, nil), http.StatusOK)
		if string(got.Raw) != string(shot) || got.Header.Get("Content-Type") != "image/png" {
			t.Errorf("attachment content: %q %s", got.Raw, got.Header.Get("Content-Type"))
		}

		// The same message delivered again (the sender did not see our 250).
		if err := sendMail(addr, "ivan@supplier.kz", "support@portal.kz", first); err != nil {
			t.Fatalf("SMTP, second delivery: %v", err)
		}
		if n := len(d.emailAppeals("token-A1")); n != 1 {
			t.Fatalf("duplicate delivery registered again: %d appeals", n)
		}

		// A reply naming the number in the subject, then one by In-Reply-To only.
		reply := eml("ivan@supplier.kz", "support@portal.kz", "m2@supplier.kz", "Re: ["+number+"] ещё скриншот token-A2", "вот ещё")
		byHeader := eml("ivan@supplier.kz", "support@portal.kz", "m3@supplier.kz", "дополнение token-A3", "и ещё",
			"In-Reply-To: <m1@supplier.kz>", "References: <m1@supplier.kz>")
		for _, m := range []string{reply, byHeader} {
			if err := sendMail(addr, "ivan@supplier.kz", "support@portal.kz", m); err != nil {
				t.Fatalf("SMTP: %v", err)
			}
		}
		if n := len(d.emailAppeals("token-A2")) + len(d.emailAppeals("token-A3")); n != 0 {
			t.Fatalf("replies opened %d new appeals", n)
		}
		msgs = d.thread(number)
		if len(msgs) != 3 || msgs[1].(map[string]any)["disposition"] != "follow_up" || msgs[2].(map[string]any)["disposition"] != "follow_up" {
			t.Fatalf("thread after replies: %v", msgs)
		}
		if r := msgs[2].(map[string]any)["reason"].(string); !strings.Contains(r, "In-Reply-To") {
			t.Errorf("threaded by header, reason %q", r)
		}

		// An out-of-office answer and a bounce: kept, never registered.
		ooo := eml("boss@customer.kz", "support@portal.kz", "ooo1@customer.kz", "Автоответ: в отпуске token-A4", "до 10 февраля",
			"Auto-Submitted: auto-replied")
		bounce := eml("MAILER-DAEMON@relay.kz", "support@portal.kz", "b1@relay.kz", "Undelivered Mail token-A5", "failed")
		if err := sendMail(addr, "boss@customer.kz", "support@portal.kz", ooo); err != nil {
			t.Fatal(err)
		}
		if err := smtp.SendMail(addr, nil, "", []string{"support@portal.kz"}, []byte(bounce)); err != nil {
			t.Fatal(err)
		}
		if n := len(d.emailAppeals("token-A4")) + len(d.emailAppeals("token-A5")); n != 0 {
			t.Fatalf("automatic mail registered: %d appeals", n)
		}
		ign := d.must(d.req("GET", "/api/v1/mail/ignored", d.Admin, nil), http.StatusOK).JSON["messages"].([]any)
		if len(ign) != 2 || !strings.Contains(ign[0].(map[string]any)["reason"].(string), "automatic") {
			t.Fatalf("ignored list: %v", ign)
		}

		// R2: the Russian address; a subject without a section is registered
		// and flagged, one with a section carries it as the module.
		for _, tc := range []struct{ subj, module string }{
			{"Ошибка при сохранении token-R1", ""},
			{"Определение поставщика: не публикуется извещение token-R2", "Определение поставщика"},
		} {
			msg := eml("zakupki@admhmao.example", "zakaz@ugra.example", "", tc.subj, "текст")
			if err := sendMail(addr, "zakupki@admhmao.example", "zakaz@ugra.example", msg); err != nil {
				t.Fatal(err)
			}
			token := tc.subj[strings.LastIndex(tc.subj, " ")+1:]
			rows := d.emailAppeals(token)
			if len(rows) != 1 || !strings.HasPrefix(rows[0]["profile"].(string), "ru-khmao-goszakaz") {
				t.Fatalf("%s: %v", token, rows)
			}
			mod, _ := rows[0]["module"].(string)
			th := d.thread(rows[0]["number"].(string))[0].(map[string]any)
			if mod != tc.module || th["section_missing"] != (tc.module == "") {
				t.Errorf("%s: module %q, section_missing %v", token, mod, th["section_missing"])
			}
		}
		d.verifyAudit()

		// The database is gone: the sender hears 451 and keeps the message.
		d.App.DB.Close()
		err := sendMail(addr, "ivan@supplier.kz", "support@portal.kz", eml("ivan@supplier.kz", "support@portal.kz", "m9@supplier.kz", "token-A9", "x"))
		if err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("with the database closed: %v, want a 451", err)
		}
	})
}
