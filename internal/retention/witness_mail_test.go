package retention_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/mail"
	"tenderdesk/internal/notify/notifytest"
	"tenderdesk/internal/retention"
	"tenderdesk/internal/signature"
	"tenderdesk/internal/signature/sigtest"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Issue 12's outside witness: the day's signed head of the audit chain
// goes to the authorized body through the outbox, over a real SMTP
// conversation; a relay that is down is retried like any outbox row; the
// document and the signature attached to the message verify against the
// desk's certificate with the desk's own verifier, and they are the stored
// checkpoint's, byte for byte (the text names them and keeps the
// document's line, with no base64).
func TestWitnessMailedToAuthorizedBody_Issue12(t *testing.T) {
	p := sigtest.NewPKI(t)
	bin := sigtest.Complete("99034000012", iin.Validate)
	c := p.Inter.Issue(sigtest.NCASubject("ТЕНДЕРДЕСК", "СЛУЖБА", sigtest.Complete("85010130012", iin.Validate), "АО «Оператор»", bin),
		sigtest.RSA, "v3_sign", sigtest.From, sigtest.To)
	dir := t.TempDir()
	sigtest.Run(t, dir, "pkcs12", "-export", "-in", c.Cert, "-inkey", c.Key, "-certfile", p.Inter.Cert, "-out", dir+"/desk.p12", "-passout", "pass:секрет")
	key, err := signature.LoadPKCS12(dir+"/desk.p12", "секрет")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := signature.LoadTrustDir(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var clk atomic.Int64
		clk.Store(time.Date(2026, 12, 3, 19, 0, 0, 0, time.UTC).UnixNano())
		now := func() time.Time { return time.Unix(0, clk.Load()).UTC() }
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := audit.Append(ctx, tx, db.Dialect, now(), audit.System, audit.Entry{Action: "test.record", ObjectType: "test", ObjectID: "1"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		const to = "witness@authority.example.kz"
		svc := &retention.Service{DB: db, Now: now, Terms: retention.DefaultTerms, Sign: key.Sign,
			WitnessEmail: to, MailDomain: "desk.test", Zone: "Asia/Almaty"}
		rep, err := svc.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.WitnessUnmailed || rep.Witness.Seq == 0 {
			t.Fatalf("%+v", rep)
		}
		sink := notifytest.Start(t)
		sender, err := mail.NewSender(mail.Config{RelayURL: sink.URL(), From: "Tenderdesk <noreply@desk.test>", HELO: "desk.test", Timeout: 5 * time.Second, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		w := &notify.Worker{DB: db, Sender: sender, Now: now, Concurrency: 1, Batch: 10, Jitter: func(d time.Duration) time.Duration { return 0 }}
		// The relay is down: the row stays pending with an attempt and an
		// error, visible in the outbox like any other.
		greeted(t, sink.Addr) // Stop before the sink serves would leave it serving
		sink.Stop()
		notifytest.Drain(t, w)
		rows, err := notify.List(ctx, db.R, notify.Filter{Status: "pending", Limit: 10})
		if err != nil || len(rows) != 1 || rows[0].Kind != "audit_witness" || rows[0].Attempts != 1 || rows[0].LastError == "" ||
			rows[0].Event != retention.WitnessEvent(rep.Witness) {
			all, _ := notify.List(ctx, db.R, notify.Filter{Limit: 10})
			t.Fatalf("pending after a failed attempt: %+v %v; all rows: %+v", rows, err, all)
		}
		if err := sink.Restart(); err != nil {
			t.Fatal(err)
		}
		clk.Add(int64(time.Hour))
		notifytest.Drain(t, w)
		msgs, _ := sink.Inbox(to)
		if len(msgs) != 1 {
			t.Fatalf("inbox: %+v", msgs)
		}
		m := msgs[0]
		if !strings.Contains(m.Subject, "Контрольная точка журнала аудита") || !strings.Contains(m.Text, rep.Witness.Hash) {
			t.Fatalf("%s\n%s", m.Subject, m.Text)
		}
		// The text stays readable: the head and the document's line, no
		// base64; the document and its CMS are the message's attachments.
		if line := witnessLine(t, m.Text); !bytes.Equal(line, rep.Witness.Document) {
			t.Fatalf("document line in the mail differs from the checkpoint's:\n%s\n%s", line, rep.Witness.Document)
		}
		docName, cmsName := retention.WitnessFiles(rep.Witness)
		if strings.Contains(m.Text, base64.StdEncoding.EncodeToString(rep.Witness.CMS)[:40]) || !strings.Contains(m.Text, cmsName) {
			t.Fatalf("the text carries the CMS in base64, or does not name its file:\n%s", m.Text)
		}
		doc, cms := witnessAttachment(t, m, docName, "application/json"), witnessAttachment(t, m, cmsName, "application/pkcs7-signature")
		if len(m.Attachments) != 2 {
			t.Fatalf("%d attachments, want the document and its CMS", len(m.Attachments))
		}
		if !bytes.Equal(doc, rep.Witness.Document) {
			t.Fatalf("document attached differs from the checkpoint's:\n%s\n%s", doc, rep.Witness.Document)
		}
		if !bytes.Equal(cms, rep.Witness.CMS) {
			t.Fatalf("CMS attached differs from the checkpoint's (%d and %d bytes)", len(cms), len(rep.Witness.CMS))
		}
		v := &signature.Verifier{Roots: ts.Roots, Intermediates: ts.Intermediates, Now: now}
		res, _, err := v.Verify(ctx, cms, doc, signature.Expect{BIN: bin})
		if err != nil {
			t.Fatalf("the mailed signature does not verify: %v", err)
		}
		if res.Certificate.SerialNumber.Cmp(key.Cert.SerialNumber) != 0 {
			t.Fatalf("signed by %s, not the desk", res.Serial)
		}
		// A changed document in the mail would be caught.
		if _, _, err := v.Verify(ctx, cms, bytes.Replace(doc, []byte(rep.Witness.Hash), []byte(strings.Repeat("0", 64)), 1), signature.Expect{}); signature.CodeOf(err) != signature.CodeTampered {
			t.Fatalf("a rewritten head verified: %v", err)
		}
		if got, err := notify.List(ctx, db.R, notify.Filter{Status: "sent", Limit: 10}); err != nil || len(got) != 1 {
			t.Fatalf("sent: %+v %v", got, err)
		}
	})
}

// Without an address the job does not fail: the witness is stored, the
// report says it went nowhere, nothing is queued.
func TestWitnessWithoutAddressWarns_Issue12(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Date(2026, 12, 3, 19, 0, 0, 0, time.UTC) }
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := audit.Append(ctx, tx, db.Dialect, now(), audit.System, audit.Entry{Action: "test.record", ObjectType: "test", ObjectID: "1"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rep, err := (&retention.Service{DB: db, Now: now, Terms: retention.DefaultTerms}).Run(ctx)
		if err != nil || !rep.WitnessUnmailed || rep.Witness.ID == 0 {
			t.Fatalf("%+v %v", rep, err)
		}
		if rows, err := notify.List(ctx, db.R, notify.Filter{Limit: 10}); err != nil || len(rows) != 0 {
			t.Fatalf("queued without an address: %+v %v", rows, err)
		}
	})
}

// greeted waits for the sink's SMTP greeting: its server is accepting.
func greeted(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.HasPrefix(line, "220") {
		t.Fatalf("sink greeting %q %v", line, err)
	}
}

// witnessLine reads the signed document from the message text (the line
// after its heading), as a reader at the authorized body would.
func witnessLine(t *testing.T, text string) []byte {
	t.Helper()
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Подписанный документ") && i+1 < len(lines) {
			return []byte(lines[i+1])
		}
	}
	t.Fatalf("no document in the message:\n%s", text)
	return nil
}

// witnessAttachment is the bytes of the attachment named name, of type ct.
func witnessAttachment(t *testing.T, m notifytest.Message, name, ct string) []byte {
	t.Helper()
	for _, a := range m.Attachments {
		if a.Name == name {
			if !strings.HasPrefix(a.ContentType, ct) {
				t.Errorf("%s: type %q, want %s", name, a.ContentType, ct)
			}
			return a.Data
		}
	}
	t.Fatalf("no attachment %s in the message: %+v", name, m.Attachments)
	return nil
}
