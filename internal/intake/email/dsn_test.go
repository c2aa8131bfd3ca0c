package email

import (
	"strings"
	"testing"
)

const dsnSample = "From: MAILER-DAEMON@mx.example.kz\r\nTo: desk@tenderdesk.kz\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
	"--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n" +
	"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.kz\r\n\r\n" +
	"Final-Recipient: rfc822; Bidder@Example.kz\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n" +
	"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <0123abcd@tenderdesk.kz>\r\nX-Tenderdesk-Event: appeal.level:2026-000001\r\nSubject: x\r\n" +
	"--B--\r\n"

// Issue 11: a bounce (RFC 3464) names the message it answers and why.
func TestParseDSN(t *testing.T) {
	d, ok := ParseDSN([]byte(dsnSample))
	if !ok || d.OriginalMessageID != "0123abcd@tenderdesk.kz" || d.Event != "appeal.level:2026-000001" || len(d.Recipients) != 1 {
		t.Fatalf("%+v %v", d, ok)
	}
	r := d.Recipients[0]
	if r.Address != "bidder@example.kz" || !r.Failed() || !strings.Contains(r.Reason(), "user unknown") || r.Status != "5.1.1" {
		t.Fatalf("%+v", r)
	}
	// a non-standard bounce quoting the original headers in its text
	plain := "From: postmaster@old.example\r\nSubject: failure notice\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n--- original ---\r\nMessage-ID: <feed@tenderdesk.kz>\r\n"
	if d, ok := ParseDSN([]byte(plain)); !ok || d.OriginalMessageID != "feed@tenderdesk.kz" {
		t.Fatalf("plain bounce: %+v %v", d, ok)
	}
	if _, ok := ParseDSN([]byte("Subject: hello\r\n\r\nno ids here\r\n")); ok {
		t.Fatal("a message naming nothing matched")
	}
	if _, ok := ParseDSN(nil); ok {
		t.Fatal("empty input matched")
	}
}

func FuzzParseDSN(f *testing.F) {
	f.Add([]byte(dsnSample))
	f.Add([]byte("Content-Type: message/delivery-status\r\n\r\nAction: failed\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, _ := ParseDSN(raw)
		for _, r := range d.Recipients {
			_ = r.Reason()
		}
	})
}
