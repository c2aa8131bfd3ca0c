package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
)

// Attachments (issue 13): the message becomes multipart/mixed with the
// text (and its HTML alternative) first, then each file base64-encoded
// with its media type; a Cyrillic/Kazakh file name travels as RFC 2231's
// filename* with an RFC 2047 fallback, and both decode to the name. Read
// back with the standard library's MIME reader, not go-mail's own.
func TestSendAttachments(t *testing.T) {
	s := &sink{}
	ln := listen(t)
	serve(t, s, ln, nil, false)
	snd := newSender(t, "smtp://"+ln.Addr().String(), nil)
	pdf := append([]byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), bytes.Repeat([]byte{0, 1, 2, 0xff, '\r', '\n'}, 5000)...)
	m := sample()
	names := []string{"Ежедневный анализ 03.12.2026 (қаз. ә ғ қ ң ө ұ ү һ і).pdf", "witness.unknownext"}
	m.Attachments = []Attachment{
		{Name: names[0], ContentType: "application/pdf", Data: pdf},
		{Name: names[1], Data: []byte("signature bytes")},
	}
	if err := snd.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := s.messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	checkSample(t, got[0]) // subject, text, html, IDs as without attachments
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("top Content-Type %q (%v): want multipart/mixed", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []*multipart.Part
	var bodies [][]byte
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		parts, bodies = append(parts, p), append(bodies, b)
	}
	if len(parts) != 3 {
		t.Fatalf("%d parts, want the text alternative and 2 files", len(parts))
	}
	if ct := parts[0].Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("first part %q, want the text/html alternative", ct)
	}
	wantType := []string{"application/pdf", "application/octet-stream"}
	wantData := [][]byte{pdf, []byte("signature bytes")}
	for i, p := range parts[1:] {
		h := p.Header
		if h.Get("Content-Transfer-Encoding") != "base64" {
			t.Errorf("file %d: transfer encoding %q", i, h.Get("Content-Transfer-Encoding"))
		}
		ct, cp, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil || ct != wantType[i] {
			t.Errorf("file %d: Content-Type %q (%v), want %s", i, h.Get("Content-Type"), err, wantType[i])
		}
		disp, dp, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || dp["filename"] != names[i] {
			t.Errorf("file %d: Content-Disposition %q → %q %q (%v), want attachment %q", i, h.Get("Content-Disposition"), disp, dp["filename"], err, names[i])
		}
		if i == 0 {
			if !strings.Contains(h.Get("Content-Disposition"), "filename*=utf-8''") {
				t.Errorf("Cyrillic name without RFC 2231's filename*: %q", h.Get("Content-Disposition"))
			}
			// The fallback for clients without RFC 2231: an encoded word.
			dec := new(mime.WordDecoder)
			if n, err := dec.DecodeHeader(cp["name"]); err != nil || n != names[0] {
				t.Errorf("Content-Type name %q → %q (%v)", cp["name"], n, err)
			}
		}
		for _, line := range strings.Split(string(bodies[i+1]), "\r\n") {
			if len(line) > 76 {
				t.Fatalf("file %d: base64 line of %d characters", i, len(line))
			}
		}
		data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(bodies[i+1]), "\r\n", ""))
		if err != nil || !bytes.Equal(data, wantData[i]) {
			t.Errorf("file %d: %d bytes decoded (%v), want the %d sent", i, len(data), err, len(wantData[i]))
		}
	}
	for _, line := range strings.Split(string(got[0].raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("a line of %d bytes (SMTP's limit 998)", len(line))
		}
	}
}

// A bad attachment is the message's fault: permanent, nothing sent.
func TestSendRefusesBadAttachments(t *testing.T) {
	s := &sink{}
	ln := listen(t)
	serve(t, s, ln, nil, false)
	snd := newSender(t, "smtp://"+ln.Addr().String(), nil)
	for _, a := range []Attachment{
		{Name: "", Data: []byte("x")},
		{Name: "../etc/passwd", Data: []byte("x")},
		{Name: "a\r\nBcc: x@y.z", Data: []byte("x")},
		{Name: "a.pdf", ContentType: "not a type;;", Data: []byte("x")},
	} {
		m := sample()
		m.Attachments = []Attachment{a}
		err := snd.Send(context.Background(), m)
		if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), "attachment 1") {
			t.Errorf("%q: %v, want a permanent build error naming the attachment", a.Name, err)
		}
	}
	if n := len(s.messages()); n != 0 {
		t.Fatalf("%d messages sent", n)
	}
}
