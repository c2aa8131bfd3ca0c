package app_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/files/clamdtest"
)

// tusCreate starts an upload of size bytes named name; it returns the
// upload's path.
func (d *desk) tusCreate(token, name string, size int64) reply {
	d.t.Helper()
	return d.req("POST", "/api/v1/uploads", token, nil, "Tus-Resumable", "1.0.0", "Upload-Length", strconv.FormatInt(size, 10),
		"Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte(name))+",filetype "+base64.StdEncoding.EncodeToString([]byte("image/png")))
}

func (d *desk) tusPatch(token, path string, off int64, part []byte) reply {
	d.t.Helper()
	return d.req("PATCH", path, token, part, "Tus-Resumable", "1.0.0", "Upload-Offset", strconv.FormatInt(off, 10),
		"Content-Type", "application/offset+octet-stream")
}

// upload sends data in parts of part bytes and returns the file id (0 and
// the last answer when it was refused).
func (d *desk) upload(token, name string, data []byte, part int) (int64, reply) {
	d.t.Helper()
	c := d.tusCreate(token, name, int64(len(data)))
	if c.Status != http.StatusCreated {
		return 0, c
	}
	path := c.Header.Get("Location")
	var r reply
	for off := 0; off < len(data) || off == 0; off += part {
		end := min(off+part, len(data))
		r = d.tusPatch(token, path, int64(off), data[off:end])
		if r.Status != http.StatusNoContent {
			return 0, r
		}
		if end == len(data) {
			break
		}
	}
	id, _ := strconv.ParseInt(r.Header.Get("Upload-File-Id"), 10, 64)
	return id, r
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{byte(seed)})
	_, _ = rng.Read(b)
	return b
}

func bootClamd(t *testing.T, dsn, clamd string) *desk {
	dir := t.TempDir()
	return boot(t, dsn, func(c *config.Config) { c.Clamd, c.FilesDir = clamd, dir })
}

// Safe uploads (Q8, Q26) through the real API and a real clamd: a 45 MB
// file in three parts; a part over 20 MB refused with 413 and a message; a
// file over the limit refused at creation; an interrupted part resumed
// from the offset the desk kept; the EICAR file blocked, the uploader told
// why, audited; a clean file attached to a message and served as an
// attachment to its organization and staff only.
func TestUploadsQ8Q26(t *testing.T) {
	clamd := clamdtest.Addr(t)
	backends(t, func(t *testing.T, dsn string) {
		d := bootClamd(t, dsn, clamd)
		alfa := d.user("alfa", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		beta := d.user("beta", auth.RoleApplicant, "990340005977", "ТОО «Бета»")
		op := d.user("op", auth.RoleOperator, "", "")

		big := randomBytes(45<<20, 1)
		id, r := d.upload(alfa, "снимок экрана.png", big, 15<<20)
		if id == 0 {
			t.Fatalf("45 MB in three parts: %s", r)
		}

		c := d.must(d.tusCreate(alfa, "big.bin", 25<<20), http.StatusCreated)
		r = d.tusPatch(alfa, c.Header.Get("Location"), 0, make([]byte, 20<<20+1))
		if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.errField(""), "20 MB") {
			t.Fatalf("Q8: a part over 20 MB: %s", r)
		}
		if r := d.tusCreate(alfa, "huge.bin", 101<<20); r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.errField(""), "100 MB") {
			t.Fatalf("over the 100 MB limit: %s", r)
		}

		// interrupted: the connection drops after 3 MB of a 10 MB part
		c = d.must(d.tusCreate(alfa, "resumed.bin", 10<<20), http.StatusCreated)
		path := c.Header.Get("Location")
		data := randomBytes(10<<20, 2)
		conn, err := net.Dial("tcp", strings.TrimPrefix(d.Base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"+
			"Content-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n", path, strings.TrimPrefix(d.Base, "http://"), alfa, len(data))
		_, _ = conn.Write(data[:3<<20])
		conn.Close()
		var off int64
		for i := 0; i < 500 && off == 0; i++ { // the desk records what arrived when it sees the connection close
			h := d.must(d.req("HEAD", path, alfa, nil, "Tus-Resumable", "1.0.0"), http.StatusOK)
			off, _ = strconv.ParseInt(h.Header.Get("Upload-Offset"), 10, 64)
			time.Sleep(10 * time.Millisecond)
		}
		if off <= 0 || off > 3<<20 {
			t.Fatalf("after the interruption the desk kept %d bytes", off)
		}
		if r := d.tusPatch(alfa, path, 0, data); r.Status != http.StatusConflict {
			t.Fatalf("a part at the wrong offset: %s", r)
		}
		r = d.tusPatch(alfa, path, off, data[off:])
		resumed, _ := strconv.ParseInt(r.Header.Get("Upload-File-Id"), 10, 64)
		if r.Status != http.StatusNoContent || resumed == 0 {
			t.Fatalf("resume: %s", r)
		}
		if r, _ := d.send("HEAD", path, beta, nil); r.Status != http.StatusNotFound { // a HEAD answer has no body to decode
			t.Fatalf("another user's upload: %d", r.Status)
		}

		// EICAR: blocked with a message, audited
		_, r = d.upload(alfa, "eicar.com", []byte(clamdtest.EICAR), 1<<20)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.errField(""), "infected") || !strings.Contains(r.errField(""), "Q26") {
			t.Fatalf("Q26: the EICAR file: %s", r)
		}
		var blocked int
		if err := d.App.DB.R.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'file.blocked' AND after LIKE '%EICAR%'`).Scan(&blocked); err != nil || blocked != 1 {
			t.Fatalf("Q26: the blocked file is audited: %d %v", blocked, err)
		}

		// attach and serve
		number, _ := d.register(alfa, nil)
		if r := d.req("POST", "/api/v1/appeals/"+number+"/messages", beta, map[string]any{"text": "x", "attachments": []int64{id}}); r.Status != http.StatusNotFound {
			t.Fatalf("another organization attached to the appeal: %s", r)
		}
		if r := d.req("POST", "/api/v1/appeals/"+number+"/messages", op, map[string]any{"text": "x", "attachments": []int64{id}}); r.Status != http.StatusBadRequest ||
			r.errField("attachments") == "" {
			t.Fatalf("staff attached the applicant's file as their own: %s", r)
		}
		d.must(d.req("POST", "/api/v1/appeals/"+number+"/messages", alfa, map[string]any{"text": "снимок", "attachments": []int64{id, resumed}}), http.StatusCreated)
		conv := d.must(d.req("GET", "/api/v1/appeals/"+number+"/conversation", alfa, nil), http.StatusOK)
		if !strings.Contains(string(conv.Raw), "снимок экрана.png") {
			t.Fatalf("the conversation lists the files: %s", conv)
		}
		want := sha256.Sum256(big)
		for _, who := range []struct {
			name, tok string
			status    int
		}{{"uploader", alfa, 200}, {"staff", op, 200}, {"another organization", beta, 404}} {
			r := d.req("GET", "/api/v1/files/"+strconv.FormatInt(id, 10), who.tok, nil)
			if r.Status != who.status {
				t.Fatalf("%s: %d", who.name, r.Status)
			}
			if who.status == 200 {
				got := sha256.Sum256(r.Raw)
				if got != want || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
					t.Fatalf("%s: %s, %s", who.name, hex.EncodeToString(got[:4]), r.Header.Get("Content-Disposition"))
				}
			}
		}
		d.verifyAudit()
	})
}

// Without a scanner uploads are refused, not stored unscanned; with
// scanning turned off explicitly they are stored as unscanned.
func TestUploadsNeedAScannerQ26(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		d := bootClamd(t, dsn, "")
		alfa := d.user("alfa", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		r := d.tusCreate(alfa, "a.txt", 5)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.errField(""), "--clamd") {
			t.Fatalf("no scanner: %s", r)
		}
	})
	t.Run("off", func(t *testing.T) {
		d := bootClamd(t, t.TempDir(), "off")
		alfa := d.user("alfa", auth.RoleApplicant, "123456789013", "ТОО «Альфа»")
		id, r := d.upload(alfa, "a.txt", []byte("hello"), 5)
		if id == 0 {
			t.Fatalf("scanning off: %s", r)
		}
		var scan string
		if err := d.App.DB.R.QueryRow(`SELECT scan FROM files WHERE id = $1`, id).Scan(&scan); err != nil || scan != "unscanned" {
			t.Fatalf("scan %q %v", scan, err)
		}
	})
}

// Q26 for inbound mail: attachments are scanned by the same clamd as
// they are parsed; the appeal is registered all the same, the infected
// attachment is listed with its verdict and never served.
func TestInboundAttachmentsScannedQ26(t *testing.T) {
	clamdtest.Addr(t)
	backends(t, func(t *testing.T, dsn string) {
		d, addr := bootMail(t, dsn)
		msg := "From: ivan@supplier.kz\r\nTo: support@portal.kz\r\nSubject: token-V1\r\nMessage-ID: <v1@supplier.kz>\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nсм. вложения\r\n" +
			"--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"eicar.com\"\r\n\r\n" + clamdtest.EICAR + "\r\n" +
			"--XX\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"log.txt\"\r\n\r\nall fine\r\n--XX--\r\n"
		if err := sendMail(addr, "ivan@supplier.kz", "support@portal.kz", msg); err != nil {
			t.Fatal(err)
		}
		rows := d.emailAppeals("token-V1")
		if len(rows) != 1 {
			t.Fatalf("the appeal is registered all the same: %d", len(rows))
		}
		number := rows[0]["number"].(string)
		m0 := d.thread(number)[0].(map[string]any)
		atts := m0["attachments"].([]any)
		if len(atts) != 2 || !strings.HasPrefix(atts[0].(map[string]any)["scan"].(string), "infected: ") || atts[1].(map[string]any)["scan"] != "clean" {
			t.Fatalf("verdicts: %v", atts)
		}
		base := fmt.Sprintf("/api/v1/appeals/%s/messages/%.0f/attachments/", number, m0["id"].(float64))
		if r := d.req("GET", base+"0", d.Admin, nil); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.errField(""), "infected") {
			t.Fatalf("the infected attachment is served: %s", r)
		}
		if r := d.must(d.req("GET", base+"1", d.Admin, nil), http.StatusOK); !strings.Contains(string(r.Raw), "all fine") {
			t.Fatalf("the clean one: %s", r)
		}
	})
}
